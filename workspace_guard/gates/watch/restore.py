"""Putting back what HEAD has, after keeping what was found in quarantine.

Restores write a temporary file in the same folder, fsync it and rename it over the path
(`fsutil.atomic_write`; a symbolic link is made and renamed the same way), so a
reader never sees half a file, and only after the unauthorised bytes are safe in quarantine: a
restore that cannot keep the evidence does not happen. Blobs come from one persistent
`git cat-file --batch` (GitPython's object database), imported only when first needed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from workspace_guard.fsutil import atomic_write
from workspace_guard.gates.watch.baseline import Entry
from workspace_guard.gates.watch.fs import Observation
from workspace_guard.state import quarantine

log = logging.getLogger("workspace_guard.watch")
# changes a restore can undo (an unreadable file cannot be kept, so it is not touched)
RESTORABLE = (
    "modified",
    "deleted",
    "created",
    "renamed",
    "mode",
    "symlink",
    "directory",
    "special",
    "type",
)


class Restorer:
    """Quarantine and put back committed content; blobs come from one persistent
    `git cat-file --batch` (GitPython's object database), imported only when first needed."""

    def __init__(self, root: str, state_dir: str, umask: int) -> None:
        self.root = root
        self.state_dir = state_dir
        self.umask = umask
        self._repo: Any = None
        self._count = 0

    def warm(self, oid: str | None) -> None:
        """Start the cat-file process before the first restore is needed."""
        if oid:
            try:
                self.blob(oid)
            except Exception as exc:  # warming is best effort
                log.warning("could not prepare restores: %s", exc)

    def blob(self, oid: str) -> bytes:
        """The content of a committed blob."""
        try:
            if self._repo is None:
                import git as gitpython

                self._repo = gitpython.Repo(self.root)
            data: bytes = self._repo.odb.stream(bytes.fromhex(oid)).read()
            return data
        except Exception:
            self.close()
            from workspace_guard import git

            return git.cat_blob(oid, self.root)

    def close(self) -> None:
        if self._repo is not None:
            with contextlib.suppress(Exception):
                self._repo.close()
            self._repo = None

    def keep(self, rel: str, found: Observation, change: str) -> str | None:
        """Move what was found at `rel` into quarantine; the path to it, or None if nothing to
        keep (a deletion, a mode change). Raises OSError (then nothing must be restored)."""
        path = os.path.join(self.root, rel)
        if change in ("deleted", "mode"):
            return None
        if found.kind in ("dir", "special"):
            return quarantine.keep_tree(self.state_dir, rel, path)
        suffix = ".symlink" if found.kind == "link" else ""
        data = found.data
        if data is None:  # too large to have been kept in memory
            with open(path, "rb") as handle:
                data = handle.read()
        return quarantine.keep_bytes(self.state_dir, rel, data, suffix=suffix)

    def put_back(self, rel: str, entry: Entry | None, found: Observation) -> None:
        """Make `rel` what HEAD has (or absent, for a new file). Raises OSError."""
        path = os.path.join(self.root, rel)
        if entry is None:
            if os.path.lexists(path) and not os.path.isdir(path):
                os.unlink(path)
            return
        data = self.blob(entry.oid)
        parent = os.path.dirname(path)
        if entry.mode == "120000":
            os.makedirs(parent, exist_ok=True)
            self._count += 1
            tmp = os.path.join(parent, f".{os.path.basename(path)}.{os.getpid()}-{self._count}.tmp")
            try:
                os.symlink(data, os.fsencode(tmp))
                os.replace(tmp, path)
            except OSError:
                if os.path.lexists(tmp):
                    os.unlink(tmp)
                raise
        else:  # fsynced before the rename: a restore must survive a power loss
            atomic_write(path, data, mode=self._perm(entry.mode, found), fsync=True)
        _fsync_dir(parent)

    def _perm(self, mode: str, found: Observation) -> int:
        """Keep the file's permission bits when it was a file; set the exec bits as committed."""
        perm = found.perm if found.perm is not None else 0o666 & ~self.umask
        if mode == "100755":
            return perm | ((perm & 0o444) >> 2)
        return perm & ~0o111


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

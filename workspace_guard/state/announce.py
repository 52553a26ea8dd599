"""workspace-guard's own writes to git's config and to the work tree, announced on the audit
chain first.

The watch daemon treats a change of an enforcement key in `.git/config` (`workspace-guard.*`,
`core.hooksPath`, …) as a violation unless workspace-guard made it. It cannot see which process
wrote the file, so `install` says what it is about to write before writing it: an audit record
(`layer: install`, `action: configure`, `file`, `key`, `value`; `null` for a removal), then the
write. The daemon accepts exactly that value for that key, once (gates/watch/gitconfig). The
announcement is only as strong as the audit chain — and the harness gate lets only a superuser
run `install`.

Files `install`, `install --harness X`, `uninstall` and `init` write into the work tree (the
harness settings, the hook launcher, the MCP entry, the rules) are announced the same way: an
audit record (`layer: install`, `action: write`, `path` relative to the work tree, `blob`: the
git blob id of the bytes about to be written; `null` for a removal), then the write. The daemon
accepts exactly those bytes at that path, once, for a protected file that is new or changed and
not committed yet, and audits the change as install's (`by: install`; gates/watch/engine). The
same file changed by anyone else afterwards is a violation as before.
"""

from __future__ import annotations

import hashlib
import os

from workspace_guard import git
from workspace_guard.errors import GitError
from workspace_guard.fsutil import atomic_write
from workspace_guard.state import audit


def git_config(cwd: str, key: str, value: str | None) -> git.Result:
    """`git config --local KEY VALUE` (or `--unset-all KEY` for None), announced first."""
    common = git.repo_info(cwd).common_dir
    record = {
        "layer": "install",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": "configure",
        "escalate_to": None,
        "file": os.path.join(common, "config"),
        "key": key,
        "value": value,
    }
    audit.append(os.path.join(common, "workspace-guard"), [record])
    if value is None:
        return git.run(["config", "--local", "--unset-all", key], cwd, check=False)
    return git.run(["config", "--local", key, value], cwd)


def _blob_id(data: bytes, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def _announce_file(path: str, data: bytes | None) -> None:
    """The audit record for a write (or, `data` None, a removal) of `path` in a work tree; none
    outside a repository's work tree (nothing watches it there)."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        info = git.repo_info(folder)
    except GitError:
        return
    if info.root is None:
        return
    rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), os.path.realpath(info.root))
    if rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return
    algorithm = "sha256" if info.head and len(info.head) == 64 else "sha1"
    record = {
        "layer": "install",
        "agent": None,
        "path": rel.replace(os.sep, "/"),
        "owner": None,
        "level": None,
        "action": "write",
        "escalate_to": None,
        "blob": None if data is None else _blob_id(data, algorithm),
    }
    audit.append(os.path.join(info.common_dir, "workspace-guard"), [record])


def write_file(path: str, data: str | bytes, *, mode: int | None = None) -> None:
    """`atomic_write(path, data, mode=mode)`, announced first. Raises OSError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _announce_file(path, raw)
    atomic_write(path, raw, mode=mode)


def remove_file(path: str) -> None:
    """`os.remove(path)`, announced first. Raises OSError."""
    _announce_file(path, None)
    os.remove(path)

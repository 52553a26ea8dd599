"""What is on disk at a protected path, reduced to something comparable with `git ls-tree`.

Events are hints; the verdict comes from content. A path's state is summarised as a *signature*
string (`file:<blob id>:x`, `link:<blob id>`, `missing`, `dir`, …) computed the way git names
content (`sha1("blob <size>\\0" + bytes)`), so it compares with the committed blob ids without
one `git hash-object` exec per file. Non-regular files are never opened (a FIFO would block us).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace

from workspace_guard.i18n import strerror

MISSING = "missing"
DIRECTORY = "dir"
SPECIAL = "special"
MAX_BYTES = 256 * 1024 * 1024  # larger files are hashed, but not kept in memory for quarantine


def blob_id(data: bytes, algorithm: str = "sha1") -> str:
    """git's object id of a blob with this content."""
    digest = hashlib.new(algorithm)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def entry_signature(mode: str, oid: str) -> str:
    """The signature a committed `ls-tree` entry stands for."""
    if mode == "120000":
        return f"link:{oid}"
    return f"file:{oid}:{'x' if mode == '100755' else '-'}"


@dataclass(frozen=True)
class Observation:
    """One look at a path: its signature, and the bytes when they are small enough to keep."""

    signature: str
    data: bytes | None = None  # file content or link target, for quarantine
    perm: int | None = None  # permission bits of a regular file
    error: str | None = None  # why it could not be read
    links: int = 1  # hard links to a regular file (more than one: writable from elsewhere)
    key: tuple[int, ...] | None = None  # `stat_key` as of before the look: what was judged

    @property
    def kind(self) -> str:
        return self.signature.split(":", 1)[0]

    @property
    def oid(self) -> str | None:
        """The blob id, for files and links."""
        parts = self.signature.split(":")
        return parts[1] if parts[0] in ("file", "link") else None


def observe(path: str, algorithm: str = "sha1") -> Observation:
    """Look at `path` without following a final symlink; never raises for file-system trouble."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Observation(MISSING)
    except NotADirectoryError:  # a parent was replaced by a file
        return Observation(MISSING)
    except OSError as exc:
        return _unreadable(exc)
    mode, key = info.st_mode, _key(info)
    if stat.S_ISLNK(mode):
        return replace(_observe_link(path, algorithm), key=key)
    if stat.S_ISDIR(mode):
        return Observation(DIRECTORY, key=key)
    if not stat.S_ISREG(mode):
        return Observation(SPECIAL, key=key)
    return replace(_observe_file(path, info, algorithm), key=key)


def _observe_link(path: str, algorithm: str) -> Observation:
    try:
        target = os.readlink(os.fsencode(path))
    except FileNotFoundError:
        return Observation(MISSING)
    except OSError as exc:
        return _unreadable(exc)
    return Observation(f"link:{blob_id(target, algorithm)}", data=target)


def _observe_file(path: str, info: os.stat_result, algorithm: str) -> Observation:
    """Hash a regular file; O_NOFOLLOW|O_NONBLOCK so a swap for a link or FIFO cannot trap us."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return Observation(MISSING)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a symlink between lstat and open
            return _observe_link(path, algorithm)
        return _unreadable(exc)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            return Observation(SPECIAL)
        data = _read_all(fd, opened.st_size)
    except OSError as exc:
        return _unreadable(exc)
    finally:
        os.close(fd)
    executable = "x" if opened.st_mode & stat.S_IXUSR else "-"
    kept = data if len(data) <= MAX_BYTES else None
    return Observation(
        f"file:{blob_id(data, algorithm)}:{executable}",
        data=kept,
        perm=stat.S_IMODE(opened.st_mode),
        links=opened.st_nlink,
    )


STALE = (-1,)  # a stat key no file has: the next poll judges the file again


def stat_key(path: str) -> tuple[int, ...] | None:
    """What changes when a file is written through any of its names (inode, size, times)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return _key(info)


def _key(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_nlink)


def settled(
    path: str, good: bytes | Callable[[bytes | None], bool] | None
) -> tuple[int, ...] | None:
    """The stat key the next polls compare with, after a judgement wrote (or left) the file:
    that of the file as `look` finds it when its bytes are `good` (the bytes, or a test of
    them; None: no file). A write that landed after ours (before this look) fails the test and
    gets `STALE`, so the next poll judges it: the path's stat taken after the restore would
    have made that write the reference."""
    key, now = look(path)
    test = good if callable(good) else (lambda found: found == good)
    return key if key != STALE and test(now) else STALE


def look(path: str) -> tuple[tuple[int, ...] | None, bytes | None]:
    """The stat key and the bytes of one open file (None, None: no file; `STALE`: unreadable),
    so the key is that of the bytes returned, whatever replaces the file meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, None
    except OSError:
        return STALE, None
    try:
        info = os.fstat(fd)
        with open(fd, "rb", closefd=False) as handle:
            return _key(info), handle.read()
    except OSError:
        return STALE, None
    finally:
        os.close(fd)


def _read_all(fd: int, size_hint: int) -> bytes:
    """Everything up to EOF (a file may grow while we read: the hash is of what we read)."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, max(size_hint + 1, 1 << 16))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _unreadable(exc: OSError) -> Observation:
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return Observation(f"unreadable:{code}", error=strerror(exc))


def classify(before: str, after: str) -> str:
    """Name the change from the committed signature `before` to the found signature `after`."""
    kind_before, kind_after = before.split(":", 1)[0], after.split(":", 1)[0]
    if kind_before == MISSING:
        return "created"
    names = {
        MISSING: "deleted",
        DIRECTORY: "directory",
        SPECIAL: "special",
        "unreadable": "unreadable",
    }
    if kind_after in names:
        return names[kind_after]
    if kind_before != kind_after:
        return "symlink" if kind_after == "link" else "type"
    if kind_after == "file" and before.split(":")[1] == after.split(":")[1]:
        return "mode"
    return "modified"


def short(signature: str) -> str | None:
    """The blob id in a signature (for sha_before / sha_after), or None."""
    parts = signature.split(":")
    return parts[1] if parts[0] in ("file", "link") else None

"""File-system helpers shared by every layer: the one atomic write, and the one bounded search
for the other names of a hard-linked file.

A reader (a hook, the daemon, another agent's command) must never see half a file: a rules
cache, a state file or a hook script is written to a temporary file in the same directory and
renamed over the target, which POSIX makes atomic. The temporary name is unique per process
and per call (threads of the daemon write too), and it is removed when the write fails, so a
full disk leaves the old file and no litter.

Only `os` is imported: the commit hooks and the validator write their caches through this.
"""

from __future__ import annotations

import itertools
import os

_CALLS = itertools.count()  # next() is atomic under the GIL: unique names across threads


def atomic_write(
    path: str,
    data: str | bytes,
    *,
    mode: int | None = None,
    encoding: str = "utf-8",
    makedirs: bool = True,
    fsync: bool = False,
) -> None:
    """Replace `path` with `data` (text is written with `\\n` line ends, as given).

    `mode`: the new file's permission bits (the umask applies otherwise); `makedirs`: create
    missing parent folders; `fsync`: flush to the disk before the rename (for state that must
    survive a power loss, at the cost of a disk round trip). Raises OSError; the caller decides
    whether a failure is an error (a state file) or only lost speed (a cache).
    """
    parent = os.path.dirname(os.path.abspath(path))
    if makedirs:
        os.makedirs(parent, exist_ok=True)
    tmp = f"{path}.{os.getpid()}-{next(_CALLS)}.tmp"
    raw = data.encode(encoding) if isinstance(data, str) else data
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            if mode is not None:
                os.fchmod(fd, mode)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:  # noqa: SIM105 - contextlib is not loaded on the hooks' path
            os.unlink(tmp)
        except OSError:
            pass
        raise


def same_file_below(
    tops: list[str],
    wanted: tuple[int, int],
    limit: int,
    skip: tuple[str, ...] = (),
    first: bool = False,
) -> list[str] | None:
    """The regular files below `tops` that are the file `wanted` (device, inode), by a walk that
    follows no link and enters no folder named in `skip`; None once it has read more than
    `limit` entries (the caller then fails closed). With `first`, it ends at the first found."""
    out: list[str] = []
    todo = list(tops)
    seen = 0
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        seen += len(entries)
        if seen > limit:
            return None
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skip:
                        todo.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    other = entry.stat(follow_symlinks=False)
                    if (other.st_dev, other.st_ino) == wanted:
                        out.append(entry.path)
                        if first:
                            return out
            except OSError:
                continue
    return out


# The resolved spelling of each absolute path asked during one hook call (`one_call`), else
# None: the gate's checks of one call (git's directory, the harnesses' settings, the PATH
# folders, the gate's own program, later code, install's files) each resolve the same few
# folders — the repository, the home folder, the written file's folder — about 18 `realpath`s
# of 5 paths a call, an `lstat` per component each, in Python. Every call reads the disk afresh
# (the hook server outlives any change of those folders); within a call, once.
class _Call:
    paths: dict[str, str] | None = None


def real(path: str) -> str:
    """`os.path.realpath(path)`, remembered for the current hook call (`one_call`) when `path`
    is absolute; errors are raised each time, as `realpath` raises them."""
    memo = _Call.paths
    if memo is None or not path.startswith(os.sep):
        return os.path.realpath(path)
    found = memo.get(path)
    if found is None:
        found = memo[path] = os.path.realpath(path)
    return found


def one_call(start: bool) -> None:
    """Start (True) or end (False) one hook call's memory of resolved paths (`real`)."""
    _Call.paths = {} if start else None


def link_on_the_way(path: str, links: dict[str, bool]) -> bool:
    """Whether `path` (absolute, normalised) or a folder on the way to it is a symbolic link, or
    cannot be looked at (then `realpath` may name it otherwise); False means `realpath(path)` is
    `path`. One `lstat` per folder that exists, each answer kept in `links` (a caller checking
    many paths below the same folders pays for each folder once)."""
    import stat

    at = 0
    while at >= 0:
        at = path.find(os.sep, at + 1)
        prefix = path if at < 0 else path[:at]
        known = links.get(prefix)
        if known is None:
            try:
                known = stat.S_ISLNK(os.lstat(prefix).st_mode)
            except (FileNotFoundError, NotADirectoryError):
                return False  # nothing below exists: no link on the rest of the way
            except (OSError, ValueError):
                known = True
            links[prefix] = known
        if known:
            return True
    return False


HEAD_WIDTH = 128  # a small state file rewritten in place is padded to at least this many bytes


def rewrite_in_place(path: str, data: str) -> None:
    """Make the small file `path` hold `data` (ASCII text; blanks then `\\n` pad it to at least
    its old length and `HEAD_WIDTH`) by one `pwrite` at its start, instead of a new file renamed
    over it: ext4 writes a replaced file's data out at such a rename (`auto_da_alloc`), 1–5 ms
    on a shared disk, paid by every hook call that appends to a log. Used for the logs' head
    files, written under the log's lock; a JSON reader takes the padding as whitespace. A path
    that is not one regular file with one name (a link, a FIFO, a hard link) is replaced as
    before (`atomic_write`), so no other file is ever written through it."""
    import stat

    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o666)
    except OSError:
        fd = -1
    if fd >= 0:
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
                body = data.rstrip("\n").encode("ascii")
                width = max(len(body) + 1, st.st_size, HEAD_WIDTH)
                raw = body + b" " * (width - len(body) - 1) + b"\n"
                if os.pwrite(fd, raw, 0) == len(raw):
                    return
        finally:
            os.close(fd)
    atomic_write(path, data, encoding="ascii", makedirs=False)

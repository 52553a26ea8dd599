"""Targets reaching the repository through symlinks already on disk (ATTACK F17).

Why: a link made by an earlier, allowed call (``ln -s ../../app office/lnk``) turns the next
call's ``sed -i office/lnk/*.py``, ``find office/ -L -delete`` or ``rm -rf office/lnk/`` into a
write of ``app/``. The analysis is pure and cannot see the disk, so the gate resolves here:

- a glob's longest literal directory (``office/lnk`` in ``office/lnk/*.py``) with realpath, the
  rest of the pattern kept;
- each symlink below that directory the glob could pass through (``office/*/main.py``,
  ``office/**/main.py``; a bounded walk that follows no link): a link the pattern reaches counts
  as writing everything at or below what it points to;
- a literal target with realpath (a directory: everything below it), except a plain
  ``rm``/``unlink`` of a link without a trailing ``/``, which removes the link itself.

Hard links (ATTACK F40): ``ln app/main.py office/h`` made earlier shares the file, and a write of
``office/h`` (or ``/tmp/h``) rewrites ``app/main.py``'s bytes. A file whose link count is above
one is therefore also every tracked file with the same device and inode (:func:`same_file`); the
glob walk looks for such files as it looks for symlinks. Where the link count says there are
names that git's listing does not account for, the work tree itself is searched (a bounded walk:
untracked and ignored files, `.env` and the like, that the rules may protect); a walk past its
bound counts as reaching every tracked file (fail closed). Outside the repository, the names
searched are those the gate refuses to every tool and can list at a bounded cost: the harnesses'
settings files and the gate's own program (the `workspace_guard` package and the folder of the
interpreter and console scripts) — only on the file's own device, since a hard link never
crosses one (:func:`outside_names`). Git's directory and the hooks folders are gitdir.py's. Any
other name elsewhere on the disk (the Python installation's standard library, another
repository) is not found: making such a link from a protected or installed file is itself a write
of that file (bash/files.py), and a link made outside every harness is the daemon's to see.
"""

from __future__ import annotations

import os
import posixpath
import re

from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path
from workspace_guard.gates.harness.kernel_paths import physical

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from workspace_guard.gates.harness.bash import Target

_GLOB = re.compile(r"[*?\[]")
_DYNAMIC = re.compile(r"[$`]")
_MAX_ENTRIES = 20_000  # directory entries a walk may read (more: every file, fail closed)


def linked_paths(
    target: Target, root: str, tracked: Callable[[], list[str]], inside: Callable[[str], str | None]
) -> list[str]:
    """Repository paths ``target`` reaches through symlinks on disk (not already its own)."""
    path = target.path
    if path.startswith("~"):
        path = posixpath.expanduser(path)
    if not path.startswith("/"):
        return []
    if target.glob:
        out = _glob_links(path, root, tracked, inside) + _up_from_glob(path, root, tracked)
        real = physical(path, root)
        if real != posixpath.normpath(path):  # `lnk/../*.py`: beside the link's target (F110)
            from workspace_guard.gates.harness.bash import Target, could_write

            moved = Target(real, target.kind, False, True)
            out += [p for p in tracked() if could_write(moved, os.path.join(root, p))]
            out += _glob_links(real, root, tracked, inside)
        return out
    # `lnk/../x` is x beside the link's target (F110); a trailing `/` kept (`rm -rf lnk/`)
    path = physical(path, root) + ("/" if path.endswith("/") and path != "/" else "")
    out = _literal_links(target, path, root, tracked, inside)
    if not (target.kind == "rm" and not path.endswith("/")):  # `rm h` removes one name only
        out += same_file(posixpath.normpath(path), root, tracked)
    return out


def _up_from_glob(pattern: str, root: str, tracked: Callable[[], list[str]]) -> list[str]:
    """The tracked paths a glob with `..` after a wildcard (`tests/l*/../main.py`) names, each
    match resolved as the kernel opens it (a link among them leads elsewhere, F110); a run-time
    value before the `..`, or more matches than a bounded walk reads: every tracked path."""
    import glob
    import itertools

    segments = pattern.split("/")
    ups = [k for k, s in enumerate(segments) if s == ".."]
    wild = next((k for k, s in enumerate(segments) if _GLOB.search(s) or _DYNAMIC.search(s)), None)
    if wild is None or not ups or ups[-1] < wild:
        return []
    if any(_DYNAMIC.search(s) for s in segments[: ups[-1]]):
        return tracked()
    found = list(itertools.islice(glob.iglob(pattern), _MAX_ENTRIES + 1))
    if len(found) > _MAX_ENTRIES:
        return tracked()
    top = os.path.realpath(root)
    out: list[str] = []
    for match in found:
        real = os.path.realpath(physical(match, root))
        if real == top or real.startswith(top + "/"):
            rel = real[len(top) + 1 :]
            prefix = rel + "/" if rel else ""
            out += [rel] if rel else []
            out += [p for p in tracked() if os.path.isdir(real) and p.startswith(prefix)]
    return out


def same_file(path: str, root: str, tracked: Callable[[], list[str]]) -> list[str]:
    """The tracked paths that are the same file as ``path`` through a hard link (none when
    ``path`` is not a regular file with more than one link)."""
    import stat

    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return []
    if st.st_nlink < 2 or not stat.S_ISREG(st.st_mode):
        return []
    wanted = (st.st_dev, st.st_ino)
    names = _shared(root, tracked).get(wanted, [])
    here = os.path.realpath(path)
    out = [rel for rel in names if os.path.join(root, rel) != here]
    if st.st_nlink > len(out) + 1:  # names git's listing does not know: search the work tree
        found = _untracked_names(root, wanted, {here, *(os.path.join(root, r) for r in out)})
        out += tracked() if found is None else found
    return out


def _untracked_names(root: str, wanted: tuple[int, int], known: set[str]) -> list[str] | None:
    """Repository paths of the files below `root` (git's directories aside) that are the file
    `wanted` (device, inode) under a name not in `known`; None past the walk's bound."""
    from workspace_guard.fsutil import same_file_below

    found = same_file_below([root], wanted, _MAX_ENTRIES, skip=(".git",))
    if found is None:
        return None
    return [os.path.relpath(p, root).replace(os.sep, "/") for p in found if p not in known]


def linked_outside(path: str, cwd: str) -> tuple[bool, bool]:
    """Whether `path` is, through a hard link made earlier, (a harness's settings file, a file
    of the gate's own program): :func:`outside_names`, sorted for the gate's two denials."""
    names = outside_names(path, cwd)
    if not names:
        return False, False
    from workspace_guard.gates.harness.harness_settings import is_settings

    settings = [n for n in names if is_settings(n, cwd)]
    return bool(settings), len(settings) < len(names)


def outside_names(path: str, cwd: str) -> list[str]:
    """The other names of the file a tool writes at `path` (a hard link made earlier) among the
    files outside the repository that no tool may write and that can be listed at a bounded
    cost: the harnesses' settings files (harness_settings.py) and the gate's own program (the
    `workspace_guard` package, the folder of the interpreter and the console scripts). Only a
    regular file with more than one link is looked up, and only on its own device."""
    import stat
    import sys

    if "\x00" in path:
        return []
    absolute = absolute_path(path, cwd)
    try:
        st = os.stat(absolute)
    except (OSError, ValueError):
        return []
    if st.st_nlink < 2 or not stat.S_ISREG(st.st_mode):
        return []
    wanted = (st.st_dev, st.st_ino)
    from workspace_guard.gates.harness.harness_settings import _files

    out = [f for f in _files(os.environ) if _is(f, wanted)]
    import workspace_guard

    package = os.path.dirname(os.path.abspath(workspace_guard.__file__))
    for top in dict.fromkeys([package, os.path.dirname(os.path.abspath(sys.executable))]):
        out += _same_below(top, wanted)
    here = os.path.realpath(absolute)
    return [f for f in dict.fromkeys(out) if os.path.realpath(f) != here]


def _is(path: str, wanted: tuple[int, int]) -> bool:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == wanted


def _same_below(top: str, wanted: tuple[int, int]) -> list[str]:
    """Files below `top` that are `wanted` (a bounded walk; none when `top` is on another
    device; past the bound, `top` itself: every name there may be it)."""
    from workspace_guard.fsutil import same_file_below

    try:
        if os.stat(top).st_dev != wanted[0]:
            return []
    except OSError:
        return []
    found = same_file_below([top], wanted, _MAX_ENTRIES)
    return [top] if found is None else found


def _shared(root: str, tracked: Callable[[], list[str]]) -> dict[tuple[int, int], list[str]]:
    """(device, inode) → tracked paths, for the tracked files with more than one link (one
    `lstat` per tracked file, only when a multiply-linked file is written: rare)."""
    found: dict[tuple[int, int], list[str]] = {}
    for rel in tracked():
        try:
            st = os.lstat(os.path.join(root, rel))
        except OSError:
            continue
        if st.st_nlink > 1:
            found.setdefault((st.st_dev, st.st_ino), []).append(rel)
    return found


def _literal_links(
    target: Target,
    path: str,
    root: str,
    tracked: Callable[[], list[str]],
    inside: Callable[[str], str | None],
) -> list[str]:
    norm = posixpath.normpath(path)
    link_itself = target.kind == "rm" and not path.endswith("/") and os.path.islink(norm)
    real = os.path.realpath(posixpath.dirname(norm) if link_itself else norm)
    if link_itself:
        real = posixpath.join(real, posixpath.basename(norm))
    if real == norm:
        return []
    return _below(real, root, tracked, inside, whole=not link_itself)


def _below(
    real: str,
    root: str,
    tracked: Callable[[], list[str]],
    inside: Callable[[str], str | None],
    whole: bool = True,
) -> list[str]:
    """``real`` and, when it is a directory, every tracked path below it (repository paths)."""
    rel = inside(real)
    if rel is None:
        return []
    out = [rel] if rel else []
    if whole and (rel == "" or os.path.isdir(os.path.join(root, rel))):
        prefix = rel + "/" if rel else ""
        out += [p for p in tracked() if p.startswith(prefix)]
    return out


def _glob_links(
    pattern: str,
    root: str,
    tracked: Callable[[], list[str]],
    inside: Callable[[str], str | None],
) -> list[str]:
    from workspace_guard.gates.harness.bash import Target, could_write

    segments = posixpath.normpath(pattern).split("/")
    first = next((k for k, s in enumerate(segments) if _GLOB.search(s) or _DYNAMIC.search(s)), None)
    if first is None:  # `find DIR/ -name main.py` names DIR/main.py: a literal after all
        real = os.path.realpath(posixpath.normpath(pattern))
        return [] if real == posixpath.normpath(pattern) else _below(real, root, tracked, inside)
    if first <= 1:
        return []  # `*` at the top: no literal directory to resolve (the pattern covers all)
    literal = "/".join(segments[:first])
    rest = segments[first:]
    if _DYNAMIC.search(literal) or not os.path.isdir(literal):
        return []
    out: list[str] = []
    real = os.path.realpath(literal)
    if real != literal:
        rewritten = Target(posixpath.join(real, *rest), "link", False, True)
        mapped = _in_root(real, root)
        if mapped is not None:
            rewritten = Target(posixpath.join(mapped, *rest), "link", False, True)
        out += [p for p in tracked() if could_write(rewritten, os.path.join(root, p))]
    unbounded = any(s == "**" or _DYNAMIC.search(s) for s in rest)
    depth = None if unbounded else len(rest)
    walked = _links_under(real, depth)
    if walked is None:
        return tracked()
    links, shared = walked
    for link in links:
        if _may_pass(rest, link[len(real) + 1 :].split("/")):
            out += _below(os.path.realpath(link), root, tracked, inside)
    for name in shared:
        if _may_pass(rest, name[len(real) + 1 :].split("/")):
            names = same_file(name, root, tracked)
            if len(names) + 1 < _links_of(name):  # other names unseen (git's? gitdir.py)
                return tracked()
            out += names
    return out


def _links_of(path: str) -> int:
    try:
        return os.lstat(path).st_nlink
    except OSError:
        return 1


def _in_root(real: str, root: str) -> str | None:
    """``real`` written below ``root`` as given (the root's own path may hold a link)."""
    real_root = os.path.realpath(root)
    if real == real_root or real.startswith(real_root + "/"):
        return root + real[len(real_root) :]
    return None


def _links_under(top: str, depth: int | None) -> tuple[list[str], list[str]] | None:
    """Symlinks, and regular files with more than one link, below ``top`` down to ``depth``
    levels, following none; None when the walk would read more than a bounded number of
    entries (then: every tracked path, fail closed)."""
    out: list[str] = []
    shared: list[str] = []
    todo = [(top, 1)]
    seen = 0
    while todo:
        directory, level = todo.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        seen += len(entries)
        if seen > _MAX_ENTRIES:
            return None
        for entry in entries:
            if entry.name == ".git":
                continue
            if entry.is_symlink():
                out.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                if depth is None or level < depth:
                    todo.append((entry.path, level + 1))
            elif _multiply_linked(entry):
                shared.append(entry.path)
    return out, shared


def _multiply_linked(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_nlink > 1
    except OSError:
        return False


def _may_pass(rest: list[str], parts: list[str]) -> bool:
    """Whether the pattern segments ``rest`` may match the link path ``parts`` or a path below
    it (``**`` and run-time values match any number of segments)."""
    from fnmatch import fnmatchcase

    for k, part in enumerate(parts):
        if k >= len(rest):
            return False
        seg = rest[k]
        if seg == "**" or _DYNAMIC.search(seg):
            return True
        if not fnmatchcase(part, seg) or (part.startswith(".") and not seg.startswith(".")):
            return False
    return True


def hard_linked(root: str, path: str, cwd: str, tracked: list[str]) -> list[str]:
    """The tracked files a file tool's `path` is through a hard link made earlier, inside the
    repository or not (ATTACK F40): writing it writes them. `tracked` is filled on first use
    (git's listing, once per call)."""
    if "\x00" in path:
        return []

    def listed() -> list[str]:
        if not tracked:
            from workspace_guard import git

            tracked.extend(git.ls_files(root))
        return tracked

    absolute = absolute_path(path, cwd)
    return same_file(absolute, root, listed)

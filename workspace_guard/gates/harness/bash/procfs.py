"""Paths through ``/proc`` and ``/dev/fd``: names whose meaning depends on a process.

Why: ``/proc/self/cwd/app/main.py`` *is* ``app/main.py`` for the process that opens it, and
``exec 3<app; echo x > /dev/fd/3/main.py`` writes ``app/main.py`` too (Linux follows these magic
links, and reopens a descriptor's file with the new mode: a file opened for reading is written
through ``/dev/fd/N``). Left as written, such a path is outside the repository and nothing is
judged. So, before a target is recorded, its ``/proc`` part is replaced by what it names:

* the shell's own process (``self``, ``thread-self``, ``$BASHPID``, ``/dev/fd``, ``/dev/stdin``…):
  ``cwd`` is the cwd the analysis follows, ``root`` is ``/``, ``fd/N`` is the file this command
  opened on descriptor N (a redirection, ``exec``); a descriptor it did not open is the harness's
  (its pipes): no file, unless a path goes *below* it (a directory: only known at run time);
* ``$$`` (the top-level shell, also from a subshell or ``bash -c``): its cwd where the command
  forked, or the cwd here; from a background job, only known at run time;
* any other process (``/proc/1234``, ``$PPID``, ``/proc/*``): only known at run time. The part
  after the magic link is kept below a variable (``$PROC_CWD/app/main.py``) and judged like every
  other dynamic target by :func:`~workspace_guard.gates.harness.bash.policy.could_write`: it may
  be any directory's ``app/main.py``; with nothing after it (``/proc/1/fd/5``), any file.

A component only known at run time (``/$P/self/cwd/…``, ``/proc/self/$C/…``, ``$P/cwd/…``, a
glob such as ``/proc/sel[f]/cwd/…``) where the path may still lead into ``/proc`` or ``/dev`` may
be one of these names: every later ``cwd``/``root``/``fd`` it could reach counts as another
process's. A variable is taken to go down, never up (``..``), as everywhere in the analysis:
``app/$F`` stays below ``app``.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from workspace_guard.gates.harness.bash.policy import _glob_regex
from workspace_guard.gates.harness.bash.syntax import ANY_PATH

SELF, MAIN, OTHER = "<self>", "<main>", "<other>"
DYNAMIC_CWD = "$PROC_CWD"  # a process's cwd only known at run time
DYNAMIC_ROOT = "$PROC_ROOT"
DYNAMIC_FD = "$PROC_FD"

_DYNAMIC = re.compile(r"[$`]")
_GLOB = re.compile(r"[*?\[]")
_SELF_NAMES = frozenset({"$BASHPID", "${BASHPID}"})
_MAIN_NAMES = frozenset({"$$", "${$}"})
_STREAMS = {"stdin": "0", "stdout": "1", "stderr": "2"}
_KEYWORDS = ("cwd", "root", "fd", "map_files", "stdin", "stdout", "stderr")

# (path, glob) pairs, as the analysis records targets
Paths = list[tuple[str, bool]]


class Process:
    """What the analysis knows of the shell: its cwd, ``$$``'s cwd, its open descriptors."""

    def __init__(self, cwd: str, main: str | None, fds: dict[str, Paths]) -> None:
        self.cwd, self.main, self.fds = cwd, main, fds

    def cwd_of(self, pid: str) -> Paths:
        if pid == SELF:
            return [(self.cwd, "$" in self.cwd)]
        if pid == MAIN:
            if self.main == DYNAMIC_CWD:  # a background job: the shell may have moved since
                return [(DYNAMIC_CWD, True)]
            cwds = dict.fromkeys(c for c in (self.cwd, self.main) if c is not None)
            return [(c, "$" in c) for c in cwds]
        return [(DYNAMIC_CWD, True)]

    def fd(self, pid: str, number: str | None, below: bool) -> Paths:
        """The files behind descriptor ``number`` (None: any); ``below``: a path goes under it."""
        if pid == OTHER:
            return [(DYNAMIC_FD, True)]
        if number is None:
            found = [p for paths in self.fds.values() for p in paths]
        else:
            found = list(self.fds.get(number, []))
        if below and (number is None or number not in self.fds):
            found.append((DYNAMIC_FD, True))  # a directory descriptor not opened here
        return found


def through(path: str, glob: bool, proc: Process) -> tuple[Paths, bool] | None:
    """What ``path`` names when it goes through ``/proc`` or ``/dev/fd``: (paths, replaced).

    None for any other path. ``replaced``: the path as written names nothing else (a literal
    magic path); otherwise the extra paths are added to it (a component known at run time).
    """
    if path == ANY_PATH or not path.startswith(("/", "$")):
        return None  # `~/…`: the harness's HOME
    home = _home_inside(path, glob, proc)
    if home is not None:
        return home
    plain = "proc" not in path and "dev" not in path and not _DYNAMIC.search(path)
    if plain and not (glob and _GLOB.search(path)):
        return None
    parts = path.split("/")
    if not path.startswith("/"):
        return _run_time(parts, 0, glob, proc)
    stack: list[str] = []
    for index, part in enumerate(parts):
        if part in ("", "."):
            continue
        pid_slot = stack == ["proc"]
        if pid_slot and part in _MAIN_NAMES | _SELF_NAMES:
            stack.append(MAIN if part in _MAIN_NAMES else SELF)
        elif (_DYNAMIC.search(part) or (glob and _GLOB.search(part))) and _reachable(stack):
            if _fd_slot(stack):  # /proc/self/fd/$N: any descriptor of this shell
                below = _rest(parts[index + 1 :]) != []
                return _joined(proc.fd(stack[1], None, below), parts[index + 1 :])
            found = _run_time(parts, index, glob, proc)
            if found is not None and stack[:1] in (["proc"], ["dev"]):
                return found[0], True  # `/proc/$PPID/…` names no file of its own
            return found
        elif part == "..":
            if stack:
                stack.pop()
        else:
            stack.append(part)
            _substitute(stack)
        magic = _magic(stack, proc, below=_rest(parts[index + 1 :]) != [])
        if magic is not None:
            return _joined(magic, parts[index + 1 :])
    return None


def _home_inside(path: str, glob: bool, proc: Process) -> tuple[Paths, bool] | None:
    """``/$HOME/x``, ``/proc/self/root$HOME/x``, ``/proc/$$/root/~/x`` (ATTACK F127): ``$HOME``
    expands to ``~`` in the middle of a word, and HOME is absolute, so after a folder that is
    ``/`` (the root, any process's ``root`` magic link) the path is ``~/x``: the home folder's
    protected files are judged by that spelling, beside the path as written."""
    index = path.find("~", 1)
    tail = path[index:] if index > 0 else ""
    if not (tail == "~" or tail.startswith("~/")) or "~" in path[:index]:
        return None
    head = path[:index].rstrip("/")
    if not head or posixpath.normpath(head) == "/" or head.strip("/.") == "":
        return [(tail, glob)], False
    found = through(head + "/.", glob, proc)
    if found is None:
        return None
    out: Paths = []
    for base, dynamic in found[0]:
        if base in ("/", ANY_PATH) or base.startswith(DYNAMIC_ROOT):
            out.append((tail, glob or dynamic))  # another process's root: `/` but in a chroot
        if base not in ("/", ANY_PATH):
            out.append((posixpath.join(base, tail), True))
    return (list(dict.fromkeys(out)), False) if out else None


def _reachable(stack: list[str]) -> bool:
    """Whether a glob here may match a name that leads to a magic link (a glob only matches what
    its directory holds: ``app/*`` never reaches ``/proc``)."""
    if stack in ([], ["dev"], ["proc"]):
        return True
    if len(stack) < 2 or stack[0] != "proc" or stack[1] not in (SELF, MAIN, OTHER):
        return False
    return _tail(stack) in ([], ["task"], ["fd"], ["map_files"])


def _fd_slot(stack: list[str]) -> bool:
    return len(stack) >= 3 and stack[0] == "proc" and stack[1] != OTHER and _tail(stack) == ["fd"]


def _substitute(stack: list[str]) -> None:
    """The symbolic links on the way: ``/dev/fd``, ``/dev/stdin``, ``/proc/self``, ``/proc/N``…"""
    if stack[:1] == ["dev"] and len(stack) == 2:
        if stack[1] == "fd":
            stack[:] = ["proc", SELF, "fd"]
        elif stack[1] in _STREAMS:
            stack[:] = ["proc", SELF, "fd", _STREAMS[stack[1]]]
    elif stack[:1] == ["proc"] and len(stack) == 2:
        name = stack[1]
        if name == "self":
            stack[1] = SELF
        elif name == "thread-self":
            stack[1:] = [SELF, "task", SELF]
        elif name == "net":
            stack[1:] = [SELF, "net"]
        elif name.isdigit():
            stack[1] = OTHER


def _tail(stack: list[str]) -> list[str]:
    """The part of a ``/proc/PID[/task/TID]/…`` path after the process (threads share it)."""
    tail = stack[2:]
    return tail[2:] if tail[:1] == ["task"] and len(tail) >= 2 else tail


def _magic(stack: list[str], proc: Process, below: bool) -> Paths | None:
    """What a ``/proc/PID/…`` prefix names once it is a magic link, else None."""
    if len(stack) < 3 or stack[0] != "proc" or stack[1] not in (SELF, MAIN, OTHER):
        return None
    pid, tail = stack[1], _tail(stack)
    if tail == ["cwd"]:
        return proc.cwd_of(pid)
    if tail == ["root"]:
        return [("/", False)] if pid != OTHER else [(DYNAMIC_ROOT, True)]
    if len(tail) == 2 and tail[0] == "fd":
        return proc.fd(pid, tail[1], below)
    if len(tail) == 2 and tail[0] == "map_files":  # mapped files: only known at run time
        return [(DYNAMIC_FD, True)]
    return None


def _rest(parts: list[str]) -> list[str]:
    return [p for p in parts if p not in ("", ".")]


def _joined(bases: Paths, rest_parts: list[str]) -> tuple[Paths, bool]:
    rest = "/".join(_rest(rest_parts))
    out: Paths = []
    for base, dynamic in bases:
        if not rest:
            out.append((ANY_PATH, True) if base.startswith("$PROC_") else (base, dynamic))
        else:
            out.append((posixpath.join(base, rest), dynamic))
    return out, True


def _run_time(parts: list[str], start: int, glob: bool, proc: Process) -> tuple[Paths, bool] | None:
    """A component known only at run time (or a glob) may be ``proc``, ``self``, ``cwd``…: each
    later magic name it could reach counts as another process's (the path as written stays)."""
    out: Paths = []
    for j in range(start, len(parts)):
        part = parts[j]
        if j == 0 and part.startswith("$"):
            continue  # `$D/x` may already be any directory's `x`
        for keyword in _KEYWORDS:
            if not _may_be(part, keyword, glob):
                continue
            if keyword in _STREAMS:
                bases = proc.fd(SELF, _STREAMS[keyword], below=bool(_rest(parts[j + 1 :])))
                out += _joined(bases, parts[j + 1 :])[0]
            elif keyword in ("fd", "map_files"):
                out += _joined([(DYNAMIC_FD, True)], parts[j + 2 :])[0]
            else:
                out += _joined([(DYNAMIC_CWD, True)], parts[j + 1 :])[0]
            break
    return (list(dict.fromkeys(out)), False) if out else None


def _may_be(part: str, keyword: str, glob: bool) -> bool:
    if part == keyword:
        return True
    if _DYNAMIC.search(part):  # `$X` may be `cwd`, or `self/cwd`; `$F.py` may not
        pattern = _glob_regex(part)
        return pattern is None or pattern.fullmatch(keyword) is not None
    return glob and bool(_GLOB.search(part)) and fnmatch.fnmatchcase(keyword, part)


_DESCRIPTOR = re.compile(r"/dev/(?:fd/|std(?:in|out|err)$)|/proc/[^/]+/(?:task/[^/]+/)?fd/")


def descriptor(path: str) -> bool:
    """Whether ``path`` reads a descriptor (``/dev/fd/63`` of ``<(…)``, ``/dev/stdin``…): a
    script read that way comes from a pipe or a here-string, not from a file the gate can see."""
    if not path.startswith("/"):
        return False
    return _DESCRIPTOR.match(posixpath.normpath(path)) is not None


def directory(path: str, proc: Process) -> str:
    """The directory ``cd PATH`` (or ``git -C``, ``env -C``) lands in."""
    found = through(path, False, proc)
    if found is None or not found[1]:
        return path
    paths = [p for p, _ in found[0]]
    if len(paths) == 1 and paths[0] != ANY_PATH:
        return paths[0]
    return DYNAMIC_CWD

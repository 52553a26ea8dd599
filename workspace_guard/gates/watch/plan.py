"""Which directories to watch, and whether the kernel really gave us the watches.

inotify watches directories, and every watched directory shares one kernel queue, so watching
the whole tree lets an `npm install` in `node_modules/` drown the event for `app/main.py`
(notes/file-watching.md §3, §7.8). We watch only where a protected path can appear: the folders
of protected tracked files and their ancestors (non-recursively: an ancestor's rename is a
deletion of everything below it), folders named by directory rules (recursively), and, for
patterns that float to any depth, every folder holding tracked files. Where a subtree consists of
nothing but folders we would watch anyway, one recursive schedule replaces many flat ones:
watchdog spends a thread per schedule, and 2,000 flat schedules cost 1 s and 45 MiB.

The watch limit fails silently below a watch's root (measured), so after scheduling we count our
own watches in /proc/self/fdinfo and compare with what the plan expects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from workspace_guard.core.model import ProtectedRule
from workspace_guard.core.patterns import literal_prefix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from workspace_guard.gates.watch.baseline import Baseline, Protection


@dataclass(frozen=True)
class Plan:
    """Directories (repository-relative, "" is the root) to watch flat or recursively."""

    flat: frozenset[str]
    recursive: frozenset[str]
    missing: frozenset[str]  # wanted folders that do not exist yet: their creation re-plans
    expected: int  # inotify watches the plan should take
    floating: bool = False  # a pattern floats to any depth: every tracked folder is watched

    def schedules(self) -> list[tuple[str, bool]]:
        """(directory, recursive), shallow first: protected folders get their watches first."""
        items = [(d, False) for d in self.flat] + [(d, True) for d in self.recursive]
        return sorted(items, key=lambda item: (item[0].count("/"), item[0]))

    def affected_by(self, rel: str) -> bool:
        """A folder created, moved or removed at `rel` changes what must be watched."""
        if rel in self.flat or rel in self.recursive:
            return True
        prefix = rel + "/"
        return any(m == rel or m.startswith(prefix) for m in self.missing) or any(
            d.startswith(prefix) for d in self.flat | self.recursive
        )


def make_plan(root: str, baseline: Baseline, protection: Protection) -> Plan:
    """The plan for the current rules, baseline and disk."""
    wants = _Wants(root)
    for rel in baseline.entries:
        wants.add(_parent(rel), deep=False)
    floating = False
    for rule in protection.active_rules():
        target = rule_target(root, rule)
        if target is None:
            floating = True
        else:
            wants.add(target[0], deep=target[1])
    if floating:
        for rel in baseline.tracked_dirs:
            if os.path.isdir(os.path.join(root, rel)):
                wants.add(rel, deep=False)
    flat = {d for d in wants.flat if not protection.excluded(d)}
    recursive = _topmost({d for d in wants.recursive if not protection.excluded(d)})
    flat = {d for d in flat if not _below_any(d, recursive)}
    flat, recursive, expected = _coalesce(root, flat, recursive)
    return Plan(frozenset(flat), frozenset(recursive), frozenset(wants.missing), expected, floating)


def rule_target(root: str, rule: ProtectedRule) -> tuple[str, bool] | None:
    """The folder a rule's matches live in and whether below it counts; None: it floats."""
    prefix = literal_prefix(rule.pattern)
    if prefix is None:
        return None
    text = rule.pattern.lstrip("/")
    if prefix == text:  # no wildcard: a file, or a folder (with or without the trailing '/')
        name = text.rstrip("/")
        if text.endswith("/") or os.path.isdir(os.path.join(root, name)):
            return (name, True) if name else None
        return _parent(name), False
    folder = prefix[: prefix.rfind("/")] if "/" in prefix else ""
    rest = text[len(folder) + 1 :] if folder else text
    deep = "/" in rest.rstrip("/") or "**" in rest or text.endswith("/")
    if deep and not folder:
        return None  # a recursive watch on the root would include .git: treat as floating
    return folder, deep


def _parent(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def _ancestors(rel: str) -> Iterable[str]:
    while rel:
        rel = _parent(rel)
        yield rel


class _Wants:
    """Folders to watch flat or recursively, and wanted folders that do not exist yet."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.flat: set[str] = set()
        self.recursive: set[str] = set()
        self.missing: set[str] = set()

    def add(self, rel: str, *, deep: bool) -> None:
        """Watch `rel` (or, while it does not exist, its deepest existing ancestor) and its
        ancestors (flat: a rename of an ancestor removes everything below it)."""
        if not deep and rel in self.flat:
            return  # already wanted, ancestors included (50k protected files: one stat each)
        if not os.path.isdir(os.path.join(self.root, rel)):
            self.missing.add(rel)
            deep = False
            while rel and not os.path.isdir(os.path.join(self.root, rel)):
                rel = _parent(rel)
        (self.recursive if deep and rel else self.flat).add(rel)
        self.flat.update(_ancestors(rel))


def _below_any(rel: str, folders: set[str]) -> bool:
    return any(rel == d or rel.startswith(d + "/") for d in folders)


def _topmost(folders: set[str]) -> set[str]:
    return {d for d in folders if not any(a in folders for a in _ancestors(d))}


def _coalesce(root: str, flat: set[str], recursive: set[str]) -> tuple[set[str], set[str], int]:
    """Replace flat watches by one recursive watch where a subtree holds only watched folders;
    also the number of watches the result takes (counted during the same walk)."""
    memo: dict[str, bool] = {}
    sizes: dict[str, int] = {}  # folders in a subtree that will be watched recursively

    def size(rel: str) -> int:
        if rel not in sizes:
            sizes[rel] = count_dirs(os.path.join(root, rel))
        return sizes[rel]

    def clean(rel: str) -> bool:
        if rel not in memo:
            memo[rel] = False
            children = _subdirs(root, rel)
            ok = children is not None and all(
                c in recursive or (c in flat and clean(c)) for c in children
            )
            if ok and children is not None:
                sizes[rel] = 1 + sum(size(c) for c in children)
            memo[rel] = ok
        return memo[rel]

    promoted: set[str] = set()
    for rel in sorted(flat, key=lambda d: d.count("/")):
        if rel and not any(a in promoted for a in _ancestors(rel)) and clean(rel):
            promoted.add(rel)
    merged = _topmost(recursive | promoted)
    flat = {d for d in flat if not _below_any(d, merged)}
    return flat, merged, len(flat) + sum(size(d) for d in merged)


def _subdirs(root: str, rel: str) -> list[str] | None:
    """Child folders (symlinks excluded, as watchdog does); None when unreadable."""
    try:
        with os.scandir(os.path.join(root, rel)) as it:
            names = [e.name for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        return None
    return [f"{rel}/{n}" if rel else n for n in names]


def count_dirs(path: str) -> int:
    """Folders at and below `path` (symlinks not followed): the watches a recursive watch takes."""
    total = 1
    try:
        with os.scandir(path) as it:
            subdirs = [e.path for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    for sub in subdirs:
        total += count_dirs(sub)
    return total


# --- the kernel's side -----------------------------------------------------------------------


def count_watches(pid: str = "self") -> int:
    """inotify watches held by a process: `inotify wd:` lines of its inotify descriptors."""
    total = 0
    fd_dir = f"/proc/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return 0
    for name in names:
        try:
            if os.readlink(f"{fd_dir}/{name}") != "anon_inode:inotify":
                continue
            with open(f"/proc/{pid}/fdinfo/{name}", encoding="ascii", errors="replace") as f:
                total += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            continue
    return total


def max_user_watches() -> int | None:
    """The kernel's per-user watch limit."""
    try:
        with open("/proc/sys/fs/inotify/max_user_watches", encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def user_watches() -> int:
    """Watches held by every process of our user (the limit is per user, not per process)."""
    uid, total = os.getuid(), 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
        except OSError:
            continue
        total += count_watches(pid)
    return total

"""Ownership patterns (GitHub CODEOWNERS syntax) and the index that finds the rule deciding a path.

The meaning of a pattern, stated once so that the regex translation and the index agree
(contract §3, research in notes/ownership-matching.md §1):

* A pattern names *entries* (files or directories) by their repository-relative path. It matches a
  path P when it names P itself or one of P's directories, so a pattern naming a directory covers
  everything below it.
* A leading ``/`` or a ``/`` inside anchors the pattern at the root; otherwise it floats (as if it
  started with ``**/``). A trailing ``/`` names directories only, so it matches what lies below.
* ``*`` and ``?`` never cross ``/``; a ``**`` segment spans zero or more directories (one or more
  at the end: ``a/**`` is ``a/``); ``\\`` escapes; ``[``, ``]`` and ``!`` are literal.
* A last segment that is exactly ``*`` names the entry itself only: ``docs/*`` owns
  ``docs/x.md`` but not ``docs/sub/y.md``, and ``/*`` owns the files at the top level only
  (GitHub's documented ``docs/*`` example; hmarr/codeowners and pathspec agree on ``/*``).

Paths handed to the matcher are already normalised: relative, ``/``-separated, no ``./``, no
leading or trailing ``/``. This module is pure and small to import, because it runs inside git
hooks where every millisecond of import is noticed (it imports ``re`` and ``operator`` only).
"""

from __future__ import annotations

import re
from operator import methodcaller

from workspace_guard.core.pattern_syntax import (
    _GLOBSTAR,
    _SPECIAL,
    PatternError,
    _check_text,
    _prefix_source,
    _Seg,
    _Shape,
    _shape,
    check_pattern,
    literal_prefix,
    pattern_regex,
)

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    _Test = Callable[[str], object]
    _FileInfo = tuple[
        int,  # the best rule for every file of the directory
        dict[str, int],  # literal basenames -> rule
        dict[str, tuple[tuple[int, _Test | None], ...]],  # extension -> tests, index descending
        tuple[tuple[int, _Test], ...],  # other basename tests, index descending
    ]

__all__ = ["PatternError", "PatternIndex", "check_pattern", "literal_prefix", "pattern_regex"]


# --- the index ------------------------------------------------------------------------------
#
# Most ownership rules are literal paths, directory names, extensions or the catch-all, so they
# become dict lookups (prior art: ripgrep globset's MatchStrategy). What a rule says about the
# files of one directory is worked out once per directory and cached: the best rule naming the
# directory or one above it, the literal basenames that win, and the remaining basename tests
# keyed by the extension they require. Per path that leaves two or three dict lookups and,
# rarely, a test on the basename, tried only while its rule beats the best hit so far.

_LITERAL, _ANY, _EXT, _CALL = range(4)


class _Name:
    """How one segment tests one name, in the cheapest form that is still exact."""

    __slots__ = ("_pending", "_test", "ext", "kind", "literal")

    def __init__(self, seg: _Seg) -> None:
        self.literal = seg.literal
        #: names matching the segment all have this last extension (the text after the last '.')
        self.ext: str | None = None
        self._test: Callable[[str], object] | None = None
        self._pending: str | None = None  # a regex not compiled yet: most rules never need it
        dot = seg.tail.rfind(".")
        if seg.literal is not None:
            self.kind = _LITERAL
            return
        if seg.star == "*":
            self.kind = _ANY
            return
        if dot >= 0:
            self.ext = seg.tail[dot + 1 :]
        if seg.suffix is None:
            self._pending = seg.regex
        elif seg.suffix != f".{self.ext}":
            self._test = methodcaller("endswith", seg.suffix)
        self.kind = _CALL if self.ext is None else _EXT

    def test(self) -> Callable[[str], object] | None:
        """The check left after the extension; None when the extension alone decides."""
        if self._pending is not None:
            self._test = re.compile(self._pending, re.DOTALL).fullmatch
            self._pending = None
        return self._test

    def matches(self, name: str) -> bool:
        """The same test for a directory's name (not on the hot path)."""
        if self.kind == _LITERAL:
            return name == self.literal
        test = self.test()
        if test is not None:
            return bool(test(name))
        return self.kind == _ANY or name.endswith(f".{self.ext}")


class _Rule:
    """A rule that is not a plain lookup: its last segment under a pattern of directories."""

    __slots__ = ("_prefix", "globstar", "index", "key", "mode", "name", "nseg", "shape")

    def __init__(self, index: int, shape: _Shape) -> None:
        self.index = index
        self.shape = shape
        *head, last = shape.segs
        lead: list[str] = []
        for seg in head:
            if seg.literal is None:
                break
            lead.append(seg.literal)
        #: the literal directories every match lies in ("" for the root or a floating rule)
        self.key = "/".join(lead)
        rest = head[len(lead) :]
        if not rest:
            self.mode = "equal"  # the last segment names entries of `key` itself
        elif len(rest) == 1 and rest[0].star == _GLOBSTAR:
            self.mode = "below"  # ... of `key` or any directory below it
        else:
            self.mode = "regex"
        self.nseg = len(shape.segs)
        self.globstar = any(s.star == _GLOBSTAR for s in shape.segs)
        self.name = _Name(last)
        self._prefix: re.Pattern[str] | None = None

    def _in(self, directory: str, depth: int) -> bool:
        """Can the last segment name an entry directly in ``directory`` (``depth`` names deep)?"""
        if not (self.globstar or self.nseg == depth + 1):
            return False
        if self.mode == "equal":
            return directory == self.key
        if self.mode == "below":
            key = self.key
            return not key or directory == key or directory.startswith(f"{key}/")
        if self._prefix is None:
            self._prefix = re.compile(_prefix_source(self.shape.segs[:-1]), re.DOTALL)
        return self._prefix.fullmatch(f"{directory}/" if directory else "") is not None

    def holds_files_of(self, directory: str, depth: int) -> bool:
        """Can the rule name a file directly in ``directory``?"""
        return not self.shape.dir_only and self._in(directory, depth)

    def names_directory(self, parent: str, name: str, depth: int) -> bool:
        """Does the rule name the directory ``parent/name`` (and so all below it)?"""
        return not self.shape.exact and self._in(parent, depth - 1) and self.name.matches(name)


class _Dir:
    """What a directory passes on to its files and subdirectories."""

    __slots__ = ("best", "depth", "live")

    def __init__(self, best: int, live: tuple[_Rule, ...], depth: int) -> None:
        self.best = best  # last rule naming this directory or one above it
        self.live = live  # rules that may still win below, index descending
        self.depth = depth


class PatternIndex:
    """Ordered patterns compiled for "which is the last one matching this path?".

    Built once per rules file. A cache grows by one entry per directory queried, so a batch of
    paths costs a few dict lookups per path. Safe to share between threads: cache entries are
    only ever added, and are the same whoever computes them.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns: tuple[str, ...] = tuple(patterns)
        self._catch_all = -1
        self._literal_dirs: dict[str, int] = {}  # '/a/b', '/a/b/': naming the directory a/b
        self._literal_files: dict[str, dict[str, int]] = {}  # '/a/b': {'a': {'b': i}}
        self._names_dir: dict[str, int] = {}  # 'name', 'name/', '**/name' naming a directory
        self._names_file: list[tuple[int, str]] = []  # 'name', '**/name' naming a file
        self._globs_dir: list[tuple[int, _Name]] = []  # '*.py', 'x*/', '**/a?' on directories
        self._globs_file: list[tuple[int, _Name]] = []  # ... and on files
        buckets: dict[str, list[_Rule]] = {}
        for index, pattern in enumerate(self.patterns):
            plain = _plain(pattern)
            if plain is not None:
                self._add_literal(index, *plain)
            else:
                self._add(index, _indexed_shape(index, pattern), buckets)
        for found in (self._names_file, self._globs_dir, self._globs_file):
            found.reverse()  # all scans run from the last rule down
        self._buckets = {key: tuple(rules[::-1]) for key, rules in buckets.items()}
        root_live = tuple(r for r in self._buckets.get("", ()) if r.index > self._catch_all)
        self._dirs: dict[str, _Dir] = {"": _Dir(self._catch_all, root_live, 0)}
        self._files: dict[str, _FileInfo] = {}
        self._regexes: list[re.Pattern[str]] | None = None

    def _add(self, index: int, shape: _Shape, buckets: dict[str, list[_Rule]]) -> None:
        """File one rule under the cheapest structure that answers it exactly."""
        segs, last = shape.segs, shape.segs[-1]
        if _is_catch_all(shape):
            self._catch_all = index
        elif all(s.literal is not None for s in segs):
            self._add_literal(index, "/".join(s.literal or "" for s in segs), True, shape.dir_only)
        elif shape.floating and len(segs) == 2 and last.literal is not None:
            self._add_literal(index, last.literal, False, shape.dir_only)
        elif shape.floating and len(segs) == 2:
            self._globs_dir.append((index, _Name(last)))
            if not shape.dir_only:
                self._globs_file.append(self._globs_dir[-1])
        else:
            rule = _Rule(index, shape)
            buckets.setdefault(rule.key, []).append(rule)

    def _add_literal(self, index: int, path: str, anchored: bool, dir_only: bool) -> None:
        """A rule without wildcards: '/a/b' or 'a/b' (anchored), 'name' or '**/name' (not)."""
        if anchored:
            self._literal_dirs[path] = index
            if not dir_only:
                directory, _, name = path.rpartition("/")
                self._literal_files.setdefault(directory, {})[name] = index
        else:
            self._names_dir[path] = index
            if not dir_only:
                self._names_file.append((index, path))

    def match(self, path: str) -> int:
        """Index of the last pattern matching ``path`` (normalised, repo-relative), or -1."""
        return self.match_many((path,))[0]

    def match_many(self, paths: Iterable[str]) -> list[int]:
        """:meth:`match` for each path, in order. The hot loop: keep it flat."""
        files = self._files
        file_info = self._file_info
        out: list[int] = []
        append = out.append
        for path in paths:
            directory, _, base = path.rpartition("/")
            info = files.get(directory)
            if info is None:
                info = file_info(directory)
            best, literals, by_ext, calls = info
            found = literals.get(base, -1)
            if found > best:  # noqa: PLR1730 -- max() costs a call per path
                best = found
            if by_ext:
                dot = base.rfind(".")
                if dot >= 0:
                    for index, test in by_ext.get(base[dot + 1 :], ()):
                        if index <= best:
                            break
                        if test is None or test(base):
                            best = index
                            break
            for index, test in calls:
                if index <= best:
                    break
                if test(base):
                    best = index
                    break
            append(best)
        return out

    def matches(self, path: str) -> list[int]:
        """Every pattern matching ``path``, ascending; the plain loop, for `explain`."""
        if self._regexes is None:
            self._regexes = [pattern_regex(p) for p in self.patterns]
        return [i for i, regex in enumerate(self._regexes) if regex.fullmatch(path)]

    def _file_info(self, directory: str) -> _FileInfo:
        """What decides the files of ``directory``: a floor, literal names, basename tests."""
        state = self._dir_state(directory)
        best = state.best
        named: list[tuple[int, _Name]] = []
        for rule in state.live:  # index descending
            if rule.index <= best:
                break
            if rule.holds_files_of(directory, state.depth):
                if rule.name.kind == _ANY:
                    best = rule.index  # '/dir/*': every file here; nothing below it matters
                    break
                named.append((rule.index, rule.name))
        named += _above(self._globs_file, best)
        literals = {n: i for n, i in self._literal_files.get(directory, {}).items() if i > best}
        for index, name in _above(self._names_file, best):
            literals[name] = max(index, literals.get(name, -1))
        by_ext: dict[str, list[tuple[int, Callable[[str], object] | None]]] = {}
        calls: list[tuple[int, Callable[[str], object]]] = []
        for index, test in sorted(named, key=_pair_descending):
            check = test.test()
            if test.kind == _LITERAL and test.literal is not None:
                literals[test.literal] = max(index, literals.get(test.literal, -1))
            elif test.ext is not None:
                by_ext.setdefault(test.ext, []).append((index, check))
            elif check is not None:
                calls.append((index, check))
        info = (best, literals, {e: tuple(t) for e, t in by_ext.items()}, tuple(calls))
        self._files[directory] = info
        return info

    def _dir_state(self, directory: str) -> _Dir:
        """The cached state of ``directory``, building missing ancestors first (no recursion)."""
        state = self._dirs.get(directory)
        missing: list[str] = []
        while state is None:
            missing.append(directory)
            directory = directory.rpartition("/")[0]
            state = self._dirs.get(directory)
        for name in reversed(missing):
            state = self._child_state(state, name)
            self._dirs[name] = state
        return state

    def _child_state(self, parent: _Dir, directory: str) -> _Dir:
        """A directory's state from its parent's: the rules naming it, the rules still live."""
        parent_dir, _, name = directory.rpartition("/")
        depth = parent.depth + 1
        best = max(
            parent.best, self._literal_dirs.get(directory, -1), self._names_dir.get(name, -1)
        )
        for index, test in _above(self._globs_dir, best):
            if test.matches(name):
                best = index
                break
        live = parent.live
        extra = self._buckets.get(directory)
        if extra:
            live = tuple(sorted(live + extra, key=_rule_descending))
        for rule in live:
            if rule.index <= best:
                break
            if rule.names_directory(parent_dir, name, depth):
                best = rule.index
                break
        live = tuple(r for r in live if r.index > best and (r.globstar or r.nseg > depth))
        return _Dir(best, live, depth)


def _rule_descending(rule: _Rule) -> int:
    return -rule.index


def _pair_descending(pair: tuple[int, _Name]) -> int:
    return -pair[0]


def _above(found: list[tuple[int, _Name]] | list[tuple[int, str]], best: int) -> list[Any]:
    """The head of a descending (index, x) list whose indexes beat ``best``."""
    for cut, item in enumerate(found):
        if item[0] <= best:
            return found[:cut]
    return list(found)


def _plain(pattern: str) -> tuple[str, bool, bool] | None:
    """(path, anchored, dir_only) of a valid pattern without wildcards or escapes, else None.

    Most rules are plain paths or names; this skips the segment parser for them. Anything
    unusual returns None, and the full parser decides (and words any error).
    """
    if not pattern or _SPECIAL.search(pattern):
        return None
    try:
        _check_text(pattern)
    except PatternError:
        return None
    dir_only = pattern.endswith("/")
    body = pattern[:-1] if dir_only else pattern
    path = body[1:] if body.startswith("/") else body
    names = path.split("/")
    if "" in names or "." in names or ".." in names:
        return None
    return path, "/" in body, dir_only


def _is_catch_all(shape: _Shape) -> bool:
    """'*', '**', '/**', '**/*': patterns matching every path."""
    if shape.dir_only or not shape.floating:
        return False
    return len(shape.segs) == 1 or (len(shape.segs) == 2 and shape.segs[1].star == "*")


def _indexed_shape(index: int, pattern: str) -> _Shape:
    """Parse a rule's pattern; errors name the rule's position."""
    try:
        return _shape(pattern)
    except PatternError as err:
        err.index = index
        raise

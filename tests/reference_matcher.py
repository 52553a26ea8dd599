"""A deliberately plain reference for ownership patterns: the definition, executed literally.

It shares no code with ``workspace_guard.core.patterns`` (neither its regex translation nor its
index), so the property tests compare two independent readings of contract §3:

* split the pattern on ``/``; a pattern without a ``/`` before its end floats (gets ``**/`` in
  front); a trailing ``/`` means "a directory of the path"; ``**/**`` is ``**``; ``a/**`` and
  ``a/**/`` mean ``a/``;
* the pattern matches path P when its segments match the components of P itself, or of one of
  P's directories (so a directory covers everything below it). A trailing ``/`` allows only the
  directories; a last segment that is exactly ``*`` allows only P itself;
* segments are matched one by one, ``**`` spanning zero or more components (tried by brute force);
  in a segment ``*`` is any run of characters, ``?`` one character, ``\\`` escapes the next one,
  everything else (``[``, ``]``, ``!``) is itself.

Slow and obviously correct; only valid patterns (``check_pattern`` passes) are given to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache


@cache
def _name_regex(segment: str) -> re.Pattern[str]:
    """One path component's glob as a regex, walking the segment character by character."""
    out: list[str] = []
    chars = iter(segment)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars)))
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _segments_match(segments: Sequence[str], names: Sequence[str]) -> bool:
    """Do the pattern segments match exactly this list of path components?"""
    if not segments:
        return not names
    first, rest = segments[0], segments[1:]
    if first == "**":
        return any(_segments_match(rest, names[skip:]) for skip in range(len(names) + 1))
    if not names:
        return False
    return bool(_name_regex(first).fullmatch(names[0])) and _segments_match(rest, names[1:])


@cache
def _parse(pattern: str) -> tuple[tuple[str, ...], bool, bool]:
    """(segments, directories only, the path itself only)."""
    dir_only = pattern.endswith("/")
    body = pattern[:-1] if dir_only else pattern
    floating = "/" not in body
    segments = ["**"] if floating else []
    for segment in body.removeprefix("/").split("/"):
        if not (segment == "**" and segments[-1:] == ["**"]):
            segments.append(segment)  # '**/**' spans what '**' spans
    if len(segments) > 1 and segments[-1] == "**":
        segments.pop()
        dir_only = True
    itself_only = not dir_only and segments[-1] == "*"
    return tuple(segments), dir_only, itself_only


def pattern_matches(pattern: str, path: str) -> bool:
    """Does one pattern match one normalised path?"""
    segments, dir_only, itself_only = _parse(pattern)
    names = path.split("/")
    if itself_only:
        depths = [len(names)]
    elif dir_only:
        depths = list(range(1, len(names)))
    else:
        depths = list(range(1, len(names) + 1))
    return any(_segments_match(segments, names[:depth]) for depth in depths)


def reference_match(patterns: Sequence[str], path: str) -> int:
    """Index of the last matching pattern, or -1: the reverse loop."""
    for index in range(len(patterns) - 1, -1, -1):
        if pattern_matches(patterns[index], path):
            return index
    return -1


def reference_matches(patterns: Sequence[str], path: str) -> list[int]:
    """Every matching pattern index, ascending."""
    return [i for i, pattern in enumerate(patterns) if pattern_matches(pattern, path)]

"""Words as bash runs them: brace expansion into several arguments, and globs that match nothing
dropped (``nullglob``)."""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.syntax import _MAX_BRACE_WORD, _MAX_BRACES, _Part, _Word

_PATTERN = re.compile(r"[*?]|\[.+\]")
_MAX_NULLGLOB = 8


def _nullglob_variants(words: list[_Word]) -> list[list[_Word]]:
    """The command as bash runs it with ``nullglob`` on (the harness's shell snapshot may have it,
    ATTACK F45) when globs match nothing: without them, so the words after move up
    (``sort -o /tmp/none* app/main.py`` writes ``app/main.py``); all dropped, and each alone."""
    globs = [
        k
        for k, word in enumerate(words)
        if word.alts is None and any(p.kind == "u" and _PATTERN.search(p.text) for p in word.parts)
    ]
    if not globs:
        return []
    drops = [set(globs)]
    if 1 < len(globs) <= _MAX_NULLGLOB:
        drops += [{k} for k in globs]
    variants = [[w for k, w in enumerate(words) if k not in drop] for drop in drops]
    return [v for v in variants if v]


def _brace_words(word: _Word) -> list[_Word]:
    """``mv f{,.bak}`` is two arguments: split a word the way brace expansion does."""
    if word.alts is not None or len(word.text) > _MAX_BRACE_WORD or "{" not in word.text:
        return [word]
    if not any(p.kind == "u" and "{" in p.text for p in word.parts):
        return [word]
    chars: list[tuple[str, str]] = []
    for part in word.parts:
        chars.extend((c, part.kind) for c in part.text) if part.kind in "uq" else chars.append(
            (part.text, part.kind)
        )
    words: list[_Word] = []
    for alt in _braces(chars):
        parts: list[_Part] = []
        for text, kind in alt:
            if parts and parts[-1].kind == kind and kind in "uq":
                parts[-1] = _Part(parts[-1].text + text, kind)
            else:
                parts.append(_Part(text, kind))
        words.append(_Word(parts, word.subs if not words else []))
    return words or [word]


def _braces(chars: list[tuple[str, str]], budget: int = _MAX_BRACES) -> list[list[tuple[str, str]]]:
    """Bash brace expansion (``app/{main,x}.py``); a range, or over ``budget`` words, is ``**``."""
    if len(chars) > _MAX_BRACE_WORD:
        return [chars]
    results: list[list[tuple[str, str]]] = [[]]
    i = 0
    while i < len(chars):
        span = _brace_at(chars, i) if chars[i] == ("{", "u") else None
        if span is None:
            for r in results:
                r.append(chars[i])
            i += 1
            continue
        end, pieces = span
        alts = [a for s, e in pieces for a in _braces(chars[s:e], budget)] if pieces else None
        if alts is None or len(results) * len(alts) > budget:
            results = [[*r, ("**", "u")] for r in results]
        else:
            results = [[*r, *a] for r in results for a in alts]
        i = end + 1
    return results


def _brace_at(
    chars: list[tuple[str, str]], start: int
) -> tuple[int, list[tuple[int, int]] | None] | None:
    """The ``{…}`` opening at ``start``: its end and comma-separated pieces (None for a range)."""
    depth, commas = 0, [start]
    for j in range(start, len(chars)):
        c, k = chars[j]
        if k != "u":
            continue
        depth += (c == "{") - (c == "}")
        if c == "," and depth == 1:
            commas.append(j)
        if depth == 0:
            if len(commas) > 1:
                bounds = [*commas, j]
                return j, [(bounds[n] + 1, bounds[n + 1]) for n in range(len(bounds) - 1)]
            inner = "".join(x for x, _ in chars[start + 1 : j])
            return (j, None) if _BRACE_RANGE.fullmatch(inner) else None
    return None


_BRACE_RANGE = re.compile(r"-?\w+\.\.-?\w+(\.\.-?\d+)?")

"""The deny rule: whether a target may write a protected path."""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.syntax import ANY_PATH, Target


def could_write(target: Target, protected: str) -> bool:
    """Whether ``target`` may write ``protected`` (an absolute, normalised path): the deny rule.

    True when the target is the path or a directory above it, or, for a glob, when the pattern
    could match the path or a directory above it (``rm -r app/*`` removes ``app/api/x.py``).
    """
    path = target.path
    if path == ANY_PATH:
        return True
    if path.startswith("~"):
        if path != "~" and not path.startswith("~/"):
            return True  # ~user/…: another home directory, unknown here
        path = posixpath.expanduser(path)
    if not target.glob:
        norm = posixpath.normpath(path)
        return norm in ("/", "//") or protected == norm or protected.startswith(norm + "/")
    segments = path.split("/")
    if any(_dots(s) for s in segments):
        return True  # `.*`, `.?` match `..` where globskipdots is off: it may be anything
    if ".." in segments and any(_GLOB_CHARS.search(s) for s in segments[: segments.index("..")]):
        return True  # `$X/../f` or `*/../f`: no safe way to collapse, so it may be anything
    pattern = _glob_regex(path if path.startswith("$") else posixpath.normpath(path))
    if pattern is None:
        return True
    candidates = [protected]
    while candidates[-1] not in ("/", ""):
        candidates.append(posixpath.dirname(candidates[-1]))
    return any(pattern.fullmatch(c) for c in candidates)


_GLOB_CHARS = re.compile(r"[*?\[$`]")


def _dots(segment: str) -> bool:
    """Whether a glob component may match ``.`` or ``..``: bash matches them with a pattern
    that begins with ``.`` (``.*``, ``.?``, ``.[.]``) unless ``globskipdots`` (bash 5.2's
    default, which a shell snapshot or the command may turn off) is on."""
    if not segment.startswith(".") or not _GLOB_CHARS.search(segment):
        return False
    pattern = _glob_regex(segment)
    return pattern is None or any(pattern.fullmatch(name) for name in (".", ".."))


_GLOB_TOKEN = re.compile(
    r"\*\*|\*|\?|\[[!^]?\]?[^]]*\]|`[^`]*`|\$(?:\(\(.*?\)\)|\([^)]*\)|\{[^}]*\}|\w+|[@*#?$!-])"
)
_REGEX_CACHE: dict[str, re.Pattern[str] | None] = {}


def _glob_regex(pattern: str) -> re.Pattern[str] | None:
    """Shell-glob semantics: ``*``/``?``/``[..]`` stay in one component; ``**`` and ``$X`` cross;
    letters match in any case (nocaseglob).

    None when the pattern does not translate (a bad ``[z-a]`` range): then assume a match.
    """
    if pattern in _REGEX_CACHE:
        return _REGEX_CACHE[pattern]
    out, pos = [], 0
    for m in _GLOB_TOKEN.finditer(pattern):
        out.append(re.escape(pattern[pos : m.start()]))
        out.append(_glob_token(m.group()))
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    try:
        # any case: `shopt -s nocaseglob` may be on in the harness's shell snapshot (ATTACK F45)
        compiled: re.Pattern[str] | None = re.compile(
            "".join(out).rstrip("/") or "/", re.IGNORECASE
        )
    except re.error:
        compiled = None
    if len(_REGEX_CACHE) < 512:
        _REGEX_CACHE[pattern] = compiled
    return compiled


def _glob_token(tok: str) -> str:
    if tok == "**" or tok.startswith(("$", "`")):
        return ".*"
    if tok == "*":
        return "[^/]*"
    if tok == "?":
        return "[^/]"
    negate, body = tok[1] in "!^", tok[1:-1]
    body = body[1:] if negate else body
    if not body:
        return re.escape(tok)
    chars = []
    for k, ch in enumerate(body):  # keep a-z ranges, escape everything else (no `--`, `&&` sets)
        inner = 0 < k < len(body) - 1 and body[k - 1] != "-" and body[k + 1] != "-"
        chars.append("-" if ch == "-" and inner else re.escape(ch))
    return "[" + ("^" if negate else "") + "".join(chars) + "]"

"""Ownership patterns' syntax (GitHub CODEOWNERS): checking a pattern, its regex, its literal
prefix. The meaning of a pattern is stated once in `core.patterns`, whose index this serves.

Pure and small to import: it runs inside git hooks (it imports ``re`` only).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Sequence

_GLOBSTAR = "**"  # a segment that spans directories
_ANY_NAME = "[^/]+"  # a segment that is exactly '*': any one name
_TOKENS = re.compile(r"\\(.)|(\*+)|(\?)|([^\\*?]+)", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPECIAL = re.compile(r"[*?\\]")


def N_(message: str) -> str:  # gettext: mark now, translate where shown
    """Mark a reason for the catalogue; it is translated where the error is shown (this module
    imports nothing more, so the hot path pays for no catalogue)."""
    return message


class PatternError(ValueError):
    """An invalid pattern; carries what a rules file error needs to point at the spot.

    ``reason`` is human text (English), ``column`` a best-effort 0-based offset into the
    pattern, and ``index`` the rule's position when a :class:`PatternIndex` was being built
    (else ``None``). ``template`` and ``params`` are the reason as the catalogue knows it, so a
    caller can show it in the user's language: ``_(err.template).format(**err.params)``.
    """

    def __init__(
        self,
        reason: str,
        column: int = 0,
        pattern: str = "",
        index: int | None = None,
        **params: str,
    ) -> None:
        self.template = reason
        self.params = params
        self.reason = reason.format(**params) if params else reason
        self.column = column
        self.pattern = pattern
        self.index = index
        super().__init__(reason)

    def localized(self) -> str:
        """The reason in the user's language (`reason` stays English, for logs and tests)."""
        from workspace_guard.i18n import _

        return _(self.template).format(**self.params) if self.params else _(self.template)

    def __str__(self) -> str:
        from workspace_guard.i18n import _

        text = _("invalid pattern {pattern!r} at column {column}: {reason}").format(
            pattern=self.pattern, column=self.column + 1, reason=self.localized()
        )
        if self.index is None:
            return text
        return _("rule {index}: {text}").format(index=self.index, text=text)


class _Seg:
    """One ``/``-separated piece of a pattern, pre-translated for every consumer."""

    __slots__ = ("literal", "regex", "star", "suffix", "tail")

    def __init__(self, text: str, column: int) -> None:
        #: "*" when the segment is exactly '*', "**" for a globstar, else ""
        self.star = text if text in ("*", _GLOBSTAR) else ""
        #: the unescaped name when the segment has no wildcard, else None
        self.literal: str | None = None
        #: for '*<literal>' segments the literal, so that matching is an `endswith`, not a regex
        self.suffix: str | None = None
        #: the literal characters after the last wildcard (they fix the name's extension)
        self.tail = ""
        if not _SPECIAL.search(text):  # a plain name: the common case, no tokenizing
            self.literal = self.tail = text
            self.regex = re.escape(text)
        else:
            self.regex = self._translate(text, column)
        if self.literal in (".", ".."):
            raise PatternError(
                N_("a '{segment}' segment never matches a normalised path"),
                column,
                segment=self.literal,
            )

    def _translate(self, text: str, column: int) -> str:
        """Regex of a segment with wildcards or escapes; fills literal, suffix and tail."""
        kinds: list[str] = []  # "*", "?" or "=" (literal) per token
        parts: list[str] = []
        chars: list[str] = []
        for m in _TOKENS.finditer(text):
            escaped, stars, qmark, plain = m.groups()
            if stars or qmark:
                if stars:
                    _check_stars(text, stars, m.start(), column)
                kinds.append("*" if stars else "?")
                parts.append("[^/]*" if stars else "[^/]")
                self.tail = ""
            else:
                char = escaped if escaped is not None else plain
                kinds.append("=")
                parts.append(re.escape(char))
                chars.append(char)
                self.tail += char
        if "*" not in kinds and "?" not in kinds:
            self.literal = "".join(chars)
        elif kinds[0] == "*" and set(kinds[1:]) == {"="}:
            self.suffix = "".join(chars)
        return _ANY_NAME if self.star == "*" else "".join(parts)


def _check_stars(text: str, stars: str, offset: int, column: int) -> None:
    """Reject star runs whose meaning users get wrong: '***', and '**' glued to a name."""
    if len(stars) >= 3:
        raise PatternError(
            N_("'***' is not a valid wildcard (use '*' or a '**' segment)"), column + offset
        )
    if len(stars) == 2 and text != _GLOBSTAR:
        raise PatternError(
            N_(
                "'**' spans directories only as a whole segment ('**/x', 'a/**/b', 'a/**'); "
                "inside a name use '*'"
            ),
            column + offset,
        )


class _Shape:
    """A parsed pattern: segments after anchoring, plus how the match may extend below an entry.

    ``dir_only``: the entry must be a directory of the path (trailing '/', or a trailing '**').
    ``exact``: the entry must be the path itself (last segment exactly '*').
    """

    __slots__ = ("dir_only", "exact", "floating", "segs")

    def __init__(self, pattern: str) -> None:
        _check_text(pattern)
        body, dir_only = (pattern[:-1], True) if pattern.endswith("/") else (pattern, False)
        anchored = "/" in body  # a leading '/' or one inside
        start = 1 if body.startswith("/") else 0
        segs = _split(body[start:], start)
        if not anchored and segs[0].star != _GLOBSTAR:
            segs.insert(0, _Seg(_GLOBSTAR, 0))
        if len(segs) > 1 and segs[-1].star == _GLOBSTAR:
            segs.pop()  # 'a/**' names what lies below a, exactly like 'a/'
            dir_only = True
        self.segs = tuple(segs)
        self.dir_only = dir_only
        self.exact = not dir_only and segs[-1].star == "*"
        self.floating = segs[0].star == _GLOBSTAR


def _check_text(pattern: str) -> None:
    """Whole-pattern problems; segment problems are found while splitting."""
    if not pattern:
        raise PatternError(N_("the pattern is empty"), 0)
    if pattern.isspace():
        raise PatternError(N_("the pattern is only whitespace"), 0)
    m = _CONTROL.search(pattern)
    if m:
        code = f"{ord(m.group()):04X}"
        raise PatternError(N_("control character U+{code} in a pattern"), m.start(), code=code)
    if pattern[0].isspace():
        raise PatternError(
            N_("leading whitespace (write '\\ ' if the name starts with a space)"), 0
        )
    trailing_backslashes = len(pattern) - len(pattern.rstrip("\\"))
    if trailing_backslashes % 2:
        raise PatternError(N_("a lone '\\' at the end escapes nothing"), len(pattern) - 1)
    if pattern[-1].isspace() and (len(pattern[:-1]) - len(pattern[:-1].rstrip("\\"))) % 2 == 0:
        raise PatternError(
            N_("trailing whitespace (likely a typo; write '\\ ' if the name ends with a space)"),
            len(pattern) - 1,
        )
    if pattern == "/":
        raise PatternError(N_("'/' alone matches nothing; use '*' for every path"), 0)


def _split(body: str, column: int) -> list[_Seg]:
    """Split on '/', translating each segment; an escaped '/' and empty segments are errors."""
    segs: list[_Seg] = []
    for text in body.split("/"):
        if not text:
            raise PatternError(N_("empty path segment ('//')"), column)
        if (len(text) - len(text.rstrip("\\"))) % 2:
            raise PatternError(
                N_("'\\/' cannot escape '/': a name never contains '/'"), column + len(text) - 1
            )
        seg = _Seg(text, column)
        column += len(text) + 1
        if not (segs and seg.star == _GLOBSTAR and segs[-1].star == _GLOBSTAR):
            segs.append(seg)  # '**/**' spans exactly what '**' spans
    return segs


def _shape(pattern: str) -> _Shape:
    """Parse, filling in the pattern text on errors raised deep inside."""
    try:
        return _Shape(pattern)
    except PatternError as err:
        err.pattern = pattern
        raise


def check_pattern(pattern: str) -> None:
    """Raise :class:`PatternError` if ``pattern`` is not a valid ownership pattern."""
    _shape(pattern)


def _prefix_source(segs: Sequence[_Seg]) -> str:
    """Regex for directories ``segs`` spell, written as ``"a/b/"`` (the root is ``""``)."""
    return "".join("(?:.+/)?" if s.star == _GLOBSTAR else s.regex + "/" for s in segs)


def _entry_source(shape: _Shape) -> str:
    """Regex for the entry itself (a path or one of its directories), without what lies below."""
    *head, last = shape.segs
    if last.star == _GLOBSTAR:  # the pattern is '**' alone: any entry
        return ".+"
    return _prefix_source(head) + last.regex


def _tail_source(shape: _Shape) -> str:
    """What may follow the entry: nothing, something (directories only), or optionally something."""
    if shape.exact:
        return ""
    return "/.+" if shape.dir_only else "(?:/.+)?"


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The full-path regex of one pattern; use ``.fullmatch(path)``.

    ``.match`` agrees (the regex ends in ``\\Z``). This is the plain one-rule-at-a-time form,
    used by :meth:`PatternIndex.matches`; the index avoids it on its hot path.
    """
    shape = _shape(pattern)
    return re.compile(_entry_source(shape) + _tail_source(shape) + r"\Z", re.DOTALL)


def literal_prefix(pattern: str) -> str | None:
    """Characters every matching path starts with, or None when the pattern floats to any depth.

    A necessary condition, not a sufficient one (``/app`` gives ``"app"``, which ``apple`` also
    starts with); useful to narrow a listing such as ``git ls-files`` before matching.
    """
    shape = _shape(pattern)
    if shape.floating:
        return None
    text = pattern.lstrip("/")
    cut = min((i for i in (text.find("*"), text.find("?"), text.find("\\")) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut]

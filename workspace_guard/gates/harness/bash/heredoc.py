"""Here-document bodies read as bash reads them: lines assembled, then compared with the delimiter.

bash (parse.y ``read_secondary_line``/``read_a_line``, make_cmd.c ``make_here_document``) reads a
body line by line; for an *unquoted* delimiter it first removes each backslash-newline pair (an odd
run of backslashes before the newline), so ``EO\\`` + newline + ``F`` is the line ``EOF`` and ends
the document (ATTACK F106); ``<<-`` strips the leading tabs of the assembled line; inside
``$( )``/``<( )`` a line that starts with the delimiter and has a ``)`` after it ends the document
too, and the rest of that line is read again as commands (``EOF)`` closes the substitution).
"""

from __future__ import annotations

import re

_STOP = re.compile(r"[\\\n]")
# an arithmetic or parameter expansion, a substitution: bash keeps (or reprints) its text in ways
# the analysis does not model, so a delimiter holding one is refused
_DYNAMIC_DELIM = re.compile(r"\$[({\[]|`|[<>]\(")


def _line(s: str, i: int, join: bool) -> tuple[list[tuple[int, int]], int, bool]:
    """The source spans of the line at ``i``, the index after it, and whether a newline ended it.

    With ``join`` (an unquoted delimiter) a backslash escapes the next character and a
    backslash-newline pair disappears, as in bash's ``read_a_line``.
    """
    spans: list[tuple[int, int]] = []
    n = len(s)
    j = i
    while j < n:
        if join:
            m = _STOP.search(s, j)
            k = m.start() if m else -1
        else:
            k = s.find("\n", j)
        if k < 0:
            spans.append((j, n))
            return spans, n, False
        if s[k] == "\n":
            spans.append((j, k))
            return spans, k + 1, True
        if s.startswith("\\\n", k):  # a line continuation: the two characters go
            spans.append((j, k))
            j = k + 2
            continue
        spans.append((j, min(k + 2, n)))  # `\X`: both kept, X never starts a continuation
        j = min(k + 2, n)
    return spans, n, False


def _source_index(spans: list[tuple[int, int]], offset: int) -> int:
    """The source index of the assembled line's character at ``offset``."""
    for start, end in spans:
        if offset < end - start:
            return start + offset
        offset -= end - start
    return spans[-1][1] if spans else 0


def read_body(
    s: str, i: int, delim: str, *, quoted: bool, strip_tabs: bool, in_subst: bool
) -> tuple[str, int, str]:
    """The body of a here-document starting at ``i``: (body, index after it, error or "").

    ``in_subst``: the document is read inside ``$( )`` or ``<( )``, where bash also ends it at a
    line ``DELIM…)``. An unterminated document runs to the end of the text, as in bash. The
    error says the end depends on the shell: other shells (dash's ``sh -c``) compare the
    delimiter with physical lines, or with the raw text at the start of a line; where any of
    those readings ends the document elsewhere, the command is refused (fail closed).
    """
    lines: list[str] = []
    n, start, end, by_token = len(s), i, len(s), False
    while i < n:
        spans, nxt, ended = _line(s, i, not quoted)
        line = "".join(s[a:b] for a, b in spans)
        if not ended and not line:  # only continuations before the end: no line at all
            break
        if strip_tabs and line == delim:  # bash compares before stripping too (a tab delimiter)
            end = nxt
            break
        off = len(line) - len(line.lstrip("\t")) if strip_tabs else 0
        text = line[off:]
        if text == delim:
            end = nxt
            break
        if in_subst and text.startswith(delim) and ")" in text[len(delim) :]:
            # bash 5.2 (make_here_document, "backwards compatibility"): the document ends and
            # the rest of the line after the delimiter is read again: `EOF)` closes `$(`
            end, by_token = _source_index(spans, off + len(delim)), True
            break
        lines.append(text)
        i = nxt
    body = "\n".join(lines)
    others = {
        _physical_end(s, start, delim, strip_tabs),
        _logical_end(s, start, delim, strip_tabs=strip_tabs, join=not quoted, skip=False),
        _logical_end(s, start, delim, strip_tabs=strip_tabs, join=not quoted, skip=True),
    }
    if "\0" in s[start : max(others | {end})]:  # bash drops NUL bytes here: `EO\0F` is `EOF`
        return body, n, "NUL byte in a here-document"
    if others != {end} and not (by_token and others == {n}):
        # `EOF)` with no later `EOF` line: the other readings never close the `$(`, a syntax error
        return body, end, f"the end of the here-document {delim[:40]!r} depends on the shell"
    return body, end, ""


def _matches(line: str, delim: str, strip_tabs: bool) -> bool:
    return line == delim or (strip_tabs and line.lstrip("\t") == delim)


def _physical_end(s: str, i: int, delim: str, strip_tabs: bool) -> int:
    """Where the document ends when each physical line is compared with the delimiter."""
    n = len(s)
    while i < n:
        nl = s.find("\n", i)
        nxt = n if nl < 0 else nl + 1
        if _matches(s[i : n if nl < 0 else nl], delim, strip_tabs):
            return nxt
        i = nxt
    return n


def _logical_end(s: str, i: int, delim: str, *, strip_tabs: bool, join: bool, skip: bool) -> int:
    """Where the document ends when the raw text from the start of each assembled line (after
    its leading continuations with ``skip``, as dash does) is compared with the delimiter."""
    n = len(s)
    while i < n:
        at = i
        while skip and (s.startswith("\\\n", at) or (strip_tabs and s.startswith("\t", at))):
            at += 1 if s[at] == "\t" else 2
        nl = s.find("\n", at)
        if _matches(s[at : n if nl < 0 else nl], delim, strip_tabs):
            return n if nl < 0 else nl + 1
        i = _line(s, i, join)[1]
    return n


def delimiter_error(text: str, has_subs: bool) -> str:
    """Why a delimiter word is refused, or "": bash reprints a ``$( )`` in it (``<<$(a  b)``
    ends at ``$(a b)``), which the analysis does not model."""
    if has_subs or _DYNAMIC_DELIM.search(text):
        return f"here-document delimiter with an expansion: {text[:40]!r}"
    return ""


def heredoc_inside(text: str) -> bool:
    """Whether text scanned as one piece (``${ … }``, ``a=( … )``, ``(( … ))``) may hold a
    here-document: its body could hide the closing bracket, or hold one that is not the end."""
    return "<<" in text and "\n" in text

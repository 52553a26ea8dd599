"""Fields a human wrote that git does not read as trailers, and why (`core.message` parses what git
reads): a key spelt another way, fields in the subject's paragraph, glued to the body, or in a
paragraph before the last. Pure functions over a parsed `Message`, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from workspace_guard.core.message import (
    GIT_GENERATED_PREFIXES,
    Message,
    _divider_index,
    _is_blank,
    _split,
    find_separator,
)
from workspace_guard.i18n import _

TYPE_CHECKING = False  # importing `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# What a human writes as a field: up to three words (any script, `_`, `-`), then a colon.
_KEYISH = r"^(?P<key>[\w-]+(?:[ \t][\w-]+){0,2})[ \t]*[:：](?P<value>.*)$"


def normalize_key(key: str) -> str:
    """Compare keys the way a human means them: case, accents, `_`/space versus `-` ignored."""
    decomposed = unicodedata.normalize("NFKD", key.strip())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", "-", bare.casefold())


def _keyish(line: str) -> str | None:
    """The key of a line that *looks* like `Key: value` to a human, valid for git or not."""
    m = re.match(_KEYISH, line)
    return m["key"].rstrip() if m else None


def find_misplaced_fields(msg: Message, keys: Iterable[str]) -> list[tuple[str, int]]:
    """Template keys written as `Key: value` outside the trailer block: (key as written, line).

    Lines are 1-based in the cleaned text. Keys match after `normalize_key`, so `Workspace_Check`
    or `Agénte` count too: they are the fields git could not read.
    """
    wanted = {normalize_key(k) for k in keys}
    lines, _ends_nl = _split(msg.text)
    found = []
    for i, line in enumerate(lines):
        if msg.block.start_line <= i < msg.block.end_line or line.startswith(msg.comment):
            continue
        key = _keyish(line)
        if key is not None and normalize_key(key) in wanted:
            found.append((key, i + 1))
    return found


def misplaced_causes(msg: Message, misplaced: Sequence[tuple[str, int]]) -> list[str]:
    """Why git does not read the misplaced fields as trailers, one sentence per cause."""
    if not misplaced:
        return []
    lines, ends_nl = _split(msg.text)
    first = misplaced[0][1] - 1
    start, end = _paragraph(lines, first)
    causes: list[str] = []
    divider = _divider_index(lines, ends_nl)
    if divider < first:
        text = _(
            "line {line} starts with `---`, which ends the message for git's trailer parser "
            "(a patch divider); everything below it is ignored"
        )
        causes.append(text.format(line=divider + 1))
    if start == 0:
        causes.append(
            _("the fields are in the subject's paragraph: leave a blank line after the subject")
        )
    causes += _bad_key_causes(lines, start, end, msg.comment)
    causes += _glued_causes(lines, start, end, first, msg.comment)
    if divider > first:
        causes += _later_paragraph_causes(lines, end, min(divider, len(lines)), msg)
    return causes or [_("git does not read them as trailers")]


def _paragraph(lines: Sequence[str], index: int) -> tuple[int, int]:
    start = index
    while start > 0 and not _is_blank(lines[start - 1]):
        start -= 1
    end = index
    while end < len(lines) and not _is_blank(lines[end]):
        end += 1
    return start, end


def _bad_key_causes(lines: Sequence[str], start: int, end: int, comment: str) -> list[str]:
    out = []
    for i in range(start, end):
        line = lines[i]
        key = _keyish(line)
        if line.startswith(comment) or key is None or find_separator(line) >= 1:
            continue
        text = _(
            "line {line} `{text}`: `{key}` is not a valid git trailer key (only ASCII letters, "
            "digits and '-'), so git rejects the whole paragraph as trailers"
        ).format(line=i + 1, text=_short(line), key=key)
        if _suggest_key(key) != key:
            text += "; " + _("write `{key}`").format(key=_suggest_key(key))
        out.append(text)
    return out


def _suggest_key(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9-]+", "-", bare).strip("-") or key


def _glued_causes(
    lines: Sequence[str], start: int, end: int, first_field: int, comment: str
) -> list[str]:
    for i in range(max(start, 1), end):
        line = lines[i]
        if line.startswith(comment) or line[:1] in (" ", "\t") or _keyish(line) is not None:
            continue
        if line.startswith(GIT_GENERATED_PREFIXES):
            continue
        if i < first_field:
            text = _(
                "line {line} `{text}` is body text in the same paragraph as the fields: leave a "
                "blank line between the body and the fields"
            )
        else:
            text = _(
                "line {line} `{text}` is text right after the fields, in their paragraph: move "
                "it above the fields (with a blank line around it) or delete it"
            )
        return [text.format(line=i + 1, text=_short(line))]
    return []


def _later_paragraph_causes(lines: Sequence[str], after: int, end: int, msg: Message) -> list[str]:
    for i in range(after, end):
        if not _is_blank(lines[i]) and not lines[i].startswith(msg.comment):
            if msg.block.start_line < msg.block.end_line:
                text = _(
                    "another paragraph follows the fields (line {line} `{text}`), and git reads "
                    "only the last paragraph as the trailer block: put the fields in that last "
                    "paragraph, or move the paragraph above the fields"
                )
            else:
                text = _(
                    "another paragraph follows the fields (line {line} `{text}`): git reads only "
                    "the last paragraph as trailers, so move that paragraph above the fields or "
                    "delete it"
                )
            return [text.format(line=i + 1, text=_short(lines[i]))]
    return []


def _short(line: str, width: int = 60) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"

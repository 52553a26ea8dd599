"""The commit message as git sees it: cleanup, comment character, trailers, subject.

Pure functions over text, no I/O. Each function ports one piece of git (2.39) so that every
layer - the commit-msg hook reading ``.git/COMMIT_EDITMSG``, the push gate and CI reading
committed messages - finds the same fields that ``git interpret-trailers --parse`` finds. A
linter that only approximates git's trailer rules passes messages whose fields git itself
does not see (an appended ``🤖 Generated with`` paragraph, an ``Área:`` line), which is the
failure this module exists to report.

Where git and the hook's view cannot agree exactly, the choices are:

* ``cleanup`` cuts at the scissors line in *every* mode. git cuts there when committing with
  ``-v`` (any mode) or in ``scissors`` mode; the hook cannot see ``-v``, and a scissors line
  only reaches the hook in exactly those cases, so cutting always is right in practice.
  (Without ``-v`` git keeps what follows a hand-typed scissors line.)
* ``default`` is treated as ``strip``: git uses ``whitespace`` instead when no editor ran
  (``-m``/``-F``), which a hook cannot tell apart.
* CRLF becomes LF before anything else (git's stripspace has the same effect by trimming ``\\r``
  as trailing whitespace; in ``verbatim`` mode git would keep the ``\\r``).
"""

from __future__ import annotations

import re

from workspace_guard.core.record import Record
from workspace_guard.i18n import _

TYPE_CHECKING = False  # importing `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

CLEANUP_MODES = ("strip", "default", "whitespace", "verbatim", "scissors")
AUTO_CANDIDATES = "#;@!$%^&|:"  # git's builtin/commit.c adjust_comment_line_char
CUT_LINE = "------------------------ >8 ------------------------"
GIT_GENERATED_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ")
GIT_SPACE = " \t\n\r"  # git's isspace(): not \v, \f or Unicode spaces
SEPARATORS = ":"
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

SUBJECT_PATTERN = (
    r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<area>[^()]*)\))?(?P<breaking>!)?"
    r":(?: (?P<desc>.*))?$"
)


class MessageEncodingError(ValueError):
    """The message bytes are not UTF-8; `offset` is the first bad byte (0-based)."""

    def __init__(self, offset: int, line: int) -> None:
        text = _("the message is not valid UTF-8 (byte {offset}, line {line})")
        super().__init__(text.format(offset=offset, line=line))
        self.offset = offset
        self.line = line


class Trailer(Record):
    """One trailer: `key` exactly as written, `value` unfolded and trimmed (git `--parse`)."""

    key: str
    value: str


class TrailerBlock(Record):
    """The trailer block: lines [start_line, end_line) of the text (0-based, end exclusive).

    With no block, start_line == end_line == where the log message ends, so the body is
    always "every line but the subject and the block".
    """

    trailers: tuple[Trailer, ...] = ()
    start_line: int = 0
    end_line: int = 0


class Message(Record):
    """A cleaned commit message split the way the template checks need it."""

    subject: str
    type: str | None
    area: str | None
    description: str | None
    breaking: bool
    body: str
    trailers: tuple[Trailer, ...]
    text: str  # cleaned
    block: TrailerBlock = TrailerBlock()
    comment: str = "#"


# --------------------------------------------------------------------------- lines


def _split(text: str) -> tuple[list[str], bool]:
    """Lines without their newline, and whether the last line had one (git reads raw bytes)."""
    if not text:
        return [], True
    lines = text.split("\n")
    ends_nl = lines[-1] == ""
    if ends_nl:
        lines.pop()
    return lines, ends_nl


def _is_blank(line: str) -> bool:
    return not line.strip(GIT_SPACE)


def _git_strip(s: str) -> str:
    return s.strip(GIT_SPACE)


# --------------------------------------------------------------------------- cleanup


def scissors_line(comment: str) -> str:
    """The line git writes above the diff of `commit -v` (and in `scissors` cleanup mode)."""
    return f"{comment} {CUT_LINE}"


def _scissors_index(lines: Sequence[str], ends_nl: bool, comment: str) -> int | None:
    """Index of the first scissors line; git's pattern includes the newline after it."""
    cut = scissors_line(comment)
    for i, line in enumerate(lines):
        if line == cut and (ends_nl or i < len(lines) - 1):
            return i
    return None


def stripspace(lines: Iterable[str], comment: str | None = None) -> str:
    """git's strbuf_stripspace: trailing whitespace off, blank runs collapsed, ends trimmed."""
    out: list[str] = []
    empties = 0
    for line in lines:
        if comment is not None and line.startswith(comment):
            continue  # a comment line does not even count as an empty line
        kept = line.rstrip(GIT_SPACE)
        if not kept:
            empties += 1
            continue
        if empties and out:
            out.append("")
        empties = 0
        out.append(kept)
    return "".join(line + "\n" for line in out)


def cleanup(text: str, *, mode: str = "strip", comment: str = "#") -> str:
    """The message as git will commit it (see the module docstring for the hook's view)."""
    if mode not in CLEANUP_MODES:
        raise ValueError(f"unknown cleanup mode {mode!r} (expected one of {CLEANUP_MODES})")
    text = text.replace("\r\n", "\n")
    lines, ends_nl = _split(text)
    cut = _scissors_index(lines, ends_nl, comment) if CUT_LINE in text else None
    if cut is not None:
        lines, ends_nl = lines[:cut], True
    if mode == "verbatim":
        return "\n".join(lines) + ("\n" if lines and ends_nl else "")
    strip_comments = mode in ("strip", "default")
    return stripspace(lines, comment if strip_comments else None)


def auto_comment_char(text: str) -> str:
    """git's `core.commentChar=auto` choice for the message it starts from.

    '#' unless '#' occurs anywhere; otherwise the first of `#;@!$%^&|:` that begins no line
    (a line begins after '\\n' or '\\r'). git aborts when all are taken; we answer '#'.
    """
    if "#" not in text:
        return "#"
    used = {text[0]} if text else set()
    used.update(text[i + 1] for i, c in enumerate(text[:-1]) if c in "\r\n")
    return next((c for c in AUTO_CANDIDATES if c not in used), "#")


def resolve_comment_char(config_value: str | None, text: str) -> str:
    """The comment prefix for `text` as a commit-msg hook reads it.

    `config_value` is `core.commentString`/`core.commentChar` (None: '#'). For `auto`, git chose
    the character from the message *before* appending its own comment block, so running git's
    rule on the hook's file would pick a different one. We infer git's choice instead: the
    scissors line names it; else a trailing comment block whose character is what git's rule
    gives once that block is removed; else nothing was appended and git's rule applies as is.
    Ambiguous only for a `-m` message that itself ends with comment-like lines.
    """
    if not config_value:
        return "#"
    if config_value != "auto":
        return config_value
    lines, ends_nl = _split(text.replace("\r\n", "\n"))
    found = []
    for c in AUTO_CANDIDATES:
        index = _scissors_index(lines, ends_nl, c)
        if index is not None:
            found.append((index, c))
    if found:
        return min(found)[1]
    block_char = _trailing_comment_char(lines)
    if block_char is not None:
        rest = "".join(line + "\n" for line in lines if not line.startswith(block_char))
        if auto_comment_char(rest) == block_char:
            return block_char
    return auto_comment_char(text)


def _trailing_comment_char(lines: Sequence[str]) -> str | None:
    """The candidate that starts the last non-blank line like git's comment lines ("c" / "c ")."""
    for line in reversed(lines):
        if _is_blank(line):
            continue
        c = line[0]
        if c in AUTO_CANDIDATES and (len(line) == 1 or line[1] in " \t"):
            return c
        return None
    return None


# --------------------------------------------------------------------------- trailers


# find_separator for the default separator, as one match: `<token>` (ASCII alphanumerics and
# `-`), then spaces or tabs (only after a token: a line may not start with them), then ':'
_DEFAULT_SEPARATOR = re.compile(r"(?:[A-Za-z0-9-]+[ \t]*)?:")


def find_separator(line: str, separators: str = SEPARATORS) -> int:
    """git's find_separator: index of the separator after `<token><spaces>`, else -1."""
    if separators == SEPARATORS:
        found = _DEFAULT_SEPARATOR.match(line)
        return found.end() - 1 if found else -1
    return scan_separator(line, separators)


def scan_separator(line: str, separators: str) -> int:
    """find_separator as git writes it, character by character (any separators)."""
    whitespace_found = False
    for i, c in enumerate(line):
        if c in separators:
            return i
        if not whitespace_found and c in _TOKEN_CHARS:
            continue
        if i != 0 and c in " \t":
            whitespace_found = True
            continue
        break
    return -1


def _divider_index(lines: Sequence[str], ends_nl: bool) -> int:
    """git's find_patch_start: the first `---` line followed by whitespace (a newline counts)."""
    for i, line in enumerate(lines):
        if line.startswith("---"):
            after = line[3:4] or ("\n" if (ends_nl or i < len(lines) - 1) else "")
            if after and after in GIT_SPACE:
                return i
    return len(lines)


def _ignored_tail_start(
    lines: Sequence[str], end: int, cutoff: int, comment: str, ends_nl: bool
) -> int:
    """git's ignore_non_trailer: where trailing comments/empty lines (and `Conflicts:`) begin.

    Ported literally, including git's `if (!boc)` test: a run that starts at line 0 is
    forgotten by the next comment line, so only its later part is ignored.
    """
    boc = 0  # line index; 0 doubles as "no run", as in git
    in_conflicts = False
    for i in range(min(cutoff, end)):
        line = lines[i]
        if line.startswith(comment) or line == "":
            boc = boc or i
        elif line == "Conflicts:" and (ends_nl or i < len(lines) - 1):
            in_conflicts = True
            boc = boc or i
        elif in_conflicts and line.startswith("\t"):
            pass
        elif boc:
            boc = 0
            in_conflicts = False
    return boc if boc else min(cutoff, end)


def _title_end(lines: Sequence[str], end: int, comment: str) -> int:
    """First blank line after the title paragraph (comment lines skipped), or `end`."""
    for i in range(end):
        if lines[i].startswith(comment):
            continue
        if _is_blank(lines[i]):
            return i
    return end


def _matches_known(line: str, sep: int, known: Sequence[str]) -> bool:
    """git's token_matches_item: the raw token (with its spaces) is a prefix of a known key."""
    token = line[:sep].lower()
    return any(key.lower()[:sep] == token and len(key) >= sep for key in known)


def _block_start(lines: Sequence[str], end: int, comment: str, known: Sequence[str]) -> int:
    """git's find_trailer_start: the last paragraph that is all trailers, or >= 25 % trailers
    with a git-generated or known key; `end` when there is none."""
    title_end = _title_end(lines, end, comment)
    only_spaces, recognized = True, False
    trailer_lines = non_trailer = maybe_cont = 0
    for i in range(end - 1, title_end - 1, -1):
        line = lines[i]
        if line.startswith(comment):
            non_trailer, maybe_cont = non_trailer + maybe_cont, 0
            continue
        if _is_blank(line):
            if only_spaces:
                continue
            non_trailer += maybe_cont
            if (recognized and trailer_lines * 3 >= non_trailer) or (
                trailer_lines and not non_trailer
            ):
                return i + 1
            return end
        only_spaces = False
        if line.startswith(GIT_GENERATED_PREFIXES):
            trailer_lines, maybe_cont, recognized = trailer_lines + 1, 0, True
            continue
        sep = find_separator(line)
        if sep >= 1 and line[0] not in GIT_SPACE:
            trailer_lines, maybe_cont = trailer_lines + 1, 0
            recognized = recognized or (bool(known) and _matches_known(line, sep, known))
        elif line[0] in GIT_SPACE:
            maybe_cont += 1
        else:
            non_trailer, maybe_cont = non_trailer + 1 + maybe_cont, 0
    return end


def _unfold(value: str) -> str:
    """git's unfold_value: a newline and the whitespace after it become one space."""
    if "\n" not in value:
        return _git_strip(value)  # the common case: nothing folded
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        i += 1
        if c == "\n":
            while i < len(value) and value[i] in GIT_SPACE:
                i += 1
            c = " "
        out.append(c)
    return _git_strip("".join(out))


def _block_trailers(lines: Sequence[str], comment: str) -> tuple[Trailer, ...]:
    """git's trailer_info_get + process_input_file with `--only-trailers --unfold`."""
    entries: list[list[str]] = []  # lines of each entry; a continuation joins the one before
    seps: list[int] = []  # where each entry's separator is (continuations never move it)
    last_is_trailer = False
    for line in lines:
        if last_is_trailer and (not line or line[0] in GIT_SPACE):
            entries[-1].append(line)
            continue
        sep = find_separator(line)
        entries.append([line])
        seps.append(sep)
        last_is_trailer = sep >= 1
    out: list[Trailer] = []
    for parts, sep in zip(entries, seps, strict=True):
        entry = parts[0] if len(parts) == 1 else "\n".join(parts)
        if sep < 1 or entry.startswith(comment):
            continue
        out.append(Trailer(_git_strip(entry[:sep]), _unfold(_git_strip(entry[sep + 1 :]))))
    return tuple(out)


def parse_trailers(
    text: str, *, known_keys: Iterable[str] = (), comment: str = "#"
) -> TrailerBlock:
    """The trailer block exactly as `git interpret-trailers --parse` finds it (no trailer config
    besides `known_keys`, which play the part of `trailer.<key>.key`)."""
    lines, ends_nl = _split(text)
    # both scans look for rare lines: a substring test of the whole text skips them
    divider = _divider_index(lines, ends_nl) if "---" in text else len(lines)
    cut = _scissors_index(lines, ends_nl, comment) if CUT_LINE in text else None
    cutoff = len(lines) if cut is None else cut  # git loops forever when cut > divider
    end = _ignored_tail_start(lines, divider, cutoff, comment, ends_nl)
    start = _block_start(lines, end, comment, tuple(known_keys))
    return TrailerBlock(_block_trailers(lines[start:end], comment), start, end)


# --------------------------------------------------------------------------- message


def decode(raw: bytes | str) -> str:
    """UTF-8 text, or MessageEncodingError naming the first bad byte and its line."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageEncodingError(exc.start, raw.count(b"\n", 0, exc.start) + 1) from None


_SUBJECT = re.compile(SUBJECT_PATTERN)


def parse_subject(subject: str) -> tuple[str | None, str | None, str | None, bool]:
    """`type(area)!: description` → (type, area, description, breaking); Nones if no match."""
    m = _SUBJECT.match(subject)
    if m is None:
        return None, None, None, False
    return m["type"], m["area"], (m["desc"] or "").strip() or None, m["breaking"] is not None


def parse_message(
    raw: bytes | str,
    *,
    cleanup_mode: str = "strip",
    comment: str = "#",
    known_keys: Iterable[str] = (),
) -> Message:
    """Decode, clean up like git, then split subject / body / trailers."""
    text = decode(raw)
    plain = _plain_message(text, cleanup_mode, comment)
    if plain is not None:
        return plain
    text = cleanup(text, mode=cleanup_mode, comment=comment)
    block = parse_trailers(text, known_keys=known_keys, comment=comment)
    lines, _ends_nl = _split(text)
    first = next((i for i, line in enumerate(lines) if not _is_blank(line)), len(lines))
    subject = lines[first] if lines[first:] else ""
    kind, area, desc, breaking = parse_subject(subject)
    body_lines = lines[first + 1 : block.start_line] + lines[block.end_line :]
    body = "\n".join(body_lines).strip("\n")
    return Message(subject, kind, area, desc, breaking, body, block.trailers, text, block, comment)


# What makes a message other than plain: trailing whitespace, a carriage return, two blank lines
# in a row, a patch divider or scissors line (`---`), a `Conflicts:` block. Substring tests, not
# one regex: an alternation without a common prefix is tried at every position of the text.
_NOT_PLAIN = (" \n", "\t\n", "\r", "\n\n\n", "---", "Conflicts:")


def _plain_message(text: str, mode: str, comment: str) -> Message | None:
    """`parse_message` for the common message, without the general loops; None otherwise.

    Plain: every cleanup mode leaves it as it is (no comment line, no trailing whitespace, no
    blank run, one final newline), and its last paragraph after the subject's is all
    `Key: value` lines with no continuation — git's trailer block is then exactly that
    paragraph (`_block_start`: all trailers, so no 25 % rule; `_ignored_tail_start`: nothing
    to ignore). Anything else returns None and takes the general path, which agrees with git.
    """
    if (
        mode not in CLEANUP_MODES
        or not text.endswith("\n")
        or text.endswith("\n\n")
        or text[0] in " \t\n"
        or text.startswith(comment)
        or "\n" + comment in text
        or any(map(text.__contains__, _NOT_PLAIN))  # no generator frame per mark
    ):
        return None
    lines = text[:-1].split("\n")
    end = len(lines)
    start = end
    trailers: list[Trailer] = []
    if "" in lines:
        start = end - lines[::-1].index("")  # the line after the last blank one
        known = _PLAIN_TRAILERS.get
        for line in lines[start:]:
            trailer = known(line) or _plain_trailer(line)
            if trailer is None:
                return None
            trailers.append(trailer)
    subject = lines[0]
    kind, area, desc, breaking = parse_subject(subject)
    body = "\n".join(lines[1:start]).strip("\n")
    block = TrailerBlock(tuple(trailers), start, end)
    return Message(subject, kind, area, desc, breaking, body, block.trailers, text, block, comment)


# `Key: value` lines of plain messages → their trailer: most lines of a pushed range's messages
# repeat from commit to commit (`Agente: …`, `Protocolo: …`); bounded, emptied when full
_PLAIN_TRAILERS: dict[str, Trailer] = {}


def _plain_trailer(line: str) -> Trailer | None:
    """The trailer a line of a plain message's last paragraph is (None: not one), remembered."""
    sep = find_separator(line)
    if sep < 1 or line[0] in GIT_SPACE:
        return None
    trailer = Trailer(_git_strip(line[:sep]), _git_strip(line[sep + 1 :]))
    if len(_PLAIN_TRAILERS) >= 4096:
        _PLAIN_TRAILERS.clear()
    _PLAIN_TRAILERS[line] = trailer
    return trailer


def to_json(msg: Message) -> dict[str, Any]:
    """The object `workspace-guard parse-msg` prints (contract §6)."""
    return {
        "subject": msg.subject,
        "type": msg.type,
        "area": msg.area,
        "description": msg.description,
        "body": msg.body,
        "trailers": [{"key": t.key, "value": t.value} for t in msg.trailers],
    }

"""Text helpers shared by the document readers: markdown walking, agent names, paths."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from workspace_guard.adopt.mestore.model import (
    _AGENT,
    _CAPS_NAMES,
    _FENCE,
    _HEADING,
    _VARIATION,
    Claim,
    Collector,
    MdLine,
)
from workspace_guard.core.patterns import PatternError, check_pattern
from workspace_guard.i18n import N_, _, strerror

# --- text helpers --------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Upper case without accents: 'Escalación' and 'ESCALACION' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def read_lines(col: Collector, rel: str, *, required: bool = False) -> list[str] | None:
    """The file's lines: BOM dropped, CRLF/CR folded, emoji variation selectors removed.

    `str.splitlines` is avoided on purpose: it also splits on form feeds and U+2028, which would
    make our line numbers disagree with the user's editor.
    """
    path = col.root / rel
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            col.result.note("error", f"{rel}:1", _("file not found: nothing imported from it"))
        return None
    except OSError as exc:
        col.result.note(
            "error",
            f"{rel}:1",
            _("cannot read the file: {error}").format(error=strerror(exc)),
        )
        return None
    text = raw.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        col.warn(f"{rel}:1", _("the file is not valid UTF-8; undecodable bytes were replaced"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_VARIATION)
    return [line.rstrip() for line in text.split("\n")]


def walk_markdown(col: Collector, rel: str, lines: list[str], start: int = 0) -> Iterator[MdLine]:
    """Every line that is not a fence delimiter, with its block and heading context."""
    headings: list[tuple[int, str]] = []
    fence: tuple[str, int] | None = None
    block, lang, opened = 0, "", 0
    for index in range(start, len(lines)):
        text = lines[index]
        match = _FENCE.match(text)
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= fence[1]
                and not match.group(2)
            ):
                fence = None
                continue
            yield MdLine(index + 1, text, block, lang, tuple(h for _, h in headings))
            continue
        if match:
            fence, block, lang, opened = (
                (match.group(1)[0], len(match.group(1))),
                block + 1,
                match.group(2),
                index + 1,
            )
            continue
        heading = _HEADING.match(text)
        if heading:
            depth = len(heading.group(1))
            headings = [h for h in headings if h[0] < depth] + [(depth, heading.group(2).strip())]
        yield MdLine(index + 1, text, None, "", tuple(h for _, h in headings))
    if fence is not None:
        col.warn(f"{rel}:{opened}", _("code fence opened here is never closed (read to the end)"))


def agent_name(text: str) -> str | None:
    """The agent named in a cell or field: '**a**', '`a`', 'a (5 min)' → 'a'; prose → None."""
    cleaned = text.strip().strip("*`_ ").strip()
    match = _AGENT.match(cleaned)
    if not match or not any(c.isalpha() for c in match.group()):
        return None
    rest = cleaned[match.end() :]
    if rest and not re.match(r"[\s`*(,;+]", rest):
        return None
    return match.group().rstrip(".")


def agent_list(text: str) -> list[str]:
    """Several agents: 'a, b', 'a + b', 'a y b', 'a / b'; each part through `agent_name`."""
    text = re.sub(r"\([^)]*\)", " ", text)
    parts = re.split(r"\s*(?:,|\+|;|/|\s&\s|\sy\s|\sand\s|\so\s|\sor\s)\s*", text)
    names = [agent_name(p) for p in parts if p.strip()]
    return [n for n in names if n]


def to_pattern(raw: str) -> tuple[str | None, str]:
    """A documented path as a rules pattern, or (None, why it is not a path).

    Paths with a '/' inside are anchored already; a bare name such as ``docker-compose.yml`` or
    ``alembic/`` gets a leading ``/`` so it means the root entry, as the documents intend, and not
    every file of that name at any depth.
    """
    text = raw.strip().strip("`").strip()
    why = _not_a_path(text)
    if why:
        return None, why
    while text.startswith("./"):
        text = text[2:]
    body = text.lstrip("/")
    pattern = body if "/" in body.rstrip("/") else "/" + body
    try:
        check_pattern(pattern)
    except PatternError as exc:
        return None, _("not a valid pattern: {reason} (column {column})").format(
            reason=exc.localized(), column=exc.column + 1
        )
    return pattern, ""


def _not_a_path(text: str) -> str:
    """Why `text` is not a path ('' when it may be one): the heuristics for prose in lists."""
    checks = (
        (not text, N_("no path after the marker")),
        ("," in text or ";" in text, N_("several paths on one line: list them one per line")),
        (any(c.isspace() for c in text), N_("contains spaces: prose, not a path")),
        ("://" in text, N_("a URL, not a path")),
        (text.endswith(":"), N_("ends with ':': a label, not a path")),
        ("\\" in text, N_("contains '\\': write repository paths with '/'")),
        (".." in text.split("/"), N_("contains '..': paths are relative to the repository root")),
        (text.strip("/.") == "", N_("names the whole repository, not a file")),
        (
            text.isupper() and fold(text).isalpha() and fold(text) not in _CAPS_NAMES,
            N_("an all-capitals word, not a file name"),
        ),
    )
    return next((_(why) for failed, why in checks if failed), "")


def distinct_claims(claims: Iterable[Claim]) -> list[Claim]:
    """The first claim of each distinct value, in document order."""
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.value, claim)
    return list(first.values())


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))

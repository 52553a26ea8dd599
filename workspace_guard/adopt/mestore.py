"""Import a MeStore-style "virtual office" workspace (contract §9) into rules-file data.

The seed protocol keeps its truth in five or more Spanish-first markdown documents that disagree
with each other (notes/agent-harnesses.md §5). Rather than trusting one of them, every fact is
collected as a *claim* with its ``FILE:LINE``; the claims are then resolved with fixed, documented
preferences, and every disagreement becomes a finding naming both places:

* level: ``critical`` beats ``high`` (the stricter reading wins);
* owner: the per-file rule block (``🔍 RESPONSABLE:``) beats the responsibility table, which
  beats the per-file metadata, the ``**Responsables**:`` line under a list, and finally the
  ``path → agent`` lists copied into every agent file;
* backups: the union, in that same order.

Rules come out general first (directories, globs) and single files last, so that the file-level
owner wins under "the last matching rule decides".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workspace_guard.adopt.report import ImportResult
from workspace_guard.core.model import LEVEL_RANK
from workspace_guard.core.patterns import PatternError, check_pattern
from workspace_guard.errors import UsageError

PROTECTED_FILES = ".workspace/PROTECTED_FILES.md"
RESPONSIBLE_AGENTS = ".workspace/RESPONSIBLE_AGENTS.md"
AGENTS_DIR = ".claude/agents"
PROJECT_DIR = ".workspace/project"
DEPARTMENTS_DIR = ".workspace/departments"
DEFAULT_ESCALATION = "master-orchestrator"

# Owner authority: the lower rank wins a disagreement.
RANK_RULE_BLOCK, RANK_TABLE, RANK_METADATA, RANK_RESPONSABLES, RANK_AGENT_LIST = range(5)
OWNER_SOURCE_NAMES = {
    RANK_RULE_BLOCK: "the per-file rule block",
    RANK_TABLE: "the responsibility table",
    RANK_METADATA: "the per-file metadata",
    RANK_RESPONSABLES: "a **Responsables** line",
    RANK_AGENT_LIST: "an agent file's protected-files list",
}

OWNER_KEYS = ("RESPONSABLE", "RESPONSIBLE", "OWNER", "PROPIETARIO")
ADVICE_KEYS = ("PERMITIDO", "PROHIBIDO", "ALLOWED", "FORBIDDEN", "NOTA", "NOTE", "MOTIVO", "RAZON")
MARKERS = {"❌": "critical", "⚠": "high"}  # after variation selectors are removed
_VARIATION = dict.fromkeys((0xFE0E, 0xFE0F))
_AGENT = re.compile(r"[a-z0-9][a-z0-9._-]*")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
_BULLET_KV = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\*\*(.+?)\*\*\s*:?\s*(?:\*\*)?\s*:?\s*(.*)$")
_RULE_LINE = re.compile(r"^\S+\s+([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ _-]*):\s*(.*)$")
_ARROW = re.compile(r"^\s*[-*+]\s+(.+?)\s*(?:→|->|=>)\s*(.+?)\s*$")
_OFFICE_LINE = re.compile(
    r"\*\*\s*(?:tu oficina|your office|oficina|office)\s*\*\*\s*:\s*`?([^`\s]+)`?", re.IGNORECASE
)
_SPECIAL = re.compile(r"^\s*[-*+]\s+[`*]*([^`*:]+?)[`*]*\s*:\s*(.+)$")
_ALL_FILES = re.compile(r"\b(todos|todo|all|everything|cualquier|any)\b", re.IGNORECASE)
_CAPS_NAMES = {
    "LICENSE",
    "README",
    "CHANGELOG",
    "AUTHORS",
    "CODEOWNERS",
    "VERSION",
    "NOTICE",
    "CONTRIBUTING",
    "COPYING",
    "INSTALL",
    "MAKEFILE",
    "DOCKERFILE",
    "PROCFILE",
}


@dataclass(frozen=True)
class Claim:
    """One statement of one document: a value, where it was read, and its authority rank."""

    value: str
    source: str
    rank: int = 0


@dataclass
class PathClaims:
    """Everything the documents say about one protected path."""

    order: int
    levels: list[Claim] = field(default_factory=list)
    owners: list[Claim] = field(default_factory=list)
    backups: list[Claim] = field(default_factory=list)
    notes: list[Claim] = field(default_factory=list)


@dataclass
class Area:
    """One agent section of the RESPONSIBLE_AGENTS directory (an advisory responsibility)."""

    agent: str
    source: str
    text: str = ""
    files: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MdLine:
    """A markdown line with its context: inside which fenced block, under which headings."""

    no: int
    text: str
    block: int | None  # id of the fenced block holding the line, None in prose
    lang: str  # the block's info string ("" for an untagged block)
    headings: tuple[str, ...]  # the open headings, outermost first

    @property
    def heading(self) -> str:
        """The nearest heading above the line ('' before the first one)."""
        return self.headings[-1] if self.headings else ""


class Collector:
    """Claims gathered from every document, then resolved into rules data with findings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.result = ImportResult(data={})
        self.paths: dict[str, PathClaims] = {}
        self.defined: dict[str, str] = {}  # agent -> FILE:LINE of its definition
        self.refs: dict[str, str] = {}  # agent -> FILE:LINE of its first reference
        self.offices: dict[str, list[Claim]] = {}
        self.superusers: list[Claim] = []
        self.escalations: list[Claim] = []
        self.areas: list[Area] = []

    def claims(self, pattern: str) -> PathClaims:
        """The claims about `pattern`, created in document order (the order breaks ties)."""
        if pattern not in self.paths:
            self.paths[pattern] = PathClaims(order=len(self.paths))
        return self.paths[pattern]

    def refer(self, agent: str, source: str) -> None:
        """Remember the first place an agent is named (for agents without a definition file)."""
        self.refs.setdefault(agent, source)

    def warn(self, source: str, message: str, other: str | None = None) -> None:
        """A skipped line or a disagreement between documents."""
        self.result.note("warning", source, message, other)

    def info(self, source: str, message: str, other: str | None = None) -> None:
        """A choice made for the user (a default, something left out on purpose)."""
        self.result.note("info", source, message, other)


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
            col.result.note("error", f"{rel}:1", "file not found: nothing imported from it")
        return None
    except OSError as exc:
        col.result.note("error", f"{rel}:1", f"cannot read the file: {exc.strerror or exc}")
        return None
    text = raw.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        col.warn(f"{rel}:1", "the file is not valid UTF-8; undecodable bytes were replaced")
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
        col.warn(f"{rel}:{opened}", "code fence opened here is never closed (read to the end)")


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
        return None, f"not a valid pattern: {exc.reason} (column {exc.column + 1})"
    return pattern, ""


def _not_a_path(text: str) -> str:
    """Why `text` is not a path ('' when it may be one): the heuristics for prose in lists."""
    checks = (
        (not text, "no path after the marker"),
        ("," in text or ";" in text, "several paths on one line: list them one per line"),
        (any(c.isspace() for c in text), "contains spaces: prose, not a path"),
        ("://" in text, "a URL, not a path"),
        (text.endswith(":"), "ends with ':': a label, not a path"),
        ("\\" in text, "contains '\\': write repository paths with '/'"),
        (".." in text.split("/"), "contains '..': paths are relative to the repository root"),
        (text.strip("/.") == "", "names the whole repository, not a file"),
        (
            text.isupper() and fold(text).isalpha() and fold(text) not in _CAPS_NAMES,
            "an all-capitals word, not a file name",
        ),
    )
    return next((why for failed, why in checks if failed), "")


# --- PROTECTED_FILES.md --------------------------------------------------------------------------


def read_protected_files(col: Collector) -> None:
    """Fenced, untagged blocks list ``<marker> <path>  # note``; the rest is prose we mostly skip.

    Prose sections repeat the paths (``- `path` - text``) and are deliberately ignored; rule
    blocks under ``#### <path>`` carry ``🔍 RESPONSABLE: <agent>`` for that path; a
    ``**Responsables**:`` line right after a list names the owners of that list; the
    ``Agentes con Permisos Especiales`` bullets name the superusers.
    """
    rel = PROTECTED_FILES
    lines = read_lines(col, rel, required=True)
    if lines is None:
        return
    block_paths: dict[int, list[str]] = {}
    last_block: tuple[int, str] | None = None
    for line in walk_markdown(col, rel, lines):
        src = f"{rel}:{line.no}"
        if line.block is None:
            if _HEADING.match(line.text):
                last_block = None if last_block and line.heading != last_block[1] else last_block
            _protected_prose(
                col, line, src, block_paths.get(last_block[0], []) if last_block else []
            )
            continue
        if line.lang:
            continue  # a code sample (```bash …), not a list
        last_block = (line.block, line.heading)
        pattern = _protected_entry(col, line, src)
        if pattern:
            block_paths.setdefault(line.block, []).append(pattern)


def _protected_entry(col: Collector, line: MdLine, src: str) -> str | None:
    """One line of a protected list; returns the pattern it protects, if any."""
    text = line.text.strip()
    if not text or text.startswith("#"):
        return None
    rule = _RULE_LINE.match(text)
    if rule:
        _rule_line(col, line, src, fold(rule.group(1)).strip(), rule.group(2))
        return None
    marker = next((m for m in MARKERS if text.startswith(m)), None)
    if marker is None:
        col.warn(src, f"skipped {text[:60]!r}: a protected list line must start with ❌ or ⚠️")
        return None
    entry, _, note = text[len(marker) :].partition(" #")
    if entry.lstrip().startswith("#"):
        entry, note = "", entry.lstrip()[1:]
    pattern, why = to_pattern(entry)
    if pattern is None:
        col.warn(src, f"skipped {text[:60]!r}: {why}")
        return None
    claims = col.claims(pattern)
    claims.levels.append(Claim(MARKERS[marker], src))
    if note.strip():
        claims.notes.append(Claim(note.strip(), src))
    return pattern


def _rule_line(col: Collector, line: MdLine, src: str, key: str, value: str) -> None:
    """``🔍 RESPONSABLE: agent`` owns the path of the ``#### <path>`` heading above the block."""
    if key in ADVICE_KEYS:
        return  # advice for humans, nothing to enforce
    if key not in OWNER_KEYS:
        col.warn(src, f"skipped {line.text.strip()[:60]!r}: neither a path nor a known rule line")
        return
    pattern, why = to_pattern(line.heading)
    owner = agent_name(value)
    if pattern is None or owner is None:
        reason = (
            f"the heading {line.heading!r} is not a path ({why})"
            if pattern is None
            else f"{value.strip()!r} is not an agent name"
        )
        col.warn(src, f"skipped the responsible line: {reason}")
        return
    col.claims(pattern).owners.append(Claim(owner, src, RANK_RULE_BLOCK))
    col.refer(owner, src)


def _protected_prose(col: Collector, line: MdLine, src: str, last_paths: list[str]) -> None:
    """Prose lines that matter: '**Responsables**:' after a list, and the superuser bullets."""
    kv = re.match(r"^\s*\*\*(Responsables?|Owners?):?\*\*\s*:?\s*(.+)$", line.text, re.IGNORECASE)
    if kv and last_paths:
        names = agent_list(kv.group(2))
        for index, name in enumerate(names):
            col.refer(name, src)
            for pattern in last_paths:
                claims = col.claims(pattern)
                if index == 0:
                    claims.owners.append(Claim(name, src, RANK_RESPONSABLES))
                else:
                    claims.backups.append(Claim(name, src, RANK_RESPONSABLES))
        return
    if any(k in fold(line.heading) for k in ("PERMISOS ESPECIALES", "SPECIAL PERMISSIONS")):
        _special_permission(col, line, src)


def _special_permission(col: Collector, line: MdLine, src: str) -> None:
    """``- `agent`: Todos los archivos`` makes a superuser; a scoped permission cannot be kept."""
    match = _SPECIAL.match(line.text)
    if not match:
        if re.match(r"^\s*[-*+]\s", line.text):
            col.warn(src, f"skipped {line.text.strip()!r}: expected '- `agent`: scope'")
        return
    name = agent_name(match.group(1))
    if name is None:
        col.warn(src, f"skipped the special permission {line.text.strip()!r}: no agent name")
        return
    scope = match.group(2).strip()
    if _ALL_FILES.search(scope) and not re.search(r"\bsolo\b|\bonly\b", scope, re.IGNORECASE):
        col.superusers.append(Claim(name, src))
        col.refer(name, src)
    else:
        col.info(
            src,
            f"{name} has a scoped special permission ({scope!r}); rules cannot express "
            "a scope, so it is not made a superuser (its own files stay its own)",
        )


# --- RESPONSIBLE_AGENTS.md -----------------------------------------------------------------------

_COLUMN_WORDS = (
    ("backup", ("BACKUP", "RESPALDO", "SUPLENTE")),
    ("escalation", ("ESCALA",)),
    ("file", ("ARCHIVO", "FILE", "RUTA", "PATH")),
    ("owner", ("RESPONS", "OWNER", "PRINCIPAL", "AGENTE", "AGENT")),
)


def read_responsible_agents(col: Collector) -> None:
    """The table (file, **owner**, backups, escalation) and the ``#### <agent>`` directory."""
    rel = RESPONSIBLE_AGENTS
    lines = read_lines(col, rel)
    if lines is None:
        col.info(f"{rel}:1", "file not found: no responsibility table or agent directory")
        return
    table: dict[str, int] | None = None
    width = 0
    area: Area | None = None
    for line in walk_markdown(col, rel, lines):
        src = f"{rel}:{line.no}"
        if line.block is not None:
            continue
        if not line.text.lstrip().startswith("|"):
            table = None
        else:
            table, width = _table_line(col, line, src, table, width)
            continue
        if _HEADING.match(line.text):
            area = _start_area(col, line, src)
        elif area is not None:
            _area_field(col, area, line, src)


def cells(text: str) -> list[str]:
    """The cells of a GFM table row ('\\|' is a literal pipe)."""
    body = text.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def _table_line(
    col: Collector, line: MdLine, src: str, table: dict[str, int] | None, width: int
) -> tuple[dict[str, int] | None, int]:
    """Header → column map; separator skipped; data rows become claims."""
    row = cells(line.text)
    if table is None:
        return _columns(row), len(row)
    if all(re.fullmatch(r":?-{1,}:?", c) for c in row if c):
        return table, width
    if not table:
        return table, width  # a table we do not read
    if len(row) != width:
        col.warn(src, f"skipped a table row with {len(row)} cells (the header has {width})")
        return table, width
    _table_row(col, line, src, table, row)
    return table, width


def _columns(header: list[str]) -> dict[str, int]:
    """Which column is which, from the header words; {} when there is no file column."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        word = fold(cell)
        role = next((r for r, keys in _COLUMN_WORDS if any(k in word for k in keys)), None)
        if role and role not in found:
            found[role] = index
    return found if "file" in found and "owner" in found else {}


def _table_row(
    col: Collector, line: MdLine, src: str, table: dict[str, int], row: list[str]
) -> None:
    """A data row: path, level (from the heading above the table), owner, backups, escalation."""
    pattern, why = to_pattern(row[table["file"]])
    if pattern is None:
        col.warn(src, f"skipped a table row: {row[table['file']]!r} {why}")
        return
    claims = col.claims(pattern)
    level = _level_words(" ".join(line.headings))
    if level:
        claims.levels.append(Claim(level, src))
    owner = agent_name(row[table["owner"]])
    if owner:
        claims.owners.append(Claim(owner, src, RANK_TABLE))
        col.refer(owner, src)
    elif row[table["owner"]].strip():
        col.warn(src, f"{row[table['owner']]!r} is not an agent name: no owner from this row")
    for name in agent_list(row[table["backup"]]) if "backup" in table else []:
        claims.backups.append(Claim(name, src, RANK_TABLE))
        col.refer(name, src)
    if "escalation" in table:
        for name in agent_list(row[table["escalation"]])[:1]:
            col.escalations.append(Claim(name, src))


def _level_words(text: str) -> str | None:
    """'CRÍTICO'/'critical' → critical, 'ALTO'/'high' → high, else None."""
    word = fold(text)
    if "CRITIC" in word:
        return "critical"
    if re.search(r"\bALTO\b|\bHIGH\b", word):
        return "high"
    return None


def _start_area(col: Collector, line: MdLine, src: str) -> Area | None:
    """A ``#### <agent>`` heading opens that agent's directory entry."""
    name = agent_name(line.heading)
    if name is None or name != line.heading.strip("`* ").strip():
        return None
    if any(a.agent == name for a in col.areas):
        first = next(a.source for a in col.areas if a.agent == name)
        col.warn(src, f"agent {name} has a second directory entry; both are read", first)
    area = Area(name, src)
    col.areas.append(area)
    return area


def _area_field(col: Collector, area: Area, line: MdLine, src: str) -> None:
    """``- **Responsabilidad**: …``, ``**Archivos**``, ``**Ubicación**`` (office), ``**Backup**``.

    The directory is advisory (``responsibilities``), except the office, which grants writes.
    """
    match = _BULLET_KV.match(line.text)
    if not match:
        return
    key, value = fold(match.group(1)), match.group(2).strip()
    if key.startswith(("RESPONSABILIDAD", "RESPONSIBILIT")):
        area.text = value
        area.files += re.findall(r"`([^`]+)`", value)
    elif key.startswith(("ARCHIVOS", "FILES")):
        area.files += re.findall(r"`([^`]+)`", value)
    elif key.startswith(("UBICACION", "LOCATION", "OFICINA", "OFFICE")):
        office = value.strip("` ")
        col.offices.setdefault(area.agent, []).append(Claim(office, src, 1))
    elif key.startswith("BACKUP"):
        area.backups += agent_list(value)
        for name in area.backups:
            col.refer(name, src)


# --- .workspace/project/<path>.md metadata -------------------------------------------------------


def read_metadata(col: Collector) -> None:
    """Per-file metadata: ``# METADATOS: <path>``, its state, owner, backup and escalation."""
    base = col.root / PROJECT_DIR
    if not base.is_dir():
        return
    for path in sorted(base.rglob("*.md")):
        if path.is_file():
            _metadata_file(col, path.relative_to(col.root).as_posix(), path.relative_to(base))


def _metadata_file(col: Collector, rel: str, inner: Path) -> None:
    """One ``.workspace/project/<path>.md``; the ``# METADATOS:`` heading names the path."""
    lines = read_lines(col, rel)
    if lines is None:
        return
    header = next(
        (
            (i, m.group(1))
            for i, text in enumerate(lines)
            if (m := re.match(r"^#\s+METADAT[OA]S?\s*:\s*(.+)$", text, re.IGNORECASE))
        ),
        None,
    )
    if header is None:
        col.info(f"{rel}:1", "not a metadata file (no '# METADATOS: <path>' heading): skipped")
        return
    src = f"{rel}:{header[0] + 1}"
    pattern, why = to_pattern(header[1])
    if pattern is None:
        col.warn(src, f"skipped the metadata file: {header[1]!r} {why}")
        return
    expected, _ = to_pattern(inner.as_posix()[: -len(".md")])
    if expected != pattern:
        col.warn(src, f"the metadata names {header[1]!r} but lives at {rel}; the heading is used")
    _metadata_fields(col, rel, lines, col.claims(pattern))


def _metadata_fields(col: Collector, rel: str, lines: list[str], claims: PathClaims) -> None:
    """State, owner, backups and escalation; the ``Departamento`` line is the owner's office."""
    offices: list[Claim] = []
    for line in walk_markdown(col, rel, lines):
        src = f"{rel}:{line.no}"
        if line.block is not None:
            continue
        state = re.match(r"^#+\s.*?ESTADO\s*:\s*(.+)$", fold(line.text))
        if state:
            _metadata_state(col, claims, src, state.group(1))
            continue
        match = _BULLET_KV.match(line.text)
        if match:
            _metadata_field(col, claims, src, fold(match.group(1)), match.group(2), offices=offices)
    owner = next((c.value for c in claims.owners if c.source.startswith(rel + ":")), None)
    for office in offices if owner else []:
        col.offices.setdefault(owner or "", []).append(Claim(office.value, office.source, 3))


def _metadata_state(col: Collector, claims: PathClaims, src: str, state: str) -> None:
    """``ESTADO: PROTEGIDO CRÍTICO`` → critical; ``ALTO`` → high; plain ``PROTEGIDO`` → high."""
    if re.search(r"\bNO PROTEGIDO\b|\bUNPROTECTED\b|\bLIBRE\b", state):
        col.info(src, "the metadata says the file is not protected; other sources decide")
        return
    level = _level_words(state) or ("high" if "PROTEG" in state or "PROTECT" in state else None)
    if level is None:
        col.warn(src, f"unknown state {state.strip()!r}: no level taken from it")
        return
    claims.levels.append(Claim(level, src))


def _metadata_field(
    col: Collector, claims: PathClaims, src: str, key: str, value: str, *, offices: list[Claim]
) -> None:
    """One ``- **Key**: value`` bullet of a metadata file (Spanish or English keys)."""
    if key in ("AGENTE RESPONSABLE", "RESPONSIBLE AGENT", "PRINCIPAL", "OWNER", "RESPONSABLE"):
        owner = agent_name(value)
        if owner is None:
            col.warn(src, f"{value.strip()!r} is not an agent name: no owner taken from it")
            return
        claims.owners.append(Claim(owner, src, RANK_METADATA))
        col.refer(owner, src)
    elif key in ("BACKUP", "AGENTE BACKUP", "BACKUP AGENT"):
        for name in agent_list(value):
            claims.backups.append(Claim(name, src, RANK_METADATA))
            col.refer(name, src)
    elif key in ("ESCALACION", "ESCALATION"):
        for name in agent_list(value)[:1]:
            col.escalations.append(Claim(name, src))
    elif key in ("DEPARTAMENTO", "DEPARTMENT", "OFICINA", "OFFICE"):
        offices.append(Claim(value.strip("` "), src))


# --- .claude/agents/*.md -------------------------------------------------------------------------


def read_agent_files(col: Collector) -> None:
    """Agents from each file's frontmatter ``name``, plus their office line and path lists."""
    base = col.root / AGENTS_DIR
    files = (
        sorted((p for p in base.glob("*.md") if p.is_file()), key=lambda p: (p.stem, p.name))
        if base.is_dir()
        else []
    )
    if not files:
        col.result.note(
            "warning",
            f"{AGENTS_DIR}/:1",
            "no agent files: every agent is registered from the documents that name it",
        )
    for path in files:
        _agent_file(col, path.relative_to(col.root).as_posix(), path.stem)


def _agent_file(col: Collector, rel: str, stem: str) -> None:
    """One agent definition; a duplicate name keeps the first file (sorted by file name)."""
    lines = read_lines(col, rel)
    if lines is None:
        return
    name, line_no, body = frontmatter_name(lines)
    src = f"{rel}:{line_no}"
    if name is None:
        col.warn(src, f"no 'name:' in the frontmatter; the file name {stem!r} is used")
        name = stem
    if agent_name(name) != name:
        col.warn(src, f"skipped the agent file: {name!r} is not an agent name")
        return
    if name in col.defined:
        col.warn(
            src, f"agent {name} is defined twice; the first definition is kept", col.defined[name]
        )
        return
    if name != stem:
        col.info(
            src,
            f"the agent is named {name!r} in a file called {stem}.md; "
            "Claude Code uses the frontmatter name",
        )
    col.defined[name] = src
    _agent_body(col, rel, name, lines, body)


def frontmatter_name(lines: list[str]) -> tuple[str | None, int, int]:
    """(name, its line number, first body line index) from a ``---`` YAML frontmatter."""
    if not lines or lines[0].strip() != "---":
        return None, 1, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return None, 1, 0
    for index in range(1, end):
        match = re.match(r"^name\s*:\s*(.*?)\s*(?:#.*)?$", lines[index])
        if match:
            return match.group(1).strip("'\""), index + 1, end + 1
    return None, 1, end + 1


def _agent_body(col: Collector, rel: str, name: str, lines: list[str], start: int) -> None:
    """The office line (``📍 **Tu oficina**``) and the ``path → agent`` list of an agent file."""
    for line in walk_markdown(col, rel, lines, start):
        if line.block is not None:
            continue
        src = f"{rel}:{line.no}"
        office = _OFFICE_LINE.search(line.text)
        if office:
            col.offices.setdefault(name, []).append(Claim(office.group(1), src, 2))
        elif "PROTEG" in fold(line.heading) or "PROTECT" in fold(line.heading):
            arrow = _ARROW.match(line.text)
            if arrow:
                _arrow_entry(col, src, arrow.group(1), arrow.group(2))


def _arrow_entry(col: Collector, src: str, left: str, right: str) -> None:
    """``- `app/main.py` → system-architect-ai``: an owner claim of the lowest authority."""
    pattern, why = to_pattern(left)
    names = agent_list(right)
    if pattern is None or not names:
        col.warn(
            src,
            f"skipped the list entry: {left!r} {why}"
            if pattern is None
            else f"skipped the list entry: {right!r} is not an agent name",
        )
        return
    claims = col.claims(pattern)
    claims.owners.append(Claim(names[0], src, RANK_AGENT_LIST))
    claims.backups.extend(Claim(n, src, RANK_AGENT_LIST) for n in names[1:])
    for n in names:
        col.refer(n, src)


# --- public entry point --------------------------------------------------------------------------


def import_mestore(root: Path) -> ImportResult:
    """Read the workspace at `root` and return the rules data, its provenance and the findings.

    Raises `UsageError` only when `root` is not a workspace at all (no ``.workspace/`` folder);
    everything wrong inside the documents is a finding.
    """
    root = Path(root)
    if not (root / ".workspace").is_dir():
        raise UsageError(
            f"{root} is not a protocol workspace: it has no .workspace/ folder",
            hint="give the repository root that holds .workspace/PROTECTED_FILES.md",
        )
    col = Collector(root)
    read_protected_files(col)
    read_responsible_agents(col)
    read_metadata(col)
    read_agent_files(col)
    return resolve(col)


# --- resolution: claims → rules data -------------------------------------------------------------


def resolve(col: Collector) -> ImportResult:
    """Turn the collected claims into contract §3 data, reporting every disagreement."""
    _vet_all(col)
    ordered = sorted(col.paths.items(), key=lambda item: order_key(item[0], item[1].order))
    protected = [_protected_rule(col, pattern, claims) for pattern, claims in ordered]
    superusers = _superusers(col)
    escalation = _escalation(col)
    responsibilities = _responsibilities(col, [r["pattern"] for r in protected])
    used = [escalation, *superusers]
    for rule in protected:
        used += [rule.get("owner", ""), *rule.get("backup", [])]
    for row in responsibilities:
        used += [row["responsible"], *row.get("backup", [])]
    data: dict[str, Any] = {"version": 1, "escalation": escalation}
    if superusers:
        data["superusers"] = superusers
    data["agents"] = _agents(col, [u for u in used if u])
    data["protected"] = protected
    if responsibilities:
        data["responsibilities"] = responsibilities
    col.result.data = data
    return col.result


def plausible(col: Collector, name: str) -> bool:
    """An agent name we may register: defined, or shaped like the protocol's names (a-b, a_1).

    Tables and metadata are prose; a lone lower-case word there ('nadie', 'ninguno') is far more
    often a word than an agent, and registering it would grant it approvals.
    """
    return name in col.defined or bool(re.search(r"[-_0-9]", name))


def _vet(col: Collector, claims: list[Claim]) -> list[Claim]:
    """The claims whose agent is plausible; the others are reported and dropped."""
    kept = []
    for claim in claims:
        if plausible(col, claim.value):
            kept.append(claim)
        else:
            col.warn(
                claim.source,
                f"{claim.value!r} has no agent file and does not look like an "
                "agent name (no '-'): ignored",
            )
    return kept


def _vet_all(col: Collector) -> None:
    """Drop implausible agent names from every claim list before anything is resolved."""
    for claims in col.paths.values():
        claims.owners = _vet(col, claims.owners)
        claims.backups = _vet(col, claims.backups)
    col.escalations = _vet(col, col.escalations)
    col.superusers = _vet(col, col.superusers)
    for area in col.areas:
        area.backups = [c.value for c in _vet(col, [Claim(b, area.source) for b in area.backups])]
    col.areas = [a for a in col.areas if plausible(col, a.agent)]


def order_key(pattern: str, order: int) -> tuple[int, int, int]:
    """Directories and globs first (shallow before deep), single files last, else document order.

    The last matching rule decides, so this lets a file's own rule override its directory's.
    """
    general = pattern.endswith("/") or any(c in pattern for c in "*?")
    depth = pattern.strip("/").count("/")
    return (0, depth, order) if general else (1, 0, order)


def _protected_rule(col: Collector, pattern: str, claims: PathClaims) -> dict[str, Any]:
    """One ``protected`` entry from all claims about `pattern`, with its provenance."""
    level = _resolve_level(col, pattern, claims)
    owner = _resolve_owner(col, pattern, claims)
    backups = _resolve_backups(col, pattern, claims, owner)
    rule: dict[str, Any] = {"pattern": pattern}
    if owner:
        rule["owner"] = owner
    if backups:
        rule["backup"] = backups
    rule["level"] = level
    if claims.notes:
        rule["note"] = claims.notes[0].value
    first = (claims.levels or claims.owners or claims.backups)[0]
    col.result.sources[f"protected:{pattern}"] = first.source
    return rule


def _resolve_level(col: Collector, pattern: str, claims: PathClaims) -> str:
    """The strictest level any document gives; a disagreement is reported with both places."""
    if not claims.levels:
        source = (claims.owners or claims.backups)[0].source
        col.info(
            source,
            f"{pattern}: no document gives a level (❌/⚠️ or ESTADO); "
            "protected as 'high' because it has a responsible agent",
        )
        return "high"
    best = max(claims.levels, key=lambda c: LEVEL_RANK.get(c.value, 0))
    for other in _distinct(claims.levels):
        if other.value != best.value:
            col.warn(
                best.source,
                f"{pattern}: level {best.value} here but {other.value} in "
                f"{other.source}; the stricter {best.value} is kept",
                other.source,
            )
    return best.value


def _resolve_owner(col: Collector, pattern: str, claims: PathClaims) -> str | None:
    """The owner from the most authoritative document; any other owner named is a conflict."""
    if not claims.owners:
        source = (claims.levels or claims.backups)[0].source
        col.info(
            source,
            f"{pattern}: no document names a responsible agent; only superusers "
            "may change it and approvals go to the escalation agent",
        )
        return None
    ranked = sorted(claims.owners, key=lambda c: c.rank)
    best = ranked[0]
    for other in _distinct(ranked):
        if other.value != best.value:
            col.warn(
                best.source,
                f"{pattern}: two owners: {best.value} "
                f"({OWNER_SOURCE_NAMES[best.rank]}) and {other.value} "
                f"({OWNER_SOURCE_NAMES[other.rank]}, {other.source}); {best.value} is kept",
                other.source,
            )
    return best.value


def _resolve_backups(
    col: Collector, pattern: str, claims: PathClaims, owner: str | None
) -> list[str]:
    """The union of all backups: documents list different ones and none is more right."""
    merged = unique(c.value for c in sorted(claims.backups, key=lambda c: c.rank))
    per_file: dict[str, tuple[Claim, set[str]]] = {}
    for claim in claims.backups:
        per_file.setdefault(claim.source.rsplit(":", 1)[0], (claim, set()))[1].add(claim.value)
    groups = list(per_file.values())
    other = next((g for g in groups[1:] if g[1] != groups[0][1]), None)
    if other is not None:
        col.warn(
            groups[0][0].source,
            f"{pattern}: the documents list different backups "
            f"({', '.join(sorted(groups[0][1]))} here, {', '.join(sorted(other[1]))} there); "
            "all are kept",
            other[0].source,
        )
    return [b for b in merged if b != owner]


def _distinct(claims: Iterable[Claim]) -> list[Claim]:
    """The first claim of each distinct value, in document order."""
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.value, claim)
    return list(first.values())


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def _superusers(col: Collector) -> list[str]:
    """Agents with every permission; the seed's validator always lets master-orchestrator pass."""
    if col.superusers:
        col.result.sources["superusers"] = col.superusers[0].source
        return unique(c.value for c in col.superusers)
    if DEFAULT_ESCALATION in col.defined:
        source = col.defined[DEFAULT_ESCALATION]
        col.info(
            source,
            f"no 'Agentes con Permisos Especiales' list; {DEFAULT_ESCALATION} is made "
            "a superuser because the protocol's validator always allows it",
        )
        col.result.sources["superusers"] = source
        return [DEFAULT_ESCALATION]
    return []


def _escalation(col: Collector) -> str:
    """master-orchestrator when the workspace has it, else the most common 'Escalación' value."""
    names = [c.value for c in col.escalations]
    if DEFAULT_ESCALATION in col.defined or DEFAULT_ESCALATION in names:
        chosen = DEFAULT_ESCALATION
    elif names:
        chosen = Counter(names).most_common(1)[0][0]
    elif col.superusers:
        chosen = col.superusers[0].value
    else:
        chosen = DEFAULT_ESCALATION
        col.warn(f"{RESPONSIBLE_AGENTS}:1", f"no escalation agent anywhere; {chosen} is used")
    first = next((c for c in col.escalations if c.value == chosen), None)
    source = first.source if first else col.defined.get(chosen, f"{RESPONSIBLE_AGENTS}:1")
    col.result.sources["escalation"] = source
    col.refer(chosen, source)
    for other in _distinct(col.escalations):
        if other.value != chosen:
            col.warn(
                other.source,
                f"escalation to {other.value} here, but {chosen} is the "
                f"escalation agent of the rules",
                source,
            )
    return chosen


def _responsibilities(col: Collector, patterns: list[str]) -> list[dict[str, Any]]:
    """The agent directory as the advisory matrix; bare file names resolve to protected paths."""
    rows: list[dict[str, Any]] = []
    for area in col.areas:
        resolved = unique(
            p for token in area.files for p in _resolve_file(col, area, token, patterns)
        )
        if not resolved:
            col.info(
                area.source,
                f"{area.agent}: no file named in the directory entry; no responsibility row",
            )
            continue
        name = re.sub(r"`", "", area.text).strip() or area.agent
        if any(r["area"] == name for r in rows):
            name = f"{name} ({area.agent})"
        row: dict[str, Any] = {"area": name, "patterns": resolved, "responsible": area.agent}
        backups = [b for b in unique(area.backups) if b != area.agent]
        if backups:
            row["backup"] = backups
        col.result.sources[f"responsibility:{name}"] = area.source
        col.refer(area.agent, area.source)
        rows.append(row)
    return rows


def _resolve_file(col: Collector, area: Area, token: str, patterns: list[str]) -> list[str]:
    """`app/x.py` → its pattern; `user.py` → the protected paths with that file name."""
    if "/" in token.strip("/"):
        pattern, why = to_pattern(token)
        if pattern is None:
            col.info(area.source, f"{area.agent}: {token!r} {why}")
        return [pattern] if pattern else []
    found = [p for p in patterns if p.rstrip("/").rsplit("/", 1)[-1] == token.strip("/")]
    if not found:
        col.info(
            area.source,
            f"{area.agent}: {token!r} matches no protected path; left out of "
            "the responsibility row",
        )
    return found


# --- agents and offices --------------------------------------------------------------------------


def _agents(col: Collector, used: list[str]) -> dict[str, dict[str, str]]:
    """Every defined agent plus every agent the rules name (with a warning if it has no file)."""
    names = unique([*col.defined, *used])
    for name in names:
        if name not in col.defined:
            col.warn(
                col.refs.get(name, f"{AGENTS_DIR}/:1"),
                f"agent {name} is named here but has no agent file ({AGENTS_DIR}/{name}.md); "
                "it is registered so the rules load",
            )
        elif name.endswith("-ai") and name[:-3] in col.defined:
            col.info(
                col.defined[name],
                f"agents {name} and {name[:-3]} are both defined; the same agent twice?",
                col.defined[name[:-3]],
            )
    disk = _disk_offices(col, set(names))
    agents: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        col.result.sources[f"agent:{name}"] = col.defined.get(name) or col.refs.get(name, "")
        agents[name] = _office(col, name, disk.get(name, []))
    return agents


def _disk_offices(col: Collector, names: set[str]) -> dict[str, list[str]]:
    """``.workspace/departments/<dept>/<agent>/`` folders of known agents; others summarised."""
    base = col.root / DEPARTMENTS_DIR
    found: dict[str, list[str]] = {}
    strangers: list[str] = []
    departments = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    for dept in departments:
        for sub in sorted(p for p in dept.iterdir() if p.is_dir()):
            rel = f"{DEPARTMENTS_DIR}/{dept.name}/{sub.name}/"
            (found.setdefault(sub.name, []) if sub.name in names else strangers).append(rel)
    if strangers:
        shown = ", ".join(strangers[:5]) + (", …" if len(strangers) > 5 else "")
        col.info(
            f"{DEPARTMENTS_DIR}/:1",
            f"{len(strangers)} folder(s) are not named after a "
            f"known agent and are not offices: {shown}",
        )
    return found


def _office(col: Collector, name: str, disk: list[str]) -> dict[str, str]:
    """The agent's office: its folder on disk, else the one its documents name."""
    stated = [c for c in col.offices.get(name, []) if _office_ok(col, name, c)]
    stated.sort(key=lambda c: c.rank)
    chosen: str | None = None
    if disk:
        chosen = next((d for c in stated for d in disk if d == _office_path(c.value)), disk[0])
        if len(disk) > 1:
            col.warn(
                f"{chosen}:1",
                f"agent {name} has {len(disk)} office folders; {chosen} is kept",
                f"{next(d for d in disk if d != chosen)}:1",
            )
        for claim in _distinct([c for c in stated if _office_path(c.value) not in disk]):
            col.warn(
                claim.source,
                f"the office of {name} is given as {claim.value}, but the "
                f"folder is {chosen}; the folder is kept",
                f"{chosen}:1",
            )
    elif stated:
        chosen = _office_path(stated[0].value)
        col.info(
            stated[0].source,
            f"the office folder {chosen} of {name} does not exist yet; it is kept as documented",
        )
    if chosen is None:
        return {}
    return {"department": chosen.split("/")[2], "office": chosen}


def _office_path(value: str) -> str:
    """A documented office as ``dir/`` (backticks, ``./`` and slashes normalised)."""
    text = value.strip().strip("`").strip()
    while text.startswith("./"):
        text = text[2:]
    return text.rstrip("/") + "/"


def _office_ok(col: Collector, name: str, claim: Claim) -> bool:
    """Only ``.workspace/departments/<dept>/<this agent>/`` is an office we can grant."""
    parts = _office_path(claim.value).split("/")
    if len(parts) == 5 and "/".join(parts[:2]) == DEPARTMENTS_DIR and parts[3] == name:
        return True
    col.info(
        claim.source,
        f"{claim.value!r} is not {DEPARTMENTS_DIR}/<department>/{name}/; "
        "not used as the office of " + name,
    )
    return False

"""`.workspace/RESPONSIBLE_AGENTS.md`: the responsibility table and the agent sections."""

from __future__ import annotations

import re

from workspace_guard.adopt.mestore.model import (
    _BULLET_KV,
    _HEADING,
    RANK_TABLE,
    RESPONSIBLE_AGENTS,
    Area,
    Claim,
    Collector,
    MdLine,
)
from workspace_guard.adopt.mestore.text import (
    agent_list,
    agent_name,
    fold,
    read_lines,
    to_pattern,
    walk_markdown,
)
from workspace_guard.i18n import _

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
        col.info(f"{rel}:1", _("file not found: no responsibility table or agent directory"))
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
        col.warn(
            src,
            _("skipped a table row with {n} cells (the header has {width})").format(
                n=len(row), width=width
            ),
        )
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
        col.warn(
            src, _("skipped a table row: {cell!r} {why}").format(cell=row[table["file"]], why=why)
        )
        return
    claims = col.claims(pattern)
    level = level_words(" ".join(line.headings))
    if level:
        claims.levels.append(Claim(level, src))
    owner = agent_name(row[table["owner"]])
    if owner:
        claims.owners.append(Claim(owner, src, RANK_TABLE))
        col.refer(owner, src)
    elif row[table["owner"]].strip():
        col.warn(
            src,
            _("{value!r} is not an agent name: no owner from this row").format(
                value=row[table["owner"]]
            ),
        )
    for name in agent_list(row[table["backup"]]) if "backup" in table else []:
        claims.backups.append(Claim(name, src, RANK_TABLE))
        col.refer(name, src)
    if "escalation" in table:
        for name in agent_list(row[table["escalation"]])[:1]:
            col.escalations.append(Claim(name, src))


def level_words(text: str) -> str | None:
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
        col.warn(
            src,
            _("agent {agent} has a second directory entry; both are read").format(agent=name),
            first,
        )
    area = Area(name, src, category=line.headings[-2] if len(line.headings) > 1 else "")
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
    elif key.startswith(("AUTORIDAD", "AUTHORITY", "EXCLUSIVE")):
        area.authority.append(value)
    elif key.startswith(("ARCHIVOS", "FILES")):
        area.files += re.findall(r"`([^`]+)`", value)
    elif key.startswith(("UBICACION", "LOCATION", "OFICINA", "OFFICE")):
        office = value.strip("` ")
        col.offices.setdefault(area.agent, []).append(Claim(office, src, 1))
    elif key.startswith("BACKUP"):
        area.backups += agent_list(value)
        for name in area.backups:
            col.refer(name, src)

"""`.workspace/project/<path>.md`: the per-file metadata documents."""

from __future__ import annotations

import re
from pathlib import Path

from workspace_guard.adopt.mestore.model import (
    _BULLET_KV,
    PROJECT_DIR,
    RANK_METADATA,
    Claim,
    Collector,
    PathClaims,
)
from workspace_guard.adopt.mestore.responsible import level_words
from workspace_guard.adopt.mestore.text import (
    agent_list,
    agent_name,
    fold,
    read_lines,
    to_pattern,
    walk_markdown,
)
from workspace_guard.i18n import _

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
        col.info(f"{rel}:1", _("not a metadata file (no '# METADATOS: <path>' heading): skipped"))
        return
    src = f"{rel}:{header[0] + 1}"
    pattern, why = to_pattern(header[1])
    if pattern is None:
        col.warn(
            src, _("skipped the metadata file: {name!r} {why}").format(name=header[1], why=why)
        )
        return
    expected, _why = to_pattern(inner.as_posix()[: -len(".md")])
    if expected != pattern:
        col.warn(
            src,
            _("the metadata names {name!r} but lives at {rel}; the heading is used").format(
                name=header[1], rel=rel
            ),
        )
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
        col.info(src, _("the metadata says the file is not protected; other sources decide"))
        return
    level = level_words(state) or ("high" if "PROTEG" in state or "PROTECT" in state else None)
    if level is None:
        col.warn(
            src, _("unknown state {state!r}: no level taken from it").format(state=state.strip())
        )
        return
    claims.levels.append(Claim(level, src))


def _metadata_field(
    col: Collector, claims: PathClaims, src: str, key: str, value: str, *, offices: list[Claim]
) -> None:
    """One ``- **Key**: value`` bullet of a metadata file (Spanish or English keys)."""
    if key in ("AGENTE RESPONSABLE", "RESPONSIBLE AGENT", "PRINCIPAL", "OWNER", "RESPONSABLE"):
        owner = agent_name(value)
        if owner is None:
            col.warn(
                src,
                _("{value!r} is not an agent name: no owner taken from it").format(
                    value=value.strip()
                ),
            )
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

"""Resolution: the collected claims become rules data, every disagreement a finding."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from workspace_guard.adopt.mestore.model import (
    DEFAULT_ESCALATION,
    OWNER_SOURCE_NAMES,
    RESPONSIBLE_AGENTS,
    Area,
    Claim,
    Collector,
    PathClaims,
)
from workspace_guard.adopt.mestore.offices import agents_registry
from workspace_guard.adopt.mestore.prose import prose_owner
from workspace_guard.adopt.mestore.text import distinct_claims, to_pattern, unique
from workspace_guard.adopt.report import ImportResult
from workspace_guard.core.model import LEVEL_RANK
from workspace_guard.i18n import _

# --- resolution: claims → rules data -------------------------------------------------------------


def resolve(col: Collector) -> ImportResult:
    """Turn the collected claims into contract §3 data, reporting every disagreement."""
    _vet_all(col)
    ordered = sorted(col.paths.items(), key=lambda item: order_key(item[0], item[1].order))
    # a path only named by lines that said nothing usable (an unknown ESTADO, a table row whose
    # owner is no agent: each reported where it is) gets no rule
    ordered = [(p, c) for p, c in ordered if c.levels or c.owners or c.backups]
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
    data["agents"] = agents_registry(col, [u for u in used if u])
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
                _(
                    "{value!r} has no agent file and does not look like an agent name "
                    "(no '-'): ignored"
                ).format(value=claim.value),
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
            _(
                "{pattern}: no document gives a level (❌/⚠️ or ESTADO); protected as 'high' "
                "because it has a responsible agent"
            ).format(pattern=pattern),
        )
        return "high"
    best = max(claims.levels, key=lambda c: LEVEL_RANK.get(c.value, 0))
    for other in distinct_claims(claims.levels):
        if other.value != best.value:
            col.warn(
                best.source,
                _(
                    "{pattern}: level {level} here but {other} in {source}; the stricter "
                    "{level} is kept"
                ).format(pattern=pattern, level=best.value, other=other.value, source=other.source),
                other.source,
            )
    return best.value


def _resolve_owner(col: Collector, pattern: str, claims: PathClaims) -> str | None:
    """The owner from the most authoritative document; any other owner named is a conflict."""
    if not claims.owners:
        found = prose_owner(col, pattern, claims)
        if found is not None:
            col.refer(found.value, found.source)
            return found.value
        source = (claims.levels or claims.backups)[0].source
        col.info(
            source,
            _(
                "{pattern}: no document names a responsible agent; only superusers may change "
                "it and approvals go to the escalation agent"
            ).format(pattern=pattern),
        )
        return None
    ranked = sorted(claims.owners, key=lambda c: c.rank)
    best = ranked[0]
    for other in distinct_claims(ranked):
        if other.value != best.value:
            col.warn(
                best.source,
                _(
                    "{pattern}: two owners: {best} ({best_from}) and {other} ({other_from}, "
                    "{source}); {best} is kept"
                ).format(
                    pattern=pattern,
                    best=best.value,
                    best_from=_(OWNER_SOURCE_NAMES[best.rank]),
                    other=other.value,
                    other_from=_(OWNER_SOURCE_NAMES[other.rank]),
                    source=other.source,
                ),
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
            _(
                "{pattern}: the documents list different backups ({here} here, {there} "
                "there); all are kept"
            ).format(
                pattern=pattern,
                here=", ".join(sorted(groups[0][1])),
                there=", ".join(sorted(other[1])),
            ),
            other[0].source,
        )
    return [b for b in merged if b != owner]


def _superusers(col: Collector) -> list[str]:
    """Agents with every permission; the seed's validator always lets master-orchestrator pass."""
    if col.superusers:
        col.result.sources["superusers"] = col.superusers[0].source
        return unique(c.value for c in col.superusers)
    if DEFAULT_ESCALATION in col.defined:
        source = col.defined[DEFAULT_ESCALATION]
        col.info(
            source,
            _(
                "no 'Agentes con Permisos Especiales' list; {agent} is made a superuser "
                "because the protocol's validator always allows it"
            ).format(agent=DEFAULT_ESCALATION),
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
        col.warn(
            f"{RESPONSIBLE_AGENTS}:1",
            _("no escalation agent anywhere; {agent} is used").format(agent=chosen),
        )
    first = next((c for c in col.escalations if c.value == chosen), None)
    source = first.source if first else col.defined.get(chosen, f"{RESPONSIBLE_AGENTS}:1")
    col.result.sources["escalation"] = source
    col.refer(chosen, source)
    for other in distinct_claims(col.escalations):
        if other.value != chosen:
            col.warn(
                other.source,
                _(
                    "escalation to {other} here, but {chosen} is the escalation agent of the rules"
                ).format(other=other.value, chosen=chosen),
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
                _("{agent}: no file named in the directory entry; no responsibility row").format(
                    agent=area.agent
                ),
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
            col.info(
                area.source,
                _("{agent}: {token!r} {why}").format(agent=area.agent, token=token, why=why),
            )
        return [pattern] if pattern else []
    found = [p for p in patterns if p.rstrip("/").rsplit("/", 1)[-1] == token.strip("/")]
    if not found:
        col.info(
            area.source,
            _(
                "{agent}: {token!r} matches no protected path; left out of the responsibility row"
            ).format(agent=area.agent, token=token),
        )
    return found

"""What a starting agent is told (Claude Code `SubagentStart` → `additionalContext`): its office,
the files it owns, the protected files it must not touch without consulting whom, and the commit
template. Generated from the trusted rules, so the briefing can never disagree with the gates."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

MAX_LINES = 40

TEMPLATE = """tipo(área): descripción breve

Workspace-Check: ✅ Consultado
Archivo: ruta/del/archivo
Agente: {agent}
Protocolo: SEGUIDO | CONSULTA_PREVIA | APROBACIÓN_OBTENIDA
Tests: PASSED"""


def briefing(repo: Repo, agent: str) -> str:
    """The text for `agent` (an unknown agent is told it owns nothing)."""
    rules = repo.decider().rules
    lines = [f"Workspace protocol (workspace-guard) for agent {agent}:"]
    known = rules.agents.get(agent)
    if known is None:
        lines.append(f"- You are not registered in {rules.path}: you own nothing and may change "
                     "only unprotected files.")
    elif agent in rules.superusers:
        lines.append("- You are a superuser: you may change anything; changes are still audited.")
    if known is not None and known.office:
        lines.append(f"- Your office: {known.office} — you may always write there.")
    owned = [r for r in rules.protected if r.owner == agent and r.level != "none"]
    if owned:
        lines.append("- You own: " + ", ".join(f"{r.pattern} ({r.level})" for r in owned[:15]))
    backup = [r for r in rules.protected if agent in r.backup]
    if backup:
        lines.append("- You are backup for: " + ", ".join(f"{r.pattern} (owner {r.owner})"
                                                           for r in backup[:10]))
    others = [r for r in rules.protected if r.owner != agent and r.level != "none"]
    if others and agent not in rules.superusers:
        lines.append("- Do not change these without the owner (critical: approval; high: consult first):")
        for rule in others[: MAX_LINES - len(lines) - 10]:
            lines.append(f"    {rule.pattern} — {rule.level}, owner {rule.owner or rules.escalation}")
        lines.append("  Other agents' offices are theirs: consult them before writing there.")
    lines.append(f"- Before touching a file run: agent_workspace_validator {agent} PATH")
    lines.append(f"- If blocked: consult the owner; never work around a block. Escalation: "
                 f"{rules.escalation}.")
    lines.append("- Every commit uses this template (add `Aprobado-por: <owner>` with an approval):")
    lines.extend("    " + line for line in TEMPLATE.format(agent=agent).splitlines())
    return "\n".join(lines)

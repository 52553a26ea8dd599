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
    from workspace_guard.i18n import _
    from workspace_guard.messages import level_text

    rules = repo.decider().rules
    lines = [_("Workspace protocol (workspace-guard) for agent {agent}:").format(agent=agent)]
    known = rules.agents.get(agent)
    if known is None:
        lines.append(
            _(
                "- You are not registered in {rules}: you own nothing and may change "
                "only unprotected files."
            ).format(rules=rules.path)
        )
    elif agent in rules.superusers:
        lines.append(
            _("- You are a superuser: you may change anything; changes are still audited.")
        )
    if known is not None and known.office:
        lines.append(
            _("- Your office: {office} — you may always write there.").format(office=known.office)
        )
    owned = [r for r in rules.protected if r.owner == agent and r.level != "none"]
    if owned:
        items = ", ".join(f"{r.pattern} ({level_text(r.level)})" for r in owned[:15])
        lines.append(_("- You own: {rules}").format(rules=items))
    backup = [r for r in rules.protected if agent in r.backup]
    if backup:
        items = ", ".join(
            _("{pattern} (owner {owner})").format(pattern=r.pattern, owner=r.owner)
            for r in backup[:10]
        )
        lines.append(_("- You are backup for: {rules}").format(rules=items))
    others = [r for r in rules.protected if r.owner != agent and r.level != "none"]
    if others and agent not in rules.superusers:
        lines.append(
            _("- Do not change these without the owner (critical: approval; high: consult first):")
        )
        for rule in others[: MAX_LINES - len(lines) - 10]:
            lines.append(
                "    "
                + _("{pattern} — {level}, owner {owner}").format(
                    pattern=rule.pattern,
                    level=level_text(rule.level),
                    owner=rule.owner or rules.escalation,
                )
            )
        lines.append(_("  Other agents' offices are theirs: consult them before writing there."))
    lines += _claim_lines(repo, agent)
    lines.append(
        _("- Before touching a file run: agent_workspace_validator {agent} PATH").format(
            agent=agent
        )
    )
    lines.append(
        _(
            "- If blocked: consult the owner; never work around a block. Escalation: {escalation}."
        ).format(escalation=rules.escalation)
    )
    lines.append(
        _("- Every commit uses this template (add `Aprobado-por: <owner>` with an approval):")
    )
    lines.extend("    " + line for line in TEMPLATE.format(agent=agent).splitlines())
    return "\n".join(lines)


def _claim_lines(repo: Repo, agent: str) -> list[str]:
    """Live claims: others' (leave those paths alone) and the agent's own; how to claim."""
    from workspace_guard.commands.claims import describe
    from workspace_guard.i18n import _
    from workspace_guard.state.claims import ClaimsCorrupt, live

    try:
        claims = live(repo.state_dir).claims
    except ClaimsCorrupt as exc:
        return ["- " + exc.message]
    lines = []
    others = [c for c in claims if c.agent != agent]
    if others:
        lines.append(_("- Claimed by other agents right now (do not write there):"))
        lines += ["    " + describe(c) for c in others[:10]]
    mine = [c for c in claims if c.agent == agent]
    if mine:
        lines.append(
            _("- Your claims: {patterns}").format(patterns=", ".join(c.pattern for c in mine))
        )
    lines.append(
        _(
            "- Before a longer change, claim the files so other agents leave them alone: "
            "workspace-guard claim PATH… --agent {agent} (release them when done)"
        ).format(agent=agent)
    )
    return lines

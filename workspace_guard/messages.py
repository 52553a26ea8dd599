"""How decisions are told to people and agents, the same words in every layer.

Every string here is a gettext message (`_()` where shown, `N_()` where defined): the validator,
the git hooks and the harness answers all speak through these functions, so one catalogue
translates all of them.
"""

from __future__ import annotations

from workspace_guard.core.model import Decision
from workspace_guard.i18n import N_, _

REASON_TEXT = {
    "superuser": N_("superuser: may change anything"),
    "office": N_("inside the agent's own office"),
    "owner": N_("the agent owns this file"),
    "unprotected": N_("not protected"),
    "approved": N_("approved by {approver}"),
    "protected": N_("protected"),
    "claimed": N_("claimed by another agent"),
}

LEVEL_TEXT = {
    "critical": N_("critical"),
    "high": N_("high"),
    "none": N_("none"),
}


def level_text(level: str) -> str:
    """A rule level as shown to people (the rules keyword in English, translated otherwise)."""
    return _(LEVEL_TEXT[level]) if level in LEVEL_TEXT else level


def decision_text(decision: Decision) -> str:
    """Several lines for one path: verdict, why, who to consult, the rule, what to do next."""
    if decision.allowed:
        why = _(REASON_TEXT[decision.reason]).format(approver=decision.approved_by)
        line = _("✅ ALLOWED  {path} — {agent} ({why})").format(
            path=decision.path, agent=decision.agent, why=why
        )
        if decision.rule is not None and decision.reason in ("owner", "approved"):
            line += "\n   " + _rule_line(decision)
        return line
    head = _("❌ DENIED   {path} — {agent}").format(path=decision.path, agent=decision.agent)
    return head + "\n   " + "\n   ".join(denial_lines(decision))


def denial_lines(decision: Decision) -> list[str]:
    """Why a path is denied and what to do: used by the validator, hooks and harness answers."""
    if decision.reason == "claimed":
        return claim_lines(decision)
    lines = [_rule_line(decision), _consult_line(decision)]
    lines.append(next_step(decision))
    return lines


def denial_paragraph(decision: Decision) -> str:
    """The denial as one paragraph (harness answers, audit notes)."""
    head = _("{agent} may not change {path}.").format(agent=decision.agent, path=decision.path)
    return " ".join([head, *denial_lines(decision)])


def next_step(decision: Decision) -> str:
    """What the agent should do instead of working around the block."""
    owner = decision.owner or decision.escalation
    if decision.level == "critical":
        text = _(
            "Next: do not edit it yourself. Ask {owner} to make the change, or get an approval: "
            "`workspace-guard approve {agent} {path} --by {owner}`; commit with "
            "`Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: {owner}`."
        )
    else:
        text = _(
            "Next: consult {owner} first (`workspace-guard consult {path} --agent {agent}`), "
            "then commit with `Protocolo: CONSULTA_PREVIA`, or get an approval: "
            "`workspace-guard approve {agent} {path} --by {owner}`."
        )
    return text.format(owner=owner, agent=decision.agent, path=decision.path)


def _rule_line(decision: Decision) -> str:
    rule = decision.rule
    if rule is None:
        return ""
    level = level_text(decision.level)
    if rule.index < 0:
        return _("level {level}: inside the office of {owner} ({where})").format(
            level=level, owner=decision.owner, where=rule.source
        )
    return _("level {level}: rule `{pattern}` at {where}").format(
        level=level, pattern=rule.pattern, where=rule.source
    )


def _consult_line(decision: Decision) -> str:
    backups = ", ".join(decision.backup) or _("none")
    owner = decision.owner or _("(no owner: superusers only)")
    return _("owner: {owner} · backups: {backups} · escalation: {escalation}").format(
        owner=owner, backups=backups, escalation=decision.escalation
    )


def claim_lines(decision: Decision) -> list[str]:
    """A denial because another agent's live claim holds the path (contract §6 `claimed`)."""
    import time

    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(decision.claim_until or 0))
    head = _("claimed: {holder} is working on it (claim {id}) until {until}").format(
        holder=decision.claimed_by, id=decision.claim_id, until=until
    )
    step = _(
        "Next: leave the file to {holder}; ask it to `workspace-guard release {path}` when done, "
        "wait for the claim to end, or ask {escalation} (a superuser may "
        "`workspace-guard release {path} --break`)."
    ).format(holder=decision.claimed_by, path=decision.path, escalation=decision.escalation)
    return [head, step]

"""Consultations: `consult PATH --agent A` asks the owners; `consult answer ID` is their answer.

Filing one speaks for A, so it is believed under the rule `claim` and `approve --by` follow
(commands/speaker): the harness gate saw A run it, or a person types it at a terminal.

A consultation is filed only where the commit hook would need one: a path the agent may not
change by itself (not its own, not its office, not unprotected, not already approved). The advice
says what the commit hook will accept: `Protocolo: CONSULTA_PREVIA` for a `high` path,
`APROBACIÓN_OBTENIDA` with `Aprobado-por` for a `critical` one. A backup is sent to the owner,
never to itself. The answer (`--approve` records an approval, `--decline` a refusal) is recorded
only by an addressee speaking for itself (commands/speaker). Everything is in the provenance
ledger, where the commit gate checks `CONSULTA_PREVIA` against it.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from workspace_guard.commands.approvals import record_approval
from workspace_guard.commands.invocation import current
from workspace_guard.commands.speaker import identify, spend
from workspace_guard.errors import Denied, UsageError
from workspace_guard.i18n import N_, _
from workspace_guard.state.approvals import consultation_records, live_approvals, record
from workspace_guard.state.audit import append

if TYPE_CHECKING:
    from workspace_guard.core.model import Decision
    from workspace_guard.repo import Repo

NO_NEED = {
    "owner": N_("you own it"),
    "office": N_("it is in your office"),
    "superuser": N_("you are a superuser"),
    "unprotected": N_("it is not protected"),
}


def file(
    repo: Repo, agent: str, paths: list[str], reason: str, action: dict[str, Any] | None = None
) -> list[str]:
    """File a consultation with the owners (and backups) of each path that needs one, for
    `agent` only when it is the one speaking (commands/speaker: the harness gate saw it run this
    very command, or a person types it at a terminal; `Denied` and audited otherwise). The
    consultation records spend the gate's `authorise` record. `action`: the invocation this is
    (commands/invocation; default: the running command's)."""
    decider = repo.decider()
    decider.check_agent(agent)
    for raw in paths:
        repo.relative(raw)  # a path outside the repository is a usage error before anyone is asked
    how = identify(
        repo,
        agent,
        action or current(),
        "`consult --agent`",
        layer="identity",
        hint=_(
            "{agent} files it itself through its harness (`workspace-guard consult PATH… "
            "--agent {agent}`, nothing else in the command), or a person runs it at a terminal"
        ).format(agent=agent),
    )
    spoken = {"via": how.get("via"), "authorised": how.get("authorised"), "spent": how.get("spent")}
    approvals = live_approvals(repo.state_dir)
    lines, items = [], []
    for raw in paths:
        rel = repo.relative(raw)
        decision = decider.decide(agent, rel, approvals)
        if decision.allowed:
            lines.append(_already(decision))
            continue
        owners = [o for o in (decision.owner, *decision.backup) if o and o != agent]
        owners = owners or [decider.rules.escalation]
        ident = secrets.token_hex(4)
        items.append(
            {
                "kind": "consultation",
                "agent": agent,
                "id": ident,
                "paths": [rel],
                "owners": owners,
                "level": decision.level,
                "reason": reason,
                **spoken,
            }
        )
        lines.append(_advice(ident, agent, rel, owners, decision.level))
    if items:
        if not record(repo.state_dir, items):
            text = _("the consultation was not filed: the provenance ledger cannot be written")
            raise Denied(text)
        append(repo.state_dir, [_audit(i, "consulted", decider.rules.escalation) for i in items])
    else:
        spend(repo, agent, how, "consult")  # nothing filed: the authorisation is used all the same
    return lines


def _already(decision: Decision) -> str:
    if decision.reason == "approved":
        return _(
            "{path}: already approved by {approver} — no consultation needed; commit with "
            "`Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: {approver}`"
        ).format(path=decision.path, approver=decision.approved_by)
    why = _(NO_NEED.get(decision.reason, decision.reason))
    return _("{path}: no consultation needed ({why})").format(path=decision.path, why=why)


def _advice(ident: str, agent: str, rel: str, owners: list[str], level: str | None) -> str:
    head = _("{id}  consultation filed: {agent} asks {owners} about {path}.").format(
        id=ident, agent=agent, owners=", ".join(owners), path=rel
    )
    answer = f"workspace-guard consult answer {ident} --approve --by {owners[0]}"
    if level == "critical":
        then = _(
            "It is critical: a consultation is not enough. Once {owner} approves (`{answer}`), "
            "commit with `Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: {owner}`."
        )
    else:
        then = _(
            "Once {owner} approves (`{answer}`), change it and commit with "
            "`Protocolo: CONSULTA_PREVIA`."
        )
    return head + " " + then.format(owner=owners[0], answer=answer)


def _audit(item: dict[str, Any], action: str, escalation: str | None) -> dict[str, Any]:
    return {
        "layer": "consult",
        "agent": item["agent"],
        "path": ", ".join(item["paths"]),
        "owner": item["owners"][0],
        "level": item.get("level"),
        "action": action,
        "escalate_to": escalation,
        "id": item["id"],
    }


def answer(repo: Repo, ident: str, *, approve: bool, by: str, ttl: float | None) -> list[str]:
    """The owner's answer: `--approve` records an approval of the asker for the paths,
    `--decline` a refusal. Only an addressee (or whoever may approve the paths) may answer, and
    only for itself."""
    decider = repo.decider()
    decider.check_agent(by)
    found = next((c for c in consultation_records(repo.state_dir)[0] if c.get("id") == ident), None)
    if found is None:
        raise UsageError(
            _("no consultation {id}").format(id=ident),
            hint=_("`workspace-guard consultations` lists them"),
        )
    asker = str(found.get("agent"))
    paths = [str(p) for p in found.get("paths") or []]
    if approve and decider.approves_itself(asker, by):
        refusal = _audit({**found, "paths": paths}, "refused", decider.rules.escalation)
        append(repo.state_dir, [{**refusal, "answered_by": by}])
        raise Denied(
            _(
                "{agent} may not approve its own consultation {id}: an agent never approves "
                "itself; it asks {owners}"
            ).format(agent=by, id=ident, owners=", ".join(found.get("owners") or []) or "-")
        )
    for path in paths:
        rule = decider.governing_rule(path)
        if by not in (found.get("owners") or []) and not (rule and decider.may_approve(rule, by)):
            raise Denied(
                _("{agent} may not answer consultation {id}: it asks {owners}").format(
                    agent=by, id=ident, owners=", ".join(found.get("owners") or [])
                )
            )
    how = identify(repo, by, current(), "`consult answer --by`")
    verdict = "approve" if approve else "decline"
    item = {
        "kind": "answer",
        "agent": by,
        "id": ident,
        "answer": verdict,
        "asker": asker,
        "paths": paths,
        "via": how.get("via"),
        "authorised": how.get("authorised"),
        "spent": how.get("spent"),
    }
    if not record(repo.state_dir, [item]):
        raise Denied(_("the answer was not recorded: the provenance ledger cannot be written"))
    audit = {**_audit({**found, "paths": paths}, "answered", decider.rules.escalation)}
    append(repo.state_dir, [{**audit, "answer": verdict, "answered_by": by}])
    if not approve:
        return [
            _("{id}: {by} declined: {agent} may not change {paths}").format(
                id=ident, by=by, agent=asker, paths=", ".join(paths)
            )
        ]
    until = None if ttl is None else time.time() + ttl
    approval = secrets.token_hex(4)
    record_approval(repo, by, asker, paths, until, approval, how, consultation=ident)
    return [
        _("{id}: {by} approved: {agent} may change {paths} (approval {approval})").format(
            id=ident, by=by, agent=asker, paths=", ".join(paths), approval=approval
        )
    ]


def listing(repo: Repo, owner: str | None = None) -> list[dict[str, Any]]:
    """Consultations (optionally only those addressed to `owner`), with their answers."""
    found, answers = consultation_records(repo.state_dir)
    out = []
    for item in found:
        owners = [str(o) for o in item.get("owners") or []]
        if owner is not None and owner not in owners:
            continue
        paths = [str(p) for p in item.get("paths") or []]
        reply = answers.get(str(item.get("id")))
        out.append(
            {
                "id": item.get("id"),
                "ts": item.get("ts"),
                "agent": item.get("agent"),
                "path": paths[0] if paths else "",
                "paths": paths,
                "owners": owners,
                "level": item.get("level"),
                "reason": item.get("reason") or "",
                # "workspace-guard" for an escalation (gates/harness/escalate), else the asker
                "filed_by": _filed_by(item),
                "answer": reply.get("answer") if reply else None,
                "answered_by": reply.get("agent") if reply else None,
            }
        )
    return out


def _filed_by(item: dict[str, Any]) -> str | None:
    """Who filed a consultation: the gate marks its escalations; an agent files its own."""
    if item.get("filed_by") == "workspace-guard":
        return "workspace-guard"
    agent = item.get("agent")
    return agent if isinstance(agent, str) else None

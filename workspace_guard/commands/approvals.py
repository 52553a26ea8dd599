"""Approvals: how an agent gets permission instead of working around a block.

An approval (`approve AGENT PATH --by APPROVER`) is honoured by `validate`, the harness hooks,
the commit gate and the watch daemon until it expires; only the owner of the path's rule, a
backup or a superuser may give it, and only the approver itself may record it (commands/speaker:
through its harness, or a person at a terminal). Approvals live in the provenance ledger
(hash-chained), never in a file an agent could write. Consultations: commands/consult.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import TYPE_CHECKING, Any

from workspace_guard.commands.invocation import current
from workspace_guard.commands.speaker import identify
from workspace_guard.errors import Denied
from workspace_guard.i18n import _
from workspace_guard.state.approvals import approval_records, record
from workspace_guard.state.audit import append

if TYPE_CHECKING:
    from workspace_guard.repo import Repo


def approve(
    repo: Repo,
    agent: str,
    paths: list[str],
    approver: str,
    ttl: float | None,
    *,
    note: str = "",
    action: dict[str, Any] | None = None,
) -> list[str]:
    """Record approvals; refuse (exit 1) when `approver` may not approve a path or is not the
    one speaking."""
    decider = repo.decider()
    decider.check_agent(agent)
    decider.check_agent(approver)
    keys, lines, audit = [], [], []
    until = None if ttl is None else time.time() + ttl
    for raw in paths:
        rel = repo.relative(raw)
        directory = raw.endswith("/") or os.path.isdir(os.path.join(repo.root, rel))
        key = rel.rstrip("/") + "/" if directory else rel
        rule = decider.governing_rule(rel)
        if rule is None or rule.level == "none":
            lines.append(_("{path}: not protected — no approval needed").format(path=key))
            continue
        if decider.approves_itself(agent, approver):
            _refused(repo, agent, key, rule.owner, rule.level, approver, decider)
            raise Denied(
                _(
                    "{approver} may not approve its own change to {path}: an agent never "
                    "approves itself; approvals come from its owner {owner}, another backup "
                    "({backups}) or a superuser ({superusers})"
                ).format(
                    approver=approver,
                    path=key,
                    owner=rule.owner or "-",
                    backups=", ".join(b for b in rule.backup if b != approver) or "-",
                    superusers=", ".join(decider.rules.superusers) or "-",
                ),
                hint=_("ask {agent}").format(agent=rule.owner or decider.rules.escalation),
            )
        if not decider.may_approve(rule, approver):
            _refused(repo, agent, key, rule.owner, rule.level, approver, decider)
            raise Denied(
                _(
                    "{approver} may not approve changes to {path}: approvals come from its owner "
                    "{owner}, backups ({backups}) or a superuser ({superusers})"
                ).format(
                    approver=approver,
                    path=key,
                    owner=rule.owner or "-",
                    backups=", ".join(rule.backup) or "-",
                    superusers=", ".join(decider.rules.superusers) or "-",
                ),
                hint=_("ask {agent}").format(agent=rule.owner or decider.rules.escalation),
            )
        keys.append(key)
        audit.append(_audit(agent, key, rule.owner, rule.level, approver, note, decider))
    if not keys:
        return lines
    how = identify(repo, approver, action or current(), "`approve --by`")
    ident = secrets.token_hex(4)
    record_approval(repo, approver, agent, keys, until, ident, how, note=note)
    for item in audit:
        item["id"] = ident
    append(repo.state_dir, audit)
    expiry = (
        _("no expiry")
        if until is None
        else _("until {time}").format(time=time.strftime("%Y-%m-%d %H:%M", time.localtime(until)))
    )
    for key in keys:
        lines.append(
            _("{id}  approved: {agent} may change {path} (by {approver}, {expiry})").format(
                id=ident, agent=agent, path=key, approver=approver, expiry=expiry
            )
        )
    return lines


def record_approval(  # noqa: PLR0917 - one ledger record's fields
    repo: Repo,
    approver: str,
    agent: str,
    keys: list[str],
    until: float | None,
    ident: str,
    how: dict[str, Any],
    *,
    note: str = "",
    consultation: str | None = None,
) -> None:
    """Append one `approval` record to the ledger; fails closed (exit 1) when it cannot."""
    item: dict[str, Any] = {
        "kind": "approval",
        "harness": how.get("harness"),
        "agent": approver,
        "agent_id": how.get("agent_id"),
        "session": how.get("session"),
        "tool": "approve",
        "approved": agent,
        "paths": keys,
        "until": until,
        "id": ident,
        "via": how.get("via"),
        "authorised": how.get("authorised"),
        "spent": how.get("spent"),
        "note": note,
    }
    if consultation is not None:
        item["consultation"] = consultation
    if not record(repo.state_dir, [item]):
        raise Denied(_("the approval was not recorded: the provenance ledger cannot be written"))


def _audit(  # noqa: PLR0917 - one audit record's fields
    agent: str,
    key: str,
    owner: str | None,
    level: str,
    approver: str,
    note: str,
    decider: Any,
) -> dict[str, Any]:
    return {
        "layer": "approvals",
        "agent": agent,
        "path": key,
        "owner": owner,
        "level": level,
        "action": "approved",
        "approved_by": approver,
        "escalate_to": decider.rules.escalation,
        "note": note,
    }


def _refused(  # noqa: PLR0917 - one audit record's fields
    repo: Repo,
    agent: str,
    key: str,
    owner: str | None,
    level: str,
    approver: str,
    decider: Any,
) -> None:
    """Audit an approval that was refused (who tried to approve whom, for what)."""
    item = _audit(agent, key, owner, level, approver, "", decider)
    append(repo.state_dir, [{**item, "action": "refused"}])


def revoke(repo: Repo, ids: list[str]) -> list[str]:
    """Revoke approvals by id (a `revoke` record in the ledger); returns the ids unknown.

    Revoking only takes rights away, so it needs no identity beyond the harness gate's (which
    lets only superusers run `approvals revoke`)."""
    live = {str(r.get("id")): r for r in approval_records(repo.state_dir)}
    found = [i for i in ids if i in live]
    if found:
        record(repo.state_dir, [{"kind": "revoke", "agent": None, "ids": found}])
        append(
            repo.state_dir,
            [
                {
                    "layer": "approvals",
                    "agent": live[i].get("approved"),
                    "path": ", ".join(map(str, live[i].get("paths") or [])),
                    "owner": None,
                    "level": None,
                    "action": "revoked",
                    "escalate_to": None,
                    "id": i,
                }
                for i in found
            ],
        )
    return [i for i in ids if i not in found]


# consultations live in commands/consult; these names stay for the MCP tools and the CLI
def consult(
    repo: Repo, agent: str, paths: list[str], reason: str, action: dict[str, Any] | None = None
) -> list[str]:
    """File a consultation (commands/consult.file)."""
    from workspace_guard.commands import consult as impl

    return impl.file(repo, agent, paths, reason, action)


def consultations(repo: Repo, owner: str | None = None) -> list[dict[str, Any]]:
    """Consultation requests (commands/consult.listing)."""
    from workspace_guard.commands import consult as impl

    return impl.listing(repo, owner)

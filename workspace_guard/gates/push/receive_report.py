"""What pre-receive tells the pusher and writes to the shared repository's audit log: a push
refused because the gate failed, a push rejected for its commits, and the accepted updates that
touched protected paths (gates/push/receive.py decides; this module reports).
"""

from __future__ import annotations

import sys

from workspace_guard.errors import ConfigError
from workspace_guard.gates.push.updates import shown_ref
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.core.model import ProtectedRule
    from workspace_guard.errors import GuardError
    from workspace_guard.gates.push.checker import CommitResult
    from workspace_guard.gates.push.trust import Base
    from workspace_guard.gates.push.updates import RefUpdate
    from workspace_guard.repo import Repo


def refuse(repo: Repo, updates: list[RefUpdate], exc: GuardError, base: Base | None) -> int:
    """The rules (or git) failed: the push is refused with the reason, and recorded."""
    from workspace_guard.state.audit import append

    print(exc.render(), file=sys.stderr)
    print(
        _(
            "workspace-guard: push rejected until this is fixed (the gate fails closed); nothing "
            "was changed on the server"
        ),
        file=sys.stderr,
    )
    escalation = base.rules.escalation if base and base.rules else None
    append(
        repo.state_dir,
        [
            {
                "layer": "pre-receive",
                "agent": None,
                "owner": None,
                "path": DEFAULT_RULES if isinstance(exc, ConfigError) else None,
                "level": None,
                "action": "rejected",
                "escalate_to": escalation,
                "violations": [_error_id(exc)],
                "ref": shown_ref(u.ref),
                "commit": u.new,
                "reason": exc.message,
            }
            for u in updates
        ],
    )
    return exc.exit_code


def _error_id(exc: GuardError) -> str:
    return "rules-invalid" if isinstance(exc, ConfigError) else "gate-error"


def reject(repo: Repo, failures: list[CommitResult], base: Base | None) -> None:
    from workspace_guard.state.audit import append, violation_records

    out = sys.stderr
    print(_("workspace-guard: push rejected — the workspace protocol was not followed:"), file=out)
    records = []
    escalation = base.rules.escalation if base and base.rules else None
    for result in failures:
        agent = f" (Agente: {result.agent})" if result.agent else ""
        print(f"\n  {result.ref} {result.sha[:10]} {result.subject[:70]}{agent}", file=out)
        by_path = {d.path: d for d in result.decisions}
        for violation in result.violations:
            decision = by_path.get(violation.path or "")
            owner = ""
            if decision and decision.owner:
                owner = " (" + _("consult {owner}").format(owner=decision.owner) + ")"
            where = f"{violation.path}: " if violation.path else ""
            first = violation.message.split("\n\n")[0].replace("\n", " ")
            print(f"    ✗ [{violation.id}] {where}{first}{owner}", file=out)
        records += violation_records(
            "pre-receive",
            "rejected",
            result.agent,
            result.violations,
            result.decisions,
            escalation,
            ref=result.ref,
            commit=result.sha,
        )
    fix = _(
        "Fix the commits (git rebase -i, amend the messages, get the approvals) and push again."
    )
    if escalation:
        fix += " " + _("Escalation: {agent}.").format(agent=escalation)
    print("\n" + fix, file=out)
    append(repo.state_dir, records)


def record_accepted(
    repo: Repo, updates: list[RefUpdate], accepted: list[CommitResult], base: Base
) -> None:
    """One record per accepted ref update that touched a protected path (an agent writing its
    own office does not count), naming every such path and commit; one per deletion."""
    from workspace_guard.state.audit import append

    escalation = base.rules.escalation if base.rules else None
    by_ref: dict[str, list[CommitResult]] = {}
    for result in accepted:
        if any(not _own_office(result.agent, rule) for _, rule in result.touched):
            by_ref.setdefault(result.ref or "", []).append(result)
    records = [_accepted_record(ref, results, escalation) for ref, results in by_ref.items()]
    for update in updates:
        if update.deletion:
            records.append(
                {
                    "layer": "pre-receive",
                    "agent": None,
                    "path": None,
                    "owner": None,
                    "level": None,
                    "action": "deleted",
                    "escalate_to": escalation,
                    "ref": shown_ref(update.ref),
                    "commit": None,
                    "old": update.old,
                }
            )
    if records:
        append(repo.state_dir, records)


def _own_office(agent: str | None, rule: ProtectedRule) -> bool:
    return rule.index == -1 and rule.owner == agent


MAX_LISTED = 100  # paths and commits named in one accepted-push record


def _accepted_record(
    ref: str, results: list[CommitResult], escalation: str | None
) -> dict[str, Any]:
    """The record of one accepted ref update: its first protected path's owner and level at
    the top (the contract's fields), every path and commit listed (bounded)."""
    touched = [(p, r) for res in results for p, r in res.touched if not _own_office(res.agent, r)]
    paths = list(dict.fromkeys(p for p, _ in touched))
    agents = sorted({r.agent for r in results if r.agent})
    first_rule = touched[0][1]
    return {
        "layer": "pre-receive",
        "agent": agents[0] if len(agents) == 1 else None,
        "path": paths[0],
        "owner": first_rule.owner,
        "level": first_rule.level,
        "action": "accepted",
        "escalate_to": escalation,
        "ref": ref,
        "commit": results[0].sha,
        "paths": paths[:MAX_LISTED],
        "commits": [r.sha for r in results][:MAX_LISTED],
        "agents": agents,
    }

"""Repeated denials escalate: an agent that keeps hitting one rule is stopped, its owner asked.

An agent denied once may have misread the protocol; an agent denied again and again on the same rule
is working around it (another tool, another path, another spelling). After `harness:
escalate_after` denials (default 3) of the same agent on the same rule within `harness:
escalate_window` (default 10m), the gate files a consultation with the rule's owner in the
consultation store (the provenance ledger, as `workspace-guard consult` does), tells the agent to
stop and wait for the answer, and audits the escalation to the rules' escalation agent. The count
starts again after each escalation.

The counts live in `<git common dir>/workspace-guard/denials.json`, rewritten under a lock. A file
that cannot be read counts as empty and is rewritten: counting goes on, and a denial stays a denial
whatever happens here (this module never turns one into an allow, and its own failures only cost
the escalation, reported in the answer).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.core.model import Decision, Rules
    from workspace_guard.gates.harness.gate import Verdict
    from workspace_guard.repo import Repo

DEFAULT_AFTER = 3
DEFAULT_WINDOW = "10m"
COUNTS_FILE = "denials.json"
_PATHS = 20  # paths named in an automatic consultation


def settings(rules: Rules) -> tuple[int, float]:
    """(escalate_after, window in seconds) from the rules' `harness:` section, or the defaults."""
    from workspace_guard.core.duration import parse_duration

    harness = rules.harness or {}
    after = harness.get("escalate_after", DEFAULT_AFTER)
    window = harness.get("escalate_window", DEFAULT_WINDOW)
    return int(after), parse_duration(str(window), option="harness: escalate_window")


def _key(decision: Decision) -> str | None:
    """The rule a denial stands on ("pattern owner"); None for a denial with no path or rule."""
    if not decision.path:
        return None
    rule = decision.rule
    if rule is not None:
        return f"{rule.pattern} {decision.owner or ''}".strip()
    return f"{decision.reason} {decision.owner or decision.claimed_by or ''}".strip()


def escalate(repo: Repo, verdict: Verdict, layer: str) -> str:
    """Count this call's denials; where a rule reaches the limit, escalate. The words for the
    agent ("" when nothing escalated)."""
    if not any(_key(decision) for decision in verdict.denied):
        return ""  # no rule to count against (a refused command names no path)
    try:
        return _escalate(repo, verdict, layer)
    except (OSError, ValueError, TypeError) as exc:
        from workspace_guard.i18n import _

        return _("(Repeated denials could not be counted: {problem}.)").format(problem=exc)


def _escalate(repo: Repo, verdict: Verdict, layer: str) -> str:
    import time

    from workspace_guard.state import jsonlist

    rules = repo.decider().rules
    after, window = settings(rules)
    now = time.time()
    groups: dict[str, list[Decision]] = {}
    for decision in verdict.denied:
        key = _key(decision)
        if key is not None:
            groups.setdefault(key, []).append(decision)
    if not groups:
        return ""
    reached: list[str] = []

    def count(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [i for i in items if _fresh(i, now, window)]
        kept += [{"agent": verdict.agent, "rule": key, "ts": now} for key in groups]
        for key in groups:
            mine = [i for i in kept if i.get("agent") == verdict.agent and i.get("rule") == key]
            if len(mine) >= after:
                reached.append(key)
                kept = [i for i in kept if i not in mine]  # counting starts again
        return kept

    jsonlist.update(os.path.join(repo.state_dir, COUNTS_FILE), count)
    words = [_open(repo, rules, groups[key], after, layer) for key in reached]
    return " ".join(words)


def _fresh(item: dict[str, Any], now: float, window: float) -> bool:
    ts = item.get("ts")
    number = isinstance(ts, (int, float)) and not isinstance(ts, bool)
    return number and now - float(ts) <= window  # type: ignore[arg-type]


def _open(repo: Repo, rules: Rules, denied: list[Decision], after: int, layer: str) -> str:
    """File the consultation, audit the escalation, and say so to the agent."""
    import secrets

    from workspace_guard.i18n import _
    from workspace_guard.state.approvals import record
    from workspace_guard.state.audit import append

    first = denied[0]
    owners = [o for o in (first.owner, *first.backup) if o and o != first.agent]
    owners = owners or [rules.escalation]
    ident = secrets.token_hex(4)
    paths = [d.path for d in denied][:_PATHS]
    item = {
        "kind": "consultation",
        "agent": first.agent,
        "id": ident,
        "paths": paths,
        "owners": owners,
        "level": first.level,
        "reason": _("automatic: {count} denials on this rule in a row").format(count=after),
        "filed_by": "workspace-guard",
    }
    filed = record(repo.state_dir, [item])
    rule = first.rule
    append(
        repo.state_dir,
        [
            {
                "layer": layer,
                "agent": first.agent,
                "path": first.path,
                "owner": owners[0],
                "level": first.level,
                "action": "consulted",
                "escalate_to": rules.escalation,
                "escalation": True,
                "denials": after,
                "id": ident if filed else None,
                "rule": f"{rule.pattern} ({rule.source})" if rule else None,
                "paths": paths,
            }
        ],
    )
    if not filed:
        return _(
            "STOP: {agent} was denied {count} times on the same rule. The consultation with "
            "{owners} could not be filed (the provenance ledger cannot be written); {escalation} "
            "has been told. Stop working on these files and wait for {escalation}."
        ).format(
            agent=first.agent,
            count=after,
            owners=", ".join(owners),
            escalation=rules.escalation,
        )
    return _(
        "STOP: {agent} was denied {count} times on the same rule, so workspace-guard has opened "
        "consultation {id} with {owners} about {path} and reported it to {escalation}. Stop "
        "working on these files and wait for the answer (`workspace-guard consult answer {id}` "
        "by {owner}); do not try another way."
    ).format(
        agent=first.agent,
        count=after,
        id=ident,
        owners=", ".join(owners),
        path=first.path,
        escalation=rules.escalation,
        owner=owners[0],
    )

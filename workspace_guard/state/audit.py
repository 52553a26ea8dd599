"""The audit log: one JSON line per violation from every layer, hash-chained (see state/chain)."""

from __future__ import annotations

import os

from workspace_guard.i18n import N_
from workspace_guard.state import chain

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from typing import Any

    from workspace_guard.core.model import Decision
    from workspace_guard.repo import Repo

AUDIT_FILE = "audit.jsonl"
HEAD_FILE = "audit.head"
ACTIONS = (
    "blocked",
    "rejected",
    "denied",
    "detected",
    "restored",
    "approved",
    "revoked",
    "authorised",
    "consulted",
    "accepted",
    "deleted",
)


def audit_path(state_dir: str) -> str:
    """Where the log lives."""
    return os.path.join(state_dir, AUDIT_FILE)


AUDIT = chain.Log(AUDIT_FILE, HEAD_FILE, N_("audit log"))
_digest = chain._digest


def append(state_dir: str, records: Sequence[Mapping[str, Any]], *, durable: bool = True) -> bool:
    """Append records atomically with respect to other writers; False (and stderr) on failure.
    `durable=False` (claims changes only) skips the `fsync`: see state/claims_log."""
    return chain.append(state_dir, AUDIT, records, durable=durable)


def read(state_dir: str) -> Iterator[dict[str, Any]]:
    """Every record, oldest first (unparseable lines are skipped here; `verify` reports them)."""
    return chain.read(state_dir, AUDIT)


def verify(state_dir: str) -> tuple[int, list[chain.Broken]]:
    """Recompute the chain and compare its end with `audit.head`; (records checked, problems)."""
    return chain.verify(state_dir, AUDIT)


def decision_record(layer: str, decision: Decision, action: str, **extra: Any) -> dict[str, Any]:
    """The contract's fields for a decision that was enforced."""
    rule = decision.rule
    return {
        "layer": layer,
        "agent": decision.agent,
        "path": decision.path,
        "owner": decision.owner,
        "level": decision.level,
        "action": action,
        "escalate_to": decision.escalation,
        "rule": f"{rule.pattern} ({rule.source})" if rule else None,
        **extra,
    }


def record_denials(
    repo: Repo, layer: str, decisions: Iterable[Decision], action: str, **extra: Any
) -> bool:
    """One record per denied decision."""
    return append(repo.state_dir, [decision_record(layer, d, action, **extra) for d in decisions])


def record_shared(
    state_dir: str, layer: str, action: str, paths: Sequence[str], verdicts: Sequence[Decision]
) -> bool:
    """`decision_record` for each path and its verdict, appended: the record built once per
    distinct verdict (the validator's bulk path shares one verdict between every path a rule
    decides alike) and written by `chain.append_alike`, with `path` in its place among the keys.
    The same records and bytes, without a `Decision` or a dict per path."""
    built: dict[int, dict[str, Any]] = {}
    for verdict in verdicts:
        if id(verdict) not in built:
            built[id(verdict)] = decision_record(layer, verdict, action)
    bases = list(map(built.__getitem__, map(id, verdicts)))
    return chain.append_alike(state_dir, AUDIT, bases, paths)


def violation_records(  # noqa: PLR0917 - called positionally by every gate
    layer: str,
    action: str,
    agent: str | None,
    violations: Iterable[Any],
    decisions: Iterable[Decision],
    escalation: str | None,
    **extra: Any,
) -> list[dict[str, Any]]:
    """One record per path at fault (problems without a path share one record), with the ids."""
    by_path = {d.path: d for d in decisions}
    grouped: dict[str | None, list[str]] = {}
    for violation in violations:
        grouped.setdefault(violation.path, []).append(violation.id)
    records = []
    for path, ids in grouped.items():
        decision = by_path.get(path or "")
        records.append(
            {
                "layer": layer,
                "agent": agent,
                "path": path,
                "owner": decision.owner if decision else None,
                "level": decision.level if decision else None,
                "action": action,
                "escalate_to": escalation,
                "violations": ids,
                **extra,
            }
        )
    return records

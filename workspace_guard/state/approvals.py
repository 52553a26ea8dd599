"""Approvals, consultations and answers: records of the provenance ledger, never a file.

`approve` and `consult answer` append `approval` (and `revoke`) records to the hash-chained ledger
(state/ledger) after checking who is speaking (commands/approvals); the harness hooks, the commit
gate and the watch daemon read approvals from there. A hand-written `approvals.json` (what
earlier versions kept) is ignored: any agent with a shell could write it.

Reading is on the harness's hot path, so the ledger is scanned as bytes: only lines of the wanted
kinds are parsed, and each is checked against its own hash and the stated hash of the line
before it (a line edited or inserted by hand is not trusted; `audit verify`-style checks of the
whole chain are `ledger.verify`'s job).
"""

from __future__ import annotations

import json
import os
import time

from workspace_guard.core.model import Approval
from workspace_guard.state import chain, ledger

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

APPROVALS_FILE = "approvals.json"  # earlier versions' file: never read (see the docstring)
APPROVAL_KINDS = ("approval", "revoke")
CONSULT_KINDS = ("consultation", "answer")
_HASH = b'"hash": "'


def _needle(kind: str) -> bytes:
    return f'"kind": "{kind}"'.encode()


def _stated_hash(raw: bytes) -> str:
    """The `hash` a chain line states (the last key written), without parsing the line."""
    at = raw.rfind(_HASH)
    if at < 0:
        import hashlib

        return hashlib.sha256(raw).hexdigest()
    start = at + len(_HASH)
    return raw[start : raw.find(b'"', start)].decode("ascii", "replace")


def ledger_records(
    state_dir: str,
    kinds: Sequence[str],
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """Records of `kinds` (oldest first) that follow the chain and match their hash; `keep`
    filters before the hash is checked (a commit wants only the paths it stages)."""
    try:
        with open(os.path.join(state_dir, ledger.LEDGER_FILE), "rb") as handle:
            data = handle.read()
    except OSError:  # missing or unreadable: no record grants anything
        return []
    needles = [_needle(k) for k in kinds]
    if not any(n in data for n in needles):
        return []
    out: list[dict[str, Any]] = []
    prev = chain.GENESIS
    for raw in data.split(b"\n"):
        if not raw:
            continue
        if any(n in raw for n in needles):
            record = _parsed(raw)
            wanted = record is not None and record.get("kind") in kinds
            if record is not None and wanted and (keep is None or keep(record)):
                problem, stated, _ = chain._check_line(raw, prev, 0)
                prev = stated
                if problem is None:
                    out.append(record)
                continue
        prev = _stated_hash(raw)
    return out


def _parsed(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def approval_records(state_dir: str) -> list[dict[str, Any]]:
    """`approval` records not revoked since (oldest first)."""
    found = ledger_records(state_dir, APPROVAL_KINDS)
    revoked = {
        str(i)
        for r in found
        if r.get("kind") == "revoke" and isinstance(r.get("ids"), list)
        for i in r["ids"]
    }
    return [r for r in found if r.get("kind") == "approval" and str(r.get("id")) not in revoked]


def as_approvals(record: dict[str, Any]) -> list[Approval]:
    """The Approval objects of one `approval` record (the approver is the recording agent)."""
    approver, approved, paths = record.get("agent"), record.get("approved"), record.get("paths")
    if not isinstance(approver, str) or not isinstance(approved, str):
        return []
    if not isinstance(paths, list):
        return []
    until = record.get("until")
    number = isinstance(until, (int, float)) and not isinstance(until, bool)
    limit = float(until) if number and until is not None else None
    ident = str(record.get("id", ""))
    return [Approval(approved, p, approver, limit, ident) for p in paths if isinstance(p, str)]


def all_approvals(state_dir: str) -> list[Approval]:
    """Every recorded approval, expired or not (revoked ones left out)."""
    return [a for r in approval_records(state_dir) for a in as_approvals(r)]


def live_approvals(state_dir: str, now: float | None = None) -> list[Approval]:
    """Approvals that have not expired."""
    moment = time.time() if now is None else now
    return [a for a in all_approvals(state_dir) if a.until is None or a.until > moment]


def record(state_dir: str, records: Sequence[dict[str, Any]]) -> bool:
    """Append approval, revoke, consultation or answer records to the ledger (fails closed)."""
    return ledger.append(state_dir, records)


def consultation_records(state_dir: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(consultations oldest first, consultation id → its latest answer)."""
    found = ledger_records(state_dir, CONSULT_KINDS)
    answers = {str(r.get("id")): r for r in found if r.get("kind") == "answer"}
    return [r for r in found if r.get("kind") == "consultation"], answers


def update(state_dir: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Read-modify-write earlier versions' approvals.json under its lock (nothing reads it for
    a decision any more; the watch daemon clears entries an agent wrote there by hand)."""
    from workspace_guard.state import jsonlist

    jsonlist.update(os.path.join(state_dir, APPROVALS_FILE), change)

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
    look: Callable[[bytes], bool] | None = None,
) -> list[dict[str, Any]]:
    """Records of `kinds` (oldest first) that follow the chain and match their hash; `keep`
    filters before the hash is checked (a commit wants only the paths it stages), `look` before
    the line is parsed (a cheap test of its bytes: a ledger holds every write ever allowed)."""
    import re

    data = _data(state_dir)
    plain = keep is None and look is None
    if plain:  # asked again in this process (the commit hook asks twice): the same answer
        known = _RECORDS.get((state_dir, tuple(kinds)))
        if known is not None and known[0] is data:
            return list(known[1])
    needles = re.compile(b"|".join(re.escape(_needle(k)) for k in kinds))
    out: list[dict[str, Any]] = []
    done = -1
    for match in needles.finditer(data):  # only the lines that name a wanted kind
        start = data.rfind(b"\n", 0, match.start()) + 1
        if start <= done:
            continue
        end = data.find(b"\n", match.end())
        end = len(data) if end < 0 else end
        done = end
        raw = data[start:end]
        if look is not None and not look(raw):
            continue
        record = _parsed(raw)
        if record is None or record.get("kind") not in kinds:
            continue
        if keep is not None and not keep(record):
            continue
        before = data[data.rfind(b"\n", 0, start - 1) + 1 : start - 1] if start else b""
        prev = _stated_hash(before) if before else chain.GENESIS
        if _intact(record, prev):
            out.append(record)
    if plain:
        _RECORDS[(state_dir, tuple(kinds))] = (data, out)
    return list(out)


_RECORDS: dict[tuple[str, tuple[str, ...]], tuple[bytes, list[dict[str, Any]]]] = {}


_READ: dict[str, tuple[tuple[int, int, int], bytes]] = {}


def _data(state_dir: str) -> bytes:
    """The ledger's bytes (read once per process while it does not change)."""
    path = os.path.join(state_dir, ledger.LEDGER_FILE)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            key = (info.st_ino, info.st_size, info.st_mtime_ns)
            known = _READ.get(path)
            if known is not None and known[0] == key:
                return known[1]
            data = handle.read()
    except OSError:  # missing or unreadable: no record grants anything
        return b""
    _READ[path] = (key, data)
    return data


def _intact(record: dict[str, Any], prev: str) -> bool:
    """The record follows `prev` and matches its own hash (the line was not edited)."""
    if record.get("prev") != prev:
        return False
    body = dict(record)
    stated = body.pop("hash", None)
    return bool(chain._digest(prev, body) == stated)


def _parsed(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def approval_records(state_dir: str) -> list[dict[str, Any]]:
    """`approval` records not revoked since (oldest first)."""
    return approvals_among(ledger_records(state_dir, APPROVAL_KINDS))


def approvals_among(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `approval` records among `found` that no `revoke` record among them takes back."""
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
    return consultations_among(ledger_records(state_dir, CONSULT_KINDS))


def consultations_among(
    found: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(consultations, id → latest answer) among `found`."""
    answers = {str(r.get("id")): r for r in found if r.get("kind") == "answer"}
    return [r for r in found if r.get("kind") == "consultation"], answers


def update(state_dir: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Read-modify-write earlier versions' approvals.json under its lock (nothing reads it for
    a decision any more; the watch daemon clears entries an agent wrote there by hand)."""
    from workspace_guard.state import jsonlist

    jsonlist.update(os.path.join(state_dir, APPROVALS_FILE), change)

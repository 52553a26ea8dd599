"""How a claims change is committed without an `fsync`: the audit record is the commit point.

Every `claim`/`release` (and the release of a commit's claims, and a superuser's break) does,
under the claims lock:

1. read the claims file, and *roll forward* (below) if the last change the audit log recorded
   never reached it;
2. append its audit records to the hash-chained audit log, written and not synced
   (`durable=False`: the records say `"durable": false` and the head file is left alone). The
   last record of the call carries the whole new list of claims (`claims`) and the SHA-256 of
   the claims file it is about to write (`claims_sha`); every record of the call carries one `txn`;
3. replace the claims file atomically (a temporary file renamed over it), without an `fsync`.

Why no `fsync` (it was one per call, 2-9 ms on these disks, against a 2 ms budget): a claim
restricts other agents and grants nothing, and it expires. What a power loss can cost is a claim
(or a release) the caller was told about being absent after the reboot — the same as a claim
that expired early, which every agent must already live with; the sessions that held claims
died with the machine anyway. No write is ever allowed that the rules deny. Other audit records
(denials, approvals, breaches) keep their `fsync`.

What still holds:
- a crashed *process* (kill, `os._exit`) loses nothing: the page cache keeps what was written.
  A crash after step 2 leaves the change in the log even when the claims file is the old one; the
  next claims write, under the lock, finds the file's SHA-256 unlike the last record's
  `claims_sha` and writes the recorded list back — so a claim the caller was told about is not
  lost, and another agent's claim on the same path is refused as if no crash had happened;
- after a *power loss* the log and the file are each old or new. A file newer than the log is
  put back to the logged list by the same roll-forward (the claim is absent, never half there);
  the chain stays verifiable: the head file names the last durable record, and `audit verify`
  accepts a log that goes on past it only with `durable: false` records. A torn last line (a
  file system that keeps the size but not the bytes) is reported by `verify` as today;
- the rename makes the file old or new for readers at every instant; a file left unparseable by
  a crash fails every layer closed as any corrupt claims file does (`doctor --fix`).
A claims file that was changed outside workspace-guard is put back to the logged state the same
way (the log is the record of what agents claimed). Trailing `durable: false` records cut
from the log's end are invisible to `audit verify`; `claims --verify` finds them from the claims
file (`judge`: a file that no recorded change wrote), and a roll-forward of such a file leaves
a synced `restored` record naming the claims that had no record.
"""

from __future__ import annotations

import json
import os

from workspace_guard.state.chain import _sha256

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

AUDIT_FILE = "audit.jsonl"
TAIL_CHUNK = 65536
TAIL_LIMIT = 4 * 1024 * 1024  # the last claims record is looked for this far back at most


def encode(items: list[dict[str, Any]]) -> bytes:
    """The claims file's bytes for `items` (one encoding, so the digest can be recomputed;
    compact, so `json`'s C encoder writes it: with `indent` it falls back to Python, ~1 ms)."""
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest(data: bytes) -> str:
    return _sha256(data)


def seal(records: list[dict[str, Any]], items: list[dict[str, Any]], data: bytes) -> None:
    """Mark one call's records: a shared `txn`, the digest, the full list on the last one."""
    import secrets

    txn, sha = secrets.token_hex(6), digest(data)
    for record in records:
        record.update(txn=txn, claims_sha=sha)
    records[-1]["claims"] = items


def last_sealed(state_dir: str) -> dict[str, Any] | None:
    """The audit log's last claims record, when it carries the list (None otherwise: no claims
    record yet, or one written by a version that did not seal them)."""
    try:
        handle = open(os.path.join(state_dir, AUDIT_FILE), "rb")  # noqa: SIM115
    except FileNotFoundError:
        return None
    with handle:
        end = handle.seek(0, os.SEEK_END)
        tail, start = b"", end
        while start > 0 and end - start < TAIL_LIMIT:
            start = max(0, start - TAIL_CHUNK)
            handle.seek(start)
            tail = handle.read(end - start)
            lines = tail.split(b"\n")
            complete = lines if start == 0 else lines[1:]  # the first may be cut
            for line in reversed(complete):
                if b'"claims"' not in line:  # cheap: every claims record has layer "claims"
                    continue
                record = _record(line)
                if record is not None and record.get("layer") == "claims":
                    return record if isinstance(record.get("claims"), list) else None
    return None


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def behind(state_dir: str, current: bytes | None) -> list[dict[str, Any]] | None:
    """The logged list when the claims file (`current` bytes, None when missing) is not what
    the last sealed record says it was made; None when the file is up to date."""
    record = last_sealed(state_dir)
    if record is None:
        return None
    if current is not None and digest(current) == record.get("claims_sha"):
        return None  # the common case: the file is what the last change made
    items: list[dict[str, Any]] = record["claims"]
    if digest(encode(items)) != record.get("claims_sha"):  # a damaged record: nothing to trust
        return None
    return items


# --- what the log says of the claims file: `claims --verify`, and the roll-forward's record ----


def sealed_records(state_dir: str) -> list[dict[str, Any]]:
    """Every claims record of the audit log that carries the list it made, oldest first (the
    whole log is read: only `claims --verify` and a roll-forward of a file ahead of the log
    come here)."""
    try:
        with open(os.path.join(state_dir, AUDIT_FILE), "rb") as handle:
            lines = handle.read().split(b"\n")
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        if b'"claims_sha"' not in line:
            continue
        record = _record(line)
        if record is not None and _sealed(record):
            found.append(record)
    return found


def judge(state_dir: str, current: bytes | None) -> tuple[str, list[dict[str, Any]]]:
    """Where the claims file (`current`, None when missing) stands against the log:
    ("current" | "unsealed", []) — what the last change wrote, or no sealed record to compare;
    ("behind", later) — what an earlier change wrote: `later` are the sealed records the file
    missed (a crash between a record and the file: the next write rolls it forward);
    ("ahead", []) — what no recorded change wrote: changes whose records were cut from the
    log's end (`durable: false` records lost to a power loss) or a file written outside
    workspace-guard."""
    records = sealed_records(state_dir)
    if not records:
        return "unsealed", []
    sha = digest(current) if current is not None else digest(encode([]))
    if sha == records[-1].get("claims_sha"):
        return "current", []
    for number in range(len(records) - 2, -1, -1):
        if records[number].get("claims_sha") == sha:
            return "behind", records[number + 1 :]
    if current is None:  # no file yet: the log's changes never reached one
        return "behind", records
    return "ahead", []


def unrecorded(state_dir: str, items: list[dict[str, Any]]) -> list[str]:
    """The ids of `items` that no claims record of the log names."""
    try:
        with open(os.path.join(state_dir, AUDIT_FILE), "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = b""
    named = {str(r.get("id")) for r in map(_record, text.split(b"\n")) if r and "id" in r}
    return [str(item.get("id")) for item in items if str(item.get("id")) not in named]


def _sealed(record: dict[str, Any]) -> bool:
    items, sha = record.get("claims"), record.get("claims_sha")
    return record.get("layer") == "claims" and isinstance(items, list) and isinstance(sha, str)

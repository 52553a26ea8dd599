"""How a claims change is made durable with one `fsync`: the audit record is the commit point.

Every `claim`/`release` (and the release of a commit's claims) does, under the claims lock:

1. read the claims file, and *roll forward* (below) if the last change the audit log recorded
   never reached it;
2. append its audit records to the hash-chained audit log — one `fsync`, the only one. The last
   record of the call carries the whole new list of claims (`claims`) and the SHA-256 of the
   claims file it is about to write (`claims_sha`); every record of the call carries one `txn`;
3. replace the claims file atomically (a temporary file renamed over it), *without* an `fsync`.

Why that is as safe as syncing both files, and one disk round trip cheaper:
- a crash (kill, power loss) before step 2 is durable changes nothing: the old claims file stands
  and the caller was never told the change was made;
- a crash after step 2 leaves the change in the log even when the claims file is the old one (the
  rename was lost with the page cache, or the process died between steps 2 and 3). The next
  claims write, under the lock, finds the file's SHA-256 unlike the last record's `claims_sha` and
  writes the recorded list back — so a claim the caller was told about is never lost, and another
  agent's claim on the same path is refused as if no crash had happened;
- the rename makes the file old or new for readers at every instant; a file left unparseable by
  a crash fails every layer closed as any corrupt claims file does (`doctor --fix`);
- the log can only be *ahead* of the file, never behind: the file is written after the record.
A claims file that was changed outside workspace-guard is put back to the logged state the same
way (the log is the record of what agents claimed). The window that stays: between a power loss
and the next claims write, readers see the file as the disk kept it.
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

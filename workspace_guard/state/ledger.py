"""The provenance ledger: every write a harness gate allowed, with who made it and what it wrote.

One hash-chained JSON line per written path (state/chain), appended on the harness's after-tool
event (`PostToolUse` and its equivalents): the acting agent as the harness reported it, the tool,
the path (repository-relative, NFC; `path_b64` carries the raw bytes of a name that is not UTF-8)
and `blob`, the git blob id of the content after the write (`null` when the write deleted the path).
Approvals, consultations and their answers are recorded here too (`kind`), so the commit gate can
check a message's `Agente`, `Aprobado-por` and `CONSULTA_PREVIA` against what really happened, and
the watch daemon accepts exactly the bytes an allowed call produced — nothing else, for no time
window.

Record fields (every kind): `kind`, `harness`, `agent`, `agent_id`, `session`, `tool`; then
`write`/`delete`: `path`, `blob`, `office` (true for a write inside the agent's own office);
`approval`: `agent` (the approver), `approved` (the agent approved), `paths`, `until`;
`consultation`/`answer`: `id`, `paths`, `answer`.
"""

from __future__ import annotations

from workspace_guard.i18n import N_
from workspace_guard.state import chain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any

LEDGER_FILE = "ledger.jsonl"
LEDGER_HEAD = "ledger.head"
LEDGER = chain.Log(LEDGER_FILE, LEDGER_HEAD, N_("provenance ledger"))
WRITE_KINDS = ("write", "delete")
# a record's `path` as JSON spells it (the loop unrolled: a third of the time on 10,000 lines)
PATH_TOKEN = rb'"path": "[^"\\\n]*(?:\\.[^"\\\n]*)*"'


def append(state_dir: str, records: Sequence[Mapping[str, Any]]) -> bool:
    """Append records (fails closed: False and the records on stderr when it cannot write)."""
    return chain.append(state_dir, LEDGER, records)


def read(state_dir: str) -> Iterator[dict[str, Any]]:
    """Every record, oldest first."""
    return chain.read(state_dir, LEDGER)


def verify(state_dir: str) -> tuple[int, list[chain.Broken]]:
    """Recompute the chain; (records checked, problems with their line numbers)."""
    return chain.verify(state_dir, LEDGER)


def record_path(record: Mapping[str, Any]) -> str | None:
    """A record's path as the file system spells it: the raw bytes of a non-UTF-8 name (`path_b64`)
    decoded with surrogateescape, as `os.fsdecode` and `git ls-tree` decoding do; None when the
    record names no readable path."""
    raw = record.get("path_b64")
    if isinstance(raw, str):
        import base64
        import binascii
        import os

        try:
            return os.fsdecode(base64.b64decode(raw, validate=True))
        except (binascii.Error, ValueError):
            return None
    path = record.get("path")
    return path if isinstance(path, str) else None


def writes_by_path(state_dir: str) -> dict[str, list[dict[str, Any]]]:
    """path → its write/delete records, oldest first (only records of an intact chain prefix).

    A record after the first break in the chain is not trusted: an agent that can append to the
    file by hand cannot make a version authorised without leaving the break `verify` reports.
    """
    _, problems = verify(state_dir)
    first_bad = min((p.line for p in problems), default=None)
    found: dict[str, list[dict[str, Any]]] = {}
    for number, record in enumerate(read(state_dir), 1):
        if first_bad is not None and number >= first_bad:
            break
        if record.get("kind") in WRITE_KINDS and isinstance(record.get("path"), str):
            found.setdefault(record["path"], []).append(record)
    return found


def recorded_blobs(state_dir: str, path: str) -> set[str | None]:
    """Blob ids an allowed write left at `path` (None: an allowed deletion)."""
    return {r.get("blob") for r in writes_by_path(state_dir).get(path, [])}


def writes_of(state_dir: str, paths: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """path → the trusted `write`/`delete` records of it, oldest first, for the wanted `paths`.

    The commit gate asks this for every staged protected path (1,000 of them against a ledger of
    10,000 writes): the ledger's bytes are read once per process (approvals._data), the `path`
    of every line is found by one regex in C, and only the lines naming a wanted path (or
    spelling one with an escape, or as `path_b64`) are parsed and checked against their own hash
    and the hash the line before states — never the whole chain."""
    import json
    import re

    from workspace_guard.state.approvals import _data, _intact, _parsed, _stated_hash

    data = _data(state_dir)
    if not data or not paths:
        return {}
    wanted = set(paths)
    tokens = {
        b'"path": ' + json.dumps(p, ensure_ascii=False).encode("utf-8", "surrogateescape")
        for p in wanted
    }
    # every line's `path` by one `findall` in C; a wanted one is then found from where the
    # last one was (the tokens come in file order), so the bytes are scanned about once
    hits: list[int] = []
    cursor = 0
    for token in re.findall(PATH_TOKEN, data):
        if token in tokens or b"\\" in token:
            at = data.find(token, cursor)
            if at < 0:
                break
            hits.append(at)
            cursor = at + len(token)
    at = data.find(b'"path_b64"')
    while at >= 0:
        hits.append(at)
        at = data.find(b'"path_b64"', at + 1)
    starts: dict[int, int] = {}
    for pos in sorted(hits):
        start = data.rfind(b"\n", 0, pos) + 1
        if start not in starts:
            end = data.find(b"\n", pos)
            starts[start] = len(data) if end < 0 else end
    out: dict[str, list[dict[str, Any]]] = {}
    for start, end in starts.items():
        record = _parsed(data[start:end])
        if record is None or record.get("kind") not in WRITE_KINDS:
            continue
        path = record_path(record)
        if path is None or path not in wanted:
            continue
        before = data[data.rfind(b"\n", 0, start - 1) + 1 : start - 1] if start else b""
        if _intact(record, _stated_hash(before) if before else chain.GENESIS):
            out.setdefault(path, []).append(record)
    return out

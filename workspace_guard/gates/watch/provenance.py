"""What the daemon accepts: exactly the bytes an allowed harness call wrote (the ledger).

The harness gate appends one record per allowed write to the provenance ledger right after the
tool ran (`state/ledger`): path and the git blob id of what it left there. The daemon accepts a
change of a protected path only when the content it finds is one of those blobs, recorded by an
agent whom the trusted rules let write that path (owner, office, superuser, or approved by a
recorded approval that was live when the write was recorded and has not been revoked since: a
`revoke` record withdraws an approval from that moment on, for every change the daemon judges
after it). A path-wide time window grants nothing, and a state file an agent can write
grants nothing either: the ledger is hash-chained, records after the first break are not
trusted, and a record naming an agent the rules do not allow is ignored.

The ledger is read incrementally (new lines only, the chain checked as they arrive), so a check
costs a `stat` unless the ledger grew. A ledger replaced or cut short is read again from the top.
"""

from __future__ import annotations

import calendar
import logging
import os
import time
from typing import Any

from workspace_guard.core.decide import Decider
from workspace_guard.core.model import Approval
from workspace_guard.errors import GuardError
from workspace_guard.state import chain, ledger

log = logging.getLogger("workspace_guard.watch")
DEFAULT_WAIT = 2.0  # seconds the harness gets to record a write after making it


class LedgerView:
    """The trusted prefix of the ledger, indexed by path and blob; refreshed on demand."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, ledger.LEDGER_FILE)
        self._reset()

    def _reset(self) -> None:
        self._identity: tuple[int, int] | None = None
        self._offset = 0
        self._prev = chain.GENESIS
        self._seq = 0
        self._line = 0
        self._partial = b""
        self.broken: tuple[int, str] | None = None
        self.writes: dict[str, dict[str | None, list[dict[str, Any]]]] = {}
        self.approvals: list[tuple[float, Approval]] = []
        self.revoked: set[str] = set()  # approval ids a `revoke` record withdrew

    def refresh(self) -> bool:
        """Read what was appended since the last call; True when something new was trusted."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            if self._identity is not None:
                self._reset()
            return False
        identity = (info.st_dev, info.st_ino)
        if identity != self._identity or info.st_size < self._offset:
            self._reset()
            self._identity = identity
        if info.st_size == self._offset or self.broken is not None:
            return False
        with open(self.path, "rb") as handle:
            handle.seek(self._offset)
            data = self._partial + handle.read(info.st_size - self._offset)
        self._offset = info.st_size
        *lines, self._partial = data.split(b"\n")
        return any([self._take(line) for line in lines])

    def _take(self, raw: bytes) -> bool:
        """One line: follow the chain; a break stops trust in everything after it."""
        if self.broken is not None:
            return False
        self._line += 1
        problem, self._prev, self._seq = chain._check_line(raw, self._prev, self._seq)
        if problem:
            self.broken = (self._line, problem)
            log.error(
                "the provenance ledger is broken at line %d (%s): no record from there on "
                "authorises a change",
                self._line,
                problem,
            )
            return False
        import json

        record = json.loads(raw)
        kind = record.get("kind")
        if kind in ledger.WRITE_KINDS:
            path = ledger.record_path(record)
            if path is not None:
                blobs = self.writes.setdefault(path, {})
                blobs.setdefault(record.get("blob"), []).append(record)
                return True
        elif kind == "approval":
            self.approvals += _approvals(record)
            return True
        elif kind == "revoke" and isinstance(record.get("ids"), list):
            self.revoked.update(str(i) for i in record["ids"])
            return True
        return False

    def accepted(self, decider: Decider, rel: str, blob: str | None) -> dict[str, Any] | None:
        """The newest ledger record that authorises `blob` at `rel` (None: a deletion)."""
        self.refresh()
        for record in reversed(self.writes.get(rel, {}).get(blob, [])):
            if self._allowed(decider, record, rel):
                found: dict[str, Any] = record
                return found
        return None

    def _allowed(self, decider: Decider, record: dict[str, Any], rel: str) -> bool:
        """The recorded agent may write `rel` under the trusted rules (at the record's time),
        with approvals then live and not revoked since."""
        agent = record.get("agent")
        if not isinstance(agent, str):
            return False
        moment = moment_of(record.get("ts"))
        approvals = [a for ts, a in self.approvals if ts <= moment] if moment else []
        live = [
            a
            for a in approvals
            if (a.until is None or a.until > moment) and a.id not in self.revoked
        ]
        try:
            return decider.decide(agent, rel, live).allowed
        except GuardError:  # an agent the trusted rules do not know
            return False


def _approvals(record: dict[str, Any]) -> list[tuple[float, Approval]]:
    """Approval objects from an `approval` ledger record (approver = the recording agent)."""
    approver, approved = record.get("agent"), record.get("approved")
    paths = record.get("paths")
    if not isinstance(approver, str) or not isinstance(approved, str):
        return []
    if not isinstance(paths, list):
        return []
    until = record.get("until")
    limit = float(until) if isinstance(until, (int, float)) else None
    moment = moment_of(record.get("ts")) or 0.0
    ident = str(record.get("id") or f"seq:{record.get('seq', '')}")  # what `revoke` names
    return [
        (moment, Approval(approved, str(p), approver, limit, ident))
        for p in paths
        if isinstance(p, str)
    ]


def moment_of(stamp: object) -> float:
    """Epoch seconds of a chain timestamp (`2026-12-06T14:04:21.123Z`); 0.0 when unreadable."""
    if not isinstance(stamp, str):
        return 0.0
    try:
        whole, _, fraction = stamp.rstrip("Z").partition(".")
        parsed = time.strptime(whole, "%Y-%m-%dT%H:%M:%S")
        return calendar.timegm(parsed) + (float("0." + fraction) if fraction.isdigit() else 0.0)
    except ValueError:
        return 0.0

"""Start and stop on the record, and the daemon's memory rebuilt from the audit chain.

Every daemon start appends `action: started` (pid, kernel start time, who asked for it when
known) to the audit log, every clean stop `action: stopped`, and `watch stop` appends
`action: stop` with who asked before it signals. A `started` that no `stopped` follows means
the previous daemon ended without the command (`kill -9`, a crash, a reboot): the next start
reports it (`action: detected`, `change: daemon_stopped`) and writes an incident.

What the daemon remembers across restarts (which changes it already reported) lives in a
manifest file in the state dir, which any process can write. The manifest is therefore only a
cache: an entry counts only when the trusted prefix of the hash-chained audit log (up to the
first break) holds the record of that very report — the same path with the same content
signature. A forged or stale entry is dropped, and the change is reported again at startup.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from typing import Any

from workspace_guard.i18n import _
from workspace_guard.state import audit, chain
from workspace_guard.state.ledger import record_path

AGENT_ENV = "WORKSPACE_AGENT"
REPORTED = ("detected", "authorised")


def actor() -> dict[str, Any]:
    """Who runs this command, as far as it is known: the claimed agent (WORKSPACE_AGENT, not
    verified: `agent_claimed`), whether a harness ran it (`via: harness` and the harness
    variables it set; the harness gate lets only a superuser run `watch stop|start`), the user
    and the parent process."""
    from workspace_guard.commands.speaker import HARNESS_ENV

    try:
        user: str | None = getpass.getuser()
    except (KeyError, OSError):
        user = None
    harness = [n for n in HARNESS_ENV if n != AGENT_ENV and os.environ.get(n)]
    try:
        terminal = os.isatty(0)
    except OSError:
        terminal = False
    via = "harness" if harness else "terminal" if terminal else "process"
    return {
        "agent": os.environ.get(AGENT_ENV, "").strip() or None,
        "agent_claimed": True,
        "via": via,
        "harness_env": harness,
        "user": user,
        "uid": os.getuid(),
        "ppid": os.getppid(),
    }


@dataclass
class History:
    """What the trusted audit chain says about earlier daemons and their reports."""

    # (worktree, rel) → the signature last reported (worktree None: records from before it was kept)
    reported: dict[tuple[str | None, str], str] = field(default_factory=dict)
    last_start: dict[str, Any] | None = None  # a `started` no `stopped` followed
    good_head: str | None = None
    trusted: dict[str, Any] | None = None  # the trusted revision whose rules were last in force
    internals: dict[str, Any] | None = None  # hooks and config blob ids, as last recorded
    internals_seq: int = 0  # the seq of the record that holds them
    broken: tuple[int, str] | None = None  # (line, why) where trust ends


def history(state_dir: str) -> History:
    """Read the audit log up to its first break (records after it prove nothing)."""
    out = History()
    try:
        handle = open(audit.audit_path(state_dir), "rb")  # noqa: SIM115
    except OSError:
        return out
    prev, seq = chain.GENESIS, 0
    with handle:
        for number, raw in enumerate(handle, 1):
            problem, prev, seq = chain._check_line(raw, prev, seq)
            if problem:
                out.broken = (number, problem)
                break
            _take(out, json.loads(raw))
    return out


def _take(out: History, record: dict[str, Any]) -> None:
    if record.get("layer") != "watch":
        return
    action = record.get("action")
    if action == "stopped" and isinstance(record.get("trusted"), dict):
        out.trusted = record["trusted"]
    elif action == "trusted-rules-adopted" and isinstance(record.get("ref"), str):
        out.trusted = {
            "ref": record["ref"],
            "commit": record.get("new_revision"),
            "blob": record.get("new_rules_blob"),
        }
    if action in ("started", "stopped") and isinstance(record.get("internals"), dict):
        out.internals = record["internals"]
        out.internals_seq = int(record.get("seq") or 0)
    if action == "started":
        out.last_start = record
        out.good_head = _str(record.get("good_head")) or out.good_head
    elif action == "stopped":
        if out.last_start is not None and out.last_start.get("pid") == record.get("pid"):
            out.last_start = None
        out.good_head = _str(record.get("good_head")) or out.good_head
    elif action in REPORTED or action == "restored":
        rel = record_path(record)
        if rel is None:
            return
        signature = record.get("signature")
        where = record.get("worktree")
        key = (where if isinstance(where, str) else None, rel)
        if action == "restored":
            out.reported.pop(key, None)
        elif isinstance(signature, str):
            out.reported[key] = signature


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def verified(known: dict[str, str], past: History, root: str) -> dict[str, str]:
    """The manifest's entries that the audit chain confirms (same worktree, path, signature)."""
    got = past.reported.get
    return {r: s for r, s in known.items() if s in {got((root, r)), got((None, r))} - {None}}


def unclean_stop(past: History) -> dict[str, Any] | None:
    """The audit record for a previous daemon that ended without a stop, or None."""
    start = past.last_start
    if start is None:
        return None
    return {
        "layer": "watch",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": "detected",
        "escalate_to": None,
        "change": "daemon_stopped",
        "detected_by": "startup",
        "pid": start.get("pid"),
        "since": start.get("ts"),
        "started_seq": start.get("seq"),
        "detail": _(
            "the watch daemon started at {since} (pid {pid}) ended without `watch stop` and "
            "without a clean shutdown (killed, crashed or the machine stopped); changes made "
            "meanwhile were reconciled at this start"
        ).format(since=start.get("ts"), pid=start.get("pid")),
    }


def started(
    pid: int,
    starttime: str | None,
    root: str,
    good_head: str | None,
    internals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `started` record (who asked: whoever ran `watch start` / `watch run`)."""
    who = actor()
    return {
        "layer": "watch",
        "agent": who.pop("agent"),
        "path": None,
        "owner": None,
        "level": None,
        "action": "started",
        "escalate_to": None,
        "pid": pid,
        "starttime": starttime,
        "root": root,
        "good_head": good_head,
        "internals": internals,
        **who,
    }


def stopped(
    pid: int,
    reason: str,
    good_head: str | None,
    requested: bool,
    internals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `stopped` record the daemon writes on its way out."""
    return {
        "layer": "watch",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": "stopped",
        "escalate_to": None,
        "pid": pid,
        "reason": reason,
        "good_head": good_head,
        "requested": requested,
        "internals": internals,
    }


def stop_requested(pid: int | None) -> dict[str, Any]:
    """The `stop` record `watch stop` writes before it signals the daemon."""
    who = actor()
    return {
        "layer": "watch",
        "agent": who.pop("agent"),
        "path": None,
        "owner": None,
        "level": None,
        "action": "stop",
        "escalate_to": None,
        "pid": pid,
        **who,
    }


def stop_was_requested(state_dir: str, pid: int) -> bool:
    """Whether `watch stop` recorded a request to stop `pid` since that pid's last start."""
    asked = False
    for record in audit.read(state_dir):
        if record.get("layer") != "watch" or record.get("pid") != pid:
            continue
        if record.get("action") == "started":
            asked = False
        elif record.get("action") == "stop":
            asked = True
    return asked

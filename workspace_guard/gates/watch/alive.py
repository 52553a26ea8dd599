"""Is the watch daemon still there? A check cheap enough for the layers that run anyway.

A daemon ended by a bare `kill` (or `kill -9`, a crash) watches nothing, and before this check
nobody said so until the next `watch start`. The harness gate and the commit hooks run on every
tool call and every commit, so they look: one read of the daemon's lock file and, while it names
a live daemon, one read of `/proc/PID/stat` (no exec, no lock taken). The lock file says

- nothing: no daemon ran here, or `watch stop` stopped it (the stop is on the record): silent;
- a pid and its kernel start time: the daemon is alive when `/proc/PID/stat` has that start
  time; otherwise it ended without releasing the lock cleanly (`kill -9`, a crash);
- `stopped` with `requested: false`: a signal stopped it without `watch stop`.

A daemon can also be there and watch nothing: `kill -STOP` (or `-TSTP`) freezes it while its
lock and its start time still look alive. So the same read of `/proc/PID/stat` gives its state
(`T`/`t`: stopped, traced), and its heartbeat is checked: the daemon refreshes its status file at
least every `BEAT` seconds, so a status file (or, before the first one, a lock file) older than
`STALE` seconds means a daemon that does not run (`how: stopped` or `how: silent`). It is warned
about like a gone one and audited as `watch-daemon-stopped`, once per stop.

A gone daemon gets a warning every time and one audit record per death (`action:
watch-daemon-gone`, created with `O_EXCL` on a marker named by pid and start time, so many
hooks at once write it once). The lock file is as writable as the state dir: emptying it
silences the check (tamper-evident through the audit chain, which holds the `started` record
with no `stopped`, reported at the next start), not tamper-proof.
"""

from __future__ import annotations

import contextlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LOCK_FILE = "watch.lock"
STATUS_FILE = "watch.status.json"
MARKER = "watch.gone-"
STOPPED_MARKER = "watch.stopped-"
BEAT = 2.0  # the daemon refreshes its status file at least this often (seconds)
STALE = 30.0  # a heartbeat older than this: the daemon does not run


def gone(state_dir: str) -> dict[str, Any] | None:
    """The lock file's facts about a daemon that is gone without `watch stop`, else None."""
    try:
        with open(os.path.join(state_dir, LOCK_FILE), "rb") as handle:
            data = handle.read(4096)
    except OSError:
        return None
    if not data.strip():
        return None
    import json

    try:
        info = json.loads(data)
    except ValueError:
        return None
    pid, start = (info.get("pid"), info.get("starttime")) if isinstance(info, dict) else (0, 0)
    if not isinstance(pid, int) or pid <= 0 or not isinstance(start, str):
        return None
    if info.get("stopped") is None and proc_starttime(pid) == start:
        return None  # alive, if perhaps stopped (`stalled`): the fast path ends here
    if _held(state_dir):
        return None  # a new daemon took the lock and has not written its pid yet
    return dict(info)


def stalled(state_dir: str) -> dict[str, Any] | None:
    """The lock file's facts, with `how` (`stopped` or `silent`), about a daemon that is alive
    but does not run: stopped by a signal, or its heartbeat older than `STALE`; else None."""
    try:
        with open(os.path.join(state_dir, LOCK_FILE), "rb") as handle:
            data = handle.read(4096)
    except OSError:
        return None
    import json

    try:
        info = json.loads(data) if data.strip() else None
    except ValueError:
        return None
    if not isinstance(info, dict) or info.get("stopped") is not None:
        return None
    pid, start = info.get("pid"), info.get("starttime")
    if not isinstance(pid, int) or pid <= 0 or not isinstance(start, str):
        return None
    state, when = proc_state(pid)
    if when != start:
        return None  # gone, not stalled: `gone` says so
    if state in ("T", "t"):
        return {**info, "how": "stopped", "state": state}
    import time

    beats = []
    for name in (STATUS_FILE, LOCK_FILE):
        with contextlib.suppress(OSError):
            beats.append(os.stat(os.path.join(state_dir, name)).st_mtime)
    beat = max(beats, default=0.0)
    if beats and time.time() - beat > STALE:
        return {**info, "how": "silent", "state": state}
    return None


def check(
    state_dir: str, layer: str, agent: str | None = None, escalate_to: str | None = None
) -> str | None:
    """The warning to show when the daemon is gone (audited once per death) or stalled
    (audited once per stop), else None."""
    info = gone(state_dir)
    if info is None:
        return _check_stalled(state_dir, layer, agent, escalate_to)
    pid, start = info["pid"], info["starttime"]
    how = "signal" if info.get("stopped") else "killed"
    if _first(state_dir, f"{MARKER}{pid}-{start}"):
        from workspace_guard.state import audit

        audit.append(state_dir, [record(info, layer, agent, escalate_to, how)])
    from workspace_guard.i18n import _

    return _(
        "workspace-guard: the watch daemon (pid {pid}) is gone without `workspace-guard watch "
        "stop`: protected files are not being watched. Start it again: workspace-guard watch start"
    ).format(pid=pid)


def _first(state_dir: str, name: str) -> bool:
    """Create the marker `name` (O_EXCL): True for the one caller that made it."""
    try:
        path = os.path.join(state_dir, name)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    except OSError:
        return False
    return True


def _check_stalled(
    state_dir: str, layer: str, agent: str | None, escalate_to: str | None
) -> str | None:
    info = stalled(state_dir)
    if info is None:
        return None
    pid, start, how = info["pid"], info["starttime"], info["how"]
    if _first(state_dir, f"{STOPPED_MARKER}{pid}-{start}-{how}"):
        from workspace_guard.state import audit

        entry = record(info, layer, agent, escalate_to, how)
        audit.append(state_dir, [{**entry, "action": "watch-daemon-stopped"}])
    from workspace_guard.i18n import _

    return _(
        "workspace-guard: the watch daemon (pid {pid}) is stopped or not responding ({how}): "
        "protected files are not being watched. Resume it (kill -CONT {pid}) or restart it: "
        "workspace-guard watch stop && workspace-guard watch start"
    ).format(pid=pid, how=how)


def governed(decider: Any, paths: list[str]) -> list[str]:
    """The paths the daemon would guard: a `critical`/`high` rule governs them (an office
    counts as a `high` rule of its agent), as `Decider.governing_rule` says for every layer."""
    rules = decider.governing_rules(paths)
    return [p for p, r in zip(paths, rules, strict=True) if r and r.level in ("critical", "high")]


def block(
    state_dir: str,
    layer: str,
    paths: list[str],
    decider: Any,
    *,
    agent: str | None = None,
    escalate_to: str | None = None,
) -> str | None:
    """`check`, failing closed: while the daemon is gone or stalled without `watch stop` (the
    sign of a `kill`, a `kill -STOP` or a crash), a write or commit of a guarded path is
    refused with the reason (returned); other paths only get the warning on stderr."""
    message = check(state_dir, layer, agent, escalate_to) or orphan_view(state_dir)
    if not message:
        return None
    guarded = governed(decider, paths) if paths else []
    if not guarded:
        import sys

        print(message, file=sys.stderr)
        return None
    from workspace_guard.i18n import _

    return (
        message
        + " "
        + _(
            "Protected paths ({paths}) are refused until it runs again: no layer would see what "
            "happens to them."
        ).format(paths=", ".join(guarded[:5]) + (" …" if len(guarded) > 5 else ""))
    )


def orphan_view(state_dir: str) -> str | None:
    """A daemon's view of the trusted revision (state/trusted_view.py) with no daemon holding
    the lock: it ended without a clean stop and its lock file was emptied or removed (a clean
    stop removes the view). One `stat` while no view exists."""
    from workspace_guard.state import trusted_view

    if not os.path.exists(trusted_view.path_of(state_dir)):
        return None
    if trusted_view.daemon_running(state_dir):
        return None
    from workspace_guard.i18n import _

    return _(
        "workspace-guard: the watch daemon ended without `workspace-guard watch stop` and its "
        "lock file was emptied or removed: protected files are not being watched. Start it "
        "again: workspace-guard watch start"
    )


def warn(
    state_dir: str, layer: str, agent: str | None = None, escalate_to: str | None = None
) -> None:
    """`check`, its warning on stderr (what the harness gate and the commit hooks call)."""
    message = check(state_dir, layer, agent, escalate_to)
    if message:
        import sys

        print(message, file=sys.stderr)


def record(
    info: dict[str, Any], layer: str, agent: str | None, escalate_to: str | None, how: str
) -> dict[str, Any]:
    return {
        "layer": layer,
        "agent": agent,
        "path": None,
        "owner": None,
        "level": "critical",
        "action": "watch-daemon-gone",
        "escalate_to": escalate_to,
        "pid": info.get("pid"),
        "starttime": info.get("starttime"),
        "since": info.get("started"),
        "stopped": info.get("stopped"),
        "how": how,  # `signal`: stopped by a bare signal; `killed`: ended without a clean stop
    }


def forget(state_dir: str) -> None:
    """A new daemon runs: the markers of earlier deaths and stops are spent."""
    try:
        names = [n for n in os.listdir(state_dir) if n.startswith((MARKER, STOPPED_MARKER))]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(state_dir, name))


def proc_starttime(pid: int) -> str | None:
    """The kernel's start time of a process (field 22 of /proc/PID/stat), or None if gone."""
    return proc_state(pid)[1]


def proc_state(pid: int) -> tuple[str | None, str | None]:
    """(state, start time) of a process (fields 3 and 22 of /proc/PID/stat), None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return fields[0].decode("ascii"), fields[19].decode("ascii")
    except (OSError, IndexError, UnicodeDecodeError):
        return None, None


def _held(state_dir: str) -> bool:
    """Whether a process holds the lock (only asked on the rare gone path)."""
    from workspace_guard.state.trusted_view import daemon_running

    return daemon_running(state_dir)

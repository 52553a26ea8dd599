"""Running, finding and stopping the daemon: the lock, the status file, `start`, `stop`, `status`.

One daemon per repository: an `flock` on `<state>/watch.lock`, which the kernel drops when the
process dies, so a `kill -9` never leaves a stale lock. The lock file names the holder (pid and
its kernel start time, so `stop` never signals a recycled pid). `start` spawns `watch run` in a
new session and returns when it says it is ready (a pipe, like git's fsmonitor waits for its
socket); the daemon writes `<state>/watch.status.json` for `status`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

from workspace_guard.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION
from workspace_guard.gates.watch import alive
from workspace_guard.gates.watch.alive import LOCK_FILE, proc_starttime
from workspace_guard.i18n import _, ngettext
from workspace_guard.state import ensure_dir

STATUS_FILE = "watch.status.json"
LOG_FILE = "watch.log"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def lock_path(state_dir: str) -> str:
    return os.path.join(state_dir, LOCK_FILE)


def status_path(state_dir: str) -> str:
    return os.path.join(state_dir, STATUS_FILE)


class Lock:
    """The single-instance lock, held for the daemon's lifetime."""

    def __init__(self, state_dir: str) -> None:
        self.path = lock_path(state_dir)
        ensure_dir(state_dir)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def acquire(self, attempts: int = 5) -> bool:
        """True when we hold it; retries briefly (a `status` may hold a shared lock a moment)."""
        for attempt in range(attempts):
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if attempt + 1 < attempts:
                    time.sleep(0.05)
        return False

    def write(self, info: dict[str, Any]) -> None:
        data = json.dumps(info).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def release(self, left: dict[str, Any] | None = None) -> None:
        """Empty the file (a stop by `watch stop`), or leave `left` in it: the facts of a stop
        without the command, which the harness gate and the commit hooks report (alive.py)."""
        with contextlib.suppress(OSError):
            if left is None:
                os.ftruncate(self.fd, 0)
            else:
                self.write(left)
        os.close(self.fd)


def holder(state_dir: str) -> dict[str, Any] | None:
    """Who holds the lock (its recorded pid/start), or None when no daemon runs."""
    path = lock_path(state_dir)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    for _attempt in range(20):  # the daemon writes its pid right after taking the lock
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        except ValueError:
            info = {}
        if isinstance(info, dict) and info.get("pid"):
            return info
        time.sleep(0.01)
    return {"pid": None}


def read_status(state_dir: str) -> dict[str, Any]:
    try:
        with open(status_path(state_dir), encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_status(state_dir: str, status: dict[str, Any]) -> None:
    """Atomically; a failure (full disk) is the caller's to log."""
    from workspace_guard.fsutil import atomic_write

    atomic_write(status_path(state_dir), json.dumps(status, indent=1, sort_keys=True))


# -- commands (typed functions returning an exit code; the click layer only parses) -------------


def start(root: str, state_dir: str, run_args: list[str], out: Any = print) -> int:
    """Spawn `watch run` detached and return once it is ready (exit 0), or say why not."""
    running = holder(state_dir)
    if running:
        out(
            "workspace-guard: "
            + _(
                "a watch daemon already runs for this repository (pid {pid}, since {started})"
            ).format(pid=running.get("pid"), started=running.get("started", "?")),
            file=sys.stderr,
        )
        return EXIT_VIOLATION
    log_file = os.path.join(ensure_dir(state_dir), LOG_FILE)
    read_end, write_end = os.pipe()
    args = [
        sys.executable,
        "-m",
        "workspace_guard",
        "watch",
        "run",
        *run_args,
        "--ready-fd",
        str(write_end),
        "--log-file",
        log_file,
    ]
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            args,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(write_end,),
            start_new_session=True,
        )
    os.close(write_end)
    ready = _wait_ready(read_end, proc)
    if ready:
        out(_("watch daemon started (pid {pid}); log: {log}").format(pid=proc.pid, log=log_file))
        return EXIT_OK
    try:
        code: int | None = proc.wait(timeout=2)  # the ready pipe closed: it is exiting
    except subprocess.TimeoutExpired:
        code = None
    why = (
        _("the watch daemon did not become ready (it exited with {code})").format(code=code)
        if code is not None
        else _(
            "the watch daemon did not become ready within {seconds:.0f} s (pid {pid} still runs;"
            " `watch stop` ends it)"
        ).format(seconds=START_TIMEOUT, pid=proc.pid)
    )
    last = _("last lines of {log}:").format(log=log_file)
    out(f"workspace-guard: {why}; {last}\n{_tail(log_file)}", file=sys.stderr)
    return EXIT_VIOLATION if code in (None, EXIT_VIOLATION) else EXIT_USAGE


def _wait_ready(fd: int, proc: subprocess.Popen[bytes]) -> bool:
    import select

    deadline = time.monotonic() + START_TIMEOUT
    data = b""
    try:
        while time.monotonic() < deadline:
            readable, _writable, _errors = select.select([fd], [], [], 0.2)
            if readable:
                chunk = os.read(fd, 64)
                if not chunk:
                    return b"ready" in data
                data += chunk
                if b"ready" in data:
                    return True
            elif proc.poll() is not None:
                return False
        return False
    finally:
        os.close(fd)


def _tail(path: str, lines: int = 12) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - 8192))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return _("(no log)")
    return "\n".join("  " + line for line in text.splitlines()[-lines:])


def stop(state_dir: str, out: Any = print) -> int:
    """SIGTERM the daemon and wait until its lock is free: 0 stopped, 1 none was running."""
    running = holder(state_dir)
    if not running:
        out(
            "workspace-guard: " + _("no watch daemon is running for this repository"),
            file=sys.stderr,
        )
        _acknowledge_gone(state_dir)
        return EXIT_VIOLATION
    pid = running.get("pid")
    if not isinstance(pid, int) or proc_starttime(pid) != running.get("starttime"):
        out(
            "workspace-guard: "
            + _(
                "the lock is held but its pid {pid} does not match a running daemon;"
                " not signalling anything"
            ).format(pid=pid),
            file=sys.stderr,
        )
        return EXIT_VIOLATION
    from workspace_guard.gates.watch import lifecycle
    from workspace_guard.state import audit

    audit.append(state_dir, [lifecycle.stop_requested(pid)])  # who asked, before it happens
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if holder(state_dir) is None:
            out(_("watch daemon stopped (pid {pid})").format(pid=pid))
            return EXIT_OK
        time.sleep(0.05)
    out(
        "workspace-guard: "
        + _("the watch daemon (pid {pid}) did not stop within {seconds:.0f} s").format(
            pid=pid, seconds=STOP_TIMEOUT
        ),
        file=sys.stderr,
    )
    return EXIT_VIOLATION


def _acknowledge_gone(state_dir: str) -> None:
    """`watch stop` after the daemon was killed: the stop is wanted, so the hooks stop warning
    (alive.py); the request is on the record like any stop."""
    from workspace_guard.gates.watch import alive, lifecycle
    from workspace_guard.state import audit, trusted_view

    gone = alive.gone(state_dir)
    if gone is None:
        if alive.orphan_view(state_dir):  # the lock was emptied, the daemon's view remains
            audit.append(state_dir, [lifecycle.stop_requested(None)])
            trusted_view.clear(state_dir)
        return
    audit.append(state_dir, [lifecycle.stop_requested(int(gone["pid"]))])
    with contextlib.suppress(OSError):
        os.truncate(lock_path(state_dir), 0)
    trusted_view.clear(state_dir)  # the layers read the trusted ref again, as with no daemon


def status(state_dir: str, fmt: str = "text", out: Any = print) -> int:
    """0 and the details when a daemon runs; 1 (and the last known details) when not."""
    running = holder(state_dir)
    info = read_status(state_dir)
    info["running"] = bool(running)
    if running and info.get("pid") != running.get("pid"):
        info = {"running": True, "pid": running.get("pid"), "started": running.get("started")}
    stalled = alive.stalled(state_dir) if running else None
    if stalled:  # there, but not watching: `kill -STOP`, or no heartbeat for alive.STALE s
        info["running"] = False
        info["stalled"] = stalled["how"]
    if fmt == "json":
        out(json.dumps(info, indent=2, sort_keys=True))
    else:
        out(describe(info))
    return EXIT_OK if info["running"] else EXIT_VIOLATION


def _folders(schedules: list[list[Any]], limit: int = 8) -> str:
    """`app/ (recursive), . , …` for the text status."""
    shown = [f"{d}{'/…' if recursive else ''}" for d, recursive in schedules[:limit]]
    more = len(schedules) - limit
    if not shown:
        return _("none")
    return ", ".join(shown) + (_(", … {n} more").format(n=more) if more > 0 else "")


def describe(info: dict[str, Any]) -> str:
    """The human form of the status (labels and sentences in the user's language)."""
    if info.get("stalled"):
        how = _("stopped by a signal") if info["stalled"] == "stopped" else _("not responding")
        return _(
            "watch daemon: STOPPED (pid {pid}, {how}): protected files are not being watched;"
            " resume it (kill -CONT {pid}) or restart it"
        ).format(pid=info.get("pid"), how=how)
    if not info.get("running"):
        if info.get("pid"):
            return _("watch daemon: not running (last run: pid {pid}, stopped {stopped})").format(
                pid=info["pid"], stopped=info.get("stopped", "?")
            )
        return _("watch daemon: not running")
    return "\n".join(_running_lines(info))


def _running_lines(info: dict[str, Any]) -> list[str]:
    watches = info.get("watches") or {}
    rescan = info.get("last_rescan") or {}
    counts = info.get("counts") or {}
    degraded = _(" — DEGRADED: {why}").format(why=info["degraded"]) if info.get("degraded") else ""
    lines = [
        _("watch daemon: running (pid {pid}, since {started})").format(
            pid=info.get("pid"), started=info.get("started", "?")
        ),
        _("  repository:  {root}").format(root=info.get("root", "?")),
        _("  baseline:    HEAD {head}, epoch {epoch}").format(
            head=str(info.get("head", "?"))[:12], epoch=info.get("epoch", "?")
        ),
        _("  rules:       {rules}").format(rules=info.get("rules", "?")),
        _("  mode:        {mode}").format(mode=info.get("mode", "?")) + degraded,
        ngettext(
            "  protected:   {protected} files; watching {schedules} folder schedule,"
            " {actual}/{expected} inotify watches",
            "  protected:   {protected} files; watching {schedules} folder schedules,"
            " {actual}/{expected} inotify watches",
            len(watches.get("schedules", [])),
        ).format(
            protected=info.get("protected", "?"),
            schedules=len(watches.get("schedules", [])),
            actual=watches.get("actual", "?"),
            expected=watches.get("expected", "?"),
        ),
        _("  folders:     {folders}").format(folders=_folders(watches.get("schedules", []))),
        _("  last rescan: {ts} ({reason}, {checked} paths, {ms} ms); every {interval} s").format(
            ts=rescan.get("ts", _("never")),
            reason=rescan.get("reason", "-"),
            checked=rescan.get("checked", 0),
            ms=rescan.get("ms", 0),
            interval=info.get("rescan_interval", "?"),
        ),
        _("  restore:     {restore}; incidents in {where}").format(
            restore=_("on") if info.get("restore") else _("off"),
            where=info.get("incidents_dir", "?"),
        ),
        _("  counts:      {counts}").format(
            counts=", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        ),
    ]
    for tree in info.get("worktrees") or []:
        lines.append(
            _("  worktree:    {root} (HEAD {head}, {protected} protected files, {mode})").format(
                root=tree.get("root"),
                head=str(tree.get("head") or "?")[:12],
                protected=tree.get("protected", "?"),
                mode=tree.get("mode", "?"),
            )
        )
    if info.get("log"):
        lines.append(_("  log:         {log}").format(log=info["log"]))
    if info.get("rules_note"):
        lines.append(_("  WARNING:     {note}").format(note=info["rules_note"]))
    if info.get("repository_missing"):
        lines.append(_("  WARNING:     the repository is gone; waiting for it to come back"))
    return lines

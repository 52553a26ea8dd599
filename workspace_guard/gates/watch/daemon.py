"""The watch layer: a daemon that sees every change to a protected file, however it was made.

Threads: watchdog's inotify reader, emitters and dispatcher produce *hints*; one worker thread
judges them against HEAD (`watch_worker`, `watch_engine`); the main thread supervises. Signal
handlers only set flags (Python runs them in the main thread anyway): SIGTERM/SIGINT stop,
SIGHUP reloads the rules atomically and rescans. Every tick the supervisor checks that the
observer, its emitters and the worker are alive — watchdog's threads die silently — and restarts
what died (a new epoch, then a full rescan), writes the status file, and pings systemd.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from workspace_guard.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_VIOLATION
from workspace_guard.gates.watch import alive as watch_alive
from workspace_guard.gates.watch import control as watch_control
from workspace_guard.gates.watch import incident as watch_incident
from workspace_guard.gates.watch import lifecycle as watch_lifecycle
from workspace_guard.gates.watch import service as watch_service
from workspace_guard.gates.watch.baseline import Options
from workspace_guard.gates.watch.engine import Engine, Place
from workspace_guard.gates.watch.inotify import Watcher
from workspace_guard.gates.watch.worker import Worker
from workspace_guard.gates.watch.worktrees import Worktrees
from workspace_guard.i18n import _, strerror

log = logging.getLogger("workspace_guard.watch")
TICK = 0.5
HEARTBEAT = 2.0  # the status file is touched at least this often (alive.py: STALE)


class Daemon:
    """The daemon's parts and its supervisor loop; usable in-process (tests) and from `run`."""

    def __init__(self, place: Place, rules_option: str | None, options: Options) -> None:
        self.root = place.root
        self.state_dir = place.state_dir
        self.umask = _umask()
        self.engine = Engine(place, rules_option, options, self.umask)
        self.worktrees = Worktrees(place.root, place.common_dir, rules_option, options)
        self.watcher = Watcher(place.root, _hints(), self._on_overflow, self._on_watch_failure)
        self.ready = threading.Event()
        self.worker = Worker(self.engine, self.watcher, self.ready)
        self.wake = threading.Event()
        self.stopping = False
        self.reload_wanted = False
        self._reload_asked: float | None = None  # when the supervisor asked for a reload
        self.started = _iso(time.time())
        self._last_status = ""
        self._beat = 0.0
        self.log_file: str | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Load the rules and baseline (errors raise: nothing good to run with), start watching,
        reconcile what changed while we were down, and return once ready."""
        self.engine.state = self.engine.load_state()
        self.engine.view.publish()  # before the reconcile: the other layers wait for it
        self.engine.internals.start(self.engine.past.internals)
        self.watcher.start()
        self.worker.apply_plan(fresh=False)
        self.worker.request("startup", "startup reconcile")
        self.worker.start()
        if not self.ready.wait(timeout):
            log.error("the startup reconcile did not finish within %.0f s", timeout)
        self.worktrees.follow(self.umask, force=True)
        self.write_status()

    def serve(self) -> None:
        """The supervisor loop, until `stopping`."""
        while not self.stopping:
            self.wake.wait(TICK)
            self.wake.clear()
            if self.stopping:
                break
            if self.reload_wanted:
                self.reload_wanted = False
                watch_service.sd_notify(
                    f"RELOADING=1\nMONOTONIC_USEC={int(time.monotonic() * 1e6)}"
                )
                self._reload_asked = time.monotonic()
                self.worker.request("reload", "SIGHUP")
                self.worker.request("replan", "SIGHUP")
                self.worktrees.reload()
            asked = self._reload_asked
            if asked is not None and self.worker.reloaded >= asked:
                self._reload_asked = None  # a reload that began after the SIGHUP is done
                watch_service.sd_notify("READY=1")
            healthy = self.supervise()
            self.worktrees.follow(self.umask)
            self.worktrees.supervise()
            self.write_status()
            if healthy:
                watch_service.sd_notify("WATCHDOG=1")

    def supervise(self) -> bool:
        """Restart whatever died; True when everything was alive."""
        healthy = True
        if not self.worker.is_alive():
            healthy = False
            log.error("the worker thread died; starting a new one")
            self.worker = Worker(self.engine, self.watcher, self.ready)
            self.worker.request("rescan", "worker restarted")
            if self._reload_asked is not None:  # the dead worker's requests died with it
                self.worker.request("reload", "SIGHUP (worker restarted)")
            self.worker.start()
        problem = self.watcher.healthy()
        if problem:
            healthy = False
            self.worker.request("restart", problem)
        elif self.watcher.dead_watches() and not self.worker.repo_missing:
            self.worker.request("replan", "a watched folder went away")
        return healthy

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        self.worker.stopping.set()
        self.watcher.hints.wake.set()
        if self.worker.ident is not None:  # start() may have failed before it
            self.worker.join(timeout=3)
        self.watcher.stop()
        self.worktrees.stop()
        self.engine.restorer.close()
        self.write_status(stopped=True)

    # Called from signal handlers, which Python runs in the main thread between two of its
    # bytecodes — possibly inside `wake.wait()` or `wake.clear()` while they hold the event's
    # lock, which is not reentrant: `wake.set()` here could wait for that lock forever (the
    # daemon then ignored SIGTERM). So these only set flags; the supervisor's wait ends within
    # one TICK and reads them.
    def request_stop(self) -> None:
        self.stopping = True

    def request_reload(self) -> None:
        if not self.stopping:  # a HUP after TERM must not start work (supervisor#1175)
            self.reload_wanted = True

    def _on_overflow(self) -> None:
        """Called on watchdog's reader thread: count, and ask for one rescan per storm."""
        self.engine.counts["overflows"] += 1
        self.worker.request("rescan", "kernel event queue overflow", delay=0.2)

    def _on_watch_failure(self) -> None:
        self.worker.request("replan", "watchdog could not rebuild its watches")

    def status(self, stopped: bool = False) -> dict[str, Any]:
        engine, watcher = self.engine, self.watcher
        # the worker replaces `state` before the rescan that follows a reload: read what it has
        # finished first, so the state below is at least as new as the reload and the rescan
        # this status reports (read the other way round, a status could name a rescan done
        # after a reload next to the rules in force before it)
        last_rescan, epoch, reloaded = engine.last_rescan, engine.epoch, self.worker.reloaded
        state = engine.state
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "started": self.started,
            "root": self.root,
            "ready": self.ready.is_set(),
            "mode": watcher.mode,
            "degraded": watcher.degraded,
            "epoch": epoch,
            "counts": {**engine.counts, "events": watcher.hints.seen},
            "last_rescan": last_rescan,
            "reloaded": reloaded,  # time.monotonic() when the last reload done began
            "watches": {
                "expected": watcher.expected,
                "actual": watcher.actual,
                "schedules": [[d or ".", r] for d, r in sorted(watcher.scheduled)],
            },
            "repository_missing": self.worker.repo_missing,
            "worktrees": self.worktrees.status(),
            "log": self.log_file,
        }
        if state is not None:
            info.update(
                {
                    "head": state.baseline.head,
                    "protected": len(state.baseline.entries),
                    "rules": state.rules.path,
                    "rules_note": state.rules_note,
                    "restore": state.settings.restore,
                    "rescan_interval": state.settings.rescan_interval,
                    "incidents_dir": state.settings.incidents_dir,
                }
            )
        if stopped:
            info["stopped"] = _iso(time.time())
        return info

    def write_status(self, stopped: bool = False) -> None:
        info = self.status(stopped)
        text = json.dumps(info, sort_keys=True)
        if not os.path.isdir(self.state_dir):
            return
        if text == self._last_status:  # the heartbeat whose age alive.py reads
            if time.time() - self._beat >= HEARTBEAT:
                self._beat = time.time()
                with contextlib.suppress(OSError):
                    os.utime(watch_control.status_path(self.state_dir))
            return
        self._beat = time.time()
        try:
            watch_control.write_status(self.state_dir, info)
            self._last_status = text
        except OSError as exc:
            log.error("could not write the status file: %s", strerror(exc))


def run(
    repo: Any, options: Options, ready_fd: int | None = None, log_file: str | None = None
) -> int:
    """`watch run`: the daemon in the foreground until SIGTERM / SIGINT."""
    watch_service.setup_logging(log_file)
    if os.environ.get("WORKSPACE_GUARD_RULES"):
        log.warning(
            "WORKSPACE_GUARD_RULES is ignored: the daemon reads the rules committed at the "
            "trusted revision (or the file `install --rules` recorded)"
        )
    lock = watch_control.Lock(repo.state_dir)
    if not lock.acquire():
        running = watch_control.holder(repo.state_dir) or {}
        print(
            _(
                "workspace-guard: a watch daemon already runs for this repository (pid {pid}, "
                "since {since})"
            ).format(pid=running.get("pid"), since=running.get("started", "?")),
            file=sys.stderr,
        )
        return EXIT_VIOLATION
    daemon = Daemon(Place.of(repo), repo.rules_option, options)
    daemon.log_file = log_file
    starttime = watch_alive.proc_starttime(os.getpid())
    held = {"pid": os.getpid(), "started": daemon.started, "root": repo.root}
    lock.write({**held, "starttime": starttime})
    watch_alive.forget(repo.state_dir)
    interrupted = _install_signals(daemon)
    daemon.engine.internals.snapshot()
    unclean = _record_start(daemon, starttime)
    try:
        daemon.start()
        if unclean is not None:
            _unclean_incident(daemon, unclean)
        log.info(
            "watching %s: %d protected files, mode %s, epoch %d",
            repo.root,
            len(daemon.engine.state.baseline.entries) if daemon.engine.state else 0,
            daemon.watcher.mode,
            daemon.engine.epoch,
        )
        watch_service.notify_ready(ready_fd)
        daemon.serve()
    finally:
        watch_service.sd_notify("STOPPING=1")
        daemon.stop()
        requested = _record_stop(daemon, "SIGINT" if interrupted else "SIGTERM")
        daemon.engine.view.clear()  # no daemon: the other layers read the trusted ref again
        stop = {**held, "starttime": starttime, "stopped": _iso(time.time()), "requested": False}
        lock.release(None if requested else stop)
        log.info("stopped")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _record_start(daemon: Daemon, starttime: str | None) -> dict[str, Any] | None:
    """Audit this start, and a previous daemon that ended without a stop (returned)."""
    engine = daemon.engine
    unclean = watch_lifecycle.unclean_stop(engine.past)
    records = [unclean] if unclean is not None else []
    if unclean is not None:
        log.warning("%s", unclean["detail"])
    summary = engine.internals.summary()
    records.append(
        watch_lifecycle.started(os.getpid(), starttime, daemon.root, engine.past.good_head, summary)
    )
    engine.append(records)
    return unclean


def _unclean_incident(daemon: Daemon, unclean: dict[str, Any]) -> None:
    state = daemon.engine.state
    if state is None:
        return
    watch_incident.note(
        state.settings.incidents_dir,
        "watch-daemon",
        _("the watch daemon was stopped without `watch stop`"),
        [
            _("**What happened:** {detail}").format(detail=unclean["detail"]),
            _("**Previous daemon:** pid {pid}, started {since}").format(
                pid=unclean["pid"], since=unclean["since"]
            ),
            _("**Agent:** unknown (no `watch stop` and no clean shutdown was recorded)"),
        ],
        state.rules.escalation,
    )


def _record_stop(daemon: Daemon, signame: str) -> bool:
    """Audit a clean stop: by `watch stop` (it recorded who asked) or by a bare signal (False)."""
    pid = os.getpid()
    requested = watch_lifecycle.stop_was_requested(daemon.state_dir, pid)
    reason = "watch stop" if requested else f"{signame} without `watch stop`"
    engine = daemon.engine
    summary = engine.internals.summary() if engine.internals.taken else None
    record = watch_lifecycle.stopped(pid, reason, engine.good_head, requested, summary)
    seen = engine.state.trusted if engine.state is not None else None
    if seen is not None and seen.ref is not None:  # what the next start compares with
        record["trusted"] = {"ref": seen.ref, "commit": seen.commit, "blob": seen.blob}
    engine.append([record])
    return requested


def _install_signals(daemon: Daemon) -> list[int]:
    """Flags only. Returns a list that gets SIGINT's number when Ctrl-C stopped us."""
    interrupted: list[int] = []

    def on_stop(signum: int, _frame: Any) -> None:
        if signum == signal.SIGINT:
            interrupted.append(signum)
        daemon.request_stop()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, lambda _s, _f: daemon.request_reload())
    # a file-size limit must make writes fail (reported), not kill the daemon
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return interrupted


def _hints() -> Any:
    from workspace_guard.gates.watch.observer import Hints

    return Hints()


def _umask() -> int:
    """The process umask (set and put back once, before any thread starts)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + "Z"

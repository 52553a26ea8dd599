"""Every linked worktree of the repository, watched by the one daemon the repository has.

`git worktree add` makes another checkout that shares the repository (its objects, refs, hooks,
config, our state dir) but has its own HEAD, index and files. An agent working there is out of
sight of a daemon that watches one worktree, and a second daemon cannot start (the lock lives
in the common dir). So the daemon runs one *unit* per linked worktree — its own baseline (that
worktree's HEAD), plan, inotify watches and worker — next to the worktree it was started in,
and follows `git worktree list`: a worktree added while it runs is watched within a second or
two, one removed is let go. The repository-wide parts (hooks, config, state dir, lifecycle
records, status file) stay with the main unit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from typing import Any

from workspace_guard import git
from workspace_guard.errors import GuardError
from workspace_guard.gates.watch.baseline import Options
from workspace_guard.gates.watch.engine import Engine, Place
from workspace_guard.gates.watch.inotify import Watcher
from workspace_guard.gates.watch.worker import Worker

log = logging.getLogger("workspace_guard.watch")
LIST_EVERY = 1.0  # seconds between looks at `<common>/worktrees` (a stat; git only on change)


def manifest_name(root: str) -> str:
    """Each linked worktree remembers its reports in a manifest of its own."""
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
    return f"watch-manifest-{digest}.json"


def listed(root: str) -> list[str]:
    """The working trees of the repository at `root` that exist on disk (`git worktree list`)."""
    proc = git.run(["worktree", "list", "--porcelain", "-z"], root, check=False)
    if proc.returncode != 0:
        return []
    out: list[str] = []
    current: str | None = None
    bare = False
    for field in [*proc.stdout.split(b"\0"), b""]:
        if not field:  # the end of one record
            if current is not None and not bare and os.path.isdir(current):
                out.append(current)
            current, bare = None, False
        elif field.startswith(b"worktree "):
            current = os.fsdecode(field[len(b"worktree ") :])
        elif field == b"bare":
            bare = True
    return out


class Unit:
    """One linked worktree: engine, watcher and worker, supervised by the daemon."""

    def __init__(
        self, place: Place, rules_option: str | None, options: Options, umask: int, main: str
    ) -> None:
        from workspace_guard.gates.watch.observer import Hints

        self.root = place.root
        self.engine = Engine(place, rules_option, options, umask, manifest_name(place.root))
        self.engine.incidents_root = main  # reports land where the escalation agent looks
        self.watcher = Watcher(place.root, Hints(), self._on_overflow, self._on_failure)
        self.ready = threading.Event()
        self.worker = Worker(self.engine, self.watcher, self.ready)

    def start(self, timeout: float = 30.0) -> None:
        self.engine.state = self.engine.load_state()
        self.watcher.start()
        self.worker.apply_plan(fresh=False)
        self.worker.request("startup", "startup reconcile")
        self.worker.start()
        if not self.ready.wait(timeout):
            log.error("%s: the startup reconcile did not finish in %.0f s", self.root, timeout)

    def supervise(self) -> None:
        if not self.worker.is_alive():
            log.error("%s: the worker thread died; starting a new one", self.root)
            self.worker = Worker(self.engine, self.watcher, self.ready)
            self.worker.request("rescan", "worker restarted")
            self.worker.start()
        problem = self.watcher.healthy()
        if problem:
            self.worker.request("restart", problem)
        elif self.watcher.dead_watches() and not self.worker.repo_missing:
            self.worker.request("replan", "a watched folder went away")

    def reload(self) -> None:
        self.worker.request("reload", "SIGHUP")
        self.worker.request("replan", "SIGHUP")

    def stop(self) -> None:
        self.worker.stopping.set()
        self.watcher.hints.wake.set()
        if self.worker.ident is not None:
            self.worker.join(timeout=3)
        self.watcher.stop()
        self.engine.restorer.close()
        self.engine.save_manifest()

    def status(self) -> dict[str, Any]:
        state = self.engine.state
        return {
            "root": self.root,
            "ready": self.ready.is_set(),
            "head": state.baseline.head if state else None,
            "protected": len(state.baseline.entries) if state else 0,
            "epoch": self.engine.epoch,
            "mode": self.watcher.mode,
            "degraded": self.watcher.degraded,
            "counts": dict(self.engine.counts),
        }

    def _on_overflow(self) -> None:
        self.engine.counts["overflows"] += 1
        self.worker.request("rescan", "kernel event queue overflow", delay=0.2)

    def _on_failure(self) -> None:
        self.worker.request("replan", "watchdog could not rebuild its watches")


class Worktrees:
    """The linked worktrees other than the daemon's own, kept in step with `git worktree list`."""

    def __init__(self, root: str, common_dir: str, rules_option: str | None, options: Options):
        self.root = root
        self.common_dir = common_dir
        self.rules_option = rules_option
        self.options = options
        self.units: dict[str, Unit] = {}
        self._key: tuple[int, ...] | None = None
        self._next = 0.0
        self._failed: dict[str, str] = {}

    def _stat(self) -> tuple[int, ...] | None:
        from workspace_guard.gates.watch.fs import stat_key

        return stat_key(os.path.join(self.common_dir, "worktrees"))

    def follow(self, umask: int, force: bool = False) -> None:
        """Start units for new worktrees, stop those of removed ones (cheap unless changed)."""
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + LIST_EVERY
        key = self._stat()
        if key == self._key and not force:
            return
        self._key = key
        own = os.path.realpath(self.root)
        wanted = {os.path.realpath(p): p for p in listed(self.root)}
        wanted.pop(own, None)
        for real in [r for r in self.units if r not in wanted]:
            log.info("worktree %s is gone; no longer watched", real)
            self.units.pop(real).stop()
        for real, path in wanted.items():
            if real not in self.units:
                self._start(real, path, umask)

    def _start(self, real: str, path: str, umask: int) -> None:
        from workspace_guard.repo import Repo

        try:
            repo = Repo.discover(path, self.rules_option)
            unit = Unit(Place.of(repo), self.rules_option, self.options, umask, self.root)
            unit.start()
        except (GuardError, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            if self._failed.get(real) != message:
                log.error("cannot watch the worktree %s: %s", path, message)
            self._failed[real] = message
            self._key = None  # try again at the next look
            return
        self._failed.pop(real, None)
        self.units[real] = unit
        log.info(
            "watching the linked worktree %s: %d protected files",
            path,
            len(unit.engine.state.baseline.entries) if unit.engine.state else 0,
        )

    def supervise(self) -> None:
        for unit in self.units.values():
            unit.supervise()

    def reload(self) -> None:
        for unit in self.units.values():
            unit.reload()

    def stop(self) -> None:
        for unit in self.units.values():
            unit.stop()
        self.units.clear()

    def status(self) -> list[dict[str, Any]]:
        return [unit.status() for unit in self.units.values()]

"""The inotify observer and its schedules: applying a plan, checking coverage and liveness.

watchdog's threads die silently (#663, #793) and the watch limit fails silently below a watch's
root, so nothing here is trusted: the supervisor asks `healthy()` every tick, `apply()` reports
what could not be scheduled, and `coverage()` compares the kernel's own count of our watches
with what the plan expects. A shortfall switches on polling of the protected paths, loudly.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from collections.abc import Callable
from typing import Any

from workspace_guard.gates.watch.observer import (
    EVENT_FILTER,
    HintHandler,
    Hints,
    OverflowNotice,
    Poller,
)
from workspace_guard.gates.watch.plan import (
    Plan,
    count_dirs,
    count_watches,
    max_user_watches,
    user_watches,
)
from workspace_guard.i18n import _, strerror

log = logging.getLogger("workspace_guard.watch")
Key = tuple[str, bool]  # (repository-relative folder, recursive)


class Watcher:
    """One InotifyObserver (replaced wholesale when a thread of it dies) plus an optional poller."""

    def __init__(
        self,
        root: str,
        hints: Hints,
        on_overflow: Callable[[], None],
        on_failure: Callable[[], None],
    ) -> None:
        self.root = root
        self.hints = hints
        self.handler = HintHandler(root, hints)
        self.notice = OverflowNotice(on_overflow, on_failure)
        self.observer: Any = None
        self.scheduled: dict[Key, Any] = {}
        self.poller: Poller | None = None
        self.degraded: str | None = None
        self.expected = 0
        self.actual = 0

    @property
    def mode(self) -> str:
        return "polling" if self.poller is not None else "inotify"

    def start(self) -> None:
        """Start an observer with no schedules: a failing schedule must not stop the others."""
        from watchdog.observers.inotify import InotifyObserver

        self.observer = InotifyObserver()
        self.observer.start()
        self.notice.attach()

    def restart(self) -> None:
        """Throw the observer away and start a new one (its schedules are re-applied later)."""
        self.stop_observer()
        self.start()

    def stop_observer(self) -> None:
        observer, self.observer = self.observer, None
        self.scheduled = {}
        self.notice.detach()
        if observer is not None:
            try:
                observer.stop()
                observer.join(timeout=2)
            except Exception as exc:  # a dead observer may not stop cleanly
                log.warning("stopping the old observer: %s", exc)

    def stop(self) -> None:
        self.stop_observer()
        self.stop_polling()

    def healthy(self) -> str | None:
        """None when every thread of the observer runs, else what died."""
        observer = self.observer
        if observer is None or not observer.is_alive():
            return "the watchdog observer thread died"
        reader = getattr(observer, "_inotify_fd", None)
        if reader is not None and hasattr(reader, "is_alive") and not reader.is_alive():
            return "the inotify reader thread died"
        return None

    def dead_watches(self) -> list[str]:
        """Folders whose emitter stopped (the folder was deleted, or the thread died)."""
        if self.observer is None:
            return []
        alive = {e.watch for e in self.observer.emitters if e.is_alive()}
        return [key[0] for key, watch in self.scheduled.items() if watch not in alive]

    def apply(
        self, plan: Plan, invalid: frozenset[str] = frozenset(), cap: int | None = None
    ) -> list[str]:
        """Make the schedules match `plan`; problems (folders that could not be watched)."""
        wanted = plan.schedules()
        if cap is not None:
            wanted = _within(self.root, wanted, cap)
        wanted_set = set(wanted)
        dead = set(self.dead_watches())
        for key, watch in list(self.scheduled.items()):
            if key not in wanted_set or key[0] in dead or _below(key[0], invalid):
                self._unschedule(watch)
                del self.scheduled[key]
        problems = [
            _("{folder}: over the watch cap of {cap}").format(folder=key[0] or ".", cap=cap)
            for key in plan.schedules()
            if key not in wanted_set
        ]
        for key in wanted:
            if key not in self.scheduled:
                problem = self._schedule(key)
                if problem:
                    problems.append(problem)
        return problems

    def _schedule(self, key: Key) -> str | None:
        folder, recursive = key
        path = os.path.join(self.root, folder) if folder else self.root
        try:
            self.scheduled[key] = self.observer.schedule(
                self.handler, path, recursive=recursive, event_filter=EVENT_FILTER
            )
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None  # gone since planning: its parent's event re-plans
            return f"{folder or '.'}: {strerror(exc)}"
        return None

    def _unschedule(self, watch: Any) -> None:
        with contextlib.suppress(KeyError, RuntimeError):
            self.observer.unschedule(watch)

    def coverage(self, plan: Plan, cap: int | None = None) -> str | None:
        """None when the kernel holds as many of our watches as the plan needs, else why not."""
        self.actual = count_watches()
        self.expected = plan.expected
        if self.actual >= self.expected:
            return None
        self.expected = _recount(self.root, plan)  # folders may have gone since planning
        if self.actual >= self.expected:
            return None
        if cap is not None:
            return _(
                "only {actual} of {expected} inotify watches are in place "
                "(WORKSPACE_GUARD_MAX_WATCHES={cap})"
            ).format(actual=self.actual, expected=self.expected, cap=cap)
        limit = max_user_watches()
        used = user_watches()
        return _(
            "only {actual} of {expected} inotify watches are in place (this user holds {used} "
            "of fs.inotify.max_user_watches={limit}); raise the limit with "
            "`sysctl fs.inotify.max_user_watches=…`"
        ).format(actual=self.actual, expected=self.expected, used=used, limit=limit)

    def start_polling(
        self, interval: float, targets: Callable[[], tuple[list[str], list[str]]]
    ) -> None:
        if self.poller is None:
            self.poller = Poller(self.root, self.hints, interval, targets)
            self.poller.poll_once()  # take the first snapshot before the gap can grow
            self.poller.start()

    def stop_polling(self) -> None:
        poller, self.poller = self.poller, None
        if poller is not None:
            poller.stopped.set()
            poller.join(timeout=2)

    def headroom(self, plan: Plan) -> str | None:
        """A warning when the plan would use more than 80 % of what the user may still add."""
        limit = max_user_watches()
        if limit is None:
            return None
        used = user_watches()
        if used + plan.expected > 0.8 * limit:
            return _(
                "the watches needed ({needed}) bring this user to {total} of "
                "fs.inotify.max_user_watches={limit}"
            ).format(needed=plan.expected, total=used + plan.expected, limit=limit)
        return None


def _below(folder: str, roots: frozenset[str]) -> bool:
    return any(folder == r or folder.startswith(r + "/") for r in roots)


def _cost(root: str, key: Key) -> int:
    folder, recursive = key
    if not recursive:
        return 1
    return count_dirs(os.path.join(root, folder))


def _within(root: str, wanted: list[Key], cap: int) -> list[Key]:
    """The schedules that fit under a cap, in plan order (as if the kernel's limit were `cap`)."""
    used, out = 0, []
    for key in wanted:
        cost = _cost(root, key)
        if used + cost > cap:
            continue
        used += cost
        out.append(key)
    return out


def _recount(root: str, plan: Plan) -> int:
    flat = sum(1 for d in plan.flat if os.path.isdir(os.path.join(root, d)))
    return flat + sum(
        _cost(root, (d, True)) for d in plan.recursive if os.path.isdir(os.path.join(root, d))
    )

"""watchdog wiring: events become *hints* (paths to re-check), nothing more.

The handler runs on watchdog's dispatcher thread and does one dict update under a lock: a slow
handler competes with the inotify reader for the GIL and makes the kernel queue overflow
(notes/file-watching.md §3). A `closed` or a rename onto a path means the writer finished, so
the path is ready at once; a creation, deletion or rename away waits ~20 ms for what usually
follows (vim renames the file away and writes a new one; an atomic save creates then renames).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

log = logging.getLogger("workspace_guard.watch")

DEBOUNCE = 0.02
# created / close_write / delete / move and directory events; no open, modify, close_nowrite:
# our own hashing must not produce events, and a storm must cost two kernel events per file.
# watchdog 7.1 adds IN_ATTRIB only together with IN_MODIFY (for FileModifiedEvent), so a
# chmod alone produces no event: the periodic rescan finds it.
EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]  # fmt: skip
WATCHDOG_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")


class Hints:
    """Paths to re-check (with when they are ready) and folders that appeared or went away."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: dict[str, tuple[float, str]] = {}
        self._dirs: dict[str, str] = {}
        self.wake = threading.Event()
        self.seen = 0  # events received, for status

    def add(self, rel: str, final: bool, origin: str = "event") -> None:
        ready = time.monotonic() + (0.0 if final else DEBOUNCE)
        with self._lock:
            self.seen += 1
            old = self._paths.get(rel)
            if old is not None and old[1] == "event":
                origin = "event"
            self._paths[rel] = (ready, origin)
        self.wake.set()

    def add_dir(self, rel: str, kind: str) -> None:
        with self._lock:
            self.seen += 1
            self._dirs[rel] = kind
        self.wake.set()

    def take(self) -> tuple[list[tuple[str, str]], dict[str, str], float | None]:
        """Ready paths with their origin, folder hints, and when the next path gets ready."""
        now = time.monotonic()
        ready: list[tuple[str, str]] = []
        later: float | None = None
        with self._lock:
            self.wake.clear()
            for rel, (at, origin) in list(self._paths.items()):
                if at <= now:
                    ready.append((rel, origin))
                    del self._paths[rel]
                elif later is None or at < later:
                    later = at
            dirs, self._dirs = self._dirs, {}
        return ready, dirs, later

    def requeue(self, items: list[tuple[str, str]], delay: float) -> None:
        """Put paths back (git is busy rewriting the tree)."""
        at = time.monotonic() + delay
        with self._lock:
            for rel, origin in items:
                self._paths.setdefault(rel, (at, origin))

    def pending(self) -> int:
        with self._lock:
            return len(self._paths) + len(self._dirs)


class HintHandler(FileSystemEventHandler):
    """Turns watchdog events into hints; never raises into watchdog (#427, #793)."""

    def __init__(self, root: str, hints: Hints) -> None:
        self.prefix = root.rstrip("/") + "/"
        self.hints = hints

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            src = self._rel(event.src_path)
            dest = self._rel(event.dest_path) if event.dest_path else None
            if event.is_directory:
                if src is not None:
                    self.hints.add_dir(
                        src, "removed" if event.event_type != "created" else "created"
                    )
                if dest is not None:
                    self.hints.add_dir(dest, "created")
                return
            kind = event.event_type
            if src is not None:
                self.hints.add(src, kind == "closed")
            if dest is not None:
                self.hints.add(dest, True)
        except Exception:
            log.exception("event handler failed on %r", event)

    def _rel(self, path: bytes | str) -> str | None:
        text = os.fsdecode(path)
        if text.startswith(self.prefix):
            return text[len(self.prefix) :]
        return "" if text == self.prefix[:-1] else None


class OverflowNotice(logging.Handler):
    """watchdog 7.1 only *logs* a kernel queue overflow; this handler turns the log into a call.

    (Subclassing `InotifyWatchGroup.on_queue_overflow` would tie us to watchdog internals.)
    """

    def __init__(self, on_overflow: Callable[[], None], on_failure: Callable[[], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_overflow = on_overflow
        self.on_failure = on_failure

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage().lower()
            if "overflow" in text:
                self.on_overflow()
            elif "unable to rebuild" in text:
                self.on_failure()
        except Exception:
            pass

    def attach(self) -> None:
        for name in WATCHDOG_LOGGERS:
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
            logger.addHandler(self)

    def detach(self) -> None:
        for name in WATCHDOG_LOGGERS:
            logging.getLogger(name).removeHandler(self)


class Poller(threading.Thread):
    """Degraded mode: without enough inotify watches, stat the protected paths (and the mtimes
    of their folders, for new files) every interval. Cheap because it is only the protected set,
    unlike a PollingObserver over the whole tree (34 % of a core, notes §1.4)."""

    def __init__(
        self,
        root: str,
        hints: Hints,
        interval: float,
        targets: Callable[[], tuple[list[str], list[str]]],
    ) -> None:
        super().__init__(name="watch-poller", daemon=True)
        self.root = root
        self.hints = hints
        self.interval = interval
        self.targets = targets
        self.stopped = threading.Event()
        self._last: dict[str, tuple[int, ...] | None] = {}

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.poll_once()
            except Exception:
                log.exception("polling failed")

    def poll_once(self) -> None:
        files, folders = self.targets()
        for rel in files:
            if self._changed(rel):
                self.hints.add(rel, True, origin="rescan")
        for rel in folders:
            if self._changed(rel):
                self.hints.add_dir(rel, "changed")

    def _changed(self, rel: str) -> bool:
        try:
            st = os.lstat(os.path.join(self.root, rel))
            now: tuple[int, ...] | None = (
                st.st_mode,
                st.st_ino,
                st.st_size,
                st.st_mtime_ns,
                st.st_ctime_ns,
            )
        except OSError:
            now = None
        known = rel in self._last
        before = self._last.get(rel)
        self._last[rel] = now
        return known and before != now

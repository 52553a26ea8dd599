"""The worker thread: the only thread that judges, so the engine needs no locks.

Each turn it handles requests from the supervisor (restart the observer, reload the rules,
re-plan the watches, rescan — each one a new *epoch* followed by a full reconcile, after git
fsmonitor's token ids), follows HEAD (the baseline moves with it), and checks the paths whose
hints are ready. While git rewrites the worktree (`index.lock` exists, and shortly after, until
HEAD is updated) checks wait, so a `git checkout` of another branch is never mistaken for an
agent's edit (watchman holds notifications the same way).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from workspace_guard.errors import GuardError
from workspace_guard.gates.watch import trusted
from workspace_guard.gates.watch.engine import Engine
from workspace_guard.gates.watch.inotify import Watcher
from workspace_guard.gates.watch.plan import make_plan
from workspace_guard.i18n import ngettext

log = logging.getLogger("workspace_guard.watch")
HEAD_POLL = 0.25  # seconds between cheap reads of HEAD (ref files, no exec)
LEDGER_POLL = 0.05  # seconds between looks at the ledger while a change waits for its record
GIT_SETTLE = 0.15  # after index.lock goes away, git updates HEAD: wait for it
TRICKLE = 256  # protected files stat'ed per HEAD_POLL (see Engine.trickle)
TRICKLE_WAIT = 0.5  # what the trickle finds waits this long for the event on its way
GIT_HOLD = 1.0  # the longest git's index.lock may hold a check back (a stale lock: no longer)
ORDER = ("startup", "restart", "reload", "replan", "rescan")


class Worker(threading.Thread):
    """Hints, requests and HEAD, in one loop that never dies of an exception."""

    def __init__(self, engine: Engine, watcher: Watcher, ready: threading.Event) -> None:
        super().__init__(name="watch-worker", daemon=True)
        self.engine = engine
        self.watcher = watcher
        self.hints = watcher.hints
        self.ready = ready
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: dict[str, tuple[float, str]] = {}
        self._invalid: set[str] = set()
        self._next_head = 0.0
        self._next_ready: float | None = None
        self._next_periodic = time.monotonic() + self._interval()
        self._busy_until = 0.0
        self._busy_since: float | None = None  # when git's index.lock began to hold checks
        self._next_links = 0.0
        self.repo_missing = False
        self._moved_reported: str | None = None  # the trusted tip last reported as moved
        # when the last reload handled began (time.monotonic()); its rescan is done by the time
        # this is set. A reload that began after a request serves it: the supervisor tells
        # systemd then, the status file says so (a count would be met by a reload under way)
        self.reloaded = 0.0

    # -- requests from other threads ------------------------------------------------------------

    def request(self, kind: str, reason: str, delay: float = 0.0) -> None:
        """Ask for a restart / reload / replan / rescan; repeated requests coalesce."""
        with self._lock:
            if kind not in self._requests:
                self._requests[kind] = (time.monotonic() + delay, reason)
        self.hints.wake.set()

    def _due(self) -> dict[str, str]:
        now = time.monotonic()
        with self._lock:
            due = {k: r for k, (at, r) in self._requests.items() if at <= now}
            for kind in due:
                del self._requests[kind]
        return due

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.step()
            except Exception:
                self.engine.counts["errors"] += 1
                log.exception("the watch worker hit an error; it carries on")
                self.stopping.wait(0.2)
        self.drain()

    def step(self) -> None:
        self.hints.wake.wait(self._timeout())
        if self.stopping.is_set():
            return
        self._handle(self._due())
        self._follow_head()
        self.engine.internals.poll()
        self.engine.view.poll()
        if time.monotonic() >= self._next_periodic:
            self._rescan("periodic safety rescan", "rescan", bump=False)
        ready, folders, self._next_ready = self.hints.take()
        if folders:
            self._folders(folders)
        ready += [item for item in self.engine.due_waiting() if item not in ready]
        ready += self._linked(bool(ready or folders), {rel for rel, _ in ready})
        if ready:
            self._check(ready)
        if self.engine.deferred and not self.engine.git_writing():
            self.engine.retry_restores()
        self.engine.save_manifest()

    def _linked(self, events: bool, queued: set[str]) -> list[tuple[str, str]]:
        """Hard-linked protected files: all of them with every batch of events, else those whose
        inode changed (polled with HEAD): a write through a name outside the tree has no event."""
        if self.stopping.is_set():
            return []
        linked = self.engine.linked
        picked = list(linked) if events else []
        polled: list[str] = []
        now = time.monotonic()
        if now >= self._next_links:  # every HEAD_POLL: hard links by inode, and the trickle
            self._next_links = now + HEAD_POLL
            picked += self.engine.linked_changed() if not events else []
            polled = [r for r in self.engine.trickle(TRICKLE) if r not in linked]
        # a write's close event can reach us after the trickle's stat saw the write: the
        # trickle's findings wait, so an event on its way claims them (`Hints.add`) and the
        # record says `event`; what sends none (a chmod) is checked after TRICKLE_WAIT
        self.hints.requeue([(rel, "rescan") for rel in polled if rel not in queued], TRICKLE_WAIT)
        return [(rel, "event") for rel in dict.fromkeys(picked) if rel not in queued]

    def drain(self) -> None:
        """On shutdown: judge what is already known to be ready (bounded to a second)."""
        deadline = time.monotonic() + 1.0
        ready, _, _ = self.hints.take()
        for rel, origin in ready:
            if time.monotonic() > deadline:
                break
            self.check(rel, origin)
        self.engine.save_manifest()

    def _timeout(self) -> float:
        now = time.monotonic()
        times = [self._next_head, self._next_periodic, self._busy_until or now + 1]
        if self._next_ready is not None:
            times.append(self._next_ready)
        if self.engine.waiting:  # the ledger record may arrive at any moment: look often
            times.append(min(self.engine.next_waiting() or now, now + LEDGER_POLL))
        with self._lock:
            times += [at for at, _ in self._requests.values()]
        return max(0.0, min(min(times) - now, HEAD_POLL))

    def _handle(self, due: dict[str, str]) -> None:
        if not due:
            return
        began = time.monotonic()  # after `_due` took the requests: they were made before
        if "restart" in due:
            log.error("restarting the observer: %s", due["restart"])
            self.watcher.restart()
        reloaded = "reload" in due and self.reload(due["reload"])
        if due.keys() & {"restart", "replan"} or reloaded:
            self.apply_plan(fresh=not reloaded)
        reason = next(due[k] for k in ORDER if k in due)
        self._rescan(reason, "startup" if "startup" in due else "rescan")
        if "reload" in due:
            self.reloaded = began
        if "startup" in due:
            self.ready.set()
            state = self.engine.state
            if state is not None and state.settings.restore:
                self.engine.restorer.warm(next(iter(state.baseline.by_oid), None))

    def _rescan(self, reason: str, origin: str, *, bump: bool = True) -> None:
        """A full reconcile; `bump`: a new epoch first (something may have been missed)."""
        if bump:
            self.engine.new_epoch()
        self.engine.rescan(reason, origin, self.check)
        self._next_periodic = time.monotonic() + self._interval()

    def _interval(self) -> float:
        state = self.engine.state
        return state.settings.rescan_interval if state is not None else 60.0

    # -- state changes --------------------------------------------------------------------------

    def reload(self, reason: str) -> bool:
        """Rebuild rules, baseline and plan; keep the old state whole if that fails."""
        old = self.engine.state
        try:
            new = self.engine.load_state()
        except GuardError as exc:
            log.error(
                "reload (%s) failed; keeping the previous rules and baseline: %s",
                reason,
                exc.message,
            )
            return False
        self.engine.state = new
        self.engine.view.publish()
        self._adopted(old.trusted if old else None, new.trusted, reason)
        if old is None or new.baseline.head != old.baseline.head:
            log.info("baseline is now HEAD %s (%s)", new.baseline.head[:12], reason)
        if new.rules_note is None and old is not None and old.rules_note is not None:
            log.warning("the rules at HEAD are valid again and in force")
        return True

    def _adopted(self, old: trusted.Seen | None, new: trusted.Seen | None, reason: str) -> None:
        """Rules from another trusted revision are in force now: audit both revisions."""
        if old is None or new is None or (old.blob == new.blob and old.ref == new.ref):
            return
        if old.commit != new.commit or old.ref != new.ref:
            self.engine.append([trusted.adopted(old, new, reason)])
        self._moved_reported = None

    def _trusted_moved(self) -> None:
        """The trusted ref moved to a revision whose rules differ: say so once, before any
        reload adopts them."""
        state = self.engine.state
        if state is None or state.trusted is None:
            return
        now = trusted.peek(self.engine.common_dir, self.engine.root)
        seen = state.trusted
        if now is None or now == (seen.ref, seen.commit) or now[1] == self._moved_reported:
            return
        self._moved_reported = now[1]
        new = trusted.discover(self.engine.root)
        if new is not None and new.blob != seen.blob:
            self.engine.append([trusted.moved(state.trusted, new)])
        # judged now (the remote asked), not at the next HEAD move: until then the other
        # layers keep the revision in force (view.py); a pull's own HEAD move usually wins
        self.request("reload", "the trusted ref moved", delay=0.5)

    def apply_plan(self, *, fresh: bool = True) -> None:
        """Schedule the plan's watches, check the kernel gave them, poll where it did not."""
        state = self.engine.state
        if state is None or self.watcher.observer is None:
            return
        if fresh:
            state.plan = make_plan(self.engine.root, state.baseline, state.protection)
        invalid, self._invalid = frozenset(self._invalid), set()
        problems = self.watcher.apply(state.plan, invalid, state.settings.max_watches)
        shortfall = self.watcher.coverage(state.plan, state.settings.max_watches)
        if problems or shortfall:
            reason = shortfall or ngettext(
                "{n} folder could not be watched", "{n} folders could not be watched", len(problems)
            ).format(n=len(problems))
            if problems:
                reason += f" ({'; '.join(problems[:3])})"
            if self.watcher.poller is None:
                log.error(
                    "DEGRADED: %s. Falling back to polling the %d protected paths every "
                    "%.1f s until watches are available again.",
                    reason,
                    len(state.baseline.entries),
                    state.settings.poll_interval,
                )
            self.watcher.degraded = reason
            self.watcher.start_polling(state.settings.poll_interval, self._poll_targets)
        elif self.watcher.poller is not None:
            log.warning("inotify coverage is complete again; polling stopped")
            self.watcher.stop_polling()
            self.watcher.degraded = None
        warning = self.watcher.headroom(state.plan)
        if warning:
            log.warning("%s", warning)

    def _poll_targets(self) -> tuple[list[str], list[str]]:
        state = self.engine.state
        if state is None:
            return [], []
        return list(state.baseline.entries), sorted(state.plan.flat | state.plan.recursive)

    def _follow_head(self) -> None:
        now = time.monotonic()
        if now < self._next_head:
            return
        self._next_head = now + HEAD_POLL
        self._trusted_moved()
        head = self.engine.current_head()
        state = self.engine.state
        if head is None:
            if not self.repo_missing:
                self.repo_missing = True
                log.error(
                    "the repository at %s is gone (no HEAD, no git dir); the daemon keeps "
                    "running and resumes if it comes back",
                    self.engine.root,
                )
            return
        if self.repo_missing:
            self.repo_missing = False
            log.warning("the repository is back; reloading")
            self.request("reload", "repository back")
        elif state is not None and head != state.baseline.head and self.reload("HEAD moved"):
            self.apply_plan(fresh=False)
            self._rescan(f"HEAD moved to {head[:12]}", "rescan")

    def _folders(self, folders: dict[str, str]) -> None:
        state = self.engine.state
        if state is None:
            return
        for rel, kind in folders.items():
            if kind == "changed":
                self.engine.scan_folder(rel, "rescan")
                continue
            if kind == "removed":
                for path in state.baseline.under(rel) if rel else ():
                    self.hints.add(path, False)
            if state.plan.affected_by(rel):
                if kind == "removed":
                    self._invalid.add(rel)
                self.request("replan", f"folder {rel or '.'} {kind}")

    def _git_busy(self, now: float) -> None:
        """git rewrites the worktree under `index.lock`, renames it to `index`, then moves HEAD:
        while the lock exists, and until the index is GIT_SETTLE old, HEAD may be about to move.
        (A small checkout finishes before its first event reaches us, so the lock alone misses
        it.) An agent's `git add` delays checks by at most GIT_SETTLE."""
        index = os.path.join(self.engine.git_dir, "index")
        if os.path.exists(index + ".lock"):
            self._busy_until = now + GIT_SETTLE
            return
        try:
            age = time.time() - os.stat(index).st_mtime
        except OSError:
            return
        if 0 <= age < GIT_SETTLE:
            self._busy_until = max(self._busy_until, now + GIT_SETTLE - age)

    def _check(self, ready: list[tuple[str, str]]) -> None:
        now = time.monotonic()
        self._git_busy(now)
        if now < self._busy_until:
            if self._busy_since is None:
                self._busy_since = now
            held = now - self._busy_since
            if held < GIT_HOLD:
                self.hints.requeue(ready, 0.05)
                self._next_ready = now + 0.05
                return
            if held - GIT_HOLD < 0.1:
                log.warning(
                    "git's index.lock has held checks back for %.1f s: checking anyway (a "
                    "stale lock never postpones a check longer; restores wait for git)",
                    held,
                )
        else:
            self._busy_since = None
            self._busy_until = 0.0
        if self.engine.head_moved():
            self._next_head = 0.0
            self._follow_head()
        for rel, origin in ready:
            self.check(rel, origin)

    def check(self, rel: str, origin: str) -> None:
        """One path; a bug on one path must not cost the others their check."""
        try:
            self.engine.check(rel, origin)
        except Exception:
            self.engine.counts["errors"] += 1
            log.exception("checking %s failed", rel)

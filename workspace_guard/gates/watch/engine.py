"""The daemon's judgement: is what is on disk at a protected path what HEAD has, and if not,
was it authorised? Everything that decides goes through `check`, whatever noticed the path (an
event, a rescan, the startup reconcile), so there is one answer however a change was seen.

`known` remembers the state each path was last reported (or authorised) in, and is kept on disk,
so a restart does not report the same change twice while a change made while the daemon was
down is reported once, at startup. `own` remembers what our restores wrote, so they never
trigger a report of their own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workspace_guard.core.decide import Decider
from workspace_guard.core.model import Rules
from workspace_guard.errors import ConfigError, GuardError
from workspace_guard.gates.watch import lifecycle
from workspace_guard.gates.watch import manifest as watch_manifest
from workspace_guard.gates.watch import respond as watch_respond
from workspace_guard.gates.watch.baseline import (
    Baseline,
    Entry,
    Options,
    Protection,
    Settings,
    load_baseline,
)
from workspace_guard.gates.watch.fs import MISSING, Observation, observe, stat_key
from workspace_guard.gates.watch.internals import Internals
from workspace_guard.gates.watch.plan import Plan, make_plan
from workspace_guard.gates.watch.provenance import LedgerView
from workspace_guard.gates.watch.restore import Restorer
from workspace_guard.gates.watch.trusted import Seen, of_repo

log = logging.getLogger("workspace_guard.watch")
MANIFEST = "watch-manifest.json"
RULES_PATH = ".workspace/rules.yaml"
GIT_WAIT = 30.0  # seconds a change git itself could have made waits for git's index.lock


@dataclass(frozen=True)
class Place:
    """Where the repository lives: the worktree, its git dir, the common dir, our state dir."""

    root: str
    git_dir: str
    common_dir: str
    state_dir: str

    @classmethod
    def of(cls, repo: Any) -> Place:
        """From a `workspace_guard.repo.Repo`."""
        return cls(repo.root, repo.info.git_dir, repo.info.common_dir, repo.state_dir)


@dataclass
class State:
    """Everything derived from HEAD and the rules; replaced in one assignment on reload."""

    rules: Rules
    decider: Decider
    settings: Settings
    protection: Protection
    baseline: Baseline
    plan: Plan
    rules_note: str | None = None  # set while the rules at HEAD are broken
    trusted: Seen | None = None  # the trusted revision the rules came from (watch/trusted.py)


class Engine:
    """State plus the check; used by the worker thread only (no locking needed)."""

    def __init__(
        self,
        place: Place,
        rules_option: str | None,
        options: Options,
        umask: int,
        manifest: str = MANIFEST,
    ) -> None:
        self.root = place.root
        self.git_dir = place.git_dir
        self.common_dir = place.common_dir
        self.state_dir = place.state_dir
        self.rules_option = rules_option
        self.options = options
        self.manifest = manifest
        self.incidents_root: str | None = None  # a linked worktree's reports go to the main one
        self.restorer = Restorer(place.root, place.state_dir, umask)
        self.state: State | None = None
        self.known: dict[str, str] = {}
        self.past = lifecycle.History()
        self.waiting: dict[str, tuple[float, str]] = {}  # rel → (deadline, origin)
        self.ledger = LedgerView(place.state_dir)
        self.own: dict[str, str] = {}
        self.linked: dict[str, tuple[int, ...] | None] = {}  # rel → stat key (see _track_links)
        self.deferred: dict[str, tuple[Any, dict[str, Any]]] = {}  # restores waiting for git
        self.git_held: dict[str, float] = {}  # rel → until when a git-plausible change may wait
        self._blobs: dict[str, bool] = {}
        self._keys: dict[str, tuple[int, ...] | None] = {}  # rel → stat key its check judged
        self._trickle_order: list[str] = []
        self._trickle_head: str | None = None
        self._trickle_at = 0
        self.epoch = 0
        self.good_head: str | None = None
        # trusted moves refused: (ref, commit) → (when the remote was asked, why)
        self.refused: dict[tuple[str | None, str | None], tuple[float, str]] = {}
        self.counts = {
            "detected": 0,
            "restored": 0,
            "authorised": 0,
            "rescans": 0,
            "overflows": 0,
            "errors": 0,
        }
        self.last_rescan: dict[str, Any] = {}
        self._manifest_dirty = False
        self._load_manifest()
        self.internals = Internals(self)
        from workspace_guard.gates.watch.view import View

        self.view = View(self)  # the revision in force, for the other layers
        from workspace_guard.gates.watch.judged import Judged

        self.judged = Judged()  # heads accepted, and pins of heads whose commits fail

    # -- state ----------------------------------------------------------------------------------

    def load_state(self) -> State:
        """Rules (trusted: as committed at HEAD), baseline and plan for the current HEAD.

        Broken rules in a new commit keep the last good rules (and say so); anything else that
        fails raises, and the caller keeps the previous state whole.
        """
        from workspace_guard import trust_root
        from workspace_guard.repo import Repo

        with trust_root.raw:  # the ref itself: this daemon judges its moves
            repo = Repo.discover(self.root, self.rules_option)
        head = repo.info.head
        if not head:
            from workspace_guard.i18n import _

            raise ConfigError(
                _(
                    "nothing is committed at HEAD: the daemon compares protected files with their "
                    "committed version"
                ),
                hint=_("commit the workspace first"),
            )
        rules, note = self._rules(repo)
        seen = None if self.rules_option else of_repo(repo)
        if note is None:
            self.good_head = head
        rules, seen, note = self._trusted(repo, rules, seen, note)
        decider = Decider(rules)
        settings = Settings.build(rules, self.incidents_root or self.root, self.options)
        protection = Protection(decider, settings, self.root)
        baseline = load_baseline(self.root, head, protection, RULES_PATH)
        previous = self.state.baseline if self.state is not None else None
        unjudged = self.judged.apply(  # unjudged commits' protected changes stay edits
            self.root, repo, rules, baseline, seen=seen, previous=previous, protection=protection
        )
        if unjudged is not None:
            self.append([{**unjudged, "worktree": self.root}])
        plan = make_plan(self.root, baseline, protection)
        return State(rules, decider, settings, protection, baseline, plan, note, seen)

    def _rules(self, repo: Any) -> tuple[Rules, str | None]:
        try:
            rules: Rules = repo.load_rules()
            for warning in repo.warnings:
                log.warning("%s", warning)
            return rules, None
        except GuardError as exc:
            previous = self.state.rules if self.state else None
            if previous is None and self.good_head and not self.rules_option:
                previous = repo.rules_at(self.good_head)
            if previous is None:
                raise
            from workspace_guard.i18n import _

            note = _(
                "the rules are broken, so the last good rules (from {commit}) stay in force: "
                "{error}"
            ).format(commit=(self.good_head or "?")[:12], error=exc.message)
            log.error("%s", note)
            return previous, note

    def _trusted(
        self, repo: Any, rules: Rules, seen: Seen | None, note: str | None
    ) -> tuple[Rules, Seen | None, str | None]:
        """The rules in force after a reload (`trusted.in_force`)."""
        from workspace_guard.gates.watch import trusted

        return trusted.in_force(self, repo, rules, seen, note)

    # -- the check ------------------------------------------------------------------------------

    def check(self, rel: str, origin: str) -> None:
        """Compare `rel` with HEAD and respond to a change nobody reported yet."""
        state = self.state
        if state is None or not rel or not os.path.isdir(self.git_dir):
            return  # no judgement without a repository (it is being deleted, or moved away)
        if not os.path.lexists(os.path.join(self.root, ".git")):
            return  # the worktree itself is being removed (`git worktree remove`, rm -r)
        entry = state.baseline.entries.get(rel)
        rule = entry.rule if entry else state.protection.rule(rel)
        if rule is None:
            return
        found = observe(os.path.join(self.root, rel), state.baseline.algorithm)
        if entry is not None:  # the trickle's reference: the inode data judged just now
            self._keys[rel] = found.key
        self._track_links(rel, found)
        expected = entry.signature if entry else MISSING
        if found.signature == expected or (entry is None and found.kind == "dir"):
            self._forget(rel)
            return
        if self.known.get(rel) == found.signature or self.own.get(rel) == found.signature:
            self.waiting.pop(rel, None)
            return
        written = self._written(state, rel, entry, found)
        if written is None and (self._wait(rel, origin) or self._git_wait(rel, origin, found)):
            return
        self.waiting.pop(rel, None)
        finding = watch_respond.Finding(rel, rule, entry, found, origin)
        watch_respond.respond(self, state, finding, written)

    def _track_links(self, rel: str, found: Observation) -> None:
        """A file with more than one hard link can be written through a name outside every
        watched folder, which raises no event here: such files are polled (`linked_changed`)
        and checked by content with every batch of events."""
        if found.kind == "file" and found.links > 1:
            if rel not in self.linked:
                log.warning("%s has %d hard links: checked by content on every event", rel,
                            found.links)  # fmt: skip
            self.linked[rel] = found.key  # as of before the look: a later write differs
        else:
            self.linked.pop(rel, None)

    def trickle(self, budget: int) -> list[str]:
        """`budget` protected files' inode data (`stat_key`), in turn; those whose key differs
        from the one their last check judged (`check` records it, taken before the look). What
        sends no event under the narrowed mask — a chmod, a new hard link (then a write through
        it) — is found within one cycle, not the next rescan. A file no check has judged yet is
        checked, never taken as it is: a change made before its first turn (right after the
        startup reconcile) must be compared with HEAD, not become the reference."""
        state = self.state
        if state is None or not state.baseline.entries:
            return []
        if self._trickle_head != state.baseline.head:
            self._trickle_head = state.baseline.head
            self._trickle_order = list(state.baseline.entries)
            self._trickle_at = 0
        order, out = self._trickle_order, []
        for _ in range(min(budget, len(order))):
            rel = order[self._trickle_at % len(order)]
            self._trickle_at += 1
            key = stat_key(os.path.join(self.root, rel))
            if rel not in self._keys or self._keys[rel] != key:
                out.append(rel)  # checked (its check records the key it judged), and once:
            self._keys[rel] = key  # a check git's index.lock holds back is not asked again
        return out

    def git_writing(self) -> bool:
        """git holds the index lock (it may be rewriting the worktree right now)."""
        return os.path.exists(os.path.join(self.git_dir, "index.lock"))

    def retry_restores(self) -> None:
        """Restores deferred while git held index.lock (`respond.retry`)."""
        state = self.state
        if not self.deferred or state is None:
            return
        pending, self.deferred = self.deferred, {}
        for finding, details in pending.values():
            watch_respond.retry(self, state, finding, details)

    def linked_changed(self) -> list[str]:
        """Hard-linked protected files whose inode data changed since they were last checked."""
        return [
            rel
            for rel, key in list(self.linked.items())
            if stat_key(os.path.join(self.root, rel)) != key
        ]

    def _written(
        self, state: State, rel: str, entry: Entry | None, found: Observation
    ) -> dict[str, Any] | None:
        """The ledger record of an allowed write that left exactly `found` at `rel`, if any.

        A file's executable bit is not in the ledger, so a change of it is never accepted."""
        if found.kind not in ("file", "link", "missing"):
            return None
        committed = entry.signature if entry is not None else ""
        both_files = committed.startswith("file:") and found.kind == "file"
        if both_files and committed[-1] != found.signature[-1]:
            return None
        accepted = self.ledger.accepted(state.decider, rel, found.oid)
        if accepted is None and found.kind in ("file", "missing"):  # install's own write
            seq = self.internals.installed(rel, found.oid if found.kind == "file" else None)
            if seq is not None:
                return {"agent": None, "by": "install", "audit_seq": seq}
        return accepted

    def _wait(self, rel: str, origin: str) -> bool:
        """True while the harness may still be recording this write (`--ledger-wait`)."""
        wait = self.options.ledger_wait
        if wait <= 0:
            return False
        deadline, _ = self.waiting.setdefault(rel, (time.monotonic() + wait, origin))
        return time.monotonic() < deadline

    def _git_wait(self, rel: str, origin: str, found: Observation) -> bool:
        """True while git holds index.lock and what is there could be git's own doing: content
        git already has as a blob (a checkout writes nothing else), or a deletion. Such a change
        waits for git to let go (then HEAD may have moved), at most GIT_WAIT seconds; bytes git
        has never seen are judged at once, lock or not."""
        if not self.git_writing():
            self.git_held.pop(rel, None)
            return False
        plausible = found.kind == "missing" or (
            found.kind in ("file", "link") and self._known_blob(found.oid or "")
        )
        if not plausible:
            return False
        now = time.monotonic()
        until = self.git_held.setdefault(rel, now + GIT_WAIT)
        if now >= until:
            return False
        self.waiting[rel] = (min(until, now + 0.1), origin)
        return True

    def _known_blob(self, oid: str) -> bool:
        """Whether git's object store has this blob (cached: objects are never rewritten)."""
        from workspace_guard import git

        if oid not in self._blobs:
            proc = git.run(["cat-file", "-e", oid], self.root, check=False)
            self._blobs[oid] = proc.returncode == 0
        return self._blobs[oid]

    def due_waiting(self) -> list[tuple[str, str]]:
        """Paths to look at again: their wait is over, or the ledger grew meanwhile."""
        if not self.waiting:
            return []
        grew = self.ledger.refresh()
        now = time.monotonic()
        return [(rel, o) for rel, (at, o) in list(self.waiting.items()) if grew or at <= now]

    def next_waiting(self) -> float | None:
        """When the next wait ends (monotonic), if any path waits."""
        return min((at for at, _ in self.waiting.values()), default=None)

    def _forget(self, rel: str) -> None:
        self.own.pop(rel, None)
        self.git_held.pop(rel, None)
        self.waiting.pop(rel, None)
        if self.known.pop(rel, None) is not None:
            self._manifest_dirty = True

    def manifest_changed(self) -> None:
        self._manifest_dirty = True

    def append(self, records: list[dict[str, Any]]) -> None:
        """Audit records; a failure was printed on stderr with the records (never lost silently)."""
        if not watch_respond.append(self.common_dir, self.state_dir, records):
            self.counts["errors"] += 1
            log.error("the audit log could not be written; the record was printed on stderr")

    def head_moved(self) -> bool:
        state = self.state
        return state is not None and self.current_head() not in (None, state.baseline.head)

    def current_head(self) -> str | None:
        """HEAD's commit from the ref files (no exec); None when the repository is gone."""
        from workspace_guard import git

        found = git.read_head(self.git_dir)
        if found is not None:
            return found[1]
        if not os.path.isdir(self.git_dir):
            return None
        proc = git.run(["rev-parse", "-q", "--verify", "HEAD"], self.root, check=False)
        return proc.stdout.decode("ascii", "replace").strip() or None

    # -- rescans --------------------------------------------------------------------------------

    def new_epoch(self) -> None:
        """Something may have been missed (start, overflow, reload, dead thread, re-plan)."""
        self.epoch += 1
        self._manifest_dirty = True

    def rescan(
        self, reason: str, origin: str = "rescan", check: Callable[[str, str], None] | None = None
    ) -> None:
        """Check every protected path, every new file that matches a protected rule, and every
        path reported earlier (it may be back to normal)."""
        state = self.state
        if state is None:
            return
        started = time.monotonic()
        paths = list(state.baseline.entries)
        paths += [p for p in self.candidates(state) if p not in state.baseline.entries]
        paths += [p for p in list(self.known) if p not in state.baseline.entries]
        for rel in dict.fromkeys(paths):
            (check or self.check)(rel, origin)
        self.counts["rescans"] += 1
        self.last_rescan = {
            "ts": _iso(time.time()),
            "reason": reason,
            "epoch": self.epoch,
            "checked": len(paths),
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
        self.save_manifest()

    def candidates(self, state: State) -> list[str]:
        """Untracked files in watched folders that a protected rule covers."""
        out = []
        for folder, recursive in state.plan.schedules():
            out += self._protected_new(state, _files(self.root, folder, recursive))
        return out

    def scan_tree(self, rel: str, origin: str) -> None:
        """Check the files below a folder that just appeared (mkdir, then write at once)."""
        state = self.state
        if state is not None and os.path.isdir(os.path.join(self.root, rel)):
            for path in self._protected_new(state, _files(self.root, rel, True)):
                self.check(path, origin)

    def scan_folder(self, rel: str, origin: str) -> None:
        """Check the files of one folder (the poller saw its listing change)."""
        state = self.state
        if state is not None:
            for path in self._protected_new(state, _files(self.root, rel, False)):
                self.check(path, origin)

    @staticmethod
    def _protected_new(state: State, paths: list[str]) -> list[str]:
        """The untracked protected files among `paths` (batch matching: 50k in ~0.1 s)."""
        entries = state.baseline.entries
        return [p for p in state.protection.protected(paths, tracked=False) if p not in entries]

    # -- manifest -------------------------------------------------------------------------------

    def _load_manifest(self) -> None:
        watch_manifest.load(self)

    def save_manifest(self) -> None:
        """Keep what was reported across restarts (best effort: a full disk is logged)."""
        watch_manifest.save(self)


def _files(root: str, folder: str, recursive: bool) -> list[str]:
    """Repository-relative non-directory entries of a watched folder."""
    base = os.path.join(root, folder) if folder else root
    out: list[str] = []
    for top, dirs, files in os.walk(base):
        rel_top = os.path.relpath(top, root)
        prefix = "" if rel_top == "." else rel_top + "/"
        out.extend(prefix + name for name in files)
        out.extend(prefix + d for d in dirs if os.path.islink(os.path.join(top, d)))
        if not recursive:
            break
        dirs[:] = [d for d in dirs if not (prefix == "" and d == ".git")]
    return out


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + "Z"

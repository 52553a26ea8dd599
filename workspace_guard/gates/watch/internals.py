"""git's own machinery and our state: the hooks, the config, the state dir.

An agent that rewrites `.git/hooks/pre-commit`, sets `core.hooksPath` in `.git/config`, edits
the audit log or the provenance ledger (where approvals live) routes around every other layer.
The daemon looks at these every 250 ms (a `stat` each; the content only when the stat changed)
and treats a change that workspace-guard did not make as a violation: an audit record
(`layer: watch`, `action: detected`, `area: hooks|config|state`), an incident report, and for
hooks the previous content put back (the unauthorised one kept in quarantine).

What counts as workspace-guard's own write is decided by content and by the audit chain, never by
a file an agent could write:

- a hook is ours when its bytes are exactly what `install` writes for that hook name;
- the audit log and the provenance ledger may only grow by records that continue their hash
  chains (a cut, an edit or a replaced file is reported);
- the daemon's own files (status, manifest, lock, log, quarantine) are its own.

The blob ids of the hooks and the config go into every `started`/`stopped` audit record, and
the hooks' bytes into git's object store (`git hash-object -w`): a change made while the daemon
was down is reported at the next start, and a hook can be put back from git objects.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workspace_guard import git
from workspace_guard.gates.watch import configfiles, gitconfig
from workspace_guard.gates.watch.fs import blob_id, stat_key
from workspace_guard.gates.watch.hookfiles import hooks_dir, object_bytes, same_hook
from workspace_guard.i18n import _, strerror
from workspace_guard.state import chain

if TYPE_CHECKING:
    from workspace_guard.gates.watch.engine import Engine

log = logging.getLogger("workspace_guard.watch")
POLL = 0.25
CHAINED = ("audit.jsonl", "ledger.jsonl")


@dataclass
class Snap:
    """One file as last accepted: stat key, blob id, bytes (None: absent)."""

    key: tuple[int, ...] | None
    blob: str | None
    data: bytes | None
    mode: int = 0o755


@dataclass
class Tail:
    """How far a chained log was verified: its inode, size, last hash and seq."""

    ino: int = 0
    size: int = 0
    prev: str = chain.GENESIS
    seq: int = 0
    broken: bool = False


EMPTY = Snap(None, None, None)  # a config file not seen yet: everything in it is new


def read_snap(path: str) -> Snap:
    key = stat_key(path)
    if key is None:
        return Snap(None, None, None)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        return Snap(key, "unreadable", None)
    return Snap(key, blob_id(data), data, mode)


class Internals:
    """Polls the hooks, the config and the state dir; judges a change; restores hooks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.root = engine.root
        self.state_dir = engine.state_dir
        self.hooks_dir = hooks_dir(engine.root, engine.common_dir)
        # the repository's, every worktree's, global, system and included (configfiles.py)
        self.cfg = configfiles.Files(engine.common_dir, engine.git_dir)
        self.globals = self.cfg.globals
        self.expected = gitconfig.Expected()  # what `install` announced on the audit chain
        self.floor = engine.past.internals_seq  # announcements before it are spent
        from workspace_guard.gates.watch.statefiles import StateFiles

        self.files = StateFiles(self)  # claims, program, rules cache
        from workspace_guard.gates.watch.selfinstall import Installation

        self.install = Installation(engine)  # the hooks' own code (selfinstall.py)
        self.hooks: dict[str, Snap] = {}
        self.config: dict[str, Snap] = {}
        self.tails: dict[str, Tail] = {}
        self._hooks_key: tuple[int, ...] | None = None
        self._ours: str | None = None  # the hook content `install` writes (computed once)
        self._next = 0.0
        self.taken = False
        self.started = False
        self.lost = False

    # -- the snapshot ---------------------------------------------------------------------------

    def snapshot(self) -> None:
        """What is there now (judged by `start`)."""
        self._hooks_key = stat_key(self.hooks_dir)
        self.hooks = {n: read_snap(os.path.join(self.hooks_dir, n)) for n in self._hook_names()}
        self.config = {path: read_snap(path) for path in self.cfg.kind}
        for path, snap in list(self.config.items()):
            self.config.update({t: read_snap(t) for t in self.cfg.follow(path, snap.data)})
        self.taken = True

    def start(self, recorded: dict[str, Any] | None) -> None:
        """Report what differs from the last recorded summary (changed while the daemon was
        down), verify the chained logs, and start polling."""
        if not self.taken:
            self.snapshot()
        for name in CHAINED:
            self.tails[name] = self._verify_whole(name, report=True, origin="startup")
        if recorded:
            self._since(recorded)
        self._store_hooks()
        self.files.start()
        if self.engine.incidents_root is None:  # the main unit only
            self.install.start()
        self.started = True

    def summary(self) -> dict[str, str | None]:
        """Blob ids for the lifecycle records (`hooks/NAME`, `config`, `config.worktree`)."""
        out: dict[str, str | None] = {f"hooks/{n}": s.blob for n, s in self.hooks.items()}
        for path, snap in self.config.items():
            out[self._config_name(path)] = snap.blob
        return out

    def _config_name(self, path: str) -> str:
        return self.cfg.name(path)

    def _since(self, recorded: dict[str, Any]) -> None:
        """Differences between the last recorded summary and what is there now."""
        for name, snap in list(self.hooks.items()):
            before = recorded.get(f"hooks/{name}")
            if before != snap.blob and not self._ours_hook(name, snap):
                old = object_bytes(self.root, before) if isinstance(before, str) else None
                self._hook_violation(name, Snap(None, before, old), snap, "startup")
        for name, before in recorded.items():
            if name.startswith("hooks/") and before and name[6:] not in self.hooks:
                old = object_bytes(self.root, str(before))
                self._hook_violation(name[6:], Snap(None, str(before), old), read_snap(
                    os.path.join(self.hooks_dir, name[6:])), "startup")  # fmt: skip
        for path, snap in list(self.config.items()):
            name = self._config_name(path)
            before = recorded.get(name)
            if name in recorded and before != snap.blob:
                old = object_bytes(self.root, before) if isinstance(before, str) else None
                known = old is not None or before is None
                self.config[path] = self._config_violation(
                    path, Snap(None, before, old if known else None), snap, "startup", known=known
                )

    def _store_hooks(self) -> None:
        """The hooks' and the config files' bytes into git's object store, so a later start can
        put a hook back and tell which config keys changed."""
        snaps = [(os.path.join(self.hooks_dir, n), s) for n, s in self.hooks.items()]
        snaps += list(self.config.items())
        paths = [path for path, snap in snaps if snap.data is not None and "\n" not in path]
        for path, snap in snaps:
            if snap.data is not None and "\n" in path:  # a name --stdin-paths cannot carry
                git.run(["hash-object", "-w", "--stdin"], self.root, input=snap.data, check=False)
        if paths:  # one git for all (a start waits for it)
            listing = "".join(f"{p}\n" for p in paths).encode("utf-8", "surrogateescape")
            git.run(["hash-object", "-w", "--stdin-paths"], self.root, input=listing, check=False)

    # -- polling --------------------------------------------------------------------------------

    def poll(self, force: bool = False) -> None:
        """Stat everything (every POLL seconds, or now); judge what changed."""
        now = time.monotonic()
        if not self.started or (now < self._next and not force):
            return
        self._next = now + POLL
        if not os.path.isdir(self.engine.common_dir) or not os.path.isdir(self.root):
            self.lost = True  # the repository is gone: nothing to judge, nothing to re-create
            return
        if self.lost:  # it came back: what is there now is the new starting point
            self.lost = False
            self.snapshot()
            self.tails = {n: self._verify_whole(n, report=False, origin="event") for n in CHAINED}
            return
        self._poll_hooks()
        for name in CHAINED:  # first: what `install` announced before writing the config
            self._poll_chain(name, full=force)
        for path in self.cfg.new_worktrees():  # a new worktree: its config.worktree is new
            self.config[path] = Snap(None, None, None)
        for path, snap in list(self.config.items()):
            found = read_snap(path) if stat_key(path) != snap.key else snap
            if found.blob != snap.blob:
                found = self._config_violation(path, snap, found, "event")
                self._store_config(found)
                # a file first named now is judged from its first bytes, never taken as a
                # baseline: it may have been prepared before the key that names it
                self.config.update({t: EMPTY for t in self.cfg.follow(path, found.data)})
            self.config[path] = found
        self.files.poll()
        self.install.poll()

    def _store_config(self, snap: Snap) -> None:
        if snap.data is not None:
            git.run(["hash-object", "-w", "--stdin"], self.root, input=snap.data, check=False)

    def _poll_hooks(self) -> None:
        key = stat_key(self.hooks_dir)
        names = self._hook_names() if key != self._hooks_key else list(self.hooks)
        self._hooks_key = key
        for name in dict.fromkeys([*self.hooks, *names]):
            path = os.path.join(self.hooks_dir, name)
            old = self.hooks.get(name, Snap(None, None, None))
            if stat_key(path) == old.key:
                continue
            found = read_snap(path)
            if found.blob == old.blob:
                self.hooks[name] = found
            elif self._ours_hook(name, found):
                log.info("hook %s rewritten by workspace-guard install", name)
                self.hooks[name] = found
                self._store_hooks()
            else:
                self._hook_violation(name, old, found, "event")

    def _hook_names(self) -> list[str]:
        try:
            return sorted(n for n in os.listdir(self.hooks_dir) if not n.endswith(".sample"))
        except OSError:
            return []

    def _ours_hook(self, name: str, snap: Snap) -> bool:
        from workspace_guard.commands import install

        if name not in install.CLIENT_HOOKS or snap.data is None:
            return False
        if self._ours is None:
            self._ours = install.render()
        return same_hook(snap.data.decode("utf-8", "replace"), self._ours)

    # -- violations -----------------------------------------------------------------------------

    def _hook_violation(self, name: str, old: Snap, found: Snap, origin: str) -> None:
        path = os.path.join(self.hooks_dir, name)
        change = _change(old, found)
        kept, restored, note = self._put_back(path, old, found)
        self.hooks[name] = read_snap(path) if restored else found
        if restored and old.data is None:
            self.hooks.pop(name, None)
        extra = {"quarantine": kept, "restored": restored}
        self._report("hooks", path, change, old.blob, found.blob, origin, note, **extra)

    def _put_back(self, path: str, old: Snap, found: Snap) -> tuple[str | None, bool, str | None]:
        """Keep the unauthorised hook, then write back the accepted one (or remove a new one)."""
        from workspace_guard.fsutil import atomic_write
        from workspace_guard.state import quarantine

        if old.blob is not None and old.data is None:
            return None, False, "the previous hook's bytes are not available"
        kept = None
        try:
            if found.data is not None:
                kept = quarantine.keep_bytes(self.state_dir, _rel(self.root, path), found.data)
            if old.data is None:
                if os.path.lexists(path):
                    os.unlink(path)
            else:
                atomic_write(path, old.data, mode=old.mode)
        except OSError as exc:
            log.error("could not restore the hook %s: %s", path, strerror(exc))
            return kept, False, f"restore failed: {strerror(exc)}"
        return kept, True, None

    def _config_violation(
        self,
        path: str,
        old: Snap,
        found: Snap,
        origin: str,
        *,
        known: bool = True,
        depth: int = 0,
        accepted: dict[str, list[str]] | None = None,
    ) -> Snap:
        """Judge a config change by content: only keys that matter to enforcement
        (gitconfig.ENFORCEMENT, `!` aliases) and that `install` did not announce are a
        violation; they get their previous values back (a deleted repository config comes back
        whole). The snapshot to keep (what is there after our own write)."""
        after = gitconfig.values(found.data)
        if not known:  # the previous bytes are gone: judge what is there
            bad = gitconfig.dangerous_keys(after)
            if bad:
                why = "the previous content is not known; enforcement keys present"
                self._report("config", path, _change(old, found), old.blob, found.blob, origin,
                             why, keys=bad, **self.cfg.where(path))  # fmt: skip
            return found
        before = gitconfig.values(old.data)
        bad = gitconfig.violations(before, after, self.expected)
        # a key install's announcement covered in this change, judged again after our put-back
        # of another key (its announcement is spent): still install's while its value stands
        bad = [k for k in bad if (accepted or {}).get(k, [None]) != after.get(k, [])]
        other = [k for k in gitconfig.changed(before, after) if k not in bad]
        if not bad:
            if other:
                log.info("config %s: %s changed (no enforcement key)", path, ", ".join(other))
            return found
        note = configfiles.undo(path, old, found, before, bad)
        self._report(
            "config", path, _change(old, found), old.blob, found.blob, origin, note,
            keys=bad, other_keys=other or None, restored_keys=bad if note is None else None,
            **self.cfg.where(path),
        )  # fmt: skip
        if note is not None:
            return found
        fixed = read_snap(path)  # a write racing the put-back is judged, not taken as baseline
        again = gitconfig.violations(before, gitconfig.values(fixed.data), self.expected)
        kept = {**(accepted or {}), **{k: after.get(k, []) for k in other}}
        again = [k for k in again if kept.get(k, [None]) != gitconfig.values(fixed.data).get(k, [])]
        if again and depth < 3:
            return self._config_violation(path, old, fixed, origin, depth=depth + 1, accepted=kept)
        return fixed

    def _report(  # noqa: PLR0917 - one call shape for the three areas
        self,
        area: str,
        path: str,
        change: str,
        before: str | None,
        after: str | None,
        origin: str,
        note: str | None,
        **extra: Any,
    ) -> None:
        from workspace_guard.gates.watch import incident

        rel = path if self.cfg.outside(path) else _rel(self.root, path)
        state = self.engine.state
        escalation = state.rules.escalation if state is not None else None
        self.engine.append(
            [
                {
                    "layer": "watch",
                    "agent": None,
                    "path": rel,
                    "owner": None,
                    "level": "critical",
                    "action": "detected",
                    "escalate_to": escalation,
                    "area": area,
                    "change": change,
                    "detected_by": origin,
                    "sha_before": before,
                    "sha_after": after,
                    **({"note": note} if note else {}),
                    **{k: v for k, v in extra.items() if v is not None},
                }
            ]
        )
        self.engine.counts["detected"] += 1
        log.warning("violation: %s %s (%s) detected by %s", rel, change, area, origin)
        if state is None:
            return
        facts = incident.git_file_facts(rel, area, change, (before, after), note=note, **extra)
        title = _("`{path}` changed").format(path=rel)
        incident.note(state.settings.incidents_dir, rel, title, facts, escalation or "")

    # -- the state dir --------------------------------------------------------------------------

    def _poll_chain(self, name: str, *, full: bool) -> None:
        tail = self.tails.get(name) or Tail()
        path = os.path.join(self.state_dir, name)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            if tail.size and not tail.broken:
                self._chain_violation(name, "deleted", "the log was deleted")
                self.tails[name] = Tail(broken=True)
            return
        if full or info.st_ino != tail.ino or info.st_size < tail.size:
            if tail.broken and info.st_ino == tail.ino and not full:
                return
            self.tails[name] = self._verify_whole(  # a log made after the start: all new
                name, report=not tail.broken, origin="event", fresh=not tail.ino and not tail.broken
            )
            return
        if info.st_size == tail.size or tail.broken:
            return
        with open(path, "rb") as handle:
            handle.seek(tail.size)
            data = handle.read(info.st_size - tail.size)
        complete = data.rpartition(b"\n")[0]
        if not complete:
            return
        for raw in complete.split(b"\n"):
            problem, tail.prev, tail.seq = chain._check_line(raw, tail.prev, tail.seq)
            if problem:
                tail.broken = True
                self._chain_violation(name, "modified", problem)
                return
            self._announced(name, raw, tail.seq)
        tail.size += len(complete) + 1

    def _announced(self, name: str, raw: bytes, seq: int, since: int = 0) -> None:
        """An audit record other judgements need: an `install` announcement of a config write
        (state/announce; only those after `since`), a claim made or released (statefiles)."""
        if name != CHAINED[0]:
            return
        install, claims = b'"install"' in raw and seq > since, b'"claims"' in raw
        denials = b'"denied"' in raw or b'"consulted"' in raw  # escalation counts
        if install or claims or denials:
            import json

            record = json.loads(raw)
            if install:
                self.expected.note(record, seq)
            if claims:
                self.files.chain.note(record)
            if denials:
                self.files.denials.note(record)

    def installed(self, rel: str, blob: str | None) -> int | None:
        """The audit seq of `install`'s announcement of exactly this content at `rel` (read the
        audit log's new records first: the announcement precedes the write), once."""
        if self.started:
            self._poll_chain(CHAINED[0], full=False)
        return self.expected.take_file(rel, blob)

    def _verify_whole(self, name: str, *, report: bool, origin: str, fresh: bool = False) -> Tail:
        path = os.path.join(self.state_dir, name)
        tail = Tail()
        if name == CHAINED[0]:
            self.files.chain.clear()  # read again from the top
            self.files.denials.clear()
        try:
            handle = open(path, "rb")  # noqa: SIM115
        except OSError:
            return tail
        with handle:
            tail.ino = os.fstat(handle.fileno()).st_ino
            for number, raw in enumerate(handle, 1):
                if not raw.endswith(b"\n"):
                    break  # an append in progress
                problem, tail.prev, tail.seq = chain._check_line(raw, tail.prev, tail.seq)
                if problem:
                    tail.broken = True
                    if report:
                        self._chain_violation(name, "modified", f"line {number}: {problem}", origin)
                    return tail
                tail.size += len(raw)
                floor = self.floor if origin == "startup" or fresh else tail.seq  # install's
                self._announced(name, raw, tail.seq, floor)
        head = chain._read_head(self.state_dir, _log(name))
        if head is not None and head[1] > tail.seq:
            tail.broken = True
            if report:
                why = _("the log ends at record {last} but record {written} was written").format(
                    last=tail.seq, written=head[1]
                )
                self._chain_violation(name, "truncated", why, origin)
        return tail

    def _chain_violation(self, name: str, change: str, why: str, origin: str = "event") -> None:
        path = os.path.join(self.state_dir, name)
        self._report("state", path, change, None, None, origin, why)


def _log(name: str) -> chain.Log:
    from workspace_guard.state import audit, ledger

    return audit.AUDIT if name == audit.AUDIT_FILE else ledger.LEDGER


def _change(old: Snap, found: Snap) -> str:
    if old.blob is None:
        return "created"
    return "deleted" if found.blob is None else "modified"


def _rel(root: str, path: str) -> str:
    return os.path.relpath(path, root)

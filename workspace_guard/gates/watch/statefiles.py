"""The state files other layers trust, judged against what workspace-guard itself wrote.

Besides the hash-chained logs (internals), the state dir holds files that decide: the claims
(`claims.json`: every layer denies another agent's write to a claimed path), the `program` file
the committed harness launcher runs, and the compiled-rules cache. A change made by any process
but workspace-guard is a violation (`area: state`), audited and reported; what "known good"
means depends on the file:

- `claims.json`: workspace-guard's own content is what the last claims change sealed on the
  audit chain (state/claims_log: the whole list and the SHA-256 of the file it wrote), which is
  also the known good, written back in the same encoding. For a chain without sealed records:
  the live claims it records (`claimed`, then `released` / `broken`), matched by id, agent,
  pattern and expiry; known good is the file's claims the chain explains plus the chain's live
  claims it lacks (rebuilt exclusive: the stricter reading).
- `program`: one line naming this machine's workspace-guard (what `install --claude` writes);
  known good is that line.
- `cache/head-*`, `cache/rules-*-blob-*`: an entry whose keyed tag verifies and, for
  `head-<commit>`, whose blob is the rules blob git has at that commit. Known good needs no
  copy: the entry is removed (kept in quarantine) and the next reader rebuilds it from git.

A change to `claims.json` gets `GRACE` seconds for its audit record (`claim` writes the file,
then the record). While the audit chain is broken, claims are reported, never rewritten.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workspace_guard.gates.watch.fs import STALE, look, settled, stat_key
from workspace_guard.gates.watch.harnessfiles import CLIENT, DENIALS, Client, Denials
from workspace_guard.i18n import strerror

if TYPE_CHECKING:
    from workspace_guard.gates.watch.internals import Internals

log = logging.getLogger("workspace_guard.watch")
GRACE = 2.0
CLAIMS = "claims.json"
PROGRAM = "program"
CACHE = "cache"
TRICKLE = 64  # cache entries stat'ed per poll


@dataclass
class Seen:
    key: tuple[int, ...] | None
    since: float = 0.0  # when an unexplained content was first seen (0: explained)


class ClaimsChain:
    """Live claims as the audit chain records them: id → (agent, pattern, until)."""

    def __init__(self) -> None:
        self.claims: dict[str, tuple[str, str, float]] = {}
        self.sealed: tuple[str, list[dict[str, Any]]] | None = None  # (claims_sha, claims)

    def clear(self) -> None:
        self.claims.clear()
        self.sealed = None

    def note(self, record: dict[str, Any]) -> None:
        if record.get("layer") != "claims":
            return
        items, sha = record.get("claims"), record.get("claims_sha")
        if isinstance(items, list) and isinstance(sha, str):  # state/claims_log: the whole list
            self.sealed = (sha, [i for i in items if isinstance(i, dict)])
        ident, action = str(record.get("id")), record.get("action")
        if action == "claimed":
            owner, pattern, until = record.get("owner"), record.get("path"), record.get("until")
            texts = isinstance(owner, str) and isinstance(pattern, str)
            if texts and isinstance(until, (int, float)):
                self.claims[ident] = (str(owner), str(pattern), float(until))
        elif action in ("released", "broken"):
            self.claims.pop(ident, None)

    def live(self, now: float) -> dict[str, tuple[str, str, float]]:
        return {i: c for i, c in self.claims.items() if c[2] > now}


class StateFiles:
    """Polls the decisive state files (with the internals' 250 ms poll)."""

    def __init__(self, internals: Internals) -> None:
        self.internals = internals
        self.state_dir = internals.state_dir
        self.chain = ClaimsChain()
        self.seen: dict[str, Seen] = {}
        self.had_program = False
        self.key: bytes | None = None  # the rules cache's tag key, as first seen
        self.names: list[str] = []  # the cache's entries
        self._truth: dict[str, str] = {}  # commit → its rules blob ("-": none), this poll
        self.turn = 0
        self.client = Client()
        self.client_ok: bytes | None = None  # the client last found or built (ours)
        self.denials = Denials()

    def path(self, name: str) -> str:
        return os.path.join(self.state_dir, name)

    def start(self) -> None:
        self.had_program = os.path.exists(self.path(PROGRAM))
        self.poll("startup")

    def poll(self, origin: str = "event") -> None:
        judges = {
            CLAIMS: self._judge_claims,
            PROGRAM: self._judge_program,
            CLIENT: self._judge_client,
            DENIALS: self._judge_denials,
        }
        for name, judge in judges.items():
            seen = self.seen.setdefault(name, Seen(None))
            key = stat_key(self.path(name))
            if key != seen.key or seen.since:
                seen.key = key
                judge(origin, seen)
        self._poll_cache(origin)

    # -- claims -----------------------------------------------------------------------------

    def _judge_claims(self, origin: str, seen: Seen) -> None:
        from workspace_guard.state import claims as state_claims

        path = self.path(CLAIMS)
        data = _read(path)
        now = time.time()
        try:
            found = state_claims.parse(data, path) if data is not None else []
        except state_claims.ClaimsCorrupt:
            found = None
        sealed = self.chain.sealed
        if sealed is not None and data is not None and _sha(data) == sealed[0]:
            seen.since = 0.0
            return  # exactly what the last claims change recorded it would write
        expected = self.chain.live(now)
        if sealed is not None:
            expected = {str(i.get("id")): _fields(i) for i in sealed[1]}
            expected = {i: c for i, c in expected.items() if c[2] > now}
        live = {c.id: c for c in found or [] if c.live(now)}
        forged = [i for i, c in live.items() if expected.get(i) != (c.agent, c.pattern, c.until)]
        if sealed is not None:  # every field counts (`shared` turns a lock into a notice)
            whole = {str(i.get("id")): i for i in sealed[1]}
            forged = [i for i, c in live.items() if whole.get(i) != c.to_json()]
        missing = [i for i in expected if i not in live]
        if found is not None and not forged and not missing:
            seen.since = 0.0
            return
        if origin != "startup" and not seen.since:
            seen.since = time.monotonic()
        if origin != "startup" and time.monotonic() - seen.since < GRACE:
            return  # `claim` writes the file first, then its audit record
        seen.since = 0.0
        kept = self._keep(CLAIMS, data)
        wrote = None
        if not self._chain_broken():
            keep = [c.to_json() for c in found or [] if c.id in live and c.id not in forged]
            rebuild = missing
            if sealed is not None:
                keep, rebuild = [i for i in sealed[1] if str(i.get("id")) in expected], []
            wrote = self._rewrite_claims(keep, rebuild, expected)
        restored = wrote is not None
        seen.key = settled(path, wrote if restored else data)
        why = None if found is not None else "the file is not a list of claims"
        self._report(CLAIMS, origin, kept, restored, claims_forged=forged or None,
                     claims_missing=missing or None, note=why)  # fmt: skip

    def _chain_broken(self) -> bool:
        tail = self.internals.tails.get("audit.jsonl")
        return bool(tail and tail.broken)

    def _rewrite_claims(
        self,
        keep: list[dict[str, Any]],
        missing: list[str],
        expected: dict[str, tuple[str, str, float]],
    ) -> bytes | None:
        """Write the known-good list, in the encoding `claim` uses, under the claims lock; the
        bytes written (None: the write failed)."""
        import fcntl

        from workspace_guard.core.claims import Claim
        from workspace_guard.fsutil import atomic_write
        from workspace_guard.state import claims_log

        rebuilt = [
            Claim(id=i, agent=expected[i][0], pattern=expected[i][1], until=expected[i][2])
            for i in missing
        ]
        items = [*keep, *(c.to_json() for c in rebuilt)]
        path, data = self.path(CLAIMS), claims_log.encode(items)
        try:
            with open(path + ".lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                atomic_write(path, data)
        except OSError as exc:
            log.error("could not restore %s: %s", CLAIMS, strerror(exc))
            return None
        return data

    # -- program ----------------------------------------------------------------------------

    def _judge_program(self, origin: str, seen: Seen) -> None:
        from workspace_guard.commands.harness_install import program

        path = self.path(PROGRAM)
        data = _read(path)
        ours = program()
        if data is None and not self.had_program:
            return
        if data is not None and _same_program(data, ours):
            self.had_program = True
            return
        kept = self._keep(PROGRAM, data)
        restored, line = True, (ours + "\n").encode()
        try:
            from workspace_guard.fsutil import atomic_write

            atomic_write(path, line)
        except OSError as exc:
            log.error("could not restore %s: %s", path, strerror(exc))
            restored = False
        seen.key = settled(path, line if restored else data)
        self._report(PROGRAM, origin, kept, restored, change="deleted" if data is None else None)

    # -- the harness's files (harnessfiles.py) ---------------------------------------------

    def _judge_client(self, origin: str, seen: Seen) -> None:
        path = self.path(CLIENT)
        data = _read(path)
        if data is None or data == self.client_ok or self.client.ours(data):
            self.client_ok = data
            return  # ours, or none (the launcher then asks the one-shot hook)
        kept = self._keep(CLIENT, data)
        with contextlib.suppress(OSError):
            os.unlink(path)
        restored = self.client.rebuild(self.state_dir)
        self.client_ok = None
        if restored:  # what the rebuild wrote, as its bytes say; not whatever is there by now
            key, now = look(path)
            if now is not None and self.client.ours(now):
                self.client_ok = now
            seen.key = key if self.client_ok is not None else STALE
        else:
            seen.key = settled(path, lambda now: now is None or now == data)
        why = "not the hook server's client the package builds on this machine"
        self._report(CLIENT, origin, kept, restored, note=why)

    def _judge_denials(self, origin: str, seen: Seen) -> None:
        """Against the audit chain's denials (harnessfiles.Denials), after `GRACE`: the gate
        rewrites the file after its denial record, but before its escalation record."""
        import json

        state = self.internals.engine.state
        path = self.path(DENIALS)
        data = _read(path)
        if state is None or (data is None and not self.denials.denied):
            return
        try:
            found = json.loads(data) if data is not None else []
        except ValueError:
            found = None
        good = isinstance(found, list) and all(isinstance(i, dict) for i in found)
        items: list[dict[str, Any]] = found if good and isinstance(found, list) else []
        try:
            forged, missing = self.denials.judge(items, state.rules, time.time())
        except Exception as exc:  # the rules' escalation settings: never stop the poll
            log.error("could not judge %s: %s", DENIALS, exc)
            return
        if good and not forged and not missing:
            seen.since = 0.0
            return
        if origin != "startup" and not seen.since:
            seen.since = time.monotonic()
        if origin != "startup" and time.monotonic() - seen.since < GRACE:
            return
        seen.since = 0.0
        kept = self._keep(DENIALS, data)
        keep = [item for n, item in enumerate(items) if n not in forged] + missing
        restored = self._rewrite_denials(keep)
        seen.key = settled(path, (lambda now: _json(now) == keep) if restored else data)
        why = None if good else "the file is not a list of denial counts"
        self._report(DENIALS, origin, kept, restored, note=why,
                     change="deleted" if data is None else None,
                     denials_forged=[items[n] for n in forged] or None,
                     denials_missing=missing or None)  # fmt: skip

    def _rewrite_denials(self, items: list[dict[str, Any]]) -> bool:
        """The known-good counts, under the lock the gate takes (state/jsonlist)."""
        from workspace_guard.state import jsonlist

        try:
            jsonlist.update(self.path(DENIALS), lambda _old: items)
        except OSError as exc:
            log.error("could not restore %s: %s", DENIALS, strerror(exc))
            return False
        return True

    # -- rules cache ------------------------------------------------------------------------

    def _poll_cache(self, origin: str) -> None:
        """The folder's listing when it changed; the key and `TRICKLE` entries in turn every
        poll (an entry rewritten in place does not change the folder)."""
        folder = self.path(CACHE)
        seen = self.seen.setdefault(CACHE, Seen(None))
        key = stat_key(folder)
        if key != seen.key or origin == "startup":
            seen.key = key
            try:
                self.names = sorted(n for n in os.listdir(folder) if n != "key")
            except OSError:
                self.names = []
            turn = self.names
        else:
            start = self.turn % max(len(self.names), 1)
            turn = (self.names[start:] + self.names[:start])[:TRICKLE]
            self.turn = start + TRICKLE
        found = stat_key(os.path.join(folder, "key"))
        entry = self.seen.setdefault(f"{CACHE}/key", Seen(None))
        if found != entry.key:
            entry.key = found
            self._judge_key(origin)
        changed = []
        for name in turn:
            entry = self.seen.setdefault(f"{CACHE}/{name}", Seen(None))
            found = stat_key(os.path.join(folder, name))
            if found != entry.key:
                entry.key = found
                changed.append(name)
        self._truth = self._rules_blobs([n[5:] for n in changed if n.startswith("head-")])
        for name in changed:
            self._judge_cache(name, origin)

    def _judge_key(self, origin: str) -> None:
        """The tag key: created where there was none; a valid key replaced by another is put
        back (entries tagged with the new one then miss and are rebuilt)."""
        from workspace_guard import rules_cache

        path = os.path.join(self.path(CACHE), "key")
        data = _read(path)
        rules_cache._KEYS.pop(path, None)  # read it again: the readers' memo is per process
        if data is None or len(data) != 32:  # absent or damaged: workspace-guard makes a new one
            self.key = None
            return
        if self.key is None or data == self.key:
            self.key = data
            return
        kept = self._keep(f"{CACHE}/key", data)
        try:
            from workspace_guard.fsutil import atomic_write

            atomic_write(path, self.key, mode=0o600)
            restored = True
        except OSError:
            restored = False
        key = settled(path, self.key if restored else data)
        self.seen.setdefault(f"{CACHE}/key", Seen(None)).key = key
        why = "the cache's tag key was replaced"
        self._report(f"{CACHE}/key", origin, kept, restored, note=why)

    def _judge_cache(self, name: str, origin: str) -> None:
        from workspace_guard import rules_cache
        from workspace_guard.gates.watch import cachefiles

        path = os.path.join(self.path(CACHE), name)
        data = _read(path)
        if data is None:
            return
        label, check, kind = cachefiles.label(name, data)
        if label is None or kind is None:
            return  # the key, a temporary file
        body = rules_cache._verified(self.state_dir, data, label)
        if body is None:
            why: str | None = "the keyed tag does not verify"
        elif check is not None:
            why = None if self._head_is_true(check, body) else "git has another rules blob"
        else:
            why = cachefiles.untrue(self.state_dir, self.internals.root, path, kind, body)
        if why is None:
            return
        kept = self._keep(f"{CACHE}/{name}", data)
        try:
            os.unlink(path)
            gone = True
        except OSError:
            gone = False
        self._report(f"{CACHE}/{name}", origin, kept, gone, note=why)

    def _head_is_true(self, commit: str, body: bytes) -> bool:
        """A `head-` entry says what git says: the rules blob at that commit, "-" for none."""
        truth = self._truth.get(commit) or self._rules_blobs([commit]).get(commit, "-")
        return body.decode("ascii", "replace") == truth

    def _rules_blobs(self, commits: list[str]) -> dict[str, str]:
        """The rules blob at each commit ("-": none), from one `git cat-file --batch-check`
        (a start may find hundreds of entries)."""
        from workspace_guard import git
        from workspace_guard.gates.watch.engine import RULES_PATH

        wanted = [c for c in commits if c.isalnum()]
        if not wanted:
            return {}
        specs = "".join(f"{c}:{RULES_PATH}\n" for c in wanted).encode()
        proc = git.run(["cat-file", "--batch-check=%(objectname) %(objecttype)"],
                       self.internals.root, input=specs, check=False)  # fmt: skip
        lines = proc.stdout.decode("ascii", "replace").splitlines()
        out = {}
        for commit, line in zip(wanted, lines, strict=False):
            blob, _, kind = line.partition(" ")
            out[commit] = blob if kind == "blob" else "-"
        return out

    # -- common -----------------------------------------------------------------------------

    def _keep(self, name: str, data: bytes | None) -> str | None:
        from workspace_guard.state import quarantine

        if data is None:
            return None
        try:
            return quarantine.keep_bytes(self.state_dir, f".git/workspace-guard/{name}", data)
        except OSError as exc:
            log.error("could not keep %s in quarantine: %s", name, strerror(exc))
            return None

    def _report(
        self,
        name: str,
        origin: str,
        kept: str | None,
        restored: bool,
        *,
        note: str | None = None,
        change: str | None = None,
        **extra: Any,
    ) -> None:
        self.internals._report(
            "state", self.path(name), change or "modified", None, None, origin, note,
            quarantine=kept, restored=restored, **extra,
        )  # fmt: skip


def _sha(data: bytes) -> str:
    from workspace_guard.state import claims_log

    return claims_log.digest(data)


def _fields(item: dict[str, Any]) -> tuple[str, str, float]:
    try:
        return (str(item.get("agent")), str(item.get("pattern")), float(item.get("until", 0)))
    except (TypeError, ValueError):
        return ("", "", 0.0)


def _json(data: bytes | None) -> Any:
    import json

    try:
        return json.loads(data) if data is not None else None
    except ValueError:
        return None


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _same_program(data: bytes, ours: str) -> bool:
    """`data` names this machine's workspace-guard (the same file by another path counts)."""
    text = data.decode("utf-8", "replace").strip()
    if "\n" in text or not text:
        return False
    return text == ours or os.path.realpath(text) == os.path.realpath(ours)

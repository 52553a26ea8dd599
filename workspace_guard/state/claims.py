"""The claims file, `<git common dir>/workspace-guard/claims.json`: every worktree sees it.

Read on every validator and harness call, so the read is one `stat` when there is no file and one
small read otherwise. A file that cannot be parsed is not "no claims": every layer fails closed
(`ClaimsCorrupt`) until `doctor --fix` moves it aside. Writes hold an exclusive lock, so of two
agents claiming the same path at the same instant one wins and the other is told who; the audit
record of each change is its commit point (`claims_log`), written without an `fsync`; the file
is then rewritten in place (no rename) while readers hold a shared lock.
"""

from __future__ import annotations

import math
import os
import time

from workspace_guard.core.claims import Claim, ClaimSet
from workspace_guard.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

CLAIMS_FILE = "claims.json"


class ClaimsCorrupt(ConfigError):
    """The claims file exists but is not a list of claims: nobody can tell what is claimed."""


def claims_path(state_dir: str) -> str:
    """Where the claims live."""
    return os.path.join(state_dir, CLAIMS_FILE)


def load(state_dir: str) -> list[Claim]:
    """Every stored claim, expired or not; `ClaimsCorrupt` when the file is unreadable."""
    path = claims_path(state_dir)
    try:
        data = read_shared(path)
    except FileNotFoundError:
        return []
    except OSError as exc:
        from workspace_guard.i18n import strerror

        raise _corrupt(path, strerror(exc)) from exc
    return parse(data, path)


def read_shared(path: str) -> bytes:
    """The claims file's bytes, read under a shared lock on `claims.json.lock`: a claims
    change rewrites the file in place (`_write`) under the exclusive lock, so a reader never
    sees half of one. No lock file: no claims change ever ran here, nothing to wait for."""
    try:
        lock = os.open(path + ".lock", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # none yet (or unreadable: the read below still fails closed on garbage)
        lock = -1
    try:
        if lock >= 0:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_SH)
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        if lock >= 0:
            os.close(lock)


def parse(data: bytes, path: str) -> list[Claim]:
    """The claims of the file's bytes; `ClaimsCorrupt` naming what is wrong."""
    from workspace_guard.i18n import _, json_reason
    from workspace_guard.speed.jsonread import loads  # `json.loads` without importing json

    try:
        items = loads(data)
    except ValueError as exc:
        raise _corrupt(path, _("not JSON ({error})").format(error=json_reason(exc))) from exc
    if not isinstance(items, list):
        raise _corrupt(path, _("not a JSON list"))
    try:
        return [_claim(item) for item in items]
    except (KeyError, TypeError, ValueError) as exc:
        raise _corrupt(path, _("an entry is malformed ({error!r})").format(error=exc)) from exc


def _claim(item: Any) -> Claim:
    if not isinstance(item, dict):
        raise TypeError("entry is not an object")
    until = float(item["until"])
    if math.isnan(until):  # NaN would never expire and never compare
        raise ValueError("until is NaN")
    return Claim(
        id=str(item["id"]),
        agent=str(item["agent"]),
        pattern=str(item["pattern"]),
        until=until,
        shared=bool(item.get("shared", False)),
        note=str(item.get("note", "")),
        created=float(item.get("created", 0.0)),
        worktree=str(item.get("worktree", "")),
        release_on_commit=bool(item.get("release_on_commit", True)),
    )


def _corrupt(path: str, problem: str) -> ClaimsCorrupt:
    from workspace_guard.i18n import _

    return ClaimsCorrupt(
        _(
            "the claims file {path} is unusable: {problem}; every write is refused until it is "
            "repaired"
        ).format(path=path, problem=problem),
        hint=_("`workspace-guard doctor --fix` moves it aside (the claims in it are dropped)"),
    )


def live(state_dir: str, now: float | None = None) -> ClaimSet:
    """The live claims, compiled for matching."""
    return ClaimSet(load(state_dir), time.time() if now is None else now)


def update(
    state_dir: str,
    change: Callable[[list[Claim]], list[Claim]],
    records: Callable[[], list[dict[str, Any]]],
) -> None:
    """Read-modify-write under the claims lock: `change` gets the live claims (it may raise to
    refuse: nothing is written then); `records`, called after it, gives the audit records of
    what changed (none: nothing is written). No `fsync`: see claims_log."""
    import fcntl

    from workspace_guard.state import claims_log, ensure_dir

    ensure_dir(state_dir)
    path = claims_path(state_dir)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = _recovered(state_dir, path)
        now = time.time()
        items = [claim.to_json() for claim in change([c for c in current if c.live(now)])]
        batch = records()
        if not batch:
            return
        data = claims_log.encode(items)
        claims_log.seal(batch, items, data)
        _commit(state_dir, batch)
        _write(path, data)


def _recovered(state_dir: str, path: str) -> list[Claim]:
    """The claims file's claims (strict: `ClaimsCorrupt` fails closed), rolled forward to the
    audit log's last sealed list when a crash kept that list from reaching the file."""
    from workspace_guard.state import claims_log

    try:
        with open(path, "rb") as handle:
            current: bytes | None = handle.read()
    except FileNotFoundError:
        current = None
    claims = [] if current is None else parse(current, path)
    logged = claims_log.behind(state_dir, current)
    if logged is None:
        return claims
    data = claims_log.encode(logged)
    if current is not None:
        _note_ahead(state_dir, current, [c.to_json() for c in claims], logged, data)
    _write(path, data)
    return parse(data, path)


def _note_ahead(
    state_dir: str,
    current: bytes,
    found: list[dict[str, Any]],
    logged: list[dict[str, Any]],
    data: bytes,
) -> None:
    """A file that no recorded change wrote is put back to the logged claims; that is worth a
    durable record (`action: restored`, `why: ahead_of_log`), since it is the only trace of
    records cut from the log's end once the file is rewritten (`claims --verify` reports it).
    It carries the list it restores, so it is a sealed record like a claim's."""
    from workspace_guard.state import claims_log
    from workspace_guard.state.audit import append

    standing, _later = claims_log.judge(state_dir, current)
    if standing != "ahead":
        return  # behind: a crash between a record and the file, nothing was lost
    record: dict[str, Any] = {
        "layer": "claims",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": "restored",
        "escalate_to": None,
        "why": "ahead_of_log",
        "found_sha": claims_log.digest(current),
        "unrecorded": claims_log.unrecorded(state_dir, found),
    }
    claims_log.seal([record], logged, data)
    append(state_dir, [record])


def _commit(state_dir: str, batch: list[dict[str, Any]]) -> None:
    """The commit point: the audit records (written, not synced), or nothing changes."""
    from workspace_guard.i18n import _
    from workspace_guard.state.audit import append

    if not append(state_dir, batch, durable=False):
        raise ConfigError(
            _("the claims change was not made: its audit record could not be written"),
            hint=_("free disk space or make {state} writable, then try again").format(
                state=state_dir
            ),
        )


def _write(path: str, data: bytes) -> None:
    """Rewrite the claims file in place, under the exclusive lock the caller holds.

    Not a temporary file renamed over it: ext4 starts writing a replaced file's data at such
    a rename (`auto_da_alloc`), 1-4 ms under load, which was most of a claim's cost. In place,
    the file is one `pwrite` at offset 0 (padded with blanks, which JSON ignores, up to the old
    length) and then, when shorter, an `ftruncate` to its own length: a process killed between
    the two leaves a file that parses to the same claims. Readers hold the shared lock
    (`read_shared`), so none sees a half-written file. What a power loss may leave is rolled
    forward from the audit log (state/claims_log). A claims file that is not one plain file
    (a symbolic link, a second hard link) is replaced by a rename, never written through."""
    import stat

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError:  # ELOOP: a symbolic link in its place
        fd = -1
    if fd >= 0:
        try:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
                _overwrite(fd, data, info.st_size)
                return
        finally:
            os.close(fd)
    from workspace_guard.fsutil import atomic_write

    atomic_write(path, data, makedirs=False)


def _overwrite(fd: int, data: bytes, size: int) -> None:
    padded = data + b" " * (size - len(data)) if size > len(data) else data
    view, at = memoryview(padded), 0
    while at < len(padded):
        at += os.pwrite(fd, view[at:], at)
    if size > len(data):
        os.ftruncate(fd, len(data))


def move_aside(state_dir: str) -> str | None:
    """Rename a corrupt claims file to `claims.json.corrupt-<time>`; the new name, or None."""
    path = claims_path(state_dir)
    if not os.path.exists(path):
        return None
    target = f"{path}.corrupt-{int(time.time())}"
    os.replace(path, target)
    return target

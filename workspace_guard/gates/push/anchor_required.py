"""`workspace-guard.requireAnchor`: the server wants, for each ref update that changes protected
paths, an audit anchor made for that update (gates/push/anchor.py): one that names the update's
new value and ref, came in the same push or was accepted within the window before it, and was not
spent by an earlier push. Another push's anchor, another ref's, a stale one or a spent one does
not count. Which clone made it is settled on the anchors ref itself (each anchor continues its
clone's key chain: `check_anchor_update`).
"""

from __future__ import annotations

import re

from workspace_guard import git
from workspace_guard.gates.push.anchor import Anchor, parse_full
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.gates.push.trust import Settings
    from workspace_guard.repo import Repo

REQUIRE_KEY = "workspace-guard.requireAnchor"
RECEIVED_FILE = "anchor-received"  # in the server's state dir: unspent anchors, when received
DEFAULT_WINDOW = 600.0


def required_window(repo: Repo, settings: Settings | None = None) -> float | None:
    """`workspace-guard.requireAnchor` on the server: `true` (600 s), a number of seconds, or
    off. A value that is neither is a configuration error: the push is refused until fixed."""
    import math

    from workspace_guard.errors import ConfigError
    from workspace_guard.gates.push.trust import setting

    value = (setting(repo, settings, REQUIRE_KEY) or "").strip().lower()
    if value in ("", "false", "no", "off", "0"):
        return None
    if value in ("true", "yes", "on"):
        return DEFAULT_WINDOW
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(
            _("{key} is {value!r}: use true, false or a number of seconds").format(
                key=REQUIRE_KEY, value=value
            )
        )
    return seconds


MAX_KEPT = 1000  # unspent anchors remembered


def received(repo: Repo) -> list[tuple[float, str]]:
    """(server time, anchor commit) of each anchor accepted and not yet spent by a push."""
    import os

    kept = []
    try:
        with open(os.path.join(repo.state_dir, RECEIVED_FILE), encoding="ascii") as handle:
            for line in handle:
                when, _sep, sha = line.strip().partition(" ")
                try:
                    kept.append((float(when), sha))
                except ValueError:
                    continue
    except (OSError, ValueError):
        return []
    return [(when, sha) for when, sha in kept if re.fullmatch(r"[0-9a-f]{40,64}", sha)]


def note_received(repo: Repo, arrived: Sequence[str], spent: set[str]) -> set[str]:
    """After an accepted push: remember, in server time, the anchors it brought; forget the
    ones it spent. Under a lock, so two pushes at once neither lose each other's anchors nor
    spend the same one: the spent anchors that another push spent meanwhile come back (and
    nothing is written), so the caller refuses instead of letting one anchor through twice."""
    import os
    import time

    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    if not arrived and not spent:
        return set()
    folder = ensure_dir(repo.state_dir)
    with _locked(os.path.join(folder, RECEIVED_FILE + ".lock")):
        current = received(repo)
        held = {sha for _w, sha in current}
        gone = {sha for sha in spent if sha not in held and sha not in arrived}
        if gone:
            return gone
        now = time.time()
        kept = [(w, s) for w, s in current if s not in spent]
        kept += [(now, sha) for sha in arrived if sha not in spent]
        text = "".join(f"{when:.3f} {sha}\n" for when, sha in kept[-MAX_KEPT:])
        atomic_write(os.path.join(folder, RECEIVED_FILE), text, encoding="ascii")
    return set()


class _locked:
    """An exclusive `flock` on `path` for the `with` block (released when the file closes, a
    crashed hook included)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        import fcntl
        import os

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        import os

        os.close(self.fd)


def _messages(repo: Repo, shas: list[str]) -> list[tuple[str, Anchor]]:
    if not shas:
        return []
    fmt = "--format=%x1e%H%x1f%B"
    args = ["--no-replace-objects", "log", "--no-walk=unsorted", fmt, *shas]
    proc = git.run(args, repo.cwd, check=False)
    found = []
    for entry in proc.stdout.decode("utf-8", "replace").split("\x1e"):
        sha, _sep, body = entry.partition("\x1f")
        parsed = parse_full(body.rstrip("\n") + "\n") if body else None
        if parsed:
            found.append((sha, parsed))
    return found


def unanchored(
    repo: Repo,
    need: Sequence[tuple[str, str]],
    arriving: Sequence[tuple[str, Anchor]],
    settings: Settings | None = None,
) -> tuple[list[tuple[str, str]], set[str]]:
    """With `requireAnchor`: ((new value, ref) of each update that no anchor was made for, the
    anchors this push spends). An anchor counts for an update when it names the update's new
    value and ref, came in this push or was accepted within the window before it, and was not
    spent by an earlier push: another push's, another ref's or a stale anchor does not."""
    import time

    if not need:
        return [], set()
    window = required_window(repo, settings)
    if window is None:
        return [], set()
    now = time.time()
    fresh = [sha for when, sha in received(repo) if 0 <= now - when <= window]
    candidates = [*arriving, *_messages(repo, fresh)]
    missing, spent = [], set()
    for wanted in need:
        match = next((sha for sha, a in candidates if wanted in a.pushes), None)
        if match is None:
            missing.append(wanted)
        else:
            spent.add(match)
    return missing, spent


def missing_text(repo: Repo) -> str:
    """Why a protected ref update is refused for want of its anchor."""
    window = required_window(repo) or DEFAULT_WINDOW
    return _(
        "this push changes protected paths and no audit anchor made for it (this new value of "
        "this ref, from the pushing clone) reached this repository in the last {seconds} "
        "seconds ({key}): push through the installed pre-push hook (not with --no-verify), or "
        "run `workspace-guard audit anchor <remote>` on the branch first"
    ).format(seconds=int(window), key=REQUIRE_KEY)

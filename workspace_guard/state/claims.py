"""The claims file, `<git common dir>/workspace-guard/claims.json`: every worktree sees it.

Read on every validator and harness call, so the read is one `stat` when there is no file and one
small read otherwise. A file that cannot be parsed is not "no claims": every layer fails closed
(`ClaimsCorrupt`) until `doctor --fix` moves it aside. Writes go through `jsonlist`'s lock, so of
two agents claiming the same path at the same instant one wins and the other is told who.
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
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _corrupt(path, exc.strerror or str(exc)) from exc
    return parse(data, path)


def parse(data: bytes, path: str) -> list[Claim]:
    """The claims of the file's bytes; `ClaimsCorrupt` naming what is wrong."""
    from workspace_guard.speed.jsonread import loads  # `json.loads` without importing json

    try:
        items = loads(data)
    except ValueError as exc:
        raise _corrupt(path, f"not JSON ({exc})") from exc
    if not isinstance(items, list):
        raise _corrupt(path, "not a JSON list")
    try:
        return [_claim(item) for item in items]
    except (KeyError, TypeError, ValueError) as exc:
        raise _corrupt(path, f"an entry is malformed ({exc!r})") from exc


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


def update(state_dir: str, change: Callable[[list[Claim]], list[Claim]]) -> None:
    """Read-modify-write under the state lock; expired claims drop out; the new file replaces the
    old atomically. `change` may raise to refuse (nothing is written then)."""
    from workspace_guard.state import jsonlist

    now = time.time()

    def rewrite(_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        current = [c for c in load(state_dir) if c.live(now)]  # strict read, inside the lock
        return [claim.to_json() for claim in change(current)]

    jsonlist.update(claims_path(state_dir), rewrite)


def move_aside(state_dir: str) -> str | None:
    """Rename a corrupt claims file to `claims.json.corrupt-<time>`; the new name, or None."""
    path = claims_path(state_dir)
    if not os.path.exists(path):
        return None
    target = f"{path}.corrupt-{int(time.time())}"
    os.replace(path, target)
    return target

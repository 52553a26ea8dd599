"""Approvals recorded by `workspace-guard approve`: honoured by validate and the harness hooks
until they expire. One JSON file, rewritten atomically under a lock."""

from __future__ import annotations

import os
import time

from workspace_guard.core.model import Approval
from workspace_guard.state import jsonlist
from workspace_guard.state.jsonlist import load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

APPROVALS_FILE = "approvals.json"


def _path(state_dir: str) -> str:
    return os.path.join(state_dir, APPROVALS_FILE)


def all_approvals(state_dir: str) -> list[Approval]:
    """Every recorded approval, expired or not."""
    out = []
    for item in load(_path(state_dir)):
        try:
            out.append(
                Approval(
                    str(item["agent"]),
                    str(item["path"]),
                    str(item["approver"]),
                    item.get("until"),
                    str(item.get("id", "")),
                )
            )
        except KeyError:
            continue
    return out


def live_approvals(state_dir: str, now: float | None = None) -> list[Approval]:
    """Approvals that have not expired."""
    moment = time.time() if now is None else now
    return [a for a in all_approvals(state_dir) if a.until is None or a.until > moment]


def update(state_dir: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Read-modify-write the approvals file under an exclusive lock."""
    jsonlist.update(_path(state_dir), change)

"""Approvals recorded by `workspace-guard approve`: honoured by validate and the harness hooks
until they expire. One JSON file, rewritten atomically under a lock."""

from __future__ import annotations

import os
import time

from workspace_guard.core.model import Approval
from workspace_guard.state import ensure_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

APPROVALS_FILE = "approvals.json"


def _path(state_dir: str) -> str:
    return os.path.join(state_dir, APPROVALS_FILE)


def _load(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def all_approvals(state_dir: str) -> list[Approval]:
    """Every recorded approval, expired or not."""
    out = []
    for item in _load(_path(state_dir)):
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
    import fcntl
    import json

    ensure_dir(state_dir)
    path = _path(state_dir)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        items = change(_load(path))
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(items, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)

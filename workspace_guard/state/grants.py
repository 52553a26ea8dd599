"""Grants: short-lived "this agent may write this path" notes left by the harness gate when the
owner (or an approved agent) writes a protected file, so the watch daemon records the change as
authorised instead of restoring it. One JSON file, rewritten under a lock; expired grants drop
out."""

from __future__ import annotations

import os
import time

from workspace_guard.state import ensure_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

GRANTS_FILE = "grants.json"


def _path(state_dir: str) -> str:
    return os.path.join(state_dir, GRANTS_FILE)


def _load(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    return [g for g in data if isinstance(g, dict)] if isinstance(data, list) else []


def add_grants(state_dir: str, items: Iterable[tuple[str, str]], until: float) -> None:
    """Record (path, agent) grants valid until `until` (epoch seconds)."""
    import fcntl
    import json

    ensure_dir(state_dir)
    path = _path(state_dir)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        now = time.time()
        grants = [g for g in _load(path) if float(g.get("until", 0)) > now]
        for rel, agent in items:
            grants = [g for g in grants if not (g.get("path") == rel and g.get("agent") == agent)]
            grants.append({"path": rel, "agent": agent, "until": until})
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(grants, handle, ensure_ascii=False)
        os.replace(tmp, path)


def live_grants(state_dir: str, now: float | None = None) -> dict[str, str]:
    """path → agent for every grant that has not expired."""
    moment = time.time() if now is None else now
    return {
        str(g["path"]): str(g.get("agent", ""))
        for g in _load(_path(state_dir))
        if "path" in g and float(g.get("until", 0)) > moment
    }

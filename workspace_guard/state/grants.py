"""Grants: short-lived "this agent may write this path" notes left by the harness gate when the
owner (or an approved agent) writes a protected file, so the watch daemon records the change as
authorised instead of restoring it. One JSON file, rewritten under a lock; expired grants drop
out."""

from __future__ import annotations

import os
import time

from workspace_guard.state import jsonlist

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

GRANTS_FILE = "grants.json"


def _path(state_dir: str) -> str:
    return os.path.join(state_dir, GRANTS_FILE)


def add_grants(state_dir: str, items: Iterable[tuple[str, str]], until: float) -> None:
    """Record (path, agent) grants valid until `until` (epoch seconds); expired ones drop out."""
    wanted = list(items)

    def change(grants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        now = time.time()
        kept = [
            g
            for g in grants
            if float(g.get("until", 0)) > now and (g.get("path"), g.get("agent")) not in wanted
        ]
        return kept + [{"path": rel, "agent": agent, "until": until} for rel, agent in wanted]

    jsonlist.update(_path(state_dir), change)


def live_grants(state_dir: str, now: float | None = None) -> dict[str, str]:
    """path → agent for every grant that has not expired."""
    moment = time.time() if now is None else now
    return {
        str(g["path"]): str(g.get("agent", ""))
        for g in jsonlist.load(_path(state_dir))
        if "path" in g and float(g.get("until", 0)) > moment
    }

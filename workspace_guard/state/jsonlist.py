"""A small JSON list file in the state directory (approvals): read without a lock (the
writer replaces the file atomically), rewritten under an exclusive lock."""

from __future__ import annotations

import os

from workspace_guard.fsutil import atomic_write
from workspace_guard.state import ensure_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Items = list[dict[str, Any]]


def load(path: str) -> Items:
    """The list's objects; a missing or unreadable file is an empty list."""
    if not os.path.exists(path):
        return []
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def update(path: str, change: Callable[[Items], Items]) -> None:
    """Read-modify-write under an exclusive lock; the new file replaces the old atomically."""
    import fcntl
    import json

    ensure_dir(os.path.dirname(path))
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        items = change(load(path))
        atomic_write(path, json.dumps(items, ensure_ascii=False, indent=1))

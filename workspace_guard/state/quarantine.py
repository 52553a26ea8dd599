"""Quarantine: the unauthorised bytes the watch daemon took out of the working tree.

Restoring a protected file destroys the evidence of what an agent wrote, so the daemon keeps it
here first (`<state dir>/quarantine/<timestamp>-<sanitised path>`) and refuses to restore when it
cannot. The folder lives in the git dir, never in the working tree, so an agent cleaning its
worktree does not clean the evidence away.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time

from workspace_guard.state import ensure_dir

QUARANTINE_DIR = "quarantine"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 150


def quarantine_dir(state_dir: str) -> str:
    """Where quarantined content lives."""
    return os.path.join(state_dir, QUARANTINE_DIR)


def sanitise(rel: str) -> str:
    """A repository path as one safe file name: `app/main.py` → `app_main.py`."""
    name = _UNSAFE.sub("_", rel.replace("/", "_")).strip("._") or "file"
    return name[-MAX_NAME:]


def stamp(moment: float | None = None) -> str:
    """A UTC timestamp that sorts and is safe in file names (millisecond precision)."""
    now = time.time() if moment is None else moment
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _target(state_dir: str, rel: str, suffix: str, moment: float | None) -> str:
    """A fresh name: two incidents on one path within a millisecond must not overwrite."""
    base = os.path.join(ensure_dir(quarantine_dir(state_dir)), f"{stamp(moment)}-{sanitise(rel)}")
    candidate, number = base + suffix, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{base}-{number}{suffix}"
    return candidate


def keep_bytes(
    state_dir: str, rel: str, data: bytes, *, suffix: str = "", moment: float | None = None
) -> str:
    """Store `data` (the content found at `rel`) durably; return where. Raises OSError."""
    path = _target(state_dir, rel, suffix, moment)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError:
        os.close(fd)
        _discard(path)
        raise
    os.close(fd)
    return path


def keep_tree(state_dir: str, rel: str, source: str, *, moment: float | None = None) -> str:
    """Move a directory (or special file) that replaced a protected file into quarantine."""
    path = _target(state_dir, rel, ".dir" if os.path.isdir(source) else ".special", moment)
    try:
        os.rename(source, path)
    except OSError:
        shutil.move(source, path)
    return path


def entries(state_dir: str) -> list[str]:
    """Every quarantined item, oldest first."""
    try:
        return sorted(os.listdir(quarantine_dir(state_dir)))
    except FileNotFoundError:
        return []


def _discard(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)

"""State under `<git common dir>/workspace-guard/`: audit log, provenance ledger, approvals,
quarantine."""

from __future__ import annotations

import os


def ensure_dir(path: str) -> str:
    """Create a state subdirectory (private to the user) and return it."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path

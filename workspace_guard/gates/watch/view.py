"""The daemon publishes the trusted revision it holds in force (state/trusted_view.py).

The validator, the harness hooks and the commit hooks read the rules at that revision, so a
move of the trusted ref the daemon refused (or has not judged yet) decides nowhere. The daemon
writes the view at start and whenever its rules change, looks at it with every poll (one
`stat`; the bytes only when it changed) and puts it back when another process changed or
removed it (`area: state`, `change: trusted_view_forged`), and removes it on a clean stop.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from workspace_guard.gates.watch.fs import blob_id, stat_key
from workspace_guard.state import trusted_view

if TYPE_CHECKING:
    from workspace_guard.gates.watch.engine import Engine

log = logging.getLogger("workspace_guard.watch")


class View:
    """What this daemon published, and the check that it is still there."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.path = trusted_view.path_of(engine.state_dir)
        self.data: bytes | None = None
        self.key: tuple[int, ...] | None = None

    def main(self) -> bool:
        return self.engine.incidents_root is None  # a linked worktree's unit publishes nothing

    def publish(self) -> None:
        """Write the revision in force now."""
        state = self.engine.state
        if not self.main() or state is None:
            return
        seen = state.trusted
        ref, commit = (seen.ref, seen.commit) if seen is not None else (None, None)
        self.data = trusted_view.write(self.engine.state_dir, ref, commit)
        self.key = stat_key(self.path)
        if self.data is None:
            log.error("could not write %s: the other layers follow the trusted ref", self.path)

    def poll(self) -> None:
        """Put the view back when another process changed or removed it."""
        key = stat_key(self.path)  # before the read: a write after it differs next poll
        if self.data is None or key == self.key:
            return
        if self.engine.internals.lost or not os.path.isdir(self.engine.state_dir):
            return  # the repository is gone: nothing to put back (a reload publishes again)
        try:
            with open(self.path, "rb") as handle:
                found: bytes | None = handle.read(4096)
        except OSError:
            found = None
        if found == self.data:
            self.key = key
            return
        self._report(found)
        self.publish()

    def _report(self, found: bytes | None) -> None:
        state = self.engine.state
        change = "trusted_view_missing" if found is None else "trusted_view_forged"
        log.error("%s was changed by another process (%s): put back", self.path, change)
        self.engine.append(
            [
                {
                    "layer": "watch",
                    "action": "detected",
                    "agent": None,
                    "path": os.path.relpath(self.path, self.engine.root),
                    "owner": None,
                    "level": "critical",
                    "escalate_to": state.rules.escalation if state is not None else None,
                    "area": "state",
                    "change": change,
                    "sha_before": blob_id(self.data or b""),
                    "sha_after": None if found is None else blob_id(found),
                    "detected_by": "event",
                    "restored": True,
                }
            ]
        )

    def clear(self) -> None:
        if self.data is not None:
            trusted_view.clear(self.engine.state_dir)
            self.data = None

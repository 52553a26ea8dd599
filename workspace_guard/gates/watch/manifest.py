"""The watch daemon's manifest (`watch-manifest.json` in the state dir): what each protected path
was last reported in, so a restart neither reports a change twice nor misses one made while the
daemon was down. A cache any process could write: only entries the audit chain backs count.
"""

from __future__ import annotations

import json
import logging
import os

from workspace_guard.fsutil import atomic_write
from workspace_guard.gates.watch import lifecycle
from workspace_guard.i18n import ngettext, strerror

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.watch.engine import Engine

log = logging.getLogger("workspace_guard.watch")


def load(engine: Engine) -> None:
    """The manifest is a cache any process could write: an entry counts only when the audit
    chain holds the report it stands for (`watch/lifecycle`), and the last good HEAD comes
    from the chain's lifecycle records, never from the file."""
    engine.past = lifecycle.history(engine.state_dir)
    engine.good_head = engine.past.good_head
    if engine.past.broken is not None:
        line, why = engine.past.broken
        log.error(
            "the audit log is broken at line %d (%s): reports after it are not trusted "
            "and are made again",
            line,
            why,
        )
    try:
        with open(os.path.join(engine.state_dir, engine.manifest), encoding="utf-8") as handle:
            data = json.load(handle)
        known = {str(k): str(v) for k, v in dict(data.get("known", {})).items()}
        engine.epoch = int(data.get("epoch", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        known = {}
    engine.known = lifecycle.verified(known, engine.past, engine.root)
    dropped = sorted(set(known) - set(engine.known))
    if dropped:
        text = ngettext(
            "%d manifest entry is not backed by the audit log (forged or stale), checked again: %s",
            "%d manifest entries are not backed by the audit log (forged or stale), checked "
            "again: %s",
            len(dropped),
        )
        log.warning(text, len(dropped), ", ".join(dropped[:5]))


def save(engine: Engine) -> None:
    """Keep what was reported across restarts (best effort: a full disk is logged)."""
    if not engine._manifest_dirty or not os.path.isdir(engine.common_dir):
        return
    path = os.path.join(engine.state_dir, engine.manifest)
    body = {
        "version": 1,
        "epoch": engine.epoch,
        "good_head": engine.good_head,
        "known": engine.known,
    }
    try:
        atomic_write(path, json.dumps(body))
        engine._manifest_dirty = False
    except OSError as exc:
        log.error("could not save %s: %s", path, strerror(exc))

"""workspace-guard's own installation, watched (ATTACK F13): the code every hook runs.

The hooks run this package with this interpreter. Python executes every `*.pth` import line in
a site-packages folder, and `sitecustomize`/`usercustomize`, at start; an edited
`workspace_guard/*.py` changes every layer. A process of the agents' user that writes there
(an allowed Bash call to a path outside the repository) makes the next hook answer "allowed"
for good. The daemon cannot put such files back safely (an honest `pip install` writes them
too), so it reports: it remembers, at start, the package's source files and, in every site
folder of this interpreter (and the user site), the `*.pth` and `*customize.py` files; every
second it `stat`s them and lists those folders, and a change, a new or a removed file is an
audit record (`area: install`, `action: detected`, `level: critical`, `change`) with an
incident report. Update workspace-guard with the daemon stopped (the stop is on the record).
"""

from __future__ import annotations

import logging
import os
import site
import sys
import time
from typing import TYPE_CHECKING

from workspace_guard.gates.watch.fs import blob_id, stat_key

if TYPE_CHECKING:
    from workspace_guard.gates.watch.engine import Engine

log = logging.getLogger("workspace_guard.watch")
EVERY = 1.0  # seconds between looks
STARTUP_NAMES = ("sitecustomize.py", "usercustomize.py")


def site_dirs() -> list[str]:
    """The folders whose `*.pth` and customize modules this interpreter runs at start."""
    found = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    found.append(site.getusersitepackages())
    found += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    out: list[str] = []
    for path in found:
        real = os.path.realpath(path)
        if real not in out:
            out.append(real)
    return out


def package_files() -> list[str]:
    """The package's own Python sources."""
    import workspace_guard

    base = os.path.dirname(os.path.realpath(workspace_guard.__file__))
    out = []
    for top, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        out += [os.path.join(top, f) for f in files if f.endswith(".py")]
    return sorted(out)


def _startup_files(folder: str) -> set[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return set()
    return {os.path.join(folder, n) for n in names if n.endswith(".pth") or n in STARTUP_NAMES}


class Installation:
    """What the hooks' own code looked like at start; reports every change."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dirs = site_dirs()
        self.keys: dict[str, tuple[int, ...] | None] = {}
        self.blobs: dict[str, str | None] = {}
        self._dir_keys: dict[str, tuple[int, ...] | None] = {}
        self._next = 0.0

    def start(self) -> None:
        for path in [*package_files(), *(f for d in self.dirs for f in _startup_files(d))]:
            self._remember(path)
        self._dir_keys = {d: stat_key(d) for d in self.dirs}

    def _remember(self, path: str) -> None:
        self.keys[path] = stat_key(path)
        self.blobs[path] = _blob(path)

    def poll(self) -> None:
        now = time.monotonic()
        if now < self._next or not self.keys:
            return
        self._next = now + EVERY
        for folder in self.dirs:
            key = stat_key(folder)
            if key != self._dir_keys.get(folder):
                self._dir_keys[folder] = key
                for path in sorted(_startup_files(folder) - set(self.keys)):
                    self._judge(path, None)  # a new .pth or customize module
        for path, key in list(self.keys.items()):
            if stat_key(path) != key:
                self._judge(path, self.blobs.get(path))

    def _judge(self, path: str, before: str | None) -> None:
        self._remember(path)
        after = self.blobs[path]
        if after == before:
            return
        change = "created" if before is None else "deleted" if after is None else "modified"
        state = self.engine.state
        escalation = state.rules.escalation if state is not None else None
        log.error("workspace-guard's own installation changed: %s %s", path, change)
        self.engine.append(
            [
                {
                    "layer": "watch",
                    "action": "detected",
                    "agent": None,
                    "path": path,
                    "owner": None,
                    "level": "critical",
                    "escalate_to": escalation,
                    "area": "install",
                    "change": change,
                    "sha_before": before,
                    "sha_after": after,
                    "detected_by": "event",
                    "note": "the code the hooks run: reported, not put back (update "
                    "workspace-guard with the daemon stopped)",
                }
            ]
        )
        if state is not None and escalation:
            from workspace_guard.gates.watch import incident
            from workspace_guard.i18n import _

            incident.note(
                state.settings.incidents_dir,
                "workspace-guard-install",
                _("workspace-guard's own installation was changed"),
                [
                    _("**File:** {path}").format(path=path),
                    _("**Change:** {change}").format(change=change),
                    _("**Agent:** unknown"),
                ],
                escalation,
            )


def _blob(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return blob_id(handle.read())
    except OSError:
        return None

"""Incident reports: one markdown file per violation, where the protocol's humans and agents look.

The audit log is the tamper-evident record; the incident file is the readable one, written into
the protocol's incidents folder (`.workspace/incidents/` unless the rules say otherwise) so that
the escalation agent finds it in the workspace. The daemon never treats its own incident files as
protected changes.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from workspace_guard.core.model import ProtectedRule
from workspace_guard.i18n import strerror
from workspace_guard.state.quarantine import sanitise, stamp

log = logging.getLogger("workspace_guard.watch")

DESCRIBE = {
    "modified": "the content was changed",
    "deleted": "the file was deleted (or moved away)",
    "created": "a new file appeared where only the owner may add one",
    "mode": "the file mode (executable bit) was changed",
    "symlink": "the file was replaced by a symbolic link",
    "directory": "the file was replaced by a directory",
    "special": "the file was replaced by a special file (FIFO, socket or device)",
    "unreadable": "the file can no longer be read, so it cannot be verified",
    "type": "the file changed type (link ↔ file)",
}


@dataclass(frozen=True)
class Incident:
    """Everything an incident report says."""

    rel: str
    rule: ProtectedRule
    escalation: str
    change: str
    detected_by: str
    when: float
    head: str
    sha_before: str | None
    sha_after: str | None
    quarantine: str | None = None
    restored: bool = False
    restore_note: str | None = None
    related: str | None = None  # the other side of a rename

    def markdown(self) -> str:
        rule = self.rule
        backup = ", ".join(rule.backup) or "none"
        moment = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.when))
        lines = [
            f"# Incident: unauthorised change to `{self.rel}`",
            "",
            f"- **File:** `{self.rel}`",
            f"- **What changed:** {DESCRIBE.get(self.change, self.change)}"
            + (f" (other side of the rename: `{self.related}`)" if self.related else ""),
            f"- **Content:** `{self.sha_before or 'absent'}` (committed at {self.head[:12]})"
            f" → `{self.sha_after or 'absent'}`",
            f"- **Owner:** {rule.owner or '(none: superusers only)'} (backup: {backup})",
            f"- **Level:** {rule.level}",
            f"- **Rule:** `{rule.pattern}` ({rule.source})",
            f"- **Time:** {moment} (UTC), detected by {self.detected_by}",
            "- **Agent:** unknown (the file system does not say who wrote; no grant or approval"
            " covered this change)",
            f"- **Quarantine:** {f'`{self.quarantine}`' if self.quarantine else 'nothing kept'}",
            f"- **Restored:** {self._restored()}",
            f"- **Escalation:** {self.escalation}",
            "",
            "## What to do",
            "",
            f"{self.escalation} reviews this incident. An agent that needs to change `{self.rel}`"
            f" consults {rule.owner or self.escalation} first (`workspace-guard approve`), so the"
            " harness records a grant and the daemon records the change as authorised.",
            "",
        ]
        return "\n".join(lines)

    def _restored(self) -> str:
        if self.restored:
            return "yes, the committed version was put back"
        return f"no ({self.restore_note})" if self.restore_note else "no (restore is off)"


def write(folder: str, incident: Incident) -> str | None:
    """Write the report (whole or not at all: readers never see half of one); its path, or None
    (logged) when the folder cannot be written."""
    return write_text(folder, incident.rel, incident.when, incident.markdown())


def note(folder: str, subject: str, title: str, facts: list[str], escalation: str) -> str | None:
    """An incident about the daemon itself or git's own files (no protected rule behind it)."""
    moment = time.time()
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))
    lines = [f"# Incident: {title}", "", *(f"- {fact}" for fact in facts)]
    lines += [f"- **Time:** {when} (UTC)", f"- **Escalation:** {escalation}", ""]
    return write_text(folder, subject, moment, "\n".join(lines))


def write_text(folder: str, subject: str, when: float, text: str) -> str | None:
    """One report file named after `subject` and `when`; its path, or None (logged)."""
    name = f"{stamp(when)}-{sanitise(subject)}"
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        return _publish(tmp, os.path.join(folder, name))
    except OSError as exc:
        log.error(
            "could not write the incident report for %s in %s: %s",
            subject,
            folder,
            strerror(exc),
        )
        return None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _publish(tmp: str, base: str) -> str:
    """Give the finished file its name; never overwrite another report (link fails if taken)."""
    path, number = base + ".md", 1
    while True:
        try:
            os.link(tmp, path)
            return path
        except FileExistsError:
            number += 1
            path = f"{base}-{number}.md"

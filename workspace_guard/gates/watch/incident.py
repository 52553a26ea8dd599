"""Incident reports: one markdown file per violation, where the protocol's humans and agents look.

The audit log is the tamper-evident record; the incident file is the readable one (in the
daemon's language, as its log lines are: the audit records stay as they are), written into
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
from workspace_guard.i18n import N_, _, strerror
from workspace_guard.state.quarantine import sanitise, stamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

log = logging.getLogger("workspace_guard.watch")

DESCRIBE = {
    "modified": N_("the content was changed"),
    "deleted": N_("the file was deleted (or moved away)"),
    "created": N_("a new file appeared where only the owner may add one"),
    "mode": N_("the file mode (executable bit) was changed"),
    "symlink": N_("the file was replaced by a symbolic link"),
    "directory": N_("the file was replaced by a directory"),
    "special": N_("the file was replaced by a special file (FIFO, socket or device)"),
    "unreadable": N_("the file can no longer be read, so it cannot be verified"),
    "type": N_("the file changed type (link ↔ file)"),
}


def describe(change: str) -> str:
    """A change kind (the audit record's `change`, kept as it is) as a reader is told it."""
    return _(DESCRIBE[change]) if change in DESCRIBE else change


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
        """The report in the daemon's language (its rules' `language:`, or the environment's):
        the labels and sentences are translated; paths, digests, names and rules are not."""
        rule = self.rule
        owner = rule.owner or _("(none: superusers only)")
        consulted = rule.owner or self.escalation
        what = describe(self.change)
        if self.related:
            what += _(" (other side of the rename: `{path}`)").format(path=self.related)
        kept = f"`{self.quarantine}`" if self.quarantine else _("nothing kept")
        lines = [
            _("# Incident: unauthorised change to `{path}`").format(path=self.rel),
            "",
            _("- **File:** `{path}`").format(path=self.rel),
            _("- **What changed:** {change}").format(change=what),
            _("- **Content:** `{before}` (committed at {head}) → `{after}`").format(
                before=self.sha_before or _("absent"),
                head=self.head[:12],
                after=self.sha_after or _("absent"),
            ),
            _("- **Owner:** {owner} (backup: {backup})").format(
                owner=owner, backup=", ".join(rule.backup) or _("none")
            ),
            _("- **Level:** {level}").format(level=rule.level),
            _("- **Rule:** `{pattern}` ({source})").format(
                pattern=rule.pattern, source=rule.source
            ),
            _("- **Time:** {moment} (UTC), detected by {how}").format(
                moment=_moment(self.when), how=self.detected_by
            ),
            _(
                "- **Agent:** unknown (the file system does not say who wrote; no grant or "
                "approval covered this change)"
            ),
            _("- **Quarantine:** {kept}").format(kept=kept),
            _("- **Restored:** {restored}").format(restored=self._restored()),
            _("- **Escalation:** {escalation}").format(escalation=self.escalation),
            "",
            _("## What to do"),
            "",
            _(
                "{escalation} reviews this incident. An agent that needs to change `{path}` "
                "consults {owner} first (`workspace-guard approve`), so the harness records a "
                "grant and the daemon records the change as authorised."
            ).format(escalation=self.escalation, path=self.rel, owner=consulted),
            "",
        ]
        return "\n".join(lines)

    def _restored(self) -> str:
        if self.restored:
            return _("yes, the committed version was put back")
        if self.restore_note:
            return _("no ({reason})").format(reason=self.restore_note)
        return _("no (restore is off)")


def _moment(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))


def git_file_facts(
    rel: str, area: str, change: str, hashes: tuple[str | None, str | None], **extra: Any
) -> list[str]:
    """The facts of a report on git's own files (hooks, config, state: `watch/internals`), in the
    daemon's language: `extra` as the audit record has them (`keys`, `restored`, `note`,
    `quarantine`)."""
    before, after = (h or _("absent") for h in hashes)
    facts = [
        _("**File:** `{path}` (git's {area}: workspace-guard's own enforcement)").format(
            path=rel, area=area
        ),
        _("**What changed:** {change}; `{before}` → `{after}`").format(
            change=change, before=before, after=after
        ),
        _("**Agent:** unknown (not written by workspace-guard)"),
    ]
    if extra.get("keys"):
        facts.append(_("**Keys changed:** {keys}").format(keys=", ".join(extra["keys"])))
    if area == "hooks":
        restored = (
            _("yes, the previous hook was put back")
            if extra.get("restored")
            else _("no ({reason})").format(reason=extra.get("note"))
        )
        facts.append(_("**Restored:** {restored}").format(restored=restored))
        if extra.get("quarantine"):
            facts.append(_("**Quarantine:** `{path}`").format(path=extra["quarantine"]))
    return facts


def write(folder: str, incident: Incident) -> str | None:
    """Write the report (whole or not at all: readers never see half of one); its path, or None
    (logged) when the folder cannot be written."""
    return write_text(folder, incident.rel, incident.when, incident.markdown())


def note(folder: str, subject: str, title: str, facts: list[str], escalation: str) -> str | None:
    """An incident about the daemon itself or git's own files (no protected rule behind it)."""
    moment = time.time()
    lines = [_("# Incident: {title}").format(title=title), "", *(f"- {fact}" for fact in facts)]
    lines += [
        _("- **Time:** {moment} (UTC)").format(moment=_moment(moment)),
        _("- **Escalation:** {escalation}").format(escalation=escalation),
        "",
    ]
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

"""What the commit gate says and records about a checked message: violations and warnings on
stderr in the protocol's voice (`report`), one audit record per path at fault (`audit_blocked`).
"""

from __future__ import annotations

import sys

from workspace_guard.i18n import _, ngettext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from workspace_guard.gates.commit.hooks import MessageCheck
    from workspace_guard.repo import Repo

MAX_SHOWN = 50  # problems listed one by one; a 10,000-file commit must not print 10,000 lines


def report(
    check: MessageCheck, source: str, *, stream: TextIO | None = None, hook: bool = True
) -> None:
    """Violations and warnings on stderr, in the protocol's voice (`hook`: a commit is refused;
    otherwise `check-msg` only reports)."""
    out = stream or sys.stderr
    violations = check.violations
    warn = _("workspace-guard: warning [{id}]: {message}")
    for warning in check.result.warnings:
        print(warn.format(id=warning.id, message=warning.message), file=out)
    if not violations:
        return
    count = len(violations)
    if hook:
        head = ngettext(
            "workspace-guard: commit refused — {count} problem in {source}:",
            "workspace-guard: commit refused — {count} problems in {source}:",
            count,
        )
    else:
        head = ngettext(
            "workspace-guard: {count} problem in {source}:",
            "workspace-guard: {count} problems in {source}:",
            count,
        )
    print(head.format(count=count, source=source), file=out)
    for violation in violations[:MAX_SHOWN]:
        where = f" {violation.path}:" if violation.path else ""
        text = "\n    ".join(map(_clip, violation.message.split("\n")))
        print(f"  ✗ [{violation.id}]{where} {text}", file=out)
    if count > MAX_SHOWN:
        more = _(
            "… and {count} more (`workspace-guard check-msg --staged --format json {source}` "
            "lists every one)"
        )
        print("  " + more.format(count=count - MAX_SHOWN, source=source), file=out)


def _clip(line: str, limit: int = 2000) -> str:
    """A report line may quote the message, and a megabyte subject must not come back whole;
    but the end of a line says what to do, so the middle is elided, never the end."""
    if len(line) <= limit:
        return line
    keep = limit // 2 - 40
    more = _("({count} more characters)").format(count=len(line) - 2 * keep)
    return f"{line[:keep]}… {more} …{line[-keep:]}"


def audit_blocked(repo: Repo, check: MessageCheck, layer: str = "commit") -> None:
    """One audit record per path at fault (template problems: one record without a path)."""
    from workspace_guard.state.audit import append, violation_records

    escalation = repo.decider().rules.escalation
    append(
        repo.state_dir,
        violation_records(
            layer, "blocked", check.agent, check.violations, check.decisions, escalation
        ),
    )

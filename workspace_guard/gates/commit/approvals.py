"""Recorded approvals at commit: what they tell a refused message, never what they waive.

A commit carries its approval in its own trailers (`Protocolo: APROBACIÓN_OBTENIDA`,
`Aprobado-por: OWNER`, contract §5); that is what the shared repository's gate checks, and it
knows no state directory. So the commit gate decides on the trailers too, and a live approval in
the ledger only makes the refusal say which trailers to write (where provenance is required, the
ledger then cross-checks that the trailers are true: gates/commit/provenance). Deciding with the
ledger here would let commit-msg pass a commit the reference-transaction hook, pre-push and the
server then refuse ("the commit object exists but no branch points to it").
"""

from __future__ import annotations

import time

from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Approval
    from workspace_guard.core.template import TemplateConfig, Violation
    from workspace_guard.repo import Repo

LEVEL_IDS = ("protocol-insufficient", "approval-missing")


def recorded_approvers(
    decider: Decider, approvals: Sequence[Approval], who: str, path: str
) -> list[tuple[str, float | None]]:
    """(approver, until) of each live approval that would let `who` change `path`."""
    from workspace_guard.core.decide import _covers

    rule = decider.governing_rule(path)
    if rule is None or rule.level == "none":
        return []
    found: dict[str, float | None] = {}
    for a in approvals:
        if a.agent != who or a.approver == who or not _covers(a.path, path):
            continue
        if decider.may_approve(rule, a.approver):
            found.setdefault(a.approver, a.until)
    return list(found.items())


def _until(until: float | None) -> str:
    if until is None:
        return _("no expiry")
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(until))
    return _("until {time}").format(time=stamp)


def with_recorded_approvals(
    repo: Repo,
    decider: Decider,
    who: str,
    found: list[Violation],
    config: TemplateConfig,
) -> list[Violation]:
    """`found` with, on the first level violation of each path a live approval covers, which
    trailers carry that approval (the ledger is read only when a commit is refused)."""
    from workspace_guard.core.record import replace
    from workspace_guard.state.approvals import live_approvals

    approvals = live_approvals(repo.state_dir)
    if not approvals:
        return found
    done: set[str] = set()
    out = []
    for violation in found:
        path = violation.path
        if violation.id not in LEVEL_IDS or path is None or path in done:
            out.append(violation)
            continue
        done.add(path)
        approvers = recorded_approvers(decider, approvals, who, path)
        hint = _hint(approvers[0], who, config) if approvers else ""
        out.append(
            replace(violation, message=f"{violation.message}\n{hint}") if hint else violation
        )
    return out


def _hint(approver: tuple[str, float | None], who: str, config: TemplateConfig) -> str:
    protocol, approval_key = config.field("protocol"), config.field("approved-by").key
    name, until = approver
    return _(
        "the provenance ledger records an approval by {approver} for {agent} ({until}), but a "
        "commit carries its approval in its own message, which is what the shared repository "
        "checks: write `{key}: {value}` and `{approval_key}: {approver}`"
    ).format(
        approver=name,
        agent=who,
        until=_until(until),
        key=protocol.key,
        value=protocol.value_for("approved"),
        approval_key=approval_key,
    )


def preview_note(decider: Decider, approvals: Sequence[Approval], who: str, path: str) -> str:
    """For the pre-commit preview: the recorded approval the message must name, if any."""
    approvers = recorded_approvers(decider, approvals, who, path)
    if not approvers:
        return ""
    names = ", ".join(name for name, _until in approvers)
    return " " + _("(an approval by {approvers} is recorded: name it in the message)").format(
        approvers=names
    )

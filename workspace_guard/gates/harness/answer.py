"""The gate's denial, bounded: what the agent reads and the one audit record per call.

A command such as `git reset --hard` on a dirty tree may touch hundreds of protected files; an
answer that lists each with its paragraph grows to hundreds of kilobytes (the harness then
truncates it, or the model's context fills with it) and an audit record per path buries the log.
So denials are summarised per rule — how many paths, the first few, who owns them, what to do —
the whole answer is capped at :data:`MAX_ANSWER` bytes, and the audit gets one record per call
that names the first paths and the count.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.core.model import Decision
    from workspace_guard.gates.harness.gate import Verdict
    from workspace_guard.repo import Repo

MAX_ANSWER = 4096  # bytes (UTF-8) of the reason the agent reads
SHOWN_PATHS = 3  # paths named per rule in a summary
SHOWN_GROUPS = 8  # rules listed before "and N more"
FULL_GROUPS = 2  # up to this many rules: a full paragraph each; more: a line each
_LEVEL_ORDER = {"critical": 0, "high": 1}
AUDIT_PATHS = 20  # paths named in the call's audit record
_NOTE_CHARS = 600  # the analysis's note, at most


def _group_key(decision: Decision) -> tuple[Any, ...]:
    rule = decision.rule
    where = (rule.pattern, rule.source) if rule is not None else None
    return (decision.reason, where, decision.owner, decision.level, decision.claimed_by)


def groups(denied: tuple[Decision, ...]) -> list[list[Decision]]:
    """Denials with a path, grouped by the rule (and owner, level, claim) that decides them."""
    out: dict[tuple[Any, ...], list[Decision]] = {}
    for decision in denied:
        if decision.path:
            out.setdefault(_group_key(decision), []).append(decision)
    return list(out.values())


def _summary(group: list[Decision]) -> str:
    """One paragraph for a rule that denies several paths."""
    from workspace_guard.i18n import _
    from workspace_guard.messages import denial_lines

    first = group[0]
    shown = ", ".join(d.path for d in group[:SHOWN_PATHS])
    head = _("{agent} may not change {count} paths ({shown}{more}).").format(
        agent=first.agent,
        count=len(group),
        shown=shown,
        more=_(", and {n} more").format(n=len(group) - SHOWN_PATHS)
        if len(group) > SHOWN_PATHS
        else "",
    )
    see = _("See why for any of them: `workspace-guard explain {path}`.").format(path=first.path)
    return " ".join([head, *denial_lines(first), see])


def _line(group: list[Decision]) -> str:
    """One rule of many: its paths (the first few), level, owner."""
    from workspace_guard.i18n import _
    from workspace_guard.messages import level_text

    first = group[0]
    rule = first.rule
    if first.reason == "claimed":
        what = _("claimed by {holder}").format(holder=first.claimed_by)
    elif rule is None:
        what = _("no rule")
    elif rule.index < 0:
        what = _("the office of {owner}").format(owner=first.owner)
    else:
        what = _("rule `{pattern}` at {where}").format(pattern=rule.pattern, where=rule.source)
    shown = ", ".join(d.path for d in group[:SHOWN_PATHS])
    if len(group) > SHOWN_PATHS:
        shown += _(", and {n} more").format(n=len(group) - SHOWN_PATHS)
    return _("[{what} · level {level} · owner {owner}] {count}: {shown};").format(
        what=what,
        level=level_text(first.level),
        owner=first.owner or first.escalation,
        count=len(group),
        shown=shown,
    )


def _next_many(first: Decision) -> str:
    from workspace_guard.i18n import _

    return _(
        "Next: do not edit them yourself. Consult each owner (`workspace-guard consult PATH "
        "--agent {agent}`) or get approvals (`workspace-guard approve {agent} PATH… --by OWNER`); "
        "see why for any path: `workspace-guard explain {path}`."
    ).format(agent=first.agent, path=first.path)


def reason_text(verdict: Verdict) -> str:
    """The denial text (before the protocol's framing): a paragraph per path when one path of a
    rule is denied, a summary per rule otherwise; the note shortened."""
    from workspace_guard.i18n import _, ngettext
    from workspace_guard.messages import denial_paragraph

    parts = [verdict.escalation] if verdict.escalation else []
    parts += [verdict.refusal] if verdict.refusal else []
    if not verdict.refusal:
        parts += [denial_paragraph(d) for d in verdict.denied if not d.path]
    found = groups(verdict.denied)
    if len(found) <= FULL_GROUPS:
        parts += [denial_paragraph(g[0]) if len(g) == 1 else _summary(g) for g in found]
    else:
        found.sort(key=lambda g: _LEVEL_ORDER.get(g[0].level, 2))
        parts.append(
            _("{agent} may not change {count} paths under {rules} rules:").format(
                agent=found[0][0].agent, count=sum(len(g) for g in found), rules=len(found)
            )
        )
        parts += [_line(g) for g in found[:SHOWN_GROUPS]]
        if len(found) > SHOWN_GROUPS:
            rest = found[SHOWN_GROUPS:]
            parts.append(
                ngettext(
                    "{count} more path under {rules} other rules is denied too.",
                    "{count} more paths under {rules} other rules are denied too.",
                    sum(len(g) for g in rest),
                ).format(count=sum(len(g) for g in rest), rules=len(rest))
            )
        parts.append(_next_many(found[0][0]))
    note = verdict.note
    if len(note) > _NOTE_CHARS:
        note = note[:_NOTE_CHARS].rstrip() + "…"
    if note:
        parts.append(note)
    return " ".join(parts)


def bounded(text: str, limit: int = MAX_ANSWER) -> str:
    """`text` cut to `limit` UTF-8 bytes (at a character boundary), saying it was cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    marker = " …[cut: the full list is in `workspace-guard audit --agent AGENT`]"
    keep = data[: limit - len(marker.encode("utf-8"))].decode("utf-8", "ignore")
    return keep + marker


def audit_record(layer: str, verdict: Verdict, **extra: Any) -> dict[str, Any]:
    """The call's one audit record: the contract's fields from the first denial, then how many
    paths were denied, the first of them and the rules that denied them."""
    from workspace_guard.state.audit import decision_record

    denied = verdict.denied
    paths = [d.path for d in denied if d.path]
    rules = list(
        dict.fromkeys(f"{d.rule.pattern} ({d.rule.source})" for d in denied if d.rule is not None)
    )
    first = next((d for d in denied if d.path), denied[0])
    record = decision_record(layer, first, "denied", **extra)
    record.update(
        paths=paths[:AUDIT_PATHS],
        count=len(paths),
        rules=rules[:AUDIT_PATHS],
    )
    if verdict.refusal:
        record["refusal"] = verdict.refusal[:_NOTE_CHARS]
    return record


def record(repo: Repo, verdict: Verdict, layer: str) -> None:
    """Audit the call's denials: one record, however many paths."""
    if verdict.denied:
        from workspace_guard.state.audit import append

        append(repo.state_dir, [audit_record(layer, verdict)])

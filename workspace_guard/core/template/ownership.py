"""Ownership against the changed paths (contract §5): levels, approvals, `Archivo` listing.

Decisions come from core.decide, so every layer gives the same answer."""

from __future__ import annotations

from workspace_guard.core.template.config import TRUSTED_REASONS, TemplateConfig
from workspace_guard.core.template.fields import Fields, Violation
from workspace_guard.i18n import _

TYPE_CHECKING = False  # `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from workspace_guard.core.model import Decision


def check_ownership(
    fields: Fields,
    decisions: Sequence[Decision],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> list[Violation]:
    """§5 against the changed paths: a denied `high` path needs consulting, a denied
    `critical` one an approval by its owner, a backup or a superuser, and every protected path
    a non-owner touches must be named in `Archivo`. Decisions come from core.decide, so every
    layer gives the same answer."""
    first: dict[str, Decision] = {}
    for d in decisions:
        first.setdefault(d.path, d)  # each path once, in order
    groups = [(d, (d.path,)) for d in first.values()]
    return check_ownership_groups(fields, groups, config, superusers=superusers)


def check_ownership_groups(
    fields: Fields,
    groups: Iterable[tuple[Decision, Sequence[str]]],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> list[Violation]:
    """`check_ownership` over paths gathered by verdict (`Decider.decide_groups`): what a
    verdict requires is checked once per group, whether `Archivo` names it once per path. Paths
    are unique; violations come group by group, each path's in order."""
    out: list[Violation] = []
    # `Archivo` as a set of files and a tuple of directories: a commit may touch 10,000 paths
    exact = {f for f in fields.files if not f.endswith("/")}
    folders = tuple(f for f in fields.files if f.endswith("/"))
    for first, paths in groups:
        if first.reason in TRUSTED_REASONS:
            continue
        level_ok = level_met(first, fields, config, superusers=superusers)
        for path in paths:
            listed = path in exact or path.startswith(folders)
            if level_ok and listed:
                continue
            d = first if path == first.path else first.for_path(path)
            if not level_ok:
                out += _level_violations(d, fields, config, superusers)
            if not listed:
                out.append(_not_listed(d, fields, config))
    return out


def level_met(
    d: Decision, fields: Fields, config: TemplateConfig, *, superusers: Collection[str] = ()
) -> bool:
    """Whether the message's protocol and approvers meet `d`'s level (no text is built when
    they do): what `check_ownership_groups` asks of each verdict before `Archivo`."""
    return d.allowed or not _level_violations(d, fields, config, superusers)


def ownership_in_order(
    fields: Fields,
    groups: Sequence[tuple[Decision, Sequence[str]]],
    paths: Sequence[str],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> tuple[list[Decision], list[Violation]]:
    """`check_ownership_groups` as the gates report it: the violations in the order of `paths`,
    and the decisions of the paths at fault (what the audit log records)."""
    found = check_ownership_groups(fields, groups, config, superusers=superusers)
    if not found:
        return [], []
    if len(groups) > 1:
        position = {path: n for n, path in enumerate(paths)}
        found.sort(key=lambda v: position.get(v.path or "", -1))
    at_fault = {v.path for v in found}
    return [d.for_path(p) for d, ps in groups for p in ps if p in at_fault], found


def _approvers(d: Decision, superusers: Collection[str]) -> list[str]:
    """Who may approve: owner (or, for an ownerless rule, the escalation agent), backups,
    superusers."""
    names = [d.owner] if d.owner else [d.escalation] if d.escalation else []
    names += [b for b in d.backup if b not in names]
    return names + [s for s in superusers if s not in names]


def _protection(d: Decision) -> str:
    """`app/main.py` (critical; rule `app/main.py` at rules.yaml:12; owner X, backups Y)."""
    if d.rule is not None:
        source = _("rule `{pattern}` at {where}").format(
            pattern=d.rule.pattern, where=d.rule.source
        )
    else:
        source = _("office {office}").format(office=d.office) if d.office else _("protected")
    owner = _("owner {owner}").format(owner=d.owner) if d.owner else _("no owner")
    if d.backup:
        owner += ", " + _("backups {backups}").format(backups=", ".join(d.backup))
    return f"`{d.path}` ({_(d.level)}; {source}; {owner})"


def _level_violations(
    d: Decision, fields: Fields, config: TemplateConfig, superusers: Collection[str]
) -> list[Violation]:
    if d.level != "critical" and fields.protocol in ("consulted", "approved"):
        return []  # the common, satisfied cases first: no message is built
    if (
        d.level == "critical"
        and fields.protocol == "approved"
        and any(a != d.agent and a in _approvers(d, superusers) for a in fields.approved_by)
    ):
        return []
    spec, akey = config.field("protocol"), config.field("approved-by").key
    if fields.protocol_raw:
        has = f"`{spec.key}: {fields.protocol_raw}`"
    else:
        has = _("no `{key}`").format(key=spec.key)
    escalate = "; " + _("escalation: {agent}").format(agent=d.escalation) if d.escalation else ""
    approvers = _approvers(d, superusers)
    ask = approvers[0] if approvers else _("the owner")
    if d.level != "critical":
        if fields.protocol in ("consulted", "approved"):
            return []
        text = _(
            "{protection} is protected at level {level}: consult {ask} before changing it and "
            "write `{key}: {value}` (the message has {has})"
        ).format(
            protection=_protection(d),
            level=_(d.level),
            ask=ask,
            key=spec.key,
            value=spec.value_for("consulted"),
            has=has,
        )
        return [Violation("protocol-insufficient", text + escalate, d.path)]
    out = []
    if fields.protocol != "approved":
        text = _(
            "{protection} is protected at level critical: get {ask}'s approval and write "
            "`{key}: {value}` and `{approval_key}: {ask}` (the message has {has})"
        ).format(
            protection=_protection(d),
            ask=ask,
            key=spec.key,
            value=spec.value_for("approved"),
            approval_key=akey,
            has=has,
        )
        out.append(Violation("protocol-insufficient", text + escalate, d.path))
    return out + _approval_violations(d, fields, akey, approvers, escalate)


def _approval_violations(
    d: Decision, fields: Fields, akey: str, approvers: Sequence[str], escalate: str
) -> list[Violation]:
    """A critical path needs `Aprobado-por` naming an entitled approver other than the actor."""
    who = ", ".join(approvers) or _("a superuser")
    if not fields.approved_by:
        text = _(
            "{protection} is critical: the message needs `{key}:` naming who approved ({who})"
        ).format(protection=_protection(d), key=akey, who=who)
        return [Violation("approval-missing", text + escalate, d.path)]
    if any(a in approvers and a != d.agent for a in fields.approved_by):
        return []
    if d.agent in fields.approved_by:
        text = _(
            "{protection}: `{key}: {names}` names neither the owner, a backup nor a superuser "
            "(an agent cannot approve its own change); approvals count only from: {who}"
        )
    else:
        text = _(
            "{protection}: `{key}: {names}` names neither the owner, a backup nor a superuser; "
            "approvals count only from: {who}"
        )
    names = ", ".join(fields.approved_by)
    text = text.format(protection=_protection(d), key=akey, names=names, who=who)
    return [Violation("approval-invalid", text + escalate, d.path)]


def _not_listed(d: Decision, fields: Fields, config: TemplateConfig) -> Violation:
    key = config.field("file").key
    text = _(
        "{protection} is changed by {agent}, who is not its owner, so the message must name "
        "it: add `{key}: {path}`"
    ).format(protection=_protection(d), agent=d.agent, key=key, path=d.path)
    if fields.files:
        text += " (" + _("it lists: {files}").format(files=", ".join(fields.files)) + ")"
    return Violation("file-not-listed", text, d.path)

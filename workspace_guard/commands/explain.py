"""`workspace-guard explain PATH…`: the rule deciding a path, what it overrode, who answers."""

from __future__ import annotations

import json
from typing import Any

from workspace_guard.core.decide import Decider
from workspace_guard.core.model import ProtectedRule, Responsibility
from workspace_guard.core.patterns import PatternIndex
from workspace_guard.i18n import _
from workspace_guard.messages import level_text
from workspace_guard.repo import Repo


def explain_path(
    decider: Decider, path: str, areas: list[tuple[Responsibility, PatternIndex]]
) -> dict[str, Any]:
    """Everything the rules say about one normalised path."""
    rules = decider.rules
    office = rules.office_of(path)
    matching = [rules.protected[i] for i in decider.index.matches(path)]
    governing = decider.governing_rule(path)
    # Inside an office the office decides (an implicit `high` rule of its agent) and every
    # explicit rule that matches is overridden by it (contract §3 step 4).
    overridden = matching if office else matching[:-1]
    return {
        "path": path,
        "protected": governing is not None and governing.level != "none",
        "level": governing.level if governing else "none",
        "owner": governing.owner if governing else None,
        "backup": list(governing.backup) if governing else [],
        "rule": _rule_json(governing),
        "overridden": [_rule_json(rule) for rule in reversed(overridden)],
        "office": {"agent": office.name, "path": office.office} if office else None,
        "responsibilities": [
            {
                "area": r.area,
                "responsible": r.responsible,
                "backup": list(r.backup),
                "source": r.source,
            }
            for r, index in areas
            if index.match(path) >= 0
        ],
        "escalation": rules.escalation,
    }


def _rule_json(rule: ProtectedRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "pattern": rule.pattern,
        "source": rule.source,
        "owner": rule.owner,
        "backup": list(rule.backup),
        "level": rule.level,
        "note": rule.note,
    }


def explain_all(repo: Repo, paths: list[str]) -> list[dict[str, Any]]:
    """`explain_path` for each user-given path, with its symlink target and live claims."""
    from workspace_guard.state.claims import live

    decider = repo.decider()
    areas = [(r, PatternIndex(list(r.patterns))) for r in decider.rules.responsibilities]
    claims = live(repo.state_dir)
    results = []
    for given in paths:
        path = repo.relative(given)
        item = explain_path(decider, path, areas)
        item["symlink_to"] = repo.link_target(path)
        item["claims"] = [c.to_json() for c in claims.covering(path)]
        results.append(item)
    return results


def run(repo: Repo, paths: list[str], fmt: str = "text") -> int:
    """Explain each path; always exit 0 (it reports, it does not judge)."""
    results = explain_all(repo, paths)
    if fmt == "json":
        print(json.dumps({"results": results}, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(_text(item) for item in results))
    return 0


def _row(label: str, text: str) -> str:
    """One labelled line of the text output (labels in the user's language, aligned)."""
    return f"  {(label + ':').ljust(12)} {text}"


def _text(item: dict[str, Any]) -> str:
    lines = [item["path"]]
    office = item["office"]
    rule = item["rule"]
    if item.get("symlink_to"):
        lines.append(
            _row(
                _("symlink to"),
                _("{target} (validate decides both; the stricter wins)").format(
                    target=item["symlink_to"]
                ),
            )
        )
    if office:
        lines.append(
            _row(
                _("office"),
                _("{path} (of {agent}; others need it to consult)").format(
                    path=office["path"], agent=office["agent"]
                ),
            )
        )
        if item["overridden"]:
            lines.append(_row(_("note"), _("protected rules do not reach into offices")))
    if rule:
        lines.append(
            _row(
                _("rule"),
                _("`{pattern}` at {source} — level {level}").format(
                    pattern=rule["pattern"], source=rule["source"], level=level_text(rule["level"])
                ),
            )
        )
        if rule.get("note"):
            lines.append(f"               {rule['note']}")
    elif not office:
        lines.append(_row(_("rule"), _("none — not protected")))
    if item["protected"]:
        backups = ", ".join(item["backup"]) or _("none")
        owner = item["owner"] or _("(none: superusers only)")
        lines.append(
            _row(_("owner"), _("{owner} · backups: {backups}").format(owner=owner, backups=backups))
        )
    for old in item["overridden"]:
        text = _("`{pattern}` at {source} (level {level}, owner {owner})").format(
            pattern=old["pattern"],
            source=old["source"],
            level=level_text(old["level"]),
            owner=old["owner"] or "-",
        )
        lines.append(_row(_("overrides"), text))
    for area in item["responsibilities"]:
        backup = ", ".join(area["backup"]) or _("none")
        text = _("{area} — {responsible} (backup {backup})").format(
            area=area["area"], responsible=area["responsible"], backup=backup
        )
        lines.append(_row(_("area"), text))
    lines += [_claim_row(held) for held in item.get("claims", [])]
    lines.append(_row(_("escalation"), item["escalation"]))
    return "\n".join(lines)


def _claim_row(held: dict[str, Any]) -> str:
    import time

    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(held["until"]))
    kind = _("shared") if held["shared"] else _("exclusive")
    text = _("by {agent} ({kind}, {pattern}) until {until}").format(
        agent=held["agent"], kind=kind, pattern=held["pattern"], until=until
    )
    return _row(_("claimed"), text)

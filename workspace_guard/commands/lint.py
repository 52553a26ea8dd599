"""`workspace-guard lint`: problems in the working-tree rules file (it checks an edit).

Findings about tracked files use `git ls-files` and our own matcher — never filesystem globbing,
which reports false "matches nothing" for unanchored patterns.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from workspace_guard import git
from workspace_guard.commands.lint_protocol import protocol_findings
from workspace_guard.core.model import ProtectedRule, Rules
from workspace_guard.core.patterns import PatternIndex, literal_prefix, pattern_regex
from workspace_guard.core.rules import RulesError, load_rules
from workspace_guard.errors import ConfigError
from workspace_guard.i18n import _, choose_for_workspace, ngettext, severity, strerror
from workspace_guard.repo import DEFAULT_RULES, Repo


@dataclass(frozen=True)
class Finding:
    """One lint result; `level` is error, warning or info."""

    level: str
    id: str
    message: str
    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {severity(self.level)}: {self.message} [{self.id}]"


def lint_text(data: bytes, name: str, tracked: list[str] | None) -> list[Finding]:
    """Every finding for rules `data`; `tracked` enables the checks against tracked files."""
    try:
        rules = load_rules(data, name)
    except RulesError as exc:
        return [Finding("error", "load", p.message, p.file, p.line, p.column) for p in exc.problems]
    reach = _office_reach(rules)
    findings = _duplicates(rules) + _idle_agents(rules) + reach
    findings += [
        Finding(lv, fid, text, name) for lv, fid, text, _ in protocol_findings(rules, tracked)
    ]
    if tracked is not None:
        inside = {f.line for f in reach}
        findings += [f for f in _against_tracked(rules, tracked) if f.line not in inside]
    return sorted(findings, key=lambda f: (f.line, f.id))


def _src(source: str) -> tuple[str, int]:
    file, _, line = source.rpartition(":")
    return file, int(line) if line.isdigit() else 0


def _duplicates(rules: Rules) -> list[Finding]:
    """Rules that mean the same (`/a/b` and `a/b` alike): only the last one can ever decide."""
    seen: dict[str, ProtectedRule] = {}
    out = []
    for rule in rules.protected:
        meaning = pattern_regex(rule.pattern).pattern
        first = seen.get(meaning)
        if first is not None:
            file, line = _src(rule.source)
            if first.pattern == rule.pattern:
                text = _(
                    "pattern {pattern!r} repeats the rule at {source}; only the last one ever "
                    "decides"
                )
            else:
                text = _(
                    "pattern {pattern!r} means the same as {first!r} in the rule at {source}; "
                    "only the last one ever decides"
                )
            out.append(
                Finding(
                    "warning",
                    "duplicate-pattern",
                    text.format(pattern=rule.pattern, first=first.pattern, source=first.source),
                    file,
                    line,
                    5,
                )
            )
        seen[meaning] = rule
    return out


def _idle_agents(rules: Rules) -> list[Finding]:
    owners = {r.owner for r in rules.protected} | {b for r in rules.protected for b in r.backup}
    owners |= {r.responsible for r in rules.responsibilities} | set(rules.superusers)
    owners |= {rules.escalation, rules.harness.get("main_agent")}  # they act without owning
    out = []
    for agent in rules.agents.values():
        if agent.name not in owners and not agent.office:
            file, line = _src(agent.source)
            out.append(
                Finding(
                    "info",
                    "idle-agent",
                    _("agent {agent} owns nothing and has no office").format(agent=agent.name),
                    file,
                    line,
                    3,
                )
            )
    return out


def _office_reach(rules: Rules) -> list[Finding]:
    """Explicit protected rules do not apply inside offices: a rule aimed inside one is dead.

    Found from the pattern itself (its anchored literal prefix lies in the office), so it holds
    for files that do not exist yet; rules that float into offices are found against the tracked
    files by `_against_tracked`.
    """
    out = []
    offices = [a for a in rules.agents.values() if a.office]
    for rule in rules.protected:
        prefix = literal_prefix(rule.pattern)
        if prefix is None:
            continue
        for agent in offices:
            office = agent.office or ""
            if prefix.startswith(office) or rule.pattern.strip("/") == office.rstrip("/"):
                file, line = _src(rule.source)
                out.append(
                    Finding(
                        "warning",
                        "office-reach",
                        _(
                            "pattern {pattern!r} reaches into the office of {agent} "
                            "({office}); protected rules do not apply inside offices, so it "
                            "has no effect"
                        ).format(pattern=rule.pattern, agent=agent.name, office=office),
                        file,
                        line,
                        5,
                    )
                )
                break
    return out


def _against_tracked(rules: Rules, tracked: list[str]) -> list[Finding]:
    """Rules matching no tracked file, matching only inside offices, or never winning.

    Matching is our own index over `git ls-files` (never filesystem globbing, which reports an
    unanchored `*.py` or `conftest.py` as matching nothing). Inside offices rules do not decide, so
    only the files outside offices count for "wins".
    """
    if not rules.protected:
        return []
    index = PatternIndex([r.pattern for r in rules.protected])
    outside: list[str] = []
    inside: list[str] = []
    for path in tracked:
        (outside if rules.office_of(path) is None else inside).append(path)
    winners = set(index.match_many(outside))
    matched = winners | _matched_losers(rules, outside, winners)
    in_offices = _matched_losers(rules, inside, set()) - matched if inside else set()
    out = []
    for rule in rules.protected:
        file, line = _src(rule.source)
        if rule.index in in_offices:
            out.append(
                Finding(
                    "warning",
                    "office-reach",
                    _(
                        "pattern {pattern!r} matches tracked files only inside offices, "
                        "where protected rules do not apply"
                    ).format(pattern=rule.pattern),
                    file,
                    line,
                    5,
                )
            )
        elif rule.index not in matched:
            out.append(
                Finding(
                    "warning",
                    "matches-nothing",
                    _("pattern {pattern!r} matches no tracked file").format(pattern=rule.pattern),
                    file,
                    line,
                    5,
                )
            )
        elif rule.index not in winners:
            out.append(
                Finding(
                    "warning",
                    "never-wins",
                    _(
                        "pattern {pattern!r} never decides: a later rule overrides it for "
                        "every tracked file it matches"
                    ).format(pattern=rule.pattern),
                    file,
                    line,
                    5,
                )
            )
    return out


def _matched_losers(rules: Rules, tracked: list[str], winners: set[int]) -> set[int]:
    """Which non-winning rules match at least one path (repeated index passes, no N×M loop)."""
    remaining = [r.index for r in rules.protected if r.index not in winners]
    found_all: set[int] = set()
    while remaining:
        index = PatternIndex([rules.protected[i].pattern for i in remaining])
        found = {remaining[m] for m in index.match_many(tracked) if m >= 0}
        if not found:
            break
        found_all |= found
        remaining = [i for i in remaining if i not in found]
    return found_all


def run(repo: Repo | None, rules_option: str | None, fmt: str = "text") -> int:
    """Lint the working-tree rules; exit 1 when there are errors. It speaks the language of
    the rules every other command reads (the trusted ones)."""
    choose_for_workspace(repo.cwd if repo is not None else os.getcwd())
    path, name = _target(repo, rules_option)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(
            _("cannot read the rules file {name}: {error}").format(name=name, error=strerror(exc))
        ) from exc
    tracked = git.ls_files(repo.root) if repo is not None and repo.info.root else None
    if tracked is not None and repo is not None:
        # the rules file itself counts as tracked: it binds only once committed, so the rule that
        # protects it (`init` writes one) is not "matching nothing" on the lint before that commit
        rel = os.path.relpath(os.path.abspath(path), repo.root).replace(os.sep, "/")
        if not rel.startswith("../") and rel not in tracked:
            tracked = [*tracked, rel]
    findings = lint_text(data, name, tracked)
    errors = sum(1 for f in findings if f.level == "error")
    if fmt == "json":
        payload: dict[str, Any] = {
            "ok": errors == 0,
            "file": name,
            "findings": [asdict(f) for f in findings],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_text(findings, name)
    return 1 if errors else 0


def _target(repo: Repo | None, rules_option: str | None) -> tuple[str, str]:
    option = rules_option or os.environ.get("WORKSPACE_GUARD_RULES")
    if option:
        return option, option
    if repo is None:
        raise ConfigError(_("not in a git repository"), hint=_("name the file with --rules FILE"))
    return os.path.join(repo.root, DEFAULT_RULES), DEFAULT_RULES


def _print_text(findings: list[Finding], name: str) -> None:
    for finding in findings:
        print(finding)
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding.level] += 1
    words = {
        "error": ngettext("{n} error", "{n} errors", counts["error"]),
        "warning": ngettext("{n} warning", "{n} warnings", counts["warning"]),
        "info": ngettext("{n} info", "{n} infos", counts["info"]),
    }
    summary = ", ".join(words[k].format(n=counts[k]) for k in words if counts[k])
    print(f"{name}: {summary or _('no problems')}")

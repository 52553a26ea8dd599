"""`workspace-guard check-commits RANGE [--format text|json|github]` for CI."""

from __future__ import annotations

import json
import os
from collections import defaultdict

from workspace_guard.core.record import replace
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, UsageError
from workspace_guard.gates.push.range import (
    CommitResult,
    check_range,
    is_tty,
    load_base_rules,
    range_args,
    refuse_shallow,
    resolve,
)
from workspace_guard.i18n import _
from workspace_guard.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.entry import Values


def main(values: Values) -> int:
    """The command as the front door calls it (`entry.CHECK_COMMITS` declares the values)."""
    ranges: list[str] = values["range"]
    if len(ranges) != 1:
        problem = "no RANGE given" if not ranges else "only one RANGE is checked at a time"
        raise UsageError(problem, hint=f"usage: {values['prog']} {values['usage']}")
    repo = Repo.discover(rules_option=values["rules"])
    return run(repo, ranges[0], base=values["base"], fmt=values["format"])


def run(repo: Repo, spec: str, *, base: str | None = None, fmt: str = "text") -> int:
    """Check every commit of `git rev-list RANGE`; exit 1 when any has a violation."""
    os.environ["GIT_NO_REPLACE_OBJECTS"] = "1"  # rules and commits as stored, never replaced
    refuse_shallow(repo)
    rev_args, range_base = range_args(repo, spec)
    base = resolve(repo, base) if base else range_base
    rules = load_base_rules(repo, base)
    if rules is None:
        repo.warn(_("no rules file at the base revision: only the commit template is checked"))
    results = check_range(repo, rev_args, rules, progress=fmt == "text" and is_tty())
    if fmt == "json":
        kept = [_compact(r) for r in results]
        ok = not any(r.violations for r in kept)
        print(json.dumps(_json(ok, kept), ensure_ascii=False, indent=2))
        return EXIT_OK if ok else EXIT_VIOLATION
    summary = Summary()
    for result in results:  # only the failing commits are kept: memory stays flat
        summary.add(result)
    if fmt == "github":
        _annotate(summary.failures)
    summary.print()
    return EXIT_VIOLATION if summary.failures else EXIT_OK


def _compact(result: CommitResult) -> CommitResult:
    """What the JSON report needs: a clean commit's decisions are dropped."""
    return result if result.violations or not result.decisions else replace(result, decisions=())


def _json(ok: bool, results: list[CommitResult]) -> dict[str, object]:
    return {
        "ok": ok,
        "commits": [
            {
                "sha": r.sha,
                "agent": r.agent,
                "subject": r.subject,
                "violations": [
                    {"id": v.id, "path": v.path, "message": v.message} for v in r.violations
                ],
            }
            for r in results
        ],
    }


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (data and property values)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _annotate(results: list[CommitResult]) -> None:
    """One `::error` workflow command per violation (GitHub shows them on the files)."""
    for result in results:
        for violation in result.violations:
            file_part = f"file={_escape(violation.path, prop=True)}," if violation.path else ""
            title = _("{id} in {sha} ({agent})").format(
                id=violation.id, sha=result.sha[:10], agent=result.agent or _("no agent")
            )
            title = _escape(title, prop=True)
            print(f"::error {file_part}title={title}::{_escape(violation.message)}")


class Summary:
    """Commits and violations per agent, and the failing commits themselves."""

    def __init__(self) -> None:
        self.per_agent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.failures: list[CommitResult] = []
        self.commits = 0

    def add(self, result: CommitResult) -> None:
        counts = self.per_agent[result.agent or _("(no agent)")]
        counts[0] += 1
        counts[1] += len(result.violations)
        self.commits += 1
        if result.violations:
            self.failures.append(result)

    def print(self) -> None:
        for result in self.failures:
            print(f"{result.sha[:10]} {result.subject[:60]} ({result.agent or _('no agent')})")
            for violation in result.violations:
                where = f" {violation.path}:" if violation.path else ""
                first = violation.message.split("\n\n")[0].replace("\n", " ")
                print(f"  ✗ [{violation.id}]{where} {first}")
        head, c_head, v_head = _("AGENT"), _("COMMITS"), _("VIOLATIONS")
        width = max([len(head), *map(len, self.per_agent)])
        c_width, v_width = len(c_head), len(v_head)
        print(f"\n{head.ljust(width)}  {c_head}  {v_head}")
        for agent in sorted(self.per_agent):
            commits, violations = self.per_agent[agent]
            print(f"{agent.ljust(width)}  {commits:>{c_width}}  {violations:>{v_width}}")
        summary = _("{commits} commits checked, {failed} with violations")
        print(summary.format(commits=self.commits, failed=len(self.failures)))

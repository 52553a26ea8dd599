"""`workspace-guard check-commits RANGE [--format text|json|github]` for CI."""

from __future__ import annotations

import json
from collections import defaultdict

from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION
from workspace_guard.gates.push import (
    CommitResult,
    check_range,
    is_tty,
    load_base_rules,
    range_args,
    refuse_shallow,
)
from workspace_guard.repo import Repo


def run(repo: Repo, spec: str, *, base: str | None = None, fmt: str = "text") -> int:
    """Check every commit of `git rev-list RANGE`; exit 1 when any has a violation."""
    refuse_shallow(repo)
    rev_args, range_base = range_args(repo, spec)
    rules = load_base_rules(repo, base or range_base)
    if rules is None:
        repo.warn("no rules file at the base revision: only the commit template is checked")
    progress = fmt == "text" and is_tty()
    results = list(check_range(repo, rev_args, rules, progress=progress))
    ok = not any(r.violations for r in results)
    if fmt == "json":
        print(json.dumps(_json(ok, results), ensure_ascii=False, indent=2))
    elif fmt == "github":
        _github(results)
    else:
        _text(results)
    return EXIT_OK if ok else EXIT_VIOLATION


def _json(ok: bool, results: list[CommitResult]) -> dict[str, object]:
    return {
        "ok": ok,
        "commits": [
            {
                "sha": r.sha,
                "agent": r.agent,
                "subject": r.subject,
                "violations": [{"id": v.id, "path": v.path, "message": v.message}
                               for v in r.violations],
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


def _github(results: list[CommitResult]) -> None:
    for result in results:
        for violation in result.violations:
            file_part = f"file={_escape(violation.path, prop=True)}," if violation.path else ""
            title = _escape(f"{violation.id} in {result.sha[:10]} ({result.agent or 'no agent'})",
                            prop=True)
            print(f"::error {file_part}title={title}::{_escape(violation.message)}")
    _text(results)


def _text(results: list[CommitResult]) -> None:
    per_agent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        per_agent[result.agent or "(no agent)"][0] += 1
        per_agent[result.agent or "(no agent)"][1] += len(result.violations)
        if result.violations:
            print(f"{result.sha[:10]} {result.subject[:60]} ({result.agent or 'no agent'})")
        for violation in result.violations:
            where = f" {violation.path}:" if violation.path else ""
            first = violation.message.split("\n\n")[0].replace("\n", " ")
            print(f"  ✗ [{violation.id}]{where} {first}")
    width = max([len("AGENT"), *(len(a) for a in per_agent)])
    print(f"\n{'AGENT'.ljust(width)}  COMMITS  VIOLATIONS")
    for agent in sorted(per_agent):
        commits, violations = per_agent[agent]
        print(f"{agent.ljust(width)}  {commits:>7}  {violations:>10}")
    bad = sum(1 for r in results if r.violations)
    print(f"{len(results)} commits checked, {bad} with violations")

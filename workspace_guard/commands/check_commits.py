"""`workspace-guard check-commits RANGE [--format text|json|github]` for CI."""

from __future__ import annotations

import os
from collections import defaultdict

from workspace_guard.core.record import replace
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, UsageError
from workspace_guard.gates.push.range import (
    AS_STORED,
    CommitResult,
    check_range,
    ci_base,
    clone_range,
    is_tty,
    start_listing,
)
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES, Repo

TYPE_CHECKING = False  # a hot command of entry.FAST: `typing` is not imported at run time
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.entry import Values
    from workspace_guard.gates.push.trust import Settings


def main(values: Values) -> int:
    """The command as the front door calls it (`entry.CHECK_COMMITS` declares the values)."""
    ranges: list[str] = values["range"]
    if len(ranges) != 1:
        from workspace_guard.i18n import choose_for_workspace

        choose_for_workspace(os.getcwd())  # no rules are loaded yet: speak as `--help` does
        problem = _("no RANGE given") if not ranges else _("only one RANGE is checked at a time")
        usage = _("usage: {prog} {usage}").format(prog=values["prog"], usage=values["usage"])
        raise UsageError(problem, hint=usage)
    repo = Repo.discover(rules_option=values["rules"])
    return run(repo, ranges[0], base=values["base"], fmt=values["format"])


def run(repo: Repo, spec: str, *, base: str | None = None, fmt: str = "text") -> int:
    """Check every commit of `git rev-list RANGE`; exit 1 when any has a violation."""
    os.environ.update(AS_STORED)  # rules and commits as stored: no replace refs, no grafts
    rev_args, range_base = clone_range(repo, spec)
    listing = start_listing(repo.cwd, rev_args)  # git lists while the rules are read
    try:
        from workspace_guard.gates.push.trust import gate_settings

        settings = gate_settings(repo)  # one `git config` for every workspace-guard.* key
        rules = _rules(repo, base, range_base, settings)
    except BaseException:
        listing.close()  # stops git
        raise
    progress = fmt == "text" and is_tty()
    results = check_range(repo, rev_args, rules, progress=progress, listing=listing)
    from workspace_guard.gates.push.notes import checked

    results = checked(repo, rules, results, settings)  # provenance notes, when required
    summary = Summary()
    if fmt == "json":
        kept = [_compact(summary.add(r)) for r in results]
        ok = not any(r.violations for r in kept)
        data = _json(ok, kept)
        data["summary"] = summary.as_json()
        import json  # only the JSON report needs it (~1.3 ms of import)

        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK if ok else EXIT_VIOLATION
    for result in results:  # only the failing commits are kept: memory stays flat
        summary.add(result)
    if fmt == "github":
        _annotate(summary.failures)
    summary.print()
    return EXIT_VIOLATION if summary.failures else EXIT_OK


def _rules(
    repo: Repo, explicit: str | None, range_base: str | None, settings: Settings | None = None
) -> Rules:
    """The trusted rules: `--rules`, else those committed at the base (see `ci_base`). A base
    without a rules file is a usage error: a check of the template alone must not pass."""
    if repo.rules_option and not explicit:
        return repo.load_rules()
    base, how = ci_base(repo, explicit, range_base, settings)
    rules = repo.rules_at(base)
    if rules is None:
        raise UsageError(
            _(
                "the base {base} ({how}) has no {rules}: checking the template alone would "
                "pass commits that break the ownership rules"
            ).format(base=base, how=how, rules=DEFAULT_RULES),
            hint=_(
                "name a revision that has the rules with --base REV (in CI: the pull "
                "request's base sha), or a rules file with --rules FILE"
            ),
        )
    return rules


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
    """Commits and violations per agent and per protecting rule, violation ids, and the
    failing commits themselves (only those are kept: memory stays flat over any range)."""

    SHOWN = 200  # failing commits listed in text; the JSON report lists every one

    def __init__(self) -> None:
        self.per_agent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        # (pattern, source) -> (owner, level), and -> [commits touching, violations]
        self.rule_owner: dict[tuple[str, str], tuple[str | None, str]] = {}
        self.per_rule: dict[tuple[str, str], list[int]] = {}
        self.per_id: dict[str, int] = defaultdict(int)
        self.failures: list[CommitResult] = []
        self.commits = 0
        self._no_agent = _("(no agent)")

    def add(self, result: CommitResult) -> CommitResult:
        counts = self.per_agent[result.agent or self._no_agent]
        counts[0] += 1
        self.commits += 1
        if result.violations:
            counts[1] += len(result.violations)
            for violation in result.violations:
                self.per_id[violation.id] += 1
            self.failures.append(result)
        if not result.touched:
            return result
        faults = {v.path for v in result.violations if v.path}
        per_rule = self.per_rule
        for path, rule in result.touched:
            key = (rule.pattern, rule.source)
            entry = per_rule.get(key)
            if entry is None:
                self.rule_owner[key] = (rule.owner, rule.level)
                entry = per_rule[key] = [0, 0]
            entry[0] += 1
            if path in faults:
                entry[1] += 1
        return result

    def as_json(self) -> dict[str, object]:
        """The `summary` object of `--format json`."""
        return {
            "commits": self.commits,
            "failed": len(self.failures),
            "agents": {
                agent: {"commits": c, "violations": v}
                for agent, (c, v) in sorted(self.per_agent.items())
            },
            "rules": [
                {
                    "pattern": pattern,
                    "source": source,
                    "owner": owner,
                    "level": level,
                    "commits": commits,
                    "violations": violations,
                }
                for (pattern, source), (owner, level), (commits, violations) in self._rules()
            ],
            "violations": dict(sorted(self.per_id.items())),
        }

    def _rules(self) -> list[tuple[tuple[str, str], tuple[str | None, str], list[int]]]:
        """Rules with violations first (most first), then by commits touching them."""
        ordered = sorted(
            self.per_rule.items(), key=lambda item: (-item[1][1], -item[1][0], item[0])
        )
        return [(key, self.rule_owner[key], counts) for key, counts in ordered]

    def print(self) -> None:
        for result in self.failures[: self.SHOWN]:
            print(f"{result.sha[:10]} {result.subject[:60]} ({result.agent or _('no agent')})")
            for violation in result.violations:
                where = f" {violation.path}:" if violation.path else ""
                first = violation.message.split("\n\n")[0].replace("\n", " ")
                print(f"  ✗ [{violation.id}]{where} {first}")
        hidden = len(self.failures) - self.SHOWN
        if hidden > 0:
            more = _("… {n} more commits with violations (--format json lists every one)")
            print(more.format(n=hidden))
        self._print_rules()
        if self.per_id:
            ids = ", ".join(f"{vid} {n}" for vid, n in sorted(self.per_id.items()))
            print("\n" + _("violations by kind: {ids}").format(ids=ids))
        self._print_agents()
        summary = _("{commits} commits checked, {failed} with violations")
        print(summary.format(commits=self.commits, failed=len(self.failures)))

    def _print_agents(self) -> None:
        head, c_head, v_head = _("AGENT"), _("COMMITS"), _("VIOLATIONS")
        width = max([len(head), *map(len, self.per_agent)])
        c_width, v_width = len(c_head), len(v_head)
        print(f"\n{head.ljust(width)}  {c_head}  {v_head}")
        for agent in sorted(self.per_agent):
            commits, violations = self.per_agent[agent]
            print(f"{agent.ljust(width)}  {commits:>{c_width}}  {violations:>{v_width}}")

    def _print_rules(self) -> None:
        """Protected rules the range touched: who owns them, how often, how often at fault."""
        if not self.per_rule:
            return
        rows = [
            (f"{pattern} ({source})", str(owner or "-"), str(level), c, v)
            for (pattern, source), (owner, level), (c, v) in self._rules()
        ]
        head = (_("RULE"), _("OWNER"), _("LEVEL"), _("COMMITS"), _("VIOLATIONS"))
        widths = [max(len(head[i]), *(len(str(r[i])) for r in rows)) for i in range(5)]
        print()
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        for row in rows:
            cells = [str(x) for x in row]
            left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=True)]
            right = [c.rjust(w) for c, w in zip(cells[3:], widths[3:], strict=True)]
            print("  ".join(left + right))

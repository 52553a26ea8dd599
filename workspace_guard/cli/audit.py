"""`workspace-guard audit [--since T] [--agent A] [--format json]` and `audit verify`"""

from __future__ import annotations

import json
import time

import click

from workspace_guard.cli import format_option, rules_option
from workspace_guard.core.duration import parse_since

COLUMNS = ("ts", "layer", "action", "agent", "path", "level", "owner", "escalate_to")


@click.group(invoke_without_command=True)
@click.option(
    "--since", metavar="T", help="ISO time (2026-11-01, 2026-11-01T10:00) or 30m/2h/7d ago."
)
@click.option("--agent", metavar="AGENT", help="Only records of this agent.")
@click.option("--action", metavar="ACTION", help="Only this action (blocked, rejected, denied, …).")
@format_option("text", "json")
@rules_option
@click.pass_context
def audit(
    ctx: click.Context,
    *,
    since: str | None,
    agent: str | None,
    action: str | None,
    fmt: str,
    rules: str | None,
) -> int:
    """List the audit log (violations from every layer)."""
    if ctx.invoked_subcommand is not None:
        return 0
    from workspace_guard.repo import Repo
    from workspace_guard.state.audit import read

    repo = Repo.discover(rules_option=rules)
    start = parse_since(since, time.time())
    everything = list(read(repo.state_dir))
    if action:
        _check_action(action, everything)
    records = [
        r
        for r in everything
        if (not start or str(r.get("ts", "")) >= start)
        and (not agent or r.get("agent") == agent)
        and (not action or r.get("action") == action)
    ]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        _table(records)
    return 0


def _check_action(action: str, records: list[dict[str, object]]) -> None:
    """`--action` must name an action the log can hold: a typo would silently list nothing."""
    from workspace_guard.errors import UsageError
    from workspace_guard.state.audit import ACTIONS

    known = dict.fromkeys([*ACTIONS, *(str(r.get("action")) for r in records if r.get("action"))])
    if action not in known:
        raise UsageError(
            f"--action {action!r} is not an action of the audit log",
            hint="one of: " + ", ".join(known),
        )


def _table(records: list[dict[str, object]]) -> None:
    if not records:
        click.echo("no audit records")
        return
    rows = [[str(r.get(c) if r.get(c) is not None else "-") for c in COLUMNS] for r in records]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@audit.command()
@rules_option
def verify(rules: str | None) -> int:
    """Check the audit log was not edited, reordered or cut (exit 1 if it was)."""
    from workspace_guard.repo import Repo
    from workspace_guard.state.audit import audit_path
    from workspace_guard.state.audit import verify as check

    repo = Repo.discover(rules_option=rules)
    count, problems = check(repo.state_dir)
    for problem in problems:
        click.echo(f"{audit_path(repo.state_dir)}:{problem.line}: {problem.reason}", err=True)
    if problems:
        click.echo(f"audit log altered: {len(problems)} problem(s) in {count} records", err=True)
        return 1
    click.echo(f"audit log intact: {count} records")
    return 0

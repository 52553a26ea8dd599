"""`workspace-guard audit [--since T] [--agent A] [--format json]` and `audit verify`"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


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
    from workspace_guard.commands import audit as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    return impl.run(repo, since=since, agent=agent, action=action, fmt=fmt)


@audit.command()
@click.option(
    "--remote",
    metavar="NAME",
    help="Also check the log against this clone's anchors on the remote (rewritten logs).",
)
@rules_option
def verify(rules: str | None, remote: str | None) -> int:
    """Check the audit log was not edited, reordered or cut (exit 1 if it was)."""
    from workspace_guard.commands import audit as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    return impl.verify_remote(repo, remote) if remote is not None else impl.verify(repo)


@audit.command()
@click.argument("remote", metavar="REMOTE")
@rules_option
def anchor(rules: str | None, remote: str) -> int:
    """Record the audit log's head on REMOTE now (the pre-push hook does it on every push)."""
    from workspace_guard.commands import audit as impl
    from workspace_guard.repo import Repo

    return impl.anchor(Repo.discover(rules_option=rules), remote)

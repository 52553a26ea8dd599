"""`workspace-guard validate` (the same program as `agent_workspace_validator`)."""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("agent")
@click.argument("paths", nargs=-1)
@click.option("--paths-from", metavar="FILE", help="Newline- or NUL-separated paths; - for stdin.")
@click.option("--approved-by", metavar="AGENT", help="An approval by this agent.")
@format_option("text", "json")
@rules_option
def command(
    agent: str,
    paths: tuple[str, ...],
    paths_from: str | None,
    approved_by: str | None,
    fmt: str,
    rules: str | None,
) -> int:
    """Decide whether AGENT may change each PATH (exit 0 all allowed, 1 some denied)."""
    from workspace_guard.commands import validate
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    return validate.run(repo, agent, paths, paths_from=paths_from, approved_by=approved_by, fmt=fmt)

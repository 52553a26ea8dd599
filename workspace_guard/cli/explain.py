"""`workspace-guard explain PATH…`"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command()
@click.argument("paths", nargs=-1, required=True)
@format_option("text", "json")
@rules_option
def command(paths: tuple[str, ...], fmt: str, rules: str | None) -> int:
    """Show which rule decides each PATH, what it overrode, its area, office and owners."""
    from workspace_guard.commands import explain
    from workspace_guard.repo import Repo

    return explain.run(Repo.discover(rules_option=rules), list(paths), fmt)

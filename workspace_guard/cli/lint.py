"""`workspace-guard lint`"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command()
@format_option("text", "json")
@rules_option
def command(fmt: str, rules: str | None) -> int:
    """Check the working-tree rules file (exit 1 when it has errors)."""
    from workspace_guard.commands import lint
    from workspace_guard.errors import GitError
    from workspace_guard.repo import Repo

    try:
        repo: Repo | None = Repo.discover(rules_option=rules)
    except GitError:
        if not rules:
            raise
        repo = None
    return lint.run(repo, rules, fmt)

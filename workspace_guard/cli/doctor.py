"""`workspace-guard doctor [--fix] [--format json]`."""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command()
@click.option("--fix", is_flag=True, help="Repair what can be repaired safely, and say what.")
@format_option("text", "json")
@rules_option
def command(fix: bool, fmt: str, rules: str | None) -> int:
    """Check that every layer would run in every worktree (exit 1 naming what would not)."""
    from workspace_guard.commands import doctor
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    return doctor.run(repo, fix=fix, fmt=fmt)

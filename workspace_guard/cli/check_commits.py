"""`workspace-guard check-commits RANGE`"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command("check-commits")
@click.argument("range_", metavar="RANGE")
@click.option(
    "--base",
    metavar="REV",
    help="Revision whose rules decide (default: the left side of "
    "RANGE; for a single revision, the default branch).",
)
@format_option("text", "json", "github")
@rules_option
def command(range_: str, base: str | None, fmt: str, rules: str | None) -> int:
    """Check every commit of `git rev-list RANGE` as a push would be checked (for CI)."""
    from workspace_guard.commands import check_commits
    from workspace_guard.repo import Repo

    return check_commits.run(Repo.discover(rules_option=rules), range_, base=base, fmt=fmt)

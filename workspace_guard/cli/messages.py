"""`workspace-guard check-msg FILE` and `parse-msg FILE`"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option


@click.command("check-msg")
@click.argument("file")
@click.option("--staged", is_flag=True, help="Also check ownership of the staged changes.")
@format_option("text", "json")
@rules_option
def check_msg(file: str, staged: bool, fmt: str, rules: str | None) -> int:
    """Check a commit message against the template (exit 1 on violations); - reads stdin."""
    from workspace_guard.commands import messages
    from workspace_guard.repo import Repo

    return messages.check_msg(Repo.discover(rules_option=rules), file, staged=staged, fmt=fmt)


@click.command("parse-msg")
@click.argument("file")
@click.option(
    "--cleanup",
    type=click.Choice(["strip", "whitespace", "verbatim", "scissors"]),
    default=None,
    help="Cleanup mode (default: commit.cleanup, else strip).",
)
@rules_option
def parse_msg(file: str, cleanup: str | None, rules: str | None) -> int:
    """Print a commit message as JSON: subject, type, area, description, body, trailers."""
    from workspace_guard.commands import messages

    return messages.parse_msg(file, cleanup)

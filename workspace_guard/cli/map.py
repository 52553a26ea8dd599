"""`workspace-guard map [-o FILE.html] [--since T]`"""

from __future__ import annotations

import click

from workspace_guard.cli import rules_option


@click.command()
@click.option(
    "-o",
    "--output",
    metavar="FILE.html",
    help="Write the page to FILE (default: stdout; on a terminal, a file in the state "
    "directory, whose path is printed).",
)
@click.option(
    "--since",
    default="30d",
    show_default=True,
    metavar="T",
    help="Violations from the audit log since T: 30d, 12h, 2w, an ISO date, or all.",
)
@rules_option
def command(output: str | None, since: str, rules: str | None) -> int:
    """One self-contained HTML page: every tracked file coloured by who decides it (critical,
    high, office, unprotected), with the recent violations per path; searchable by path and
    agent. It works offline: no script, style or font is fetched."""
    from workspace_guard.commands import map as impl
    from workspace_guard.repo import Repo

    return impl.run(Repo.discover(rules_option=rules), output, since)

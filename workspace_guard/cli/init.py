"""`workspace-guard init [--from-mestore DIR | --from-codeowners FILE] [--claude] [--force]`"""

from __future__ import annotations

import os

import click


@click.command()
@click.option(
    "--from-mestore", metavar="DIR", help="Import the rules from this protocol workspace."
)
@click.option("--from-codeowners", metavar="FILE", help="Import the rules from a CODEOWNERS file.")
@click.option("--claude", is_flag=True, help="Also install the Claude Code hooks.")
@click.option(
    "--language",
    type=click.Choice(["en", "es"]),
    help="Write `language:` into new rules (messages in that language).",
)
@click.option(
    "--force", is_flag=True, help="Replace the rules file and a foreign validator script."
)
def command(
    from_mestore: str | None,
    from_codeowners: str | None,
    claude: bool,
    language: str | None,
    force: bool,
) -> int:
    """Set up this repository: rules (the bundled example unless imported), offices, the
    validator script agents run, git hooks, and with --claude the Claude Code hooks.

    Safe to run again: nothing that exists is overwritten without --force. Exit 1 when the rules
    need fixing (problems are listed), 2 outside a git repository.
    """
    from workspace_guard.commands.init import Options, run

    options = Options(
        from_mestore=from_mestore,
        from_codeowners=from_codeowners,
        force=force,
        claude=claude,
        language=language,
    )
    return run(os.getcwd(), options)

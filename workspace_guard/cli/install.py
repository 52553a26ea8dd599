"""`workspace-guard install` / `uninstall`"""

from __future__ import annotations

import os

import click

from workspace_guard.cli import rules_option


@click.command()
@click.option(
    "--server",
    metavar="BARE_REPO",
    help=(
        "Install the server hooks (pre-receive and reference-transaction) in this bare"
        " repository and pin its protected branch."
    ),
)
@click.option(
    "--claude", is_flag=True, help="Also merge the Claude Code hooks into .claude/settings.json."
)
@click.option(
    "--harness",
    "harnesses",
    multiple=True,
    type=click.Choice(["claude", "codex", "gemini", "cursor", "cline"]),
    help="Install the hooks of these agent harnesses (repeatable).",
)
@click.option(
    "--check",
    is_flag=True,
    help="With --harness: change nothing; say whether each harness's hook would run and block.",
)
@rules_option
def install(
    server: str | None, claude: bool, harnesses: tuple[str, ...], check: bool, rules: str | None
) -> int:
    """Install the git hooks (commit-msg, pre-commit), or the server hooks with --server."""
    from workspace_guard.commands import install as impl

    wanted = set(harnesses) | ({"claude"} if claude else set())
    if check:
        return impl.check_harnesses(os.getcwd(), wanted)
    return impl.run_install(os.getcwd(), server, wanted, rules)


@click.command()
@click.option(
    "--server", metavar="BARE_REPO", help="Remove the server hooks from this bare repository."
)
@click.option("--claude", is_flag=True, help="Also remove our Claude Code hooks.")
@click.option(
    "--harness",
    "harnesses",
    multiple=True,
    type=click.Choice(["claude", "codex", "gemini", "cursor", "cline"]),
    help="Remove the hooks of these agent harnesses (repeatable).",
)
@rules_option
def uninstall(
    server: str | None, claude: bool, harnesses: tuple[str, ...], rules: str | None
) -> int:
    """Remove what `install` wrote and put back any hook that was there before."""
    from workspace_guard.commands import install as impl

    wanted = set(harnesses) | ({"claude"} if claude else set())
    return impl.run_uninstall(os.getcwd(), server, wanted)

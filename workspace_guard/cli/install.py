"""`workspace-guard install` / `uninstall`"""

from __future__ import annotations

import os

import click

from workspace_guard.cli import rules_option


def _report(results: list[tuple[str, str]]) -> None:
    cwd = os.getcwd()
    for path, action in results:
        shown = os.path.relpath(path, cwd) if path.startswith(cwd) else path
        click.echo(f"{shown}: {action}")


@click.command()
@click.option(
    "--server", metavar="BARE_REPO", help="Install the pre-receive hook in this bare repository."
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
    """Install the git hooks (commit-msg, pre-commit), or pre-receive with --server."""
    from workspace_guard.commands import install as impl

    if check:
        return _check(set(harnesses) | ({"claude"} if claude else set()))

    _report(impl.install(os.getcwd(), server=server))
    wanted = set(harnesses) | ({"claude"} if claude else set())
    if wanted:
        from workspace_guard.commands import harness_install

        for name in sorted(wanted):
            _report(harness_install.install(os.getcwd(), name))
        from workspace_guard.commands.lint_protocol import main_agent_warning

        if "claude" in wanted and (warning := main_agent_warning(os.getcwd())):
            click.echo(f"workspace-guard: {warning}", err=True)
    return 0


def _check(harnesses: set[str]) -> int:
    """`install --harness X --check`: one line per check; 1 when any fails."""
    from workspace_guard.commands.harness_check import check
    from workspace_guard.errors import ConfigError

    if not harnesses:
        raise ConfigError("--check needs --harness NAME (or --claude)")
    failed = False
    for name in sorted(harnesses):
        for status, text in check(os.getcwd(), name):
            click.echo(f"{name}: {status}: {text}")
            failed = failed or status == "FAIL"
    return 1 if failed else 0


@click.command()
@click.option(
    "--server", metavar="BARE_REPO", help="Remove the pre-receive hook from this bare repository."
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

    _report(impl.uninstall(os.getcwd(), server=server))
    wanted = set(harnesses) | ({"claude"} if claude else set())
    if wanted:
        from workspace_guard.commands import harness_install

        for name in sorted(wanted):
            _report(harness_install.uninstall(os.getcwd(), name))
    return 0

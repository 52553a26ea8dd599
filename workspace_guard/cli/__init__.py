"""The click application: one module per command, each a thin layer over `commands/`.

The hot commands (validate, hook, check-commits) are declared once in `entry`'s table and
assembled into click commands by `cli.table`; click only prints their `--help`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from workspace_guard import __version__

F = TypeVar("F", bound=Callable[..., Any])

# command name -> module under workspace_guard.cli (imported only when the command runs)
COMMANDS = {
    "validate": "table:validate",
    "explain": "explain",
    "lint": "lint",
    "install": "install:install",
    "uninstall": "install:uninstall",
    "check-msg": "messages:check_msg",
    "parse-msg": "messages:parse_msg",
    "audit": "audit:audit",
    "demo": "demo",
    "hook": "table:hook",
    "check-commits": "table:check_commits",
    "watch": "watch:watch",
    "approve": "approvals:approve",
    "approvals": "approvals:approvals",
    "consult": "approvals:consult",
    "consultations": "approvals:consultations",
    "import": "adopt:import_group",
    "export": "adopt:export_group",
    "init": "init",
    "map": "map",
    "provenance": "provenance",
    "claim": "claims:claim",
    "release": "claims:release",
    "claims": "claims:claims",
    "doctor": "doctor",
    "mcp": "mcp",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command is used (or help lists it); every
    command draws its help in the user's language (`cli.localized`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module, _, attr = spec.partition(":")
        loaded = importlib.import_module(f"workspace_guard.cli.{module}")
        command: click.Command = getattr(loaded, attr or "command")
        from workspace_guard.cli.localized import localize

        return localize(command)


def _context_class() -> type[click.Context]:
    from workspace_guard.cli.localized import Context

    return Context


LazyGroup.context_class = _context_class()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workspace-guard")
def cli() -> None:
    """Enforce a multi-agent workspace protocol: who may change which file, and how to say so.

    Exit status: 0 allowed/clean, 1 denied/violations, 2 usage or configuration error,
    3 internal error (a log path is printed), 130 interrupted.
    """


def cli_main(args: Sequence[str], prog: str = "workspace-guard", command: str | None = None) -> int:
    """Run click without letting it call sys.exit or print tracebacks.

    `command`: run that one command as the program `prog` (`agent_workspace_validator --help`
    is validate's help under the validator's name); default: the whole application.
    """
    from workspace_guard.boundary import guarded

    program = cli if command is None else cli.get_command(click.Context(cli), command)
    assert program is not None, command

    def invoke() -> int:
        try:
            result: Any = program.main(args=list(args), prog_name=prog, standalone_mode=False)
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            return 2
        except click.exceptions.Abort:
            from workspace_guard.i18n import _

            click.echo(_("workspace-guard: aborted"), err=True)
            return 130
        return int(result or 0)

    return guarded(invoke)


def rules_option(func: F) -> F:
    """`--rules FILE`, an option of every command (contract §3)."""
    return click.option(
        "--rules",
        "rules",
        metavar="FILE",
        default=None,
        help="Rules file to use instead of .workspace/rules.yaml as committed at the trusted "
        "revision (also WORKSPACE_GUARD_RULES; installed hooks ignore both).",
    )(func)


def format_option(*choices: str) -> Callable[[F], F]:
    """`--format` with the given choices (the first is the default)."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True
    )

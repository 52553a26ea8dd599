"""Console-script entry points.

The hot commands (`validate`, i.e. `agent_workspace_validator`, and the `hook …` family that git
and agent harnesses run on every commit and every edit) are parsed here without importing click;
every other command goes through the click application in `workspace_guard.cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

FAST = ("validate", "hook")


def main(argv: Sequence[str] | None = None) -> int:
    """`workspace-guard …`"""
    args = list(sys.argv[1:] if argv is None else argv)
    command = _first_command(args)
    if command == "validate" and not _wants_help(args):
        args.remove("validate")
        return validator_main(args, prog="workspace-guard validate")
    if command == "hook" and not _wants_help(args):
        from workspace_guard.hooks_entry import hook_main

        args.remove("hook")
        return hook_main(args)
    from workspace_guard.cli import cli_main

    return cli_main(args)


def _first_command(args: list[str]) -> str | None:
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def _wants_help(args: list[str]) -> bool:
    return "--help" in args or "-h" in args and "hook" not in args


def validator_main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """`agent_workspace_validator AGENT PATH… [--paths-from F] [--approved-by A] [--format F]`"""
    from workspace_guard.boundary import guarded

    args = list(sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _validate(args, prog or "agent_workspace_validator"))


def _validate(args: list[str], prog: str) -> int:
    from workspace_guard.argparsing import Parser
    from workspace_guard.errors import UsageError

    parser = Parser(
        prog=prog,
        description="Decide, before touching them, whether AGENT may change each PATH.",
        epilog="exit status: 0 all allowed, 1 some denied, 2 usage/configuration error",
    )
    parser.add_argument("agent", metavar="AGENT")
    parser.add_argument("paths", metavar="PATH", nargs="*")
    parser.add_argument("--paths-from", metavar="FILE", help="newline- or NUL-separated list, - for stdin")
    parser.add_argument("--approved-by", metavar="AGENT", help="an approval by this agent")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rules", metavar="FILE", help="rules file (default: as committed at HEAD)")
    opts = parser.parse_args(args)
    if not opts.paths and not opts.paths_from:
        raise UsageError("no path given", hint=f"{prog} AGENT PATH… (or --paths-from FILE)")
    from workspace_guard.commands import validate
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=opts.rules)
    return validate.run(
        repo,
        opts.agent,
        opts.paths,
        paths_from=opts.paths_from,
        approved_by=opts.approved_by,
        fmt=opts.format,
    )


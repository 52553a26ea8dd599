"""Console-script entry points.

The hot commands (`validate`, i.e. `agent_workspace_validator`, the `hook …` family that git
and agent harnesses run on every commit and every edit, and `check-commits`, which CI runs on
every pull request) are parsed here without importing click; every other command, and `--help`
of any, goes through the click application in `workspace_guard.cli`.
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
    if args[:1] == ["check-commits"] and not _wants_help(args):
        from workspace_guard.boundary import guarded

        return guarded(lambda: _check_commits(args[1:]))
    from workspace_guard.cli import cli_main

    return cli_main(args)


def _first_command(args: list[str]) -> str | None:
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def _wants_help(args: list[str]) -> bool:
    return "--help" in args or ("-h" in args and "hook" not in args)


def validator_main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """`agent_workspace_validator AGENT PATH… [--paths-from F] [--approved-by A] [--format F]`"""
    from workspace_guard.boundary import guarded

    args = list(sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _validate(args, prog or "agent_workspace_validator"))


VALIDATE_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "--paths-from": None,
    "--approved-by": None,
    "--format": ("text", "json"),
    "--rules": None,
}
VALIDATE_USAGE = (
    "AGENT PATH… [--paths-from FILE|-] [--approved-by AGENT] [--format text|json] [--rules FILE]"
)


def _validate(args: list[str], prog: str) -> int:
    from workspace_guard.argparsing import parse
    from workspace_guard.errors import UsageError

    if "-h" in args or "--help" in args:
        return _validate_help(prog)
    positionals, opts = parse(args, VALIDATE_OPTIONS, f"{prog} {VALIDATE_USAGE}")
    from workspace_guard.i18n import _

    usage = _("usage: {prog} {usage}").format(prog=prog, usage=VALIDATE_USAGE)
    if not positionals:
        raise UsageError(_("no agent given"), hint=usage)
    agent, paths = positionals[0], positionals[1:]
    if not paths and "--paths-from" not in opts:
        raise UsageError(_("no path given"), hint=usage)
    from workspace_guard.commands import validate
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=opts.get("--rules"))
    return validate.run(
        repo,
        agent,
        paths,
        paths_from=opts.get("--paths-from"),
        approved_by=opts.get("--approved-by"),
        fmt=opts.get("--format", "text"),
    )


def _validate_help(prog: str) -> int:
    from workspace_guard.argparsing import help_parser

    parser = help_parser(
        prog,
        "Decide, before touching them, whether AGENT may change each PATH "
        "(relative to the current directory, or absolute).",
        "exit status: 0 every path allowed, 1 some denied, 2 usage or configuration error, "
        "3 internal error",
    )
    parser.add_argument(
        "agent", metavar="AGENT", help="the acting agent, as registered in the rules"
    )
    parser.add_argument(
        "paths", metavar="PATH", nargs="*", help="files to decide (new files are fine)"
    )
    parser.add_argument(
        "--paths-from", metavar="FILE", help="newline- or NUL-separated paths; - for stdin"
    )
    parser.add_argument(
        "--approved-by", metavar="AGENT", help="an approval by the owner, a backup or a superuser"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="rules file (default: .workspace/rules.yaml as committed at HEAD)",
    )
    parser.print_help()
    return 0


CHECK_COMMITS_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "--base": None,
    "--format": ("text", "json", "github"),
    "--rules": None,
}
CHECK_COMMITS_USAGE = "check-commits RANGE [--base REV] [--format text|json|github] [--rules FILE]"


def _check_commits(args: list[str]) -> int:
    """`workspace-guard check-commits` as the click command parses it (see cli/check_commits)."""
    from workspace_guard.argparsing import parse
    from workspace_guard.errors import UsageError

    usage = f"workspace-guard {CHECK_COMMITS_USAGE}"
    positionals, opts = parse(args, CHECK_COMMITS_OPTIONS, usage)
    if len(positionals) != 1:
        problem = "no RANGE given" if not positionals else "only one RANGE is checked at a time"
        raise UsageError(problem, hint=f"usage: {usage}")
    from workspace_guard.commands import check_commits
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=opts.get("--rules"))
    fmt = opts.get("--format", "text")
    return check_commits.run(repo, positionals[0], base=opts.get("--base"), fmt=fmt)

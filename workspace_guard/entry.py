"""The one front door: every console script, `python -m workspace_guard` and installed hooks.

The hot commands (`validate`, i.e. `agent_workspace_validator`; the `hook …` family that git and
agent harnesses run on every commit and every edit; `check-commits`, which CI runs on every pull
request) are declared once, as a `Spec` in the table below. That one table yields the fast parser
used here (click costs 15–25 ms of import, argparse about 7 ms), the click command that prints
`--help` (see `cli.table`), and the usage line of every usage error. Every other command goes
through the click application in `workspace_guard.cli`. Every path ends in `boundary.guarded`.

This module is on every hot path: it imports nothing heavy (not even `typing`).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from workspace_guard.errors import GuardError

    Values = dict[str, Any]


class Option:
    """`--name VALUE`: a long option taking one value (`choices`: the values it accepts)."""

    __slots__ = ("choices", "default", "help", "metavar", "name")

    def __init__(
        self,
        name: str,
        metavar: str,
        help: str,
        *,
        choices: tuple[str, ...] | None = None,
        default: str | None = None,
    ) -> None:
        self.name, self.metavar, self.help = name, metavar, help
        self.choices, self.default = choices, default

    @property
    def dest(self) -> str:
        """The key of this option's value (`--paths-from` → `paths_from`)."""
        return self.name[2:].replace("-", "_")

    def usage(self) -> str:
        """`[--format text|json]`"""
        return f"[{self.name} {'|'.join(self.choices) if self.choices else self.metavar}]"


class Argument:
    """A positional: one value, or (`many`) all the remaining ones."""

    __slots__ = ("choices", "dest", "help", "many", "metavar")

    def __init__(
        self,
        dest: str,
        metavar: str,
        help: str,
        *,
        many: bool = False,
        choices: tuple[str, ...] | None = None,
    ) -> None:
        self.dest, self.metavar, self.help = dest, metavar, help
        self.many, self.choices = many, choices


class Spec:
    """A command's whole interface: its arguments and options, declared once.

    `run` names the function (`module:function`) called with the parsed values, a dict from each
    argument's and option's `dest` to its value (a list for a `many` argument; None when absent),
    plus `prog` and `usage` for the usage errors the function finds itself.
    """

    __slots__ = ("arguments", "epilog", "name", "options", "run", "summary", "usage_args")

    def __init__(
        self,
        name: str,
        summary: str,
        run: str,
        arguments: tuple[Argument, ...],
        options: tuple[Option, ...],
        *,
        usage_args: str = "",
        epilog: str = "",
    ) -> None:
        self.name, self.summary, self.run = name, summary, run
        self.arguments, self.options = arguments, options
        self.usage_args = usage_args or " ".join(a.metavar for a in arguments)
        self.epilog = epilog

    def usage(self) -> str:
        """The usage line after the program's name: `ARGS [--opt VALUE]…`."""
        return " ".join([self.usage_args, *(o.usage() for o in self.options)])

    def option(self, name: str) -> Option | None:
        """The option called `name`, if this command has it."""
        return next((o for o in self.options if o.name == name), None)


EXIT_STATUS = (
    "Exit status: 0 allowed/clean, 1 denied/violations, 2 usage or configuration error, "
    "3 internal error (a log path is printed), 130 interrupted."
)
RULES = Option(
    "--rules",
    "FILE",
    "Rules file to use instead of .workspace/rules.yaml as committed at the trusted "
    "revision (also WORKSPACE_GUARD_RULES; installed hooks ignore both).",
)
GIT_HOOKS = (
    "commit-msg",
    "pre-commit",
    "pre-receive",
    "reference-transaction",
    "pre-push",
    "post-rewrite",
)
HARNESS_HOOKS = ("claude", "codex", "gemini", "cursor", "cline")
HOOKS = GIT_HOOKS + HARNESS_HOOKS

VALIDATE = Spec(
    "validate",
    "Decide, before touching them, whether AGENT may change each PATH (relative to the current "
    "directory, or absolute).",
    "workspace_guard.commands.validate:main",
    (
        Argument("agent", "AGENT", "The acting agent, as registered in the rules."),
        Argument("paths", "PATH", "Files to decide (new files are fine).", many=True),
    ),
    (
        Option("--paths-from", "FILE|-", "Newline- or NUL-separated paths; - for stdin."),
        Option("--approved-by", "AGENT", "An approval by the owner, a backup or a superuser."),
        Option("--format", "FORMAT", "Output format.", choices=("text", "json"), default="text"),
        RULES,
    ),
    usage_args="AGENT PATH…",
    epilog="Exit status: 0 every path allowed, 1 some denied, 2 usage or configuration error, "
    "3 internal error.",
)
CHECK_COMMITS = Spec(
    "check-commits",
    "Check every commit of `git rev-list RANGE` as a push would be checked (for CI).",
    "workspace_guard.commands.check_commits:main",
    (Argument("range", "RANGE", "A revision range (A..B) or one revision.", many=True),),
    (
        Option(
            "--base",
            "REV",
            "Revision whose rules decide (default: the left side of RANGE; for a single "
            "revision, the default branch).",
        ),
        Option(
            "--format",
            "FORMAT",
            "Output format.",
            choices=("text", "json", "github"),
            default="text",
        ),
        RULES,
    ),
    epilog=EXIT_STATUS,
)
HOOK = Spec(
    "hook",
    "What git and agent harnesses call: commit-msg FILE, pre-commit, pre-receive (stdin), "
    "claude/codex/gemini/cursor/cline (the harness's JSON event on stdin).",
    "workspace_guard.commands.hook:main",
    (
        Argument("name", "NAME", "The hook.", choices=HOOKS),
        Argument("args", "ARGS", "What git passes (commit-msg: the message file).", many=True),
    ),
    (RULES,),
    usage_args="NAME [ARGS…]",
    epilog=EXIT_STATUS,
)
FAST = {spec.name: spec for spec in (VALIDATE, CHECK_COMMITS, HOOK)}


def main(argv: Sequence[str] | None = None) -> int:
    """`workspace-guard …`"""
    args = list(sys.argv[1:] if argv is None else argv)
    command = _first_command(args)
    spec = FAST.get(command or "")
    if spec is not None and not _wants_help(args, spec):
        args.remove(spec.name)
        if spec is HOOK:
            return hook_main(args)
        return run_fast(spec, args, f"workspace-guard {spec.name}")
    from workspace_guard.cli import cli_main

    return cli_main(args)


def validator_main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """`agent_workspace_validator AGENT PATH… [--paths-from F] [--approved-by A] [--format F]`"""
    args = list(sys.argv[1:] if argv is None else argv)
    prog = prog or "agent_workspace_validator"
    if _wants_help(args, VALIDATE):
        from workspace_guard.cli import cli_main

        return cli_main(["--help"], prog=prog, command="validate")
    return run_fast(VALIDATE, args, prog)


def hook_main(args: Sequence[str]) -> int:
    """`workspace-guard hook NAME …`: harness hooks get their arguments as given (they answer
    in their harness's protocol, fail closed included); git hooks are parsed by the table."""
    name = args[0] if args else ""
    from workspace_guard.repo import installed_layer  # --rules / the environment do not apply

    if name in HARNESS_HOOKS:
        from workspace_guard.gates.harness.gate import run_hook

        return run_hook(name, None)
    if name == "serve":  # internal: the resident hook server the launcher starts
        from workspace_guard.boundary import guarded
        from workspace_guard.gates.harness.serve import main as serve_main

        return guarded(lambda: serve_main(list(args[1:])))
    return installed_layer(lambda: run_fast(HOOK, list(args), "workspace-guard hook"))


def run_fast(spec: Spec, args: list[str], prog: str) -> int:
    """Parse `args` by `spec` and call its function, all inside the one error boundary."""
    from workspace_guard.boundary import guarded

    return guarded(lambda: call(spec, parse(spec, args, prog)))


def call(spec: Spec, values: Values) -> int:
    """Call the function `spec.run` names with the parsed values."""
    import importlib

    module, _, function = spec.run.partition(":")
    result: int = getattr(importlib.import_module(module), function)(values)
    return result


def parse(spec: Spec, args: Sequence[str], prog: str) -> Values:
    """The fast parser: `args` → values by `dest`, or a `UsageError` naming the usage.

    `--opt=value`, `--opt value` and `--` (end of options) are understood; `-` and anything not
    starting with `--` is a positional; any other `--…` is an unknown option.
    """
    values: Values = {o.dest: o.default for o in spec.options}
    positionals: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            positionals.extend(items)
            break
        if not arg.startswith("--"):
            positionals.append(arg)
            continue
        name, eq, value = arg.partition("=")
        option = spec.option(name)
        if option is None:
            raise usage_error(spec, prog, "unknown option {name}", name=name)
        if not eq:
            following = next(items, None)
            if following is None:
                raise usage_error(spec, prog, "option {name} needs a value", name=name)
            value = following
        if option.choices is not None and value not in option.choices:
            raise usage_error(
                spec,
                prog,
                "{name} must be one of {choices}, not {value!r}",
                name=name,
                choices=", ".join(option.choices),
                value=value,
            )
        values[option.dest] = value
    values.update(assign(spec, positionals))
    values["prog"], values["usage"] = prog, spec.usage()
    return values


def usage_error(spec: Spec, prog: str, message: str, **fields: str) -> GuardError:
    """A usage error of the fast parser, in the workspace's language: no rules are loaded yet,
    so the language is chosen as for `--help` (i18n.choose_for_workspace)."""
    import os

    from workspace_guard.errors import UsageError
    from workspace_guard.i18n import N_, _, choose_for_workspace

    N_("unknown option {name}")
    N_("option {name} needs a value")
    N_("{name} must be one of {choices}, not {value!r}")
    choose_for_workspace(os.getcwd())
    hint = _("usage: {prog} {usage}").format(prog=prog, usage=spec.usage())
    return UsageError(_(message).format(**fields), hint=hint)


def assign(spec: Spec, positionals: list[str]) -> Values:
    """Positionals to the spec's arguments in order; a `many` argument takes the rest."""
    values: Values = {}
    for index, argument in enumerate(spec.arguments):
        if argument.many:
            values[argument.dest] = positionals[index:]
        else:
            values[argument.dest] = positionals[index] if index < len(positionals) else None
    return values


def _first_command(args: list[str]) -> str | None:
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def _wants_help(args: list[str], spec: Spec) -> bool:
    """`--help` (or `-h`, except among a hook's own arguments) before any `--`."""
    before = args[: args.index("--")] if "--" in args else args
    return "--help" in before or ("-h" in before and spec is not HOOK)

"""Click commands assembled from the front door's table (`entry.FAST`): the same arguments and
options the fast parser accepts, so `--help` shows exactly what the command takes."""

from __future__ import annotations

from typing import Any

import click

from workspace_guard.entry import CHECK_COMMITS, HOOK, VALIDATE, Argument, Option, Spec, call


def command(spec: Spec) -> click.Command:
    """The click command for `spec`; its callback calls the same function as the fast path."""

    def callback(**values: Any) -> int:
        for argument in spec.arguments:
            if argument.many:
                values[argument.dest] = list(values[argument.dest])
        values["prog"], values["usage"] = f"workspace-guard {spec.name}", spec.usage()
        return call(spec, values)

    params: list[click.Parameter] = [_argument(a) for a in spec.arguments]
    params += [_option(o) for o in spec.options]
    return click.Command(
        spec.name,
        callback=callback,
        params=params,
        help=spec.summary,
        epilog=spec.epilog,
        context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
    )


def _argument(argument: Argument) -> click.Argument:
    kind = click.Choice(list(argument.choices)) if argument.choices else None
    return click.Argument(
        [argument.dest],
        metavar=f"{argument.metavar}..." if argument.many else argument.metavar,
        nargs=-1 if argument.many else 1,
        required=False,
        type=kind,
    )


def _option(option: Option) -> click.Option:
    kind = click.Choice(list(option.choices)) if option.choices else None
    return click.Option(
        [option.name, option.dest],
        metavar=None if option.choices else option.metavar,
        type=kind,
        default=option.default,
        show_default=option.default is not None,
        help=option.help,
    )


validate = command(VALIDATE)
check_commits = command(CHECK_COMMITS)
hook = command(HOOK)

"""The files a protocol command's own options write (`map -o FILE`), as click itself parses them.

The harness gate reads `workspace-guard map -oapp/main.py` as the command will: the real click
command's option parser (attached short values `-oF`, `--output=F`, repeated options, `--`), not
a list of spellings of its own. No callback runs (`--help` prints nothing here). A command click
refuses, or one the gate cannot resolve, gives None: the caller then judges the whole call by the
ordinary Bash analysis.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    import click

# the parameters of the protocol's commands that name a file the command writes
OUTPUT_PARAMS = frozenset({"output", "report_file", "log_file"})


def outputs(args: Sequence[str], command: str | None = None) -> list[str] | None:
    """The files `workspace-guard ARGS…` writes through its options (`command`: run that one
    command, as `agent_workspace_validator` runs `validate`); None when click would refuse the
    words before finding them all."""
    if not any(a.startswith("-") for a in args):
        return []  # every option of every command starts with `-`: nothing to parse, no click
    import click

    from workspace_guard.cli import cli

    try:
        if command is not None:
            found = cli.get_command(click.Context(cli), command)
            if found is None:
                return None
            return _parse(found, command, list(args), None)
        return _parse(cli, "workspace-guard", list(args), None)
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        return None


def _parse(
    command: click.Command, name: str, args: list[str], parent: click.Context | None
) -> list[str] | None:
    import click

    ctx = command.context_class(command, info_name=name, parent=parent, **command.context_settings)
    opts, rest, _ = command.make_parser(ctx).parse_args(args)
    out: list[str] = []
    for key, value in opts.items():
        if key in OUTPUT_PARAMS and value is not None:
            out += [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    if isinstance(command, click.Group) and rest:
        sub = command.get_command(ctx, rest[0])
        if sub is None:
            return None
        more = _parse(sub, rest[0], rest[1:], ctx)
        if more is None:
            return None
        out += more
    return out

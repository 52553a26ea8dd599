"""Argument parsing for the hot paths (validator, hooks).

click costs 15–25 ms of import and argparse about 7 ms with what it pulls in; these commands run on
every agent edit and every commit, so they parse their few options here. `--help` still goes
through argparse, where its cost does not matter.
"""

from __future__ import annotations

from workspace_guard.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence


def parse(
    args: Sequence[str], options: Mapping[str, tuple[str, ...] | None], usage: str
) -> tuple[list[str], dict[str, str]]:
    """Split `args` into positionals and `--option value` pairs.

    `options` maps each long option to the values it accepts (None: any value). `--opt=value`,
    `--opt value` and `--` (end of options) are understood; anything else starting with `--` is a
    usage error naming the known options.
    """
    positionals: list[str] = []
    values: dict[str, str] = {}
    items = iter(args)
    for arg in items:
        if arg == "--":
            positionals.extend(items)
            break
        if not arg.startswith("--") or arg == "-":
            positionals.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name not in options:
            raise UsageError(f"unknown option {name}", hint=f"usage: {usage}")
        if not eq:
            following = next(items, None)
            if following is None:
                raise UsageError(f"option {name} needs a value", hint=f"usage: {usage}")
            value = following
        allowed = options[name]
        if allowed is not None and value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        values[name] = value
    return positionals, values


def help_parser(prog: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    """An argparse parser used only to print `--help`."""
    import argparse

    return argparse.ArgumentParser(prog=prog, description=description, epilog=epilog)

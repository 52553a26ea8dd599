"""The front door: one table per hot command drives the fast parser, click and `--help`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from workspace_guard.cli import table
from workspace_guard.entry import FAST, Spec, parse
from workspace_guard.errors import UsageError

COMMANDS_DIR = Path(__file__).parent.parent / "workspace_guard" / "commands"
SPECS = sorted(FAST.values(), key=lambda s: s.name)


def value_for(spec: Spec, name: str) -> str:
    option = spec.option(name)
    assert option is not None
    return option.choices[-1] if option.choices else "some-value"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_declared_option_is_accepted_by_the_fast_parser(spec: Spec) -> None:
    for option in spec.options:
        value = value_for(spec, option.name)
        for args in (["x", option.name, value], ["x", f"{option.name}={value}"]):
            assert parse(spec, args, "prog")[option.dest] == value


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_declared_option_shows_in_help(tmp_path: Path, spec: Spec) -> None:
    proc = run_cli(tmp_path, spec.name, "--help")
    assert proc.returncode == 0, proc.stderr
    for option in spec.options:
        assert option.name in proc.stdout
        assert option.help.split()[0] in proc.stdout
    assert spec.summary.split()[0] in proc.stdout


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_click_command_is_built_from_the_table(spec: Spec) -> None:
    """No second declaration: click's parameters are the table's, in the same order."""
    command = table.command(spec)
    names = [p.name for p in command.params]
    assert names == [a.dest for a in spec.arguments] + [o.dest for o in spec.options]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_an_undeclared_option_is_a_usage_error_naming_the_usage(spec: Spec) -> None:
    with pytest.raises(UsageError) as caught:
        parse(spec, ["x", "--no-such-option"], "prog")
    assert "unknown option --no-such-option" in caught.value.message
    assert caught.value.hint == f"usage: prog {spec.usage()}"


def test_defaults_double_dash_and_many() -> None:
    validate = FAST["validate"]
    values = parse(validate, ["agent", "a", "--", "--format", "-"], "prog")
    assert values["agent"] == "agent" and values["paths"] == ["a", "--format", "-"]
    assert values["format"] == "text" and values["rules"] is None


def test_validate_help_under_both_names(tmp_path: Path) -> None:
    for prog, args in (("agent_workspace_validator", ["-h"]), ("workspace-guard", ["validate"])):
        proc = run_cli(tmp_path, *args, "--help", prog=prog)
        assert proc.returncode == 0 and f"Usage: {prog}" in proc.stdout


def test_every_verb_has_its_commands_module() -> None:
    """cli/ only parses: each click module's verbs run a `commands/` module of the same name,
    and a table-built command names its function in `commands/`."""
    import importlib

    from workspace_guard.cli import COMMANDS

    for verb, target in COMMANDS.items():
        module = target.partition(":")[0]
        if module == "table":
            spec = FAST[verb]
            assert spec.run.startswith("workspace_guard.commands."), verb
            name, _, function = spec.run.partition(":")
            assert callable(getattr(importlib.import_module(name), function)), verb
        else:  # `commands/<module>.py`, or modules named `<module>_…` (mcp_server, mcp_tools)
            found = [p.stem for p in COMMANDS_DIR.glob("*.py")]
            assert module in found or any(f.startswith(f"{module}_") for f in found), verb

"""ATTACK F95: a protocol command piped into another program, or writing its own output file, is
judged like any other write — through the real hook command.

The protocol-command recognition may only decide what it can prove writes nothing: every other
program in the call goes through the ordinary Bash analysis (which knows `sort -o`, `uniq IN OUT`,
`tee`, `dd of=`…), and the protocol commands' own output options (click's parse: `-oF`,
`--output=F`) get the checks every write target gets (`.git/`, harness settings, start-up files,
the rules)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied

OTHER = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
EXPLAIN = "workspace-guard explain app/main.py"


def implode(text: str) -> str:
    return ",".join(str(b) for b in text.encode())


DENIED_APP = [
    "workspace-guard map -oapp/main.py",
    "workspace-guard map -o app/main.py",
    "workspace-guard map --output=app/main.py",
    "workspace-guard map --output app/main.py",
    "workspace-guard map --since 1d -oapp/main.py",
    "python3 -m workspace_guard map -oapp/main.py",
    "workspace-guard explain x && workspace-guard map -oapp/main.py",
    f"{EXPLAIN} | sort --output=app/main.py",
    f"{EXPLAIN} | sort --outp=app/main.py",
    f"{EXPLAIN} | sort -uo app/main.py",
    f"{EXPLAIN} | sort -o app/main.py",
    f"{EXPLAIN} | uniq - app/main.py",
    f"{EXPLAIN} | uniq -c - app/main.py",
    f"{EXPLAIN} | jq -rn '[{implode('import evil')}]|implode' | uniq - app/main.py",
    f"{EXPLAIN} | tee app/main.py",
    f"{EXPLAIN} | tee -a app/main.py",
    f"{EXPLAIN} | dd of=app/main.py",
    f"{EXPLAIN} | awk '{{print > \"app/main.py\"}}'",
    f"{EXPLAIN} | sed -n 'w app/main.py'",
    f"{EXPLAIN} | cut -c1-3 > app/main.py",
    f"{EXPLAIN} | tr a b > app/main.py",
    f"{EXPLAIN} | head -1 >> app/main.py",
    f"{EXPLAIN} | grep x; cp /dev/null app/main.py",
    f"{EXPLAIN} | wc -l && rm app/main.py",
]


@pytest.mark.parametrize("command", DENIED_APP)
def test_a_write_of_a_protected_file_is_denied(workspace: Path, command: str) -> None:
    reason = bash_denied(workspace, command)
    assert reason is not None and "app/main.py" in reason, command


CFG = implode("[core]\n\thooksPath = /dev/null\n")
DENIED_ANYWHERE = [
    "workspace-guard map -o .git/config",
    "workspace-guard map -o.git/config",
    "workspace-guard map --output=.git/hooks/pre-commit",
    "cd .git && workspace-guard map -o config",
    "workspace-guard map -o .claude/settings.json",
    f"{EXPLAIN} | jq -rn '[{CFG}]|implode' | uniq - .git/config",
    "workspace-guard explain x | jq -rn '[123,125]|implode' | uniq - .claude/settings.json",
    "workspace-guard explain x | sort -o .git/config",
    "workspace-guard map --output ~/.bashrc",
    "workspace-guard map --output={home}/.bashrc",
    "workspace-guard map -o{home}/.claude/settings.json",
    "workspace-guard map -o {home}/.ssh/config",
    "workspace-guard map -o app/m*.py",
]


@pytest.mark.parametrize("command", DENIED_ANYWHERE)
def test_a_write_no_rule_may_allow_is_denied(workspace: Path, command: str) -> None:
    command = command.replace("{home}", os.environ["HOME"])  # the test's own home folder
    assert bash_denied(workspace, command) is not None, command


ALLOWED = [
    f"{EXPLAIN} | head",
    f"{EXPLAIN} | grep foo",
    f"{EXPLAIN} | grep owner | wc -l",
    f"{EXPLAIN} | sort | uniq -c",
    f"{EXPLAIN} | jq -R . | head -3",
    f"workspace-guard map -o {OFFICE}/map.html",
    f"workspace-guard map -o{OFFICE}/map.html",
    f"workspace-guard map --output={OFFICE}/map.html | head",
    "workspace-guard lint && workspace-guard claims",
]


@pytest.mark.parametrize("command", ALLOWED)
def test_reading_and_writing_ones_own_office_is_allowed(workspace: Path, command: str) -> None:
    assert bash_denied(workspace, command) is None, command


def test_an_output_outside_the_repository_is_judged_like_a_write_there(
    workspace: Path, tmp_path: Path
) -> None:
    page = tmp_path / "elsewhere" / "map.html"
    assert bash_denied(workspace, f"workspace-guard map -o {page}") is None
    assert bash_denied(workspace, f"echo x > {page}") is None
    # a quoted pattern is one literal name, as the shell passes it: a new file, like Write's
    assert bash_denied(workspace, "workspace-guard map -o '*.html'") is None


def test_output_files_are_found_as_click_parses_them() -> None:
    from workspace_guard.gates.harness.protocol_outputs import outputs

    assert outputs(["map", "-oapp/main.py"]) == ["app/main.py"]
    assert outputs(["map", "--since", "1d", "--output=F"]) == ["F"]
    assert outputs(["--version", "map", "-o", "F"]) == ["F"]  # judged even where it never runs
    assert outputs(["map", "--", "-oF"]) == []  # map takes no argument: click refuses it
    assert outputs(["explain", "app/main.py"]) == []
    assert outputs(["map", "--out", "F"]) is None  # click refuses it: the ordinary analysis
    assert outputs(["map", "-o"]) is None
    assert outputs(["nosuchverb", "-o", "F"]) is None


def test_every_file_option_of_a_read_verb_is_known() -> None:
    """A read verb that gains an option naming a file it writes must be taught to the gate
    (protocol_outputs.OUTPUT_PARAMS): every option taking a file is either one or an input."""
    import click

    from workspace_guard.cli import cli
    from workspace_guard.gates.harness.protocol_commands import READ_VERBS
    from workspace_guard.gates.harness.protocol_outputs import OUTPUT_PARAMS

    inputs = {"rules", "paths_from"}
    ctx = click.Context(cli)
    seen = []
    todo = [cli.get_command(ctx, verb) for verb in READ_VERBS if not verb.startswith("-")]
    while todo:
        command = todo.pop()
        if command is None:
            continue
        if isinstance(command, click.Group):
            todo += [command.get_command(ctx, name) for name in command.list_commands(ctx)]
        for param in command.params:
            takes_file = "FILE" in str(param.metavar or "") or isinstance(
                param.type, (click.Path, click.File)
            )
            if isinstance(param, click.Option) and takes_file:
                seen.append(param.name)
                assert param.name in OUTPUT_PARAMS | inputs, (command.name, param.name)
    assert "output" in seen and "rules" in seen


# Only the gate itself is a protocol command: another file of its name is the agent's own code,
# for the ordinary analysis (under `unknown_code: deny`, refused as code it cannot read).
LOOK_ALIKES = [
    "{tmp}/workspace-guard explain x",
    "{tmp}/agent_workspace_validator backend-framework-ai app/main.py",
    f"python3 {OFFICE}/agent_workspace_validator.py backend-framework-ai app/main.py",
    f"./{OFFICE}/agent_workspace_validator.py backend-framework-ai app/main.py",
    f"cd {OFFICE} && python3 .workspace/scripts/agent_workspace_validator.py a b",
]


@pytest.mark.parametrize("template", LOOK_ALIKES)
def test_a_look_alike_of_the_gate_is_code_under_deny(tmp_path: Path, template: str) -> None:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  unknown_code: deny\n")
    ws = make_workspace(tmp_path / "ws", text)
    (ws / OFFICE).mkdir(parents=True, exist_ok=True)
    reason = bash_denied(ws, template.format(tmp=tmp_path / "evil"))
    assert reason is not None and "unknown_code" in reason, template


def test_the_installed_gate_by_its_path_is_still_the_gate(workspace: Path) -> None:
    import shutil
    import sys

    program = shutil.which("workspace-guard") or os.path.join(
        os.path.dirname(sys.executable), "workspace-guard"
    )
    assert bash_denied(workspace, f"{program} explain app/main.py") is None
    assert (
        bash_denied(workspace, "python3 .workspace/scripts/agent_workspace_validator.py a b")
        is None
    )

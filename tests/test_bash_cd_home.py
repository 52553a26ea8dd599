"""Where `cd` lands and what `~` names follow the command's CDPATH and HOME (ATTACK F46): the real
hook, a real repository, and the real shell showing each variant writes the protected file.
The analysis variants are in tests/bash_corpus.py (CD_HOME, CD_HOME_READS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied, denied, harness_shell, hook

AGENT = "backend-framework-ai"  # owns no protected file in the example rules


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path / "ws", text)


WRITES = [
    "CDPATH=/WS; cd app >/dev/null && echo x > main.py",
    "export CDPATH=/WS\ncd app >/dev/null\necho x > main.py",
    "HOME=/WS/app; cd && echo x > main.py",
    "HOME=/WS/app; echo x > ~/main.py",
    'HOME="$PWD/app"; echo x > "$HOME/main.py"',
    "HOME=$(echo /WS/app); cd && rm main.py",
]


@pytest.mark.parametrize("command", WRITES)
def test_cdpath_and_home_set_by_the_command(ws: Path, command: str) -> None:
    command = command.replace("/WS", str(ws))
    main = ws / "app" / "main.py"
    before = main.read_text() if main.exists() else ""
    assert bash_denied(ws, command, AGENT) is not None, command
    proc = harness_shell(ws / "docs" if (ws / "docs").is_dir() else ws, command)  # elsewhere
    assert not main.exists() or main.read_text() != before, proc.stderr  # the premise


def test_an_inherited_cdpath_is_the_harness_s(ws: Path) -> None:
    payload = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "cd core && echo x > ../main.py"},
        "agent_id": "a1",
        "agent_type": AGENT,
    }
    inherited = {"CDPATH": str(ws / "app")}
    assert denied(hook(ws, "claude", json.dumps(payload).encode(), env=inherited)) is not None
    assert denied(hook(ws, "claude", json.dumps(payload).encode())) is None  # ws/core/../main.py


@pytest.mark.parametrize(
    "command", ["cd ./app && cat main.py", "HOME=/tmp/h; echo x > ~/notes.txt", "cd; ls"]
)
def test_reads_pass(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, AGENT) is None

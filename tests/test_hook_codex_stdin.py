"""Codex: what the agent types into a session `exec_command` opened (`write_stdin`) is judged as a
shell command, and the installed matcher sends it to the hook (ATTACK F26: an allowed `bash` with
a tty, then `write_stdin "echo X > app/main.py"`, was an ungated shell). Real one-shot hook."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, run_cli

AGENT = "backend-framework-ai"


def _codex(
    ws: Path, chars: object, event: str = "PreToolUse"
) -> subprocess.CompletedProcess[bytes]:
    data = {
        "session_id": "s", "turn_id": "t", "transcript_path": None, "cwd": str(ws),
        "hook_event_name": event, "model": "gpt-5.5", "permission_mode": "default",
        "tool_name": "write_stdin", "tool_input": {"session_id": 3, "chars": chars},
        "tool_use_id": "call_1", "agent_id": "0d1e", "agent_type": AGENT,
    }  # fmt: skip
    return subprocess.run(
        [str(BIN / "workspace-guard"), "hook", "codex"],
        input=json.dumps(data).encode(),
        cwd=ws,
        capture_output=True,
        check=False,
    )


@pytest.mark.parametrize(
    "chars",
    [
        "echo TYPED > app/main.py; exit\n",
        "sed -i s/a/b/ app/main.py\n",
        "cd app && printf x >> main.py\n",
    ],
)
def test_typed_writes_to_a_protected_file_are_denied(workspace: Path, chars: str) -> None:
    proc = _codex(workspace, chars)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "system-architect-ai" in answer["permissionDecisionReason"]


@pytest.mark.parametrize("chars", ["", None, "ls -la\n", "echo hi > scratch.txt\n"])
def test_polls_and_harmless_input_pass(workspace: Path, chars: object) -> None:
    proc = _codex(workspace, chars)
    assert proc.returncode == 0 and proc.stdout.strip() == b"", (proc.stdout, proc.stderr)


def test_codex_matcher_covers_write_stdin(workspace: Path) -> None:
    assert run_cli(workspace, "install", "--harness", "codex").returncode == 0
    hooks = json.loads((workspace / ".codex/hooks.json").read_text())["hooks"]
    for event in ("PreToolUse", "PostToolUse"):
        assert "write_stdin" in hooks[event][0]["matcher"].split("|")


def test_after_the_call_write_stdin_is_read_without_error(workspace: Path) -> None:
    proc = _codex(workspace, "echo hi > scratch.txt\n", event="PostToolUse")
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr

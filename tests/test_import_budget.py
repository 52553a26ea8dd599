"""Import budget of every hot entry: what runs on every commit, push and agent edit must not
import a heavy module (click, PyYAML, Babel, GitPython, jsonschema, argparse, watchdog, mcp).

Each entry runs as a real process through the front door (`entry.main`), after one warm-up run
(the compiled-rules cache is then filled, as it is for every call but the first)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("click", "yaml", "babel", "git", "jsonschema", "argparse", "watchdog", "mcp")
# `typing` too (~3 ms): the hot modules spell `TYPE_CHECKING = False` to keep it out, and the cold
# modules import it plainly because no hot entry loads them, which this test proves
CHECKED = (*HEAVY, "typing")
AGENT = "backend-framework-ai"


def event(workspace: Path) -> bytes:
    """A harness's pre-tool event: an allowed write of README.md."""
    data = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": str(workspace / "README.md"), "content": "x\n"},
        "cwd": str(workspace),
    }
    return json.dumps(data).encode()


def heavy_imports(workspace: Path, args: list[str], stdin: bytes) -> list[str]:
    """Run `workspace-guard ARGS` in-process of a fresh interpreter; the heavy modules loaded."""
    script = (
        "import sys\n"
        "from workspace_guard.entry import main\n"
        f"code = main({args!r})\n"
        f"print('HEAVY', ','.join(m for m in {CHECKED!r} if m in sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "WORKSPACE_AGENT": AGENT}
    for _ in range(2):  # the first run fills the rules cache
        proc = subprocess.run(
            [sys.executable, "-c", script],
            cwd=workspace,
            input=stdin,
            capture_output=True,
            env=env,
            check=False,
        )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    line = [item for item in stderr.splitlines() if item.startswith("HEAVY")][-1]
    return [name for name in line.split(" ", 1)[1].split(",") if name]


HARNESSES = ["claude", "codex", "gemini", "cursor", "cline"]


@pytest.mark.parametrize("harness", HARNESSES)
def test_harness_hooks(workspace: Path, harness: str) -> None:
    assert heavy_imports(workspace, ["hook", harness], event(workspace)) == []


@pytest.mark.parametrize("hook", ["pre-commit", "pre-receive"])
def test_git_hooks(workspace: Path, hook: str) -> None:
    assert heavy_imports(workspace, ["hook", hook], b"") == []


def test_commit_msg_hook(workspace: Path) -> None:
    (workspace / "message.txt").write_text("docs: readme\n")
    assert heavy_imports(workspace, ["hook", "commit-msg", "message.txt"], b"") == []


def test_validator(workspace: Path) -> None:
    assert heavy_imports(workspace, ["validate", AGENT, "README.md", "app/main.py"], b"") == []


def test_bash_analysis() -> None:
    script = (
        "import sys\n"
        "import workspace_guard.gates.harness.bash as bash\n"
        f"print(','.join(m for m in {CHECKED!r} if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == ""


def test_the_detector_sees_a_heavy_import(workspace: Path) -> None:
    """Control: a cold command (click) is reported, so an empty list above means something."""
    assert "click" in heavy_imports(workspace, ["explain", "README.md"], b"")


def test_oversized_command_refused_without_loading_the_bash_analysis(workspace: Path) -> None:
    """A command over the 64 KB limit is refused unread: neither the Bash analysis, nor the
    protocol-command lexer (shlex), nor the escalation's counting is loaded for it."""
    data = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "echo x > app/main.py; " * 50_000},
        "cwd": str(workspace),
    }
    script = (
        "import sys\n"
        "from workspace_guard.entry import main\n"
        "code = main(['hook', 'claude'])\n"
        "names = ('workspace_guard.gates.harness.bash', 'shlex', 'workspace_guard.state.jsonlist')\n"
        "print('LOADED', ','.join(m for m in names if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=workspace,
        input=json.dumps(data).encode(),
        capture_output=True,
        env={**os.environ, "WORKSPACE_AGENT": AGENT},
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert (
        answer["permissionDecision"] == "deny" and "too large" in answer["permissionDecisionReason"]
    )
    assert [line for line in stderr.splitlines() if line.startswith("LOADED")] == ["LOADED "], (
        stderr
    )


def test_after_tool_event_hashes_without_hashlib(workspace: Path) -> None:
    """The after-tool event's blob id comes from CPython's built-in SHA-1 (`hashlib` loads OpenSSL:
    about 3 ms a process against 0.25 ms), and the id is git's."""
    (workspace / "notes.txt").write_text("hi\n")
    data = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": str(workspace / "notes.txt"), "content": "hi\n"},
        "tool_response": {},
        "cwd": str(workspace),
        "agent_type": AGENT,
    }
    script = (
        "import sys\n"
        "from workspace_guard.entry import main\n"
        "code = main(['hook', 'claude'])\n"
        "print('LOADED', ','.join(m for m in ('hashlib', '_hashlib') if m in sys.modules), "
        "file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=workspace,
        input=json.dumps(data).encode(),
        capture_output=True,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert [line for line in stderr.splitlines() if line.startswith("LOADED")] == ["LOADED "], (
        stderr
    )
    blob = subprocess.run(
        ["git", "hash-object", "notes.txt"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ledger = subprocess.run(
        [sys.executable, "-m", "workspace_guard", "provenance", "notes.txt", "--format", "json"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert blob in ledger, ledger

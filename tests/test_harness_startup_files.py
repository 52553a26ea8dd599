"""Start-up files the harnesses load are the gate's own trust base (ATTACK F59): Gemini CLI loads
the first `.env` from its cwd upward (`.gemini/.env` first in each folder, then `~/.gemini/.env`,
`~/.env`) into the environment its hooks inherit; Codex loads `$CODEX_HOME/.env`; Claude Code's
Bash tool sources the user's shell start-up files; direnv loads `.envrc`. An `LD_PRELOAD=` line
there switches the hook command off. No tool of a non-superuser may write them, whatever the
rules protect; events shaped like the real CLIs' (notes/real-payloads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook

SUPER = "master-orchestrator"
HOME_FILES = [
    ".env",
    ".gemini/.env",
    ".codex/.env",
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".envrc",
]
PROJECT_FILES = [".env", ".envrc", ".gemini/.env", "app/.env", "app/core/.envrc", ".codex/.env"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    for sub in (".gemini", ".codex", "codex"):
        (folder / sub).mkdir(parents=True)
    return folder


def _env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "CODEX_HOME": str(home / "codex")}


def _claude(
    ws: Path, home: Path, tool: str, tool_input: dict[str, object], agent: str
) -> str | None:
    return denied(
        hook(ws, "claude", claude_event(ws, tool, tool_input, agent=agent), env=_env(home))
    )


def _write(ws: Path, home: Path, path: str, agent: str = OTHER) -> str | None:
    tool_input: dict[str, object] = {"file_path": path, "content": "LD_PRELOAD=/tmp/q.so\n"}
    return _claude(ws, home, "Write", tool_input, agent)


def _bash(ws: Path, home: Path, command: str, agent: str = OTHER) -> str | None:
    return _claude(ws, home, "Bash", {"command": command}, agent)


def _gemini(ws: Path, home: Path, path: str) -> str | None:
    """Gemini's `write_file` BeforeTool as the real CLI sends it (no agent identity)."""
    event = {
        "session_id": "2bc5c790-dc45-4a2c-be8a-2b63dbbe1325",
        "transcript_path": "/tmp/chats/session.jsonl",
        "cwd": str(ws),
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-12-06T04:41:10.452Z",
        "tool_name": "write_file",
        "tool_input": {"file_path": path, "content": "LD_PRELOAD=/tmp/q.so\n"},
    }
    env = {**_env(home), "WORKSPACE_AGENT": OTHER}
    proc = hook(ws, "gemini", json.dumps(event).encode(), env=env)
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    answer = json.loads(proc.stdout)
    assert answer["decision"] == "deny"
    return str(answer["reason"])


@pytest.mark.parametrize("rel", HOME_FILES)
def test_home_start_up_files_are_refused(workspace: Path, home: Path, rel: str) -> None:
    path = str(home / rel)
    for reason in (_write(workspace, home, path), _gemini(workspace, home, path)):
        assert reason is not None and "start-up" in reason, (rel, reason)
    assert _bash(workspace, home, f"echo LD_PRELOAD=/tmp/q.so >> ~/{rel}") is not None


def test_the_codex_home_env_file(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(home / "codex/.env")) is not None
    assert _bash(workspace, home, 'echo X=1 > "$CODEX_HOME/.env"') is not None


@pytest.mark.parametrize("rel", PROJECT_FILES)
def test_project_start_up_files_are_refused(workspace: Path, home: Path, rel: str) -> None:
    path = str(workspace / rel)
    for reason in (_write(workspace, home, path), _gemini(workspace, home, path)):
        assert reason is not None and "start-up" in reason, (rel, reason)


@pytest.mark.parametrize(
    "command",
    [
        "echo LD_PRELOAD=$PWD/office/q.so > .env",
        "printf 'LD_PRELOAD=x' >> .gemini/.env",
        "cp office/evil .envrc",
        "tee app/.env < office/evil",
        "cd app && echo X=1 > .env",
        "echo X=1 > .e?v",
        "mv office/e .env",
        "ln -sf office/e .env",
        "cat office/e > ../.env",
    ],
)
def test_shell_writes_of_project_start_up_files(workspace: Path, home: Path, command: str) -> None:
    assert _bash(workspace, home, command) is not None, command


def test_mcp_write_of_a_start_up_file(workspace: Path, home: Path) -> None:
    tool_input: dict[str, object] = {"path": ".env", "content": "LD_PRELOAD=x"}
    assert _claude(workspace, home, "mcp__filesystem__write_file", tool_input, OTHER) is not None


@pytest.mark.parametrize(
    "command",
    [
        "cat .env",
        "echo x > .env.example",
        "echo x > docs/env.md",
        "cat ~/.bashrc",
        "echo x > ~/notes.txt",
    ],
)
def test_reading_them_and_other_files_stay_allowed(
    workspace: Path, home: Path, command: str
) -> None:
    assert _bash(workspace, home, command) is None, command


def test_a_superuser_may(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(workspace / ".env"), SUPER) is None
    assert _write(workspace, home, str(home / ".bashrc"), SUPER) is None
    assert _bash(workspace, home, "echo X=1 > ~/.codex/.env", SUPER) is None

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


STARTUP_SHELL_WRITES = [
    "echo LD_PRELOAD=$PWD/office/q.so > .env",
    "printf 'LD_PRELOAD=x' >> .gemini/.env",
    "cp office/evil .envrc",
    "tee app/.env < office/evil",
    "cd app && echo X=1 > .env",
    "echo X=1 > .e?v",
    "mv office/e .env",
    "ln -sf office/e .env",
    "cat office/e > ../.env",
]


def test_mcp_write_of_a_start_up_file(workspace: Path, home: Path) -> None:
    tool_input: dict[str, object] = {"path": ".env", "content": "LD_PRELOAD=x"}
    assert _claude(workspace, home, "mcp__filesystem__write_file", tool_input, OTHER) is not None


# reading them, and writing other files
STARTUP_SHELL_ALLOWED = [
    "cat .env",
    "echo x > .env.example",
    "echo x > docs/env.md",
    "cat ~/.bashrc",
    "echo x > ~/notes.txt",
]


def test_a_superuser_may(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(workspace / ".env"), SUPER) is None
    assert _write(workspace, home, str(home / ".bashrc"), SUPER) is None
    assert _bash(workspace, home, "echo X=1 > ~/.codex/.env", SUPER) is None


# --- files that become code on a later call (ATTACK F59/F86 follow-ups; later_code.py) ----------
# ssh runs ProxyCommand/LocalCommand of ~/.ssh/config at the next `git fetch`/`push` over ssh, npm
# its `node-options`/`script-shell`, fish and direnv their start-up scripts, Python a `.pth` or
# `sitecustomize.py` of its site-packages at every start, bash `$BASH_ENV` in every script.
LATER_HOME = [
    ".ssh/config",
    ".ssh/rc",
    ".ssh/environment",
    ".ssh/config.d/evil.conf",
    ".npmrc",
    ".yarnrc.yml",
    ".config/fish/config.fish",
    ".config/fish/conf.d/x.fish",
    ".config/direnv/direnvrc",
    ".config/direnv/lib/x.sh",
    ".pythonrc",
    ".pythonstartup",
    ".local/lib/python3.11/site-packages/evil.pth",
    ".local/lib/python3.12/site-packages/sitecustomize.py",
    ".local/lib/python3.12/site-packages/usercustomize.py",
    ".vimrc",
]
LATER_PROJECT = [".npmrc", "app/.npmrc", ".env.local", ".env.production", "app/.env.development"]
LATER_SYSTEM = [
    "/etc/profile.d/evil.sh",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/profile",
    "/etc/ld.so.preload",
    "/etc/ssh/ssh_config",
    "/usr/lib/python3/dist-packages/evil.pth",
    "/usr/local/lib/python3.11/dist-packages/sitecustomize.py",
]


def _every_tool(ws: Path, home: Path, path: str, shell_path: str) -> list[str | None]:
    """The verdicts of Write, Edit, a Bash append, a PowerShell write and an MCP write."""
    edit: dict[str, object] = {"file_path": path, "old_string": "a", "new_string": "b"}
    mcp: dict[str, object] = {"path": path, "content": "ProxyCommand sh -c evil"}
    ps: dict[str, object] = {"command": f"Set-Content -Path '{path}' -Value 'x'"}
    return [
        _write(ws, home, path),
        _claude(ws, home, "Edit", edit, OTHER),
        _bash(ws, home, f"echo 'ProxyCommand sh -c evil' >> {shell_path}"),
        _claude(ws, home, "PowerShell", ps, OTHER),
        _claude(ws, home, "mcp__filesystem__write_file", mcp, OTHER),
    ]


@pytest.mark.parametrize("rel", LATER_HOME)
def test_home_files_that_become_code_are_refused(workspace: Path, home: Path, rel: str) -> None:
    verdicts = _every_tool(workspace, home, str(home / rel), f"~/{rel}")
    assert all(v is not None for v in verdicts), (rel, verdicts)
    if "site-packages" not in rel:  # a `.pth` is refused to everyone (program_files.py)
        assert _write(workspace, home, str(home / rel), SUPER) is None


@pytest.mark.parametrize("rel", LATER_PROJECT)
def test_project_files_that_become_code_are_refused(workspace: Path, home: Path, rel: str) -> None:
    verdicts = _every_tool(workspace, home, str(workspace / rel), rel)
    assert all(v is not None for v in verdicts), (rel, verdicts)


@pytest.mark.parametrize("path", LATER_SYSTEM)
def test_system_files_that_become_code_are_refused(workspace: Path, home: Path, path: str) -> None:
    assert _write(workspace, home, path) is not None
    assert _bash(workspace, home, f"echo x >> {path}") is not None


LATER_SHELL_WRITES = [
    "echo 'Host *' > $HOME/.ssh/config",
    "cp office/c ~/.ssh/config",
    "rm -rf ~/.ssh",
    "mv ~/.config/fish /tmp/f",
    "echo x > $XDG_CONFIG_HOME/fish/config.fish",
    'echo "import os" > "$PYTHONSTARTUP"',
    "echo x > $BASH_ENV",
    "echo 'node-options=--require ./x.js' >> .npmrc",
    "echo X=1 > .env.*",
    "tee -a ~/.npmrc < office/n",
]


def test_variables_naming_files_that_become_code(
    workspace: Path, home: Path, tmp_path: Path
) -> None:
    startup = tmp_path / "startup.py"
    env = {**_env(home), "PYTHONSTARTUP": str(startup), "BASH_ENV": str(tmp_path / "benv")}
    tool_input: dict[str, object] = {"file_path": str(startup), "content": "import os\n"}
    proc = hook(workspace, "claude", claude_event(workspace, "Write", tool_input), env=env)
    assert denied(proc) is not None
    tool_input = {"file_path": str(tmp_path / "benv"), "content": "x\n"}
    proc = hook(workspace, "claude", claude_event(workspace, "Write", tool_input), env=env)
    assert denied(proc) is not None


# their neighbours (`echo x > .env.example` is in STARTUP_SHELL_ALLOWED)
LATER_SHELL_ALLOWED = [
    "cat ~/.ssh/config",
    "ssh-keygen -l -f ~/.ssh/known_hosts",
    "echo x > ~/.ssh/notes.txt",
    "echo x > docs/npmrc.md",
    "echo x > ~/.local/lib/notes.txt",
]


# --- shell commands: the start-up files and the files that become code ----------------------------


@pytest.mark.parametrize("command", STARTUP_SHELL_WRITES + LATER_SHELL_WRITES)
def test_shell_writes_of_start_up_files_and_files_that_become_code(
    workspace: Path, home: Path, command: str
) -> None:
    assert _bash(workspace, home, command) is not None, command


@pytest.mark.parametrize("command", STARTUP_SHELL_ALLOWED + LATER_SHELL_ALLOWED)
def test_reads_and_neighbours_stay_allowed(workspace: Path, home: Path, command: str) -> None:
    assert _bash(workspace, home, command) is None, command

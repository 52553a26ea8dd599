"""The harnesses' own settings outside the repository (`~/.claude/settings.json`, …) decide
whether and how the hooks run: a tool call may not write them (a file tool or a shell command,
however the path is spelled), except a superuser's."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook

SETTINGS = [
    "~/.claude/settings.json",
    "~/.claude/settings.local.json",
    "~/.claude.json",
    "~/.codex/config.toml",
    "~/.codex/hooks.json",
    "~/.gemini/settings.json",
    "~/.cursor/hooks.json",
    "/etc/claude-code/managed-settings.json",
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / ".claude").mkdir(parents=True)
    (folder / "cfg").mkdir()
    (folder / "codex").mkdir()
    return folder


def _env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / "cfg"),
        "CODEX_HOME": str(home / "codex"),
    }


def _bash(ws: Path, home: Path, command: str, agent: str = OTHER) -> str | None:
    event = claude_event(ws, "Bash", {"command": command}, agent=agent)
    return denied(hook(ws, "claude", event, env=_env(home)))


def _write(ws: Path, home: Path, path: str, agent: str = OTHER) -> str | None:
    event = claude_event(ws, "Write", {"file_path": path, "content": "{}"}, agent=agent)
    return denied(hook(ws, "claude", event, env=_env(home)))


@pytest.mark.parametrize("path", SETTINGS)
def test_a_file_tool_may_not_write_harness_settings(workspace: Path, home: Path, path: str) -> None:
    absolute = path.replace("~", str(home), 1)
    reason = _write(workspace, home, absolute)
    assert reason is not None and "hooks run" in reason, reason


@pytest.mark.parametrize(
    "command",
    [
        'echo \'{"env": {"WORKSPACE_GUARD": "/bin/true"}}\' > ~/.claude/settings.json',
        'cat x > "$HOME/.claude/settings.local.json"',
        "cp evil.json ${HOME}/.claude.json",
        "tee $CLAUDE_CONFIG_DIR/settings.json < x",
        'cp x "${CODEX_HOME}/config.toml"',
        "sed -i s/a/b/ ~/.codex/config.toml",
        "cd ~ && echo x > .gemini/settings.json",
        "mv x ~/.cursor/hooks.json",
        "cp x /etc/claude-code/managed-settings.json",
        "rm -rf ~/.claude",
        "mv ~/elsewhere ~/.codex",
        "ln -s ~/.claude x && echo '{}' > x/settings.json",
        "ln -sf ~/.claude.json y; cat evil > y",
        "install -m644 x ~/.claude/settings.json",
        "dd if=x of=$HOME/.claude.json",
        "rsync -a evil/ ~/.claude/",
    ],
)
def test_a_shell_command_may_not_write_harness_settings(
    workspace: Path, home: Path, command: str
) -> None:
    reason = _bash(workspace, home, command)
    assert reason is not None and "hooks run" in reason, (command, reason)


def test_the_configured_folders_by_their_real_path(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(home / "cfg" / "settings.json")) is not None
    assert _write(workspace, home, str(home / "codex" / "hooks.json")) is not None
    link = home / "link"
    link.symlink_to(home / ".claude")
    assert _write(workspace, home, str(link / "settings.json")) is not None


@pytest.mark.parametrize(
    "command",
    [
        "echo x > ~/notes.txt",
        "echo x > ~/.claude/notes/helper.md",
        "cat ~/.claude/settings.json",
        "echo x > /tmp/settings.json",
    ],
)
def test_other_files_outside_the_repository_stay_allowed(
    workspace: Path, home: Path, command: str
) -> None:
    assert _bash(workspace, home, command) is None


def test_a_superuser_may(workspace: Path, home: Path) -> None:
    assert (
        _bash(workspace, home, "echo {} > ~/.claude/settings.json", "master-orchestrator") is None
    )
    assert _write(workspace, home, str(home / ".claude.json"), "master-orchestrator") is None

"""The home folder's protected files through procfs (ATTACK F127): `/proc/self/root$HOME/…`,
`/proc/thread-self/root`, `/proc/$$/root`, `/proc/PID/root`, `/$HOME/…` and `/proc/self/cwd/…`
name the same files as `~/…`, for the file tools and for the Bash analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / ".claude" / "agents").mkdir(parents=True)
    (folder / ".claude" / "settings.json").write_text("{}\n")
    return folder


def _bash(ws: Path, home: Path, command: str) -> str | None:
    event = claude_event(ws, "Bash", {"command": command}, agent=OTHER)
    return denied(hook(ws, "claude", event, env={"HOME": str(home)}))


def _write(ws: Path, home: Path, path: str) -> str | None:
    event = claude_event(ws, "Write", {"file_path": path, "content": "{}"}, agent=OTHER)
    return denied(hook(ws, "claude", event, env={"HOME": str(home)}))


@pytest.mark.parametrize(
    "command",
    [
        "cp x /proc/self/root$HOME/.claude/settings.json",
        "cp x /proc/self/root/$HOME/.claude/settings.json",
        "cp x /proc/self/root//${HOME}/.gitconfig",
        "cp x /proc/thread-self/root$HOME/.claude/agents/",
        "cp x /proc/$$/root$HOME/.claude/settings.json",
        "cp x /proc/1/root$HOME/.gitconfig",
        "cp x /proc/self/task/$BASHPID/root$HOME/.gitconfig",
        "cp x /$HOME/.claude/settings.json",
        "echo {} > //$HOME/.claude/settings.json",
        "mkdir -p /proc/self/root$HOME/.claude/agents && cp x /proc/self/root$HOME/.claude/agents/",
        "cd ~ && cp x /proc/self/cwd/.gitconfig",
        "cd ~/.claude && echo {} > /proc/self/cwd/settings.json",
        "echo {} > /proc/self/root$HOME/.claude/../.claude/settings.json",
    ],
)
def test_procfs_spellings_of_home_files_are_refused(
    workspace: Path, home: Path, command: str
) -> None:
    assert _bash(workspace, home, command) is not None, command


@pytest.mark.parametrize(
    "command",
    [
        "echo x > /proc/self/root$HOME/notes.txt",
        "echo x > /$HOME/notes.txt",
        "echo x > /proc/self/root/tmp/settings.json",
        "cat /proc/self/root$HOME/.claude/settings.json",
        "cd ~ && echo x > /proc/self/cwd/notes.txt",
        "echo x > /tmp/a~/b",
        "ls /proc/self/root$HOME/.claude/agents/",
        "cp /proc/self/root$HOME/.gitconfig /tmp/gc",
    ],
)
def test_procfs_spellings_of_other_files_stay_allowed(
    workspace: Path, home: Path, command: str
) -> None:
    assert _bash(workspace, home, command) is None, command


@pytest.mark.parametrize(
    "rel",
    [
        "proc/self/root{home}/.claude/settings.json",
        "proc/thread-self/root{home}/.claude/agents/x.md",
        "proc/1/root{home}/.gitconfig",
        "proc/self/task/1/root{home}/.claude/settings.json",
        "proc/self/root/proc/self/root{home}/.gitconfig",
    ],
)
def test_a_file_tool_through_procfs_is_refused(workspace: Path, home: Path, rel: str) -> None:
    path = "/" + rel.format(home=home)
    assert _write(workspace, home, path) is not None, path


def test_a_file_tool_through_procfs_elsewhere_stays_allowed(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, f"/proc/self/root{home}/notes.txt") is None

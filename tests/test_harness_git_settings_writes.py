"""git's own settings files are the gate's trust base as much as the harnesses' (ATTACK F87):
`core.hooksPath = /dev/null` in `~/.gitconfig`, `~/.config/git/config` (`$XDG_CONFIG_HOME`),
`/etc/gitconfig` or the file `GIT_CONFIG_GLOBAL`/`GIT_CONFIG_SYSTEM` names switches the commit and
push hooks of every clone off. The shell analysis refused them; the file tools (Write, Edit, MCP
writes) now do too, for every agent but a superuser."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import OTHER, ordinary_writes, tool_denied

SUPER = "master-orchestrator"
EVIL = "[core]\n\thooksPath = /dev/null\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / ".config" / "git").mkdir(parents=True)
    (tmp_path / "xdg" / "git").mkdir(parents=True)
    return folder


def _env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home.parent / "xdg"),
        "GIT_CONFIG_GLOBAL": str(home.parent / "named.gitconfig"),
    }


def _call(ws: Path, home: Path, tool: str, tool_input: dict[str, object], agent: str) -> str | None:
    return tool_denied(ws, tool, tool_input, agent, _env(home))


def _write(ws: Path, home: Path, path: str, agent: str = OTHER) -> str | None:
    return _call(ws, home, "Write", {"file_path": path, "content": EVIL}, agent)


def _targets(home: Path) -> list[str]:
    return [
        str(home / ".gitconfig"),
        str(home / ".config/git/config"),
        str(home.parent / "xdg/git/config"),
        str(home.parent / "named.gitconfig"),
        "/etc/gitconfig",
    ]


def test_file_tools_may_not_write_gits_settings(workspace: Path, home: Path) -> None:
    for path in _targets(home):
        reason = _write(workspace, home, path)
        assert reason is not None and "gitconfig" in reason, (path, reason)
        edit = {"file_path": path, "old_string": "[user]", "new_string": EVIL}
        assert _call(workspace, home, "Edit", edit, OTHER) is not None, path
        mcp = {"path": path, "content": EVIL}
        assert _call(workspace, home, "mcp__filesystem__write_file", mcp, OTHER) is not None
    assert not (home / ".gitconfig").exists()


def test_spellings_and_holders(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, "~/.gitconfig") is not None
    rel = str(Path("..") / home.name / ".gitconfig")
    assert _call(workspace, home, "Bash", {"command": f"mv office/x {rel}"}, OTHER) is not None
    for command in (
        "printf '[core]\\n\\thooksPath=/dev/null\\n' >> ~/.gitconfig",
        'echo x > "$XDG_CONFIG_HOME/git/config"',
        "rm -rf ~/.config/git",
    ):
        assert _call(workspace, home, "Bash", {"command": command}, OTHER) is not None, command


def test_other_writes_stay_allowed(workspace: Path, home: Path, tmp_path: Path) -> None:
    for path in (
        *ordinary_writes(workspace, home, tmp_path),
        str(home / ".config/other/config"),
        str(home / ".gitconfig.bak.md"),
    ):
        assert _write(workspace, home, path) is None, path
    for command in ("cat ~/.gitconfig", "git config --get user.name || true"):
        assert _call(workspace, home, "Bash", {"command": command}, OTHER) is None, command


def test_a_superuser_may(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(home / ".gitconfig"), SUPER) is None
    assert _write(workspace, home, str(home.parent / "xdg/git/config"), SUPER) is None

"""A program written to a folder on the PATH the hooks run with is code the next call runs
(ATTACK F86): `~/.local/bin/git` runs at the next `git status`, in the agent's shell and in the
hook. Such writes (outside the repository, in a folder the user may write) are refused to every
tool of a non-superuser; writes in the repository, /tmp and the office stay allowed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.harness import OTHER, ordinary_writes, tool_denied

SUPER = "master-orchestrator"
SHIM = '#!/bin/sh\necho evil > app/main.py\nexec /usr/bin/git "$@"\n'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / ".local" / "bin").mkdir(parents=True)
    return folder


def _env(home: Path) -> dict[str, str]:
    search = os.pathsep.join([str(home / ".local/bin"), str(home / "bin"), os.environ["PATH"]])
    return {"HOME": str(home), "PATH": search}


def _call(ws: Path, home: Path, tool: str, tool_input: dict[str, object], agent: str) -> str | None:
    return tool_denied(ws, tool, tool_input, agent, _env(home))


def _write(ws: Path, home: Path, path: str, agent: str = OTHER) -> str | None:
    return _call(ws, home, "Write", {"file_path": path, "content": SHIM}, agent)


@pytest.mark.parametrize("rel", [".local/bin/git", ".local/bin/python3", "bin/cat"])
def test_programs_in_path_folders_are_refused(workspace: Path, home: Path, rel: str) -> None:
    reason = _write(workspace, home, str(home / rel))
    assert reason is not None and "PATH" in reason, (rel, reason)
    mcp = {"path": str(home / rel), "content": SHIM}
    assert _call(workspace, home, "mcp__filesystem__write_file", mcp, OTHER) is not None
    assert _write(workspace, home, f"~/{rel}") is not None


@pytest.mark.parametrize(
    "command",
    [
        "cp office/shim ~/.local/bin/git",
        "printf '#!/bin/sh' > ~/bin/ls",
        "mv ~/.local/bin /tmp/gone",
        "rm -rf ~/.local",
        "ln -s office/shim ~/.local/bin/sh",
    ],
)
def test_shell_writes_there_are_refused(workspace: Path, home: Path, command: str) -> None:
    assert _call(workspace, home, "Bash", {"command": command}, OTHER) is not None, command


def test_other_writes_stay_allowed(workspace: Path, home: Path, tmp_path: Path) -> None:
    for path in (
        *ordinary_writes(workspace, home, tmp_path),
        str(home / ".local/share/x.txt"),
    ):
        assert _write(workspace, home, path) is None, path
    for command in (
        "ls ~/.local/bin",
        "echo x > /tmp/wg-path-folders-probe.txt",
        "ln -s /usr/bin/python3 /tmp/wg-path-folders-py",
    ):
        assert _call(workspace, home, "Bash", {"command": command}, OTHER) is None, command


def test_a_path_folder_inside_the_repository_is_left_to_the_rules(
    workspace: Path, home: Path
) -> None:
    env = {**_env(home), "PATH": str(workspace / "tools") + os.pathsep + os.environ["PATH"]}
    reason = tool_denied(workspace, "Write", {"file_path": "tools/run", "content": "x"}, OTHER, env)
    assert reason is None or "PATH" not in reason


def test_a_superuser_may(workspace: Path, home: Path) -> None:
    assert _write(workspace, home, str(home / ".local/bin/git"), SUPER) is None

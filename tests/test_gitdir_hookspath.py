"""The hooks folder git really runs, wherever `core.hooksPath` is set: no tool may write there.

The repository's own config is one place among many. git also reads the system file, the
global files (`$HOME/.gitconfig`, `$XDG_CONFIG_HOME/git/config`, `GIT_CONFIG_GLOBAL`), a
worktree's `config.worktree` (with `extensions.worktreeConfig`), files named by `include.path` /
`includeIf`, and `GIT_CONFIG_COUNT` in the environment. A hook written through any of them runs
at the next `git commit` — so the gate asks git itself, per worktree. Real git, real hook
processes (the environment of the hook is the harness's, which the agent's git inherits).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import tool_denied
from helpers.repos import git

AGENT = "backend-framework-ai"
SUPERUSER = "master-orchestrator"


def _write(ws: Path, target: Path, env: dict[str, str], agent: str = AGENT) -> str | None:
    written = {"file_path": str(target), "content": "#!/bin/sh\nexit 0\n"}
    return tool_denied(ws, "Write", written, agent, env)


def _bash(ws: Path, command: str, env: dict[str, str]) -> str | None:
    return tool_denied(ws, "Bash", {"command": command}, AGENT, env)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, dict[str, str]]:
    """A workspace, a hooks folder outside it, and a home of its own for the hook (whose global
    files git reads: the suite's pinned `GIT_CONFIG_GLOBAL` and `GIT_CONFIG_NOSYSTEM` are
    dropped)."""
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    ws = make_workspace(tmp_path / "ws")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    return ws, hooks, env


def _refused_everywhere(ws: Path, hooks: Path, env: dict[str, str]) -> None:
    for agent in (AGENT, SUPERUSER):
        reason = _write(ws, hooks / "commit-msg", env, agent)
        assert reason is not None and "hooks folder" in reason, (agent, reason)
    assert _bash(ws, f"echo 'exit 0' > {hooks}/pre-commit", env) is not None
    assert _bash(ws, f"rm -rf {hooks}", env) is not None


def _honest(ws: Path, hooks: Path, env: dict[str, str]) -> None:
    """Before the setting: the folder is nobody's (outside the repository), writes pass."""
    assert _write(ws, hooks / "commit-msg", env) is None


def test_the_global_file_in_home(setup: tuple[Path, Path, dict[str, str]]) -> None:
    ws, hooks, env = setup
    _honest(ws, hooks, env)
    Path(env["HOME"], ".gitconfig").write_text(f"[core]\n\thooksPath = {hooks}\n")
    assert _git_says(ws, env) == str(hooks)
    _refused_everywhere(ws, hooks, env)


def test_the_global_file_under_xdg(setup: tuple[Path, Path, dict[str, str]]) -> None:
    ws, hooks, env = setup
    _honest(ws, hooks, env)
    xdg = Path(env["XDG_CONFIG_HOME"], "git")
    xdg.mkdir(parents=True)
    (xdg / "config").write_text(f'[core]\n\thooksPath = "{hooks}"\n')
    assert _git_says(ws, env) == str(hooks)
    _refused_everywhere(ws, hooks, env)


def test_git_config_global_and_system_variables(
    setup: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    ws, hooks, env = setup
    named = tmp_path / "named.gitconfig"
    named.write_text(f"[core]\n\thooksPath = {hooks}\n")
    for variable in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"):
        with_it = {**env, variable: str(named)}
        assert _git_says(ws, with_it) == str(hooks)
        _refused_everywhere(ws, hooks, with_it)
    _honest(ws, hooks, env)


def test_git_config_count_in_the_environment(setup: tuple[Path, Path, dict[str, str]]) -> None:
    ws, hooks, env = setup
    with_it = {
        **env,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.hooksPath",
        "GIT_CONFIG_VALUE_0": str(hooks),
    }
    assert _git_says(ws, with_it) == str(hooks)
    _refused_everywhere(ws, hooks, with_it)


@pytest.mark.parametrize("section", ["include", 'includeIf "gitdir:/"'])
def test_an_included_file(
    setup: tuple[Path, Path, dict[str, str]], tmp_path: Path, section: str
) -> None:
    ws, hooks, env = setup
    included = tmp_path / "inc" / "hooks.inc"
    included.parent.mkdir()
    included.write_text(f"[core]\n\thooksPath = {hooks}\n")
    with (ws / ".git/config").open("a") as handle:
        handle.write(
            f"[{section}]\n\tpath = ../../inc/hooks.inc\n".replace("../../", f"{tmp_path}/")
        )
    assert _git_says(ws, env) == str(hooks)
    _refused_everywhere(ws, hooks, env)


def test_a_relative_global_value_is_each_worktrees_folder(
    setup: tuple[Path, Path, dict[str, str]],
) -> None:
    ws, _hooks, env = setup
    Path(env["HOME"], ".gitconfig").write_text("[core]\n\thooksPath = .husky/_\n")
    (ws / ".husky/_").mkdir(parents=True)
    _refused_everywhere(ws, ws / ".husky/_", env)
    assert _bash(ws, "echo x > .husky/notes.md", env) is None  # beside it: the rules decide


def test_config_worktree_of_another_worktree(
    setup: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    """`extensions.worktreeConfig`: a linked worktree's own `config.worktree` names the folder;
    a write from the main worktree is refused too (its commits run those hooks)."""
    ws, hooks, env = setup
    other = tmp_path / "other"
    git(ws, "worktree", "add", "-q", "-b", "side", str(other))
    git(ws, "config", "extensions.worktreeConfig", "true")
    _honest(ws, hooks, env)
    git(other, "config", "--worktree", "core.hooksPath", str(hooks))
    assert _git_says(other, env) == str(hooks)
    assert _git_says(ws, env) == ""  # the main worktree runs its own hooks
    _refused_everywhere(ws, hooks, env)
    _refused_everywhere(other, hooks, env)


def test_one_process_sees_an_include_written_later(tmp_path: Path) -> None:
    """The resident hook server: a file an include names, written after the first answer."""
    from workspace_guard.gates.harness.gitdir import is_git_internal
    from workspace_guard.repo import Repo

    ws = make_workspace(tmp_path / "ws")
    included = tmp_path / "later.inc"
    git(ws, "config", "include.path", str(included))
    target = str(tmp_path / "hooks" / "commit-msg")
    assert not is_git_internal(Repo.discover(str(ws)), target)
    included.write_text(f"[core]\n\thooksPath = {tmp_path / 'hooks'}\n")
    assert is_git_internal(Repo.discover(str(ws)), target)
    included.write_text("")
    assert not is_git_internal(Repo.discover(str(ws)), target)


def _git_says(ws: Path, env: dict[str, str]) -> str:
    """What git itself takes as core.hooksPath there (the test's premise)."""
    proc = subprocess.run(
        ["git", "config", "core.hooksPath"],
        cwd=ws,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    return proc.stdout.strip()

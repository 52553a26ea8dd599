"""The resident hook server outlives any change of what its per-call checks read: a new
`core.hooksPath` in the global git config, a new hard link to a file of git's directory, a
harness settings file that becomes a link, a folder on the PATH that appears or becomes a link.
Each test makes the same call twice through one real server (C client, real files, real git),
changes the disk in between, and checks the second answer follows the change — whatever those
checks remember between calls (gitdir.py, harness_settings.py, path_folders.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from serve_support import client_command, event, served, start_server, stop_server

AGENT = "backend-framework-ai"


def _reason(proc: object) -> str | None:
    out = proc.stdout  # type: ignore[attr-defined]
    assert proc.returncode == 0, (proc.returncode, out, proc.stderr)  # type: ignore[attr-defined]
    if not out:
        return None
    answer = json.loads(out)["hookSpecificOutput"]
    if answer.get("permissionDecision") != "deny":
        return None
    return str(answer["permissionDecisionReason"])


@pytest.fixture
def server(workspace: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    (workspace / ".git" / "workspace-guard").mkdir(exist_ok=True)
    proc = start_server(workspace)
    command = client_command("c", tmp_path)

    def write(path: Path, env: dict[str, str] | None = None) -> str | None:
        data = event(workspace, "Write", {"file_path": str(path), "content": "x\n"}, AGENT)
        return _reason(served(command, workspace, "claude", data, env=env))

    try:
        yield write
    finally:
        stop_server(proc)


def test_a_hooks_folder_set_in_the_global_config_counts_on_the_next_call(
    workspace: Path, server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    target = workspace / "notes" / "hooks" / "pre-commit"
    target.parent.mkdir(parents=True)
    assert server(target) is None
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"[core]\n\thooksPath = {target.parent}\n")
    try:
        reason = server(target)
        assert reason is not None and "hooks folder" in reason, reason
    finally:
        config.write_text(config.read_text().split("[core]\n\thooksPath")[0])
    assert server(target) is None  # and taken back


def test_a_new_hard_link_to_git_config_counts_on_the_next_call(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    target = workspace / "notes" / "cfg.txt"
    target.parent.mkdir(parents=True)
    target.write_text("plain\n")
    assert server(target) is None
    target.unlink()
    os.link(workspace / ".git" / "config", target)
    reason = server(target)
    assert reason is not None and ".git" in reason, reason


def test_a_settings_file_that_becomes_a_link_counts_on_the_next_call(
    workspace: Path, server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home2"
    (home / "dotfiles").mkdir(parents=True)
    env = {"HOME": str(home)}
    real = home / "dotfiles" / "bashrc"
    assert server(real, env) is None
    (home / ".bashrc").symlink_to(real)
    reason = server(real, env)
    assert reason is not None and "hooks run" in reason, reason
    (home / ".bashrc").unlink()
    assert server(real, env) is None


def test_a_path_folder_made_or_linked_later_counts_on_the_next_call(
    workspace: Path, server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home3"
    tools = tmp_path / "tools"
    tools.mkdir()
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{home / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    program = tools / "git"
    assert server(program, env) is None  # ~/bin does not exist: tools/ is not on the PATH
    assert server(home / "bin" / "git", env) is not None  # a folder made later: refused already
    (home / "bin").symlink_to(tools)
    reason = server(program, env)
    assert reason is not None and "PATH" in reason, reason
    (home / "bin").unlink()
    assert server(program, env) is None

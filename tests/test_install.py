"""`workspace-guard install` / `uninstall` against real git: the hooks directory git really uses
(core.hooksPath, linked worktrees), chaining a hook that was there before, idempotence, undo."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.commits import AGENT, change, commit, run_git, template

from workspace_guard.commands.install import CLIENT_HOOKS, LEGACY_SUFFIX, MARKER

HOOKS = ("commit-msg", "pre-commit")


def hooks_dir(repo: Path) -> Path:
    return (repo / git(repo, "rev-parse", "--git-path", "hooks").strip()).resolve()


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a hooks directory: content and permission bits."""
    if not directory.exists():
        return {}
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode))
        for p in sorted(directory.iterdir())
    }


def install(repo: Path, *args: str) -> str:
    proc = run_cli(repo, "install", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def uninstall(repo: Path, *args: str) -> str:
    proc = run_cli(repo, "uninstall", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def foreign_hook(directory: Path, name: str, *, marker: Path, exit_code: int = 0) -> bytes:
    """A hook that is not ours: it leaves a trace (its name and arguments) and exits as told."""
    directory.mkdir(parents=True, exist_ok=True)
    body = (f'#!/bin/sh\necho "{name} $*" >> "{marker}"\nexit {exit_code}\n').encode()
    path = directory / name
    path.write_bytes(body)
    path.chmod(0o750)
    return body


def assert_refuses_and_accepts(repo: Path) -> None:
    """The hooks run: a message without the template is refused, the template passes."""
    change(repo, "README.md")
    assert commit(repo, "no template\n").returncode == 1
    assert commit(repo, template()).returncode == 0


# --------------------------------------------------------------------------- where


def test_install_writes_executable_hooks_with_the_marker(workspace: Path) -> None:
    before = snapshot(hooks_dir(workspace))
    out = install(workspace)
    assert ".git/hooks/commit-msg: installed" in out
    for name in HOOKS:
        path = workspace / ".git" / "hooks" / name
        assert os.access(path, os.X_OK)
        assert MARKER in path.read_text()
    assert_refuses_and_accepts(workspace)
    uninstall(workspace)
    assert snapshot(hooks_dir(workspace)) == before


@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_core_hooks_path(workspace: Path, tmp_path: Path, kind: str) -> None:
    target = ".githooks" if kind == "relative" else str(tmp_path / "shared-hooks")
    git(workspace, "config", "core.hooksPath", target)
    out = install(workspace / "app")  # from a subdirectory: relative to the top, as git does
    expected = (workspace / target) if kind == "relative" else Path(target)
    for name in HOOKS:
        assert (expected / name).is_file(), out
        assert not (workspace / ".git" / "hooks" / name).exists()
        assert not (workspace / "app" / ".githooks").exists()
    assert_refuses_and_accepts(workspace)
    uninstall(workspace)
    assert not any((expected / name).exists() for name in HOOKS)


def test_a_linked_worktree_runs_the_hooks(workspace: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(workspace, "worktree", "add", "-q", "-b", "feature", str(worktree))
    install(worktree)  # installing from the worktree writes where git looks: the common dir
    assert (workspace / ".git" / "hooks" / "commit-msg").is_file()
    assert_refuses_and_accepts(worktree)
    change(worktree, "app/main.py")
    result = commit(worktree, template(files="app/main.py"))
    assert "approval-missing" in result.ids
    records = (workspace / ".git" / "workspace-guard" / "audit.jsonl").read_text()
    assert '"path": "app/main.py"' in records  # state is shared through the common dir
    assert run_cli(worktree, "audit", "verify").returncode == 0
    # a merge concluded inside the worktree is recognised (its MERGE_HEAD is per worktree)
    git(worktree, "reset", "-q", "--hard")
    change(workspace, "app/models/order.py")
    assert commit(workspace, template(files="app/models/order.py")).returncode == 0
    result = run_git(worktree, "merge", "--no-ff", "-q", "-m", "merge main in", "main")
    assert result.returncode == 0, result


def test_commits_in_the_main_tree_after_installing_from_a_worktree(
    workspace: Path, tmp_path: Path
) -> None:
    worktree = tmp_path / "wt"
    git(workspace, "worktree", "add", "-q", "-b", "feature", str(worktree))
    install(worktree)
    assert_refuses_and_accepts(workspace)


# --------------------------------------------------------------------------- chaining


@pytest.mark.parametrize("name", HOOKS)
def test_a_foreign_hook_is_kept_and_still_runs(workspace: Path, tmp_path: Path, name: str) -> None:
    hooks = workspace / ".git" / "hooks"
    marker = tmp_path / "ran.txt"
    original = foreign_hook(hooks, name, marker=marker)
    out = install(workspace)
    assert "kept the existing hook" in out
    assert (hooks / (name + LEGACY_SUFFIX)).read_bytes() == original
    env = {"WORKSPACE_AGENT": AGENT}  # so that our pre-commit runs too, after the legacy one
    change(workspace, "README.md")
    assert commit(workspace, template(), env=env).returncode == 0
    ran = marker.read_text()
    assert ran.startswith(name)
    if name == "commit-msg":
        assert "COMMIT_EDITMSG" in ran  # the legacy hook got git's arguments
    change(workspace, "README.md")
    assert commit(workspace, "no template\n", env=env).returncode == 1  # ours still decides


@pytest.mark.parametrize("name", HOOKS)
def test_a_failing_foreign_hook_still_blocks(workspace: Path, tmp_path: Path, name: str) -> None:
    foreign_hook(workspace / ".git" / "hooks", name, marker=tmp_path / "ran.txt", exit_code=3)
    install(workspace)
    change(workspace, "README.md")
    assert commit(workspace, template()).returncode != 0
    assert (tmp_path / "ran.txt").read_text().startswith(name)


def test_a_foreign_hook_that_edits_the_message_runs_before_ours(workspace: Path) -> None:
    """Chained hooks see the message in order: a Gerrit-style hook adds a trailer, ours reads it."""
    hook = workspace / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text('#!/bin/sh\nprintf "Change-Id: I123\\n" >> "$1"\n')
    hook.chmod(0o755)
    install(workspace)
    change(workspace, "README.md")
    msg = workspace.parent / "m.txt"
    msg.write_text(template())
    result = run_git(workspace, "commit", "-q", "-F", str(msg))
    assert result.returncode == 0, result
    assert "Change-Id: I123" in git(workspace, "log", "-1", "--format=%B")


def test_a_pre_receive_hook_is_chained_with_its_input(tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    marker = tmp_path / "ran.txt"
    (bare / "hooks").mkdir(exist_ok=True)
    (bare / "hooks" / "pre-receive").write_text(f'#!/bin/sh\ncat >> "{marker}"\n')
    (bare / "hooks" / "pre-receive").chmod(0o755)
    out = install(tmp_path, "--server", str(bare))
    assert "kept the existing hook" in out
    work = make_workspace(tmp_path / "ws")
    first = template(
        subject="chore(workspace): adopt the protocol",
        files=".workspace/",
        agent="master-orchestrator",
    )
    git(work, "commit", "-q", "--amend", "-m", first)
    git(work, "remote", "add", "origin", str(bare))
    result = run_git(work, "push", "-q", "origin", "main")
    assert result.returncode == 0, result
    assert "refs/heads/main" in marker.read_text()  # the legacy hook got git's stdin


# --------------------------------------------------------------------------- idempotence, undo


def test_install_is_idempotent(workspace: Path, tmp_path: Path) -> None:
    foreign_hook(workspace / ".git" / "hooks", "commit-msg", marker=tmp_path / "ran.txt")
    install(workspace)
    first = snapshot(hooks_dir(workspace))
    out = install(workspace)
    assert out.count("already installed") == len(CLIENT_HOOKS)
    assert snapshot(hooks_dir(workspace)) == first
    assert not (
        workspace / ".git" / "hooks" / ("commit-msg" + LEGACY_SUFFIX + LEGACY_SUFFIX)
    ).exists()


def test_install_updates_a_hook_of_ours_that_changed(workspace: Path) -> None:
    install(workspace)
    hook = workspace / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(hook.read_text().replace("WG_PYTHON='", "WG_PYTHON='/old"))
    out = install(workspace)
    assert ".git/hooks/commit-msg: updated" in out
    assert "/old" not in hook.read_text()
    assert not (workspace / ".git" / "hooks" / ("commit-msg" + LEGACY_SUFFIX)).exists()


def test_the_hook_bakes_where_python_imports_from(workspace: Path) -> None:
    """The hook starts Python with -S and the import path baked at install time: the
    package's root first (this venv's install is editable), then site-packages."""
    import workspace_guard

    install(workspace)
    text = (workspace / ".git" / "hooks" / "commit-msg").read_text()
    assert " -I -S -c " in text
    baked = text.split("WG_PATH='", 1)[1].split("'", 1)[0].split("\n")
    root = Path(workspace_guard.__file__).resolve().parent.parent
    assert Path(baked[0]) == root
    assert any(p.endswith("site-packages") for p in baked)


def test_a_stale_baked_import_path_falls_back_to_site(workspace: Path) -> None:
    """Installed, then the package moved: the hook still finds it the way `python -I` would."""
    install(workspace)
    for name in ("commit-msg", "pre-commit"):
        hook = workspace / ".git" / "hooks" / name
        text = hook.read_text()
        start = text.index("WG_PATH='")
        end = text.index("'", start + len("WG_PATH='"))
        hook.write_text(text[:start] + "WG_PATH='/nonexistent/moved'" + text[end + 1 :])
    assert_refuses_and_accepts(workspace)


def test_uninstall_puts_back_exactly_what_was_there(workspace: Path, tmp_path: Path) -> None:
    hooks = workspace / ".git" / "hooks"
    foreign_hook(hooks, "commit-msg", marker=tmp_path / "ran.txt")
    (hooks / "pre-commit").symlink_to("commit-msg")  # a symlinked hook, as some tools write
    before = snapshot(hooks)
    links = {p.name: os.readlink(p) for p in hooks.iterdir() if p.is_symlink()}
    install(workspace)
    install(workspace)
    out = uninstall(workspace)
    assert "restored the previous hook" in out
    assert snapshot(hooks) == before
    assert {p.name: os.readlink(p) for p in hooks.iterdir() if p.is_symlink()} == links


def test_uninstall_leaves_a_foreign_hook_alone(workspace: Path, tmp_path: Path) -> None:
    hooks = workspace / ".git" / "hooks"
    foreign_hook(hooks, "commit-msg", marker=tmp_path / "ran.txt")
    before = snapshot(hooks)
    out = uninstall(workspace)
    assert "left alone (not installed by workspace-guard)" in out
    assert "pre-commit: not installed" in out
    assert snapshot(hooks) == before


def test_uninstall_after_another_tool_replaced_our_hook(workspace: Path, tmp_path: Path) -> None:
    install(workspace)
    hooks = workspace / ".git" / "hooks"
    replaced = foreign_hook(hooks, "commit-msg", marker=tmp_path / "ran.txt")
    uninstall(workspace)
    assert (hooks / "commit-msg").read_bytes() == replaced
    assert not (hooks / "pre-commit").exists()


def test_install_refuses_when_a_legacy_copy_already_exists(workspace: Path, tmp_path: Path) -> None:
    hooks = workspace / ".git" / "hooks"
    foreign_hook(hooks, "commit-msg", marker=tmp_path / "a.txt")
    foreign_hook(hooks, "commit-msg" + LEGACY_SUFFIX, marker=tmp_path / "b.txt")
    before = snapshot(hooks)
    proc = run_cli(workspace, "install")
    assert proc.returncode == 2
    assert "already exists" in proc.stderr and "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(hooks) == before


# --------------------------------------------------------------------------- server side


def test_install_server_needs_a_bare_repository(workspace: Path, tmp_path: Path) -> None:
    for target in (str(workspace), str(tmp_path / "missing.git")):
        proc = run_cli(workspace, "install", "--server", target)
        assert proc.returncode == 2, proc
        assert "Traceback" not in proc.stderr
    assert (
        "is not a bare repository"
        in run_cli(workspace, "install", "--server", str(workspace)).stderr
    )
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    before = snapshot(bare / "hooks")
    install(workspace, "--server", str(bare))
    assert MARKER in (bare / "hooks" / "pre-receive").read_text()
    assert not (bare / "hooks" / "commit-msg").exists()
    uninstall(workspace, "--server", str(bare))
    assert snapshot(bare / "hooks") == before


def test_install_outside_a_repository(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "install")
    assert proc.returncode == 2
    assert "not a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr

"""Issue 16: the other-worktree warning reads the other worktree's index for the path asked
(speed/worktree_index.py) instead of running `git status` there. Each case is decided in process
and must give git's own answer. Real `git worktree add`, real files, real index writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git
from helpers.harness import context, hook, write_event

from workspace_guard import git as wg_git
from workspace_guard.speed import worktree_index
from workspace_guard.speed.worktree_index import _Index

FILE = "app/models/order.py"
NO_VERIFY = ("-c", "core.hooksPath=/dev/null")


@pytest.fixture
def other(workspace: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(tree), "-b", "agent-b")
    return tree


def decided(tree: Path, rel: str) -> bool:
    """The in-process answer (it must not need git), checked against `git status`."""
    index = _Index.open(str(tree))
    assert index is not None
    answer = index.changed(rel)
    assert answer is not None, f"{rel}: left to git"
    assert answer == (rel in wg_git.uncommitted(str(tree), [rel], untracked=True)), rel
    return answer


def test_clean_says_nothing(other: Path) -> None:
    assert decided(other, FILE) is False


def test_modified_not_staged(other: Path) -> None:
    (other / FILE).write_text("theirs\n")
    assert decided(other, FILE) is True


def test_same_size_same_mtime_as_the_index_is_racy_and_hashed(other: Path) -> None:
    """The index written in the same instant as the file: its stat data cannot be trusted."""
    path = other / FILE
    git(other, "add", FILE)  # the entry's stat data is now the file's
    before = path.stat()
    data = path.read_bytes()
    path.write_bytes(bytes([data[0] ^ 1]) + data[1:])  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    gitdir = Path(git(other, "rev-parse", "--absolute-git-dir").strip())
    os.utime(gitdir / "index", ns=(before.st_mtime_ns, before.st_mtime_ns))  # racy
    assert decided(other, FILE) is True


def test_staged(other: Path) -> None:
    (other / FILE).write_text("theirs\n")
    git(other, "add", FILE)
    assert decided(other, FILE) is True


def test_staged_then_put_back_in_the_worktree(other: Path, workspace: Path) -> None:
    original = (other / FILE).read_text()
    (other / FILE).write_text("theirs\n")
    git(other, "add", FILE)
    (other / FILE).write_text(original)  # the worktree matches HEAD, the index does not
    assert decided(other, FILE) is True


def test_deleted_not_staged_and_staged(other: Path) -> None:
    (other / FILE).unlink()
    assert decided(other, FILE) is True
    git(other, "rm", "-q", "--cached", FILE)
    assert decided(other, FILE) is True


def test_committed_ends_it(other: Path) -> None:
    (other / FILE).write_text("theirs\n")
    git(other, "add", FILE)
    git(other, *NO_VERIFY, "commit", "-qm", "chore: theirs")
    assert decided(other, FILE) is False


def test_packed_objects_use_the_cache_tree(other: Path, workspace: Path) -> None:
    git(workspace, "gc", "-q")  # HEAD's commit and trees packed: not readable as loose objects
    git(other, "status", "-s")  # refresh the index (stat data) as any git command would
    assert decided(other, FILE) is False
    (other / FILE).write_text("theirs\n")
    git(other, "add", FILE)
    assert decided(other, FILE) is True


def test_untracked_without_ignore_rules_is_decided_and_folders_are_left_to_git(
    other: Path,
) -> None:
    (other / "app/models/new.py").write_text("new\n")
    index = _Index.open(str(other))
    assert index is not None
    assert index.changed("app/models/new.py") is True  # no ignore source: untracked
    assert index.changed("app") is None
    found = worktree_index.uncommitted(str(other), ["app/models/new.py", FILE])
    assert found == {"app/models/new.py"}


def test_the_harness_warns_from_the_index(workspace: Path, other: Path) -> None:
    (other / FILE).write_text("theirs\n")
    text = context(hook(workspace, "claude", write_event(workspace, FILE)))
    assert text is not None and FILE in text and str(other) in text
    git(other, "checkout", "--", FILE)
    proc = hook(workspace, "claude", write_event(workspace, FILE))
    assert proc.returncode == 0 and proc.stdout == ""


def execs_of(ws: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """One whole validator process under strace: its result and every program it ran."""
    trace = ws.parent / "validator.strace"
    command = ["strace", "-f", "-e", "trace=execve", "-o", str(trace)]
    validator = str(Path(sys.executable).parent / "agent_workspace_validator")
    done = subprocess.run(
        [*command, validator, *args], cwd=ws, capture_output=True, text=True, check=False
    )
    return done, [line for line in trace.read_text().splitlines() if "execve(" in line]


@pytest.mark.parametrize("change", ["modified", "staged", "deleted", "clean"])
def test_the_validator_warns_from_the_index_without_git_status(
    workspace: Path, other: Path, change: str
) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    if change == "modified":
        (other / FILE).write_text("theirs\n")
    elif change == "staged":
        (other / FILE).write_text("theirs\n")
        git(other, "add", FILE)
    elif change == "deleted":
        (other / FILE).unlink()
    done, execs = execs_of(workspace, "backend-framework-ai", FILE)
    assert done.returncode == 0, done.stderr
    warned = f"{FILE} is modified and not committed in the worktree {other}" in done.stderr
    assert warned == (change != "clean"), done.stderr
    assert not [line for line in execs if '"status"' in line], execs

"""The other-worktree warning on index shapes and paths beyond a plain tracked file
(speed/worktree_index.py): an index in version 4 (prefix-compressed names) and an untracked file
no ignore rule can reach are decided in process; a split index, a sparse index, an untracked
file some ignore source may reach and a folder are asked of git, whose answer is the one given. Every answer is
checked against `git status`. Real worktrees, real `git update-index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from workspace_guard import git as wg_git
from workspace_guard.speed import worktree_index
from workspace_guard.speed.worktree_index import _Index

FILE = "app/models/order.py"
OTHER_FILE = "app/models/user.py"
NEW = "app/models/invoice.py"


@pytest.fixture
def other(workspace: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(tree), "-b", "agent-b")
    return tree


def answer(tree: Path, rel: str) -> bool | None:
    """The in-process answer (None: left to git); the whole answer must be git's."""
    index = _Index.open(str(tree))
    found = None if index is None else index.changed(rel)
    truth = rel in wg_git.uncommitted(str(tree), [rel], untracked=True)
    assert found in (None, truth), rel
    assert (rel in worktree_index.uncommitted(str(tree), [rel])) == truth, rel
    return found


def test_index_version_4_is_read_in_process(other: Path) -> None:
    git(other, "update-index", "--index-version", "4")
    assert (Path(git(other, "rev-parse", "--git-dir").strip()) / "index").read_bytes()[7] == 4
    for rel in (FILE, OTHER_FILE, "app/main.py", "README.md"):
        assert answer(other, rel) is False, rel
    (other / FILE).write_text("theirs\n")
    assert answer(other, FILE) is True
    (other / OTHER_FILE).write_text("staged\n")
    git(other, "add", OTHER_FILE)
    git(other, "update-index", "--index-version", "4")
    assert answer(other, OTHER_FILE) is True
    assert answer(other, "app/main.py") is False
    git(other, "rm", "-q", "--cached", "app/main.py")
    assert answer(other, "app/main.py") is True


def test_a_split_index_is_left_to_git(other: Path) -> None:
    """`core.splitIndex` keeps most entries in a shared file, the rest as EWAH-coded changes:
    not read here. git's own answer, for one path, with literal pathspecs."""
    git(other, "update-index", "--split-index")
    (other / FILE).write_text("theirs\n")
    git(other, "add", FILE)
    assert _Index.open(str(other)) is None
    found = worktree_index.uncommitted(str(other), [FILE, OTHER_FILE])
    assert found == {FILE}


def test_a_sparse_index_is_left_to_git(other: Path) -> None:
    """`index.sparse` (`git sparse-checkout --sparse-index`) stands a folder outside the cone for
    all its files (a tree entry, the `sdir` extension): not read here. git's own answer, for
    the paths asked, inside the cone and outside it."""
    git(other, "sparse-checkout", "init", "--cone", "--sparse-index")
    git(other, "sparse-checkout", "set", "app/models")
    index = (Path(git(other, "rev-parse", "--git-dir").strip()) / "index").read_bytes()
    assert b"sdir" in index
    assert _Index.open(str(other)) is None
    (other / FILE).write_text("theirs\n")
    found = worktree_index.uncommitted(str(other), [FILE, OTHER_FILE, "app/main.py"])
    assert found == {FILE}


def test_an_untracked_file_no_ignore_rule_reaches_is_decided_here(
    workspace: Path, other: Path
) -> None:
    assert not (workspace / ".gitignore").exists()
    (other / NEW).write_text("new\n")
    deep = other / "app/billing/rates.py"
    deep.parent.mkdir()
    deep.write_text("new\n")
    assert answer(other, NEW) is True
    assert answer(other, "app/billing/rates.py") is True
    assert answer(other, "app/models/absent.py") is False


@pytest.mark.parametrize("source", ["gitignore", "nested", "exclude", "excludesfile"])
def test_an_untracked_file_an_ignore_rule_may_reach_asks_git(
    other: Path, workspace: Path, source: str
) -> None:
    (other / NEW).write_text("new\n")
    (other / "app/models/debug.log").write_text("log\n")
    if source == "gitignore":
        (other / ".gitignore").write_text("*.log\n")
    elif source == "nested":
        (other / "app/models/.gitignore").write_text("*.log\n")
    elif source == "exclude":
        exclude = workspace / ".git/info/exclude"
        exclude.parent.mkdir(exist_ok=True)
        exclude.write_text("# comment\n*.log\n")
    else:
        ignore = other.parent / "global-ignore"
        ignore.write_text("*.log\n")
        git(workspace, "config", "core.excludesFile", str(ignore))
    assert answer(other, "app/models/debug.log") is None
    assert "app/models/debug.log" not in worktree_index.uncommitted(
        str(other), ["app/models/debug.log"]
    )
    assert answer(other, NEW) is None
    assert NEW in worktree_index.uncommitted(str(other), [NEW])


def test_a_comment_only_exclude_file_ignores_nothing(other: Path, workspace: Path) -> None:
    exclude = workspace / ".git/info/exclude"
    exclude.parent.mkdir(exist_ok=True)
    exclude.write_text("# git ls-files --others --exclude-from=.git/info/exclude\n\n")
    (other / NEW).write_text("new\n")
    assert answer(other, NEW) is True


def test_folders_are_left_to_git_and_cover_what_is_under_them(other: Path) -> None:
    (other / FILE).write_text("theirs\n")
    (other / NEW).write_text("new\n")
    index = _Index.open(str(other))
    assert index is not None and index.changed("app/models") is None
    found = worktree_index.uncommitted(str(other), ["app/models", "app/api"])
    assert found == {FILE, NEW}

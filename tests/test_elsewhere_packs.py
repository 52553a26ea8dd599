"""The other-worktree warning with HEAD's objects packed (speed/packread.py): the blob id HEAD has
for a path is read from the pack files (deltas too), never guessed from the index's cache-tree,
which after `git reset --soft` describes a tree that is not HEAD's. Every answer is decided in
process and checked against `git status`. Real worktrees, real `git gc`, real packs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git

from workspace_guard import git as wg_git
from workspace_guard.speed import packread
from workspace_guard.speed.worktree_index import _Index

FILE = "app/models/order.py"
OTHER_FILE = "app/models/user.py"
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


@pytest.fixture
def other(workspace: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(tree), "-b", "agent-b")
    return tree


def decided(tree: Path, rel: str) -> bool:
    index = _Index.open(str(tree))
    assert index is not None
    answer = index.changed(rel)
    assert answer is not None, f"{rel}: left to git"
    assert answer == (rel in wg_git.uncommitted(str(tree), [rel], untracked=True)), rel
    return answer


def commit_change(tree: Path, rel: str, text: str) -> None:
    (tree / rel).write_text(text)
    git(tree, "add", rel)
    git(tree, *NO_HOOKS, "commit", "-qm", f"chore: {rel}")


@pytest.mark.parametrize("packed", [True, False])
def test_reset_soft_leaves_the_change_staged(workspace: Path, other: Path, packed: bool) -> None:
    commit_change(other, FILE, "theirs\n")
    if packed:
        git(workspace, "gc", "-q")
    git(other, "reset", "-q", "--soft", "HEAD~1")  # the index keeps the commit's tree
    assert decided(other, FILE) is True
    assert decided(other, OTHER_FILE) is False


def test_reset_soft_of_a_new_file_and_a_deletion(workspace: Path, other: Path) -> None:
    commit_change(other, "app/models/new.py", "new\n")
    git(other, "rm", "-q", OTHER_FILE)
    git(other, *NO_HOOKS, "commit", "-qm", "chore: rm")
    git(workspace, "gc", "-q")
    git(other, "reset", "-q", "--soft", "HEAD~2")
    assert decided(other, "app/models/new.py") is True
    assert decided(other, OTHER_FILE) is True  # deleted, staged, in the pack's HEAD
    assert decided(other, FILE) is False


def test_something_staged_elsewhere_with_packed_objects(workspace: Path, other: Path) -> None:
    git(workspace, "gc", "-q")
    (other / OTHER_FILE).write_text("theirs\n")
    git(other, "add", OTHER_FILE)  # the cache-tree's root is invalid now
    assert decided(other, FILE) is False
    assert decided(other, OTHER_FILE) is True
    git(other, "rm", "-q", "--cached", FILE)
    assert decided(other, FILE) is True


def objects_of(repo: Path) -> list[str]:
    out = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    return out.split()


def same_as_git(repo: Path) -> int:
    """Every object of the repository read in process equals `git cat-file`'s; the count."""
    objects = packread.Objects(git(repo, "rev-parse", "--git-common-dir").strip())
    if not Path(objects.objects).is_absolute():
        objects = packread.Objects(str(repo / ".git"))
    count = 0
    try:
        for oid in objects_of(repo):
            kind = git(repo, "cat-file", "-t", oid).strip().encode()
            body = subprocess.run(
                ["git", "-C", str(repo), "cat-file", kind.decode(), oid],
                capture_output=True,
                check=True,
            ).stdout
            assert objects.read(oid) == (kind, body), oid
            count += 1
    finally:
        objects.close()
    return count


def history(repo: Path, commits: int) -> None:
    for n in range(commits):
        path = repo / FILE
        path.write_text(path.read_text() + f"# line {n}\n" * 40)
        git(repo, "add", FILE)
        git(repo, *NO_HOOKS, "commit", "-qm", f"chore: {n}")


def test_every_object_of_an_aggressive_pack_reads_as_git_reads_it(workspace: Path) -> None:
    history(workspace, 12)
    git(workspace, "gc", "-q", "--aggressive")  # deltas against earlier offsets (OFS_DELTA)
    assert not list((workspace / ".git/objects").glob("??/*"))
    (pack,) = (workspace / ".git/objects/pack").glob("*.idx")
    verified = git(workspace, "verify-pack", "-v", str(pack))
    assert any(len(line.split()) == 7 for line in verified.splitlines())  # deltas in it
    assert same_as_git(workspace) > 20


def test_a_pack_of_ref_deltas_reads_as_git_reads_it(workspace: Path, tmp_path: Path) -> None:
    """`pack-objects` without `--delta-base-offset` names each delta's base by id (REF_DELTA)."""
    history(workspace, 8)
    listed = git(workspace, "rev-list", "--objects", "--all")
    pack = subprocess.run(
        ["git", "-C", str(workspace), "pack-objects", "--stdout", "--window=50"],
        input=listed.encode(),
        capture_output=True,
        check=True,
    ).stdout
    copy = tmp_path / "copy"
    git(tmp_path, "init", "-q", str(copy))
    target = copy / ".git/objects/pack/pack-ref.pack"
    target.write_bytes(pack)
    git(copy, "index-pack", str(target))
    verified = git(copy, "verify-pack", "-v", str(target.with_suffix(".idx")))
    assert any(len(line.split()) == 7 for line in verified.splitlines())  # deltas in it
    assert same_as_git(copy) > 20


def test_a_damaged_pack_is_left_to_git(workspace: Path, other: Path) -> None:
    commit_change(other, FILE, "theirs\n")
    git(workspace, "gc", "-q")
    git(other, "reset", "-q", "--soft", "HEAD~1")
    for pack in (workspace / ".git/objects/pack").glob("*.pack"):
        pack.chmod(0o644)
        data = bytearray(pack.read_bytes())
        data[12:-20] = bytes(len(data) - 32)  # every entry zeroed
        pack.write_bytes(bytes(data))
    index = _Index.open(str(other))
    assert index is not None
    assert index.changed(FILE) is None  # not guessed: git is asked

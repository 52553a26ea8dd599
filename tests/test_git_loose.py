"""Reading a path's blob id from loose objects agrees with `git rev-parse COMMIT:PATH`."""

from __future__ import annotations

from pathlib import Path

from conftest import git, make_workspace

from workspace_guard.git import blob_from_loose


def test_blob_ids_agree_with_git(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws")
    (repo / "deep/a/b").mkdir(parents=True)
    (repo / "deep/a/b/c.txt").write_text("c\n")
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    head = git(repo, "rev-parse", "HEAD").strip()
    common = str(repo / ".git")
    for path in (".workspace/rules.yaml", "app/main.py", "deep/a/b/c.txt", "run.sh"):
        assert blob_from_loose(common, head, path) == git(repo, "rev-parse", f"HEAD:{path}").strip()
    assert blob_from_loose(common, head, "no/such/file") == "-"
    assert blob_from_loose(common, head, "app") is None  # not a file: git decides
    assert blob_from_loose(common, head, "app/main.py/x") == "-"


def test_packed_objects_are_left_to_git(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws")
    git(repo, "gc", "-q")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert blob_from_loose(str(repo / ".git"), head, ".workspace/rules.yaml") is None

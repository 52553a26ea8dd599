"""One daemon per repository watches every linked worktree (`git worktree list`), whichever
worktree it was started in, including worktrees added or removed while it runs."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import git, run_cli
from helpers.watch import (
    Start,
    WatchProcess,
    git_bytes,
    status,
    wait_for,
    wait_record,
)


def add_worktree(repo: Path, name: str) -> Path:
    path = repo.parent / name
    git(repo, "worktree", "add", "-q", "-b", name, str(path))
    return path


def watched(repo: Path, tree: Path) -> bool:
    return any(
        t.get("root") == str(tree) and t.get("ready") for t in status(repo).get("worktrees", [])
    )


def test_a_linked_worktree_is_watched_and_restored(workspace: Path, watchd: Start) -> None:
    other = add_worktree(workspace, "second")
    watchd("--restore")
    wait_for(lambda: watched(workspace, other), "the linked worktree to be watched")
    (other / "app/main.py").write_text("edited in the other worktree\n")
    found = wait_record(workspace, path="app/main.py", action="restored", timeout=30)
    assert found["worktree"] == str(other)
    assert (other / "app/main.py").read_bytes() == git_bytes(other, "app/main.py")
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")
    shown = run_cli(workspace, "watch", "status")
    assert f"worktree:    {other}" in shown.stdout


def test_a_worktree_added_while_running_is_watched_one_removed_let_go(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    other = add_worktree(workspace, "later")
    wait_for(lambda: watched(workspace, other), "the new worktree to be watched")
    (other / "app/database.py").write_text("late edit\n")
    found = wait_record(workspace, path="app/database.py", action="detected", timeout=30)
    assert found["worktree"] == str(other)
    git(workspace, "worktree", "remove", "--force", str(other))
    wait_for(lambda: status(workspace).get("worktrees") == [], "the worktree to be let go")


def test_started_in_a_linked_worktree_it_watches_the_main_one(workspace: Path) -> None:
    other = add_worktree(workspace, "side")
    proc = WatchProcess(other, ["--rescan-interval", "60", "--ledger-wait", "0"]).wait_ready()
    try:
        wait_for(lambda: watched(workspace, workspace), "the main worktree to be watched")
        (workspace / "app/main.py").write_text("main worktree edit\n")
        found = wait_record(workspace, path="app/main.py", action="detected", timeout=30)
        assert found["worktree"] == str(workspace)
        second = WatchProcess(workspace, [])
        assert second.proc.wait(60) == 1  # one daemon per repository, from any worktree
    finally:
        proc.stop()


def test_a_forged_manifest_of_a_linked_worktree_is_not_trusted(
    workspace: Path, watchd: Start
) -> None:
    import json

    from workspace_guard.gates.watch.fs import observe
    from workspace_guard.gates.watch.worktrees import manifest_name

    other = add_worktree(workspace, "forged")
    (other / "app/main.py").write_text("offline\n")
    manifest = workspace / ".git/workspace-guard" / manifest_name(str(other))
    manifest.parent.mkdir(parents=True, exist_ok=True)
    signature = observe(str(other / "app/main.py")).signature
    manifest.write_text(json.dumps({"known": {"app/main.py": signature}}))
    watchd()
    found = wait_record(workspace, path="app/main.py", action="detected", timeout=30)
    assert found["worktree"] == str(other) and found["detected_by"] == "startup"
    assert os.path.exists(other / "app/main.py")

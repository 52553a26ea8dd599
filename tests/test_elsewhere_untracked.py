"""Issue 16: the other-worktree warning covers files another worktree created and has not added
(not only tracked files it modified); git's ignore rules apply, names are taken literally. Real
linked worktrees, real hook and validator processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.harness import OTHER, bash_event, claude_event, context, hook, write_event

NEW = "app/models/invoice.py"  # created in the other worktree, never added
DEEP = "app/billing/rates.py"  # inside a folder that is itself new there
ODD = "app/models/[draft].py"  # a name that would be a pattern to git without literal pathspecs


@pytest.fixture
def other(workspace: Path, tmp_path: Path) -> Path:
    """A linked worktree where another agent has created NEW, DEEP and ODD and added nothing;
    `*.log` is ignored (committed .gitignore) and it has a debug.log too."""
    (workspace / ".gitignore").write_text("*.log\n")
    git(workspace, "add", ".gitignore")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "chore: ignore logs")
    tree = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(tree), "-b", "agent-b")
    for rel in (NEW, DEEP, ODD, "app/debug.log"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("theirs\n")
    return tree


@pytest.mark.parametrize("rel", [NEW, DEEP, ODD])
def test_a_file_created_there_and_not_added_warns(workspace: Path, other: Path, rel: str) -> None:
    text = context(hook(workspace, "claude", write_event(workspace, rel)))
    assert text is not None and rel in text and str(other) in text
    validator = run_cli(workspace, OTHER, rel, prog="agent_workspace_validator")
    assert validator.returncode == 0
    assert f"not committed in the worktree {other}" in validator.stderr and rel in validator.stderr


def test_names_are_literal_and_ignored_files_say_nothing(workspace: Path, other: Path) -> None:
    # `[draft].py` as a pattern would match `d.py`; `app/debug.log` is ignored there
    for rel in ("app/models/d.py", "app/debug.log", "app/models/invoice.py.bak"):
        proc = hook(workspace, "claude", write_event(workspace, rel))
        assert proc.returncode == 0 and proc.stdout == "", rel
        validator = run_cli(workspace, OTHER, rel, prog="agent_workspace_validator")
        assert "not committed" not in validator.stderr, rel


def test_a_folder_written_covers_new_files_under_it(workspace: Path, other: Path) -> None:
    text = context(hook(workspace, "claude", bash_event(workspace, "rm -rf app/billing")))
    assert text is not None and DEEP in text


def test_added_counts_and_committed_ends_it(workspace: Path, other: Path) -> None:
    git(other, "add", NEW)  # staged new file: still not committed
    text = context(hook(workspace, "claude", write_event(workspace, NEW)))
    assert text is not None and NEW in text
    git(other, "add", "-A")
    git(other, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "chore: done")
    for rel in (NEW, DEEP, ODD):
        proc = hook(workspace, "claude", write_event(workspace, rel))
        assert proc.returncode == 0 and proc.stdout == "", rel


def test_many_paths_at_once_still_find_the_new_file(workspace: Path, other: Path) -> None:
    """Past the pathspec limit git looks at the whole worktree: same answer."""
    many = [f"docs/n{i}.md" for i in range(80)] + [NEW]
    command = "touch " + " ".join(many)
    text = context(hook(workspace, "claude", bash_event(workspace, command)))
    assert text is not None and NEW in text
    event = claude_event(workspace, "Bash", {"command": "touch docs/a.md", "description": "d"})
    assert context(hook(workspace, "claude", event)) is None

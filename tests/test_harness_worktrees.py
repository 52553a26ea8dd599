"""Issue 16: the harness gate warns (never denies) when an allowed write targets a path another
worktree of the repository has modified and not committed; real worktrees, real hook processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import git
from helpers.harness import OTHER, bash_event, claude_event, context, denied, hook, write_event

ORDER = "app/models/order.py"
NOTES = ".workspace/departments/backend/backend-framework-ai/notes.md"  # its own office


@pytest.fixture
def other(workspace: Path, tmp_path: Path) -> Path:
    """A linked worktree where another agent has changed order.py (unstaged) and README.md
    (staged), and committed nothing."""
    tree = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(tree), "-b", "agent-b")
    (tree / ORDER).write_text("changed\n")
    (tree / "README.md").write_text("staged\n")
    git(tree, "add", "README.md")
    return tree


@pytest.mark.parametrize("tool", ["Edit", "Write", "MultiEdit"])
def test_file_tool_write_warns_with_the_other_worktree(
    workspace: Path, other: Path, tool: str
) -> None:
    proc = hook(workspace, "claude", write_event(workspace, ORDER, tool))
    text = context(proc)
    assert text is not None and ORDER in text and str(other) in text
    assert "not committed" in text and "workspace-guard claim" in text
    assert json.loads(proc.stdout)["systemMessage"] == text  # the person sees it too
    staged = context(hook(workspace, "claude", write_event(workspace, "README.md")))
    assert staged is not None and "README.md" in staged


def test_untouched_path_and_committed_change_say_nothing(workspace: Path, other: Path) -> None:
    proc = hook(workspace, "claude", write_event(workspace, NOTES))
    assert proc.returncode == 0 and proc.stdout == ""
    git(other, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "chore: done")
    proc = hook(workspace, "claude", write_event(workspace, ORDER))
    assert proc.returncode == 0 and proc.stdout == ""


def test_the_other_way_round_from_the_linked_worktree(workspace: Path, other: Path) -> None:
    (workspace / NOTES).write_text("mine\n")
    text = context(hook(other, "claude", write_event(other, NOTES)))
    assert text is not None and str(workspace) in text and NOTES in text
    # its own uncommitted change is not "another worktree's"
    assert context(hook(other, "claude", write_event(other, ORDER))) is None


@pytest.mark.parametrize(
    "command",
    [
        f"echo x > {ORDER}",
        f"sed -i s/a/b/ {ORDER}",
        f"cp README.md {ORDER}",
    ],
)
def test_bash_writes_with_known_paths_warn(workspace: Path, other: Path, command: str) -> None:
    text = context(hook(workspace, "claude", bash_event(workspace, command)))
    assert text is not None and ORDER in text and str(other) in text


def test_mcp_write_warns(workspace: Path, other: Path) -> None:
    event = claude_event(
        workspace, "mcp__filesystem__write_file", {"path": str(workspace / ORDER), "content": "x"}
    )
    text = context(hook(workspace, "claude", event))
    assert text is not None and ORDER in text


def test_a_denial_stays_a_denial(workspace: Path, other: Path) -> None:
    """A protected path another worktree has changed: the answer is the denial, not a warning."""
    (other / "app/main.py").write_text("x\n")
    reason = denied(hook(workspace, "claude", write_event(workspace, "app/main.py")))
    assert reason is not None and "not committed" not in reason


def test_a_directory_written_covers_the_files_under_it(workspace: Path, other: Path) -> None:
    (other / NOTES).write_text("theirs\n")
    office = os.path.dirname(NOTES)
    text = context(hook(workspace, "claude", bash_event(workspace, f"rm -rf {office}")))
    assert text is not None and NOTES in text


def test_no_git_on_path_gives_no_warning_and_no_error(
    workspace: Path, other: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warning never fails the call: without git on PATH it is given from the other
    worktree's index where that can be read, or simply not given (the gate's other checks need
    git anyway and fail closed on their own, before this runs)."""
    from workspace_guard.gates.harness import elsewhere
    from workspace_guard.repo import Repo

    repo = Repo.discover(str(workspace))
    assert elsewhere.collisions(repo, [ORDER]) == [(str(other), [ORDER])]
    monkeypatch.setenv("PATH", str(other / "no-such-dir"))
    assert elsewhere.collisions(repo, [ORDER]) in ([], [(str(other), [ORDER])])


def test_no_linked_worktree_no_answer(workspace: Path) -> None:
    (workspace / ORDER).write_text("dirty here\n")  # our own change: nothing to warn about
    proc = hook(workspace, "claude", write_event(workspace, ORDER))
    assert proc.returncode == 0 and proc.stdout == ""
    assert not (workspace / ".git" / "worktrees").exists()


def test_each_harness_carries_the_warning(workspace: Path, other: Path) -> None:
    env = {"WORKSPACE_AGENT": OTHER}
    codex = json.loads(hook(workspace, "codex", write_event(workspace, ORDER)).stdout)
    assert set(codex) == {"hookSpecificOutput"}
    assert ORDER in codex["hookSpecificOutput"]["additionalContext"]
    gemini = {
        "hook_event_name": "BeforeTool",
        "session_id": "s",
        "cwd": str(workspace),
        "tool_name": "write_file",
        "tool_input": {"file_path": ORDER, "content": "x"},
    }
    answer = json.loads(hook(workspace, "gemini", json.dumps(gemini).encode(), env=env).stdout)
    assert "decision" not in answer and ORDER in answer["systemMessage"]
    cline = {
        "clineVersion": "3.40.0",
        "hookName": "PreToolUse",
        "taskId": "t",
        "workspaceRoots": [str(workspace)],
        "userId": "u",
        "preToolUse": {"toolName": "write_to_file", "parameters": {"path": ORDER}},
    }
    answer = json.loads(hook(workspace, "cline", json.dumps(cline).encode(), env=env).stdout)
    assert answer["cancel"] is False and ORDER in answer["contextModification"]
    cursor = {
        "hook_event_name": "preToolUse",
        "conversation_id": "c",
        "workspace_roots": [str(workspace)],
        "tool_name": "Write",
        "tool_input": {"file_path": str(workspace / ORDER)},
    }
    proc = hook(workspace, "cursor", json.dumps(cursor).encode(), env=env)
    assert proc.returncode == 0 and proc.stdout == ""  # no field for words on an allow
    # ... so Cursor is told on postToolUse, whose additional_context reaches the model
    after = json.loads(hook(workspace, "cursor", _cursor_post(workspace, ORDER), env=env).stdout)
    assert set(after) == {"additional_context"} and ORDER in after["additional_context"]
    assert str(other) in after["additional_context"]


def _cursor_post(workspace: Path, rel: str) -> bytes:
    event = {
        "hook_event_name": "postToolUse",
        "conversation_id": "c",
        "workspace_roots": [str(workspace)],
        "tool_name": "Write",
        "tool_input": {"file_path": str(workspace / rel)},
    }
    return json.dumps(event).encode()


def test_cursor_post_tool_use_quiet_without_a_collision(workspace: Path, other: Path) -> None:
    env = {"WORKSPACE_AGENT": OTHER}
    proc = hook(workspace, "cursor", _cursor_post(workspace, NOTES), env=env)
    assert proc.returncode == 0 and proc.stdout == ""
    (other / "app/main.py").write_text("x\n")  # changed there, but denied to this agent here
    proc = hook(workspace, "cursor", _cursor_post(workspace, "app/main.py"), env=env)
    assert proc.returncode == 0 and proc.stdout == ""  # the denial was the answer: no warning


def test_spanish_warning(workspace: Path, other: Path) -> None:
    proc = hook(
        workspace, "claude", write_event(workspace, ORDER), env={"WORKSPACE_GUARD_LANG": "es"}
    )
    text = context(proc)
    assert text is not None and "sin commit" in text and ORDER in text
    assert os.path.normpath(str(other)) in text

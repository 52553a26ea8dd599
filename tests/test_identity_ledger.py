"""The provenance ledger written by the harness hooks, as the real harnesses call them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.provenance import blob_of, edit, event, hook, ledger

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"


def test_owner_edit_recorded_with_identity_and_blob(workspace: Path) -> None:
    post = edit(workspace, "app/main.py", "app = 'owner'\n", OWNER)
    assert post.returncode == 0 and post.stdout == "", post.stderr
    [record] = ledger(workspace)
    assert record["kind"] == "write"
    assert record["agent"] == OWNER and record["agent_type"] == OWNER
    assert record["agent_id"] == "a3fa0c478a2ced480"
    assert record["session"] == "b2d1f78a-bee4-44f9-8371-0d455496f330"
    assert record["tool"] == "Edit" and record["harness"] == "claude"
    assert record["path"] == "app/main.py"
    assert record["blob"] == blob_of(workspace, "app/main.py")
    assert record["office"] is False and record["reason"] == "owner"


def test_office_write_marked_as_office(workspace: Path) -> None:
    rel = ".workspace/departments/backend/backend-framework-ai/notes.md"
    edit(workspace, rel, "mine\n", OTHER)
    [record] = ledger(workspace)
    assert record["office"] is True and record["path"] == rel


def test_denied_call_is_never_recorded(workspace: Path) -> None:
    tool_input = {"file_path": str(workspace / "app/main.py"), "content": "x"}
    post = hook(workspace, event(workspace, "PostToolUse", "Write", tool_input, OTHER))
    assert post.returncode == 0
    assert ledger(workspace) == []


def test_read_tools_and_outside_paths_are_not_recorded(workspace: Path, tmp_path: Path) -> None:
    hook(workspace, event(workspace, "PostToolUse", "Read", {"file_path": "app/main.py"}, OWNER))
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("x")
    hook(workspace, event(workspace, "PostToolUse", "Write", {"file_path": str(outside)}, OWNER))
    assert ledger(workspace) == []


def test_bash_writes_recorded_by_analysed_paths_after_the_call(workspace: Path) -> None:
    command = "printf 'new\\n' > app/main.py && rm app/__init__.py"
    (workspace / "app/__init__.py").write_text("")
    pre = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, OWNER))
    assert not pre.stdout.strip()
    subprocess.run(["sh", "-c", command], cwd=workspace, check=True)
    hook(workspace, event(workspace, "PostToolUse", "Bash", {"command": command}, OWNER))
    records = {r["path"]: r for r in ledger(workspace)}
    assert records["app/main.py"]["blob"] == blob_of(workspace, "app/main.py")
    assert records["app/__init__.py"]["kind"] == "delete"
    assert records["app/__init__.py"]["blob"] is None


def test_main_thread_agent_from_rules_is_recorded_without_agent_type(workspace: Path) -> None:
    edit(workspace, "app/main.py", "by main\n", None)  # main_agent: master-orchestrator
    [record] = ledger(workspace)
    assert record["agent"] == "master-orchestrator" and record["agent_type"] is None


def test_symlink_recorded_as_git_would_hash_it(workspace: Path) -> None:
    rel = ".workspace/departments/backend/backend-framework-ai/link"
    target = workspace / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink("notes.md", target)
    tool_input = {"file_path": str(target)}
    hook(workspace, event(workspace, "PostToolUse", "Write", tool_input, OTHER))
    [record] = ledger(workspace)
    git(workspace, "add", rel)
    assert record["blob"] == git(workspace, "ls-files", "-s", rel).split()[1]


def test_codex_gemini_cursor_cline_after_events(workspace: Path) -> None:
    path = str(workspace / "app/main.py")
    (workspace / "app/main.py").write_text("multi\n")
    codex = json.loads(
        event(workspace, "PostToolUse", "Bash", {"command": f"sed -i s/a/b/ {path}"}, OWNER)
    )
    codex["turn_id"] = "t1"
    assert hook(workspace, json.dumps(codex).encode(), "codex").returncode == 0
    gemini = {
        "session_id": "g1",
        "cwd": str(workspace),
        "hook_event_name": "AfterTool",
        "tool_name": "write_file",
        "tool_input": {"file_path": path, "content": "multi\n"},
        "tool_response": {"llmContent": "ok"},
    }
    env = {"WORKSPACE_AGENT": OWNER}
    assert hook(workspace, json.dumps(gemini).encode(), "gemini", env).returncode == 0
    cursor = {
        "conversation_id": "c1",
        "hook_event_name": "afterFileEdit",
        "workspace_roots": [str(workspace)],
        "file_path": path,
        "edits": [],
    }
    assert hook(workspace, json.dumps(cursor).encode(), "cursor", env).returncode == 0
    cline = {
        "taskId": "k1",
        "workspaceRoots": [str(workspace)],
        "hookName": "PostToolUse",
        "postToolUse": {"toolName": "write_to_file", "parameters": {"path": "app/main.py"}},
    }
    proc = hook(workspace, json.dumps(cline).encode(), "cline", env)
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"cancel": False}
    records = ledger(workspace)
    assert [r["harness"] for r in records] == ["codex", "gemini", "cursor", "cline"]
    assert {r["agent"] for r in records} == {OWNER}
    assert {r["blob"] for r in records} == {blob_of(workspace, "app/main.py")}
    assert [r["session"] for r in records] == [
        "b2d1f78a-bee4-44f9-8371-0d455496f330",
        "g1",
        "c1",
        "k1",
    ]


def test_ledger_unwritable_fails_closed_with_the_records(workspace: Path) -> None:
    state = workspace / ".git/workspace-guard"
    state.mkdir(exist_ok=True)
    (state / "ledger.jsonl").mkdir()  # cannot be opened as a file: the append fails
    post = edit(workspace, "app/main.py", "x\n", OWNER)
    assert post.returncode == 2
    assert "could not write the provenance ledger" in post.stderr
    assert '"path": "app/main.py"' in post.stderr


def test_provenance_command_text_and_json(workspace: Path) -> None:
    edit(workspace, "app/main.py", "v1\n", OWNER)
    first = blob_of(workspace, "app/main.py")
    (workspace / "app/main.py").write_text("v2\n")  # outside any harness: nobody recorded it
    proc = run_cli(workspace, "provenance", "app/main.py", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [item] = json.loads(proc.stdout)
    assert [v["blob"] for v in item["versions"]] == [first]
    assert item["recorded"] is False and item["written_by"] is None
    edit(workspace, "app/main.py", "v3\n", OWNER)
    text = run_cli(workspace, "provenance", "app/main.py")
    assert text.returncode == 0
    assert f"written by {OWNER}" in text.stdout and first[:12] in text.stdout


def test_provenance_verify_names_the_edited_line(workspace: Path) -> None:
    edit(workspace, "app/main.py", "v1\n", OWNER)
    edit(workspace, "app/core/config.py", "v1\n", OWNER)
    assert run_cli(workspace, "provenance", "--verify").returncode == 0
    path = workspace / ".git/workspace-guard/ledger.jsonl"
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace(OWNER, OTHER)
    path.write_text("\n".join(lines) + "\n")
    proc = run_cli(workspace, "provenance", "--verify")
    assert proc.returncode == 1
    assert "ledger.jsonl:1:" in proc.stderr and "edited" in proc.stderr
    # a record after the break is no longer trusted by provenance either
    [item] = json.loads(run_cli(workspace, "provenance", "app/main.py", "--format", "json").stdout)
    assert item["versions"] == []


def test_provenance_verify_sees_a_truncated_ledger(workspace: Path) -> None:
    edit(workspace, "app/main.py", "v1\n", OWNER)
    edit(workspace, "app/main.py", "v2\n", OWNER)
    path = workspace / ".git/workspace-guard/ledger.jsonl"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    proc = run_cli(workspace, "provenance", "--verify")
    assert proc.returncode == 1 and "removed from its end" in proc.stderr


def test_provenance_usage_errors(workspace: Path) -> None:
    assert run_cli(workspace, "provenance").returncode == 2
    proc = run_cli(workspace, "provenance", "/etc/passwd")
    assert proc.returncode == 2 and "outside the repository" in proc.stderr


def _many(ws: Path, worker: int, count: int) -> None:
    rel = f".workspace/departments/backend/backend-framework-ai/w{worker}.txt"
    tool_input = {"file_path": str(ws / rel), "content": "x"}
    payload = event(ws, "PostToolUse", "Write", tool_input, OTHER)
    for n in range(count):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(f"{worker}-{n}\n")
        from workspace_guard.gates.harness.formats import claude

        os.chdir(ws)
        assert claude(payload) == 0


def test_concurrent_subagents_lose_no_entry(workspace: Path) -> None:
    """8 processes × 200 after-tool calls: every record is there, in one unbroken chain."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_many, args=(workspace, w, 200)) for w in range(8)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0
    records = ledger(workspace)
    assert len(records) == 1600
    assert [r["seq"] for r in records] == list(range(1, 1601))
    verify = run_cli(workspace, "provenance", "--verify")
    assert verify.returncode == 0 and "1600 records" in verify.stdout


@pytest.mark.parametrize(
    "target",
    [".git/hooks/pre-commit", ".git/config", ".git/workspace-guard/ledger.jsonl", ".git/HEAD"],
)
def test_tool_writes_into_git_dir_are_denied_even_to_superusers(
    workspace: Path, target: str
) -> None:
    for agent in (OTHER, "master-orchestrator"):
        tool_input = {"file_path": str(workspace / target), "content": "x"}
        proc = hook(workspace, event(workspace, "PreToolUse", "Write", tool_input, agent))
        answer = json.loads(proc.stdout)["hookSpecificOutput"]
        assert answer["permissionDecision"] == "deny"
        assert "Git's own directory" in answer["permissionDecisionReason"]


@pytest.mark.parametrize(
    "command",
    [
        "echo 'exit 0' > .git/hooks/pre-commit",
        "cp /tmp/x .git/config",
        "tee -a .git/workspace-guard/audit.jsonl < /dev/null",
        "cd .git && echo x > hooks/commit-msg",
        "sed -i s/a/b/ .git/workspace-guard/ledger.head",
    ],
)
def test_shell_writes_into_git_dir_are_denied(workspace: Path, command: str) -> None:
    proc = hook(
        workspace,
        event(workspace, "PreToolUse", "Bash", {"command": command}, "master-orchestrator"),
    )
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny", command


def test_git_commands_themselves_are_not_denied(workspace: Path) -> None:
    for command in ("git add app/main.py", "git commit -m 'x'", "git status"):
        proc = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, OWNER))
        assert proc.stdout.strip() == "", command


def test_linked_worktree_common_dir_is_denied(workspace: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(workspace, "worktree", "add", "-q", str(linked), "-b", "side")
    target = workspace / ".git" / "worktrees" / "linked" / "HEAD"
    for path in (target, workspace / ".git/workspace-guard/approvals.json", linked / ".git"):
        tool_input = {"file_path": str(path), "content": "x"}
        proc = hook(linked, event(linked, "PreToolUse", "Write", tool_input, OWNER))
        assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny", path

"""The agent-harness gate, run as the harnesses run it: a real process, the event on stdin."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty
from helpers.harness import claude_event, denied, hook

from workspace_guard.state import ledger

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"


# --- Claude Code: file tools -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tool,key",
    [
        ("Edit", "file_path"),
        ("Write", "file_path"),
        ("MultiEdit", "file_path"),
        ("NotebookEdit", "notebook_path"),
    ],
)
def test_file_tools_denied_for_non_owner(workspace: Path, tool: str, key: str) -> None:
    reason = denied(
        hook(
            workspace,
            "claude",
            claude_event(workspace, tool, {key: str(workspace / "app/main.py"), "content": "x"}),
        )
    )
    assert reason is not None
    for word in (
        "app/main.py",
        "critical",
        OWNER,
        "solution-architect-ai",
        "master-orchestrator",
        "workspace-guard approve",
    ):
        assert word in reason


def test_owner_allowed_prints_nothing_and_leaves_no_grant(workspace: Path) -> None:
    """An allowed PreToolUse leaves no path-wide grant behind: what the watch daemon accepts is
    the ledger record of the bytes the call wrote (made after the call), nothing before it."""
    proc = hook(
        workspace,
        "claude",
        claude_event(workspace, "Edit", {"file_path": str(workspace / "app/main.py")}, agent=OWNER),
    )
    assert denied(proc) is None and proc.stdout == ""
    state = workspace / ".git/workspace-guard"
    assert not (state / "grants.json").exists()
    assert not any(
        r.get("kind") == "write" and r.get("path") == "app/main.py" for r in ledger.read(str(state))
    )


def test_unprotected_and_own_office_allowed(workspace: Path) -> None:
    for rel in (
        "app/models/order.py",
        ".workspace/departments/backend/backend-framework-ai/x.md",
        "brand/new/file.py",
    ):
        assert (
            denied(
                hook(
                    workspace,
                    "claude",
                    claude_event(workspace, "Write", {"file_path": str(workspace / rel)}),
                )
            )
            is None
        )


def test_relative_path_and_other_office(workspace: Path) -> None:
    reason = denied(
        hook(
            workspace,
            "claude",
            claude_event(
                workspace,
                "Write",
                {"file_path": ".workspace/departments/architecture/system-architect-ai/adr-002.md"},
            ),
        )
    )
    assert reason is not None and "office" in reason and OWNER in reason


def test_path_outside_repository_is_not_our_business(workspace: Path, tmp_path: Path) -> None:
    assert (
        denied(
            hook(
                workspace,
                "claude",
                claude_event(workspace, "Write", {"file_path": str(tmp_path / "elsewhere.txt")}),
            )
        )
        is None
    )


def test_symlink_to_protected_file_is_denied(workspace: Path) -> None:
    (workspace / "innocent.py").symlink_to(workspace / "app/main.py")
    reason = denied(
        hook(
            workspace,
            "claude",
            claude_event(workspace, "Edit", {"file_path": str(workspace / "innocent.py")}),
        )
    )
    assert reason is not None and "app/main.py" in reason


def test_read_tools_and_other_events_pass(workspace: Path) -> None:
    proc = hook(
        workspace,
        "claude",
        claude_event(workspace, "Read", {"file_path": str(workspace / "app/main.py")}),
    )
    assert proc.returncode == 0 and proc.stdout == ""
    proc = hook(workspace, "claude", claude_event(workspace, "Stop", {}, event="Stop"))
    assert proc.returncode == 0 and proc.stdout == ""
    # PostToolUse is read (it feeds the provenance ledger): a malformed one is reported
    proc = hook(workspace, "claude", claude_event(workspace, "Edit", {}, event="PostToolUse"))
    assert proc.returncode == 2 and proc.stdout == "" and "file_path" in proc.stderr


def test_denial_is_audited(workspace: Path) -> None:
    hook(
        workspace,
        "claude",
        claude_event(workspace, "Edit", {"file_path": str(workspace / "docker-compose.yml")}),
    )
    records = run_cli(workspace, "audit", "--format", "json")
    items = json.loads(records.stdout)
    assert items[-1]["layer"] == "claude" and items[-1]["action"] == "denied"
    assert items[-1]["path"] == "docker-compose.yml"
    assert items[-1]["owner"] == "cloud-infrastructure-ai"
    assert items[-1]["escalate_to"] == "master-orchestrator"


# --- identity --------------------------------------------------------------------------------------


def test_identity_falls_back_to_env_then_main_agent(workspace: Path) -> None:
    event = claude_event(
        workspace, "Edit", {"file_path": str(workspace / "app/main.py")}, agent=None
    )
    # WORKSPACE_AGENT names the owner: allowed
    assert denied(hook(workspace, "claude", event, env={"WORKSPACE_AGENT": OWNER})) is None
    # no identity at all: the rules' harness.main_agent (master-orchestrator, a superuser)
    assert denied(hook(workspace, "claude", event)) is None


def test_no_identity_and_no_main_agent_blocks(workspace: Path) -> None:
    rules = (
        (workspace / ".workspace/rules.yaml")
        .read_text()
        .replace("harness:\n  main_agent: master-orchestrator\n", "")
    )
    (workspace / ".workspace/rules.yaml").write_text(rules)
    git(workspace, "commit", "-qam", "chore(workspace): no main agent")
    event = claude_event(
        workspace, "Edit", {"file_path": str(workspace / "app/main.py")}, agent=None
    )
    proc = hook(workspace, "claude", event)
    assert proc.returncode == 2 and "no acting agent" in proc.stderr and proc.stdout == ""


def test_unregistered_subagent_is_a_guest(workspace: Path) -> None:
    protected = claude_event(
        workspace, "Edit", {"file_path": str(workspace / "app/main.py")}, agent="general-purpose"
    )
    free = claude_event(
        workspace, "Edit", {"file_path": str(workspace / "app/x.py")}, agent="general-purpose"
    )
    assert denied(hook(workspace, "claude", protected)) is not None
    assert denied(hook(workspace, "claude", free)) is None


# --- approvals and grants --------------------------------------------------------------------------


def test_live_approval_is_honoured_and_expired_one_ignored(workspace: Path) -> None:
    event = claude_event(workspace, "Edit", {"file_path": str(workspace / "app/main.py")})
    proc = run_tty(
        workspace, "approve", OTHER, "app/main.py", "--by", OWNER, "--ttl", "1h"
    )  # a person at a terminal
    assert proc.returncode == 0, proc.stderr
    assert denied(hook(workspace, "claude", event)) is None
    assert not (workspace / ".git/workspace-guard/grants.json").exists()
    ident = json.loads(run_cli(workspace, "approvals", "--format", "json").stdout)[0]["id"]
    assert run_cli(workspace, "approvals", "revoke", ident).returncode == 0
    assert denied(hook(workspace, "claude", event)) is not None
    # an approval that has already expired
    path = workspace / ".git/workspace-guard/approvals.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "x",
                    "agent": OTHER,
                    "path": "app/main.py",
                    "approver": OWNER,
                    "until": time.time() - 5,
                }
            ]
        )
    )
    assert denied(hook(workspace, "claude", event)) is not None


def test_approval_by_someone_who_may_not_approve(workspace: Path) -> None:
    proc = run_cli(workspace, "approve", OTHER, "app/main.py", "--by", "tdd-specialist")
    assert proc.returncode == 1 and "may not approve" in proc.stderr


# --- Bash ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "sed -i 's/FastAPI/Starlette/' app/main.py",
        "echo 'x = 1' >> app/main.py",
        "cd app && printf x > main.py",
        "python3 -c \"open('app/main.py','w').write('')\"",
        "cp /tmp/evil.py app/main.py",
        "rm -rf app",
        "git rm app/main.py",  # restores are judged by what git says differs: test_bash_classes
        "bash -c 'tee app/main.py < /dev/null'",
        'echo "unbalanced > app/main.py',
    ],
)
def test_bash_writes_to_protected_paths_denied(workspace: Path, command: str) -> None:
    reason = denied(
        hook(workspace, "claude", claude_event(workspace, "Bash", {"command": command}))
    )
    assert reason is not None and "app/main.py" in reason


@pytest.mark.parametrize(
    "command",
    [
        "cat app/main.py",
        "grep -n FastAPI app/main.py",
        "git diff app/main.py",
        "sed -n '1,5p' app/main.py",
        "cp app/main.py /tmp/copy.py",
        "python -m pytest -q",
        "echo hello > app/notes.txt",
    ],
)
def test_bash_reads_allowed(workspace: Path, command: str) -> None:
    assert (
        denied(hook(workspace, "claude", claude_event(workspace, "Bash", {"command": command})))
        is None
    )


def test_bash_glob_that_could_match_protected(workspace: Path) -> None:
    reason = denied(
        hook(
            workspace,
            "claude",
            claude_event(workspace, "Bash", {"command": "sed -i s/a/b/ app/*.py"}),
        )
    )
    assert reason is not None and "app/main.py" in reason


# --- bad input: the gate fails closed -------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"garbage",
        b'{"hook_event_name": "PreToolUse", "tool_n',
        b"[1, 2]",
        b'{"hook_event_name":"PreToolUse","tool_name":"Edit"}',
        b'{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}',
    ],
)
def test_garbage_blocks_with_a_message(workspace: Path, payload: bytes) -> None:
    proc = hook(workspace, "claude", payload)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "fails closed" in proc.stderr and proc.stdout == ""


def test_nul_in_path_blocks(workspace: Path) -> None:
    proc = hook(
        workspace,
        "claude",
        claude_event(workspace, "Write", {"file_path": str(workspace / "app/ma\u0000in.py")}),
    )
    assert proc.returncode == 2 and "NUL" in proc.stderr


def test_huge_content_is_fine(workspace: Path) -> None:
    content = "x" * (8 * 1024 * 1024)
    proc = hook(
        workspace,
        "claude",
        claude_event(
            workspace, "Write", {"file_path": str(workspace / "app/main.py"), "content": content}
        ),
    )
    assert denied(proc) is not None


def test_broken_rules_at_head_blocks(workspace: Path) -> None:
    (workspace / ".workspace/rules.yaml").write_text("version: 1\nagents: [\n")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "chore: break rules")
    proc = hook(
        workspace,
        "claude",
        claude_event(workspace, "Edit", {"file_path": str(workspace / "app/models/order.py")}),
    )
    assert proc.returncode == 2 and "rules.yaml" in proc.stderr


# --- SubagentStart ---------------------------------------------------------------------------------


def test_subagent_start_briefing(workspace: Path) -> None:
    event = json.dumps(
        {
            "session_id": "s",
            "hook_event_name": "SubagentStart",
            "cwd": str(workspace),
            "agent_id": "a",
            "agent_type": "security-backend-ai",
        }
    ).encode()
    proc = hook(workspace, "claude", event)
    assert proc.returncode == 0
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["hookEventName"] == "SubagentStart"
    text = out["additionalContext"]
    assert ".workspace/departments/security/security-backend-ai/" in text
    assert "/app/api/v1/deps/auth.py (critical)" in text
    assert "/app/main.py — critical, owner system-architect-ai" in text
    assert "Workspace-Check: ✅ Consultado" in text and "Agente: security-backend-ai" in text


# --- other harnesses -------------------------------------------------------------------------------


def test_codex_apply_patch(workspace: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Update File: app/main.py\n@@\n-app = FastAPI()\n+app = None\n"
        "*** End Patch\n"
    )
    reason = denied(
        hook(workspace, "codex", claude_event(workspace, "apply_patch", {"command": patch}))
    )
    assert reason is not None and "app/main.py" in reason
    ok = patch.replace("app/main.py", "app/new_module.py")
    assert (
        denied(hook(workspace, "codex", claude_event(workspace, "apply_patch", {"command": ok})))
        is None
    )


def test_gemini_before_tool(workspace: Path) -> None:
    event = {
        "hook_event_name": "BeforeTool",
        "session_id": "s",
        "cwd": str(workspace),
        "tool_name": "write_file",
        "tool_input": {"file_path": "docker-compose.yml", "content": "x"},
    }
    proc = hook(workspace, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    answer = json.loads(proc.stdout)
    assert proc.returncode == 0 and answer["decision"] == "deny"
    assert "cloud-infrastructure-ai" in answer["reason"]
    event["tool_name"] = "run_shell_command"
    event["tool_input"] = {"command": "ls -la"}
    proc = hook(workspace, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 0 and proc.stdout == ""


def test_cursor_pre_tool_use(workspace: Path) -> None:
    event = {
        "hook_event_name": "preToolUse",
        "conversation_id": "c",
        "workspace_roots": [str(workspace)],
        "tool_name": "Write",
        "tool_input": {"file_path": str(workspace / "tests/conftest.py")},
    }
    proc = hook(workspace, "cursor", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    answer = json.loads(proc.stdout)
    assert answer["permission"] == "deny" and "tdd-specialist" in answer["agent_message"]
    proc = hook(workspace, "cursor", b"{not json", env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 2 and json.loads(proc.stdout)["permission"] == "deny"


def test_cline_pre_tool_use(workspace: Path) -> None:
    event = {
        "clineVersion": "3.40.0",
        "hookName": "PreToolUse",
        "taskId": "t",
        "workspaceRoots": [str(workspace)],
        "userId": "u",
        "preToolUse": {
            "toolName": "write_to_file",
            "parameters": {"path": "app/api/v1/deps/auth.py", "content": "x"},
        },
    }
    proc = hook(workspace, "cline", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    answer = json.loads(proc.stdout)
    assert answer["cancel"] is True and "security-backend-ai" in answer["errorMessage"]
    event["preToolUse"] = {"toolName": "read_file", "parameters": {"path": "app/main.py"}}
    proc = hook(workspace, "cline", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert json.loads(proc.stdout) == {"cancel": False}


# --- installing into the harnesses' settings ------------------------------------------------------


def test_install_claude_merges_and_uninstall_removes_only_ours(workspace: Path) -> None:
    settings = workspace / ".claude/settings.json"
    settings.parent.mkdir()
    existing = {
        "permissions": {"deny": ["Read(./.env)"]},
        "model": "opus",
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [{"type": "command", "command": "/usr/local/bin/other-guard"}],
                }
            ],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        },
    }
    settings.write_text(json.dumps(existing))
    for _ in range(2):  # idempotent
        assert run_cli(workspace, "install", "--claude").returncode == 0
    data = json.loads(settings.read_text())
    assert data["permissions"] == existing["permissions"] and data["model"] == "opus"
    pre = data["hooks"]["PreToolUse"]
    commands = [h["command"] for g in pre for h in g["hooks"]]
    assert "/usr/local/bin/other-guard" in commands
    ours = [g for g in pre if any("hook claude" in h["command"] for h in g["hooks"])]
    assert len(ours) == 1
    assert (
        ours[0]["matcher"]
        == "Edit|Write|MultiEdit|NotebookEdit|Bash|PowerShell|Agent|Task|Workflow|SendMessage|mcp__.*"
    )
    command = ours[0]["hooks"][0]["command"]
    assert ".workspace/bin/wg-hook claude" in command and str(workspace) not in command
    assert "SubagentStart" in data["hooks"] and data["hooks"]["Stop"] == existing["hooks"]["Stop"]
    assert run_cli(workspace, "uninstall", "--claude").returncode == 0
    assert json.loads(settings.read_text()) == existing


def test_installed_claude_command_runs(workspace: Path) -> None:
    """The command written into settings.json is the real gate (as Claude Code would run it)."""
    import subprocess

    run_cli(workspace, "install", "--claude")
    data = json.loads((workspace / ".claude/settings.json").read_text())
    command = data["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    proc = subprocess.run(
        ["sh", "-c", command],
        input=claude_event(workspace, "Edit", {"file_path": str(workspace / "app/main.py")}),
        capture_output=True,
        cwd=workspace,
        env={**os.environ, "CLAUDE_PROJECT_DIR": str(workspace)},
        check=False,
    )
    assert proc.returncode == 0 and b'"deny"' in proc.stdout


def test_install_other_harnesses(workspace: Path) -> None:
    for name in ("codex", "gemini", "cursor", "cline"):
        proc = run_cli(workspace, "install", "--harness", name)
        assert proc.returncode == 0, proc.stderr
    codex = json.loads((workspace / ".codex/hooks.json").read_text())
    assert "hook codex" in codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    gemini = json.loads((workspace / ".gemini/settings.json").read_text())
    assert "hook gemini" in gemini["hooks"]["BeforeTool"][0]["hooks"][0]["command"]
    cursor = json.loads((workspace / ".cursor/hooks.json").read_text())
    assert cursor["version"] == 1 and "hook cursor" in cursor["hooks"]["preToolUse"][0]["command"]
    cline = workspace / ".clinerules/hooks/PreToolUse"
    assert os.access(cline, os.X_OK) and '/.workspace/bin/wg-hook" cline' in cline.read_text()
    for name in ("codex", "gemini", "cursor", "cline"):
        assert run_cli(workspace, "uninstall", "--harness", name).returncode == 0
    assert not cline.exists() and not (workspace / ".codex/hooks.json").exists()


def test_install_claude_refuses_broken_settings(workspace: Path) -> None:
    settings = workspace / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text("{broken")
    proc = run_cli(workspace, "install", "--claude")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr
    assert settings.read_text() == "{broken"

"""MCP git tools are judged as the git command they run (ATTACK F04): `mcp-server-git`'s
`git_checkout` of another revision rewrites protected files exactly like `git checkout HEAD~1`
in Bash, and is denied the same way; reads and harmless calls pass. Real git, the real hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git
from helpers.harness import denied, hook

OTHER = "backend-framework-ai"
SUPERUSER = "master-orchestrator"


def _mcp(ws: Path, tool: str, args: dict[str, object], agent: str = OTHER) -> str | None:
    event = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": args,
        "agent_type": agent,
        "agent_id": "a1",
    }
    return denied(hook(ws, "claude", json.dumps(event).encode()))


@pytest.fixture
def moved(workspace: Path) -> Path:
    (workspace / "app" / "main.py").write_text("# newer\n")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "newer main")
    return workspace


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("mcp__git__git_checkout", {"branch_name": "HEAD~1"}),
        ("mcp__git__git_checkout", {"branch_name": "HEAD~1", "files": ["app/main.py"]}),
        ("mcp__git-mcp__checkout", {"target": "HEAD~1"}),
        ("mcp__git-mcp__reset", {"mode": "hard", "target": "HEAD~1"}),
        ("mcp__git__git_switch", {"branch": "--detach", "target": "HEAD~1"}),
        ("mcp__git__git_restore", {"source": "HEAD~1", "files": ["app/main.py"]}),
        ("mcp__git__git_commit", {"message": "x", "no_verify": True}),
        ("mcp__git-mcp__cherry_pick", {"commit": "HEAD"}),
    ],
)
def test_mcp_git_tools_that_rewrite_protected_files_are_denied(
    moved: Path, tool: str, args: dict[str, object]
) -> None:
    args = {"repo_path": str(moved), **args}
    if tool.endswith("cherry_pick"):
        git(moved, "checkout", "-q", "HEAD~1")
    assert _mcp(moved, tool, args) is not None, (tool, args)


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("mcp__git__git_status", {}),
        ("mcp__git__git_log", {"max_count": 3}),
        ("mcp__git__git_show", {"revision": "HEAD"}),
        ("mcp__git__git_checkout", {"branch_name": "HEAD"}),
        ("mcp__git__git_reset", {}),
        ("mcp__git__git_add", {"files": ["README.md"]}),
        ("mcp__git__git_create_branch", {"branch_name": "topic"}),
    ],
)
def test_mcp_git_reads_and_harmless_calls_pass(
    moved: Path, tool: str, args: dict[str, object]
) -> None:
    assert _mcp(moved, tool, {"repo_path": str(moved), **args}) is None, (tool, args)

"""MCP tools named without their server prefix (Gemini CLI gives an MCP tool its bare name when no
other tool has it; a Claude or Codex configuration may do the same): decided like `mcp__…` tools,
while each harness's own tools keep their meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_harness_mcp import mcp

from workspace_guard.gates.harness.mcp_tools import is_mcp

OTHER = "backend-framework-ai"


def _call(ws: Path, harness: str, tool: str, args: object) -> str | None:
    return mcp(ws, tool, args, OTHER, harness)


BARE_WRITES = [
    ("gemini", "edit_file", {"path": "app/main.py", "edits": []}),
    ("gemini", "move_file", {"source": "README.md", "destination": "app/main.py"}),
    ("gemini", "execute_command", {"command": "sed -i s/a/b/ app/main.py"}),
    ("gemini", "save_document", {"target": "app/main.py", "body": "x"}),
    ("gemini", "filesystem__write_file", {"path": "app/main.py"}),
    ("claude", "write_file", {"path": "app/main.py", "content": "x"}),
    ("claude", "edit_block", {"file_path": "app/main.py", "old_string": "a"}),
    ("claude", "start_process", {"command": "echo x > app/main.py"}),
    ("claude", "save-note", {"file": "app/main.py"}),
    ("claude", "fs__write", {"path": "app/main.py"}),
    ("codex", "write_file", {"path": "app/main.py"}),
    ("codex", "run_command", {"command": "rm app/main.py"}),
]


@pytest.mark.parametrize(
    "harness,tool,args", BARE_WRITES, ids=[f"{h}-{t}" for h, t, _ in BARE_WRITES]
)
def test_bare_mcp_write_tools_are_judged(
    workspace: Path, harness: str, tool: str, args: object
) -> None:
    reason = _call(workspace, harness, tool, args)
    assert reason is not None and "app/main.py" in reason


@pytest.mark.parametrize(
    "harness,tool,args",
    [
        ("gemini", "read_text_file", {"path": "app/main.py"}),
        ("gemini", "list_directory", {"dir_path": "app"}),
        ("gemini", "glob", {"pattern": "app/*.py"}),
        ("gemini", "invoke_agent", {"agent": "x", "prompt": "read app/main.py"}),
        ("gemini", "save_document", {"target": "notes/todo.md"}),
        ("claude", "Read", {"file_path": "app/main.py"}),
        ("claude", "Glob", {"pattern": "app/**", "path": "app"}),
        ("claude", "Grep", {"pattern": "x", "path": "app/main.py"}),
        ("claude", "TodoWrite", {"todos": [{"content": "edit app/main.py"}]}),
        ("claude", "Agent", {"prompt": "fix app/main.py", "subagent_type": "x"}),
        ("codex", "spawn_agent", {"message": "fix app/main.py"}),
        ("codex", "update_plan", {"plan": [{"step": "edit app/main.py"}]}),
    ],
)
def test_harness_tools_and_reads_pass(
    workspace: Path, harness: str, tool: str, args: object
) -> None:
    assert _call(workspace, harness, tool, args) is None


def test_is_mcp_by_harness() -> None:
    assert is_mcp("mcp__fs__write_file") and is_mcp("mcp_fs_write_file", "gemini")
    assert is_mcp("create_entities", "gemini") and not is_mcp("run_shell_command", "gemini")
    assert is_mcp("write_file", "claude") and not is_mcp("Write", "claude")
    assert not is_mcp("NotebookEdit", "claude") and not is_mcp("apply_patch", "codex")
    assert not is_mcp("multi_agent_v1wait_agent", "codex")


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("mcp__jetbrains__execute_terminal_command", {"command": "echo X > app/main.py"}),
        ("mcp__serena__execute_shell_command", {"command": "sed -i s/a/b/ app/main.py"}),
        ("mcp__shell__run", {"cmd": "cd app && echo X > main.py"}),
        ("mcp__desktop-commander__interact_with_process", {"pid": 1, "input": "rm app/main.py\n"}),
        ("mcp__code__run_python", {"code": "open('app/main.py','w').write('x')"}),
    ],
)
def test_unknown_tools_that_run_commands_are_judged_as_shell(
    workspace: Path, tool: str, args: object
) -> None:
    """ATTACK F25: a tool whose name says it runs commands or code, or feeds a process."""
    assert _call(workspace, "claude", tool, args) is not None, tool

"""MCP calls through the Cursor and Cline adapters are judged as Claude's `mcp__…` calls are.

Cursor names an MCP tool `MCP:<tool>` in `preToolUse` and sends `beforeMCPExecution` (its
`tool_input` a JSON text); Cline wraps every MCP call in `use_mcp_tool` (`server_name`,
`tool_name`, `arguments` as a JSON text). A tool of either harness the adapter does not know is
judged like an unknown MCP tool (its path arguments as writes), never passed unread. Real hook
processes, the events as the harnesses send them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from helpers.harness import cline_denied as cline
from helpers.harness import hook

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"  # app/main.py


def cursor(ws: Path, event: dict[str, Any], agent: str = OTHER) -> str | None:
    data = {"conversation_id": "c", "workspace_roots": [str(ws)], **event}
    proc = hook(ws, "cursor", json.dumps(data).encode(), env={"WORKSPACE_AGENT": agent})
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    answer = json.loads(proc.stdout)
    if answer.get("permission") != "deny":
        return None
    return str(answer["agent_message"])


def writes(ws: Path) -> list[tuple[str, dict[str, Any]]]:
    main = str(ws / "app/main.py")
    return [
        ("write_file", {"path": main, "content": "evil"}),
        ("edit_file", {"path": "app/main.py", "edits": [{"oldText": "a", "newText": "b"}]}),
        ("run_command", {"command": "echo evil > app/main.py"}),
        ("execute_command", {"command": "sed -i s/a/b/ app/main.py"}),
        ("search_and_replace", {"path": main, "search": "a", "replace": "b"}),
        ("save_document", {"target": {"file": "app/main.py"}}),
    ]


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("spelling", ["MCP:{t}", "mcp__srv__{t}", "MCP:srv__{t}"])
def test_cursor_pre_tool_use_judges_mcp_tools(workspace: Path, index: int, spelling: str) -> None:
    tool, args = writes(workspace)[index]
    event = {"hook_event_name": "preToolUse", "tool_name": spelling.format(t=tool)}
    reason = cursor(workspace, {**event, "tool_input": args})
    assert reason is not None and "app/main.py" in reason, (tool, spelling)
    assert cursor(workspace, {**event, "tool_input": args}, agent=OWNER) is None


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("as_text", [True, False])
def test_cursor_before_mcp_execution(workspace: Path, index: int, as_text: bool) -> None:
    tool, args = writes(workspace)[index]
    event = {
        "hook_event_name": "beforeMCPExecution",
        "tool_name": tool,
        "tool_input": json.dumps(args) if as_text else args,
        "command": "npx -y @modelcontextprotocol/server-filesystem .",
    }
    reason = cursor(workspace, event)
    assert reason is not None and "app/main.py" in reason, tool


def test_cursor_reads_and_unknown_tools(workspace: Path) -> None:
    main = str(workspace / "app/main.py")
    for tool in ("Read", "Grep", "MCP:read_file", "MCP:search_files"):
        event = {"hook_event_name": "preToolUse", "tool_name": tool, "tool_input": {"path": main}}
        assert cursor(workspace, event) is None, tool
    event = {"hook_event_name": "beforeMCPExecution", "tool_name": "read_file"}
    assert cursor(workspace, {**event, "tool_input": json.dumps({"path": main})}) is None
    unknown = {"hook_event_name": "preToolUse", "tool_name": "SaveFile"}
    reason = cursor(workspace, {**unknown, "tool_input": {"target_file": main}})
    assert reason is not None and "app/main.py" in reason


def test_cursor_installs_before_mcp_execution(workspace: Path) -> None:
    assert run_cli(workspace, "install", "--harness", "cursor").returncode == 0
    hooks = json.loads((workspace / ".cursor/hooks.json").read_text())["hooks"]
    assert "hook cursor" in hooks["beforeMCPExecution"][0]["command"]


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("as_text", [True, False])
def test_cline_use_mcp_tool(workspace: Path, index: int, as_text: bool) -> None:
    tool, args = writes(workspace)[index]
    arguments: Any = json.dumps(args) if as_text else args
    params = {"server_name": "srv", "tool_name": tool, "arguments": arguments}
    reason = cline(workspace, "use_mcp_tool", params)
    assert reason is not None and "app/main.py" in reason, tool
    assert cline(workspace, "use_mcp_tool", params, agent=OWNER) is None


def test_cline_reads_pass_and_unknown_tools_are_judged(workspace: Path) -> None:
    read = {"server_name": "fs", "tool_name": "read_file", "arguments": '{"path": "app/main.py"}'}
    assert cline(workspace, "use_mcp_tool", read) is None
    resource = {"server_name": "fs", "uri": f"file://{workspace}/app/main.py"}
    assert cline(workspace, "access_mcp_resource", resource) is None
    for tool in ("read_file", "list_files", "search_files", "ask_followup_question"):
        assert cline(workspace, tool, {"path": "app/main.py"}) is None, tool
    for tool in ("new_rule", "some_future_tool"):
        reason = cline(workspace, tool, {"path": "app/main.py", "content": "x"})
        assert reason is not None and "app/main.py" in reason, tool


# Cursor's `Task` starts a subagent: judged like Claude's `Agent` (a subagent that carries a type
# acts as it), no longer passed as a read.
@pytest.mark.parametrize(
    "tool_input",
    [
        {"description": "d", "prompt": "edit app/main.py", "subagent_type": OWNER},
        {"description": "d", "prompt": "x", "subagent_type": ["system-architect-ai"]},
    ],
)
def test_cursor_task_is_judged_as_a_spawn(workspace: Path, tool_input: dict[str, Any]) -> None:
    event = {"hook_event_name": "preToolUse", "tool_name": "Task", "tool_input": tool_input}
    reason = cursor(workspace, event)
    assert reason is not None and "subagent" in reason, reason
    assert cursor(workspace, event, agent="master-orchestrator") is None


def test_cursor_task_of_its_own_or_no_identity_is_allowed(workspace: Path) -> None:
    for kind in (OTHER, "general-purpose", None):
        tool_input: dict[str, Any] = {"description": "d", "prompt": "x"}
        if kind is not None:
            tool_input["subagent_type"] = kind
        event = {"hook_event_name": "preToolUse", "tool_name": "Task", "tool_input": tool_input}
        assert cursor(workspace, event) is None, kind

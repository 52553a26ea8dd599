"""Cursor's wire format (`formats.py`): `preToolUse` (`Write`, `Edit`, `StrReplace`, `Delete`,
`Shell`, `MCP:<tool>`) and `beforeMCPExecution`; a denial is `{"permission": "deny", …}`;
`afterFileEdit` / `afterShellExecution` keep the ledger.

An MCP call (`MCP:<tool>`, an `mcp__server__tool` name, or `beforeMCPExecution` with its
`tool_input` as a JSON text; our own server's, `MCP:workspace-guard__<tool>` or one whose
`command` runs `workspace-guard mcp`, as the command it stands for: coord.canonical) is judged as
Claude's `mcp__…` calls are (`mcp_tools.classify`); a
tool that is neither one of Cursor's own read-only tools nor a known one is judged like an
unknown MCP tool (its path arguments as writes, `harness: mcp_unknown`), never passed unread.
"""

from __future__ import annotations

import json

from workspace_guard.gates.harness.formats_event import (
    Tools,
    as_dict,
    event_agent,
    event_cwd,
    judge_call,
    mcp_call,
    record_after,
    string_field,
    tool_call,
)
from workspace_guard.gates.harness.gate import Call, deny_reason, load_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


CURSOR_FILE_TOOLS = ("Write", "Edit", "StrReplace", "Delete", "MultiEdit")
# Cursor's own tools that write nothing (`Task` starts a subagent: judged as a spawn, spawn.py)
CURSOR_READ_TOOLS = frozenset(
    (
        "Read",
        "ReadFile",
        "Grep",
        "Glob",
        "LS",
        "ListDir",
        "FileSearch",
        "GlobFileSearch",
        "SemanticSearch",
        "CodebaseSearch",
        "ReadLints",
        "WebSearch",
        "WebFetch",
        "Fetch",
        "TodoWrite",
    )
)
CURSOR_TOOLS = Tools(
    CURSOR_FILE_TOOLS, ("Shell",), CURSOR_READ_TOOLS, "tool_input.file_path", "tool_input.command"
)
MCP_PREFIX = "MCP:"


def _mcp_name(tool: str) -> str:
    """`MCP:write_file` → `write_file`; `MCP:server__tool` → `mcp__server__tool`."""
    rest = tool[len(MCP_PREFIX) :] if tool.startswith(MCP_PREFIX) else tool
    return f"mcp__{rest}" if "__" in rest and not rest.startswith("mcp_") else rest


def cursor(data: bytes) -> int:
    """`hook cursor`: preToolUse; a denial is `{"permission": "deny", …}`."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name in ("afterFileEdit", "afterShellExecution"):
        return record_after(_cursor_after(event), event)
    if name == "beforeMCPExecution":
        mcp_tool = string_field(event.get("tool_name"), "tool_name")
        from workspace_guard.gates.harness.coord import canonical

        found = mcp_call(
            event_agent(event),
            canonical(_mcp_name(mcp_tool), None, event.get("command")),  # our server: any name
            event_cwd(event, "workspace_roots"),
            event.get("tool_input"),
            "cursor",
        )
        return _answer(found)
    if name not in ("preToolUse", "postToolUse", None):
        return 0
    tool = event.get("tool_name")
    args = as_dict(event.get("tool_input"))
    cwd = event_cwd(event, "workspace_roots")
    agent = event_agent(event)
    path = args.get("file_path") or args.get("path") or event.get("file_path")
    call = tool_call(
        CURSOR_TOOLS,
        (agent, tool, cwd, "cursor"),
        (path, args.get("command")),
        lambda: _other(agent, tool, cwd, event.get("tool_input")),
    )
    if call is None:
        return 0
    if name == "postToolUse":  # the ledger is kept by afterFileEdit / afterShellExecution
        return _cursor_warning(call)
    return _answer(call)


def _other(agent: str | None, tool: Any, cwd: str, tool_input: Any) -> Call | None:
    """`Task` (a subagent: judged as a spawn, like Claude's `Agent`), an MCP tool, or a tool the
    gate does not know (judged as an unknown MCP tool, never passed unread)."""
    name = string_field(tool, "tool_name")
    if name == "Task":
        from workspace_guard.gates.harness.spawn import spawned_type

        kind = spawned_type(name, tool_input, "cursor")
        return Call(agent, name, cwd, source="cursor", spawns=kind)
    return mcp_call(agent, _mcp_name(name), cwd, tool_input, "cursor")


def _answer(call: Call | None) -> int:
    """Judge `call` (None: a read) and print Cursor's denial; nothing when allowed."""
    if call is None:
        return 0
    judged = judge_call(call, "cursor")
    if judged and judged[1].denied:
        reason = deny_reason(judged[1])
        print(
            json.dumps(
                {"permission": "deny", "user_message": reason, "agent_message": reason},
                ensure_ascii=False,
            )
        )
    return 0


def _cursor_warning(call: Call) -> int:
    """Cursor's `postToolUse`: the one answer of Cursor's that reaches the model without a
    `permission` (`additional_context`). An allowed write to a path another worktree has
    modified and not committed is told there, once it is done (`elsewhere.py`): `preToolUse`
    has no such field, and answering `allow` there would skip Cursor's own prompt."""
    from workspace_guard.gates.harness.discover import repositories
    from workspace_guard.gates.harness.elsewhere import warning
    from workspace_guard.gates.harness.gate import evaluate

    judged = [(repo, evaluate(repo, call)) for repo in repositories(call) if repo.info.root]
    if not judged or any(verdict.denied for _, verdict in judged):
        return 0
    text = warning(judged)
    if text:
        print(json.dumps({"additional_context": text}, ensure_ascii=False))
    return 0


def _cursor_after(event: dict[str, Any]) -> Call | None:
    """Cursor's `afterFileEdit` (`file_path`) and `afterShellExecution` (`command`)."""
    cwd = event_cwd(event, "workspace_roots")
    agent = event_agent(event)
    if event.get("hook_event_name") == "afterFileEdit":
        path = string_field(event.get("file_path"), "file_path")
        return Call(agent, "Edit", cwd, paths=(path,), source="cursor")
    command = string_field(event.get("command"), "command")
    return Call(agent, "Shell", cwd, command=command, source="cursor")

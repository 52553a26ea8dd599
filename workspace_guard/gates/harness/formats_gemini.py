"""Gemini CLI's wire format (`formats.py`): `BeforeTool` (`write_file`, `replace`,
`run_shell_command`, MCP tools); a denial is `{"decision": "deny", "reason"}`.

Gemini CLI 0.61.0 names an MCP tool `mcp_<server>_<tool>` (the server's name as configured,
characters outside `[A-Za-z0-9_.:-]` made `_`) and adds `mcp_context` (`server_name`,
`tool_name`, `command`, `args`) to a BeforeTool event for a configured server.
"""

from __future__ import annotations

import json

from workspace_guard.gates.harness.formats_event import (
    as_dict,
    event_agent,
    event_cwd,
    in_workdir,
    judge_call,
    mcp_call,
    record_after,
    string_field,
)
from workspace_guard.gates.harness.gate import Call, deny_reason, load_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

GEMINI_FILE_TOOLS = {"write_file": "file_path", "replace": "file_path", "edit": "file_path"}


def gemini(data: bytes) -> int:
    """`hook gemini`: BeforeTool; a denial is `{"decision": "deny", "reason": …}`."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name not in ("BeforeTool", "AfterTool", None):
        return 0
    tool = event.get("tool_name")
    args = as_dict(event.get("tool_input"))
    cwd = event_cwd(event)
    agent = event_agent(event)
    from workspace_guard.gates.harness.mcp_tools import is_mcp

    if tool in GEMINI_FILE_TOOLS:
        call = Call(
            agent,
            str(tool),
            cwd,
            paths=(
                string_field(args.get("file_path") or args.get("path"), "tool_input.file_path"),
            ),
            source="gemini",
        )
    elif isinstance(tool, str) and is_mcp(tool, "gemini"):  # a bare name too
        found = mcp_call(agent, _mcp_name(tool, event.get("mcp_context")), cwd, args, "gemini")
        if found is None:
            return 0
        call = found
    elif tool == "run_shell_command":
        command = string_field(args.get("command"), "tool_input.command")
        where, command = in_workdir(command, args, ("dir_path", "directory"), cwd)
        call = Call(agent, str(tool), where, command=command, source="gemini")
    else:
        return 0
    if name == "AfterTool":
        return record_after(call, event)
    judged = judge_call(call, "gemini", event)
    if judged and judged[1].denied:
        print(
            json.dumps({"decision": "deny", "reason": deny_reason(judged[1])}, ensure_ascii=False)
        )
    elif judged and judged[1].warning:  # the person sees systemMessage; see docs/coordination.md
        text = judged[1].warning
        context = {"hookEventName": "BeforeTool", "additionalContext": text}
        print(
            json.dumps({"systemMessage": text, "hookSpecificOutput": context}, ensure_ascii=False)
        )
    return 0


def _mcp_name(tool: str, context: Any) -> str:
    """`mcp_<server>_<tool>` as `mcp__workspace-guard__<tool>` when `mcp_context` (the server's
    name, its own tool name and the command that starts it) says the server is ours, whatever
    name it is registered under (gates/harness/coord.canonical); else as Gemini spells it."""
    if not isinstance(context, dict) or not isinstance(context.get("tool_name"), str):
        return tool
    from workspace_guard.gates.harness.coord import canonical

    server = context.get("server_name")
    found = canonical(context["tool_name"], server, context.get("command"), context.get("args"))
    return found if found.startswith("mcp__") else tool

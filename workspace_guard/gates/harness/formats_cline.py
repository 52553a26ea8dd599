"""Cline's wire format (`formats.py`): `PreToolUse` (`write_to_file`, `replace_in_file`,
`new_rule`, `execute_command`, `use_mcp_tool`); a denial is `{"cancel": true, …}`.

`use_mcp_tool` (`server_name`, `tool_name`, `arguments` as a JSON text) is judged as Claude's
`mcp__server__tool` is (`mcp_tools.classify`); a tool that is neither one of Cline's read-only
tools nor a known one is judged like an unknown MCP tool (its path arguments as writes,
`harness: mcp_unknown`), never passed unread.
"""

from __future__ import annotations

import json
import os

from workspace_guard.gates.harness import formats_event as ev
from workspace_guard.gates.harness.gate import Call, deny_reason, load_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CLINE_FILE_TOOLS = ("write_to_file", "replace_in_file", "apply_diff", "insert_content", "new_rule")
# Cline's own tools that write no file
CLINE_READ_TOOLS = frozenset(
    (
        "read_file",
        "list_files",
        "search_files",
        "list_code_definition_names",
        "browser_action",
        "ask_followup_question",
        "attempt_completion",
        "plan_mode_respond",
        "act_mode_respond",
        "load_mcp_documentation",
        "access_mcp_resource",
        "web_fetch",
        "web_search",
        "condense",
        "summarize_task",
        "report_bug",
        "new_task",
        "focus_chain",
    )
)
CLINE_TOOLS = ev.Tools(
    CLINE_FILE_TOOLS,
    ("execute_command",),
    CLINE_READ_TOOLS,
    "parameters.path",
    "parameters.command",
)


def cline(data: bytes) -> int:
    """`hook cline`: PreToolUse; a denial is `{"cancel": true, "errorMessage": …}`."""
    event = load_event(data)
    after = isinstance(event.get("postToolUse"), dict)
    body = event.get("postToolUse") if after else event.get("preToolUse")
    if not isinstance(body, dict):
        return 0
    tool = body.get("toolName")
    params = ev.as_dict(body.get("parameters"))
    cwd = ev.event_cwd(event, "workspaceRoots")
    agent = os.environ.get("WORKSPACE_AGENT") or None
    found = ev.tool_call(
        CLINE_TOOLS,
        (agent, tool, cwd, "cline"),
        (params.get("path"), params.get("command")),
        lambda: _mcp(agent, tool, cwd, params),
    )
    if found is None:  # one of Cline's read-only tools, or an MCP tool that only reads
        print(json.dumps({"cancel": False}))
        return 0
    call = found
    if after:
        code = ev.record_after(call, event)
        print(json.dumps({"cancel": False}))
        return code
    judged = ev.judge_call(call, "cline", event)
    if judged and judged[1].denied:
        reason = deny_reason(judged[1])
        print(
            json.dumps(
                {"cancel": True, "errorMessage": reason, "contextModification": reason},
                ensure_ascii=False,
            )
        )
    elif judged and judged[1].warning:  # allowed; contextModification reaches the model
        print(
            json.dumps(
                {"cancel": False, "contextModification": judged[1].warning}, ensure_ascii=False
            )
        )
    else:
        print(json.dumps({"cancel": False}))
    return 0


def _mcp(agent: str | None, tool: Any, cwd: str, params: dict[str, Any]) -> Call | None:
    """`use_mcp_tool` as `mcp__server__tool` with its arguments; any other tool by its own name
    and parameters (an unknown tool: its path arguments are writes)."""
    if tool == "use_mcp_tool":
        server = ev.string_field(params.get("server_name"), "parameters.server_name")
        name = ev.string_field(params.get("tool_name"), "parameters.tool_name")
        return ev.mcp_call(agent, f"mcp__{server}__{name}", cwd, params.get("arguments"), "cline")
    return ev.mcp_call(agent, ev.string_field(tool, "toolName"), cwd, params, "cline")

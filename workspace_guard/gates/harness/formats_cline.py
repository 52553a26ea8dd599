"""Cline's wire format (`formats.py`): `PreToolUse` (`write_to_file`, `replace_in_file`,
`execute_command`); a denial is `{"cancel": true, …}`.
"""

from __future__ import annotations

import json
import os

from workspace_guard.gates.harness.formats_event import (
    as_dict,
    event_cwd,
    judge_call,
    record_after,
    string_field,
)
from workspace_guard.gates.harness.gate import Call, deny_reason, load_event

CLINE_FILE_TOOLS = ("write_to_file", "replace_in_file", "apply_diff", "insert_content")


def cline(data: bytes) -> int:
    """`hook cline`: PreToolUse; a denial is `{"cancel": true, "errorMessage": …}`."""
    event = load_event(data)
    after = isinstance(event.get("postToolUse"), dict)
    body = event.get("postToolUse") if after else event.get("preToolUse")
    if not isinstance(body, dict):
        return 0
    tool = body.get("toolName")
    params = as_dict(body.get("parameters"))
    cwd = event_cwd(event, "workspaceRoots")
    agent = os.environ.get("WORKSPACE_AGENT") or None
    if tool in CLINE_FILE_TOOLS:
        call = Call(
            agent,
            str(tool),
            cwd,
            paths=(string_field(params.get("path"), "parameters.path"),),
            source="cline",
        )
    elif tool == "execute_command":
        call = Call(
            agent,
            str(tool),
            cwd,
            command=string_field(params.get("command"), "parameters.command"),
            source="cline",
        )
    else:
        print(json.dumps({"cancel": False}))
        return 0
    if after:
        code = record_after(call, event)
        print(json.dumps({"cancel": False}))
        return code
    judged = judge_call(call, "cline")
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

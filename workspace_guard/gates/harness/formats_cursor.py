"""Cursor's wire format (`formats.py`): `preToolUse` (`Write`, `Edit`, `StrReplace`, `Delete`,
`Shell`); a denial is `{"permission": "deny", …}`; `afterFileEdit` / `afterShellExecution` keep
the ledger.
"""

from __future__ import annotations

import json

from workspace_guard.gates.harness.formats_event import (
    as_dict,
    event_agent,
    event_cwd,
    judge_call,
    record_after,
    string_field,
)
from workspace_guard.gates.harness.gate import Call, deny_reason, load_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


CURSOR_FILE_TOOLS = ("Write", "Edit", "StrReplace", "Delete", "MultiEdit")


def cursor(data: bytes) -> int:
    """`hook cursor`: preToolUse; a denial is `{"permission": "deny", …}`."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name in ("afterFileEdit", "afterShellExecution"):
        return record_after(_cursor_after(event), event)
    if name not in ("preToolUse", "postToolUse", None):
        return 0
    tool = event.get("tool_name")
    args = as_dict(event.get("tool_input"))
    cwd = event_cwd(event, "workspace_roots")
    agent = event_agent(event)
    if tool in CURSOR_FILE_TOOLS:
        path = args.get("file_path") or args.get("path") or event.get("file_path")
        call = Call(
            agent,
            str(tool),
            cwd,
            paths=(string_field(path, "tool_input.file_path"),),
            source="cursor",
        )
    elif tool == "Shell":
        call = Call(
            agent,
            str(tool),
            cwd,
            command=string_field(args.get("command"), "tool_input.command"),
            source="cursor",
        )
    else:
        return 0
    if name == "postToolUse":  # the ledger is kept by afterFileEdit / afterShellExecution
        return _cursor_warning(call)
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

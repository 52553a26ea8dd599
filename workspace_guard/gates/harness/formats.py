"""Each harness's wire format over the one gate in `harness.py`.

- Claude Code: `PreToolUse` / `SubagentStart` JSON in; a denial is exit 0 with
  `hookSpecificOutput.permissionDecision: "deny"`.
- Codex CLI: Claude's format; `apply_patch` carries its paths inside the patch text.
- Gemini CLI: `BeforeTool` (`write_file`, `replace`, `run_shell_command`);
  a denial is `{"decision": "deny", "reason"}`.
- Cursor: `preToolUse` (`Write`, `Edit`, `StrReplace`, `Delete`, `Shell`);
  a denial is `{"permission": "deny", …}`.
- Cline: `PreToolUse` (`write_to_file`, `replace_in_file`, `execute_command`);
  a denial is `{"cancel": true, …}`.

An allowed call prints nothing and exits 0 (never "allow": that would skip the harness's own
permission prompt) — unless another worktree has the paths modified and not committed: then
the answer carries a warning and no decision (`elsewhere.py`; Cursor has no field for it).

Claude Code and Codex are here; Gemini CLI, Cursor and Cline each have a module of their own
(`formats_gemini.py`, `formats_cursor.py`, `formats_cline.py`), what they share is in
`formats_event.py`, and `ADAPTERS` maps each `hook NAME` to its reader.
"""

from __future__ import annotations

import json
import os

from workspace_guard.gates.harness.formats_cline import cline
from workspace_guard.gates.harness.formats_cursor import cursor
from workspace_guard.gates.harness.formats_event import (
    event_agent,
    event_cwd,
    event_repo,
    in_workdir,
    judge_call,
    mcp_call,
    record_after,
    string_field,
)
from workspace_guard.gates.harness.formats_gemini import gemini
from workspace_guard.gates.harness.gate import (
    FILE_TOOLS,
    Call,
    GateError,
    acting_agent,
    deny_reason,
    load_event,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


# --- Claude Code --------------------------------------------------------------------------------


def claude(data: bytes, *, layer: str = "claude") -> int:
    """`hook claude`: PreToolUse decides, SubagentStart briefs the agent, other events pass."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name == "SubagentStart":
        return _subagent_start(event)
    if name == "SessionStart":
        return _session_start(event)
    if name == "PostToolUse":
        return record_after(claude_call(event, layer), event)
    if name not in ("PreToolUse", None):
        return 0
    refused = _identity(event)
    if refused:
        print(json.dumps(_claude_deny(refused), ensure_ascii=False))
        return 0
    call = claude_call(event, layer)
    if call is None:
        return 0
    judged = judge_call(call, layer, event)
    if judged and judged[1].denied:
        print(
            json.dumps(
                {
                    "hookSpecificOutput": {
                        "hookEventName": "PreToolUse",
                        "permissionDecision": "deny",
                        "permissionDecisionReason": deny_reason(judged[1]),
                    }
                },
                ensure_ascii=False,
            )
        )
    elif judged and judged[1].warning:  # allowed, with a warning (elsewhere.py); no "allow"
        context = {"hookEventName": "PreToolUse", "additionalContext": judged[1].warning}
        out: dict[str, Any] = {"hookSpecificOutput": context}
        if layer == "claude":  # Codex's PreToolUse takes additionalContext, nothing more
            out["systemMessage"] = judged[1].warning
        print(json.dumps(out, ensure_ascii=False))
    return 0


def _claude_deny(reason: str) -> dict[str, Any]:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }


def _identity(event: dict[str, Any]) -> str | None:
    """A claim/release/consult (shell or MCP) that names another agent than the acting one."""
    from workspace_guard.gates.harness import coord

    tool = event.get("tool_name")
    tool_input = event.get("tool_input")
    if not isinstance(tool, str):
        return None
    own = coord.mcp_tool(tool, event_cwd(event)) if tool.startswith("mcp_") else None
    is_mcp = own is not None
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if not is_mcp and not (tool in ("Bash", "PowerShell") and isinstance(command, str)):
        return None
    if is_mcp and own not in coord.ACTING_TOOLS:
        return None
    if not is_mcp:
        from workspace_guard.gates.harness.command_size import oversize

        if oversize(str(command)) or not any(v in str(command) for v in coord.ACTING_TOOLS):
            return None  # a command over the size limit is refused anyway, unread
    agent = event_agent(event) or os.environ.get("WORKSPACE_AGENT", "").strip()
    if not agent:
        from workspace_guard.errors import GuardError

        cwd = event_cwd(event)
        try:
            agent = acting_agent(Call(None, tool, cwd), event_repo(cwd).decider())
        except (GateError, GuardError):
            agent = ""
    if is_mcp:
        return coord.mcp_identity_problem(tool, tool_input, agent or "(no agent)", event_cwd(event))
    return coord.shell_identity_problem(str(command), agent) if agent else None


def _session_start(event: dict[str, Any]) -> int:
    """The fast part of `doctor`: tell the agent and the person when a layer is off."""
    from workspace_guard.errors import GitError
    from workspace_guard.gates.harness.coord import session_report

    try:
        repo = event_repo(event_cwd(event))
    except GitError:
        return 0
    if repo.info.root is None:
        return 0
    text = session_report(repo)
    if text:
        out = {
            "hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text},
            "systemMessage": text,
        }
        print(json.dumps(out, ensure_ascii=False))
    return 0


def _no(field: str, tool: str | None = None) -> str:
    """The refusal of an event that lacks `field` (of a `tool` call, when known)."""
    from workspace_guard.i18n import _

    if tool is None:
        return _("the event has no {field}").format(field=field)
    return _("the {tool} event has no {field}").format(tool=tool, field=field)


def claude_call(event: dict[str, Any], layer: str) -> Call | None:
    """The tool call in a Claude-format event, or None for tools that do not write files."""
    tool = event.get("tool_name")
    if not isinstance(tool, str):
        raise GateError(_no("tool_name"))
    tool_input = event.get("tool_input")
    cwd = event_cwd(event)
    agent = event_agent(event)
    if tool in FILE_TOOLS:
        if not isinstance(tool_input, dict):
            raise GateError(_no("tool_input", tool))
        key = FILE_TOOLS[tool]
        path = tool_input.get(key) or tool_input.get("file_path")
        return Call(
            agent, tool, cwd, paths=(string_field(path, f"tool_input.{key}"),), source=layer
        )
    if tool in ("Bash", "PowerShell"):
        if not isinstance(tool_input, dict):
            raise GateError(_no("tool_input", tool))
        command = string_field(tool_input.get("command"), "tool_input.command")
        if tool == "PowerShell":  # judged as PowerShell, restated as Bash (powershell.py)
            from workspace_guard.gates.harness.powershell import to_bash

            command = to_bash(command)
        if layer == "codex":  # Codex's exec_command has a `workdir` (not in its payload today)
            cwd, command = in_workdir(command, tool_input, ("workdir", "cwd"), cwd)
        return Call(agent, tool, cwd, command=command, paths=_heredoc_patch(command), source=layer)
    if tool == "apply_patch":
        if not isinstance(tool_input, dict):
            raise GateError(_no("tool_input", "apply_patch"))
        patch = string_field(
            tool_input.get("command") or tool_input.get("patch") or tool_input.get("input"),
            "tool_input.command",
        )
        from workspace_guard.gates.harness.patch_text import patch_paths

        return Call(agent, tool, cwd, paths=tuple(patch_paths(patch)), source=layer)
    if tool == "write_stdin" and layer == "codex":  # typed into a session exec_command opened
        # (`bash`, `python3` with a tty): shell input like a command (ATTACK F26); none: a poll
        chars = tool_input.get("chars") if isinstance(tool_input, dict) else None
        if chars in (None, ""):
            return None
        command = string_field(chars, "tool_input.chars")
        return Call(agent, "Bash", cwd, command=command, source=layer)
    from workspace_guard.gates.harness.spawn import message_target, spawned_type

    target = message_target(tool, tool_input, layer)
    if target is not None:  # talking to a running subagent is acting through it (spawn.py)
        return Call(agent, tool, cwd, source=layer, messages=target)
    kind = spawned_type(tool, tool_input, layer)
    if kind is not None:  # starting a subagent is acting as it (spawn.py)
        return Call(agent, tool, cwd, source=layer, spawns=kind)
    from workspace_guard.gates.harness.mcp_tools import is_mcp

    if is_mcp(tool, layer):  # `mcp__server__tool`, or a bare name that is no tool of Claude's
        return mcp_call(agent, tool, cwd, tool_input, layer)
    return None


def _heredoc_patch(command: str) -> tuple[str, ...]:
    """The files of an `apply_patch <<'EOF' … EOF` given as a shell command (Codex runs it as
    its own apply_patch; `cd DIR && apply_patch …` too)."""
    if "apply_patch" not in command and "applypatch" not in command:
        return ()
    from workspace_guard.gates.harness.patch_text import patch_paths

    return tuple(patch_paths(command))


def _subagent_start(event: dict[str, Any]) -> int:
    from workspace_guard.gates.harness.briefing import briefing

    agent = event_agent(event)
    cwd = event_cwd(event)
    if agent is None:
        return 0
    from workspace_guard.errors import GitError

    try:
        repo = event_repo(cwd)
    except GitError:
        return 0
    from workspace_guard.gates.harness.spawn import remember_agent

    remember_agent(repo.state_dir, event.get("agent_id"), agent)  # for later messages (F65)
    text = briefing(repo, agent)
    print(
        json.dumps(
            {"hookSpecificOutput": {"hookEventName": "SubagentStart", "additionalContext": text}},
            ensure_ascii=False,
        )
    )
    return 0


# --- Codex CLI (Claude's wire format) ------------------------------------------------------------


def codex(data: bytes) -> int:
    """`hook codex`: Claude's format; `apply_patch` carries its paths in the patch text."""
    return claude(data, layer="codex")


ADAPTERS: dict[str, Callable[[bytes], int]] = {
    "claude": claude,
    "codex": codex,
    "gemini": gemini,
    "cursor": cursor,
    "cline": cline,
}

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
"""

from __future__ import annotations

import json
import os

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

    from workspace_guard.gates.harness.gate import Verdict
    from workspace_guard.repo import Repo


def _repo(cwd: str) -> Repo:
    from workspace_guard.repo import Repo

    return Repo.discover(cwd)


def _cwd(event: dict[str, Any], roots_key: str | None = None) -> str:
    """The event's working directory (or its first workspace root), else ours."""
    cwd = event.get("cwd")
    if isinstance(cwd, str) and cwd:
        return cwd
    roots = event.get(roots_key) if roots_key else None
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return os.getcwd()


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _agent(event: dict[str, Any]) -> str | None:
    value = event.get("agent_type")
    return value if isinstance(value, str) and value else None


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise GateError(f"{what} is missing or not a string")
    return value


def _after(call: Call | None, event: dict[str, Any]) -> int:
    """The after-tool event of any harness: record the call's writes in the ledger."""
    if call is None:
        return 0
    from workspace_guard.gates.harness.after import after_tool

    return after_tool(call, event)


def _judge(call: Call, layer: str) -> tuple[Repo, Verdict] | None:
    """The verdict of every repository the call reaches (`discover.py`: found from the paths
    written, not the cwd); None when it reaches none."""
    from workspace_guard.gates.harness.discover import judge

    return judge(call, layer)


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
        return _after(claude_call(event, layer), event)
    if name not in ("PreToolUse", None):
        return 0
    refused = _identity(event)
    if refused:
        print(json.dumps(_claude_deny(refused), ensure_ascii=False))
        return 0
    call = claude_call(event, layer)
    if call is None:
        return 0
    judged = _judge(call, layer)
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
    is_mcp = coord.mcp_tool(tool) is not None
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if not is_mcp and not (tool in ("Bash", "PowerShell") and isinstance(command, str)):
        return None
    if is_mcp and coord.mcp_tool(tool) not in coord.ACTING_TOOLS:
        return None
    if not is_mcp:
        from workspace_guard.gates.harness.command_size import oversize

        if oversize(str(command)) or not any(v in str(command) for v in coord.ACTING_TOOLS):
            return None  # a command over the size limit is refused anyway, unread
    agent = _agent(event) or os.environ.get("WORKSPACE_AGENT", "").strip()
    if not agent:
        from workspace_guard.errors import GuardError

        cwd = _cwd(event)
        try:
            agent = acting_agent(Call(None, tool, cwd), _repo(cwd).decider())
        except (GateError, GuardError):
            agent = ""
    if is_mcp:
        return coord.mcp_identity_problem(tool, tool_input, agent or "(no agent)")
    return coord.shell_identity_problem(str(command), agent) if agent else None


def _session_start(event: dict[str, Any]) -> int:
    """The fast part of `doctor`: tell the agent and the person when a layer is off."""
    from workspace_guard.errors import GitError
    from workspace_guard.gates.harness.coord import session_report

    try:
        repo = _repo(_cwd(event))
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


def claude_call(event: dict[str, Any], layer: str) -> Call | None:
    """The tool call in a Claude-format event, or None for tools that do not write files."""
    tool = event.get("tool_name")
    if not isinstance(tool, str):
        raise GateError("the event has no tool_name")
    tool_input = event.get("tool_input")
    cwd = _cwd(event)
    agent = _agent(event)
    if tool in FILE_TOOLS:
        if not isinstance(tool_input, dict):
            raise GateError(f"the {tool} event has no tool_input")
        key = FILE_TOOLS[tool]
        path = tool_input.get(key) or tool_input.get("file_path")
        return Call(agent, tool, cwd, paths=(_str(path, f"tool_input.{key}"),), source=layer)
    if tool in ("Bash", "PowerShell"):
        if not isinstance(tool_input, dict):
            raise GateError(f"the {tool} event has no tool_input")
        command = _str(tool_input.get("command"), "tool_input.command")
        if layer == "codex":  # Codex's exec_command has a `workdir` (not in its payload today)
            cwd, command = _in_workdir(command, tool_input, ("workdir", "cwd"), cwd)
        return Call(agent, tool, cwd, command=command, paths=_heredoc_patch(command), source=layer)
    if tool == "apply_patch":
        if not isinstance(tool_input, dict):
            raise GateError("the apply_patch event has no tool_input")
        patch = _str(
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
        command = _str(chars, "tool_input.chars")
        return Call(agent, "Bash", cwd, command=command, source=layer)
    from workspace_guard.gates.harness.spawn import spawned_type

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


def _in_workdir(
    command: str, args: dict[str, Any], keys: tuple[str, ...], cwd: str
) -> tuple[str, str]:
    """(cwd, command) for a shell tool run in its own working-directory argument (`workdir.py`):
    Gemini's `dir_path`/`directory`, relative to the project root."""
    from workspace_guard.gates.harness.workdir import command_in, directories

    dirs = [d for key in keys for d in directories(args.get(key), cwd, f"tool_input.{key}")]
    return command_in(command, list(dict.fromkeys(dirs)), cwd)


def mcp_call(agent: str | None, tool: str, cwd: str, args: Any, layer: str) -> Call | None:
    """An MCP tool call (any harness): its paths, its shell command, or an unknown tool's
    path-like arguments (`mcp_tools.py`); None when the tool only reads."""
    from workspace_guard.gates.harness.mcp_tools import classify

    found = classify(tool, args, cwd)
    if found is None:
        return None
    if found.command is not None:
        return Call(agent, tool, cwd, command=found.command, source=layer)
    return Call(agent, tool, cwd, paths=found.paths, source=layer, mcp_unknown=found.unknown)


def _subagent_start(event: dict[str, Any]) -> int:
    from workspace_guard.gates.harness.briefing import briefing

    agent = _agent(event)
    cwd = _cwd(event)
    if agent is None:
        return 0
    from workspace_guard.errors import GitError

    try:
        repo = _repo(cwd)
    except GitError:
        return 0
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


# --- Gemini CLI -----------------------------------------------------------------------------------

GEMINI_FILE_TOOLS = {"write_file": "file_path", "replace": "file_path", "edit": "file_path"}


def gemini(data: bytes) -> int:
    """`hook gemini`: BeforeTool; a denial is `{"decision": "deny", "reason": …}`."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name not in ("BeforeTool", "AfterTool", None):
        return 0
    tool = event.get("tool_name")
    args = _obj(event.get("tool_input"))
    cwd = _cwd(event)
    agent = _agent(event)
    from workspace_guard.gates.harness.mcp_tools import is_mcp

    if tool in GEMINI_FILE_TOOLS:
        call = Call(
            agent,
            str(tool),
            cwd,
            paths=(_str(args.get("file_path") or args.get("path"), "tool_input.file_path"),),
            source="gemini",
        )
    elif isinstance(tool, str) and is_mcp(tool, "gemini"):  # a bare name too
        found = mcp_call(agent, tool, cwd, args, "gemini")
        if found is None:
            return 0
        call = found
    elif tool == "run_shell_command":
        command = _str(args.get("command"), "tool_input.command")
        where, command = _in_workdir(command, args, ("dir_path", "directory"), cwd)
        call = Call(agent, str(tool), where, command=command, source="gemini")
    else:
        return 0
    if name == "AfterTool":
        return _after(call, event)
    judged = _judge(call, "gemini")
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


# --- Cursor --------------------------------------------------------------------------------

CURSOR_FILE_TOOLS = ("Write", "Edit", "StrReplace", "Delete", "MultiEdit")


def cursor(data: bytes) -> int:
    """`hook cursor`: preToolUse; a denial is `{"permission": "deny", …}`."""
    event = load_event(data)
    name = event.get("hook_event_name")
    if name in ("afterFileEdit", "afterShellExecution"):
        return _after(_cursor_after(event), event)
    if name not in ("preToolUse", "postToolUse", None):
        return 0
    tool = event.get("tool_name")
    args = _obj(event.get("tool_input"))
    cwd = _cwd(event, "workspace_roots")
    agent = _agent(event)
    if tool in CURSOR_FILE_TOOLS:
        path = args.get("file_path") or args.get("path") or event.get("file_path")
        call = Call(
            agent, str(tool), cwd, paths=(_str(path, "tool_input.file_path"),), source="cursor"
        )
    elif tool == "Shell":
        call = Call(
            agent,
            str(tool),
            cwd,
            command=_str(args.get("command"), "tool_input.command"),
            source="cursor",
        )
    else:
        return 0
    if name == "postToolUse":  # the ledger is kept by afterFileEdit / afterShellExecution
        return _cursor_warning(call)
    judged = _judge(call, "cursor")
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


# --- Cline ---------------------------------------------------------------------------------


def _cursor_after(event: dict[str, Any]) -> Call | None:
    """Cursor's `afterFileEdit` (`file_path`) and `afterShellExecution` (`command`)."""
    cwd = _cwd(event, "workspace_roots")
    agent = _agent(event)
    if event.get("hook_event_name") == "afterFileEdit":
        path = _str(event.get("file_path"), "file_path")
        return Call(agent, "Edit", cwd, paths=(path,), source="cursor")
    command = _str(event.get("command"), "command")
    return Call(agent, "Shell", cwd, command=command, source="cursor")


CLINE_FILE_TOOLS = ("write_to_file", "replace_in_file", "apply_diff", "insert_content")


def cline(data: bytes) -> int:
    """`hook cline`: PreToolUse; a denial is `{"cancel": true, "errorMessage": …}`."""
    event = load_event(data)
    after = isinstance(event.get("postToolUse"), dict)
    body = event.get("postToolUse") if after else event.get("preToolUse")
    if not isinstance(body, dict):
        return 0
    tool = body.get("toolName")
    params = _obj(body.get("parameters"))
    cwd = _cwd(event, "workspaceRoots")
    agent = os.environ.get("WORKSPACE_AGENT") or None
    if tool in CLINE_FILE_TOOLS:
        call = Call(
            agent,
            str(tool),
            cwd,
            paths=(_str(params.get("path"), "parameters.path"),),
            source="cline",
        )
    elif tool == "execute_command":
        call = Call(
            agent,
            str(tool),
            cwd,
            command=_str(params.get("command"), "parameters.command"),
            source="cline",
        )
    else:
        print(json.dumps({"cancel": False}))
        return 0
    if after:
        code = _after(call, event)
        print(json.dumps({"cancel": False}))
        return code
    judged = _judge(call, "cline")
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


ADAPTERS: dict[str, Callable[[bytes], int]] = {
    "claude": claude,
    "codex": codex,
    "gemini": gemini,
    "cursor": cursor,
    "cline": cline,
}

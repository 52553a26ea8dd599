"""Our MCP server's `claim`/`release`/`consult`, however each harness spells an MCP call, and the
claim/release identity check in every harness.

Claude Code and Codex name the call `mcp__<server>__<tool>`; Gemini CLI 0.61.0
`mcp_<server>_<tool>` with `mcp_context` (the server's name, its tool and the command that starts
it: read from the CLI's bundle, `coreToolHookTriggers.ts`); Cursor `MCP:<server>__<tool>` in
`preToolUse` and `beforeMCPExecution` with the server's `command`; Cline `use_mcp_tool` with
`server_name`. In each shape the gate recognises our server, leaves the `authorise` record for
the agent that asked, and a real `workspace-guard mcp` (the SDK's client over stdio) spends it;
naming another agent is refused in each harness's own answer. Real hook processes."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BIN, run_cli
from helpers.harness import claude_event, cline_denied, hook
from helpers.provenance import ledger

A = "backend-framework-ai"
B = "api-architect-ai"
OWNER = "system-architect-ai"
FREE = "app/models/order.py"
SERVER = str(BIN / "workspace-guard")


def _claude(layer: str, tool: str) -> Callable[[Path, dict[str, Any], str], str | None]:
    def ask(ws: Path, args: dict[str, Any], agent: str) -> str | None:
        proc = hook(ws, layer, claude_event(ws, tool, args, agent))
        assert proc.returncode == 0, proc.stderr
        if not proc.stdout.strip():
            return None
        out = json.loads(proc.stdout)["hookSpecificOutput"]
        return str(out["permissionDecisionReason"]) if "permissionDecision" in out else None

    return ask


def _gemini(tool: str, context: dict[str, Any] | None = None) -> Callable[..., str | None]:
    def ask(ws: Path, args: dict[str, Any], agent: str) -> str | None:
        event: dict[str, Any] = {
            "session_id": "s",
            "transcript_path": "/tmp/t.json",
            "cwd": str(ws),
            "hook_event_name": "BeforeTool",
            "timestamp": "2026-12-07T15:00:00.000Z",
            "tool_name": tool,
            "tool_input": args,
        }
        if context is not None:
            event["mcp_context"] = context
        proc = hook(ws, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": agent})
        assert proc.returncode == 0, proc.stderr
        if not proc.stdout.strip():
            return None
        answer = json.loads(proc.stdout)
        return str(answer["reason"]) if answer.get("decision") == "deny" else None

    return ask


def _cursor(event: dict[str, Any], as_text: bool = False) -> Callable[..., str | None]:
    def ask(ws: Path, args: dict[str, Any], agent: str) -> str | None:
        data = {"conversation_id": "c", "workspace_roots": [str(ws)], **event}
        data["tool_input"] = json.dumps(args) if as_text else args
        proc = hook(ws, "cursor", json.dumps(data).encode(), env={"WORKSPACE_AGENT": agent})
        assert proc.returncode == 0, proc.stderr
        if not proc.stdout.strip():
            return None
        answer = json.loads(proc.stdout)
        return str(answer["agent_message"]) if answer.get("permission") == "deny" else None

    return ask


def _cline(server: str, tool: str) -> Callable[..., str | None]:
    def ask(ws: Path, args: dict[str, Any], agent: str) -> str | None:
        params = {"server_name": server, "tool_name": tool, "arguments": json.dumps(args)}
        return cline_denied(ws, "use_mcp_tool", params, agent)

    return ask


def shapes(verb: str) -> dict[str, Callable[..., str | None]]:
    """Each harness's spelling of a call to our server's `verb`."""
    started = {"command": SERVER, "args": ["mcp"]}
    return {
        "claude": _claude("claude", f"mcp__workspace-guard__{verb}"),
        "claude-underscore-alias": _claude("claude", f"mcp__workspace_guard__{verb}"),
        "codex": _claude("codex", f"mcp__workspace-guard__{verb}"),
        "gemini": _gemini(f"mcp_workspace-guard_{verb}"),
        "gemini-context": _gemini(
            f"mcp_workspace-guard_{verb}", {"server_name": "workspace-guard", "tool_name": verb}
        ),
        "gemini-any-name": _gemini(
            f"mcp_crew_{verb}", {"server_name": "crew", "tool_name": verb, **started}
        ),
        "cursor-preToolUse": _cursor(
            {"hook_event_name": "preToolUse", "tool_name": f"MCP:workspace-guard__{verb}"}
        ),
        "cursor-beforeMCPExecution": _cursor(
            {
                "hook_event_name": "beforeMCPExecution",
                "tool_name": verb,
                "command": SERVER + " mcp",
            },
            as_text=True,
        ),
        "cline": _cline("workspace-guard", verb),
    }


def server_call(ws: Path, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One call of a real `workspace-guard mcp` through the SDK's client over stdio."""
    pytest.importorskip("mcp")
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=SERVER, args=["mcp"], cwd=str(ws), env=dict(os.environ))

    async def main() -> dict[str, Any]:
        async with Client(params) as client:
            result = await client.call_tool(tool, arguments)
            data: dict[str, Any] = result.structured_content
            return data

    return asyncio.run(main())


def holders(ws: Path) -> list[str]:
    return [str(c["agent"]) for c in json.loads(run_cli(ws, "claims", "--format", "json").stdout)]


def authorised(ws: Path) -> list[tuple[object, object]]:
    return [(r["agent"], r["command"]) for r in ledger(ws) if r["kind"] == "authorise"]


@pytest.mark.parametrize("shape", list(shapes("claim")))
def test_each_spelling_of_our_claim_is_authorised_and_spent(workspace: Path, shape: str) -> None:
    pytest.importorskip("mcp")
    args = {"agent": A, "paths": [FREE]}
    assert shapes("claim")[shape](workspace, args, A) is None
    assert authorised(workspace) == [(A, f"workspace-guard claim {FREE} --ttl 30m --agent {A}")]
    made = server_call(workspace, "claim", args)
    assert made["ok"] is True, made
    assert holders(workspace) == [A]
    spoken = [r for r in ledger(workspace) if r["kind"] == "spoken"]
    assert [(r["agent"], r["tool"]) for r in spoken] == [(A, "claim")]
    release = {"agent": A, "paths": [FREE]}
    assert shapes("release")[shape](workspace, release, A) is None
    assert server_call(workspace, "release", release)["ok"] is True
    assert holders(workspace) == []


@pytest.mark.parametrize("shape", list(shapes("claim")))
@pytest.mark.parametrize("verb", ["claim", "release", "consult"])
def test_each_spelling_naming_another_agent_is_refused(
    workspace: Path, shape: str, verb: str
) -> None:
    reason = shapes(verb)[shape](workspace, {"agent": OWNER, "paths": ["README.md"]}, A)
    assert reason is not None and f"you are {A}" in reason and OWNER in reason, reason
    assert authorised(workspace) == []


def test_a_server_of_another_command_under_another_name_is_not_ours(workspace: Path) -> None:
    """`mcp_crew_claim` of a server started by another program: judged as an unknown MCP tool
    (its paths as writes), never as our claim; no authorisation is left for the server."""
    context = {"server_name": "crew", "tool_name": "claim", "command": "npx", "args": ["crew"]}
    ask = _gemini("mcp_crew_claim", context)
    reason = ask(workspace, {"agent": A, "paths": ["app/main.py"]}, A)
    assert reason is not None and f"{A} may not change app/main.py" in reason, reason
    assert authorised(workspace) == []


def test_our_consult_over_mcp_through_gemini(workspace: Path) -> None:
    """Filing a consultation speaks for the asker (commands/speaker): the gate's record for the
    agent that asked is spent by the consultation itself; a second filing is refused."""
    pytest.importorskip("mcp")
    args = {"agent": A, "paths": ["app/main.py"], "reason": "a route"}
    assert _gemini("mcp_workspace-guard_consult")(workspace, args, A) is None
    filed = server_call(workspace, "consult", args)
    assert filed["ok"] is True and OWNER in filed["consultations"][0], filed
    [consultation] = [r for r in ledger(workspace) if r["kind"] == "consultation"]
    [authorise] = [r for r in ledger(workspace) if r["kind"] == "authorise"]
    assert consultation["authorised"] == authorise["seq"] and consultation["via"] == "harness"
    again = server_call(workspace, "consult", args)
    assert again["ok"] is False and again["exit_code"] == 1, again
    assert f"nothing shows {A} is speaking" in again["error"]


NAMING_THE_OWNER = [
    f"export WORKSPACE_AGENT={OWNER}; workspace-guard release --all",
    f"WORKSPACE_AGENT={OWNER}; export WORKSPACE_AGENT; workspace-guard claim README.md",
    f"bash -c 'workspace-guard release --all --agent {OWNER}' && true",
    f"workspace-guard consult app/main.py --agent {OWNER} | cat > /dev/null",
]


def _shell(harness: str) -> Callable[[Path, str, str], str | None]:
    def ask(ws: Path, command: str, agent: str) -> str | None:
        if harness == "cline":
            return cline_denied(ws, "execute_command", {"command": command}, agent)
        if harness == "cursor":
            event = {"hook_event_name": "preToolUse", "tool_name": "Shell"}
            return _cursor(event)(ws, {"command": command}, agent)
        return _gemini("run_shell_command")(ws, {"command": command}, agent)

    return ask


@pytest.mark.parametrize("harness", ["cursor", "cline", "gemini"])
@pytest.mark.parametrize("command", NAMING_THE_OWNER)
def test_shell_commands_naming_another_agent_are_refused(
    workspace: Path, harness: str, command: str
) -> None:
    reason = _shell(harness)(workspace, command, A)
    assert reason is not None and f"you are {A}" in reason, (harness, command, reason)


@pytest.mark.parametrize("harness", ["cursor", "cline", "gemini"])
def test_shell_commands_for_oneself_are_allowed(workspace: Path, harness: str) -> None:
    for command in (
        f"export WORKSPACE_AGENT={A}; workspace-guard release --all",
        f"workspace-guard claim {FREE} --agent {A}",
        f"workspace-guard consult app/main.py --agent {A}",
    ):
        assert _shell(harness)(workspace, command, A) is None, (harness, command)

"""The MCP server driven by the official SDK's client over stdio: a real `workspace-guard mcp`
process, a real MCP session, the answers compared with the command line's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BIN, run_cli

pytest.importorskip("mcp")

from mcp import Client
from mcp.client.stdio import StdioServerParameters

A = "backend-framework-ai"
B = "api-architect-ai"
FREE = "app/models/order.py"


def session(
    ws: Path,
    body: Callable[[Any], Awaitable[Any]],
    *,
    command: str | None = None,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Any:
    """Start the server as a harness would (a child process on stdio) and run `body`."""
    params = StdioServerParameters(
        command=command or str(BIN / "workspace-guard"),
        args=args if args is not None else ["mcp"],
        cwd=str(ws),
        env={**os.environ, **(env or {})},
    )

    async def main() -> Any:
        async with Client(params) as client:
            return await body(client)

    return asyncio.run(main())


def through_the_gate(ws: Path, tool: str, arguments: dict[str, Any]) -> None:
    """The harness's PreToolUse for this MCP call by the agent it names (a real hook process):
    allowed, it leaves the `authorise` record `claim`/`release` look for (commands/speaker)."""
    from helpers.harness import claude_event, denied, hook

    event = claude_event(ws, f"mcp__workspace-guard__{tool}", arguments, arguments.get("agent"))
    assert denied(hook(ws, "claude", event)) is None


async def call(
    client: Any, tool: str, arguments: dict[str, Any], ws: Path | None = None
) -> dict[str, Any]:
    """The tool's answer; with `ws`, a `claim`/`release`/`consult` goes through the harness
    gate first."""
    if ws is not None and tool in ("claim", "release", "consult"):
        through_the_gate(ws, tool, arguments)
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result
    data: dict[str, Any] = result.structured_content
    return data


def test_tools_and_resources_are_listed(workspace: Path) -> None:
    async def body(client: Any) -> tuple[list[str], list[str]]:
        tools = await client.list_tools()
        resources = await client.list_resources()
        return [t.name for t in tools.tools], [str(r.uri) for r in resources.resources]

    tools, resources = session(workspace, body)
    assert set(tools) >= {"validate", "explain", "claim", "release", "claims", "consult"}
    assert "briefing" in tools
    assert set(resources) == {"workspace-guard://rules", "workspace-guard://claims"}


def test_validate_answers_like_the_validator(workspace: Path) -> None:
    paths = ["app/main.py", FREE, ".workspace/departments/backend/backend-framework-ai/x.md"]

    async def body(client: Any) -> dict[str, Any]:
        return await call(client, "validate", {"agent": A, "paths": paths})

    over_mcp = session(workspace, body)
    cli = run_cli(workspace, "validate", A, *paths, "--format", "json")
    assert over_mcp == json.loads(cli.stdout)
    assert [r["reason"] for r in over_mcp["results"]] == ["protected", "unprotected", "office"]


def test_an_agent_asks_before_it_writes_and_claims(workspace: Path) -> None:
    async def body(client: Any) -> list[dict[str, Any]]:
        first = await call(client, "validate", {"agent": A, "paths": [FREE]})
        made = await call(
            client, "claim", {"agent": A, "paths": [FREE], "note": "orders"}, workspace
        )
        other = await call(client, "validate", {"agent": B, "paths": [FREE]})
        clash = await call(client, "claim", {"agent": B, "paths": [FREE]}, workspace)
        listed = await call(client, "claims", {})
        explained = await call(client, "explain", {"paths": [FREE]})
        resource = await client.read_resource("workspace-guard://claims")
        released = await call(client, "release", {"agent": A, "paths": [FREE]}, workspace)
        after = await call(client, "validate", {"agent": B, "paths": [FREE]})
        text = json.loads(resource.contents[0].text)
        return [first, made, other, clash, listed, explained, text, released, after]

    first, made, other, clash, listed, explained, text, released, after = session(workspace, body)
    assert first["allowed"] is True
    assert made["ok"] is True and made["claims"][0]["agent"] == A
    assert other["results"][0]["reason"] == "claimed" and other["results"][0]["claimed_by"] == A
    assert clash["ok"] is False and clash["exit_code"] == 1 and A in clash["error"]
    assert [c["agent"] for c in listed["claims"]] == [A]
    assert explained["results"][0]["claims"][0]["agent"] == A
    assert text["claims"][0]["pattern"] == "/" + FREE
    assert released["ok"] is True and after["allowed"] is True


def test_bad_input_comes_back_as_errors_with_exit_codes(workspace: Path) -> None:
    async def body(client: Any) -> list[dict[str, Any]]:
        return [
            await call(client, "validate", {"agent": "nobody-ai", "paths": [FREE]}),
            await call(client, "validate", {"agent": A, "paths": ["/etc/passwd"]}),
            await call(client, "validate", {"agent": A, "paths": []}),
            await call(client, "claim", {"agent": A, "paths": [FREE], "ttl": "0"}, workspace),
            await call(client, "claim", {"agent": A, "paths": ["app/*.none"]}, workspace),
            await call(client, "release", {"agent": A, "paths": []}, workspace),
        ]

    for answer in session(workspace, body):
        assert answer["ok"] is False and answer["exit_code"] == 2, answer
        assert answer["error"]


def test_consult_briefing_and_rules(workspace: Path) -> None:
    async def body(client: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
        consulted = await call(
            client,
            "consult",
            {"agent": A, "paths": ["app/main.py"], "reason": "new route"},
            workspace,
        )
        briefed = await call(client, "briefing", {"agent": A})
        rules = await client.read_resource("workspace-guard://rules")
        return consulted, briefed, rules.contents[0].text

    consulted, briefed, rules = session(workspace, body)
    assert consulted["ok"] is True and "system-architect-ai" in consulted["consultations"][0]
    listed = run_cli(workspace, "consultations", "--format", "json")
    assert json.loads(listed.stdout)[0]["path"] == "app/main.py"
    assert A in briefed["briefing"] and "agent_workspace_validator" in briefed["briefing"]
    assert rules == (workspace / ".workspace/rules.yaml").read_text()


def test_install_claude_registers_a_server_that_starts(workspace: Path) -> None:
    config = workspace / ".mcp.json"
    config.write_text(json.dumps({"mcpServers": {"other": {"command": "true"}}}))
    assert run_cli(workspace, "install", "--claude").returncode == 0
    servers = json.loads(config.read_text())["mcpServers"]
    assert "other" in servers and "workspace-guard" in servers
    ours = servers["workspace-guard"]
    assert run_cli(workspace, "install", "--claude").returncode == 0  # idempotent
    assert json.loads(config.read_text())["mcpServers"] == servers

    async def body(client: Any) -> dict[str, Any]:
        return await call(client, "validate", {"agent": A, "paths": ["app/main.py"]})

    # the registered command, run as Claude Code runs it (no workspace-guard on PATH)
    env = {"PATH": "/usr/bin:/bin"}
    answer = session(workspace, body, command=ours["command"], args=ours["args"], env=env)
    assert answer["results"][0]["reason"] == "protected"
    assert run_cli(workspace, "uninstall", "--claude").returncode == 0
    assert json.loads(config.read_text())["mcpServers"] == {"other": {"command": "true"}}


def test_server_refuses_to_start_on_unusable_rules(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    proc = run_cli(tmp_path / "r", "mcp", input=b"")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_a_script_speaking_mcp_cannot_release_or_claim_for_another_agent(workspace: Path) -> None:
    """ATTACK F19b over MCP: code the gate does not see (a script that starts its own
    `workspace-guard mcp` and calls `release` naming the owner) is refused and audited; the same
    call the gate saw the owner make works, once."""
    owner = "system-architect-ai"
    tool_args = {"agent": owner, "paths": ["README.md"]}

    async def forged(client: Any) -> list[dict[str, Any]]:
        return [
            await call(client, "claim", tool_args),
            await call(client, "release", {**tool_args, "paths": [], "everything": True}),
        ]

    claim_forged, release_forged = session(workspace, forged)
    for answer in (claim_forged, release_forged):
        assert answer["ok"] is False and answer["exit_code"] == 1, answer
        assert f"nothing shows {owner} is speaking" in answer["error"]
    assert json.loads(run_cli(workspace, "claims", "--format", "json").stdout) == []
    log = workspace / ".git/workspace-guard/audit.jsonl"
    denied = [json.loads(x) for x in log.read_text().splitlines() if '"identity"' in x]
    assert [r["claimed_by"] for r in denied] == [owner, owner]

    async def gated(client: Any) -> list[dict[str, Any]]:
        made = await call(client, "claim", tool_args, workspace)
        again = await call(client, "release", tool_args)  # not seen by the gate
        return [made, again]

    made, again = session(workspace, gated)
    assert made["ok"] is True and made["claims"][0]["agent"] == owner
    assert again["ok"] is False and again["exit_code"] == 1
    held = json.loads(run_cli(workspace, "claims", "--format", "json").stdout)
    assert [c["agent"] for c in held] == [owner]


def test_the_gate_judges_an_mcp_claim_as_the_command_it_stands_for(workspace: Path) -> None:
    """A claim never writes: a claim of a protected path is allowed to a non-owner (others'
    writes are what it holds off), and naming another agent is refused."""
    from helpers.harness import claude_event, denied, hook

    def pre(agent: str, arguments: dict[str, Any]) -> str | None:
        event = claude_event(workspace, "mcp__workspace-guard__claim", arguments, agent)
        return denied(hook(workspace, "claude", event))

    assert pre(A, {"agent": A, "paths": ["app/main.py"]}) is None
    reason = pre(A, {"agent": B, "paths": [FREE]})
    assert reason is not None and B in reason

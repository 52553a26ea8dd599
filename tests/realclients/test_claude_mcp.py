"""MCP through the real Claude Code: the server `install --claude` registers in .mcp.json answers
the model's `mcp__workspace-guard__validate`, and another MCP server's write tool is gated."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import make_workspace

from realclients.clients import run_claude, write_claude_agent
from realclients.conftest import FS_SERVER, isolated, require, wg
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import Session

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
DENIAL = "workspace-guard (workspace protocol)"


@pytest.fixture(scope="module")
def mcp_session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    require("claude")
    tmp = tmp_path_factory.mktemp("claude-mcp")
    with isolated(tmp) as home:
        repo = make_workspace(tmp / "ws")
        wg(repo, "install", "--claude")
        write_claude_agent(repo, OTHER)
        config = json.loads((repo / ".mcp.json").read_text())
        config["mcpServers"]["fs"] = {
            "type": "stdio",
            "command": sys.executable,
            "args": [str(FS_SERVER)],
        }
        (repo / ".mcp.json").write_text(json.dumps(config, indent=2))
        # the person approved the project's MCP servers (what the first interactive run asks)
        cli_home = home / "cli"
        (cli_home / ".claude").mkdir(parents=True)
        (cli_home / ".claude/settings.json").write_text(
            json.dumps({"enableAllProjectMcpServers": True})
        )
        calls = {
            "validate": Call(
                "mcp__workspace-guard__validate", {"agent": OTHER, "paths": ["app/main.py"]}
            ),
            "spawn": Call("Agent", {"description": "d", "prompt": "p", "subagent_type": OTHER}),
            "fs_protected": Call(
                "mcp__fs__write_file", {"path": str(repo / "app/main.py"), "content": "HACKED\n"}
            ),
            "fs_office": Call(
                "mcp__fs__write_file", {"path": str(repo / OFFICE / "mcp.md"), "content": "ok\n"}
            ),
        }
        script = Script(
            {
                "main": [[calls["validate"]], [calls["spawn"]]],
                OTHER: [[calls["fs_protected"]], [calls["fs_office"]]],
            }
        )
        with FakeModel(script) as model:
            # Claude Code's defaults: it waits MCP_CONNECT_TIMEOUT_MS (5 s) for each server's
            # tools, then goes on without them; workspace-guard's must be listed within that
            run = run_claude(repo, model.url, cli_home)
        return Session(repo, model, calls, run)


def test_model_offered_both_servers_tools(mcp_session: Session) -> None:
    assert mcp_session.run.returncode == 0, mcp_session.run.stderr[-2000:]
    tools = {t["name"] for t in mcp_session.model.bodies("main")[0]["tools"]}
    assert {"mcp__workspace-guard__validate", "mcp__fs__write_file"} <= tools, sorted(tools)


def test_validate_answers_the_contract_json(mcp_session: Session) -> None:
    text, is_error = mcp_session.model.result(mcp_session.calls["validate"].id)
    assert not is_error, text
    answer = json.loads(text)
    [verdict] = answer.get("results", [answer])
    assert verdict["allowed"] is False and verdict["reason"] == "protected", answer
    assert "system-architect-ai" in text


def test_mcp_write_tool_blocked_for_a_protected_file(mcp_session: Session) -> None:
    text, is_error = mcp_session.model.result(mcp_session.calls["fs_protected"].id)
    assert is_error and text.startswith(DENIAL), text
    assert f"{OTHER} may not change app/main.py" in text
    assert "HACKED" not in (mcp_session.repo / "app/main.py").read_text()


def test_mcp_write_tool_allowed_in_the_office(mcp_session: Session) -> None:
    text, is_error = mcp_session.model.result(mcp_session.calls["fs_office"].id)
    assert not is_error and "wrote" in text, text
    assert (mcp_session.repo / OFFICE / "mcp.md").read_text() == "ok\n"

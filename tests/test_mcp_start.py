"""`workspace-guard mcp` starts fast: the prelude answers `initialize` and the listings from
`mcp_table` while the SDK loads, and those answers are exactly the SDK's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import BIN

pytest.importorskip("mcp")

from workspace_guard.commands import mcp_table

A = "backend-framework-ai"


def exchange(ws: Path, messages: list[dict[str, Any]], *, prelude: bool) -> list[dict[str, Any]]:
    """Send raw JSON-RPC lines to a real server process; the answers, in order."""
    env = {**os.environ, "WORKSPACE_GUARD_MCP_PRELUDE": "1" if prelude else "0"}
    proc = subprocess.Popen(
        [str(BIN / "workspace-guard"), "mcp"],
        cwd=ws,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    answers = []
    for message in messages:
        proc.stdin.write(json.dumps(message).encode() + b"\n")
        proc.stdin.flush()
        if "id" in message:
            answers.append(json.loads(proc.stdout.readline()))
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    rest = proc.stdout.read()
    assert rest == b"", rest  # nothing more: the replayed initialize's answer was dropped
    return answers


def handshake(version: str, client: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    client = {"name": "t", "version": "1"} if client is None else client
    params = {"protocolVersion": version, "capabilities": {}, "clientInfo": client}
    return [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": "p", "method": "prompts/list"},
        {"jsonrpc": "2.0", "id": "r", "method": "resources/list", "params": {"_meta": {}}},
        {"jsonrpc": "2.0", "id": "t", "method": "resources/templates/list"},
        {"jsonrpc": "2.0", "id": "v", "method": "tools/call", "params": {
            "name": "validate", "arguments": {"agent": A, "paths": ["app/main.py"]}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        {"jsonrpc": "2.0", "id": 3, "method": "ping"},
    ]  # fmt: skip


@pytest.mark.parametrize("version", [*mcp_table.HANDSHAKE_VERSIONS, "2099-01-01"])
def test_prelude_answers_exactly_as_the_sdk(workspace: Path, version: str) -> None:
    fast = exchange(workspace, handshake(version), prelude=True)
    sdk = exchange(workspace, handshake(version), prelude=False)
    assert fast == sdk
    assert [a["id"] for a in fast] == [0, 1, "p", "r", "t", "v", 2, 3]
    assert fast[1]["result"]["tools"] == mcp_table.tools()
    assert fast[5]["result"]["structuredContent"]["results"][0]["reason"] == "protected"


@pytest.mark.parametrize("client", [{"name": "t"}, {"name": 1, "version": "1"}, []])
def test_an_initialize_the_sdk_refuses_is_refused_by_the_sdk(workspace: Path, client: Any) -> None:
    messages = handshake("2025-06-18", client)[:1]
    fast = exchange(workspace, messages, prelude=True)
    assert fast == exchange(workspace, messages, prelude=False)
    assert fast[0]["error"]["code"] == -32602


def test_table_versions_are_the_sdks_handshake_versions() -> None:
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

    assert set(mcp_table.HANDSHAKE_VERSIONS) <= set(HANDSHAKE_PROTOCOL_VERSIONS)


def test_requests_before_the_handshake_ends_go_to_the_sdk(workspace: Path) -> None:
    """A ping (or anything but tools/list) between initialize and initialized is the SDK's."""
    messages = handshake("2025-06-18")
    messages.insert(1, {"jsonrpc": "2.0", "id": "early", "method": "ping"})
    fast = exchange(workspace, messages, prelude=True)
    assert fast == exchange(workspace, messages, prelude=False)
    assert fast[1] == {"jsonrpc": "2.0", "id": "early", "result": {}}


def test_a_garbage_first_line_goes_to_the_sdk(workspace: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "workspace-guard"), "mcp"],
        cwd=workspace,
        input=b"not json\n",
        check=False,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr.decode()


def test_the_prelude_answers_without_loading_the_sdk(tmp_path: Path) -> None:
    """The handshake costs the standard library only: no mcp, pydantic or anyio imported."""
    script = """
import io, json, sys
from workspace_guard.commands import mcp_prelude
init = {"jsonrpc": "2.0", "id": 7, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}
lines = [init, {"jsonrpc": "2.0", "method": "notifications/initialized"},
         {"jsonrpc": "2.0", "id": 8, "method": "tools/list"},
         {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {}}]
wire_in = io.BytesIO(b"".join(json.dumps(m).encode() + b"\\n" for m in lines))
wire_out = io.BytesIO()
replay = mcp_prelude.answer_handshake(wire_in, wire_out)
heavy = sorted({"mcp", "mcp_types", "pydantic", "anyio"} & set(sys.modules))
answers = [json.loads(x) for x in wire_out.getvalue().splitlines()]
print(json.dumps({"heavy": heavy, "ids": [a["id"] for a in answers],
                  "replay": [json.loads(x).get("id") for x in replay]}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["heavy"] == []
    assert out["ids"] == [7, 8]
    assert out["replay"] == ["workspace-guard-prelude-initialize", None, 9]

"""MCP through the real Codex CLI. Codex 0.171 offers no MCP tool up front: the model calls
`tool_search` (a `tool_search_call` item), gets the server's tools back as a namespace
(`mcp__<server>` holding `write_file`, …) and then calls one with `namespace: "mcp__fs"`. The
PreToolUse event names the call `mcp__<server>__<tool>` with the arguments as `tool_input`
(Claude's form), so the installed `mcp__.*` matcher sends it to the gate: known write tools are
decided by their paths, unknown ones by `harness: mcp_unknown`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace

from realclients.clients import run_codex
from realclients.conftest import FS_SERVER, gate_reason, isolated, require, wg
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import Session, codex_spawn, codex_wait

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
# Codex words an MCP call's block differently from a command's: "Tool call blocked by PreToolUse
# hook: <reason>. Tool: mcp__<server>__<tool>"
BLOCKED = "Tool call blocked by PreToolUse hook: "
DENIAL = BLOCKED + "workspace-guard (workspace protocol): "
SERVER = f'[mcp_servers.fs]\ncommand = "{sys.executable}"\nargs = ["{FS_SERVER}"]\n'


def _fs(tool: str, **args: str) -> Call:
    return Call(tool, args, "mcp__fs")  # what the model calls once tool_search found it


def _session(tmp: Path, home: Path, rules: str | None, calls: dict[str, Call]) -> Session:
    repo = make_workspace(tmp / "ws", rules)
    wg(repo, "install", "--harness", "codex")
    original = (repo / "app/main.py").read_text()
    spawn = codex_spawn(OTHER)
    search = Call("tool_search", {"query": "write file save note", "limit": 8}, search=True)
    calls = {"search": search, **calls}
    script = Script({"main": [[spawn], codex_wait(spawn)], OTHER: [[c] for c in calls.values()]})
    with FakeModel(script) as model:
        run = run_codex(repo, model.url, home, agents=(OTHER,), extra_config=SERVER)
    return Session(repo, model, calls, run, original)


@pytest.fixture(scope="module")
def mcp(tmp_path_factory: pytest.TempPathFactory) -> Session:
    require("codex")
    tmp = tmp_path_factory.mktemp("codex-mcp")
    with isolated(tmp) as home:
        repo = tmp / "ws"
        calls = {
            "write": _fs("write_file", path=str(repo / "app/main.py"), content="HACKED\n"),
            "write_office": _fs("write_file", path=str(repo / OFFICE / "mcp.md"), content="ok\n"),
            "note": _fs("save_note", where=str(repo / "app/core/config.py"), text="HACKED\n"),
            "note_office": _fs("save_note", where=str(repo / OFFICE / "note.md"), text="n\n"),
        }
        return _session(tmp, home / "cli", None, calls)


def test_session_ran_the_subagent(mcp: Session) -> None:
    assert mcp.run.returncode == 0, mcp.run.stderr[-2000:]
    assert {"main", OTHER} <= mcp.model.conversations()


def test_tool_search_offers_the_server_tools_as_a_namespace(mcp: Session) -> None:
    found = json.loads(mcp.result("search"))
    [space] = [t for t in found if t.get("name") == "mcp__fs"]
    assert space["type"] == "namespace"
    assert {t["name"] for t in space["tools"]} == {"write_file", "save_note"}


def test_mcp_write_to_a_protected_file_blocked_with_the_full_reason(mcp: Session) -> None:
    text = mcp.result("write")
    assert text.startswith(DENIAL), text
    assert f"{OTHER} may not change app/main.py" in text and OWNER in text, text
    assert (mcp.repo / "app/main.py").read_text() == mcp.original
    # what the model got is the gate's answer to the event Codex sends (`mcp__fs__write_file`)
    event = {
        "hook_event_name": "PreToolUse",
        "tool_name": "mcp__fs__write_file",
        "tool_input": mcp.calls["write"].input,
        "agent_id": "a1",
        "agent_type": OTHER,
    }
    reason = gate_reason(mcp.repo, "codex", event)
    assert text == f"{BLOCKED}{reason}. Tool: mcp__fs__write_file", text


def test_unknown_mcp_tool_decided_by_its_path_arguments(mcp: Session) -> None:
    """`harness: mcp_unknown: paths` (the default): `save_note`'s `where` is decided as a write."""
    text = mcp.result("note")
    assert text.startswith(DENIAL) and f"{OTHER} may not change app/core/config.py" in text, text
    assert "HACKED" not in (mcp.repo / "app/core/config.py").read_text()


def test_mcp_writes_in_the_office_allowed(mcp: Session) -> None:
    assert "wrote" in mcp.result("write_office") and DENIAL not in mcp.result("write_office")
    assert "saved" in mcp.result("note_office") and DENIAL not in mcp.result("note_office")
    assert (mcp.repo / OFFICE / "mcp.md").read_text() == "ok\n"
    assert (mcp.repo / OFFICE / "note.md").read_text() == "n\n"


def test_mcp_writes_recorded_in_the_provenance_ledger(mcp: Session) -> None:
    """The PostToolUse matcher covers `mcp__.*`: the bytes an MCP tool wrote are the agent's."""
    out = wg(mcp.repo, "provenance", f"{OFFICE}/mcp.md", f"{OFFICE}/note.md", "--format", "json")
    text = out.stdout
    assert text.count(OTHER) >= 2 and "mcp__fs__write_file" in text, text
    assert "mcp__fs__save_note" in text, text


def test_mcp_unknown_deny_blocks_an_unknown_tool_even_in_the_office(tmp_path: Path) -> None:
    require("codex")
    rules = EXAMPLE_RULES.read_text() + "  mcp_unknown: deny\n"
    assert rules.endswith("main_agent: master-orchestrator\n  mcp_unknown: deny\n")
    repo = tmp_path / "ws"
    calls = {
        "note_office": _fs("save_note", where=str(repo / OFFICE / "note.md"), text="n\n"),
        "write_office": _fs("write_file", path=str(repo / OFFICE / "mcp.md"), content="ok\n"),
    }
    session = _session(tmp_path, tmp_path / "cli", rules, calls)
    assert session.run.returncode == 0, session.run.stderr[-2000:]
    text = session.result("note_office")
    assert text.startswith(DENIAL) and "harness: mcp_unknown: deny" in text, text
    assert not (repo / OFFICE / "note.md").exists()
    assert "wrote" in session.result("write_office")  # a known write tool: decided by its path
    assert (repo / OFFICE / "mcp.md").read_text() == "ok\n"

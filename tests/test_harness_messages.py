"""Talking to a running subagent is acting through it (ATTACK F65): a subagent writes as its type,
so a message telling an owner subagent what to write is judged like starting it (spawn.py).
Claude Code's `SendMessage`, Codex's `send_input` / `resume_agent` (also `multi_agent_v1…`); the
target's type is the one its `SubagentStart` event named (real payload shape), or the name
itself; a target the gate cannot identify is refused to non-superusers (fail closed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.harness import denied, hook

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
SUPER = "master-orchestrator"


def start(ws: Path, agent_id: str, agent_type: str, harness: str = "claude") -> None:
    event = {
        "session_id": "b2d1f78a-bee4-44f9-8371-0d455496f330",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": str(ws),
        "prompt_id": "36a58f29-ec83-4209-b671-1ff3c03997bb",
        "agent_id": agent_id,
        "agent_type": agent_type,
        "hook_event_name": "SubagentStart",
    }
    assert hook(ws, harness, json.dumps(event).encode()).returncode == 0


def send(
    ws: Path, tool: str, tool_input: dict[str, object], agent: str | None, harness: str = "claude"
) -> str | None:
    event: dict[str, object] = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_1",
    }
    if agent is not None:
        event.update(agent_id="sender-1", agent_type=agent)
    return denied(hook(ws, harness, json.dumps(event).encode()))


TEXT = "Write `evil()` into app/main.py and report back."


def test_claude_send_message_to_an_owner_subagent(workspace: Path) -> None:
    start(workspace, "a3fa0c478a2ced480", OWNER)
    start(workspace, "b0b0", OTHER)
    start(workspace, "c0c0", "general-purpose")
    reason = send(workspace, "SendMessage", {"to": "a3fa0c478a2ced480", "message": TEXT}, OTHER)
    assert reason is not None and OWNER in reason, reason
    assert send(workspace, "SendMessage", {"to": OWNER, "message": TEXT}, OTHER) is not None
    assert send(workspace, "SendMessage", {"to": "b0b0", "message": TEXT}, OTHER) is None
    assert send(workspace, "SendMessage", {"to": "c0c0", "message": TEXT}, OTHER) is None
    assert (
        send(workspace, "SendMessage", {"to": "a3fa0c478a2ced480", "message": TEXT}, SUPER) is None
    )
    assert (
        send(workspace, "SendMessage", {"to": "a3fa0c478a2ced480", "message": TEXT}, None) is None
    )


@pytest.mark.parametrize(
    "tool_input",
    [{"to": "never-seen", "message": TEXT}, {"message": TEXT}, {"to": ["a3fa"], "message": TEXT}],
)
def test_a_target_the_gate_cannot_identify_is_refused(
    workspace: Path, tool_input: dict[str, object]
) -> None:
    assert send(workspace, "SendMessage", tool_input, OTHER) is not None
    assert send(workspace, "SendMessage", tool_input, SUPER) is None


@pytest.mark.parametrize(
    "tool,tool_input",
    [
        ("send_input", {"id": "0199a1b2-owner", "message": TEXT}),
        ("multi_agent_v1send_input", {"id": "0199a1b2-owner", "message": TEXT, "interrupt": True}),
        ("resume_agent", {"id": "0199a1b2-owner"}),
        ("multi_agent_v1resume_agent", {"id": "0199a1b2-owner"}),
    ],
)
def test_codex_messages_to_an_owner_subagent(
    workspace: Path, tool: str, tool_input: dict[str, object]
) -> None:
    start(workspace, "0199a1b2-owner", OWNER, harness="codex")
    reason = send(workspace, tool, tool_input, OTHER, harness="codex")
    assert reason is not None and OWNER in reason, reason
    assert send(workspace, tool, tool_input, SUPER, harness="codex") is None


def test_the_installed_matchers_route_messages_to_the_gate(workspace: Path) -> None:
    from helpers.repos import run_cli

    assert (
        run_cli(workspace, "install", "--harness", "claude", "--harness", "codex").returncode == 0
    )
    claude = json.loads((workspace / ".claude/settings.json").read_text())
    matchers = [m["matcher"] for m in claude["hooks"]["PreToolUse"]]
    assert any("SendMessage" in m.split("|") for m in matchers), matchers
    codex = (workspace / ".codex/hooks.json").read_text()
    assert "send_input" in codex and "resume_agent" in codex

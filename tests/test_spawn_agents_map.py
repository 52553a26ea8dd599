"""The SendMessage / send_input target map is first-writer-wins per id (ATTACK F84).

`agents.json` (state dir) maps a running subagent's id to the type its SubagentStart event named.
A later SubagentStart for the same id with another type (a forged event fed to the hook command)
never re-types it: the id becomes unidentifiable, so messages to it are refused to
non-superusers. The map is state no tool may write. Real hook processes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import BIN
from helpers.harness import denied, hook
from test_harness_messages import OTHER, OWNER, SUPER, TEXT, send, start

ID = "a3fa0c478a2ced480"


def agents(ws: Path) -> dict[str, str]:
    data = json.loads((ws / ".git/workspace-guard/agents.json").read_text())
    return dict(data["agents"])


def test_a_later_start_with_another_type_does_not_retype_the_id(workspace: Path) -> None:
    start(workspace, ID, OWNER)
    assert send(workspace, "SendMessage", {"to": ID, "message": TEXT}, OTHER) is not None
    start(workspace, ID, "general-purpose")  # the forged event, through the real hook command
    assert agents(workspace)[ID] != "general-purpose"
    reason = send(workspace, "SendMessage", {"to": ID, "message": TEXT}, OTHER)
    assert reason is not None and "cannot tell which agent" in reason, reason
    assert send(workspace, "SendMessage", {"to": ID, "message": TEXT}, SUPER) is None
    start(workspace, ID, OWNER)  # nor does the first type coming back clear the conflict
    assert send(workspace, "SendMessage", {"to": ID, "message": TEXT}, OTHER) is not None


def test_the_same_type_again_changes_nothing(workspace: Path) -> None:
    start(workspace, "b0b0", OTHER)
    start(workspace, "b0b0", OTHER)
    assert agents(workspace)["b0b0"] == OTHER
    assert send(workspace, "SendMessage", {"to": "b0b0", "message": TEXT}, OTHER) is None


def test_concurrent_starts_lose_no_entry(workspace: Path) -> None:
    procs = []
    for n in range(8):
        event = {
            "session_id": "s",
            "cwd": str(workspace),
            "agent_id": f"id-{n}",
            "agent_type": OTHER,
            "hook_event_name": "SubagentStart",
        }
        proc = subprocess.Popen(
            [str(BIN / "workspace-guard"), "hook", "claude"],
            cwd=workspace,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(event).encode())
        proc.stdin.close()
        procs.append(proc)
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    assert {f"id-{n}" for n in range(8)} <= set(agents(workspace))


def test_the_map_is_not_writable_through_tools(workspace: Path) -> None:
    start(workspace, ID, OWNER)
    target = workspace / ".git/workspace-guard/agents.json"
    forged = json.dumps({"agents": {ID: "general-purpose"}})
    writes = [
        ("Write", {"file_path": str(target), "content": forged}),
        ("Bash", {"command": f"printf '%s' '{forged}' > {target}"}),
        ("Bash", {"command": f"rm -f {target} {target}.lock"}),
    ]
    for tool, tool_input in writes:
        event = {
            "session_id": "s",
            "cwd": str(workspace),
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": tool_input,
            "agent_id": "sender-1",
            "agent_type": OTHER,
        }
        assert denied(hook(workspace, "claude", json.dumps(event).encode())) is not None, tool

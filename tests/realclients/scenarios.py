"""Scenario pieces the real-client tests share: a scripted session's outcome, Codex's subagent
calls, and the calls a non-owner subagent makes against a protected file and in its office."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from realclients.clients import Run
from realclients.fake_model import Call, FakeModel

NS = "multi_agent_v1"  # Codex's namespace of spawn_agent / wait_agent


@dataclass
class Session:
    """One scripted CLI session: its repository, the fake model, the calls by label, the CLI's
    run, and app/main.py as it was before the session."""

    repo: Path
    model: FakeModel
    calls: dict[str, Call]
    run: Run
    original: str = ""

    def result(self, label: str) -> str:
        return self.model.result(self.calls[label].id)[0]


def codex_spawn(agent: str) -> Call:
    return Call("spawn_agent", {"agent_type": agent, "message": f"ROLE-MARKER: {agent} go"}, NS)


def codex_wait(spawn: Call) -> object:
    """The main thread's next turn: wait for the agent `spawn` started."""

    def turn(model: FakeModel) -> list[Call]:
        agent_id = json.loads(model.result(spawn.id)[0])["agent_id"]
        return [Call("wait_agent", {"targets": [agent_id], "timeout_ms": 60000}, NS)]

    return turn


def protected_calls(repo: Path, office: str) -> dict[str, Call]:
    """Claude Code calls of a non-owner: Edit, Write and `sed -i` of app/main.py (each must be
    blocked: none leaves "HACKED" behind), a Write and a Bash write in its office (allowed)."""
    main_py = str(repo / "app/main.py")
    return {
        "edit": Call(
            "Edit",
            {"file_path": main_py, "old_string": "app = FastAPI()", "new_string": "HACKED = 1"},
        ),
        "write": Call("Write", {"file_path": main_py, "content": "HACKED = 2\n"}),
        "sed": Call(
            "Bash", {"command": "sed -i s/FastAPI/HACKED/ app/main.py", "description": "s"}
        ),
        "office_write": Call(
            "Write", {"file_path": str(repo / office / "plan.md"), "content": "ok\n"}
        ),
        "office_bash": Call(
            "Bash", {"command": f"echo done > {office}/log.txt", "description": "o"}
        ),
    }

"""The real Claude Code with the hook server: every hook of the session is answered by the
resident `workspace-guard hook serve` through the launcher's client, with the gate's own
answers (denials word for word, allowed writes in the ledger), and no one-shot hook runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git, make_workspace

from realclients.clients import Run, run_claude, write_claude_agent
from realclients.conftest import gate_reason, isolated, require, wg, wg_bin, with_wg_on_path
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import protected_calls

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
DENIAL = "workspace-guard (workspace protocol)"


@dataclass
class Served:
    repo: Path
    model: FakeModel
    calls: dict[str, Call]
    run: Run
    one_shots: list[str]
    server_alive: bool

    def result(self, label: str) -> tuple[str, bool]:
        return self.model.result(self.calls[label].id)


def _wrapper(tmp: Path, log: Path) -> Path:
    """The recorded program: workspace-guard, logging every one-shot `hook` call it runs."""
    path = tmp / "wg-logged"
    path.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = hook ] && [ "$2" != serve ] && echo "$*" >> {log}\n'
        f'exec {wg_bin() / "workspace-guard"} "$@"\n'
    )
    path.chmod(0o755)
    return path


def _wait_socket(repo: Path) -> None:
    from workspace_guard.gates.harness.serve import socket_path

    sock = Path(socket_path(str(repo / ".git/workspace-guard")))
    deadline = time.monotonic() + 30
    while not sock.exists():
        assert time.monotonic() < deadline, "the hook server did not start"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Served:
    require("claude")
    tmp = tmp_path_factory.mktemp("claude-served")
    with isolated(tmp) as home:
        repo = make_workspace(tmp / "ws")
        wg(repo, "install", "--claude")
        write_claude_agent(repo, OTHER)
        git(repo, "add", "-A")
        git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
        log = tmp / "one-shots.log"
        program = _wrapper(tmp, log)
        (repo / ".git/workspace-guard/program").write_text(f"{program}\n")
        server = subprocess.Popen(
            [str(program), "hook", "serve", str(repo / ".git/workspace-guard"), "--idle", "300"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_socket(repo)
            main_py = str(repo / "app/main.py")
            calls = {
                "spawn": Call(
                    "Agent", {"description": "d", "prompt": "work", "subagent_type": OTHER}
                ),
                "main_bash": Call("Bash", {"command": "echo 1 > scratch.txt", "description": "m"}),
                "read": Call("Read", {"file_path": main_py}),
                **protected_calls(repo, OFFICE),
            }
            script = Script(
                {
                    "main": [[calls["main_bash"]], [calls["spawn"]]],
                    OTHER: [
                        [calls[name]]
                        for name in ("read", "edit", "write", "sed", "office_write", "office_bash")
                    ],
                }
            )
            with FakeModel(script) as model:
                env = {**with_wg_on_path(), "WORKSPACE_AGENT": "master-orchestrator"}
                run = run_claude(repo, model.url, home / "cli", env=env)
            alive = server.poll() is None
        finally:
            if server.poll() is None:
                os.kill(server.pid, signal.SIGTERM)
            server.wait(10)
        one_shots = log.read_text().splitlines() if log.exists() else []
        return Served(repo, model, calls, run, one_shots, alive)


def test_every_hook_was_served(session: Served) -> None:
    assert session.run.returncode == 0, session.run.stderr[-2000:]
    assert session.server_alive
    assert session.one_shots == []  # no call fell back to a one-shot hook


def test_denials_are_the_gates_answers(session: Served) -> None:
    event = {
        "hook_event_name": "PreToolUse",
        "cwd": str(session.repo),
        "tool_name": "Edit",
        "tool_input": session.calls["edit"].input,
        "agent_type": OTHER,
    }
    reason = gate_reason(session.repo, "claude", event)
    assert session.result("edit") == (reason, True)  # word for word
    write, is_error = session.result("write")
    assert is_error and write == reason  # the same rule, the same words
    sed, is_error = session.result("sed")  # the third denial escalates, served as well
    assert is_error and sed.startswith(f"{DENIAL}: STOP: {OTHER} was denied 3 times"), sed
    assert "HACKED" not in (session.repo / "app/main.py").read_text()


def test_allowed_writes_ran_and_are_in_the_ledger(session: Served) -> None:
    for label in ("main_bash", "office_write", "office_bash"):
        assert not session.result(label)[1], label
    assert (session.repo / OFFICE / "plan.md").read_text() == "ok\n"
    assert (session.repo / OFFICE / "log.txt").read_text() == "done\n"
    ledger = session.repo / ".git/workspace-guard/ledger.jsonl"
    recorded = {
        (item.get("agent"), item.get("path"))
        for item in map(json.loads, ledger.read_text().splitlines())
    }
    assert (OTHER, f"{OFFICE}/plan.md") in recorded
    assert (OTHER, f"{OFFICE}/log.txt") in recorded
    assert ("master-orchestrator", "scratch.txt") in recorded

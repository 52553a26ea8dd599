"""An `authorise` record is spent only from its own harness session, by the variables each real
client sets in its shell tool's environment (measured: tests/realclients/test_sessions.py).

Claude Code: `CLAUDE_CODE_SESSION_ID` is the hook's `session_id`. Codex: `CODEX_SESSION_ID` is
the `session_id`, `CODEX_THREAD_ID` the main thread's id (= `session_id`) or a subagent's
(= the hook's `agent_id`). A process with none of the record's harness's variables but another
harness's session variable is in that other session. Real hook and CLI processes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers.harness import harness_shell
from helpers.provenance import event, hook, ledger

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
MAIN = "app/main.py"
REFUSED = f"nothing shows {OWNER} is speaking"
SESSION = "019b0c55-6a2e-7a61-9d1e-4e1f2f0b7c11"
THREAD = "019b0c55-7f00-7c40-936f-39f07501bf7c"  # a Codex subagent's thread (its agent_id)
CLEARED = ("CLAUDE_CODE_SESSION_ID", "CLAUDE_SESSION_ID", "CODEX_SESSION_ID", "CODEX_THREAD_ID")


def _record(ws: Path, harness: str, agent_id: str | None, command: str) -> dict[str, object]:
    """The owner's call of `command` through `harness` (Claude-shaped event, as Codex's are)."""
    data = json.loads(event(ws, "PreToolUse", "Bash", {"command": command}, OWNER))
    data["session_id"] = SESSION
    if agent_id is None:
        data.pop("agent_id", None)
        data.pop("agent_type", None)
    else:
        data["agent_id"] = agent_id
    if harness == "gemini":  # its shape (notes/real-payloads/gemini)
        data.update(hook_event_name="BeforeTool", tool_name="run_shell_command")
    before = len(ledger(ws))
    pre = hook(ws, json.dumps(data).encode(), harness, env={"WORKSPACE_AGENT": OWNER})
    assert pre.returncode == 0, (pre.stdout, pre.stderr)
    [record] = [r for r in ledger(ws)[before:] if r["kind"] == "authorise"]
    assert record["session"] == SESSION and record["agent_id"] == agent_id, record
    return record


def _spend(ws: Path, command: str, **names: str) -> subprocess.CompletedProcess[str]:
    return harness_shell(ws, command, names, without=CLEARED)


def _approve(agent: str) -> str:
    return f"workspace-guard approve {agent} {MAIN} --by {OWNER}"


def test_claude_code_session_variable_binds(workspace: Path) -> None:
    command = _approve(OTHER)
    _record(workspace, "claude", None, command)
    other = _spend(workspace, command, CLAUDE_CODE_SESSION_ID="another-session")
    assert other.returncode == 1 and REFUSED in other.stderr
    codex = _spend(workspace, command, CODEX_SESSION_ID=SESSION, CODEX_THREAD_ID=SESSION)
    assert codex.returncode == 1 and REFUSED in codex.stderr  # a Codex shell is not this session
    same = _spend(workspace, command, CLAUDE_CODE_SESSION_ID=SESSION)
    assert same.returncode == 0, same.stderr


def test_codex_main_thread_record(workspace: Path) -> None:
    command = _approve(OTHER)
    _record(workspace, "codex", None, command)
    for names in (
        {"CODEX_SESSION_ID": "another-session", "CODEX_THREAD_ID": SESSION},
        {"CODEX_SESSION_ID": SESSION, "CODEX_THREAD_ID": THREAD},  # a subagent's shell
        {"CLAUDE_CODE_SESSION_ID": SESSION},  # a Claude Code shell
    ):
        refused = _spend(workspace, command, **names)
        assert refused.returncode == 1 and REFUSED in refused.stderr, names
    # a Codex started from a Claude Code shell: its own variables decide, the inherited one not
    same = _spend(
        workspace,
        command,
        CODEX_SESSION_ID=SESSION,
        CODEX_THREAD_ID=SESSION,
        CLAUDE_CODE_SESSION_ID="the-outer-claude-session",
    )
    assert same.returncode == 0, same.stderr


def test_codex_subagent_record_binds_to_its_thread(workspace: Path) -> None:
    command = _approve(OTHER)
    _record(workspace, "codex", THREAD, command)
    main = _spend(workspace, command, CODEX_SESSION_ID=SESSION, CODEX_THREAD_ID=SESSION)
    assert main.returncode == 1 and REFUSED in main.stderr  # the main thread is not the agent
    own = _spend(workspace, command, CODEX_SESSION_ID=SESSION, CODEX_THREAD_ID=THREAD)
    assert own.returncode == 0, own.stderr


def test_no_session_variable_is_not_checked(workspace: Path) -> None:
    """Gemini CLI sets none: the binding is then to the exact invocation only."""
    command = _approve(OTHER)
    _record(workspace, "gemini", None, command)
    plain = _spend(workspace, command)
    assert plain.returncode == 0, plain.stderr

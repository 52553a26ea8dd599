"""Harness hooks called as the harnesses call them: `workspace-guard hook NAME` in a real process
with the event on stdin, and the answer read back."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from helpers.repos import BIN, run_cli

OTHER = "backend-framework-ai"  # owns no protected file in the example rules


def claude_event(
    ws: Path,
    tool: str,
    tool_input: dict[str, object] | None,
    agent: str | None = OTHER,
    event: str = "PreToolUse",
) -> bytes:
    """A Claude Code event with fields beyond the ones the gate reads (they must not matter)."""
    data: dict[str, object] = {
        "session_id": "abc123",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": str(ws),
        "permission_mode": "auto",  # an enum value newer than some tools know: must be fine
        "effort": {"level": "high"},
        "hook_event_name": event,
        "tool_name": tool,
        "tool_use_id": "toolu_01",
        "some_future_field": [1, 2, 3],
    }
    if tool_input is not None:
        data["tool_input"] = tool_input
    if agent is not None:
        data["agent_id"] = "a1b2"
        data["agent_type"] = agent
    return json.dumps(data).encode()


def hook(
    ws: Path, name: str, payload: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`workspace-guard hook NAME` with `payload` on stdin; never a traceback."""
    proc = run_cli(ws, "hook", name, input=payload, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def denied(proc: subprocess.CompletedProcess[str]) -> str | None:
    """The deny reason of a Claude-format answer, or None when the call is allowed."""
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    answer = json.loads(proc.stdout)
    out = answer["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse"
    assert out["permissionDecision"] == "deny"
    return str(out["permissionDecisionReason"])


def pre_tool(
    ws: Path, tool: str, tool_input: dict[str, object], agent: str
) -> subprocess.CompletedProcess[str]:
    """`hook claude` on the smallest PreToolUse event that names the acting subagent."""
    payload = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "agent_id": "a1",
        "agent_type": agent,
    }
    return hook(ws, "claude", json.dumps(payload).encode())


def bash_denied(ws: Path, command: str, agent: str = OTHER) -> str | None:
    """Why the gate denies `agent` this Bash command, or None when it is allowed."""
    return denied(pre_tool(ws, "Bash", {"command": command}, agent))


def edit_denied(ws: Path, rel: str, agent: str = OTHER) -> str | None:
    """Why the gate denies `agent` an Edit of `rel`, or None when it is allowed."""
    return denied(pre_tool(ws, "Edit", {"file_path": str(ws / rel)}, agent))


def harness_shell(
    ws: Path,
    command: str,
    extra: Mapping[str, str] | None = None,
    *,
    without: Collection[str] = (),
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """`command` run by the shell as a harness's Bash tool runs it (CLAUDECODE=1 in the
    environment, no terminal on stdin), the console scripts on PATH; `extra` names more
    variables, `without` the ones of this test run's environment it must not inherit."""
    env = {k: v for k, v in os.environ.items() if k not in without}
    env.update({"CLAUDECODE": "1", "PATH": f"{BIN}:{os.environ['PATH']}", **(extra or {})})
    return subprocess.run(
        ["sh", "-c", command],
        cwd=ws,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
        timeout=timeout,
    )


def context(proc: subprocess.CompletedProcess[str]) -> str | None:
    """The warning a Claude answer carries (no decision: the harness's own prompt still runs)."""
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse" and "permissionDecision" not in out
    return str(out["additionalContext"])


def write_event(ws: Path, rel: str, tool: str = "Write", agent: str | None = OTHER) -> bytes:
    """A Claude Code event writing `rel` with a file tool."""
    return claude_event(ws, tool, {"file_path": str(ws / rel), "content": "x"}, agent=agent)


def bash_event(ws: Path, command: str) -> bytes:
    """A Claude Code Bash event (no subagent named)."""
    return claude_event(ws, "Bash", {"command": command, "description": "d"})


def tool_denied(
    ws: Path,
    tool: str,
    tool_input: dict[str, object],
    agent: str = OTHER,
    env: dict[str, str] | None = None,
) -> str | None:
    """Why the gate denies `agent` this call of `tool` (a whole Claude Code event, `env` added to
    the hook's environment), or None when it is allowed."""
    return denied(hook(ws, "claude", claude_event(ws, tool, tool_input, agent=agent), env=env))


def cline_denied(ws: Path, tool: str, params: dict[str, Any], agent: str = OTHER) -> str | None:
    """Why the gate cancels `agent`'s Cline call of `tool` (its PreToolUse hook), or None."""
    data = {
        "clineVersion": "3.40.0",
        "hookName": "PreToolUse",
        "taskId": "t",
        "workspaceRoots": [str(ws)],
        "preToolUse": {"toolName": tool, "parameters": params},
    }
    proc = hook(ws, "cline", json.dumps(data).encode(), env={"WORKSPACE_AGENT": agent})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    return str(answer["errorMessage"]) if answer["cancel"] else None


def ordinary_writes(ws: Path, home: Path, tmp_path: Path) -> list[str]:
    """Paths every agent may write whatever else a test refuses: a note in its office (OTHER's),
    a scratch file under the test's tmp folder, a note in the home folder."""
    office = ws / ".workspace/departments/backend" / OTHER
    return [str(office / "notes.md"), str(tmp_path / "scratch.txt"), str(home / "notes.txt")]

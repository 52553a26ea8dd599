"""The provenance ledger as the real harness writes it: events shaped like the captured Claude Code
ones (notes/real-payloads), a write made between its PreToolUse and PostToolUse calls, and the
ledger read back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers.harness import hook as harness_hook
from helpers.repos import git, run_cli


def event(
    ws: Path, name: str, tool: str, tool_input: dict[str, object], agent: str | None
) -> bytes:
    """A Claude Code event shaped like the captured real ones (notes/real-payloads)."""
    data: dict[str, object] = {
        "session_id": "b2d1f78a-bee4-44f9-8371-0d455496f330",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": str(ws),
        "prompt_id": "36a58f29",
        "permission_mode": "acceptEdits",
        "effort": {"level": "high"},
        "hook_event_name": name,
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_1bc8a6ce",
    }
    if agent is not None:
        data["agent_id"] = "a3fa0c478a2ced480"
        data["agent_type"] = agent
    if name == "PostToolUse":
        data["tool_response"] = {"filePath": tool_input.get("file_path")}
        data["duration_ms"] = 7
    return json.dumps(data).encode()


def hook(
    ws: Path, payload: bytes, harness: str = "claude", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`workspace-guard hook HARNESS` with `payload` on stdin (event first: the ledger tests'
    order)."""
    return harness_hook(ws, harness, payload, env)


def ledger(ws: Path) -> list[dict[str, object]]:
    path = ws / ".git/workspace-guard/ledger.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def blob_of(ws: Path, rel: str) -> str:
    return git(ws, "hash-object", rel).strip()


def edit(ws: Path, rel: str, text: str, agent: str | None) -> subprocess.CompletedProcess[str]:
    """Pre hook, the write itself (as the tool would), post hook."""
    tool_input = {"file_path": str(ws / rel), "old_string": "a", "new_string": "b"}
    pre = hook(ws, event(ws, "PreToolUse", "Edit", tool_input, agent))
    assert pre.returncode == 0 and not pre.stdout.strip(), pre.stdout
    (ws / rel).parent.mkdir(parents=True, exist_ok=True)
    (ws / rel).write_text(text)
    return hook(ws, event(ws, "PostToolUse", "Edit", tool_input, agent))


@pytest.fixture
def guarded(workspace: Path) -> Path:
    """The example workspace with the hooks installed and provenance required at commit."""
    assert run_cli(workspace, "install").returncode == 0
    git(workspace, "config", "workspace-guard.requireProvenance", "true")
    return workspace


def message(agent: str, files: str, protocol: str = "SEGUIDO", approved: str | None = None) -> str:
    text = (
        "feat(app): change\n\n"
        "Workspace-Check: ✅ Consultado\n"
        f"Archivo: {files}\n"
        f"Agente: {agent}\n"
        f"Protocolo: {protocol}\n"
        "Tests: PASSED\n"
    )
    return text + (f"Aprobado-por: {approved}\n" if approved else "")


def commit(ws: Path, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-F", "-"],
        cwd=ws,
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )


def note(ws: Path, rev: str = "HEAD") -> dict[str, object]:
    shown = git(ws, "notes", "--ref", "refs/notes/workspace-guard", "show", rev)
    data: dict[str, object] = json.loads(shown)
    return data

"""The harness's environment cannot choose the gate: `WORKSPACE_GUARD` is honoured only when it
names the program `install` recorded, PYTHON* variables are dropped, a bad WG_HOOK_TIMEOUT
blocks. Each variant runs the installed command as the harness does (a shell, the event on
stdin), on the fallback path (no hook server yet) and with the server's client."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, run_cli

OTHER = "backend-framework-ai"


def _event(ws: Path, path: str) -> bytes:
    body = {"hook_event_name": "PreToolUse", "tool_name": "Write", "agent_type": OTHER}
    body["tool_input"] = {"file_path": str(ws / path), "content": "x"}
    return json.dumps({**body, "cwd": str(ws), "session_id": "s"}).encode()


def _run(
    ws: Path, env: dict[str, str], path: str = "app/main.py"
) -> subprocess.CompletedProcess[bytes]:
    data = json.loads((ws / ".claude/settings.json").read_text())
    command = str(data["hooks"]["PreToolUse"][0]["hooks"][0]["command"])
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    base["PATH"] = "/usr/bin:/bin"
    return subprocess.run(
        ["sh", "-c", command],
        input=_event(ws, path),
        capture_output=True,
        cwd=ws,
        env={**base, "WORKSPACE_AGENT": OTHER, "CLAUDE_PROJECT_DIR": str(ws), **env},
        check=False,
    )


def _denied(proc: subprocess.CompletedProcess[bytes]) -> bool:
    """The gate's own deny (exit 2, or Claude's JSON deny) naming the owner."""
    out = proc.stdout + proc.stderr
    return (
        proc.returncode in (0, 2)
        and b"system-architect-ai" in out
        and (proc.returncode == 2 or b'"deny"' in proc.stdout)
    )


@pytest.fixture
def installed(workspace: Path) -> Path:
    assert run_cli(workspace, "install", "--harness", "claude").returncode == 0
    return workspace


@pytest.mark.parametrize("serve", ["0", "1"])
@pytest.mark.parametrize("fake", ["/bin/true", "/usr/bin/env", "missing"])
def test_a_program_named_in_the_environment_is_not_run(
    installed: Path, tmp_path: Path, serve: str, fake: str
) -> None:
    target = fake if fake != "missing" else str(tmp_path / "nowhere")
    proc = _run(installed, {"WORKSPACE_GUARD": target, "WG_HOOK_SERVE": serve}, "app/other.py")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert b"WORKSPACE_GUARD names" in proc.stderr


def test_a_copy_of_the_program_is_not_the_program(installed: Path, tmp_path: Path) -> None:
    copy = tmp_path / "workspace-guard"
    copy.write_bytes((BIN / "workspace-guard").read_bytes())
    copy.chmod(0o755)
    proc = _run(installed, {"WORKSPACE_GUARD": str(copy), "WG_HOOK_SERVE": "0"}, "app/other.py")
    assert proc.returncode == 2 and b"WORKSPACE_GUARD names" in proc.stderr


def test_the_recorded_program_by_another_name_is_accepted(installed: Path, tmp_path: Path) -> None:
    recorded = (installed / ".git/workspace-guard/program").read_text().strip()
    link = tmp_path / "wg-link"
    link.symlink_to(recorded)
    for value in (recorded, str(link)):
        env = {"WORKSPACE_GUARD": value, "WG_HOOK_SERVE": "0"}
        assert _run(installed, env, "app/other.py").returncode == 0
        assert _denied(_run(installed, env))


def test_python_variables_do_not_reach_the_gate(installed: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "sitecustomize.py").write_text("import os\nos._exit(0)\n")
    env = {"PYTHONPATH": str(evil), "PYTHONWARNINGS": "ignore::evil.X", "WG_HOOK_SERVE": "0"}
    assert _denied(_run(installed, env))


@pytest.mark.parametrize("limit", ["0", "abc", "-1", "1.5", "020"])
def test_a_bad_timeout_blocks(installed: Path, limit: str) -> None:
    proc = _run(installed, {"WG_HOOK_TIMEOUT": limit, "WG_HOOK_SERVE": "0"}, "app/other.py")
    assert proc.returncode == 2 and b"WG_HOOK_TIMEOUT" in proc.stderr

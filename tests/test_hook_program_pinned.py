"""The launcher runs the program recorded in the state dir (`<git common dir>/workspace-guard/
program`, writable by any process of the user) only when its SHA-256 is listed in the committed
`.workspace/bin/wg-hook-program.sums`: a `program` line naming another file, or the file
rewritten, blocks the call — served or not, whatever the harness. Real install, real launcher,
real git."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, run_cli
from serve_support import event, record_program, start_server, state_dir, stop_server

AGENT = "backend-framework-ai"
SUMS = ".workspace/bin/wg-hook-program.sums"


@pytest.fixture
def installed(workspace: Path) -> Path:
    assert run_cli(workspace, "install", "--harness", "claude").returncode == 0
    return workspace


def _command(ws: Path) -> str:
    settings = json.loads((ws / ".claude/settings.json").read_text())
    return str(settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"])


def _run(
    ws: Path, path: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    return subprocess.run(
        ["sh", "-c", _command(ws)],
        input=event(ws, "Write", {"file_path": str(ws / path), "content": "x"}),
        capture_output=True,
        cwd=ws,
        env={**base, "PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(ws),
             "WORKSPACE_AGENT": AGENT, "WG_HOOK_SERVE_IDLE": "30", **(env or {})},
        check=False,
    )  # fmt: skip


def _blocked(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    text = proc.stderr.decode()
    assert "fails closed" in text and "Traceback" not in text
    return text


def test_install_lists_the_program_it_records(installed: Path) -> None:
    program = (state_dir(installed) / "program").read_text().strip()
    digest = hashlib.sha256(Path(program).read_bytes()).hexdigest()
    assert (installed / SUMS).read_text().splitlines()[0] == digest
    again = run_cli(installed, "install", "--harness", "claude")
    assert again.returncode == 0 and "program's SHA-256" not in again.stdout
    assert (installed / SUMS).read_text().splitlines() == [digest]  # listed once
    proc = _run(installed, "app/main.py", {"WG_HOOK_SERVE": "0"})
    assert proc.returncode == 0 and b"system-architect-ai" in proc.stdout


@pytest.mark.parametrize("served", ["one-shot", "no-server-yet"])
@pytest.mark.parametrize("forgery", ["other-program", "rewritten-in-place", "list-missing"])
def test_an_unlisted_program_is_never_run(
    installed: Path, tmp_path: Path, forgery: str, served: str
) -> None:
    ran = tmp_path / "ran"
    evil = tmp_path / "allow-everything"
    evil.write_text(f"#!/bin/sh\ntouch {ran}\ncat >/dev/null\nexit 0\n")
    evil.chmod(0o755)
    if forgery == "other-program":
        (state_dir(installed) / "program").write_text(f"{evil}\n")
    elif forgery == "rewritten-in-place":
        copy = tmp_path / "workspace-guard"
        shutil.copy(BIN / "workspace-guard", copy)
        record_program(installed, copy)  # listed as it was …
        copy.write_text(evil.read_text())  # … then rewritten
    else:
        (installed / SUMS).unlink()
    env = {"WG_HOOK_SERVE": "0"} if served == "one-shot" else {}
    text = _blocked(_run(installed, "app/other.py", env))
    assert "is not one listed in" in text and "wg-hook-program.sums" in text
    assert not ran.exists()


def test_a_copy_of_the_listed_program_runs(installed: Path, tmp_path: Path) -> None:
    """Same bytes, another place: the same program (a moved virtualenv's script is another
    file: install lists it)."""
    copy = tmp_path / "workspace-guard"
    shutil.copy(BIN / "workspace-guard", copy)
    (state_dir(installed) / "program").write_text(f"{copy}\n")
    proc = _run(installed, "app/main.py", {"WG_HOOK_SERVE": "0"})
    assert proc.returncode == 0 and b"system-architect-ai" in proc.stdout, proc.stderr


def test_a_running_server_still_answers_after_the_list_changes(installed: Path) -> None:
    """The list guards what the launcher starts; a server started from a listed program keeps
    answering (its own checks watch the program file)."""
    server = start_server(installed, idle=30)
    try:
        (installed / SUMS).write_text("0" * 64 + "\n")
        proc = _run(installed, "app/main.py")
        assert proc.returncode == 0 and b"system-architect-ai" in proc.stdout, proc.stderr
    finally:
        stop_server(server)

"""The launcher runs the program recorded in the state dir (`<git common dir>/workspace-guard/
program`, writable by any process of the user) only as the state dir's `runtime` says (its Python
with `-I -S`, the folders of its code) and only when that file's SHA-256 is listed in the
committed `.workspace/bin/wg-hook-program.sums`: a `program` or `runtime` naming other files
blocks the call — served or not —, and `.pth`, sitecustomize or user-site code beside the
program's packages is never run. Real install, real launcher, real git."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import BIN, ROOT, run_cli
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


def _denied(proc: subprocess.CompletedProcess[bytes]) -> bool:
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    return b"system-architect-ai" in proc.stdout


def test_install_lists_the_runtime_it_writes(installed: Path) -> None:
    state = state_dir(installed)
    lines = (state / "runtime").read_text().splitlines()
    assert lines[0] == (state / "program").read_text().strip()
    assert lines[1] == os.path.realpath(sys.executable)
    assert str(ROOT) in lines[2:]  # an editable install: the checkout holds the package
    digest = hashlib.sha256((state / "runtime").read_bytes()).hexdigest()
    assert (installed / SUMS).read_text().splitlines()[0] == digest
    again = run_cli(installed, "install", "--harness", "claude")
    assert again.returncode == 0 and "program's SHA-256" not in again.stdout
    assert (installed / SUMS).read_text().splitlines() == [digest]  # listed once
    assert _denied(_run(installed, "app/main.py", {"WG_HOOK_SERVE": "0"}))
    assert not _denied(_run(installed, "app/other.py", {"WG_HOOK_SERVE": "0"}))


@pytest.mark.parametrize("served", ["one-shot", "no-server-yet"])
@pytest.mark.parametrize(
    "forgery", ["other-program", "other-python", "runtime-extended", "list-missing"]
)
def test_an_unlisted_program_is_never_run(
    installed: Path, tmp_path: Path, forgery: str, served: str
) -> None:
    ran = tmp_path / "ran"
    evil = tmp_path / "allow-everything"
    evil.write_text(f"#!/bin/sh\ntouch {ran}\ncat >/dev/null\nexit 0\n")
    evil.chmod(0o755)
    state = state_dir(installed)
    runtime = state / "runtime"
    lines = runtime.read_text().splitlines()
    if forgery == "other-program":
        (state / "program").write_text(f"{evil}\n")
    elif forgery == "other-python":
        runtime.write_text("".join(f"{x}\n" for x in [lines[0], str(evil), *lines[2:]]))
    elif forgery == "runtime-extended":
        runtime.write_text("".join(f"{x}\n" for x in [*lines, str(tmp_path)]))
    else:
        (installed / SUMS).unlink()
    env = {"WG_HOOK_SERVE": "0"} if served == "one-shot" else {}
    text = _blocked(_run(installed, "app/other.py", env))
    assert "it was not run" in text and str(state / "program") in text
    assert not ran.exists()


@pytest.mark.parametrize("planted", ["pth", "sitecustomize", "usercustomize"])
def test_code_planted_beside_the_packages_is_not_run(
    installed: Path, tmp_path: Path, planted: str
) -> None:
    """The F13 class: a `.pth`, `sitecustomize.py` or `usercustomize.py` in a folder the
    program's Python reads at start would run before the gate (and could exit 0 for every
    call). Run with -I -S, none is read: the gate decides."""
    site = tmp_path / "site-packages"
    site.mkdir()
    ran = tmp_path / "ran"
    code = f"import os; open({str(ran)!r}, 'w').close(); os._exit(0)\n"
    if planted == "pth":
        (site / "zz.pth").write_text(f"import os; open({str(ran)!r}, 'w').close(); os._exit(0)\n")
    else:
        (site / f"{planted}.py").write_text(code)
    paths = (
        sysconfig.get_paths()["purelib"],
        str(site),
        str(ROOT),
    )
    record_program(installed, BIN / "workspace-guard", os.path.realpath(sys.executable), paths)
    env = {"WG_HOOK_SERVE": "0", "HOME": str(tmp_path)}
    assert _denied(_run(installed, "app/main.py", env))
    assert not ran.exists()


def test_a_running_server_still_answers_after_the_list_changes(installed: Path) -> None:
    """The list guards what the launcher starts; a server started from a listed runtime keeps
    answering (its own checks watch the program and runtime files)."""
    server = start_server(installed, idle=30)
    try:
        (installed / SUMS).write_text("0" * 64 + "\n")
        assert _denied(_run(installed, "app/main.py"))
    finally:
        stop_server(server)

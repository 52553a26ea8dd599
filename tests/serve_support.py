"""Helpers for the hook-server tests: start a real server, run the real clients, build events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import BIN, ROOT
from helpers.harness import claude_event

RESOURCES = ROOT / "workspace_guard" / "resources" / "launcher"
PY_CLIENT = RESOURCES / "wg-hook-client.py"
C_SOURCE = RESOURCES / "wg-hook-client.c"


def state_dir(ws: Path) -> Path:
    return ws / ".git" / "workspace-guard"


def socket_of(ws: Path) -> Path:
    from workspace_guard.gates.harness.serve import socket_path

    return Path(socket_path(str(state_dir(ws))))


def start_server(ws: Path, idle: float = 120.0) -> subprocess.Popen[bytes]:
    """`workspace-guard hook serve STATE` in the background; returns once it listens."""
    state = state_dir(ws)
    state.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [str(BIN / "workspace-guard"), "hook", "serve", str(state), "--idle", str(idle)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_listening(ws, proc)
    return proc


def wait_listening(ws: Path, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    path = socket_of(ws)
    while time.monotonic() < deadline:
        if path.exists() and (state_dir(ws) / "serve" / "client").exists():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.02)
    raise AssertionError("the server did not listen within 30 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    if proc.stderr:
        proc.stderr.close()


def compiled_client(tmp: Path) -> Path:
    """The C client, compiled from the package's source (as `install` compiles it)."""
    out = tmp / "wg-hook-client"
    if not out.exists():
        subprocess.run(["cc", "-O2", "-o", str(out), str(C_SOURCE)], check=True)
    return out


def client_command(kind: str, tmp: Path) -> list[str]:
    if kind == "c":
        return [str(compiled_client(tmp))]
    return [sys.executable, "-I", "-S", str(PY_CLIENT)]


def served(
    command: list[str],
    ws: Path,
    harness: str,
    data: bytes,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: str = "20",
) -> subprocess.CompletedProcess[bytes]:
    """One call through a client (`command`): exit code, stdout and stderr as bytes."""
    return subprocess.run(
        [*command, harness, str(state_dir(ws)), timeout],
        input=data,
        cwd=cwd or ws,
        env={**os.environ, **(env or {})},
        capture_output=True,
        check=False,
    )


def one_shot(
    ws: Path,
    harness: str,
    data: bytes,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(BIN / "workspace-guard"), "hook", harness],
        input=data,
        cwd=cwd or ws,
        env={**os.environ, **(env or {})},
        capture_output=True,
        check=False,
    )


STRIPPED = ("ts", "hash", "prev", "seq", "until", "at", "time", "expires")


def records(ws: Path, name: str, *, lifecycle: bool = False) -> list[dict[str, object]]:
    """The audit log's or the ledger's records without their times and chain links (the hook
    server's own `started`/`stopped` records only with `lifecycle`)."""
    path = state_dir(ws) / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        item = json.loads(line)
        if item.get("layer") == "hook-serve" and not lifecycle:
            continue
        out.append({k: v for k, v in item.items() if k not in STRIPPED})
    return out


def event(
    ws: Path,
    tool: str,
    tool_input: dict[str, object] | None,
    agent: str | None = "backend-framework-ai",
    name: str = "PreToolUse",
    cwd: str | None = None,
) -> bytes:
    """The shared Claude Code event (`helpers.harness.claude_event`), its cwd replaced by `cwd`."""
    data = claude_event(ws, tool, tool_input, agent, event=name)
    if cwd is None:
        return data
    return json.dumps({**json.loads(data), "cwd": cwd}).encode()


FAKE_SERVER = r"""
import os, socket, sys, time
path, mode = sys.argv[3], sys.argv[4]
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
if os.path.lexists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX)
sock.bind(path)
os.chmod(path, 0o600)
sock.listen(8)
print("ready", flush=True)
while True:
    conn, _ = sock.accept()
    conn.sendall(b"WGHS1\n")
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    if mode == "hang":
        time.sleep(60)
    elif mode == "short":
        conn.sendall(b"WGAN\0\0\0\0\0\0\0\x10{\"hook")
    elif mode == "garbage":
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n{}")
    conn.close()
"""


def fake_server(ws: Path, mode: str) -> subprocess.Popen[bytes]:
    """A process that holds the server's socket and misbehaves (`hang`, `short`, `garbage`,
    `close`: answers nothing), named like a server so the client's peer check passes."""
    path = socket_of(ws)
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER, "hook", "serve", str(path), mode],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc

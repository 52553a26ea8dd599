"""Helpers for the hook-server tests: start a real server, run the real clients, build events."""

from __future__ import annotations

import contextlib
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
import os, signal, socket, sys, time
path, mode, marker = sys.argv[3], sys.argv[4], sys.argv[5]
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
if os.path.lexists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX)
sock.bind(path)
os.chmod(path, 0o600)
sock.listen(0 if mode == "full" else 8)
print("ready", flush=True)
if mode == "full":  # never accepts: the listen queue fills
    time.sleep(120)
held = []
while True:
    conn, _ = sock.accept()
    if mode == "drop":  # closed before any greeting
        conn.close()
        continue
    if mode == "mute":  # accepted, never greeted
        held.append(conn)
        continue
    conn.sendall(b"WGHS1\n")
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    with open(marker, "ab") as out:  # the request reached this server
        out.write(b"%d\n" % len(data))
    if mode == "hang":
        time.sleep(60)
    elif mode == "short":
        conn.sendall(b"WGAN\0\0\0\0\0\0\0\x10{\"hook")
    elif mode == "garbage":
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n{}")
    elif mode == "reserved":  # an exit code the clients keep for themselves
        conn.sendall(b"WGAN\0\0\0\x61\0\0\0\0\0\0\0\0")
    conn.close()
"""

AFTER_GREETING = ("hang", "short", "garbage", "close", "reserved")
BEFORE_GREETING = ("mute", "drop", "full", "stopped")


def fake_server(ws: Path, mode: str, marker: Path | None = None) -> subprocess.Popen[bytes]:
    """A process that holds the server's socket and misbehaves, named like a server so the
    client's peer check passes. After its greeting: `hang`, `short`, `garbage`, `close` (no
    answer), `reserved` (an exit code only clients use); each appends a line to `marker` once a
    request reached it. Before any greeting: `mute` (accepts, never greets), `drop` (accepts and
    closes), `full` (never accepts; its listen queue is filled here), `stopped` (SIGSTOPped)."""
    path = socket_of(ws)
    where = marker or ws.parent / f"fake-{mode}.marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER, "hook", "serve", str(path),
         "hang" if mode == "stopped" else mode, str(where)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    if mode == "stopped":
        os.kill(proc.pid, signal.SIGSTOP)
    if mode == "full":
        import socket

        for _ in range(4):  # fill the queue: a blocking connect() would now wait for ever
            filler = socket.socket(socket.AF_UNIX)
            filler.setblocking(False)
            try:
                filler.connect(str(path))
            except BlockingIOError:
                filler.close()
                break
            _FILLERS.append(filler)
    return proc


_FILLERS: list[object] = []


def stop_fake(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGCONT)
    proc.kill()
    proc.wait()
    if proc.stdout:
        proc.stdout.close()
    while _FILLERS:
        _FILLERS.pop().close()  # type: ignore[attr-defined]


def record_program(ws: Path, program: Path, python: str = "", paths: tuple[str, ...] = ()) -> None:
    """Record `program` for the launcher as `install` would: the state dir's `program` line, its
    `runtime` (the program, its Python — none: run as is —, the folders of its code) and the
    runtime's SHA-256 first in the committed `.workspace/bin/wg-hook-program.sums`."""
    import hashlib

    (state_dir(ws) / "program").write_text(f"{program}\n")
    runtime = state_dir(ws) / "runtime"
    runtime.write_text("".join(f"{line}\n" for line in [program, python, *paths]))
    sums = ws / ".workspace" / "bin" / "wg-hook-program.sums"
    digest = hashlib.sha256(runtime.read_bytes()).hexdigest()
    old = sums.read_text().splitlines() if sums.exists() else []
    sums.write_text("".join(f"{line}\n" for line in [digest, *old]))

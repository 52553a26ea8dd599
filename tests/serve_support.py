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
            proc.wait(WAIT)  # its stopped record is written first: a loaded machine is slow
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)
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
# sys.argv[6]: the server's lock (serve/serve.lock), taken by the test and held while this process
# lives, as a real server holds it: the launcher's servers (started when a call was not served)
# leave at once instead of replacing this socket with theirs
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
os.chmod(os.path.dirname(path), 0o700)  # as a server makes its socket's folder private
if os.path.lexists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX)
sock.bind(path)
os.chmod(path, 0o600)
sock.listen(0 if mode == "full" else 8)
print("ready", flush=True)
if mode == "full":  # never accepts: the listen queue fills
    time.sleep(120)


def note(line):
    with open(marker, "ab") as out:
        out.write(line)


held = []
while True:
    conn, _ = sock.accept()
    if mode == "drop":  # closed before any greeting
        conn.close()
        continue
    if mode == "mute":  # accepted, never greeted
        held.append(conn)
        continue
    note(b"greeting\n")  # before it is sent: a client greeted finds it written
    data = b""
    try:
        conn.sendall(b"WGHS1\n")
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:  # the client gave up before the greeting: nothing was sent to us
        pass
    note(b"%d\n" % len(data))  # > 0: the request reached this server
    if not data:
        conn.close()
        continue
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
WAIT = 30.0  # seconds for what must happen (a server to leave, a fake to note a request)


def is_server(pid: int, ws: Path) -> bool:
    """`pid` runs `… hook serve STATE …` for this workspace's state dir (not a fake, whose
    argument is the socket)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"serve" in cmdline and os.fsencode(state_dir(ws)) in cmdline


def servers(ws: Path) -> list[int]:
    """The pids of the real hook servers of this workspace, starting or running."""
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and is_server(int(e.name), ws)]  # fmt: skip


def gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped by its parent counts)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def wait_gone(pid: int, seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def stop_servers(ws: Path) -> None:
    """SIGTERM every real server of this workspace, and wait until each has left."""
    pids = servers(ws)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    stuck = [pid for pid in pids if not wait_gone(pid)]
    assert not stuck, f"hook servers {stuck} did not leave within {WAIT:.0f} s of SIGTERM"


def server_lock(ws: Path) -> int:
    """The server's lock (`serve/serve.lock`), taken: whoever held it (a real server, maybe one
    the launcher started for an earlier call) was stopped first and has left. The caller owns
    the descriptor; a process it is passed to holds the lock while it lives."""
    import fcntl

    folder = state_dir(ws) / "serve"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / "serve.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + WAIT
    signalled: set[int] = set()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            pass
        if time.monotonic() > deadline:
            os.close(fd)
            raise AssertionError(f"the hook server's lock was not released within {WAIT:.0f} s")
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            holder = int(json.loads(os.pread(fd, 256, 0))["pid"])
            if holder not in signalled and is_server(holder, ws):  # not a reused pid
                signalled.add(holder)
                os.kill(holder, signal.SIGTERM)  # once: a second one would cut its exit short
        time.sleep(0.02)


def fake_server(ws: Path, mode: str, marker: Path | None = None) -> subprocess.Popen[bytes]:
    """A process in the server's place (a real server there is stopped first): it holds the
    server's lock and socket and misbehaves, named like a server so the client's peer check
    passes. After its greeting: `hang`, `short`, `garbage`, `close` (no answer), `reserved` (an
    exit code only clients use); each notes in `marker` a greeting before it sends it, then how
    many bytes of request it got (`fake_request`). Before any greeting: `mute` (accepts, never
    greets), `drop` (accepts and closes), `full` (never accepts; its listen queue is filled
    here), `stopped` (SIGSTOPped)."""
    path = socket_of(ws)
    where = marker or ws.parent / f"fake-{mode}.marker"
    lock = server_lock(ws)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", FAKE_SERVER, "hook", "serve", str(path),
             "hang" if mode == "stopped" else mode, str(where), str(lock)],
            stdout=subprocess.PIPE, pass_fds=(lock,),
        )  # fmt: skip
    finally:
        os.close(lock)  # the fake's copy holds it now
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


def fake_request(marker: Path) -> int:
    """How many bytes of request the fake got (0: none reached it). Called once the call is over:
    a client only sends after the greeting, so a greeting noted without its count yet is a
    request still being read (or a client that left); that count is waited for."""
    deadline = time.monotonic() + WAIT
    while True:
        lines = marker.read_text().split() if marker.exists() else []
        if not lines or lines[-1] != "greeting":
            return max((int(n) for n in lines if n != "greeting"), default=0)
        if time.monotonic() > deadline:
            raise AssertionError(f"the fake server greeted and never noted the request: {lines}")
        time.sleep(0.02)


_FILLERS: list[object] = []


def stop_fake(proc: subprocess.Popen[bytes]) -> None:
    """Kill the fake (its lock and socket are free again) and close the connections that filled
    its queue."""
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

"""The hook server's start and stop, as a process sees them: its client is built before its
socket exists (a call that finds the socket is greeted at once, never kept waiting for a
compiler), and its `stopped` audit record is written whole however many signals ask it to stop.
Real server, real client, real signals; every wait is for a condition, with a generous deadline."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, run_cli
from serve_support import event, served, servers, socket_of, state_dir, stop_server

WAIT = 60.0  # seconds for what must happen on a loaded machine


@pytest.fixture
def installed(workspace: Path) -> Path:
    assert run_cli(workspace, "install", "--harness", "claude").returncode == 0
    return workspace


def _spawn(ws: Path) -> subprocess.Popen[bytes]:
    assert servers(ws) == [], "a hook server already runs for this workspace"
    socket_of(ws).unlink(missing_ok=True)  # none listens on it: its appearing is this server's
    return subprocess.Popen(
        [str(BIN / "workspace-guard"), "hook", "serve", str(state_dir(ws)), "--idle", "120"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _until(what: str, ready: object, proc: subprocess.Popen[bytes]) -> None:
    """Poll `ready()` until true; fail saying `what` never happened (or that the server left)."""
    deadline = time.monotonic() + WAIT
    while not ready():  # type: ignore[operator]
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"the server exited ({proc.returncode}) before {what}: {err!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {WAIT:.0f} s")
        time.sleep(0.005)


def _greeted(path: Path) -> bytes:
    """Connect to the socket and read the greeting (the first 6 bytes), with a long deadline."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(WAIT)
        sock.connect(str(path))
        got = b""
        while len(got) < 6:
            chunk = sock.recv(6 - len(got))
            if not chunk:
                break
            got += chunk
        return got


def test_the_client_is_built_before_the_socket_listens(installed: Path) -> None:
    """The first server after an install may have to build the client (here: none there). It
    builds it before it binds: when the socket appears the client and its stamp are already
    written, and a real call through that client, made at once, is answered by the server."""
    folder = state_dir(installed) / "serve"
    client, stamp = folder / "client", folder / "client.stamp"
    client.unlink()
    stamp.unlink()
    sock = socket_of(installed)
    server = _spawn(installed)
    try:
        _until("the server's socket appeared", sock.exists, server)
        assert client.exists(), "the socket was bound before the client was built"
        assert stamp.exists(), "the socket was bound before the client's build was finished"
        assert stamp.stat().st_mtime_ns <= sock.stat().st_ctime_ns
        assert _greeted(sock) == b"WGHS1\n"
        call = served([str(client)], installed, "claude", event(installed, "Read", {}))
        assert call.returncode == 0, (call.returncode, call.stderr)
    finally:
        stop_server(server)
    started = [
        json.loads(line)
        for line in (state_dir(installed) / "audit.jsonl").read_text().splitlines()
        if '"hook-serve"' in line and '"started"' in line
    ]
    assert started[-1]["pid"] == server.pid and started[-1]["client"] in ("c", "python")


def test_a_server_started_after_install_does_not_rebuild_the_c_client(installed: Path) -> None:
    """`install` (its venv's interpreter) and the server (the runtime's) build the same C client:
    the server finds it current and leaves it as it is."""
    from workspace_guard.gates.harness.serve_client import compiler

    if compiler() is None:
        pytest.skip("no C compiler: the Python client names its interpreter, and is rebuilt")
    client = state_dir(installed) / "serve" / "client"
    before = client.stat()
    os.utime(client, ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))
    before = client.stat()
    sock = socket_of(installed)
    server = _spawn(installed)
    try:
        _until("the server's socket appeared", sock.exists, server)
        after = client.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    finally:
        stop_server(server)


def _lifecycle(ws: Path, pid: int) -> list[dict[str, object]]:
    """The server's own audit records (every line must parse: a cut record fails here)."""
    path = state_dir(ws) / "audit.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines) if r.get("layer") == "hook-serve" and r["pid"] == pid]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return "X"


def _left(proc: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    try:
        code = proc.wait(WAIT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the server did not leave within {WAIT:.0f} s") from None
    return code, proc.stderr.read() if proc.stderr else b""


def _storm(server: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """SIGTERM, then more of them as fast as they can be sent until the server has left."""
    sent = 0
    deadline = time.monotonic() + WAIT
    while server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)
            sent += 1
        assert time.monotonic() < deadline, f"the server did not leave within {WAIT:.0f} s"
    assert sent >= 1
    return _left(server)


def _together(server: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """SIGHUP and SIGTERM delivered at the same moment: sent while the server is stopped
    (SIGSTOP), both pending when it continues. The first handler to run starts the shutdown;
    the second runs at the next point the interpreter checks, in the middle of it."""
    os.kill(server.pid, signal.SIGSTOP)
    _until("the server stopped (SIGSTOP)", lambda: _state(server.pid) == "T", server)
    os.kill(server.pid, signal.SIGHUP)
    os.kill(server.pid, signal.SIGTERM)
    os.kill(server.pid, signal.SIGCONT)
    return _left(server)


@pytest.mark.parametrize("send", [_together, _storm], ids=["together", "storm"])
def test_signals_during_the_shutdown_do_not_cut_the_stopped_record(
    installed: Path, send: object
) -> None:
    """Two stop signals at once, or a storm of SIGTERMs until the server has left: the first
    stops it, the others arrive during its shutdown and are only noted. Its `stopped` record is
    whole (every line of the log parses, the chain verifies), says `signal`, and the server exits
    0 without a traceback, its socket removed."""
    sock = socket_of(installed)
    server = _spawn(installed)
    try:
        _until("the server's started record", lambda: _lifecycle(installed, server.pid), server)
        _until("the server's socket appeared", sock.exists, server)
        code, err = send(server)  # type: ignore[operator]
    finally:
        stop_server(server)
    assert code == 0, (code, err)
    assert b"Traceback" not in err, err
    done = _lifecycle(installed, server.pid)
    assert [r["action"] for r in done] == ["started", "stopped"], err
    assert done[-1]["reason"] == "signal"
    assert not sock.exists(), "the socket was left behind"
    verify = run_cli(installed, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

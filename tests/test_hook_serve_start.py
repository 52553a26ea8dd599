"""The hook server's start and stop, as a process sees them: its client is built before its
socket exists (a call that finds the socket is greeted at once, never kept waiting for a
compiler). Real server, real client; every wait is for a condition, with a generous deadline."""

from __future__ import annotations

import json
import os
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

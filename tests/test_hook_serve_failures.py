"""The launcher with the hook server fails closed: whatever happens to the server (none, killed,
a stale socket, a regular file in its place, hung, cut short, garbage, not ours), a call is either
decided by the gate or blocked — never let through. Real launcher, server and clients."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import BIN, run_cli
from helpers.repos import inside, make_workspace
from serve_support import (
    AFTER_GREETING,
    BEFORE_GREETING,
    client_command,
    event,
    fake_request,
    fake_server,
    served,
    servers,
    socket_of,
    start_server,
    state_dir,
    stop_fake,
    stop_server,
    stop_servers,
    wait_gone,
    wait_listening,
)

AGENT = "backend-framework-ai"
FIXTURES = Path(__file__).parent / "fixtures" / "launcher"
HARNESS_TIMEOUT = 30  # seconds: a hook still running then is let through by the harness


@pytest.fixture
def installed(workspace: Path) -> Path:
    assert run_cli(workspace, "install", "--harness", "claude").returncode == 0
    return workspace


@pytest.fixture
def short_installed() -> Iterator[Path]:
    """An installed workspace at a path short enough for its socket to be in its own state dir
    (`serve/hook.sock`): a test that damages the socket's folder damages only its own, never the
    per-user `/tmp/wg-hook-UID/` that every other repository's server shares (left open, every
    client refuses it until a server starts there: the CI flake of
    test_misbehaving_server_blocks, whose fake server then never got a request)."""
    base = Path(tempfile.mkdtemp(prefix="wg-"))
    try:
        ws = make_workspace(base / "ws")
        assert socket_of(ws).parent == state_dir(ws) / "serve", "the temp dir's path is too long"
        with inside(ws):
            assert run_cli(ws, "install", "--harness", "claude").returncode == 0
            yield ws
            stop_servers(ws)
    finally:
        shutil.rmtree(base, ignore_errors=True)


OLD_COMMAND = 'sh "${CLAUDE_PROJECT_DIR:-.}"/.workspace/bin/wg-hook claude || exit 2'


def installed_command(ws: Path) -> str:
    settings = json.loads((ws / ".claude/settings.json").read_text())
    return str(settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"])


def launch(
    ws: Path, path: str, env: dict[str, str] | None = None, command: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The installed command (or `command`), as Claude Code runs it: a shell, the event on
    stdin."""
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    return subprocess.run(
        ["sh", "-c", command or installed_command(ws)],
        input=event(ws, "Write", {"file_path": str(ws / path), "content": "x"}),
        capture_output=True,
        cwd=ws,
        env={
            **base,
            "PATH": "/usr/bin:/bin",
            "CLAUDE_PROJECT_DIR": str(ws),
            "WORKSPACE_AGENT": AGENT,
            "WG_HOOK_SERVE_IDLE": "60",
            **(env or {}),
        },
        check=False,
    )


def decided(proc: subprocess.CompletedProcess[bytes]) -> str | None:
    """The gate's decision: the deny reason, or None (allowed); a block fails the test."""
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    return str(answer["permissionDecisionReason"])


def blocked(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    text = proc.stderr.decode()
    assert "fails closed" in text and "Traceback" not in text
    return text


def _server_pid(ws: Path) -> int | None:
    found = servers(ws)
    return found[0] if found else None


def _client(ws: Path) -> list[str]:
    return [str(state_dir(ws) / "serve" / "client")]


def test_first_call_is_decided_and_starts_the_server(installed: Path) -> None:
    try:
        assert "system-architect-ai" in (decided(launch(installed, "app/main.py")) or "")
        wait_listening(installed)
        # a server answers now; 97 is none, or one still building its client before its first
        # greeting (a compiler on a busy machine can outlast the client's 5 s greeting wait)
        deadline = time.monotonic() + 30
        while True:
            direct = served(_client(installed), installed, "claude", event(installed, "Read", {}))
            if direct.returncode != 97 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert direct.returncode == 0, direct.stderr
        assert decided(launch(installed, "app/other.py")) is None
        assert "system-architect-ai" in (decided(launch(installed, "app/main.py")) or "")
    finally:
        stop_servers(installed)


def _break_the_server_place(ws: Path, damage: str) -> None:
    server = start_server(ws, idle=60)
    sock = socket_of(ws)
    try:
        if damage == "killed":
            os.kill(server.pid, signal.SIGKILL)
            server.wait(60)
            assert sock.exists()  # a stale socket stays behind
        elif damage == "regular-file":
            stop_server(server)
            sock.unlink(missing_ok=True)
            sock.write_text("not a socket")
        elif damage == "open-mode":
            sock.chmod(0o666)
        else:
            sock.parent.chmod(0o755)
        assert "system-architect-ai" in (decided(launch(ws, "app/main.py")) or "")
        assert decided(launch(ws, "app/other.py")) is None
    finally:
        stop_server(server)
        stop_servers(ws)


@pytest.mark.parametrize("damage", ["killed", "regular-file", "open-mode"])
def test_broken_server_place_falls_back_to_the_gate(installed: Path, damage: str) -> None:
    _break_the_server_place(installed, damage)


def test_an_open_socket_folder_falls_back_to_the_gate(short_installed: Path) -> None:
    _break_the_server_place(short_installed, "foreign-dir-mode")


def _decided_or_blocked(proc: subprocess.CompletedProcess[bytes]) -> str:
    """A call on a protected path: the gate's denial, or a block — an empty exit 0 (the harness
    runs the tool) fails the test."""
    assert "Traceback" not in proc.stderr.decode(errors="replace")
    if proc.returncode == 2:
        return blocked(proc)
    reason = decided(proc)
    assert reason and "system-architect-ai" in reason, (proc.returncode, proc.stdout, proc.stderr)
    return reason


@pytest.mark.parametrize("form", ["installed", "launcher"])
@pytest.mark.parametrize("mode", AFTER_GREETING)
def test_misbehaving_server_blocks(installed: Path, mode: str, form: str, tmp_path: Path) -> None:
    """Once the request reached the server (the fake says so), only its whole answer or a block.

    Under load the fake may not greet within the client's wait: then the client leaves stdin
    untouched and the launcher's one-shot gate decides (the server the launcher starts then
    leaves at once: the fake holds the server's lock, so it never takes the fake's socket). That
    is a decision too, checked as such, and the attempt is repeated with a longer limit until
    the request reaches the fake (the fake's own note says whether it did)."""
    command = OLD_COMMAND if form == "launcher" else None
    try:
        for attempt, limit in enumerate((2, 4, 8, 8)):
            marker = tmp_path / f"fake-{attempt}.marker"
            fake = fake_server(installed, mode, marker)  # it holds the server's lock: no real
            try:  # server the launcher starts can take its socket
                start = time.monotonic()
                env = {"WG_HOOK_TIMEOUT": str(limit)}
                proc = launch(installed, "app/other.py", env, command)
                took = time.monotonic() - start
                reached = fake_request(marker)
            finally:
                stop_fake(fake)
            assert took < HARNESS_TIMEOUT, f"the call took {took:.1f} s"
            if not reached:  # not greeted in time: the one-shot gate decided
                if proc.returncode == 2:
                    assert "did not answer within" in blocked(proc)
                else:
                    assert decided(proc) is None
                continue
            text = blocked(proc)
            if mode == "hang":
                assert f"did not answer within {limit} s" in text
            else:
                assert "cut short" in text
            break
        else:
            pytest.fail("the fake server never got the request")
        fake = fake_server(installed, mode, tmp_path / "fake-main.marker")
        try:  # a protected path: denied or blocked, whoever answers
            _decided_or_blocked(launch(installed, "app/main.py", {"WG_HOOK_TIMEOUT": "4"}, command))
        finally:
            stop_fake(fake)
    finally:
        stop_servers(installed)


@pytest.mark.parametrize("form", ["installed", "launcher"])
@pytest.mark.parametrize("mode", BEFORE_GREETING)
def test_server_that_never_greets_leaves_the_call_to_the_gate(
    installed: Path, mode: str, form: str, tmp_path: Path
) -> None:
    """Accepted and never greeted, closed at once, a full listen queue, a stopped process: the
    client gives up within its greeting wait (a connect() that waited for ever would let the
    harness's own timeout pass the call), stdin untouched, and the one-shot gate decides."""
    command = OLD_COMMAND if form == "launcher" else None
    marker = tmp_path / "fake.marker"
    fake = fake_server(installed, mode, marker)
    try:
        start = time.monotonic()
        proc = launch(installed, "app/main.py", {"WG_HOOK_TIMEOUT": "2"}, command)
        assert time.monotonic() - start < HARNESS_TIMEOUT, (
            "the call outlasted the harness's timeout"
        )
        _decided_or_blocked(proc)
        assert not marker.exists()
    finally:
        stop_fake(fake)
        stop_servers(installed)


@pytest.mark.parametrize("kind", ["c", "python"])
@pytest.mark.parametrize("mode", BEFORE_GREETING)
def test_clients_give_up_on_a_silent_server_in_time(
    installed: Path, mode: str, kind: str, tmp_path: Path
) -> None:
    fake = fake_server(installed, mode, tmp_path / "fake.marker")
    try:
        start = time.monotonic()
        proc = served(
            client_command(kind, tmp_path), installed, "claude", event(installed, "Read", {}),
            timeout="3",
        )  # fmt: skip
        assert proc.returncode == 97, proc.stderr
        assert time.monotonic() - start < HARNESS_TIMEOUT
    finally:
        stop_fake(fake)


def test_stdin_left_open_is_blocked_at_the_deadline(installed: Path) -> None:
    """A harness that never closes the hook's stdin: the client stops waiting at the call's
    limit and the call is blocked (not left to the harness's own timeout, which passes it)."""
    server = start_server(installed, idle=60)
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    env = {**base, "PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(installed)}
    proc = subprocess.Popen(
        ["sh", "-c", installed_command(installed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=installed,
        env={**env, "WORKSPACE_AGENT": AGENT, "WG_HOOK_TIMEOUT": "2"},
    )  # fmt: skip
    try:
        assert proc.stdin is not None
        proc.stdin.write(event(installed, "Write", {"file_path": str(installed / "app/other.py")}))
        proc.stdin.flush()  # and never closed
        proc.wait(HARNESS_TIMEOUT)  # (communicate() would close stdin)
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()
        assert proc.returncode == 2, (out, err)
        assert b"did not answer within 2 s" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stop_server(server)


@pytest.mark.parametrize("limit", ["21", "30", "100", "99999999999999999999", "020", "x"])
def test_a_timeout_beyond_the_cap_blocks_served_or_not(installed: Path, limit: str) -> None:
    """A limit the harness's own 30 s timeout could cut short (which lets the call through) is
    refused whether the server answers or not."""
    server = start_server(installed, idle=60)
    try:
        for form in (None, OLD_COMMAND):
            proc = launch(installed, "app/other.py", {"WG_HOOK_TIMEOUT": limit}, form)
            assert "from 1 to 20" in blocked(proc)
    finally:
        stop_server(server)


def test_python_environment_goes_to_the_one_shot_hook(installed: Path) -> None:
    server = start_server(installed, idle=60)
    try:
        env = {"PYTHONPATH": "/nonexistent"}
        direct = served(_client(installed), installed, "claude", event(installed, "Read", {}), env)
        assert direct.returncode == 96 and direct.stdout == b""
        assert "system-architect-ai" in (decided(launch(installed, "app/main.py", env)) or "")
    finally:
        stop_server(server)


def test_server_leaves_when_the_program_changes_or_idles(installed: Path) -> None:
    server = start_server(installed, idle=60)
    program = state_dir(installed) / "program"
    program.write_text(program.read_text())  # rewritten: maybe another install
    assert wait_gone(server.pid)
    server.wait(1)
    idle = start_server(installed, idle=1)
    assert wait_gone(idle.pid)
    idle.wait(1)
    assert not socket_of(installed).exists()


def test_serve_off_switch_and_explicit_program(installed: Path) -> None:
    server = start_server(installed, idle=60)
    fake = installed.parent / "broken-guard"
    fake.write_text("#!/bin/sh\ncat >/dev/null\nexit 1\n")
    fake.chmod(0o755)
    try:  # WORKSPACE_GUARD names the program: that program answers, not the server
        blocked(launch(installed, "app/other.py", {"WORKSPACE_GUARD": str(fake)}))
        assert decided(launch(installed, "app/other.py", {"WG_HOOK_SERVE": "0"})) is None
    finally:
        stop_server(server)


def test_old_launcher_still_works_and_install_replaces_it(installed: Path) -> None:
    """A launcher committed by an earlier version keeps working with this program."""
    old = installed / ".workspace/bin/wg-hook"
    shutil.copy(FIXTURES / "wg-hook-v1", old)
    try:  # the settings of that version ran the launcher alone
        reason = decided(launch(installed, "app/main.py", command=OLD_COMMAND))
        assert "system-architect-ai" in (reason or "")
        assert decided(launch(installed, "app/other.py", command=OLD_COMMAND)) is None
        assert run_cli(installed, "install", "--harness", "claude").returncode == 0
        assert "hook serve" in old.read_text()
        assert "system-architect-ai" in (decided(launch(installed, "app/main.py")) or "")
        reason = decided(launch(installed, "app/main.py", command=OLD_COMMAND))
        assert "system-architect-ai" in (reason or "")  # old settings, new launcher
    finally:
        stop_servers(installed)


def test_concurrent_clients_lose_no_ledger_record(installed: Path) -> None:
    """8 subagents × 200 PostToolUse calls through the installed command, as the harness runs
    them: every call exits 0 and every write is in the ledger (a call the busy server did not
    greet in time is answered by the one-shot gate, which records it too)."""
    server = start_server(installed, idle=60)
    answered(installed)
    command = installed_command(installed)
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    env = {**base, "PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(installed)}
    env |= {"WORKSPACE_AGENT": AGENT, "WG_HOOK_SERVE_IDLE": "60"}

    def worker(n: int) -> list[tuple[int, bytes]]:
        out = []
        for i in range(200):
            path = str(installed / f"scratch/w{n}-{i}.txt")
            data = event(installed, "Write", {"file_path": path}, name="PostToolUse")
            proc = subprocess.run(
                ["sh", "-c", command], input=data, capture_output=True, cwd=installed, env=env,
                check=False,
            )  # fmt: skip
            out.append((proc.returncode, proc.stderr))
        return out

    try:
        with ThreadPoolExecutor(8) as pool:
            results = [r for rs in pool.map(worker, range(8)) for r in rs]
    finally:
        stop_server(server)
        stop_servers(installed)
    assert [r for r in results if r[0] != 0] == []
    ledger = (state_dir(installed) / "ledger.jsonl").read_text().splitlines()
    paths = {json.loads(line).get("path") for line in ledger}
    assert {f"scratch/w{n}-{i}.txt" for n in range(8) for i in range(200)} <= paths
    verify = run_cli(installed, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_busy_server_greets_every_waiting_call(installed: Path) -> None:
    """Calls that arrive while the server answers another are greeted at once and answered in
    turn: 16 bare clients at the same time are all served (none falls back with 97). The server
    has answered a first call before (its first answer loads what the gate reads lazily): each
    client then waits for at most 15 answers, far below its 20 s, however loaded the machine."""
    server = start_server(installed, idle=60)
    client = _client(installed)
    data = event(installed, "Read", {})
    try:
        answered(installed)
        with ThreadPoolExecutor(16) as pool:
            calls = list(pool.map(lambda _: served(client, installed, "claude", data), range(64)))
    finally:
        stop_server(server)
    failed = [(c.returncode, c.stderr[-300:]) for c in calls if c.returncode != 0]
    assert failed == [], f"{len(failed)} of 64 calls were not served: {failed[:4]}"


def answered(ws: Path) -> None:
    """Wait (60 s at most) until the server answers a call: its loop runs, its first answer is
    given. A call it did not greet (97: one more test process was scheduled first) is asked
    again; any other code is a failure."""
    deadline = time.monotonic() + 60
    while True:
        call = served(_client(ws), ws, "claude", event(ws, "Read", {}))
        if call.returncode == 0:
            return
        assert call.returncode == 97, (call.returncode, call.stderr)
        assert time.monotonic() < deadline, "the server answered no call within 60 s"


def test_server_whose_state_dir_was_replaced_does_not_answer(installed: Path) -> None:
    """A server answers only for the state dir it started for: the same path now naming another
    directory (its socket carried over) gets no greeting, and the server leaves."""
    server = start_server(installed, idle=60)
    state = state_dir(installed)
    old = state.parent / "workspace-guard.old"
    try:
        state.rename(old)
        state.mkdir()
        (old / "serve").rename(state / "serve")
        for name in ("program",):
            (old / name).rename(state / name)
        direct = served(_client(installed), installed, "claude", event(installed, "Read", {}))
        assert direct.returncode == 97, direct.stderr
        assert server.wait(30) == 0
    finally:
        stop_server(server)


def test_server_is_started_with_the_recorded_program(installed: Path) -> None:
    """The launcher starts `PROGRAM hook serve STATE`: BIN's workspace-guard here."""
    try:
        decided(launch(installed, "app/other.py"))
        wait_listening(installed)
        pid = _server_pid(installed)
        assert pid is not None
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(BIN / "workspace-guard").encode() in cmdline
    finally:
        stop_servers(installed)


def test_check_reports_the_client_and_the_server(installed: Path) -> None:
    try:  # the check's probe goes through the launcher, which starts a server
        proc = run_cli(installed, "install", "--harness", "claude", "--check")
        assert "hook-server client: C, compiled" in proc.stdout, proc.stdout
        assert "hook server: " in proc.stdout
        wait_listening(installed)
        proc = run_cli(installed, "install", "--harness", "claude", "--check")
        assert "hook server: running" in proc.stdout, proc.stdout
    finally:
        stop_servers(installed)


def test_without_a_compiler_the_python_client_serves(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workspace_guard.gates.harness import serve_client

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CC", raising=False)
    assert serve_client.ensure(str(state_dir(installed))) == "python"
    assert serve_client.kind(str(state_dir(installed))) == "python"
    server = start_server(installed, idle=60)  # it finds no compiler either: keeps this client
    monkeypatch.undo()
    try:
        assert serve_client.kind(str(state_dir(installed))) == "python"
        direct = served(_client(installed), installed, "claude", event(installed, "Read", {}))
        assert direct.returncode == 0, direct.stderr
        assert "system-architect-ai" in (decided(launch(installed, "app/main.py")) or "")
        assert decided(launch(installed, "app/other.py")) is None
    finally:
        stop_server(server)


@pytest.mark.parametrize("value", ["0", "2", "1", "98", "junk"])
def test_a_client_status_from_the_environment_never_lets_a_call_through(
    installed: Path, value: str
) -> None:
    """WG_HOOK_CLIENT is how the installed command tells the launcher what its client said;
    set from outside to an answer-like value, it blocks instead of passing."""
    proc = launch(installed, "app/other.py", {"WG_HOOK_CLIENT": value}, OLD_COMMAND)
    blocked(proc)


@pytest.mark.parametrize("form", ["installed", "launcher"])
def test_a_huge_client_is_not_hashed_past_the_harness_timeout(installed: Path, form: str) -> None:
    """ATTACK F22: a client made a 64 GB sparse file (still a regular executable) kept
    `sha256sum` busy past the harness's 30 s, which lets the call through. The hash gets 2 s:
    then the client is not listed, not run, and the one-shot gate decides."""
    client = state_dir(installed) / "serve" / "client"
    with open(client, "r+b") as handle:
        handle.truncate(64 * 1024**3)
    command = OLD_COMMAND if form == "launcher" else None
    start = time.monotonic()
    proc = launch(installed, "app/main.py", None, command)
    assert time.monotonic() - start < HARNESS_TIMEOUT
    _decided_or_blocked(proc)

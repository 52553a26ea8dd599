"""Signals aimed at the guard's own processes (gates/harness/signals.py): any `kill`, `pkill`
or `killall` whose target is the live watch daemon or hook server (by pid read from their lock
files at gate time, by process group, by name or command line, or a target the gate cannot
know) needs a superuser; signals to other processes stay allowed. Real daemon, real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from helpers.harness import bash_denied as bash
from helpers.watch import Start, state_dir

SUPER = "master-orchestrator"


def _server(repo: Path) -> subprocess.Popen[bytes]:
    state = state_dir(repo)
    program = Path(sys.executable).parent / "workspace-guard"
    # idle for an hour: under load the test outlasts the default 300 s, and an idled-out server
    # is no guard process any more (a pkill aimed at it is then rightly allowed)
    proc = subprocess.Popen([str(program), "hook", "serve", str(state), "--idle", "3600"], cwd=repo)
    lock = state / "serve" / "serve.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_bytes().strip():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the hook server did not start")


def test_signals_to_the_daemon_or_the_server_need_a_superuser(
    workspace: Path, watchd: Start
) -> None:
    daemon = watchd()
    pid = json.loads((state_dir(workspace) / "watch.lock").read_text())["pid"]
    server = _server(workspace)
    try:
        spid = json.loads((state_dir(workspace) / "serve" / "serve.lock").read_text())["pid"]
        other = subprocess.Popen(["sleep", "30"])
        refused = [
            f"kill -STOP {pid}",
            f"kill -s STOP {pid}",
            f"kill -TSTP {pid}",
            f"kill -9 {pid}",
            f"kill {pid}",
            f"kill -0 {pid}",
            f"kill -SIGSTOP -- {pid}",
            f"kill -n 19 {pid}",
            f"/bin/kill -STOP {pid}",
            f"env kill -STOP {pid}",
            f"sh -c 'kill -STOP {pid}'",
            f"true && kill -CONT {other.pid} {pid}",
            f"kill -STOP -- -{os.getpgid(pid)}",
            *([f"kill -STOP -{os.getsid(pid)}"] if os.getsid(pid) > 0 else []),
            "kill -STOP 0",  # this daemon runs in the test's process group, which may be ours
            "kill -STOP -0",
            "kill -STOP -1",
            f"kill -STOP {spid}",
            f"kill -9 {spid}",
            "kill -STOP $PID",
            "kill -STOP $(cat /tmp/somewhere)",
            "kill -STOP `cat /tmp/somewhere`",
            "pkill -STOP -f watch",
            "pkill -STOP -f 'hook serve'",
            "pkill -STOP python",
            "pkill -u $USER",
            "pkill -STOP -P 1",
            "killall -STOP python3",
            "killall -r -STOP 'pyth.*'",
            "killall -u $USER",
        ]
        for command in refused:
            assert server.poll() is None and daemon.alive(), "a guard process ended mid-test"
            reason = bash(workspace, command)
            assert reason is not None and SUPER in reason, command
        assert bash(workspace, f"kill -STOP {pid}", agent=SUPER) is None
        allowed = [
            f"kill {other.pid}",
            f"kill -STOP {other.pid}",
            "sleep 5 & kill $!",
            "kill %1",
            "pkill -f 'sleep 12345'",
            "killall sleep",
            "kill -l",
        ]
        for command in allowed:
            assert bash(workspace, command) is None, command
        other.kill()
        other.wait()
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert daemon.alive()
    assert os.path.exists(f"/proc/{pid}")


def test_signals_without_a_guard_process_running_stay_allowed(workspace: Path) -> None:
    assert bash(workspace, "kill -STOP 999999") is None
    assert bash(workspace, "pkill -f 'sleep 1234'") is None


def test_kill_0_is_allowed_when_every_guard_process_leads_its_own_group(workspace: Path) -> None:
    state_dir(workspace).mkdir(exist_ok=True)
    server = _server(workspace)  # the hook server starts its own session, as a started daemon does
    try:
        spid = json.loads((state_dir(workspace) / "serve" / "serve.lock").read_text())["pid"]
        assert os.getpgid(spid) == spid
        assert bash(workspace, "kill -STOP 0") is None
        assert bash(workspace, "kill -TERM -0") is None
        assert SUPER in (bash(workspace, f"kill -STOP -{spid}") or "")
    finally:
        server.terminate()
        server.wait(timeout=15)

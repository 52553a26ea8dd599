"""A path through a link the gate may not read (`/proc/PID/cwd` of a process it cannot trace:
`readlink` says EACCES) is refused with a reason, never a crash of the gate.

Where such a link leads cannot be known, so the write may land anywhere — git's directory, the
hooks, a protected file: the gate denies it (fail closed) in the harness's own protocol, with a
reason naming the link, and writes no crash log. Real hook processes; the unreadable link is a
real one: a process that made itself non-dumpable, read by a hook process without
CAP_SYS_PTRACE (dropped from the bounding set when the tests run as root).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BIN, make_workspace

OFF = ".workspace/departments/backend/backend-framework-ai"
AGENT = "backend-framework-ai"

# run argv[1:] without CAP_SYS_PTRACE (PR_CAPBSET_DROP; a non-root user lacks it already)
DROP = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(24, 19, 0, 0, 0)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)
HIDDEN = (
    "import ctypes, sys, time\n"
    "ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)\n"  # PR_SET_DUMPABLE 0
    "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(600)\n"
)


@pytest.fixture(scope="module")
def hidden_pid() -> Iterator[int]:
    """The pid of a process whose /proc links the hook cannot read."""
    child = subprocess.Popen(
        [sys.executable, "-c", HIDDEN], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert child.stdout is not None
    child.stdout.readline()
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            DROP,
            sys.executable,
            "-c",
            f"import os; os.readlink('/proc/{child.pid}/cwd')",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        if "PermissionError" not in probe.stderr:
            pytest.skip(f"this system lets the hook read /proc/{child.pid}/cwd: {probe.stderr}")
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, hidden_pid: int) -> Path:
    repo = make_workspace(tmp_path_factory.mktemp("unreadable") / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    os.symlink(f"/proc/{hidden_pid}/cwd", office / "p")
    os.symlink(f"/proc/{hidden_pid}/root/etc", office / "q")
    return repo


def _hook(ws: Path, tool: str, tool_input: dict[str, object]) -> subprocess.CompletedProcess[str]:
    payload = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "agent_id": "a1",
        "agent_type": AGENT,
    }
    return subprocess.run(
        [sys.executable, "-c", DROP, str(BIN / "workspace-guard"), "hook", "claude"],
        cwd=ws,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
    )


def _refused(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "details:" not in proc.stderr, proc.stderr  # no crash log
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny", out
    return str(out["permissionDecisionReason"])


@pytest.mark.parametrize("name", ["p/x", "p", "q/passwd", "p/sub/new.txt"])
def test_a_file_tool_through_an_unreadable_link_is_denied(ws: Path, name: str) -> None:
    for tool in ("Write", "Edit"):
        reason = _refused(_hook(ws, tool, {"file_path": str(ws / OFF / name), "content": "x"}))
        assert "/proc/" in reason, reason
        assert "cannot" in reason, reason


@pytest.mark.parametrize(
    "command",
    [
        f"echo x > {OFF}/p/x",
        f"cp README.md {OFF}/q/passwd",
        f"sed -i s/a/b/ {OFF}/p/*.py",
        f"rm -rf {OFF}/p/",
    ],
)
def test_a_shell_write_through_an_unreadable_link_is_denied(ws: Path, command: str) -> None:
    reason = _refused(_hook(ws, "Bash", {"command": command}))
    assert "cannot" in reason, reason


def test_writes_elsewhere_in_the_office_stay_allowed(ws: Path) -> None:
    proc = _hook(ws, "Write", {"file_path": str(ws / OFF / "notes.md"), "content": "x"})
    assert proc.returncode == 0 and not proc.stdout.strip(), (proc.stdout, proc.stderr)
    proc = _hook(ws, "Bash", {"command": f"echo x > {OFF}/notes.md"})
    assert proc.returncode == 0 and not proc.stdout.strip(), (proc.stdout, proc.stderr)

"""What lies on a served hook's critical path, and what the server leaves off it: the ledger's
`fsync` comes after the answer (the record is already readable), the one-shot hook still syncs
before it exits, Codex's and Cline's installed commands ask the server without `git`, and the
server's start and exit are audited. Real server, real clients, real git, real `strace`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, run_cli
from serve_support import (
    event,
    record_program,
    records,
    served,
    socket_of,
    start_server,
    state_dir,
    stop_server,
    wait_listening,
)

AGENT = "backend-framework-ai"
needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


def _client(ws: Path) -> list[str]:
    return [str(state_dir(ws) / "serve" / "client")]


def _post_write(ws: Path, rel: str) -> bytes:
    (ws / rel).parent.mkdir(parents=True, exist_ok=True)
    (ws / rel).write_text("hello\n")
    return event(
        ws, "Write", {"file_path": str(ws / rel), "content": "hello\n"}, AGENT, name="PostToolUse"
    )


def _ledger_paths(ws: Path) -> list[object]:
    return [r.get("path") for r in records(ws, "ledger.jsonl")]


@needs_strace
def test_served_ledger_record_is_readable_at_once_and_synced_after_the_answer(
    workspace: Path, tmp_path: Path
) -> None:
    assert run_cli(workspace, "install", "--harness", "claude").returncode == 0
    trace = tmp_path / "serve.trace"
    state = state_dir(workspace)
    proc = subprocess.Popen(
        ["strace", "-f", "-y", "-e", "trace=fsync,fdatasync,sendto,write,close,shutdown",
         "-o", str(trace), str(BIN / "workspace-guard"), "hook", "serve", str(state),
         "--idle", "8"],  # strace under load: 2 s idled out before the socket
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not socket_of(workspace).exists():  # /tmp/wg-hook-UID/… for a long path
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        for n in range(3):
            rel = f"scratch/f{n}.txt"
            answer = served(_client(workspace), workspace, "claude", _post_write(workspace, rel))
            assert answer.returncode == 0, answer.stderr
            # readable by the next reader (the commit cross-check) the moment the hook answers
            assert rel in _ledger_paths(workspace)
        assert proc.wait(60) == 0  # leaves when idle: the trace is complete
    finally:
        stop_server(proc)
    lines = trace.read_text().splitlines()
    answers = [i for i, line in enumerate(lines) if "WGAN" in line]
    syncs = [i for i, line in enumerate(lines) if "fsync(" in line and "ledger.jsonl" in line]
    assert len(answers) == 3 and len(syncs) >= 3, "\n".join(lines[-40:])
    for at in answers:  # each answer is followed by its connection's end, then the sync
        after = lines[at:]
        sync = next(i for i, line in enumerate(after) if "fsync(" in line and "ledger" in line)
        closed = next(
            i
            for i, line in enumerate(after)
            if re.search(r"(close|shutdown)\(\d+<(socket|UNIX)", line)
        )
        assert closed < sync, "\n".join(after[: sync + 1])
    # no ledger fsync between a request's greeting and its answer: the sync waits for no call
    greetings = [i for i, line in enumerate(lines) if "WGHS1" in line]
    for at in answers:
        start = max(i for i in greetings if i < at)
        assert not [i for i in syncs if start < i < at], "\n".join(lines[start : at + 1])


@needs_strace
def test_one_shot_hook_syncs_the_ledger_before_it_exits(workspace: Path, tmp_path: Path) -> None:
    (state_dir(workspace)).mkdir(exist_ok=True)
    trace = tmp_path / "one-shot.trace"
    proc = subprocess.run(
        ["strace", "-f", "-y", "-e", "trace=fsync,exit_group", "-o", str(trace),
         str(BIN / "workspace-guard"), "hook", "claude"],
        input=_post_write(workspace, "scratch/one.txt"), capture_output=True,
        cwd=workspace, env={**os.environ, "WORKSPACE_AGENT": AGENT}, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = trace.read_text()
    assert re.search(r"fsync\(\d+<[^>]*ledger\.jsonl>\)", text), text
    assert "scratch/one.txt" in _ledger_paths(workspace)


def _logging_git(tmp_path: Path) -> tuple[Path, Path]:
    """A PATH folder whose `git` logs each call and runs the real git."""
    folder, log = tmp_path / "gitlog-bin", tmp_path / "git-calls.log"
    folder.mkdir()
    real = shutil.which("git")
    assert real
    (folder / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
    (folder / "git").chmod(0o755)
    return folder, log


def _deny_reason(proc: subprocess.CompletedProcess[bytes], harness: str) -> str:
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    answer = json.loads(proc.stdout)
    if harness == "cline":
        assert answer["cancel"] is True
        return str(answer["errorMessage"])
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    return str(answer["hookSpecificOutput"]["permissionDecisionReason"])


def _one_shot_guard(tmp_path: Path, ws: Path) -> Path:
    """Record a program that logs each one-shot hook it would run (then runs the real one)."""
    log = tmp_path / "one-shot.log"
    wrapper = tmp_path / "logging-guard"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {BIN / "workspace-guard"} "$@"\n')
    wrapper.chmod(0o755)
    record_program(ws, wrapper)
    return log


@pytest.mark.parametrize("harness", ["codex", "cline"])
def test_codex_and_cline_commands_ask_the_server_without_git(
    workspace: Path, tmp_path: Path, harness: str
) -> None:
    assert run_cli(workspace, "install", "--harness", harness).returncode == 0
    one_shot = _one_shot_guard(tmp_path, workspace)
    folder, git_log = _logging_git(tmp_path)
    server = start_server(workspace)
    sub = workspace / "app"  # a hook run from below the root finds the root all the same
    env = {
        **{k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"},
        "PATH": f"{folder}:/usr/bin:/bin",
        "WORKSPACE_AGENT": AGENT,
    }
    protected = str(workspace / "app/main.py")
    try:
        for _ in range(2):
            if harness == "codex":
                command = json.loads((workspace / ".codex/hooks.json").read_text())["hooks"][
                    "PreToolUse"
                ][0]["hooks"][0]["command"]
                data = event(workspace, "Write", {"file_path": protected, "content": "x"}, AGENT)
                proc = subprocess.run(
                    ["sh", "-c", command],
                    input=data,
                    cwd=sub,
                    env=env,
                    capture_output=True,
                    check=False,
                )
            else:
                data = json.dumps(
                    {
                        "preToolUse": {
                            "toolName": "write_to_file",
                            "parameters": {"path": protected, "content": "x"},
                        },
                        "workspaceRoots": [str(workspace)],
                    }
                ).encode()
                script = workspace / ".clinerules/hooks/PreToolUse"
                proc = subprocess.run(
                    [str(script)], input=data, cwd=sub, env=env, capture_output=True, check=False
                )
            assert "app/main.py" in _deny_reason(proc, harness)
    finally:
        stop_server(server)
    calls = git_log.read_text() if git_log.exists() else ""  # the gate's own reads may show
    assert "--show-toplevel" not in calls and "--git-common-dir" not in calls, calls
    assert not one_shot.exists(), one_shot.read_text()  # the server answered, not a one-shot


def test_codex_command_outside_any_repository_blocks(workspace: Path, tmp_path: Path) -> None:
    assert run_cli(workspace, "install", "--harness", "codex").returncode == 0
    command = json.loads((workspace / ".codex/hooks.json").read_text())["hooks"]["PreToolUse"][0][
        "hooks"
    ][0]["command"]
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    proc = subprocess.run(
        ["sh", "-c", command],
        input=event(workspace, "Write", {"file_path": str(workspace / "app/main.py")}, AGENT),
        cwd=nowhere,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2  # the launcher is not found there: blocked, never exit 127


def _lifecycle(ws: Path) -> list[dict[str, object]]:
    return [r for r in records(ws, "audit.jsonl", lifecycle=True) if r["layer"] == "hook-serve"]


def test_server_start_and_exit_are_audited_with_pid_and_reason(workspace: Path) -> None:
    (state_dir(workspace)).mkdir(exist_ok=True)
    server = start_server(workspace)
    deadline = time.monotonic() + 60
    while not _lifecycle(workspace) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _lifecycle(workspace), "the server wrote no started record within 60 s"
    stop_server(server)
    first = _lifecycle(workspace)
    assert [(r["action"], r["pid"]) for r in first] == [
        ("started", server.pid),
        ("stopped", server.pid),
    ]
    assert first[0]["program"] and first[1]["reason"] == "signal"
    # an idle exit says so
    idle = subprocess.Popen(
        [str(BIN / "workspace-guard"), "hook", "serve", str(state_dir(workspace)), "--idle", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert idle.wait(30) == 0
    last = _lifecycle(workspace)[-2:]
    assert [(r["action"], r["pid"]) for r in last] == [
        ("started", idle.pid),
        ("stopped", idle.pid),
    ]
    assert last[1]["reason"] == "idle"
    # a changed program: the server leaves as stale
    program = state_dir(workspace) / "program"
    server = start_server(workspace)
    try:
        program.write_text(str(BIN / "workspace-guard") + "\n# changed\n")
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGKILL)
            server.wait()
    assert _lifecycle(workspace)[-1]["reason"] == "stale"
    # the chain stays whole
    assert run_cli(workspace, "audit", "verify").returncode == 0


def _server_of_a_copy(ws: Path, copy: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A server whose code is a copy of the package (in `copy`), run as the launcher runs the
    recorded program (`python -I -S`, sys.path the listed folders); the copy's `serve.py`. A
    test that changes its code changes no other server's: the package's own files are shared
    by every test (and every server) running at the same time."""
    import sys

    from workspace_guard.gates.harness import serve

    package = Path(serve.__file__).parents[2]
    shutil.copytree(package, copy / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    import workspace_guard  # noqa: F401  (its dependencies' folders: what site adds)

    paths = [str(copy), *[p for p in sys.path if p.endswith("-packages")]]
    boot = (
        "import sys;a=sys.argv;sys.path+=[p for p in a[2].split('\\n') if p];"
        "sys.argv=[a[1],*a[3:]];from workspace_guard.entry import main;sys.exit(main())"
    )
    state = state_dir(ws)
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", boot, str(BIN / "workspace-guard"), "\n".join(paths),
         "hook", "serve", str(state), "--idle", "120"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
    )  # fmt: skip
    wait_listening(ws, proc)
    return proc, copy / package.name / "gates" / "harness" / "serve.py"


def test_server_leaves_when_its_code_changes(workspace: Path, tmp_path: Path) -> None:
    """The code's files are compared off the hook's path (after each answer, when idle): a
    changed module still makes the server leave, and the next call is not served by it."""
    (state_dir(workspace)).mkdir(exist_ok=True)
    server, module = _server_of_a_copy(workspace, tmp_path / "code")
    data = event(workspace, "Write", {"file_path": str(workspace / "scratch/x.txt")}, AGENT)
    try:
        assert served(_client(workspace), workspace, "claude", data).returncode == 0
        before = module.stat()
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        served(_client(workspace), workspace, "claude", data)  # answered, or already gone
        assert server.wait(30) == 0
    finally:
        stop_server(server)
    assert served(_client(workspace), workspace, "claude", data).returncode == 97
    assert _lifecycle(workspace)[-1]["reason"] == "stale"

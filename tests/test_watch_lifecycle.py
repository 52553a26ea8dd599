"""Lifecycle: start/stop/status, one daemon per repository, kill -9, SIGHUP, bad input."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import time
from pathlib import Path

from conftest import EXAMPLE_RULES, git, run_cli
from helpers.watch import (
    DEADLINE,
    Start,
    WatchProcess,
    records,
    reload_barrier,
    state_dir,
    status,
    wait_for,
    wait_record,
)


def test_start_status_stop(cli_daemon: Path) -> None:
    repo = cli_daemon
    assert run_cli(repo, "watch", "status").returncode == 1
    started = run_cli(repo, "watch", "start", "--restore")
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout
    shown = run_cli(repo, "watch", "status")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    for expected in (
        "running (pid",
        "mode:        inotify",
        "protected:   13 files",
        "last rescan",
        "restore:     on",
        "counts:",
    ):
        assert expected in shown.stdout
    info = json.loads(run_cli(repo, "watch", "status", "--format", "json").stdout)
    assert info["running"] and info["ready"] and info["watches"]["actual"] >= 1
    again = run_cli(repo, "watch", "start")
    assert again.returncode == 1 and "already runs" in again.stderr
    (repo / "app/main.py").write_text("x\n")  # the detached daemon works like the foreground one
    wait_record(repo, path="app/main.py", action="restored")
    stopped = run_cli(repo, "watch", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert run_cli(repo, "watch", "status").returncode == 1
    assert run_cli(repo, "watch", "stop").returncode == 1
    log = (repo / ".git/workspace-guard/watch.log").read_text()
    assert '"msg": "stopped"' in log


def test_one_daemon_per_repository(workspace: Path, watchd: Start) -> None:
    first = watchd()
    second = WatchProcess(workspace, [])
    assert second.proc.wait(60) == 1
    assert f"pid {first.pid}" in second.output()


def test_sigterm_stops_cleanly_and_quickly(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    began = time.monotonic()
    assert proc.stop() == 0
    # promptly: its last checks are bounded to 1 s; a daemon that waited for its 60 s rescan
    # interval, or for the SIGKILL 30 s later (`stop`), is not (a busy machine adds seconds)
    assert time.monotonic() - began < 15
    assert status(workspace)["stopped"]


def test_kill_9_then_changes_while_down_are_found_at_start(workspace: Path, watchd: Start) -> None:
    (workspace / "alembic").mkdir()
    (workspace / "alembic/env.py").write_text("# env\n")
    git(workspace, "add", "alembic")
    git(workspace, "commit", "-qm", "build(db): alembic")
    watchd().kill9()  # no clean shutdown: the lock must not be left stale
    (workspace / "app/main.py").write_text("offline edit\n")
    (workspace / "docker-compose.yml").unlink()
    (workspace / "alembic/versions").mkdir()
    (workspace / "alembic/versions/002_x.py").write_text("revision = '002'\n")
    os.rename(workspace / "alembic/env.py", workspace / "alembic/env_renamed.py")
    watchd()
    found = {(r["path"], r["change"]) for r in records(workspace, detected_by="startup")}
    assert found == {
        ("app/main.py", "modified"),
        ("docker-compose.yml", "deleted"),
        ("alembic/versions/002_x.py", "created"),
        ("alembic/env.py", "deleted"),
        ("alembic/env_renamed.py", "renamed"),
    }
    renamed = records(workspace, path="alembic/env_renamed.py")[0]
    assert renamed["renamed_from"] == "alembic/env.py"


def test_a_restart_does_not_report_the_same_change_again(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    (workspace / "app/main.py").write_text("changed\n")
    wait_record(workspace, path="app/main.py", action="detected")
    proc.stop()
    watchd()
    assert len(records(workspace, path="app/main.py")) == 1


def test_sighup_reloads_an_explicit_rules_file(workspace: Path, watchd: Start) -> None:
    rules = workspace.parent / "ops-rules.yaml"
    rules.write_text(EXAMPLE_RULES.read_text())
    assert run_cli(workspace, "install", "--rules", str(rules)).returncode == 0
    proc = watchd()
    (workspace / "app/models/order.py").write_text("class Order: total: float\n")
    reload_barrier(proc)  # not protected yet: nothing recorded
    assert records(workspace) == []
    rules.write_text(
        EXAMPLE_RULES.read_text().replace(
            "responsibilities:",
            "  - pattern: /app/models/order.py\n    owner: database-architect-ai"
            "\n    level: high\n\nresponsibilities:",
            1,
        )
    )
    reload_barrier(proc)  # SIGHUP: reload, then rescan finds the already-changed file
    found = wait_record(workspace, path="app/models/order.py", action="detected")
    assert found["level"] == "high" and found["detected_by"] == "rescan"


def test_rules_committed_at_head_take_effect_and_broken_rules_keep_the_last_good(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    rules = workspace / ".workspace/rules.yaml"
    rules.write_text(
        rules.read_text().replace(
            "responsibilities:",
            "  - pattern: /README.md\n    owner: master-orchestrator\n"
            "    level: critical\n\nresponsibilities:",
            1,
        )
    )
    git(workspace, "commit", "-qam", "chore(workspace): protect the README")
    head = git(workspace, "rev-parse", "HEAD").strip()
    wait_for(lambda: status(workspace).get("head") == head, "the daemon to follow HEAD")
    (workspace / "README.md").write_text("# pwned\n")
    wait_record(workspace, path="README.md", action="detected")
    rules.write_text("version: 1\nescalation: [broken\n")
    git(workspace, "commit", "-qam", "chore(workspace): break the rules")
    wait_for(lambda: status(workspace).get("rules_note"), "the daemon to say the rules broke")
    assert "last good rules" in status(workspace)["rules_note"]
    assert "last good rules" in proc.output()
    (workspace / "app/main.py").write_text("still protected\n")
    wait_record(workspace, path="app/main.py", action="detected")
    assert proc.alive()
    shown = run_cli(workspace, "watch", "status")
    assert "WARNING" in shown.stdout and "broken" in shown.stdout


def test_the_repository_deleted_under_the_daemon(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    gone = workspace.parent / "deleted"
    os.rename(workspace, gone)  # the repository vanishes at once, then its files go
    shutil.rmtree(gone)
    wait_for(
        lambda: "repository at" in proc.output() and "is gone" in proc.output(),
        "the daemon to report the missing repository",
    )
    assert proc.alive()
    assert not workspace.exists()  # it did not re-create a stray .git folder
    assert proc.stop() == 0


def test_a_full_disk_never_loses_a_record_silently(workspace: Path, watchd: Start) -> None:
    proc = watchd("--restore")
    hard = resource.prlimit(proc.pid, resource.RLIMIT_FSIZE)[1]
    # no write may succeed (the log already holds the daemon's `started` record)
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (0, hard))  # writes fail like ENOSPC
    (workspace / "app/main.py").write_text("while the disk is full\n")
    wait_for(lambda: '"path": "app/main.py"' in proc.output(), "the record to be printed on stderr")
    assert "could not write the audit log" in proc.output()
    assert (workspace / "app/main.py").read_text() == "while the disk is full\n"  # no evidence
    assert proc.alive()  # lost: not restored, said so
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (hard, hard))
    (workspace / "app/database.py").write_text("disk has room again\n")
    wait_record(workspace, path="app/database.py", action="restored")


def test_watch_limit_falls_back_to_polling_loudly(workspace: Path, watchd: Start) -> None:
    proc = watchd("--poll-interval", "0.2", env={"WORKSPACE_GUARD_MAX_WATCHES": "3"})
    info = status(workspace)
    assert info["mode"] == "polling" and info["degraded"]
    assert "DEGRADED" in proc.output()
    assert run_cli(workspace, "watch", "status").stdout.count("DEGRADED") == 1
    (workspace / "app/services/auth_service.py").write_text("def login(): return True\n")
    found = wait_record(workspace, path="app/services/auth_service.py", action="detected")
    assert found["detected_by"] in ("event", "rescan")
    (workspace / ".claude").mkdir()
    (workspace / ".claude/settings.json").write_text("{}\n")
    wait_record(workspace, path=".claude/settings.json", action="detected")


def test_systemd_notify_protocol(workspace: Path, watchd: Start, tmp_path: Path) -> None:
    import socket

    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(DEADLINE)
        proc = watchd(env={"NOTIFY_SOCKET": address})
        messages: list[str] = []

        def receive_until(text: str) -> None:
            while not any(text in m for m in messages):
                messages.append(sock.recv(4096).decode())

        receive_until("READY=1")
        receive_until("WATCHDOG=1")  # sent only while every thread is alive
        proc.signal(signal.SIGHUP)
        receive_until("RELOADING=1")
        messages.clear()
        receive_until("READY=1")  # the reload and its rescan are done
        proc.signal(signal.SIGTERM)
        receive_until("STOPPING=1")
        assert proc.proc.wait(60) == 0


def test_without_rules_the_daemon_refuses_to_start_with_a_message(tmp_path: Path) -> None:
    from conftest import make_workspace

    repo = make_workspace(tmp_path / "ws")
    git(repo, "rm", "-q", "--cached", ".workspace/rules.yaml")
    git(repo, "commit", "-qm", "chore: no rules")
    (repo / ".workspace/rules.yaml").unlink()
    ran = run_cli(repo, "watch", "run")
    assert ran.returncode == 2, ran.stderr
    assert "no rules file" in ran.stderr and "Traceback" not in ran.stderr
    started = run_cli(repo, "watch", "start")
    assert started.returncode == 2
    assert "did not become ready" in started.stderr and "no rules file" in started.stderr
    assert run_cli(repo, "watch", "status").returncode == 1


# -- a daemon that is there but does not run (alive.stalled) ------------------------------------


def test_a_daemon_stopped_by_sigstop_is_reported_and_status_says_stopped(
    workspace: Path, watchd: Start
) -> None:
    from helpers.harness import pre_tool

    proc = watchd("--restore")
    pid = json.loads((state_dir(workspace) / "watch.lock").read_text())["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        answer = pre_tool(workspace, "Bash", {"command": "ls"}, "backend-framework-ai")
        assert answer.returncode == 0 and "stopped or not responding" in answer.stderr
        [stopped] = wait_for(
            lambda: records(workspace, action="watch-daemon-stopped"), "the stopped record"
        )
        assert stopped["pid"] == pid and stopped["how"] == "stopped"
        again = pre_tool(workspace, "Bash", {"command": "ls"}, "backend-framework-ai")
        assert "stopped or not responding" in again.stderr
        assert len(records(workspace, action="watch-daemon-stopped")) == 1  # once per stop
        status = run_cli(workspace, "watch", "status")
        assert status.returncode == 1 and "STOPPED" in status.stdout, status.stdout
        as_json = json.loads(run_cli(workspace, "watch", "status", "--format", "json").stdout)
        assert as_json["running"] is False and as_json["stalled"] == "stopped"
    finally:
        os.kill(pid, signal.SIGCONT)
    assert run_cli(workspace, "watch", "status").returncode == 0
    resumed = pre_tool(workspace, "Bash", {"command": "ls"}, "backend-framework-ai")
    assert "stopped or not responding" not in resumed.stderr
    assert proc.alive()


def test_a_daemon_whose_heartbeat_is_stale_is_reported_as_silent(workspace: Path) -> None:
    import subprocess

    from workspace_guard.gates.watch import alive

    state = state_dir(workspace)
    state.mkdir(parents=True, exist_ok=True)
    sleeper = subprocess.Popen(["sleep", "60"])  # a live process that never beats
    try:
        start = alive.proc_starttime(sleeper.pid)
        lock = state / "watch.lock"
        lock.write_text(json.dumps({"pid": sleeper.pid, "starttime": start}))
        old = time.time() - alive.STALE - 5
        os.utime(lock, (old, old))
        assert alive.stalled(str(state)) is not None
        message = alive.check(str(state), "harness")
        assert message and "not responding" in message
        [rec] = records(workspace, action="watch-daemon-stopped")
        assert rec["how"] == "silent" and rec["level"] == "critical"
        os.utime(lock)  # a fresh beat: running again
        assert alive.stalled(str(state)) is None
    finally:
        sleeper.kill()
        sleeper.wait()

"""A daemon stopped without `watch stop` (a bare `kill`, `kill -9`) is noticed by the next tool
call the harness gate judges and by the next commit, not only by the next `watch start`: a
warning every time, one audit record (`watch-daemon-gone`) per death."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from helpers.commits import commit, install, template
from helpers.harness import OTHER, pre_tool
from helpers.watch import Start, records, state_dir

FREE = "app/models/order.py"
GONE = "the watch daemon"


def gone_records(repo: Path) -> list[dict[str, object]]:
    return records(repo, action="watch-daemon-gone")


def edit(repo: Path) -> str:
    proc = pre_tool(repo, "Write", {"file_path": str(repo / FREE), "content": "x\n"}, OTHER)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc
    return proc.stderr


def test_a_bare_kill_is_noticed_by_the_harness_gate_once(workspace: Path, watchd: Start) -> None:
    daemon = watchd()
    assert GONE not in edit(workspace)  # running: silent
    daemon.signal(signal.SIGTERM)
    daemon.proc.wait(60)
    assert GONE in edit(workspace)
    assert GONE in edit(workspace)  # every call warns ...
    [found] = gone_records(workspace)  # ... one record per death
    assert found["layer"] == "harness" and found["agent"] == OTHER
    assert found["pid"] == daemon.pid and found["how"] == "signal"
    assert found["level"] == "critical" and found["escalate_to"] == "master-orchestrator"


def test_kill_9_is_noticed_by_the_commit_hook(workspace: Path, watchd: Start) -> None:
    install(workspace)
    daemon = watchd()
    daemon.kill9()
    (workspace / FREE).write_text("# more\n")
    done = commit(workspace, template(files=FREE, agent=OTHER), "-a")
    assert done.returncode == 0, done.stderr
    assert GONE in done.stderr and str(daemon.pid) in done.stderr
    [found] = gone_records(workspace)
    assert found["layer"] == "commit" and found["how"] == "killed"


def test_watch_stop_and_a_new_start_are_silent(workspace: Path, watchd: Start) -> None:
    daemon = watchd()
    daemon.kill9()
    assert GONE in edit(workspace)
    watchd()  # a new daemon: the old death is spent
    assert GONE not in edit(workspace)
    assert run_cli(workspace, "watch", "stop").returncode == 0
    assert GONE not in edit(workspace)
    assert len(gone_records(workspace)) == 1
    assert not list(state_dir(workspace).glob("watch.gone-*"))


def test_watch_stop_acknowledges_a_killed_daemon(workspace: Path, watchd: Start) -> None:
    daemon = watchd()
    daemon.kill9()
    assert run_cli(workspace, "watch", "stop").returncode == 1  # none was running
    assert GONE not in edit(workspace)
    assert records(workspace, action="stop", pid=daemon.pid)


def test_no_daemon_ever_is_silent(workspace: Path) -> None:
    assert GONE not in edit(workspace)
    (state_dir(workspace) / "watch.lock").write_text("not json")
    assert GONE not in edit(workspace)
    assert gone_records(workspace) == []


# -- tampering detected blocks: writes and commits of the paths the daemon guards ------------

OWNER = "system-architect-ai"
GUARDED = "app/main.py"  # critical, owned by OWNER


def owner_edit(repo: Path) -> subprocess.CompletedProcess[str]:
    return pre_tool(repo, "Write", {"file_path": str(repo / GUARDED), "content": "x\n"}, OWNER)


@pytest.mark.parametrize("how", ["kill -9", "SIGTERM", "SIGSTOP"])
def test_a_guarded_write_is_refused_while_the_daemon_is_gone(
    workspace: Path, watchd: Start, how: str
) -> None:
    daemon = watchd()
    assert owner_edit(workspace).returncode == 0  # running: the owner writes
    if how == "kill -9":
        daemon.kill9()
    elif how == "SIGTERM":
        daemon.signal(signal.SIGTERM)
        daemon.proc.wait(60)
    else:
        daemon.signal(signal.SIGSTOP)
    try:
        done = owner_edit(workspace)
        assert done.returncode == 2, done  # blocked: nothing would see what happens to it
        assert GONE in done.stderr and GUARDED in done.stderr
        assert "Traceback" not in done.stderr
        assert GONE in edit(workspace)  # an unguarded path: allowed, with the warning
    finally:
        if how == "SIGSTOP":
            daemon.signal(signal.SIGCONT)
    if how == "SIGSTOP":
        assert owner_edit(workspace).returncode == 0  # resumed: writes again
    else:
        watchd()  # a new start ends it
        assert owner_edit(workspace).returncode == 0


def test_a_guarded_commit_is_refused_while_the_daemon_is_gone(
    workspace: Path, watchd: Start
) -> None:
    install(workspace)
    watchd().kill9()
    (workspace / GUARDED).write_text("# changed while nobody watched\n")
    done = commit(workspace, template(files=GUARDED, agent=OWNER), "-a")
    assert done.returncode != 0 and GONE in done.stderr and GUARDED in done.stderr
    watchd()
    done = commit(workspace, template(files=GUARDED, agent=OWNER), "-a")
    assert done.returncode == 0, done.stderr


def test_an_emptied_lock_file_does_not_silence_the_block(workspace: Path, watchd: Start) -> None:
    """kill -9 leaves the daemon's trusted view; emptying the lock file no longer hides it."""
    watchd().kill9()
    (state_dir(workspace) / "watch.lock").write_text("")
    done = owner_edit(workspace)
    assert done.returncode == 2 and "lock file was emptied" in done.stderr
    assert run_cli(workspace, "watch", "stop").returncode == 1  # acknowledged, on the record
    assert owner_edit(workspace).returncode == 0
    assert not (state_dir(workspace) / "trusted-view").exists()

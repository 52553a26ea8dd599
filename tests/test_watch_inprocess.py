"""Failure modes that need a hand inside the daemon: lost events with an overflow notice, a dead
observer thread, a file that cannot be read. The daemon runs in this process (same code as
`watch run`, minus signals); files and inotify events are still real."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.repos import run_tty
from helpers.watch import records, state_records, wait_for, wait_record

from workspace_guard.gates.watch.baseline import Options
from workspace_guard.gates.watch.daemon import Daemon
from workspace_guard.gates.watch.engine import Place


@pytest.fixture
def daemon(workspace: Path) -> Iterator[Daemon]:
    git_dir = str(workspace / ".git")
    place = Place(str(workspace), git_dir, git_dir, str(workspace / ".git/workspace-guard"))
    running = Daemon(place, None, Options(rescan_interval=60))
    running.start()
    supervisor = threading.Thread(target=running.serve, daemon=True)
    supervisor.start()
    try:
        yield running
    finally:
        running.stop()
        supervisor.join(60)
        assert not supervisor.is_alive(), "the supervisor did not return within 60 s of stop()"


def test_an_overflow_notice_makes_the_daemon_rescan(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon.watcher.handler, "dispatch", lambda event: None)  # events lost
    (workspace / "app/main.py").write_text("written while the kernel queue overflowed\n")
    epoch = daemon.engine.epoch
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost"
    )
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["detected_by"] == "rescan"
    assert daemon.engine.counts["overflows"] == 1
    assert daemon.engine.epoch > epoch
    wait_for(
        lambda: daemon.engine.last_rescan["reason"] == "kernel event queue overflow",
        "the overflow rescan to finish",
    )


def test_a_dead_observer_is_restarted_with_a_new_epoch(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []  # paths the observers' events name (not the trickle's or a rescan's)
    add = daemon.watcher.hints.add

    def noted(rel: str, final: bool, origin: str = "event") -> None:
        if origin == "event":
            events.append(rel)
        add(rel, final, origin)

    monkeypatch.setattr(daemon.watcher.hints, "add", noted)
    old = daemon.watcher.observer
    epoch = daemon.engine.epoch
    old.stop()  # the thread ends, as when watchdog's dispatcher dies of an exception
    old.join()
    wait_for(
        lambda: daemon.watcher.observer is not old and daemon.engine.epoch > epoch, "a new observer"
    )
    wait_for(lambda: daemon.watcher.scheduled, "the watches to be scheduled again")
    (workspace / "app/main.py").write_text("after the restart\n")
    wait_record(workspace, path="app/main.py", action="detected")  # the restart's rescan may win
    # a later write: the new observer's event names it (the record may still say `rescan`: the
    # trickle's stat finds it as well, and wins when the event takes more than 0.5 s)
    events.clear()
    (workspace / "app/main.py").write_text("after the restart, again\n")
    wait_for(lambda: "app/main.py" in events, "the new observer's event for the write")
    wait_for(
        lambda: len(records(workspace, path="app/main.py", action="detected")) >= 2,
        "the write after the restart recorded",
    )


def test_a_file_that_cannot_be_read_is_reported_and_the_daemon_carries_on(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = str(workspace / "app/database.py")
    real_open = os.open

    def failing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(path) == target:
            raise OSError(errno.EIO, "Input/output error", target)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    (workspace / "app/database.py").write_text("engine = 'x'\n")
    found = wait_record(workspace, path="app/database.py", action="detected")
    assert found["change"] == "unreadable" and "Input/output error" in found["error"]
    monkeypatch.setattr(os, "open", real_open)
    (workspace / "app/main.py").write_text("still watching\n")
    wait_record(workspace, path="app/main.py", action="detected")
    assert daemon.worker.is_alive()


def test_a_crashing_check_does_not_kill_the_worker(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_check = daemon.engine.check

    def check(rel: str, origin: str) -> None:
        if rel == "app/main.py":
            raise RuntimeError("a bug")
        real_check(rel, origin)

    monkeypatch.setattr(daemon.engine, "check", check)
    (workspace / "app/main.py").write_text("x\n")
    wait_for(lambda: daemon.engine.counts["errors"] >= 1, "the error to be counted")
    (workspace / "app/database.py").write_text("y\n")
    wait_record(workspace, path="app/database.py", action="detected")
    assert daemon.worker.is_alive()
    assert not records(workspace, path="app/main.py")


def test_a_write_between_a_restore_and_its_reference_is_reported_not_adopted(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claims file is put back, and written again before the daemon takes the reference
    its next polls compare with: that write is judged (reported, put back), not taken for the
    restore's own. The write lands from the restore function itself, right after it wrote."""
    agent = "backend-framework-ai"
    done = run_tty(workspace, "claim", "app/models/order.py", "--agent", agent, "--ttl", "1h")
    assert done.returncode == 0, done.stderr
    path = workspace / ".git/workspace-guard/claims.json"
    [made] = json.loads(path.read_text())
    forged = json.dumps([{**made, "id": "f0f0f0f0", "agent": "system-architect-ai"}])
    files = daemon.engine.internals.files
    restore = files._rewrite_claims
    wrote: list[bytes | None] = []

    def restore_then_a_write(*args: Any) -> bytes | None:
        data = restore(*args)
        if not wrote:  # once, inside the window between the restore and its reference
            wrote.append(data)
            path.write_text(forged)
        return data

    monkeypatch.setattr(files, "_rewrite_claims", restore_then_a_write)
    path.write_text("[]")  # the claim removed by hand
    found = wait_for(
        lambda: state_records(workspace, "claims.json")[1:], "the write after the restore"
    )
    first = state_records(workspace, "claims.json")[0]
    assert first["claims_missing"] == [made["id"]] and first["restored"] is True
    assert wrote and json.loads(wrote[0] or b"") == [made]
    assert found[0]["claims_forged"] == ["f0f0f0f0"] and found[0]["restored"] is True
    assert Path(str(found[0]["quarantine"])).read_text() == forged
    wait_for(lambda: json.loads(path.read_text()) == [made], "the claims put back again")


def test_a_put_back_keeps_an_announced_key_judged_in_the_same_change(
    workspace: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`install` writes an announced key, and another process an enforcement key, before one
    poll: the other key is a violation and is put back; the announced key stays (judged again
    after the put-back, its announcement already spent — it was refused and removed)."""
    import subprocess
    import time

    from workspace_guard.state import announce

    time.sleep(1)  # the daemon's first polls: the audit log read
    internals = daemon.engine.internals
    poll_chain = internals._poll_chain
    done: list[bool] = []

    def poll_then_writes(name: str, *, full: bool) -> None:
        if not done:  # once, before the log's poll: both writes land in one judged change
            done.append(True)
            announce.git_config(str(workspace), "workspace-guard.requireProvenance", "true")
            subprocess.run(
                ["git", "config", "core.fsmonitor", "/tmp/barrier"], cwd=workspace, check=True
            )
        poll_chain(name, full=full)

    monkeypatch.setattr(internals, "_poll_chain", poll_then_writes)
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    time.sleep(1.5)  # the re-judgement after the put-back, and later polls
    assert found["keys"] == ["core.fsmonitor"], found
    config = [r for r in records(workspace, action="detected") if r.get("area") == "config"]
    assert [r["keys"] for r in config] == [["core.fsmonitor"]], config
    text = (workspace / ".git" / "config").read_text()
    assert "requireProvenance = true" in text and "/tmp/barrier" not in text

"""Start and stop on the record; an unclean stop noticed at the next start; a manifest in the
state dir (which any process can write) never makes the daemon skip a file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_cli
from helpers.watch import (
    Start,
    records,
    reload_barrier,
    state_dir,
    status,
    wait_record,
)

from workspace_guard.gates.watch.fs import observe


def test_start_and_stop_are_audited_with_who_asked(cli_daemon: Path) -> None:
    repo = cli_daemon
    env = {"WORKSPACE_AGENT": "devops-ai"}
    assert run_cli(repo, "watch", "start", env=env).returncode == 0
    [started] = records(repo, action="started")
    assert started["layer"] == "watch" and started["agent"] == "devops-ai"
    assert started["pid"] == status(repo)["pid"] and started["uid"] == os.getuid()
    stopped = run_cli(repo, "watch", "stop", env={"WORKSPACE_AGENT": "qa-ai"})
    assert stopped.returncode == 0, stopped.stderr
    [asked] = records(repo, action="stop")
    assert asked["agent"] == "qa-ai" and asked["pid"] == started["pid"]
    [done] = records(repo, action="stopped")
    assert done["pid"] == started["pid"] and done["requested"] is True
    assert done["reason"] == "watch stop"
    assert run_cli(repo, "audit", "verify").returncode == 0


def test_a_bare_sigterm_is_recorded_as_not_requested(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    assert proc.stop() == 0
    [done] = records(workspace, action="stopped")
    assert done["requested"] is False and "without `watch stop`" in done["reason"]
    watchd()  # a clean stop: nothing to report at the next start
    assert records(workspace, change="daemon_stopped") == []


def test_kill_9_is_reported_at_the_next_start(workspace: Path, watchd: Start) -> None:
    first = watchd()
    killed = first.pid
    first.kill9()
    watchd()
    [found] = records(workspace, change="daemon_stopped")
    assert found["action"] == "detected" and found["pid"] == killed
    assert found["detected_by"] == "startup"
    incidents = list((workspace / ".workspace/incidents").glob("*watch-daemon*.md"))
    assert len(incidents) == 1
    assert f"pid {killed}" in incidents[0].read_text()
    assert len(records(workspace, action="started")) == 2


def _forge(repo: Path, rel: str) -> None:
    """What an agent would write to make the daemon believe `rel` was already reported."""
    signature = observe(str(repo / rel)).signature
    manifest = state_dir(repo) / "watch-manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"version": 1, "epoch": 7, "known": {rel: signature}}))


def test_a_forged_manifest_entry_does_not_hide_a_change(workspace: Path, watchd: Start) -> None:
    (workspace / "app/main.py").write_text("app.debug = True\n")
    _forge(workspace, "app/main.py")
    proc = watchd("--restore")
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["detected_by"] == "startup"
    wait_record(workspace, path="app/main.py", action="restored")
    assert (workspace / "app/main.py").read_text() != "app.debug = True\n"
    assert "not backed by the audit log" in proc.output()


def test_a_forged_entry_while_running_is_not_trusted_at_restart(
    workspace: Path, watchd: Start
) -> None:
    watchd().stop()
    (workspace / "app/main.py").write_text("offline\n")
    _forge(workspace, "app/main.py")
    (workspace / ".git/workspace-guard/audit.jsonl").write_text("")  # a wiped chain proves nothing
    watchd()
    wait_record(workspace, path="app/main.py", action="detected", detected_by="startup")


def test_a_real_report_is_still_remembered_across_restarts(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    (workspace / "app/main.py").write_text("changed\n")
    wait_record(workspace, path="app/main.py", action="detected")
    proc.stop()
    reload_barrier(watchd())
    assert len(records(workspace, path="app/main.py")) == 1


def test_the_daemon_takes_no_rules_from_whoever_starts_it(cli_daemon: Path) -> None:
    """--rules and WORKSPACE_GUARD_RULES are for explicit commands: a daemon an agent restarts
    with rules that protect nothing would be blind (contract §3)."""
    repo = cli_daemon
    for verb in ("run", "start"):
        refused = run_cli(repo, "watch", verb, "--rules", ".workspace/rules.yaml")
        assert refused.returncode == 2 and "does not take --rules" in refused.stderr
    blind = repo.parent / "blind.yaml"
    blind.write_text(
        "version: 1\nescalation: master-orchestrator\n"
        "agents: {master-orchestrator: {}}\nprotected: []\n"
    )
    started = run_cli(repo, "watch", "start", env={"WORKSPACE_GUARD_RULES": str(blind)})
    assert started.returncode == 0, started.stderr
    (repo / "app/main.py").write_text("still protected\n")
    wait_record(repo, path="app/main.py", action="detected")
    assert "WORKSPACE_GUARD_RULES is ignored" in (state_dir(repo) / "watch.log").read_text()

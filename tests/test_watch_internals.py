"""The daemon guards git's hooks and config and its own state dir: a change that workspace-guard
did not make is a violation (hooks are put back), one it made is not."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty
from helpers.watch import (
    Start,
    records,
    reload_barrier,
    state_dir,
    wait_for,
    wait_record,
)

OWNER = "system-architect-ai"


@pytest.fixture
def installed(workspace: Path) -> Path:
    done = run_cli(workspace, "install")
    assert done.returncode == 0, done.stderr
    return workspace


def hook(repo: Path, name: str = "pre-commit") -> Path:
    return repo / ".git/hooks" / name


def test_an_overwritten_hook_is_reported_and_put_back(installed: Path, watchd: Start) -> None:
    ours = hook(installed).read_bytes()
    watchd()  # restore of hooks does not need --restore: they are the enforcement itself
    hook(installed).write_text("#!/bin/sh\nexit 0\n")
    found = wait_record(installed, path=".git/hooks/pre-commit", action="detected", timeout=30)
    assert found["area"] == "hooks" and found["change"] == "modified"
    assert found["restored"] is True
    assert Path(found["quarantine"]).read_bytes() == b"#!/bin/sh\nexit 0\n"
    wait_for(lambda: hook(installed).read_bytes() == ours, "the hook to be put back")
    assert hook(installed).stat().st_mode & 0o111
    incidents = installed / ".workspace/incidents"
    wait_for(lambda: list(incidents.glob("*hooks_pre-commit*.md")), "the incident report")


def test_a_deleted_hook_comes_back_and_a_new_one_goes(installed: Path, watchd: Start) -> None:
    ours = hook(installed, "commit-msg").read_bytes()
    watchd()
    hook(installed, "commit-msg").unlink()
    found = wait_record(installed, path=".git/hooks/commit-msg", action="detected", timeout=30)
    assert found["change"] == "deleted"
    wait_for(lambda: hook(installed, "commit-msg").exists(), "the hook to come back")
    assert hook(installed, "commit-msg").read_bytes() == ours
    hook(installed, "post-checkout").write_text("#!/bin/sh\ncurl evil\n")
    hook(installed, "post-checkout").chmod(0o755)
    found = wait_record(installed, path=".git/hooks/post-checkout", action="detected", timeout=30)
    assert found["change"] == "created"
    wait_for(lambda: not hook(installed, "post-checkout").exists(), "the new hook to go")


def test_install_while_the_daemon_runs_is_not_a_violation(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    assert run_cli(workspace, "install").returncode == 0
    assert hook(workspace).exists()
    time.sleep(0.6)
    reload_barrier(proc)
    assert records(workspace, area="hooks") == []
    assert hook(workspace).exists()


def test_a_hook_changed_while_the_daemon_was_down_is_found_and_put_back(
    installed: Path, watchd: Start
) -> None:
    ours = hook(installed).read_bytes()
    watchd().stop()
    hook(installed).write_text("#!/bin/sh\nexit 0\n")
    watchd()
    found = wait_record(installed, path=".git/hooks/pre-commit", action="detected")
    assert found["detected_by"] == "startup" and found["restored"] is True
    assert hook(installed).read_bytes() == ours


def test_a_config_change_is_reported_with_its_keys(workspace: Path, watchd: Start) -> None:
    watchd()
    git(workspace, "config", "core.hooksPath", "/dev/null")
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    assert found["area"] == "config" and found["keys"] == ["core.hookspath"]
    assert found["restored_keys"] == ["core.hookspath"]  # hooks switched off: put back
    assert git(workspace, "config", "--local", "--get", "core.hooksPath", check=False) == ""


def test_other_config_keys_are_reported_and_left(workspace: Path, watchd: Start) -> None:
    watchd()
    git(workspace, "config", "user.name", "someone")
    git(workspace, "config", "workspace-guard.rulesRef", "refs/heads/mine")
    found = wait_for(
        lambda: [
            r
            for r in records(workspace, path=".git/config")
            if "workspace-guard.rulesref" in r["keys"]
        ],
        "the rulesRef change to be recorded",
    )[0]
    assert found.get("restored_keys") == ["workspace-guard.rulesref"]
    assert (
        git(workspace, "config", "--local", "--get", "workspace-guard.rulesRef", check=False) == ""
    )
    assert git(workspace, "config", "--local", "--get", "user.name").strip() == "someone"


def test_a_cut_or_edited_audit_log_is_reported(workspace: Path, watchd: Start) -> None:
    watchd()
    log = state_dir(workspace) / "audit.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    assert lines  # the `started` record at least
    edited = json.loads(lines[0])
    edited["agent"] = "someone-else"
    log.write_text(json.dumps(edited) + "\n" + "".join(lines[1:]))
    found = wait_record(workspace, path=".git/workspace-guard/audit.jsonl", timeout=30)
    assert found["area"] == "state" and found["action"] == "detected"


def test_own_appends_and_ledger_appends_raise_nothing(workspace: Path, watchd: Start) -> None:
    from workspace_guard.state import ledger

    proc = watchd()
    record = {"kind": "write", "harness": "claude", "agent": OWNER, "tool": "Edit"}
    assert ledger.append(str(state_dir(workspace)), [{**record, "path": "README.md", "blob": None}])
    approved = run_tty(workspace, "approve", "backend-framework-ai", "app/main.py", "--by", OWNER)
    assert approved.returncode == 0, approved.stderr  # a ledger append by workspace-guard
    (workspace / "app/main.py").write_text("x\n")  # a violation: the daemon appends to the log
    wait_record(workspace, path="app/main.py", action="detected")
    time.sleep(1.3)
    reload_barrier(proc)
    assert records(workspace, area="state") == []
    assert run_cli(workspace, "audit", "verify").returncode == 0


def test_a_cut_ledger_is_reported(workspace: Path, watchd: Start) -> None:
    from workspace_guard.state import ledger

    record = {"kind": "write", "harness": "claude", "agent": OWNER, "tool": "Edit"}
    for n in range(3):
        ledger.append(str(state_dir(workspace)), [{**record, "path": f"n{n}", "blob": None}])
    watchd()
    path = state_dir(workspace) / "ledger.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:1]))
    found = wait_record(workspace, path=".git/workspace-guard/ledger.jsonl", timeout=30)
    assert found["area"] == "state" and found["change"] == "truncated"

"""Detection: every way of changing a protected file is seen through real inotify events."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import git
from helpers.watch import (
    Start,
    blob,
    git_bytes,
    record_write,
    records,
    reload_barrier,
    status,
    wait_for,
    wait_record,
)

OWNER = "system-architect-ai"


def test_write_in_place_is_recorded_with_the_contract_fields(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    before = (workspace / "app/main.py").read_bytes()
    events = status(workspace).get("counts", {}).get("events", 0)
    with open(workspace / "app/main.py", "ab") as handle:
        handle.write(b"# by an agent\n")
    found = wait_record(workspace, path="app/main.py", action="detected")
    # the write's inotify event reached the daemon (the only write in the tree)
    wait_for(lambda: status(workspace).get("counts", {}).get("events", 0) > events, "its event")
    assert found["layer"] == "watch"
    assert found["agent"] is None
    assert found["owner"] == "system-architect-ai"
    assert found["level"] == "critical"
    assert found["escalate_to"] == "master-orchestrator"
    # its event, or the trickle's stat (every 0.25 s) when the event took longer than the
    # 0.5 s the trickle's finding waits for it (a busy machine): either is a live detection
    assert found["detected_by"] in ("event", "rescan")
    assert found["change"] == "modified"
    assert found["sha_before"] == blob(before)
    assert found["sha_after"] == blob(before + b"# by an agent\n")
    assert found["ts"] and found["epoch"] >= 1


def test_temp_and_rename_in_the_same_folder(workspace: Path, watchd: Start) -> None:
    watchd()
    tmp = workspace / "app" / ".main.py.swap-save"
    tmp.write_text("app = None\n")
    os.replace(tmp, workspace / "app/main.py")
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["sha_after"] == blob(b"app = None\n")
    assert not records(workspace, path="app/.main.py.swap-save")


def test_temp_outside_the_tree_then_rename(workspace: Path, watchd: Start) -> None:
    watchd()
    outside = workspace.parent / "outside.tmp"
    outside.write_text("DEBUG = True\n")
    os.replace(outside, workspace / "app/core/config.py")
    found = wait_record(workspace, path="app/core/config.py", action="detected")
    assert found["change"] == "modified"


def test_vim_backup_rename_is_one_modification_not_a_deletion(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    target = workspace / "app/database.py"
    backup = workspace / "app/database.py~"
    os.rename(target, backup)  # what vim does with 'backupcopy=no'
    target.write_text("engine = 'sqlite://'\n")
    backup.unlink()
    found = wait_record(workspace, path="app/database.py", action="detected")
    assert found["change"] == "modified"
    reload_barrier(proc)
    changes = [r["change"] for r in records(workspace, path="app/database.py")]
    assert changes == ["modified"]


def test_sed_in_place(workspace: Path, watchd: Start) -> None:
    watchd()
    subprocess.run(["sed", "-i", "s/False/True/", "app/core/config.py"], cwd=workspace, check=True)
    found = wait_record(workspace, path="app/core/config.py", action="detected")
    assert found["sha_after"] == blob(b"DEBUG = True\n")


def test_git_checkout_of_an_older_version_of_a_file(workspace: Path, watchd: Start) -> None:
    (workspace / "app/main.py").write_text("# v2\n")
    git(workspace, "commit", "-qam", "feat(api): v2")
    watchd()
    git(workspace, "checkout", "HEAD~1", "--", "app/main.py")
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["sha_before"] == blob(b"# v2\n")


def test_rm_is_a_deletion(workspace: Path, watchd: Start) -> None:
    watchd()
    (workspace / "docker-compose.yml").unlink()
    found = wait_record(workspace, path="docker-compose.yml", action="detected")
    assert found["change"] == "deleted"
    assert found["sha_after"] is None


def test_symlink_replacing_a_file(workspace: Path, watchd: Start) -> None:
    watchd()
    (workspace / "app/main.py").unlink()
    (workspace / "app/main.py").symlink_to("/etc/hostname")
    found = wait_record(workspace, path="app/main.py", action="detected", change="symlink")
    assert found["sha_after"] == blob(b"/etc/hostname")


def test_directory_replacing_a_file(workspace: Path, watchd: Start) -> None:
    watchd()
    (workspace / "app/database.py").unlink()
    (workspace / "app/database.py").mkdir()
    (workspace / "app/database.py" / "x").write_text("x")
    wait_record(workspace, path="app/database.py", action="detected", change="directory")


def test_mode_change_is_found_by_the_periodic_rescan(workspace: Path, watchd: Start) -> None:
    watchd("--rescan-interval", "1")  # the narrowed mask has no IN_ATTRIB: chmod sends no event
    os.chmod(workspace / "app/main.py", 0o755)
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["change"] == "mode"
    assert found["detected_by"] == "rescan"
    assert found["sha_before"] == found["sha_after"]


def test_new_file_in_a_protected_folder_created_with_its_parents(
    workspace: Path, watchd: Start
) -> None:
    watchd()  # /alembic/ is a directory rule; the folder does not exist yet
    versions = workspace / "alembic" / "versions"
    versions.mkdir(parents=True)
    (versions / "001_init.py").write_text("revision = '001'\n")
    found = wait_record(workspace, path="alembic/versions/001_init.py", action="detected")
    assert found["change"] == "created"
    assert found["owner"] == "database-architect-ai"


def test_new_file_in_an_office_and_unprotected_files_stay_silent(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    (workspace / "app/models/order.py").write_text("class Order: ...\n")  # not protected
    (workspace / "app/new_module.py").write_text("x = 1\n")  # not protected
    office = workspace / ".workspace/departments/backend/backend-framework-ai"
    (office / "todo.md").write_text("- [ ] things\n")
    found = wait_record(
        workspace,
        action="detected",
        path=".workspace/departments/backend/backend-framework-ai/todo.md",
    )
    assert found["owner"] == "backend-framework-ai" and found["level"] == "high"
    reload_barrier(proc)
    assert {r["path"] for r in records(workspace)} == {found["path"]}


def test_switching_branches_moves_the_baseline_without_false_reports(
    workspace: Path, watchd: Start
) -> None:
    git(workspace, "checkout", "-qb", "feature")
    (workspace / "app/main.py").write_text("# feature\n")
    (workspace / "app/core/config.py").unlink()
    git(workspace, "commit", "-qam", "feat(api): feature")
    git(workspace, "checkout", "-q", "main")
    proc = watchd()
    git(workspace, "checkout", "-q", "feature")
    head = git(workspace, "rev-parse", "HEAD").strip()
    wait_for(lambda: status(workspace).get("head") == head, "the baseline to follow HEAD")
    reload_barrier(proc)
    assert records(workspace) == []


def test_the_bytes_an_allowed_call_recorded_are_authorised(workspace: Path, watchd: Start) -> None:
    watchd()
    record_write(workspace, "app/main.py", b"# by the owner\n")
    (workspace / "app/main.py").write_bytes(b"# by the owner\n")
    found = wait_record(workspace, path="app/main.py", action="authorised")
    assert found["agent"] == OWNER and found["tool"] == "Edit" and found["ledger_seq"] >= 1
    assert not records(workspace, action="detected")


def test_other_bytes_at_a_recorded_path_are_a_violation(workspace: Path, watchd: Start) -> None:
    """No path-wide window: the owner's recorded write covers its bytes, not the next ones."""
    proc = watchd("--restore")
    record_write(workspace, "app/main.py", b"# by the owner\n")
    (workspace / "app/main.py").write_bytes(b"# by the owner\n")
    wait_record(workspace, path="app/main.py", action="authorised")
    (workspace / "app/main.py").write_bytes(b"# slipped in after the owner\n")
    found = wait_record(workspace, path="app/main.py", action="restored")
    assert found["sha_after"] == blob(b"# slipped in after the owner\n")
    reload_barrier(proc)
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")


def test_a_record_by_an_agent_the_rules_do_not_allow_authorises_nothing(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    record_write(workspace, "app/main.py", b"# forged\n", agent="backend-framework-ai")
    record_write(workspace, "app/main.py", b"# forged\n", agent="nobody-ai")
    (workspace / "app/main.py").write_bytes(b"# forged\n")
    found = wait_record(workspace, path="app/main.py", action="detected")
    assert found["agent"] is None


def test_an_approval_file_alone_authorises_nothing(workspace: Path, watchd: Start) -> None:
    """approvals.json is agent-writable: the daemon accepts ledger records of bytes only."""
    import json
    import time

    watchd()
    approval = {
        "agent": "backend-framework-ai",
        "path": "app/main.py",
        "approver": OWNER,
        "until": time.time() + 60,
        "id": "a1",
    }
    approvals = workspace / ".git/workspace-guard/approvals.json"  # what older versions read
    approvals.parent.mkdir(parents=True, exist_ok=True)
    approvals.write_text(json.dumps([approval]))
    (workspace / "app/main.py").write_text("# approved?\n")
    wait_record(workspace, path="app/main.py", action="detected")


def test_a_write_by_an_approved_agent_recorded_with_its_approval(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard.state import ledger

    watchd()
    approval = {"kind": "approval", "agent": OWNER, "approved": "backend-framework-ai"}
    state = str(workspace / ".git/workspace-guard")
    assert ledger.append(state, [{**approval, "paths": ["app/main.py"], "until": None}])
    record_write(workspace, "app/main.py", b"# approved\n", agent="backend-framework-ai")
    (workspace / "app/main.py").write_bytes(b"# approved\n")
    found = wait_record(workspace, path="app/main.py", action="authorised")
    assert found["agent"] == "backend-framework-ai"


def test_the_record_may_follow_the_write_within_the_ledger_wait(
    workspace: Path, watchd: Start
) -> None:
    """The harness records after the tool ran: the daemon saw the write first."""
    proc = watchd("--ledger-wait", "10", "--restore")
    (workspace / "app/main.py").write_bytes(b"# owner, recorded late\n")
    wait_for(lambda: status(workspace).get("counts", {}).get("events"), "the write's event")
    record_write(workspace, "app/main.py", b"# owner, recorded late\n")
    found = wait_record(workspace, path="app/main.py", action="authorised")
    assert found["agent"] == OWNER
    reload_barrier(proc)
    assert not records(workspace, action="detected")
    assert (workspace / "app/main.py").read_bytes() == b"# owner, recorded late\n"


def test_an_unrecorded_write_is_reported_once_the_ledger_wait_is_over(
    workspace: Path, watchd: Start
) -> None:
    import time

    watchd("--ledger-wait", "1")
    started = time.monotonic()
    (workspace / "app/main.py").write_bytes(b"# nobody recorded this\n")
    wait_record(workspace, path="app/main.py", action="detected")
    assert time.monotonic() - started >= 1.0


def test_records_after_a_break_in_the_ledger_authorise_nothing(
    workspace: Path, watchd: Start
) -> None:
    record_write(workspace, "app/main.py", b"# first\n")
    path = workspace / ".git/workspace-guard/ledger.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace(blob(b"# first\n"), blob(b"# edited\n"))  # hash mismatch
    assert blob(b"# edited\n") in lines[0]
    path.write_text("".join(lines), encoding="utf-8")
    record_write(workspace, "app/main.py", b"# second\n")
    watchd()
    (workspace / "app/main.py").write_bytes(b"# second\n")
    wait_record(workspace, path="app/main.py", action="detected")


def test_an_office_write_recorded_by_its_agent_is_never_reverted(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore")
    rel = ".workspace/departments/backend/backend-framework-ai/notes.md"
    record_write(workspace, rel, b"- my notes\n", agent="backend-framework-ai")
    (workspace / rel).write_bytes(b"- my notes\n")
    found = wait_record(workspace, path=rel, action="authorised")
    assert found["agent"] == "backend-framework-ai"
    reload_barrier(proc)
    assert (workspace / rel).read_bytes() == b"- my notes\n"


def test_a_recorded_deletion_is_authorised(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    record_write(workspace, "app/database.py", None, agent="database-architect-ai")
    (workspace / "app/database.py").unlink()
    found = wait_record(workspace, path="app/database.py", action="authorised")
    assert found["change"] == "deleted"
    assert not (workspace / "app/database.py").exists()


def test_the_state_dir_and_git_internals_are_not_watched(workspace: Path, watchd: Start) -> None:
    proc = watchd()
    schedules = {d for d, _ in status(workspace)["watches"]["schedules"]}
    assert not any(d == ".git" or d.startswith(".git/") for d in schedules)
    shutil.copy(workspace / "app/main.py", workspace / ".git" / "main.py.copy")
    reload_barrier(proc)
    assert records(workspace) == []

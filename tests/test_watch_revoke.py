"""Revocations: an approval withdrawn by `approvals revoke` stops authorising writes from the
moment of the `revoke` record — real daemon, real inotify events, the real revoke command."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from helpers.watch import Start, blob, git_bytes, record_write, records, reload_barrier, wait_record

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
MAIN = "app/main.py"


def approve(repo: Path, ident: str, path: str = MAIN) -> None:
    """An approval as `approve --by OWNER` records it in the ledger."""
    from workspace_guard.state import ledger

    record = {"kind": "approval", "agent": OWNER, "approved": OTHER, "id": ident}
    state = str(repo / ".git/workspace-guard")
    assert ledger.append(state, [{**record, "paths": [path], "until": None}])


def revoke(repo: Path, ident: str) -> None:
    done = run_cli(repo, "approvals", "revoke", ident)
    assert done.returncode == 0, done.stderr


def test_a_write_after_the_revocation_is_a_violation(workspace: Path, watchd: Start) -> None:
    proc = watchd("--restore")
    approve(workspace, "a1")
    revoke(workspace, "a1")
    record_write(workspace, MAIN, b"# approved once\n", agent=OTHER)
    (workspace / MAIN).write_bytes(b"# approved once\n")
    found = wait_record(workspace, path=MAIN, action="restored")
    assert found["sha_after"] == blob(b"# approved once\n")
    assert not records(workspace, path=MAIN, action="authorised")
    reload_barrier(proc)
    assert (workspace / MAIN).read_bytes() == git_bytes(workspace, MAIN)


def test_bytes_recorded_before_the_revocation_but_seen_after_are_a_violation(
    workspace: Path, watchd: Start
) -> None:
    """The harness recorded the write while the approval was live; the bytes reach the file only
    after the revocation (a late write, or the daemon was busy): from the revocation on, the
    withdrawn approval authorises nothing."""
    watchd()
    approve(workspace, "a2")
    record_write(workspace, MAIN, b"# recorded in time\n", agent=OTHER)
    revoke(workspace, "a2")
    (workspace / MAIN).write_bytes(b"# recorded in time\n")
    found = wait_record(workspace, path=MAIN, action="detected")
    assert found["agent"] is None


def test_what_was_accepted_before_the_revocation_is_not_reported_again(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore")
    approve(workspace, "a3")
    record_write(workspace, MAIN, b"# while approved\n", agent=OTHER)
    (workspace / MAIN).write_bytes(b"# while approved\n")
    wait_record(workspace, path=MAIN, action="authorised")
    revoke(workspace, "a3")
    reload_barrier(proc)
    assert not records(workspace, action="detected")
    assert (workspace / MAIN).read_bytes() == b"# while approved\n"


def test_revoking_another_approval_changes_nothing(workspace: Path, watchd: Start) -> None:
    watchd()
    approve(workspace, "a4")
    approve(workspace, "a5", path="app/core/config.py")
    revoke(workspace, "a5")
    record_write(workspace, MAIN, b"# still approved\n", agent=OTHER)
    (workspace / MAIN).write_bytes(b"# still approved\n")
    found = wait_record(workspace, path=MAIN, action="authorised")
    assert found["agent"] == OTHER


def test_the_owner_needs_no_approval_so_a_revocation_does_not_touch_it(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    approve(workspace, "a6")
    revoke(workspace, "a6")
    record_write(workspace, MAIN, b"# the owner\n")
    (workspace / MAIN).write_bytes(b"# the owner\n")
    assert wait_record(workspace, path=MAIN, action="authorised")["agent"] == OWNER


def test_a_revocation_while_the_daemon_was_down_counts_at_start(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    proc.stop()
    approve(workspace, "a7")
    record_write(workspace, MAIN, b"# written while down\n", agent=OTHER)
    (workspace / MAIN).write_bytes(b"# written while down\n")
    revoke(workspace, "a7")
    watchd()
    found = wait_record(workspace, path=MAIN, action="detected")
    assert found["detected_by"] == "startup"

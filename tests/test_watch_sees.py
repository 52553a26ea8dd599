"""The daemon sees what git sees: hard links written from outside the tree, a stale
`index.lock`, names that are not UTF-8; and its intervals are finite."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.watch import (
    Start,
    git_bytes,
    records,
    reload_barrier,
    state_dir,
    wait_for,
    wait_record,
)

RAW = b"app/api/caf\xe9.py"  # Latin-1, not UTF-8
NAME = os.fsdecode(RAW)


def test_a_write_through_a_hard_link_outside_the_tree_is_seen(
    workspace: Path, watchd: Start
) -> None:
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/main.py", outside / "main.py")
    watchd("--restore")
    with open(outside / "main.py", "r+b") as handle:  # same inode, no event in the tree
        handle.write(b"# via the other name\n")
        handle.truncate()
    found = wait_record(workspace, path="app/main.py", action="detected", timeout=30)
    assert found["detected_by"] == "event" and found["change"] == "modified"
    wait_record(workspace, path="app/main.py", action="restored", timeout=30)
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")


def test_a_hard_link_made_while_running_is_found_by_the_next_rescan(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/database.py", outside / "db.py")
    reload_barrier(proc)
    assert records(workspace) == []
    (outside / "db.py").open("ab").write(b"# appended from outside\n")
    found = wait_record(workspace, path="app/database.py", action="detected", timeout=30)
    assert found["change"] == "modified"


def test_a_stale_index_lock_never_postpones_a_check_to_the_rescan(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore")  # rescans every 60 s: a record within 30 s is not the rescan's
    (workspace / ".git/index.lock").write_bytes(b"")
    (workspace / "app/main.py").write_text("while git seems busy\n")
    found = wait_record(workspace, path="app/main.py", action="detected", timeout=30)
    # found by its event, or by the trickle's stat when the event was slower than the 0.5 s the
    # trickle waits for it (a busy machine): with the lock still there, long before the rescan
    assert found["detected_by"] in ("event", "rescan") and proc.alive()
    time.sleep(0.3)
    assert records(workspace, path="app/main.py", action="restored") == []  # git may be writing
    (workspace / ".git/index.lock").unlink()
    wait_record(workspace, path="app/main.py", action="restored", timeout=30)
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")


@pytest.fixture
def latin1(workspace: Path) -> Path:
    """A protected file whose name is not UTF-8, committed."""
    (workspace / NAME).write_bytes(b"ROUTES = []\n")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "feat(api): latin-1 name")
    return workspace


def test_a_non_utf8_name_is_recorded_quarantined_and_restored(latin1: Path, watchd: Start) -> None:
    watchd("--restore")
    (latin1 / NAME).write_bytes(b"ROUTES = ['/backdoor']\n")
    encoded = base64.b64encode(RAW).decode()
    found = wait_record(latin1, path_b64=encoded, action="restored", timeout=30)
    assert found["change"] == "modified"
    assert Path(found["quarantine"]).read_bytes() == b"ROUTES = ['/backdoor']\n"
    assert (latin1 / NAME).read_bytes() == b"ROUTES = []\n"
    assert run_cli(latin1, "audit", "verify").returncode == 0


def test_a_deleted_non_utf8_name_comes_back_and_a_new_one_goes(latin1: Path, watchd: Start) -> None:
    watchd("--restore")
    (latin1 / NAME).unlink()
    wait_record(latin1, path_b64=base64.b64encode(RAW).decode(), action="restored", timeout=30)
    assert (latin1 / NAME).read_bytes() == b"ROUTES = []\n"
    new = b"app/api/na\xefve.py"
    (latin1 / os.fsdecode(new)).write_bytes(b"x = 1\n")
    found = wait_record(
        latin1, path_b64=base64.b64encode(new).decode(), action="restored", timeout=30
    )
    assert found["change"] == "created"
    wait_for(lambda: not os.path.lexists(latin1 / os.fsdecode(new)), "the new file to go")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e400", "soon"])
def test_rescan_interval_must_be_finite_and_positive(workspace: Path, value: str) -> None:
    for verb in ("run", "start"):
        done = run_cli(workspace, "watch", verb, f"--rescan-interval={value}")
        assert done.returncode == 2, (verb, value, done.stderr)
        assert "Traceback" not in done.stderr
    assert not (state_dir(workspace) / "watch.lock").exists() or (
        run_cli(workspace, "watch", "status").returncode == 1
    )


def test_content_git_itself_could_write_waits_for_the_index_lock(
    workspace: Path, watchd: Start
) -> None:
    """A long checkout holds index.lock while it writes committed blobs: such content (and a
    deletion) waits for git to let go; bytes git never saw are judged at once (test above)."""
    old = git_bytes(workspace, "app/main.py")
    (workspace / "app/main.py").write_text("app = 'v2'\n")
    git(workspace, "commit", "-qam", "feat(app): v2")
    proc = watchd("--restore")
    (workspace / ".git/index.lock").write_bytes(b"")
    (workspace / "app/main.py").write_bytes(old)  # what `git checkout HEAD~1` would write
    (workspace / "app/database.py").unlink()
    time.sleep(2.5)  # well past the 1 s hold: still waiting, git may be mid-checkout
    assert records(workspace, path="app/main.py") == []
    assert records(workspace, path="app/database.py") == []
    (workspace / ".git/index.lock").unlink()  # git let go without moving HEAD: a violation
    wait_record(workspace, path="app/main.py", action="restored", timeout=30)
    wait_record(workspace, path="app/database.py", action="restored", timeout=30)
    assert (workspace / "app/main.py").read_text() == "app = 'v2'\n"
    assert proc.alive()


def test_a_checkout_that_holds_the_lock_is_not_reported(workspace: Path, watchd: Start) -> None:
    """What a slow `git checkout HEAD~1` does: hold index.lock, write the files, write the new
    index into the lock and rename it over the index, then move HEAD — at git's own pace."""
    import subprocess

    (workspace / "app/main.py").write_text("app = 'v2'\n")
    git(workspace, "commit", "-qam", "feat(app): v2")
    target = git(workspace, "rev-parse", "HEAD~1").strip()
    scratch = workspace.parent / "target-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(scratch)}
    subprocess.run(["git", "read-tree", target], cwd=workspace, env=env, check=True)
    proc = watchd("--restore")
    lock = workspace / ".git/index.lock"
    lock.write_bytes(b"")
    (workspace / "app/main.py").write_bytes(git_bytes(workspace, "app/main.py", target))
    time.sleep(1.5)  # a slow checkout: well past the 1 s hold
    lock.write_bytes(scratch.read_bytes())
    os.replace(lock, workspace / ".git/index")
    (workspace / ".git/HEAD").write_text(target + "\n")
    reload_barrier(proc)
    assert records(workspace, path="app/main.py") == []
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")


def test_a_chmod_and_a_new_hard_link_are_found_without_waiting_for_the_rescan(
    workspace: Path, watchd: Start
) -> None:
    """No event for either (the narrowed mask has no IN_ATTRIB): the trickle of stat calls
    finds them in a cycle (13 files here: within a tick), long before the 60 s rescan."""
    proc = watchd()
    os.chmod(workspace / "app/main.py", 0o755)
    found = wait_record(workspace, path="app/main.py", action="detected", timeout=30)
    assert found["change"] == "mode"
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/database.py", outside / "db.py")
    # the trickle sees the new link count and the daemon polls the inode from then on (it says
    # so); a fixed sleep here assumed an idle machine
    wait_for(lambda: "app/database.py has 2 hard links" in proc.output(), "the link to be seen")
    with open(outside / "db.py", "ab") as handle:
        handle.write(b"# appended from outside\n")
    found = wait_record(workspace, path="app/database.py", action="detected", timeout=30)
    assert found["change"] == "modified"

"""A protected file written through a hard link outside the repository (issue 13, ATTACK F40):
the write raises no event inside the tree, so the daemon must find it by itself — the link count
its trickle of `stat` calls sees, then the inode it polls — and treat it as any unauthorised
change: recorded as a violation and, with `--restore`, put back (the bytes kept in quarantine).
Whether the link was made before the daemon started or while it runs."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.watch import Start, git_bytes, wait_for, wait_record


def _write_through(name: Path) -> None:
    with open(name, "r+b") as handle:  # same inode: app's file changes, no event in the tree
        handle.write(b"evil = True\n")
        handle.truncate()


def test_a_link_made_while_running_then_written_is_recorded_and_restored(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore")
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/main.py", outside / "m.py")
    wait_for(lambda: "app/main.py has 2 hard links" in proc.output(), "the link to be seen")
    _write_through(outside / "m.py")
    found = wait_record(workspace, path="app/main.py", action="detected", timeout=60)
    assert found["change"] == "modified" and found["owner"] == "system-architect-ai"
    restored = wait_record(workspace, path="app/main.py", action="restored", timeout=60)
    assert Path(restored["quarantine"]).read_bytes() == b"evil = True\n"
    assert (workspace / "app/main.py").read_bytes() == git_bytes(workspace, "app/main.py")


def test_a_write_made_while_the_daemon_was_down_is_found_at_start(
    workspace: Path, watchd: Start
) -> None:
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/core/config.py", outside / "c.py")
    _write_through(outside / "c.py")
    watchd("--restore")
    found = wait_record(workspace, path="app/core/config.py", action="detected", timeout=60)
    assert found["change"] == "modified"
    wait_record(workspace, path="app/core/config.py", action="restored", timeout=60)
    assert (workspace / "app/core/config.py").read_bytes() == git_bytes(
        workspace, "app/core/config.py"
    )

"""The trickle of stat calls and the hard-link poll compare with what a check judged, never with
whatever they happen to see first: a change made between a look and the next stat must be found.
The engine runs in this process without its threads, so the interleaving is exact; files are real.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.watch import records

from workspace_guard.gates.watch import engine as watch_engine
from workspace_guard.gates.watch.baseline import Options
from workspace_guard.gates.watch.engine import Engine, Place
from workspace_guard.gates.watch.fs import Observation


def started(workspace: Path) -> Engine:
    """An engine after its startup reconcile, as the worker has it when the daemon says ready."""
    git_dir = str(workspace / ".git")
    place = Place(str(workspace), git_dir, git_dir, str(workspace / ".git/workspace-guard"))
    engine = Engine(place, None, Options(rescan_interval=60, ledger_wait=0), 0o022)
    engine.state = engine.load_state()
    engine.rescan("startup reconcile", "startup")
    return engine


def test_a_chmod_before_the_first_trickle_turn_is_judged_against_head(workspace: Path) -> None:
    """Ready is said after the startup reconcile; the trickle's first turn comes later. A chmod
    in between must not become the trickle's reference (only the 60 s rescan would find it)."""
    engine = started(workspace)
    os.chmod(workspace / "app/main.py", 0o755)
    due = engine.trickle(256)
    assert due == ["app/main.py"]
    for rel in due:
        engine.check(rel, "rescan")
    [found] = records(workspace, path="app/main.py", action="detected")
    assert found["change"] == "mode"
    assert engine.trickle(256) == []  # judged: not checked again until it changes again


def test_a_file_no_check_has_judged_is_checked_not_adopted(workspace: Path) -> None:
    engine = started(workspace)
    engine._keys.clear()  # as if the reconcile had not reached them
    os.chmod(workspace / "app/main.py", 0o755)
    due = engine.trickle(256)
    assert "app/main.py" in due
    for rel in due:
        engine.check(rel, "rescan")
    assert [r["change"] for r in records(workspace, action="detected")] == ["mode"]


def test_a_write_through_another_name_right_after_the_look_is_found(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check that first sees a second hard link says so; a write through the other name at
    that moment (after the look, before the daemon noted the inode) must still differ."""
    engine = started(workspace)
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    os.link(workspace / "app/database.py", outside / "db.py")
    look = watch_engine.observe

    def look_then_write(path: str, algorithm: str = "sha1") -> Observation:
        found = look(path, algorithm)
        if path.endswith("app/database.py"):
            with open(outside / "db.py", "ab") as handle:
                handle.write(b"# appended from outside\n")
        return found

    monkeypatch.setattr(watch_engine, "observe", look_then_write)
    assert engine.trickle(256) == ["app/database.py"]  # the new link count
    engine.check("app/database.py", "rescan")
    monkeypatch.setattr(watch_engine, "observe", look)
    assert "app/database.py" in engine.linked
    assert engine.linked_changed() == ["app/database.py"]
    engine.check("app/database.py", "event")
    [found] = records(workspace, path="app/database.py", action="detected")
    assert found["change"] == "modified"

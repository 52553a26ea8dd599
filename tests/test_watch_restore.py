"""Response: quarantine, atomic restore, incident files; our own restores stay silent."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import git
from helpers.watch import (
    Start,
    WatchProcess,
    git_bytes,
    records,
    reload_barrier,
    state_dir,
    wait_for,
    wait_record,
)


def test_restore_quarantines_the_bytes_then_puts_back_the_committed_version(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore")
    target = workspace / "app/main.py"
    os.chmod(target, 0o640)
    reload_barrier(proc)  # a permission change of the owner bits alone is not a violation
    assert records(workspace) == []
    with open(target, "ab") as handle:
        handle.write(b"import os; os.system('curl evil')\n")
    restored = wait_record(workspace, path="app/main.py", action="restored")
    assert target.read_bytes() == git_bytes(workspace, "app/main.py")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's own mode is kept
    kept = Path(restored["quarantine"])
    assert kept.parent == state_dir(workspace) / "quarantine"
    assert kept.name.endswith("-app_main.py")
    assert kept.read_bytes().endswith(b"curl evil')\n")
    incidents = wait_for(
        lambda: list((workspace / ".workspace/incidents").glob("*app_main.py.md")),
        "the incident report",
    )
    assert len(incidents) == 1
    text = incidents[0].read_text()
    for expected in (
        "`app/main.py`",
        "system-architect-ai",
        "critical",
        str(kept),
        "master-orchestrator",
        "put back",
        "the content was changed",
    ):
        assert expected in text


def test_own_restores_never_trigger_another_report(workspace: Path, watchd: Start) -> None:
    proc = watchd("--restore")
    (workspace / "app/core/config.py").write_text("DEBUG = True\n")
    wait_record(workspace, path="app/core/config.py", action="restored")
    reload_barrier(proc)
    reload_barrier(proc)
    actions = [r["action"] for r in records(workspace, path="app/core/config.py")]
    assert actions == ["detected", "restored"]
    assert len(list((workspace / ".workspace/incidents").iterdir())) == 1


def test_a_deleted_protected_file_comes_back(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    (workspace / "tests/conftest.py").unlink()
    restored = wait_record(workspace, path="tests/conftest.py", action="restored")
    assert restored["change"] == "deleted" and restored["quarantine"] is None
    assert (workspace / "tests/conftest.py").read_bytes() == git_bytes(
        workspace, "tests/conftest.py"
    )


def test_a_deleted_protected_folder_comes_back(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    import shutil

    shutil.rmtree(workspace / "app/api")
    wait_for(
        lambda: (
            (workspace / "app/api/v1/deps/auth.py").exists()
            and (workspace / "app/api/v1/endpoints/products.py").exists()
        ),
        "both files under app/api to come back",
    )
    assert git(workspace, "status", "--porcelain", "--", "app") == ""


def test_a_directory_in_place_of_a_file_is_moved_to_quarantine(
    workspace: Path, watchd: Start
) -> None:
    watchd("--restore")
    target = workspace / "app/database.py"
    target.unlink()
    target.mkdir()
    (target / "payload.sh").write_text("echo pwned\n")
    restored = wait_record(workspace, path="app/database.py", action="restored")
    assert target.is_file()
    assert (Path(restored["quarantine"]) / "payload.sh").read_text() == "echo pwned\n"


def test_a_symlink_in_place_of_a_file_is_undone(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    target = workspace / "app/main.py"
    target.unlink()
    target.symlink_to("/etc/passwd")
    restored = wait_record(workspace, path="app/main.py", action="restored")
    assert not target.is_symlink()
    assert Path(restored["quarantine"]).read_text() == "/etc/passwd"


def test_a_new_file_in_a_protected_folder_is_quarantined_and_removed(
    workspace: Path, watchd: Start
) -> None:
    watchd("--restore")
    rogue = workspace / ".claude" / "settings.json"
    rogue.parent.mkdir()
    rogue.write_text('{"hooks": {}}\n')
    restored = wait_record(workspace, path=".claude/settings.json", action="restored")
    assert not rogue.exists()
    assert Path(restored["quarantine"]).read_text() == '{"hooks": {}}\n'


def test_restore_from_the_rules_and_a_custom_incidents_folder(tmp_path: Path) -> None:
    from conftest import EXAMPLE_RULES, make_workspace

    rules = EXAMPLE_RULES.read_text().replace(
        "harness:", "watch:\n  restore: true\n  incidents_dir: docs/incidents/\n\nharness:"
    )
    repo = make_workspace(tmp_path / "ws", rules)
    proc = WatchProcess(repo, []).wait_ready()
    try:
        (repo / "app/main.py").write_text("x\n")
        wait_record(repo, path="app/main.py", action="restored")
        wait_for(lambda: list((repo / "docs/incidents").glob("*.md")), "the incident report")
        assert not (repo / ".workspace/incidents").exists()
    finally:
        proc.stop()


def test_without_restore_the_change_stays_and_is_reported_once(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd()
    (workspace / "app/main.py").write_text("changed\n")
    wait_record(workspace, path="app/main.py", action="detected")
    reload_barrier(proc)
    assert (workspace / "app/main.py").read_text() == "changed\n"
    assert len(records(workspace, path="app/main.py")) == 1
    incident = wait_for(
        lambda: list((workspace / ".workspace/incidents").iterdir()), "the incident report"
    )[0].read_text()
    assert "restore is off" in incident

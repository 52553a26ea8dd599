"""Files `install` writes into the work tree are announced on the audit chain first (path and
blob id): the daemon accepts exactly those bytes, once, as install's — and nothing else."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from helpers.watch import Start, records, wait_for, wait_record

WRITTEN = (".claude/settings.json", ".workspace/bin/wg-hook")


def detected(repo: Path) -> list[str]:
    return [str(r.get("path")) for r in records(repo, action="detected")]


def installs(record: dict[str, object]) -> bool:
    """An authorised record of install's own write: announced on the audit chain, or (where the
    rules protect the file) on the provenance record as install's, for the agent it names."""
    announced = record.get("by") == "install"
    recorded = record.get("tool") == "install" and record.get("harness") == "workspace-guard"
    return announced or recorded


def barrier(repo: Path) -> None:
    """A violation after the writes under test: every event before it has been judged."""
    (repo / ".workspace" / "rules.yaml").write_text("# barrier\n", encoding="utf-8", newline="")
    wait_record(repo, path=".workspace/rules.yaml", action="detected")


def test_install_then_watch_start_quarantines_nothing(workspace: Path, watchd: Start) -> None:
    done = run_cli(workspace, "install", "--harness", "claude")
    assert done.returncode == 0, done.stderr
    watchd("--restore")
    barrier(workspace)
    assert detected(workspace) == [".workspace/rules.yaml"], records(workspace)
    for rel in WRITTEN:
        assert (workspace / rel).exists(), rel
        found = wait_record(workspace, path=rel, action="authorised")
        assert installs(found), found


def test_install_while_the_daemon_runs_quarantines_nothing(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    done = run_cli(workspace, "install", "--harness", "claude")
    assert done.returncode == 0, done.stderr
    for rel in WRITTEN:
        wait_record(workspace, path=rel, action="authorised")
    done = run_cli(workspace, "uninstall", "--harness", "claude")
    assert done.returncode == 0, done.stderr
    barrier(workspace)
    # the git hooks uninstall removes are enforcement taken away under a running daemon: those
    # stay violations (stop the daemon first); the work-tree files install wrote are not
    tree = [p for p in detected(workspace) if not p.startswith(".git/")]
    assert tree == [".workspace/rules.yaml"], records(workspace)


def test_installs_file_changed_by_hand_is_still_a_violation(workspace: Path, watchd: Start) -> None:
    done = run_cli(workspace, "install", "--harness", "claude")
    assert done.returncode == 0, done.stderr
    watchd("--restore")
    wait_record(workspace, path=".claude/settings.json", action="authorised")
    settings = workspace / ".claude" / "settings.json"
    settings.write_text('{"hooks": {}}\n', encoding="utf-8")
    wait_record(workspace, path=".claude/settings.json", action="detected")
    wait_for(lambda: not settings.exists(), "the restore (HEAD has no such file)")


def test_announced_bytes_count_once_for_their_path(workspace: Path, watchd: Start) -> None:
    from workspace_guard.state import announce

    watchd("--restore")
    target = workspace / ".claude" / "settings.json"
    announce.write_file(str(target), b'{"a": 1}\n')
    wait_record(workspace, path=".claude/settings.json", action="authorised")
    target.write_text('{"b": 2}\n', encoding="utf-8")  # not what was announced
    wait_record(workspace, path=".claude/settings.json", action="detected")

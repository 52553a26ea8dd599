"""Provenance notes for commits made without commit-msg: real `git cherry-pick`, `rebase`, `am`,
`revert` and `commit --amend` with the hooks installed and a ledger written by real harness calls.

`install` sets `notes.rewriteRef`/`notes.rewriteMode` (announced on the audit chain) and a
`post-rewrite` hook; the `reference-transaction` hook checks the commits these commands add and
leaves a note for each one the ledger proves (gates/commit/rewrite).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git, run_cli
from helpers.provenance import commit, edit, message, note

from workspace_guard.core.gitconfig_keys import enforcement_key

MAIN = "app/main.py"
OWNER = "system-architect-ai"
NOTES = "refs/notes/workspace-guard"


def run(ws: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=ws, capture_output=True, text=True, input=stdin, check=False
    )


def has_note(ws: Path, rev: str = "HEAD") -> bool:
    return run(ws, "notes", "--ref", NOTES, "show", rev).returncode == 0


def owner_commit_on(ws: Path, branch: str, text: str) -> str:
    """A protected change by its owner, through the harness and the hooks, on a new branch."""
    git(ws, "checkout", "-q", "-b", branch, "main")
    edit(ws, MAIN, text, OWNER)
    git(ws, "add", MAIN)
    proc = commit(ws, message(OWNER, MAIN))
    assert proc.returncode == 0, proc.stderr
    assert has_note(ws)
    git(ws, "checkout", "-q", "main")
    return git(ws, "rev-parse", branch).strip()


def advance_main(ws: Path) -> None:
    (ws / "NOTES.txt").write_text("main moved\n")
    git(ws, "add", "NOTES.txt")
    proc = commit(ws, message(OWNER, "NOTES.txt"))
    assert proc.returncode == 0, proc.stderr


def assert_proven_note(ws: Path, rev: str = "HEAD") -> None:
    data = note(ws, rev)
    [entry] = data["paths"]  # type: ignore[misc]
    assert data["agent"] == OWNER and entry["path"] == MAIN
    assert entry["blob"] == git(ws, "rev-parse", f"{rev}:{MAIN}").strip()


def test_install_sets_notes_rewrite_config_announced_and_uninstall_removes_it(
    guarded: Path,
) -> None:
    assert git(guarded, "config", "notes.rewriteRef").strip() == NOTES
    assert git(guarded, "config", "notes.rewriteMode").strip() == "ignore"
    assert (guarded / ".git/hooks/post-rewrite").exists()
    # not enforcement keys: the watch daemon lets them be written (no announcement needed),
    # and install leaves the audit log alone
    assert not enforcement_key("notes.rewriteref", [NOTES])
    assert not enforcement_key("notes.rewritemode", ["ignore"])
    assert not (guarded / ".git/workspace-guard/audit.jsonl").exists()
    again = run_cli(guarded, "install")
    assert again.returncode == 0 and "notes.rewriteRef" not in again.stdout  # idempotent
    assert run_cli(guarded, "uninstall").returncode == 0
    assert run(guarded, "config", "notes.rewriteRef").returncode == 1
    assert not (guarded / ".git/hooks/post-rewrite").exists()


def test_install_leaves_a_users_own_rewrite_mode(workspace: Path) -> None:
    git(workspace, "config", "notes.rewriteMode", "overwrite")
    proc = run_cli(workspace, "install")
    assert proc.returncode == 0, proc.stderr
    assert "git config notes.rewriteMode: left at overwrite" in proc.stdout
    assert git(workspace, "config", "notes.rewriteMode").strip() == "overwrite"


def test_cherry_pick_of_a_proven_change_gets_a_note(guarded: Path) -> None:
    side = owner_commit_on(guarded, "side", "app = 'owner'\n")
    advance_main(guarded)
    proc = run(guarded, "cherry-pick", side)
    assert proc.returncode == 0, proc.stderr
    assert git(guarded, "rev-parse", "HEAD").strip() != side
    assert_proven_note(guarded)
    assert not list((guarded / ".git/workspace-guard/notes-pending").iterdir())


def test_rebase_carries_or_remakes_the_note(guarded: Path) -> None:
    owner_commit_on(guarded, "side", "app = 'owner'\n")
    advance_main(guarded)
    git(guarded, "checkout", "-q", "side")
    proc = run(guarded, "rebase", "main")
    assert proc.returncode == 0, proc.stderr
    assert git(guarded, "rev-parse", "HEAD^").strip() == git(guarded, "rev-parse", "main").strip()
    assert_proven_note(guarded)


def test_am_of_a_proven_change_gets_a_note(guarded: Path) -> None:
    side = owner_commit_on(guarded, "side", "app = 'owner'\n")
    advance_main(guarded)
    patch = git(guarded, "format-patch", "-1", "--stdout", side)
    proc = run(guarded, "am", stdin=patch)
    assert proc.returncode == 0, proc.stderr
    assert_proven_note(guarded)


def test_amend_keeps_one_json_note(guarded: Path) -> None:
    """With `notes.rewriteMode=ignore` the old note is never concatenated with the fresh one."""
    owner_commit_on(guarded, "side", "app = 'owner'\n")
    git(guarded, "checkout", "-q", "side")
    reworded = message(OWNER, MAIN).replace("feat(app): change", "feat(app): change it")
    proc = run(guarded, "commit", "-q", "--amend", "-F", "-", stdin=reworded)
    assert proc.returncode == 0, proc.stderr
    assert_proven_note(guarded)  # json.loads of the whole note


def test_a_cherry_pick_the_ledger_does_not_prove_gets_no_note_and_a_warning(
    guarded: Path,
) -> None:
    git(guarded, "checkout", "-q", "-b", "side", "main")
    (guarded / MAIN).write_text("app = 'outside the harness'\n")
    git(guarded, "add", MAIN)
    git(guarded, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message(OWNER, MAIN))
    side = git(guarded, "rev-parse", "HEAD").strip()
    git(guarded, "checkout", "-q", "main")
    advance_main(guarded)
    proc = run(guarded, "cherry-pick", side)
    assert proc.returncode == 0, proc.stderr  # the template holds: the server decides on notes
    assert "the provenance ledger does not prove it" in proc.stderr
    assert not has_note(guarded)


def test_revert_and_cherry_pick_run_the_branch_checks(guarded: Path) -> None:
    """cherry-pick and revert never run commit-msg: the reference-transaction hook refuses."""
    owner_commit_on(guarded, "side", "app = 'owner'\n")
    git(guarded, "merge", "-q", "--ff-only", "side")
    before = git(guarded, "rev-parse", "HEAD").strip()
    reverted = run(guarded, "revert", "--no-edit", "HEAD")
    assert reverted.returncode != 0
    assert "branch update refused" in reverted.stderr and "app/main.py" in reverted.stderr
    assert git(guarded, "rev-parse", "HEAD").strip() == before
    run(guarded, "revert", "--abort")
    git(guarded, "checkout", "-q", "-b", "bad", "main")
    (guarded / MAIN).write_text("app = 'no template'\n")
    git(guarded, "add", MAIN)
    git(guarded, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "fix: sneak")
    bad = git(guarded, "rev-parse", "HEAD").strip()
    git(guarded, "checkout", "-q", "main")
    advance_main(guarded)
    before = git(guarded, "rev-parse", "HEAD").strip()
    picked = run(guarded, "cherry-pick", bad)
    assert picked.returncode != 0 and "branch update refused" in picked.stderr
    assert git(guarded, "rev-parse", "HEAD").strip() == before


def test_a_post_rewrite_hook_that_was_there_still_runs_with_its_input(workspace: Path) -> None:
    hooks = workspace / ".git/hooks"
    hooks.mkdir(exist_ok=True)
    mine = hooks / "post-rewrite"
    mine.write_text(
        f'#!/bin/sh\necho "$1" > "{workspace.parent}/kind"\ncat > "{workspace.parent}/seen"\n'
    )
    mine.chmod(0o755)
    assert run_cli(workspace, "install").returncode == 0
    assert (hooks / "post-rewrite.workspace-guard-legacy").exists()
    (workspace / "README.md").write_text("again\n")
    git(workspace, "add", "README.md")
    text = message(OWNER, "README.md")
    assert run(workspace, "commit", "-q", "-F", "-", stdin=text).returncode == 0
    before = git(workspace, "rev-parse", "HEAD").strip()
    proc = run(workspace, "commit", "-q", "--amend", "-F", "-", stdin=text + "\n")
    assert proc.returncode == 0, proc.stderr
    assert (workspace.parent / "kind").read_text().strip() == "amend"
    after = git(workspace, "rev-parse", "HEAD").strip()
    assert (workspace.parent / "seen").read_text().split()[:2] == [before, after]

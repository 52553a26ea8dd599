"""Merge commits pass the identity cross-check like any commit: a merge's own change (what its
tree holds that no parent gave it, as `git diff-tree --cc` shows) is checked against the
provenance ledger at commit-msg. Real git merges, real hooks, a ledger written by real harness
calls."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git
from helpers.gitserver import template
from helpers.provenance import commit, edit, message, note

MAIN = "app/main.py"
OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"


def side_branches(ws: Path, *names: str) -> None:
    """Branches with an unprotected change each, and a change on main, so merges are real.
    The side commits follow the template: made with the hooks off, they are checked when a
    merge brings them onto main (only main's own history counts as checked)."""
    for name in names:
        git(ws, "checkout", "-q", "-b", name, "main")
        (ws / f"{name}.txt").write_text(f"{name}\n")
        git(ws, "add", f"{name}.txt")
        text = template(f"docs({name}): note", OTHER, f"{name}.txt")
        git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", text)
    git(ws, "checkout", "-q", "main")
    (ws / "NOTES.txt").write_text("main\n")
    git(ws, "add", "NOTES.txt")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "docs(notes): main")


def merge_no_commit(ws: Path, *names: str) -> None:
    proc = subprocess.run(
        ["git", "merge", "--no-commit", "--no-ff", *names],
        cwd=ws,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (ws / ".git/MERGE_HEAD").exists()


def merge_message(agent: str, **fields: str) -> str:
    """A merge whose own change touches a protected path takes the whole template (§5)."""
    body = message(agent, MAIN, **fields)
    return "fix(app): merge side\n\n" + body.split("\n\n", 1)[1]


def parents(ws: Path) -> list[str]:
    return git(ws, "log", "-1", "--format=%P").split()


def test_an_evil_merge_edit_made_outside_the_harness_is_refused(guarded: Path) -> None:
    side_branches(guarded, "side")
    merge_no_commit(guarded, "side")
    (guarded / MAIN).write_text("app = 'slipped into the merge'\n")
    git(guarded, "add", MAIN)
    proc = commit(guarded, merge_message(OWNER))
    assert proc.returncode == 1, proc.stderr
    assert "[provenance-missing]" in proc.stderr and MAIN in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_merge_whose_agente_lies_is_refused_naming_the_writer(guarded: Path) -> None:
    side_branches(guarded, "side")
    merge_no_commit(guarded, "side")
    edit(guarded, MAIN, "app = 'owner resolves'\n", OWNER)
    git(guarded, "add", MAIN)
    lie = merge_message(OTHER, protocol="APROBACIÓN_OBTENIDA", approved=OWNER)
    proc = commit(guarded, lie)
    assert proc.returncode == 1
    assert "[provenance-agent]" in proc.stderr and f"was written by {OWNER}" in proc.stderr


def test_a_merge_with_the_writers_own_change_commits_with_a_note(guarded: Path) -> None:
    side_branches(guarded, "side")
    merge_no_commit(guarded, "side")
    edit(guarded, MAIN, "app = 'owner resolves'\n", OWNER)
    git(guarded, "add", MAIN)
    proc = commit(guarded, merge_message(OWNER))
    assert proc.returncode == 0, proc.stderr
    assert len(parents(guarded)) == 2
    [entry] = note(guarded)["paths"]  # type: ignore[misc]
    assert entry["path"] == MAIN and entry["agent"] == OWNER


def test_a_merge_with_a_protected_own_change_needs_the_template(guarded: Path) -> None:
    side_branches(guarded, "side")
    merge_no_commit(guarded, "side")
    edit(guarded, MAIN, "app = 'owner resolves'\n", OWNER)
    git(guarded, "add", MAIN)
    proc = commit(guarded, "Merge branch 'side'\n")
    assert proc.returncode == 1
    assert "Agente" in proc.stderr


def test_a_clean_merge_still_skips_the_template(guarded: Path) -> None:
    side_branches(guarded, "side")
    proc = subprocess.run(
        ["git", "merge", "--no-edit", "--no-ff", "side"],
        cwd=guarded,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(parents(guarded)) == 2


def test_a_clean_merge_of_protected_changes_made_on_both_sides(guarded: Path) -> None:
    """Both sides changed app/main.py (through the harness, committed with notes); git merges
    the two cleanly. The merge holds nothing no parent gave it (`--cc` shows no hunk), so it
    needs no template and no provenance of its own."""
    base = "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n"
    edit(guarded, MAIN, base, OWNER)
    git(guarded, "add", MAIN)
    assert commit(guarded, message(OWNER, MAIN)).returncode == 0
    git(guarded, "checkout", "-q", "-b", "side")
    edit(guarded, MAIN, base.replace("line 1", "line one"), OWNER)
    git(guarded, "add", MAIN)
    assert commit(guarded, message(OWNER, MAIN)).returncode == 0
    git(guarded, "checkout", "-q", "main")
    edit(guarded, MAIN, base.replace("line 6", "line six"), OWNER)
    git(guarded, "add", MAIN)
    assert commit(guarded, message(OWNER, MAIN)).returncode == 0
    proc = subprocess.run(
        ["git", "merge", "--no-edit", "side"],
        cwd=guarded,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "line one" in (guarded / MAIN).read_text() and len(parents(guarded)) == 2


def test_an_octopus_merge_with_an_edit_outside_the_harness(guarded: Path) -> None:
    side_branches(guarded, "one", "two")
    merge_no_commit(guarded, "one", "two")
    (guarded / MAIN).write_text("app = 'octopus'\n")
    git(guarded, "add", MAIN)
    proc = commit(guarded, merge_message(OWNER))
    assert proc.returncode == 1 and "[provenance-missing]" in proc.stderr


def test_a_merge_subject_on_a_one_parent_commit_gets_no_exemption(guarded: Path) -> None:
    (guarded / MAIN).write_text("app = 'not a merge'\n")
    git(guarded, "add", MAIN)
    proc = commit(guarded, "Merge branch 'side'\n")
    assert proc.returncode == 1
    assert "Agente" in proc.stderr


def test_amending_a_merge_checks_its_own_change(guarded: Path) -> None:
    side_branches(guarded, "side")
    merge_no_commit(guarded, "side")
    edit(guarded, MAIN, "app = 'owner resolves'\n", OWNER)
    git(guarded, "add", MAIN)
    assert commit(guarded, merge_message(OWNER)).returncode == 0
    (guarded / MAIN).write_text("app = 'changed in the amend'\n")
    git(guarded, "add", MAIN)
    proc = subprocess.run(
        ["git", "commit", "-q", "--amend", "--no-edit"],
        cwd=guarded,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "[provenance-missing]" in proc.stderr

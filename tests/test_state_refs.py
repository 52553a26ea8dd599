"""The provenance notes ref is the gate's own state: no tool call writes it (ATTACK F70).

Real `hook claude` processes judge each command in a real clone of a shared repository; the
commands that may write `refs/notes/workspace-guard` (in this repository or any other, through
any spelling) are refused for every agent, the superuser included; reading notes, other notes
refs and pushing this repository's own notes under their own name stay allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import OTHER, bash_denied
from helpers.repos import shared_clone

SUPERUSER = "master-orchestrator"

WRITES = [
    "git notes --ref workspace-guard add -f -m '{}' HEAD",
    "git notes --ref=refs/notes/workspace-guard add -f -F /tmp/note.json HEAD",
    "git notes --ref notes/workspace-guard append -m x HEAD",
    "git notes --ref workspace-guard edit HEAD",
    "git notes --ref workspace-guard copy HEAD HEAD~1",
    "git notes --ref workspace-guard merge refs/notes/other",
    "git notes --ref workspace-guard remove HEAD",
    "git notes --ref workspace-guard prune",
    "GIT_NOTES_REF=refs/notes/workspace-guard git notes add -m x HEAD",
    "export GIT_NOTES_REF=workspace-guard; git notes add -m x HEAD",
    "git -c core.notesRef=refs/notes/workspace-guard notes add -m x HEAD",
    "git config core.notesRef refs/notes/workspace-guard",
    "git config notes.rewriteRef refs/notes/workspace-guard",
    "git update-ref refs/notes/workspace-guard HEAD",
    "git update-ref -d refs/notes/workspace-guard",
    "echo 'update refs/notes/workspace-guard X' | git update-ref --stdin",
    "git symbolic-ref refs/notes/commits refs/notes/workspace-guard",
    "git push origin HEAD:refs/notes/workspace-guard",
    "git push origin refs/notes/forged:refs/notes/workspace-guard",
    "git push origin '+refs/notes/x:refs/notes/*'",
    "git push https://example.com/x.git X:refs/notes/workspace-guard",
    "git push . HEAD:refs/notes/workspace-guard",
    "git fetch origin refs/notes/workspace-guard:refs/notes/workspace-guard",
    "git fetch origin 'refs/notes/*:refs/notes/*'",
    "git -C /tmp/scratch notes --ref workspace-guard add -m x HEAD",
    "git -C /tmp/scratch push origin refs/notes/workspace-guard",
    "git send-pack ../server.git refs/notes/workspace-guard",
]

ALLOWED = [
    "git notes --ref workspace-guard list",
    "git notes --ref workspace-guard show HEAD",
    "git log --notes=workspace-guard -1",
    "git notes add -m 'a reviewer note' HEAD",
    "git notes --ref review add -m x HEAD",
    "git push origin main",
    "git push origin refs/notes/workspace-guard",
    "git fetch origin",
]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("state-refs")
    work = shared_clone(make_workspace(base / "origin"), base)
    git(work, "config", "user.email", "a@b.c")
    git(work, "config", "user.name", "A")
    return work


@pytest.mark.parametrize("agent", [OTHER, SUPERUSER])
@pytest.mark.parametrize("command", WRITES)
def test_writes_of_the_notes_ref_are_refused_for_every_agent(
    clone: Path, command: str, agent: str
) -> None:
    reason = bash_denied(clone, command, agent)
    assert reason is not None, command


@pytest.mark.parametrize("command", ALLOWED)
def test_reads_and_other_notes_stay_allowed(clone: Path, command: str) -> None:
    assert bash_denied(clone, command, SUPERUSER) is None, command


def test_the_reason_names_the_ref(clone: Path) -> None:
    reason = bash_denied(clone, "git notes --ref workspace-guard add -m x HEAD", SUPERUSER)
    assert reason is not None and "refs/notes/workspace-guard" in reason


def test_core_notes_ref_configured_in_the_repository_counts(clone: Path) -> None:
    git(clone, "config", "core.notesRef", "refs/notes/workspace-guard")
    try:
        assert bash_denied(clone, "git notes add -m x HEAD", SUPERUSER) is not None
    finally:
        git(clone, "config", "--unset", "core.notesRef")
    assert bash_denied(clone, "git notes add -m x HEAD", SUPERUSER) is None


def test_a_push_from_another_clone_into_this_one_moves_the_trusted_ref(
    clone: Path, tmp_path: Path
) -> None:
    """ATTACK F73: `git -C OTHER push w SHA:refs/remotes/origin/main`, `w` being this clone
    (by a remote, by an insteadOf alias), is a write of this repository's trusted ref."""
    other = tmp_path / "c2"
    git(tmp_path, "clone", "-q", str(clone), str(other))
    git(other, "remote", "add", "w", str(clone))
    git(other, "config", f"url.{clone}.insteadOf", "alias:")
    for command in (
        f"git -C {other} push w HEAD:refs/remotes/origin/main",
        f"git -C {other} push origin HEAD:refs/remotes/origin/main",
        f"git -C {other} push alias: HEAD:refs/remotes/origin/main",
    ):
        assert bash_denied(clone, command, OTHER) is not None, command
    assert bash_denied(clone, f"git -C {other} push w HEAD:refs/heads/topic", OTHER) is None

"""The watch daemon notices when the trusted rules ref moves, and audits every adoption.

A real daemon on a real clone of a real shared repository. The ref is moved the way the
reproduced bypass moved it (outside the gate: `git update-ref`), to a commit whose rules make
the agent a superuser.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from conftest import git
from helpers.watch import (
    TRUSTED,
    Start,
    records,
    reload_barrier,
    status,
    superuser_commit,
    trusted_clone_fixture,
    wait_for,
    wait_record,
)

AGENT = "backend-framework-ai"


workspace = pytest.fixture(trusted_clone_fixture, name="workspace")


def evil_commit(work: Path) -> str:
    return superuser_commit(work, AGENT)


def test_a_moved_trusted_ref_is_reported_and_its_rules_refused(
    workspace: Path, watchd: Start
) -> None:
    old = git(workspace, "rev-parse", TRUSTED).strip()
    daemon = watchd()
    sha = evil_commit(workspace)
    git(workspace, "update-ref", TRUSTED, sha)
    moved = wait_record(workspace, action="trusted-rules-moved")
    assert moved["layer"] == "watch" and moved["ref"] == TRUSTED
    assert moved["old_revision"] == old and moved["new_revision"] == sha
    assert moved["old_rules_blob"] != moved["new_rules_blob"]
    assert moved["reachable_from_remote"] is None and "ls-remote" in moved["remote_check"]
    daemon.signal(signal.SIGHUP)
    refused = wait_record(workspace, action="trusted-rules-refused")
    assert refused["old_revision"] == old and refused["new_revision"] == sha
    assert "origin holds" in refused["reason"] and refused["level"] == "critical"
    assert refused["escalate_to"] == "master-orchestrator"
    reload_barrier(daemon)  # a second reload: refused again, not recorded again
    assert "refused" in str(status(workspace).get("rules_note"))
    assert not records(workspace, action="trusted-rules-adopted")
    assert len(records(workspace, action="trusted-rules-refused")) == 1
    assert len(records(workspace, action="trusted-rules-moved")) == 1  # said once


@pytest.mark.parametrize("how", ["update-ref", "fetched from a clone"])
def test_other_moves_no_server_made_are_refused_on_a_head_move(
    workspace: Path, watchd: Start, how: str
) -> None:
    watchd()
    sha = evil_commit(workspace)
    if how == "update-ref":
        git(workspace, "update-ref", TRUSTED, sha)
    else:
        git(workspace, "fetch", "-q", str(workspace.parent / "evil"), f"+main:{TRUSTED}")
    git(workspace, "merge", "-q", "--ff-only", sha)  # HEAD moves: a reload
    refused = wait_record(workspace, action="trusted-rules-refused")
    assert refused["new_revision"] == sha and refused["reason"].startswith("origin holds")
    assert not records(workspace, action="trusted-rules-adopted")


def test_what_no_server_holds_is_refused_without_asking_one(workspace: Path) -> None:
    from workspace_guard.gates.watch.trusted import Seen, refusal

    old = Seen(TRUSTED, git(workspace, "rev-parse", TRUSTED).strip(), "a" * 40)
    head = git(workspace, "rev-parse", "HEAD").strip()
    assert refusal(str(workspace), old, Seen(TRUSTED, old.commit, old.blob)) is None
    assert refusal(str(workspace), Seen(None, None, "a" * 40), Seen(None, head, "b" * 40)) is None
    assert "HEAD is no trust root" in str(refusal(str(workspace), old, Seen(None, None, "b" * 40)))
    local = refusal(str(workspace), old, Seen("refs/heads/main", head, "b" * 40))
    assert "not a remote-tracking ref" in str(local)
    gone = refusal(str(workspace), old, Seen("refs/remotes/nowhere/main", head, "b" * 40))
    assert "could not be asked" in str(gone)


def test_rules_the_server_holds_are_adopted(workspace: Path, watchd: Start) -> None:
    old = git(workspace, "rev-parse", TRUSTED).strip()
    watchd()
    sha = evil_commit(workspace)  # now accepted by the server (no gate on this one)
    git(workspace.parent / "evil", "push", "-q", str(workspace.parent / "server.git"), "main")
    git(workspace, "pull", "-q", "--ff-only")  # the honest way: fetch, then HEAD moves
    adopted = wait_record(workspace, action="trusted-rules-adopted")
    assert adopted["old_revision"] == old and adopted["new_revision"] == sha
    assert adopted["reachable_from_remote"] is True and adopted["reason"] == "HEAD moved"
    assert not records(workspace, action="trusted-rules-refused")


def test_a_fetch_that_leaves_the_rules_alone_is_not_reported(
    workspace: Path, watchd: Start
) -> None:
    daemon = watchd()
    (workspace / "notes.txt").write_text("n\n")
    git(workspace, "add", "notes.txt")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "docs: notes")
    git(workspace, "update-ref", TRUSTED, "HEAD")  # same rules file
    reload_barrier(daemon)  # the reload after SIGHUP is done
    daemon.stop()
    assert not records(workspace, action="trusted-rules-moved")
    assert not records(workspace, action="trusted-rules-adopted")


def test_a_move_made_while_the_daemon_was_down_is_refused_at_start(
    workspace: Path, watchd: Start
) -> None:
    old = git(workspace, "rev-parse", TRUSTED).strip()
    watchd().stop()  # the `stopped` record names the revision in force
    sha = evil_commit(workspace)
    git(workspace, "update-ref", TRUSTED, sha)
    watchd()
    refused = wait_record(workspace, action="trusted-rules-refused")
    assert refused["old_revision"] == old and refused["new_revision"] == sha
    assert "refused" in str(status(workspace).get("rules_note"))


def test_a_refused_revision_the_server_accepts_later_is_adopted(
    workspace: Path, watchd: Start
) -> None:
    daemon = watchd()
    sha = evil_commit(workspace)
    git(workspace, "update-ref", TRUSTED, sha)
    daemon.signal(signal.SIGHUP)
    wait_record(workspace, action="trusted-rules-refused")
    git(workspace.parent / "evil", "push", "-q", str(workspace.parent / "server.git"), "main")
    daemon.signal(signal.SIGHUP)  # the remote is asked again
    adopted = wait_record(workspace, action="trusted-rules-adopted")
    assert adopted["new_revision"] == sha and adopted["reachable_from_remote"] is True
    wait_for(lambda: not status(workspace).get("rules_note"), "the refusal note to go")

"""A recorded approval and the message's own trailers: the commit carries `Protocolo` and
`Aprobado-por`, the server checks them, and the ledger is only the cross-check that they are true.

So the local gate decides as the server does: commit-msg refuses a protected change whose message
lacks the trailers even while an approval is recorded (and says which trailers to write), and what
commit-msg accepts the reference-transaction hook and `check-commits` accept too. Real git, the
installed hooks, approvals recorded by `approve` at a terminal, and a ledger written by real
harness calls where provenance is required.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty
from helpers.commits import AGENT, ENDPOINT, MAIN, OWNER, Result, change, install, run_git, template
from helpers.commits import commit as commit_file
from helpers.provenance import edit, ledger, note

BACKUP = "solution-architect-ai"
STRANGER = "react-specialist-ai"  # neither owner, backup nor superuser of app/main.py
ENDPOINT_OWNER = "api-architect-ai"


@pytest.fixture
def repo(workspace: Path) -> Path:
    install(workspace)
    return workspace


@pytest.fixture
def guarded(workspace: Path) -> Path:
    install(workspace)
    git(workspace, "config", "workspace-guard.requireProvenance", "true")
    return workspace


def approve(ws: Path, agent: str, path: str, by: str, ttl: str = "1h") -> str:
    proc = run_tty(ws, "approve", agent, path, "--by", by, "--ttl", ttl)
    assert proc.returncode == 0, proc.stderr
    return str([r for r in ledger(ws) if r["kind"] == "approval"][-1]["id"])


def refused_by_commit_msg(result: Result) -> None:
    """The refusal comes from commit-msg, before any commit object is made: never from the
    branch update ("the commit object exists but no branch points to it")."""
    assert result.returncode == 1, result
    assert "commit refused" in result.stderr, result.stderr
    assert "branch update refused" not in result.stderr, result.stderr
    assert "no branch points to it" not in result.stderr


def check_commits(ws: Path, rev: str = "HEAD") -> subprocess.CompletedProcess[str]:
    return run_cli(ws, "check-commits", f"{rev}^..{rev}")


def server_verdict(ws: Path, message: str) -> int:
    """What `check-commits` (the push gate's checker) says of the staged change with `message`,
    committed without hooks and then undone (the index stays as it was)."""
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message)
    code = check_commits(ws).returncode
    git(ws, "reset", "-q", "--soft", "HEAD^")
    return code


def critical(protocol: str = "APROBACIÓN_OBTENIDA", by: str | None = OWNER) -> str:
    return template(files=MAIN, protocol=protocol, approved_by=by)


# --------------------------------------------------------------------------- hooks only


@pytest.mark.parametrize("approval", ["live", "expired", "revoked", "none"])
def test_no_trailers_is_refused_by_commit_msg_whatever_the_ledger_holds(
    repo: Path, approval: str
) -> None:
    if approval != "none":
        ident = approve(repo, AGENT, MAIN, OWNER, "1s" if approval == "expired" else "1h")
        if approval == "revoked":
            assert run_tty(repo, "approvals", "revoke", ident).returncode == 0
        if approval == "expired":
            time.sleep(1.2)
    change(repo, MAIN)
    message = template(files=MAIN)  # `Protocolo: SEGUIDO`, no `Aprobado-por`
    result = commit_file(repo, message)
    refused_by_commit_msg(result)
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    hinted = "the provenance ledger records an approval by system-architect-ai" in result.stderr
    assert hinted == (approval == "live")
    if approval == "live":
        assert "`Aprobado-por: system-architect-ai`" in result.stderr
        assert "`Protocolo: APROBACIÓN_OBTENIDA`" in result.stderr
    assert server_verdict(repo, message) == 1


@pytest.mark.parametrize("by", [OWNER, BACKUP])
def test_trailers_naming_an_entitled_approver_pass_every_gate(repo: Path, by: str) -> None:
    approve(repo, AGENT, MAIN, by)
    change(repo, MAIN)
    result = commit_file(repo, critical(by=by))
    assert result.returncode == 0, result
    assert check_commits(repo).returncode == 0


def test_trailers_without_provenance_required_are_the_messages_word(repo: Path) -> None:
    """Without `require_provenance` nothing is cross-checked: the commit gate and the server
    both take the trailers (docs/security.md says so)."""
    change(repo, MAIN)
    assert commit_file(repo, critical()).returncode == 0
    assert check_commits(repo).returncode == 0


def test_an_approver_that_may_not_approve_is_refused_by_commit_msg(repo: Path) -> None:
    change(repo, MAIN)
    message = critical(by=STRANGER)
    result = commit_file(repo, message)
    refused_by_commit_msg(result)
    assert result.ids == ["approval-invalid"]
    assert server_verdict(repo, message) == 1


def test_a_high_path_with_a_recorded_approval_needs_its_protocol(repo: Path) -> None:
    approve(repo, AGENT, ENDPOINT, ENDPOINT_OWNER)
    change(repo, ENDPOINT)
    message = template(files=ENDPOINT)
    result = commit_file(repo, message)
    refused_by_commit_msg(result)
    assert result.ids == ["protocol-insufficient"]
    assert "records an approval by api-architect-ai" in result.stderr
    assert server_verdict(repo, message) == 1
    good = template(files=ENDPOINT, protocol="APROBACIÓN_OBTENIDA", approved_by=ENDPOINT_OWNER)
    assert commit_file(repo, good).returncode == 0
    assert check_commits(repo).returncode == 0


def test_amending_a_protected_change_into_a_commit_needs_the_trailers(repo: Path) -> None:
    approve(repo, AGENT, MAIN, OWNER)
    change(repo, "README.md")
    assert commit_file(repo, template()).returncode == 0
    change(repo, MAIN)
    result = commit_file(repo, template(), "--amend")
    refused_by_commit_msg(result)
    assert "approval-missing" in result.ids
    fixed = template(files=f"README.md, {MAIN}", protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit_file(repo, fixed, "--amend").returncode == 0
    assert check_commits(repo).returncode == 0


def test_a_merge_with_a_protected_own_change_needs_the_trailers(repo: Path) -> None:
    approve(repo, AGENT, MAIN, OWNER)
    git(repo, "checkout", "-q", "-b", "side")
    change(repo, "side.txt")
    assert commit_file(repo, template(files="side.txt")).returncode == 0
    git(repo, "checkout", "-q", "main")
    proc = run_git(repo, "merge", "--no-commit", "--no-ff", "side")
    assert proc.returncode == 0, proc
    change(repo, MAIN)  # the merge's own change
    message = "fix(app): merge side\n\n" + template(files=MAIN).split("\n\n", 1)[1]
    result = commit_file(repo, message)
    refused_by_commit_msg(result)
    assert "approval-missing" in result.ids
    good = "fix(app): merge side\n\n" + critical().split("\n\n", 1)[1]
    assert commit_file(repo, good).returncode == 0
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2
    assert check_commits(repo).returncode == 0


def test_the_pre_commit_preview_says_what_the_message_needs(repo: Path) -> None:
    """The preview (an editor will open) no longer hides a path a recorded approval covers."""
    approve(repo, AGENT, MAIN, OWNER)
    change(repo, MAIN)
    env = {"WORKSPACE_AGENT": AGENT, "GIT_EDITOR": "false"}
    result = run_git(repo, "commit", "-q", env=env)
    assert result.returncode != 0
    assert "app/main.py is protected (critical" in result.stderr
    assert "an approval by system-architect-ai is recorded" in result.stderr


# --------------------------------------------------------------------------- provenance required


def test_provenance_an_approved_write_with_the_trailers_commits_with_a_note(
    guarded: Path,
) -> None:
    approved_write(guarded, OWNER)
    result = commit_file(guarded, critical())
    assert result.returncode == 0, result
    assert note(guarded)["approved_by"] == [OWNER]
    assert check_commits(guarded).returncode == 0


def test_provenance_an_approved_write_without_the_trailers(guarded: Path) -> None:
    approved_write(guarded, OWNER)
    result = commit_file(guarded, template(files=MAIN))
    refused_by_commit_msg(result)
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert "records an approval by system-architect-ai" in result.stderr


def test_provenance_an_approval_that_expired_after_the_write(guarded: Path) -> None:
    """The ledger proves the write was approved when it was made: the approval is recorded, and
    the trailers that name it are true."""
    approve(guarded, AGENT, MAIN, OWNER, "15s")  # the write comes well within it, however slow
    until = float([r for r in ledger(guarded) if r["kind"] == "approval"][-1]["until"])
    edit(guarded, MAIN, "app = 'approved'\n", AGENT)
    git(guarded, "add", MAIN)
    time.sleep(max(until - time.time(), 0) + 0.2)  # the approval has expired (15 s at most)
    assert time.time() > until
    result = commit_file(guarded, critical())
    assert result.returncode == 0, result
    assert check_commits(guarded).returncode == 0


def test_provenance_an_approval_revoked_before_the_commit(guarded: Path) -> None:
    """A revoked approval proves nothing any more: neither the write nor the trailer."""
    ident = approve(guarded, AGENT, MAIN, OWNER)
    edit(guarded, MAIN, "app = 'approved'\n", AGENT)
    git(guarded, "add", MAIN)
    assert run_tty(guarded, "approvals", "revoke", ident).returncode == 0
    result = commit_file(guarded, critical())
    refused_by_commit_msg(result)
    assert "approval-unrecorded" in result.ids and "provenance-missing" in result.ids


def approved_write(ws: Path, by: str) -> None:
    """An approval by `by`, then the agent's write through the harness, staged."""
    approve(ws, AGENT, MAIN, by)
    edit(ws, MAIN, f"app = 'approved by {by}'\n", AGENT)
    git(ws, "add", MAIN)


def test_provenance_a_trailer_naming_an_approver_who_recorded_nothing(guarded: Path) -> None:
    approved_write(guarded, OWNER)
    result = commit_file(guarded, critical(by=BACKUP))
    refused_by_commit_msg(result)
    assert result.ids == ["approval-unrecorded"]


def test_provenance_a_forged_approval_by_a_stranger_grants_nothing(guarded: Path) -> None:
    """A well-chained ledger record naming an approver the rules do not entitle."""
    from workspace_guard.state import ledger as book

    state = str(guarded / ".git/workspace-guard")
    forged = {"kind": "approval", "agent": STRANGER, "approved": AGENT, "paths": [MAIN]}
    assert book.append(state, [{**forged, "id": "f00d", "until": None, "via": "terminal"}])
    (guarded / MAIN).write_text("app = 'forged'\n")
    git(guarded, "add", MAIN)
    result = commit_file(guarded, critical(by=STRANGER))
    refused_by_commit_msg(result)
    assert "approval-invalid" in result.ids and "provenance-missing" in result.ids


def test_provenance_notes_record_approvers_as_json(guarded: Path) -> None:
    approved_write(guarded, BACKUP)
    assert commit_file(guarded, critical(by=BACKUP)).returncode == 0
    shown = git(guarded, "notes", "--ref", "refs/notes/workspace-guard", "show", "HEAD")
    assert json.loads(shown)["approved_by"] == [BACKUP]

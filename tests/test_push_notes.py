"""Provenance notes at the server: the notes the commit gate attaches travel with the branch (the
installed pre-push hook pushes them first), and the server, where provenance is required,
compares each new commit touching a protected path with its note; the notes of commits on the
protected branch are frozen.

Real clones of a bare repository served by `git daemon` (`install --server`), a ledger written by
real `workspace-guard hook claude` calls, real `git commit` through the installed hooks.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty
from helpers.gitserver import push, template
from helpers.provenance import edit
from helpers.pushserver import ARCHITECT, BACKEND, Server, installed_clone

NOTES = "refs/notes/workspace-guard"
MAIN = "app/main.py"
BACKUP = "solution-architect-ai"


def require(server: Server, value: str = "true") -> None:
    git(server.bare, "config", "workspace-guard.requireProvenance", value)


def guarded_clone(server: Server, name: str = "agent") -> Path:
    clone = installed_clone(server, name)
    git(clone, "config", "workspace-guard.requireProvenance", "true")
    return clone


def commit_msg(clone: Path, message: str, *, hooks: bool = True) -> str:
    """`git commit -F -` of what is staged (with the installed hooks, or with none at all)."""
    args = ["git"] + ([] if hooks else ["-c", "core.hooksPath=/dev/null"])
    proc = subprocess.run(
        [*args, "commit", "-q", "-F", "-"],
        cwd=clone,
        input=message,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return git(clone, "rev-parse", "HEAD").strip()


def owner_commit(clone: Path, text: str = "app = 'owner'\n") -> str:
    """The owner changes app/main.py through the harness and commits it through the hooks."""
    edit(clone, MAIN, text, ARCHITECT)
    git(clone, "add", MAIN)
    return commit_msg(clone, template("fix(app): owner change", ARCHITECT, MAIN))


def note_of(repo: Path, rev: str) -> dict[str, object] | None:
    proc = subprocess.run(
        ["git", "notes", "--ref", NOTES, "show", rev], cwd=repo, capture_output=True, check=False
    )
    if proc.returncode != 0:
        return None
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def set_note(clone: Path, rev: str, note: dict[str, object]) -> None:
    git(clone, "notes", "--ref", NOTES, "add", "-f", "-m", json.dumps(note), rev)


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_the_note_travels_with_the_branch_and_the_push_is_accepted(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    sha = owner_commit(clone)
    result = push(clone, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert server.ref("refs/heads/main") == sha
    noted = note_of(server.bare, sha)
    assert noted is not None and noted["agent"] == ARCHITECT


def test_install_says_the_notes_are_pushed(server: Server) -> None:
    clone = server.clone()
    result = run_cli(clone, "install")
    assert result.returncode == 0, result.stderr
    assert NOTES in result.stdout


def test_a_commit_without_a_note_is_refused_naming_its_agente(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    (clone / MAIN).write_text("app = 'no harness, no hooks'\n")
    git(clone, "add", MAIN)
    sha = commit_msg(clone, template("fix(app): quiet change", ARCHITECT, MAIN), hooks=False)
    # the server's verdict, past this clone's pre-push (which refuses it too:
    # tests/test_push_provenance_local.py)
    result = push(clone, "--no-verify", "origin", "main")
    refused(result, "no provenance note", f"Agente: {ARCHITECT}", sha[:10])
    assert server.ref("refs/heads/main") != sha
    assert any(r.get("commit") == sha and r["action"] == "rejected" for r in server.audit())


def test_a_push_with_no_verify_leaves_the_notes_behind_and_is_refused(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    sha = owner_commit(clone)
    refused(push(clone, "--no-verify", "origin", "main"), "no provenance note", NOTES)
    assert push(clone, "--no-verify", "origin", NOTES).returncode == 0
    assert push(clone, "--no-verify", "origin", "main").returncode == 0
    assert server.ref("refs/heads/main") == sha


def test_a_note_and_branch_in_one_push(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    sha = owner_commit(clone)
    result = push(clone, "--no-verify", "--atomic", "origin", "main", NOTES)
    assert result.returncode == 0, result.stderr
    assert server.ref("refs/heads/main") == sha


def test_a_forged_note_for_another_agent(server: Server) -> None:
    """An agent writes the file outside the harness and claims the owner; its own note (for
    itself) disagrees with the message, and is named."""
    require(server)
    clone = guarded_clone(server)
    (clone / MAIN).write_text("app = 'backend took it'\n")
    git(clone, "add", MAIN)
    sha = commit_msg(clone, template("fix(app): claim owner", ARCHITECT, MAIN), hooks=False)
    blob = git(clone, "rev-parse", f"HEAD:{MAIN}").strip()
    set_note(clone, sha, {"workspace-guard": 1, "agent": BACKEND, "paths": [
        {"path": MAIN, "blob": blob, "agent": BACKEND}]})  # fmt: skip
    result = push(clone, "origin", "main")
    refused(result, f"recorded {BACKEND}", f"`Agente: {ARCHITECT}`")


def test_a_note_copied_from_other_content(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    first = owner_commit(clone)
    assert push(clone, "origin", "main").returncode == 0
    (clone / MAIN).write_text("app = 'changed by hand'\n")
    git(clone, "add", MAIN)
    sha = commit_msg(clone, template("fix(app): by hand", ARCHITECT, MAIN), hooks=False)
    old = note_of(clone, first)
    assert old is not None
    set_note(clone, sha, old)
    result = push(clone, "origin", "main")
    refused(result, "the note was written for other content", MAIN)


def test_an_approver_the_note_does_not_record(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    approved = run_tty(clone, "approve", BACKEND, MAIN, "--by", ARCHITECT, "--ttl", "1h")
    assert approved.returncode == 0, approved.stderr
    edit(clone, MAIN, "app = 'approved'\n", BACKEND)
    git(clone, "add", MAIN)
    good = template("fix(app): approved", BACKEND, MAIN, "APROBACIÓN_OBTENIDA", ARCHITECT)
    sha = commit_msg(clone, good)
    noted = note_of(clone, sha)
    assert noted is not None and noted["approved_by"] == [ARCHITECT]
    # the same tree under a message naming another approver, with the note copied over
    forged = template("fix(app): approved", BACKEND, MAIN, "APROBACIÓN_OBTENIDA", BACKUP)
    tree = git(clone, "rev-parse", "HEAD^{tree}").strip()
    other = git(clone, "commit-tree", tree, "-p", "HEAD^", input=forged.encode()).strip()
    set_note(clone, other, noted)
    git(clone, "-c", "core.hooksPath=/dev/null", "reset", "-q", "--soft", other)
    refused(push(clone, "origin", "main"), f"`Aprobado-por: {BACKUP}`")


def test_notes_of_commits_on_the_branch_are_frozen(server: Server) -> None:
    require(server)
    clone = guarded_clone(server)
    sha = owner_commit(clone)
    assert push(clone, "origin", "main").returncode == 0
    kept = git(server.bare, "rev-parse", NOTES).strip()
    noted = note_of(clone, sha)
    assert noted is not None
    set_note(clone, sha, {**noted, "agent": BACKEND})  # rewrite the accepted note
    refused(push(clone, "--no-verify", "origin", f"+{NOTES}"), "notes-rewrite", sha[:10])
    seed = git(clone, "rev-parse", "HEAD~1").strip()
    git(clone, "notes", "--ref", NOTES, "remove", sha)
    refused(push(clone, "--no-verify", "origin", f"+{NOTES}"), "removes")
    git(clone, "update-ref", NOTES, kept)
    set_note(clone, seed, {"workspace-guard": 1, "agent": ARCHITECT, "paths": []})
    refused(push(clone, "--no-verify", "origin", f"+{NOTES}"), "adds", seed[:10])
    refused(push(clone, "--no-verify", "origin", f":{NOTES}"), "notes-rewrite")
    assert git(server.bare, "rev-parse", NOTES).strip() == kept
    records = [r for r in server.audit() if "notes-rewrite" in str(r.get("violations", r))]
    assert records and all(r["action"] == "rejected" for r in records)


def test_report_mode_accepts_and_records(server: Server) -> None:
    require(server, "report")
    clone = guarded_clone(server)
    (clone / MAIN).write_text("app = 'reported'\n")
    git(clone, "add", MAIN)
    sha = commit_msg(clone, template("fix(app): quiet change", ARCHITECT, MAIN), hooks=False)
    # the server's verdict: past this clone's own pre-push (it requires provenance, and refuses)
    result = push(clone, "--no-verify", "origin", "main")
    assert result.returncode == 0, result.stderr
    assert "no provenance note" in result.stderr
    assert server.ref("refs/heads/main") == sha
    assert any(r.get("action") == "reported" and r["commit"] == sha for r in server.audit())


def test_off_by_default_at_the_server(server: Server) -> None:
    clone = guarded_clone(server)
    (clone / MAIN).write_text("app = 'unchecked'\n")
    git(clone, "add", MAIN)
    commit_msg(clone, template("fix(app): quiet change", ARCHITECT, MAIN), hooks=False)
    refused = push(clone, "origin", "main")  # this clone's pre-push requires the note
    assert refused.returncode != 0 and "[provenance-note]" in refused.stderr
    assert push(clone, "--no-verify", "origin", "main").returncode == 0  # the server does not


def test_notes_of_two_clones_are_merged_before_the_push(server: Server) -> None:
    require(server)
    first = guarded_clone(server, "first")
    second = guarded_clone(server, "second")
    one = owner_commit(first, "app = 'one'\n")
    assert push(first, "origin", "main").returncode == 0
    git(second, "pull", "-q", "--no-rebase", "origin", "main")
    two = owner_commit(second, "app = 'two'\n")
    result = push(second, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert note_of(server.bare, one) is not None and note_of(server.bare, two) is not None


@pytest.mark.parametrize("value", ["true", "report"])
def test_check_commits_compares_the_notes(server: Server, value: str) -> None:
    clone = guarded_clone(server)
    git(clone, "config", "workspace-guard.requireProvenance", value)
    good = owner_commit(clone)
    (clone / MAIN).write_text("app = 'by hand'\n")
    git(clone, "add", MAIN)
    bad = commit_msg(clone, template("fix(app): by hand", ARCHITECT, MAIN), hooks=False)
    result = run_cli(clone, "check-commits", "origin/main..HEAD", "--format", "json")
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    failing = {c["sha"] for c in data["commits"] if c["violations"]}
    if value == "true":
        assert result.returncode == 1 and failing == {bad}
        assert good not in failing
    else:
        assert result.returncode == 0 and "no provenance note" in result.stderr


def test_an_evil_merge_with_a_lie_in_agente_has_no_note(server: Server) -> None:
    """A merge built with `commit-tree` (no hook runs) whose own change edits app/main.py and
    names the owner: the template and the ownership pass, the missing note does not."""
    require(server)
    clone = guarded_clone(server)
    git(clone, "checkout", "-q", "-b", "side")
    (clone / "side.txt").write_text("side\n")
    git(clone, "add", "side.txt")
    side = commit_msg(clone, template("docs(side): note", BACKEND, "side.txt"))
    git(clone, "checkout", "-q", "main")
    (clone / MAIN).write_text("app = 'evil merge'\n")
    (clone / "side.txt").write_text("side\n")
    git(clone, "add", MAIN, "side.txt")
    tree = git(clone, "write-tree").strip()
    text = template("fix(app): merge side", ARCHITECT, MAIN).encode()
    merge = git(clone, "commit-tree", tree, "-p", "HEAD", "-p", side, input=text).strip()
    git(clone, "-c", "core.hooksPath=/dev/null", "reset", "-q", "--hard", merge)
    result = push(clone, "origin", "main")
    refused(result, "no provenance note", merge[:10])

"""The push gate end to end: a bare repository served by a real `git daemon`, the pre-receive hook
installed with `workspace-guard install --server`, agents pushing real commits from their clones.

What the pusher sees is asserted on the `remote: …` lines of `git push`; what the server keeps,
on its refs (`git ls-remote`) and on its audit log (`<bare>/workspace-guard/audit.jsonl`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli
from helpers.forge import rules_granting_main
from helpers.gitserver import GitDaemon, commit, fast_import, push, template
from helpers.pushserver import (
    ARCHITECT,
    BACKEND,
    BACKEND_OFFICE,
    MASTER,
    Server,
    assert_accepted,
    assert_rejected,
    main_change,
    readme_change,
    serve,
)
from helpers.repos import craft_commit

# --- accepted and rejected pushes ----------------------------------------------------------------


def test_protocol_following_push_is_accepted(server: Server) -> None:
    clone = server.clone()
    readme_change(clone)
    office = commit(
        clone,
        {f"{BACKEND_OFFICE}/plan.md": "# plan\n"},
        template("docs(office): plan the sprint", BACKEND, f"{BACKEND_OFFICE}/plan.md"),
    )
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == office
    assert server.audit() == []


def test_template_violation_is_rejected_with_a_message_per_commit(server: Server) -> None:
    clone = server.clone()
    before = server.ref("refs/heads/main")
    sha = commit(clone, {"README.md": "# shop!\n"}, "update stuff\n")
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    line = next(x for x in err.splitlines() if sha[:10] in x)
    assert "refs/heads/main" in line
    assert "update stuff" in line
    assert "[subject-format]" in err or "[subject" in err
    assert "[field-missing]" in err
    assert server.ref("refs/heads/main") == before


def test_critical_file_changed_by_a_non_owner_is_rejected(server: Server) -> None:
    clone = server.clone()
    sha = main_change(clone)
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    remote = [x for x in err.splitlines() if x.startswith("remote:")]
    violation = next(x for x in remote if "[protocol-insufficient]" in x)
    assert "app/main.py" in violation
    assert f"consult {ARCHITECT}" in violation  # the owner to consult
    assert f"(Agente: {BACKEND})" in err
    (record,) = [r for r in server.rejections(sha) if r["path"] == "app/main.py"]
    assert record["owner"] == ARCHITECT
    assert record["level"] == "critical"
    assert record["agent"] == BACKEND
    assert record["escalate_to"] == MASTER
    assert record["ref"] == "refs/heads/main"


def test_critical_file_with_the_owners_approval_is_accepted(server: Server) -> None:
    clone = server.clone()
    sha = main_change(clone, protocol="APROBACIÓN_OBTENIDA", approved_by=ARCHITECT)
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == sha


def test_commit_made_without_hooks_is_caught_at_push(server: Server) -> None:
    """`--no-verify` is refused locally (reference-transaction, tests/test_push_local.py); an
    agent that switches every local hook off still meets the server."""
    clone = server.clone()
    installed = run_cli(clone, "install")
    assert installed.returncode == 0, installed.stderr
    (clone / "README.md").write_text("# shop, quickly\n")
    git(clone, "add", "README.md")
    refused = git(clone, "commit", "-q", "-m", "quick fix", check=False)
    assert git(clone, "rev-parse", "HEAD") == git(clone, "rev-parse", "origin/main"), refused
    refused = git(clone, "commit", "-q", "--no-verify", "-m", "quick fix", check=False)
    assert git(clone, "rev-parse", "HEAD") == git(clone, "rev-parse", "origin/main"), refused
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "quick fix")
    sha = git(clone, "rev-parse", "HEAD").strip()
    assert_rejected(push(clone, "--no-verify", "origin", "main"), server, sha)


def test_self_grant_and_its_use_in_one_push_is_rejected(server: Server) -> None:
    """The rules come from the base revision: a grant only counts once it is on the server."""
    clone = server.clone()
    grant = commit(
        clone,
        {".workspace/rules.yaml": rules_granting_main(clone)},
        template("chore(rules): hand app/main.py to the backend", MASTER, ".workspace/rules.yaml"),
    )
    use = main_change(clone)  # as the new owner, without approval
    err = assert_rejected(push(clone, "origin", "main"), server, use)
    assert grant[:10] not in err  # the superuser's rules commit itself is fine
    assert f"consult {ARCHITECT}" in err

    # pushed on its own, the grant becomes the base; then the owner's change is accepted
    assert_accepted(push(clone, "origin", f"{grant}:refs/heads/main"))
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == use


def test_force_push_checks_the_rewritten_commits(server: Server) -> None:
    clone = server.clone()
    good = readme_change(clone)
    assert_accepted(push(clone, "origin", "main"))
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    bad = commit(clone, {"docker-compose.yml": "services: {}\n"}, "chore: simplify compose\n")
    assert_rejected(push(clone, "--force", "origin", "main"), server, bad)
    assert server.ref("refs/heads/main") == good
    # a rewind brings no new commit: nothing to check
    assert_accepted(push(clone, "--force", "origin", "HEAD~1:refs/heads/main"))
    assert server.ref("refs/heads/main") == git(clone, "rev-parse", "HEAD~1").strip()


def test_one_bad_ref_rejects_the_whole_push(server: Server) -> None:
    clone = server.clone()
    before = server.refs()
    readme_change(clone)
    git(clone, "checkout", "-q", "-b", "feature-ok", "origin/main")
    commit(
        clone,
        {f"{BACKEND_OFFICE}/a.md": "a\n"},
        template("docs(office): a", BACKEND, f"{BACKEND_OFFICE}/a.md"),
    )
    git(clone, "checkout", "-q", "-b", "feature-bad", "origin/main")
    bad = main_change(clone)
    result = push(clone, "origin", "main", "feature-ok", "feature-bad")
    err = assert_rejected(result, server, bad)
    assert "refs/heads/feature-bad" in err
    assert err.count("[remote rejected]") == 3
    assert server.refs() == before


def test_new_branch_of_200_commits_names_the_one_bad_commit(server: Server) -> None:
    clone = server.clone()
    base = git(clone, "rev-parse", "HEAD").strip()
    commits = []
    for n in range(200):
        path = f"{BACKEND_OFFICE}/log/{n:03}.md"
        message = template(f"docs(office): entry {n}", BACKEND, path)
        if n == 117:
            message = "wip entry 117\n"
        commits.append((message, {path: f"entry {n}\n"}))
    fast_import(clone, "refs/heads/long", base, commits)
    bad = git(clone, "rev-parse", "long~82").strip()
    assert git(clone, "log", "-1", "--format=%s", bad).strip() == "wip entry 117"
    err = assert_rejected(push(clone, "origin", "long"), server, bad)
    headers = [x for x in err.splitlines() if "refs/heads/long " in x]
    assert len(headers) == 1
    assert bad[:10] in headers[0]
    assert "wip entry 117" in headers[0]
    assert server.ref("refs/heads/long") is None


def test_new_branch_of_commits_already_on_main_is_not_rechecked(server: Server) -> None:
    """The seed commits break the template, but they were on the server before the gate."""
    clone = server.clone()
    old = git(clone, "rev-parse", "HEAD~1").strip()
    assert_accepted(push(clone, "origin", f"{old}:refs/heads/old-release"))
    assert server.ref("refs/heads/old-release") == old
    assert server.audit() == []


def test_zero_commit_push_of_an_existing_tip_is_accepted(server: Server) -> None:
    clone = server.clone()
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/mirror"))
    assert server.ref("refs/heads/mirror") == server.ref("refs/heads/main")


def test_branch_deletion_is_allowed_unless_denied(server: Server) -> None:
    clone = server.clone()
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/scratch"))
    assert_accepted(push(clone, "origin", "--delete", "scratch"))
    assert server.ref("refs/heads/scratch") is None

    git(server.bare, "config", "workspace-guard.denyDeletes", "true")
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/scratch"))
    tip = server.ref("refs/heads/scratch")
    assert tip is not None
    err = assert_rejected(push(clone, "origin", "--delete", "scratch"), server, tip)
    assert "[ref-delete]" in err
    assert server.ref("refs/heads/scratch") == tip


def test_tags_bring_their_commits_to_the_gate(server: Server) -> None:
    clone = server.clone()
    git(clone, "tag", "v0.1")
    git(clone, "tag", "-a", "-m", "release 0.1", "v0.1-annotated")
    git(clone, "tag", "tree-tag", "HEAD^{tree}")
    assert_accepted(push(clone, "origin", "v0.1", "v0.1-annotated", "tree-tag"))
    assert server.ref("refs/tags/v0.1-annotated") is not None

    bad = commit(clone, {"README.md": "# tagged\n"}, "release\n")
    git(clone, "tag", "v0.2")
    err = assert_rejected(push(clone, "origin", "v0.2"), server, bad)
    assert "refs/tags/v0.2" in err
    git(clone, "tag", "-a", "-m", "release 0.2", "v0.2-annotated")
    err = assert_rejected(push(clone, "origin", "v0.2-annotated"), server, bad)
    assert "refs/tags/v0.2-annotated" in err
    assert server.ref("refs/tags/v0.2") is None
    assert server.ref("refs/tags/v0.2-annotated") is None


# --- what cannot be waved through ----------------------------------------------------------------


def test_broken_rules_at_the_base_reject_every_push(tmp_path: Path, daemon: GitDaemon) -> None:
    broken = EXAMPLE_RULES.read_text().replace("level: critical", "level: severe", 1)
    server = serve(tmp_path, daemon, rules_text=broken)
    clone = server.clone()
    before = server.ref("refs/heads/main")
    sha = readme_change(clone)
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert "pre-receive hook declined" in result.stderr
    assert "Traceback" not in result.stderr
    assert "rules.yaml" in result.stderr
    assert "severe" in result.stderr  # the reason, as the loader words it
    assert "push rejected" in result.stderr
    assert "message file" not in result.stderr  # not the commit hook's wording
    assert server.ref("refs/heads/main") == before
    (record,) = server.rejections(sha)
    assert record["action"] == "rejected"
    assert record["violations"] == ["rules-invalid"]


def test_missing_default_branch_refuses_new_branches(server: Server) -> None:
    """Without a default branch a new branch has no trusted rules: refused, not unchecked."""
    git(server.bare, "symbolic-ref", "HEAD", "refs/heads/trunk")
    # a server installed before the pin (no rulesRef, no record): HEAD still decides
    git(server.bare, "config", "--unset", "workspace-guard.rulesRef")
    (server.bare / "workspace-guard" / "pin.json").unlink()
    clone = server.clone()
    git(clone, "checkout", "-q", "-b", "feature", "origin/main")
    main_change(clone)
    result = push(clone, "origin", "feature")
    assert result.returncode != 0
    assert "default branch (refs/heads/trunk) does not exist" in result.stderr
    assert "git symbolic-ref HEAD" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.ref("refs/heads/feature") is None
    (record,) = server.audit()
    assert (record["layer"], record["action"]) == ("pre-receive", "rejected")
    assert record["ref"] == "refs/heads/feature"


def test_first_push_to_an_empty_repository_checks_the_template(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    bare = daemon.base / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert run_cli(tmp_path, "install", "--server", str(bare)).returncode == 0
    work = tmp_path / "first"
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", daemon.url("empty.git"))
    commit(work, {"README.md": "# new\n"}, "initial import\n")
    result = push(work, "origin", "main")
    assert result.returncode != 0
    assert "[field-missing]" in result.stderr
    assert "no branch yet" in result.stderr
    records = [
        json.loads(x) for x in (bare / "workspace-guard" / "audit.jsonl").read_text().splitlines()
    ]
    assert [(r["layer"], r["action"]) for r in records] == [("pre-receive", "rejected")]
    git(
        work, "commit", "-q", "--amend", "-m", template("docs(readme): start", BACKEND, "README.md")
    )
    assert push(work, "origin", "main").returncode == 0


def test_a_pushed_replace_ref_cannot_disguise_a_bad_commit(server: Server) -> None:
    clone = server.clone()
    bad = main_change(clone)
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    good = readme_change(clone)
    assert_accepted(push(clone, "origin", f"{good}:refs/replace/{bad}"))
    assert_rejected(push(clone, "origin", f"{bad}:refs/heads/main"), server, bad)


def test_git_notes_are_accepted_and_do_not_launder_commits(server: Server) -> None:
    """`git notes` refs carry no template and change no project file: accepted unchecked. A
    bad commit pushed as a notes ref is still checked when it reaches a branch."""
    clone = server.clone()
    good = readme_change(clone)
    assert_accepted(push(clone, "origin", "main"))
    git(clone, "notes", "add", "-m", "reviewed by ci: ok", good)
    assert_accepted(push(clone, "origin", "refs/notes/commits"))
    assert server.ref("refs/notes/commits") is not None
    bad = main_change(clone)
    assert_accepted(push(clone, "origin", f"{bad}:refs/notes/smuggled"))
    assert_rejected(push(clone, "origin", "main"), server, bad)
    assert server.ref("refs/heads/main") == good


def test_non_utf8_message_and_file_name_are_violations(server: Server) -> None:
    clone = server.clone()
    raw = template("docs(readme): café notes", BACKEND, "README.md").encode("latin-1", "replace")
    raw_message = craft_commit(clone, raw)
    name = os.path.join(os.fsencode(clone), b"docs", b"caf\xe9.md")
    os.makedirs(os.path.dirname(name))
    with open(name, "wb") as handle:
        handle.write(b"menu\n")
    raw_name = commit(clone, {}, template("docs(menu): add the menu", BACKEND, "docs/"))
    err = assert_rejected(push(clone, "origin", "main"), server, raw_message, raw_name)
    assert "[message-encoding]" in err
    assert "[path-encoding]" in err
    assert "docs/caf\\xe9.md" in err
    (record,) = server.rejections(raw_name)
    assert record["path"] == "docs/caf\\xe9.md"
    assert record["violations"] == ["path-encoding"]


def test_latin1_declared_message_is_reencoded_not_a_crash(server: Server) -> None:
    clone = server.clone()
    message = template("docs(readme): descripción", BACKEND, "README.md").replace("✅ ", "")
    (clone / "README.md").write_text("# shop\nlatin\n")
    git(clone, "add", "README.md")
    git(
        clone,
        "-c",
        "i18n.commitEncoding=ISO-8859-1",
        "commit",
        "-q",
        "-F",
        "-",
        input=message.encode("latin-1"),
    )
    sha = git(clone, "rev-parse", "HEAD").strip()
    assert "encoding ISO-8859-1" in git(clone, "cat-file", "commit", sha)
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "descripción" in err  # git re-encoded it: the subject reads correctly
    assert "[message-encoding]" not in err
    assert "Workspace-Check" in err  # the one real problem: no ✅ in latin-1


# --- the hook run by hand ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"garbage here\n",
        b"\xff\xfe\x00\n",
        b"0000 1111 refs/heads/main\n",
        b"0" * 40 + b" " + b"1" * 40 + b"\n",
        b"0" * 40 + b" " + b"1" * 40 + b" refs/heads/x extra\n",
    ],
)
def test_garbage_on_the_hook_stdin_is_a_usage_error(server: Server, data: bytes) -> None:
    result = run_cli(server.bare, "hook", "pre-receive", input=data)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "workspace-guard: pre-receive input line 1" in result.stderr
    assert server.audit() == []


def test_an_object_the_repository_lacks_is_refused(server: Server) -> None:
    data = f"{'0' * 40} {'1' * 40} refs/heads/ghost\n".encode()
    result = run_cli(server.bare, "hook", "pre-receive", input=data)
    assert result.returncode == 2
    assert f"object {'1' * 40} is not in this repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_input_is_nothing_to_check(server: Server) -> None:
    result = run_cli(server.bare, "hook", "pre-receive", input=b"")
    assert result.returncode == 0
    assert result.stderr == ""


def test_the_hook_keeps_a_legacy_pre_receive_and_feeds_it_the_same_input(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    bare = daemon.base / "legacy.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = make_workspace(tmp_path / "seed")
    git(seed, "push", "-q", str(bare), "main")
    legacy = bare / "hooks" / "pre-receive"
    legacy.parent.mkdir(exist_ok=True)
    legacy.write_text(f"#!/bin/sh\ncat > '{tmp_path / 'legacy-saw'}'\nexit 0\n")
    legacy.chmod(0o755)
    assert run_cli(tmp_path, "install", "--server", str(bare)).returncode == 0
    clone = tmp_path / "c"
    git(tmp_path, "clone", "-q", daemon.url("legacy.git"), str(clone))
    sha = readme_change(clone)
    assert_accepted(push(clone, "origin", "main"))
    assert re.fullmatch(
        rf"[0-9a-f]{{40}} {sha} refs/heads/main\n", (tmp_path / "legacy-saw").read_text()
    )

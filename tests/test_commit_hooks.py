"""The commit gate end to end: real repositories, `workspace-guard install`, real `git commit`.

Every commit goes through the installed hooks exactly as a user's would; nothing is mocked. Each
refused commit is checked for the three things a user relies on: the commit did not happen, the
message file they wrote is byte-for-byte what they wrote, and no traceback reached them.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import BIN, git, make_workspace, run_cli, run_tty
from helpers.commits import (
    AGENT,
    ENDPOINT,
    MAIN,
    OWNER,
    Result,
    audit_records,
    change,
    commit,
    head,
    install,
    run_git,
    subject_of,
    template,
)
from helpers.repos import installed_workspace


@pytest.fixture
def repo(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The example workspace with the hooks installed (a copy of one installed once per test
    process: tests/helpers/repos.py); the test runs with it as cwd."""
    templates = tmp_path_factory.getbasetemp() / "templates"
    templates.mkdir(exist_ok=True)
    repo = installed_workspace(tmp_path / "ws", templates)
    monkeypatch.chdir(repo)
    return repo


# --------------------------------------------------------------------------- the template


def test_the_copied_installed_workspace_is_a_fresh_install(repo: Path, tmp_path: Path) -> None:
    """What the `repo` fixture copies is what `install` writes in a new workspace, and the copy's
    index matches its files without a refresh (no stat-dirty entry for a reader to trip on)."""
    fresh = make_workspace(tmp_path / "fresh")
    install(fresh)
    names = sorted(p.name for p in (fresh / ".git/hooks").iterdir())
    assert names == sorted(p.name for p in (repo / ".git/hooks").iterdir())
    assert "commit-msg" in names and "pre-commit" in names
    for name in names:
        assert (repo / ".git/hooks" / name).read_bytes() == (
            fresh / ".git/hooks" / name
        ).read_bytes()
    assert (repo / ".git/config").read_text() == (fresh / ".git/config").read_text()
    assert git(repo, "ls-files", "-s") == git(fresh, "ls-files", "-s")
    git(repo, "diff-files", "--quiet")  # fails on any entry whose stat the index does not match
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    assert Path.cwd() == repo


def test_a_template_message_is_accepted(repo: Path) -> None:
    change(repo, "README.md")
    result = commit(repo, template())
    assert result.returncode == 0, result
    assert result.ids == []
    assert subject_of(repo) == "feat(api): change the application"
    assert audit_records(repo) == []


def test_english_aliases_are_accepted(repo: Path) -> None:
    change(repo, MAIN)
    message = template(files=MAIN, protocol="APPROVAL_OBTAINED", approved_by=OWNER, english=True)
    result = commit(repo, message)
    assert result.returncode == 0, result


@pytest.mark.parametrize(
    "protocol",
    [
        "SEGUIDO",
        "FOLLOWED",
        "CONSULTA_PREVIA",
        "PRIOR_CONSULTATION",
        "APROBACIÓN_OBTENIDA",
        "APROBACION_OBTENIDA",
        "APPROVAL_OBTAINED",
    ],
)
def test_every_protocol_value_passes_on_an_unprotected_file(repo: Path, protocol: str) -> None:
    change(repo, "README.md")
    assert commit(repo, template(protocol=protocol)).returncode == 0


def test_a_message_without_the_template_is_refused_with_a_passing_example(repo: Path) -> None:
    change(repo, "app/models/order.py")
    result = commit(repo, "added total\n")
    assert result.returncode == 1
    assert result.ids == ["subject-format"] + ["field-missing"] * 5
    assert "A message that passes:" in result.stderr
    assert "Archivo: app/models/order.py" in result.stderr  # the staged path fills the example
    assert git(repo, "diff", "--cached", "--name-only").split() == ["app/models/order.py"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (template(protocol="INVENTADO"), ["field-value"]),
        (template(subject="feature(api): x"), ["type-unknown"]),
        (template(subject="feat: no area"), ["area-missing"]),
        (template(subject="feat(api):no space"), ["subject-format"]),
        (template(agent="backend-framwork-ai"), ["agent-unknown"]),
        (
            template().replace("Tests: PASSED\n", "Tests: PASSED\nAgente: api-security\n"),
            ["field-duplicate"],
        ),
        (
            template().replace("Workspace-Check: ✅ Consultado\n", "Workspace-Check: sí\n"),
            ["field-value"],
        ),
        (
            template() + "\n🤖 Generated with an agent\n\nCo-Authored-By: a <a@b>\n",
            ["fields-outside-trailers"],
        ),
        (
            template().replace("\n\nWorkspace-Check", "\nbody glued\nWorkspace-Check"),
            ["fields-outside-trailers"],
        ),
    ],
    ids=[
        "protocol-value",
        "type",
        "area",
        "subject",
        "agent",
        "duplicate",
        "check-value",
        "appended-paragraph",
        "glued-to-body",
    ],
)
def test_template_violations_through_the_hook(
    repo: Path, message: str, expected: list[str]
) -> None:
    change(repo, "README.md")
    result = commit(repo, message)
    assert result.returncode == 1
    assert result.ids == expected, result.stderr


def test_fields_outside_the_trailer_block_say_so(repo: Path) -> None:
    change(repo, "README.md")
    result = commit(repo, template() + "\nSee the ticket for details.\n")
    assert result.ids == ["fields-outside-trailers"]
    assert "outside its trailer block" in result.stderr


def test_tests_failed_is_a_warning_not_a_refusal(repo: Path) -> None:
    change(repo, "README.md")
    result = commit(repo, template(tests="FAILED"))
    assert result.returncode == 0, result
    assert result.warnings == ["tests-failed"]


def test_a_body_paragraph_before_the_fields_is_fine(repo: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, template(body="Why: the readme was\nout of date.")).returncode == 0


# ------------------------------------------------------------------------- merges, reverts, fixups


def _branch_with_commit(repo: Path, branch: str, rel: str, message: str) -> None:
    git(repo, "checkout", "-q", "-b", branch)
    change(repo, rel)
    assert commit(repo, message).returncode == 0
    git(repo, "checkout", "-q", "main")


def test_a_real_merge_with_an_edited_message_skips_the_template(repo: Path) -> None:
    _branch_with_commit(
        repo, "feature", "app/models/order.py", template(files="app/models/order.py")
    )
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0
    result = run_git(repo, "merge", "--no-ff", "-q", "-m", "merge the feature, by hand", "feature")
    assert result.returncode == 0, result
    assert git(repo, "log", "-1", "--format=%P").count(" ") == 1  # two parents
    assert subject_of(repo) == "merge the feature, by hand"


def test_a_conflicted_merge_concluded_with_git_commit_skips_the_template(repo: Path) -> None:
    _branch_with_commit(repo, "feature", "README.md", template())
    change(repo, "README.md", "main's line\n")
    assert commit(repo, template()).returncode == 0
    assert run_git(repo, "merge", "-q", "feature").returncode != 0  # conflict
    (repo / "README.md").write_text("# shop\nresolved\n")
    git(repo, "add", "README.md")
    result = commit(repo, "Resolve the README conflict\n")
    assert result.returncode == 0, result
    assert git(repo, "log", "-1", "--format=%P").count(" ") == 1


def test_merge_sort_is_not_a_merge(repo: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, "Merge sort for the orders\n").ids[0] == "subject-format"


def test_a_revert_skips_the_template_but_not_ownership(repo: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0
    git(repo, "revert", "--no-commit", "HEAD")
    result = run_git(repo, "commit", "-q", "--no-edit")
    assert result.returncode == 0, result
    assert subject_of(repo).startswith('Revert "feat(api)')

    change(repo, MAIN)
    approved = template(files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, approved).returncode == 0
    git(repo, "revert", "--no-commit", "HEAD")
    result = run_git(repo, "commit", "-q", "--no-edit", env={"WORKSPACE_AGENT": AGENT})
    assert result.returncode == 1
    assert set(result.ids) == {"protocol-insufficient", "approval-missing", "file-not-listed"}
    result = run_git(repo, "commit", "-q", "--no-edit", env={"WORKSPACE_AGENT": OWNER})
    # commit-msg accepts the owner's revert; the reference-transaction hook then gives the
    # shared repository's answer, which knows no WORKSPACE_AGENT: the message must name the agent
    assert result.returncode != 0
    assert "branch update refused" in result.stderr
    assert "[agent-unknown] app/main.py" in result.stderr


def test_a_revert_of_a_protected_change_needs_to_know_the_agent(repo: Path) -> None:
    change(repo, MAIN)
    assert commit(repo, template(files=MAIN, agent=OWNER)).returncode == 0
    git(repo, "revert", "--no-commit", "HEAD")
    result = run_git(repo, "commit", "-q", "--no-edit")
    assert result.returncode == 1
    assert result.ids == ["agent-missing"]
    assert MAIN in result.stderr and "WORKSPACE_AGENT" in result.stderr


def test_fixup_commits_skip_the_template_and_autosquash_works(repo: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0
    base = git(repo, "rev-parse", "HEAD~1").strip()
    change(repo, "README.md", "more\n")
    result = run_git(repo, "commit", "-q", "--fixup=HEAD")
    assert result.returncode == 0, result
    assert subject_of(repo) == "fixup! feat(api): change the application"
    result = run_git(
        repo,
        "rebase",
        "-q",
        "-i",
        "--autosquash",
        base,
        env={"GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"},
    )
    assert result.returncode == 0, result
    assert subject_of(repo) == "feat(api): change the application"
    assert "more" in (repo / "README.md").read_text()


@pytest.mark.parametrize("prefix", ["fixup!", "squash!", "amend!"])
def test_fixup_of_a_protected_file_is_still_an_ownership_question(repo: Path, prefix: str) -> None:
    change(repo, MAIN)
    message = f"{prefix} feat(api): name the app\n\nAgente: {AGENT}\n"
    result = commit(repo, message)
    assert result.returncode == 1
    assert "protocol-insufficient" in result.ids
    result = commit(repo, f"{prefix} feat(api): name the app\n\nAgente: nobody-ai\n")
    assert result.returncode == 1
    assert result.ids == ["agent-unknown"]
    assert commit(repo, f"{prefix} feat(api): name the app\n\nAgente: {OWNER}\n").returncode == 0


def _script(tmp: Path, name: str, body: str) -> str:
    path = tmp / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_rebase_reword_checks_the_new_message(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, template(subject="docs(readme): first")).returncode == 0
    change(repo, "app/models/order.py")
    assert (
        commit(
            repo, template(subject="feat(models): second", files="app/models/order.py")
        ).returncode
        == 0
    )
    good = tmp_path / "good.txt"
    good.write_text(template(subject="docs(readme): first, reworded"))
    bad = tmp_path / "bad.txt"
    bad.write_text("reworded without the template\n")
    sequence = "sed -i -e '1s/^pick/reword/'"
    result = run_git(
        repo,
        "rebase",
        "-i",
        "HEAD~2",
        env={
            "GIT_SEQUENCE_EDITOR": sequence,
            "GIT_EDITOR": _script(tmp_path, "ed-good", f'cp "{good}" "$1"\n'),
        },
    )
    assert result.returncode == 0, result
    assert subject_of(repo, "HEAD~1") == "docs(readme): first, reworded"
    assert subject_of(repo) == "feat(models): second"

    tip = head(repo)
    result = run_git(
        repo,
        "rebase",
        "-i",
        "HEAD~2",
        env={
            "GIT_SEQUENCE_EDITOR": sequence,
            "GIT_EDITOR": _script(tmp_path, "ed-bad", f'cp "{bad}" "$1"\n'),
        },
    )
    assert result.returncode != 0
    assert "subject-format" in result.ids
    assert (repo / ".git" / "rebase-merge").is_dir()  # stopped, the user can fix and continue
    assert run_git(repo, "rebase", "--abort").returncode == 0
    assert head(repo) == tip


def test_rebase_reword_still_checks_ownership_of_the_reworded_commit(
    repo: Path, tmp_path: Path
) -> None:
    change(repo, MAIN)
    assert commit(repo, template(files=MAIN, agent=OWNER)).returncode == 0
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0
    claim = tmp_path / "claim.txt"
    claim.write_text(template(subject="feat(api): now by someone else", files=MAIN))
    result = run_git(
        repo,
        "rebase",
        "-i",
        "HEAD~2",
        env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/reword/'",
            "GIT_EDITOR": _script(tmp_path, "ed", f'cp "{claim}" "$1"\n'),
        },
    )
    assert result.returncode != 0
    assert {"protocol-insufficient", "approval-missing"} <= set(result.ids)
    assert run_git(repo, "rebase", "--abort").returncode == 0


def test_rebase_fixup_and_squash_complete(repo: Path) -> None:
    for n in range(3):
        change(repo, "README.md", f"line {n}\n")
        assert commit(repo, template(subject=f"docs(readme): step {n}")).returncode == 0
    sequence = "sed -i -e '2s/^pick/fixup/' -e '3s/^pick/squash/'"
    result = run_git(
        repo, "rebase", "-i", "HEAD~3", env={"GIT_SEQUENCE_EDITOR": sequence, "GIT_EDITOR": "true"}
    )
    assert result.returncode == 0, result
    assert subject_of(repo) == "docs(readme): step 0"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"


def _conflicting_branches(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "topic")
    change(repo, "README.md", "topic's line\n")
    assert commit(repo, template(subject="docs(readme): topic")).returncode == 0
    git(repo, "checkout", "-q", "main")
    change(repo, "README.md", "main's line\n")
    assert commit(repo, template(subject="docs(readme): main")).returncode == 0
    git(repo, "checkout", "-q", "topic")
    assert run_git(repo, "rebase", "main").returncode != 0  # conflict
    (repo / "README.md").write_text("# shop\nmain's line\ntopic's line\n")
    git(repo, "add", "README.md")


def test_a_conflicting_rebase_continues(repo: Path) -> None:
    _conflicting_branches(repo)
    result = run_git(repo, "rebase", "--continue", env={"GIT_EDITOR": "true"})
    assert result.returncode == 0, result
    assert subject_of(repo) == "docs(readme): topic"
    assert subject_of(repo, "HEAD~1") == "docs(readme): main"


def test_committing_the_resolution_by_hand_during_a_rebase(repo: Path) -> None:
    _conflicting_branches(repo)
    result = run_git(repo, "commit", "-q", "--no-edit")  # git prepared the original message
    assert result.returncode == 0, result
    assert run_git(repo, "rebase", "--continue", env={"GIT_EDITOR": "true"}).returncode == 0
    assert subject_of(repo) == "docs(readme): topic"


# --------------------------------------------------------------------------- ownership


def approved(files: str = MAIN, by: str = OWNER, agent: str = AGENT) -> str:
    return template(files=files, agent=agent, protocol="APROBACIÓN_OBTENIDA", approved_by=by)


def test_a_critical_file_needs_approval_by_owner_backup_or_superuser(repo: Path) -> None:
    change(repo, MAIN)
    result = commit(repo, template(files=MAIN))
    assert result.returncode == 1
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert "owner system-architect-ai" in result.stderr
    assert "escalation: master-orchestrator" in result.stderr
    assert "rules.yaml:" in result.stderr  # which rule, where

    assert commit(repo, template(files=MAIN, protocol="CONSULTA_PREVIA")).ids == [
        "protocol-insufficient",
        "approval-missing",
    ]
    assert commit(repo, approved(by="api-architect-ai")).ids == ["approval-invalid"]
    assert commit(repo, template(files=MAIN, protocol="SEGUIDO", approved_by=OWNER)).ids == [
        "protocol-insufficient"
    ]
    for approver in (OWNER, "solution-architect-ai", "master-orchestrator"):
        change(repo, MAIN)
        result = commit(repo, approved(by=approver))
        assert result.returncode == 0, (approver, result)


def test_an_agent_cannot_approve_its_own_change(repo: Path) -> None:
    change(repo, MAIN)
    result = commit(repo, approved(by="solution-architect-ai", agent="solution-architect-ai"))
    assert result.returncode == 1
    assert result.ids == ["approval-invalid"]
    assert "cannot approve its own change" in result.stderr


def test_a_high_file_needs_consultation_or_approval(repo: Path) -> None:
    change(repo, ENDPOINT)
    result = commit(repo, template(files=ENDPOINT, agent="react-specialist-ai"))
    assert result.ids == ["protocol-insufficient"]
    assert "level high" in result.stderr and "api-architect-ai" in result.stderr
    for protocol in ("CONSULTA_PREVIA", "APROBACIÓN_OBTENIDA", "PRIOR_CONSULTATION"):
        change(repo, ENDPOINT)
        message = template(files=ENDPOINT, agent="react-specialist-ai", protocol=protocol)
        assert commit(repo, message).returncode == 0, protocol


def test_every_protected_path_must_be_named_in_archivo(repo: Path) -> None:
    change(repo, MAIN)
    change(repo, "app/core/config.py")
    change(repo, "README.md")
    result = commit(repo, approved(files=MAIN))
    assert result.ids == ["file-not-listed"]
    assert "app/core/config.py" in result.stderr
    assert commit(repo, approved(files=f"{MAIN}, app/core/config.py")).returncode == 0
    change(repo, "app/api/v1/endpoints/products.py")
    change(repo, "app/api/v1/deps/auth.py")
    result = commit(repo, approved(files="app/api/", by="master-orchestrator"))
    assert result.returncode == 0, result  # a directory entry names everything below it


def test_repeated_archivo_keys_are_all_read(repo: Path) -> None:
    change(repo, MAIN)
    change(repo, "app/core/config.py")
    message = approved().replace(
        f"Archivo: {MAIN}\n", f"Archivo: {MAIN}\nArchivo: app/core/config.py\n"
    )
    assert commit(repo, message).returncode == 0


def test_both_sides_of_a_rename_are_decided(repo: Path) -> None:
    git(repo, "mv", MAIN, "app/entry.py")
    result = commit(repo, template(files="app/entry.py"))
    assert set(result.ids) == {"protocol-insufficient", "approval-missing", "file-not-listed"}
    assert f"`{MAIN}`" in result.stderr
    assert commit(repo, approved(files="app/entry.py, app/main.py")).returncode == 0

    (repo / ".github" / "workflows").mkdir(parents=True)
    git(repo, "mv", "README.md", ".github/workflows/readme.yml")  # into a protected directory
    result = commit(repo, template(files="README.md"))
    assert result.ids == ["protocol-insufficient", "file-not-listed"]
    assert ".github/workflows/readme.yml" in result.stderr


def test_a_deletion_is_a_change(repo: Path) -> None:
    git(repo, "rm", "-q", "app/database.py")
    result = commit(repo, template(files="app/database.py"))
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert (
        commit(repo, approved(files="app/database.py", by="database-architect-ai")).returncode == 0
    )


def test_a_type_change_file_to_symlink_is_a_change(repo: Path) -> None:
    (repo / MAIN).unlink()
    os.symlink("models/order.py", repo / MAIN)
    git(repo, "add", MAIN)
    assert git(repo, "diff", "--cached", "--name-status").startswith("T")
    result = commit(repo, template(files=MAIN))
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert commit(repo, approved()).returncode == 0


def test_the_owner_commits_freely(repo: Path) -> None:
    change(repo, MAIN)
    change(repo, "app/core/config.py")
    result = commit(repo, template(files="app/", agent=OWNER))
    assert result.returncode == 0, result


def test_offices(repo: Path) -> None:
    office = ".workspace/departments/backend/backend-framework-ai/notes.md"
    change(repo, office)
    assert commit(repo, template(files=office)).returncode == 0
    change(repo, office)
    result = commit(repo, template(files=office, agent="api-security"))
    assert result.ids == ["protocol-insufficient"]
    assert "owner backend-framework-ai" in result.stderr
    change(repo, office)
    message = template(files=office, agent="api-security", protocol="CONSULTA_PREVIA")
    assert commit(repo, message).returncode == 0


def test_a_commit_cannot_grant_its_author_a_file_by_editing_the_rules(repo: Path) -> None:
    rules = repo / ".workspace" / "rules.yaml"
    text = rules.read_text()
    edited = text.replace(
        "  - pattern: /app/main.py\n    owner: system-architect-ai",
        f"  - pattern: /app/main.py\n    owner: {AGENT}",
    )
    assert edited != text
    rules.write_text(edited)
    change(repo, MAIN)
    git(repo, "add", ".workspace/rules.yaml")
    both = f"{MAIN}, .workspace/rules.yaml"
    result = commit(repo, template(files=both))
    assert result.returncode == 1
    assert result.ids == ["protocol-insufficient", "approval-missing"] * 2
    assert "owner system-architect-ai" in result.stderr  # HEAD's rules decided
    assert "owner master-orchestrator" in result.stderr  # the rules file is itself protected
    # approved by the owners of both, it goes through, and from then on the new rules bind
    result = commit(repo, approved(files=both, by="master-orchestrator"))
    assert result.returncode == 0, result
    change(repo, MAIN)
    assert commit(repo, template(files=MAIN)).returncode == 0


def test_a_superuser_may_change_anything(repo: Path) -> None:
    change(repo, MAIN)
    change(repo, ".workspace/rules.yaml", "# note\n")
    assert commit(repo, template(files="README.md", agent="master-orchestrator")).returncode == 0


@pytest.mark.parametrize("how", ["env", "config"])
def test_the_acting_agent_must_match_agente(repo: Path, how: str) -> None:
    env = {"WORKSPACE_AGENT": AGENT} if how == "env" else {}
    if how == "config":
        git(repo, "config", "workspace-guard.agent", AGENT)
    change(repo, MAIN)
    result = commit(repo, template(files=MAIN, agent=OWNER), env=env)  # impersonating the owner
    assert result.returncode == 1
    assert "agent-mismatch" in result.ids
    assert f"Agente: {AGENT}" in result.stderr
    assert {"protocol-insufficient", "approval-missing"} <= set(result.ids)  # decided as AGENT
    git(repo, "reset", "-q", "--", MAIN)
    change(repo, "README.md")
    assert commit(repo, template(), env=env).returncode == 0


def test_the_env_agent_wins_over_git_config(repo: Path) -> None:
    git(repo, "config", "workspace-guard.agent", OWNER)
    change(repo, "README.md")
    assert commit(repo, template(), env={"WORKSPACE_AGENT": AGENT}).returncode == 0
    change(repo, "README.md")
    assert commit(repo, template()).ids == ["agent-mismatch"]


def test_the_pre_commit_hook_refuses_an_unknown_agent(repo: Path, tmp_path: Path) -> None:
    """With an editor to open, before it opens: no message is written in vain."""
    change(repo, "README.md")
    env = {"WORKSPACE_AGENT": "backend-framwork-ai", "GIT_EDITOR": editor(tmp_path, template())}
    result = run_git(repo, "commit", "-q", env=env)
    assert result.returncode != 0
    assert "unknown agent 'backend-framwork-ai'" in result.stderr
    assert "backend-framework-ai" in result.stderr  # did you mean
    assert "pre-commit hook refuses" in result.stderr
    assert not (tmp_path / "saved.txt").exists()  # the editor never opened


def test_with_the_message_given_commit_msg_refuses_an_unknown_agent(repo: Path) -> None:
    """`-m`/`-F`: the pre-commit hook leaves it to commit-msg, which names the same typo."""
    change(repo, "README.md")
    result = commit(repo, template(), env={"WORKSPACE_AGENT": "backend-framwork-ai"})
    assert result.returncode == 1
    assert result.ids == ["agent-unknown"]
    assert "unknown agent 'backend-framwork-ai'" in result.stderr
    assert "did you mean backend-framework-ai" in result.stderr
    assert "pre-commit hook" not in result.stderr


def test_the_pre_commit_hook_tells_a_known_agent_what_the_message_needs(
    repo: Path, tmp_path: Path
) -> None:
    """Shown before the editor opens, for the message still to be written."""
    change(repo, MAIN)
    env = {"WORKSPACE_AGENT": AGENT}
    result = commit_with_editor(repo, tmp_path, template(files=MAIN), env=env)
    assert result.returncode == 1
    preview = "workspace-guard: app/main.py is protected (critical, owner system-architect-ai)"
    assert preview in result.stderr
    assert "Aprobado-por: system-architect-ai" in result.stderr
    # with the message given, commit-msg's report is the only one (nothing said twice)
    result = commit(repo, template(files=MAIN), env=env)
    assert result.returncode == 1
    assert "approval-missing" in result.ids
    assert preview not in result.stderr


def _break_interpreter(repo: Path, hook: str) -> None:
    path = repo / ".git" / "hooks" / hook
    text = path.read_text()
    path.write_text(
        re.sub(r"^WG_PYTHON=.*$", "WG_PYTHON='/nonexistent/bin/python3'", text, count=1, flags=re.M)
    )


def test_the_pre_commit_hook_starts_python_only_with_an_agent_and_an_editor(
    repo: Path, tmp_path: Path
) -> None:
    _break_interpreter(repo, "pre-commit")  # it would fail if it started Python
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0  # no agent
    change(repo, "README.md")
    assert commit(repo, template(), env={"WORKSPACE_AGENT": AGENT}).returncode == 0  # -F
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template())  # no agent, an editor
    assert result.returncode == 0, result
    change(repo, "README.md")
    env = {"WORKSPACE_AGENT": AGENT, "GIT_EDITOR": editor(tmp_path, template())}
    result = run_git(repo, "commit", "-q", env=env)
    assert result.returncode == 1
    assert "/nonexistent/bin/python3" in result.stderr


def test_approvals_recorded_with_approve_are_honoured(repo: Path) -> None:
    proc = run_tty(
        repo, "approve", AGENT, MAIN, "--by", OWNER, "--ttl", "1h"
    )  # a person at a terminal
    if proc.returncode != 0 and "No such command" in proc.stderr:
        pytest.skip("approve is not part of this build")
    assert proc.returncode == 0, proc.stderr
    change(repo, MAIN)
    # the message is the record (contract §5), as at the shared repository: commit-msg itself
    # refuses a message without the approval's trailers, and says which ones the recorded
    # approval lets it write (tests/test_identity_approvals.py holds the variants)
    result = commit(repo, template(files=MAIN))
    assert "branch update refused" not in result.stderr
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert f"records an approval by {OWNER}" in result.stderr
    approved = template(files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, approved).returncode == 0
    change(repo, MAIN)
    named = template(files="README.md", protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, named).ids == ["file-not-listed"]


def test_a_partial_commit_is_decided_on_what_it_commits(repo: Path) -> None:
    """`git commit PATH` commits from a temporary index (GIT_INDEX_FILE): that is what counts."""
    change(repo, MAIN)
    change(repo, "README.md")
    msg = repo.parent / "partial.txt"
    msg.write_text(template())
    result = run_git(repo, "commit", "-q", "-F", str(msg), "--", "README.md")
    assert result.returncode == 0, result
    assert git(repo, "diff", "--cached", "--name-only").split() == [MAIN]
    result = run_git(repo, "commit", "-q", "-F", str(msg), "--", MAIN)
    assert result.returncode == 1
    assert "approval-missing" in result.ids


# --------------------------------------------------------------------------- message hygiene


def editor(tmp: Path, text: str, *, keep: bool = True, crlf: bool = False) -> str:
    """A GIT_EDITOR that writes `text` at the top (keeping git's comment block and diff below),
    and saves what the user "wrote" next to it for comparison."""
    src = tmp / "typed.txt"
    data = text.replace("\n", "\r\n") if crlf else text
    src.write_bytes(data.encode("utf-8"))
    body = f'cat "{src}" > "$1.new"\n'
    if keep:
        body += 'cat "$1" >> "$1.new"\n'
    body += f'mv "$1.new" "$1"\ncp "$1" "{tmp}/saved.txt"\n'
    return _script(tmp, "editor", body)


def commit_with_editor(
    repo: Path,
    tmp: Path,
    text: str,
    *args: str,
    crlf: bool = False,
    keep: bool = True,
    env: dict[str, str] | None = None,
) -> Result:
    result = run_git(
        repo,
        "commit",
        "-q",
        *args,
        env={"GIT_EDITOR": editor(tmp, text, keep=keep, crlf=crlf), **(env or {})},
    )
    if result.returncode != 0:  # the file git gave the hook is exactly what the editor saved
        saved = (tmp / "saved.txt").read_bytes()
        assert (repo / ".git" / "COMMIT_EDITMSG").read_bytes() == saved
    return result


def test_git_comment_block_is_ignored(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template())
    assert result.returncode == 0, result
    assert git(repo, "log", "-1", "--format=%B").rstrip().endswith("Tests: PASSED")


def test_core_comment_char(repo: Path, tmp_path: Path) -> None:
    git(repo, "config", "core.commentChar", ";")
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template() + "; a note the editor strips\n")
    assert result.returncode == 0, result
    # with ';' as the comment character a '#' line is text: it breaks the trailer block
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template() + "#1 is the ticket\n")
    assert result.returncode == 1
    assert result.ids == ["fields-outside-trailers"]
    git(repo, "config", "core.commentChar", "#")
    result = commit_with_editor(repo, tmp_path, template() + "#1 is the ticket\n")
    assert result.returncode == 0, result


def test_core_comment_char_auto(repo: Path, tmp_path: Path) -> None:
    git(repo, "config", "core.commentChar", "auto")
    change(repo, "README.md")
    text = template(body="#12 is the ticket this closes")
    result = run_git(
        repo, "commit", "-q", "-e", "-m", text.rstrip("\n"), env={"GIT_EDITOR": "true"}
    )
    assert result.returncode == 0, result
    assert "#12 is the ticket" in git(repo, "log", "-1", "--format=%B")
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template(), "-v")
    assert result.returncode == 0, result


def test_commit_verbose_scissors_and_diff_are_ignored(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md", "Protocolo: INVENTADO\nAgente: nobody\n\nfoo: bar\n")
    saved = tmp_path / "saved.txt"
    result = commit_with_editor(repo, tmp_path, template(), "-v")
    assert result.returncode == 0, result
    assert ">8" in saved.read_text() and "diff --git" in saved.read_text()
    assert "INVENTADO" not in git(repo, "log", "-1", "--format=%B")
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, "no template\n", "-v")
    assert result.ids[0] == "subject-format"


@pytest.mark.parametrize("mode", ["strip", "whitespace", "verbatim", "scissors", "default"])
def test_commit_cleanup_modes(repo: Path, tmp_path: Path, mode: str) -> None:
    """What the hook accepts is what git stores: the fields stay git trailers after cleanup."""
    git(repo, "config", "commit.cleanup", mode)
    change(repo, "README.md")
    result = commit(repo, template())
    assert result.returncode == 0, result
    trailers = git(repo, "log", "-1", "--format=%(trailers:key=Agente,valueonly)").strip()
    assert trailers == AGENT
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template(), keep=mode != "verbatim")
    assert result.returncode == 0, result


def test_verbatim_cleanup_keeps_git_comment_block_and_git_still_reads_the_fields(
    repo: Path, tmp_path: Path
) -> None:
    """In verbatim mode git stores its own comment block after the fields; git's trailer parser
    skips comment lines, so the fields are still trailers of the stored message: accepted."""
    git(repo, "config", "commit.cleanup", "verbatim")
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, template())
    assert result.returncode == 0, result
    stored = git(repo, "log", "-1", "--format=%B")
    assert "# Please enter the commit message" in stored
    assert git(repo, "log", "-1", "--format=%(trailers:key=Agente,valueonly)").strip() == AGENT
    change(repo, "README.md")  # a comment line inside the block: git skips it there too
    result = commit(repo, template().replace("Tests:", "# note\nTests:"))
    assert result.returncode == 0, result
    assert "# note" in git(repo, "log", "-1", "--format=%B")
    assert git(repo, "log", "-1", "--format=%(trailers:key=Tests,valueonly)").strip() == "PASSED"


@pytest.mark.parametrize("via", ["file", "editor"])
def test_crlf_messages(repo: Path, tmp_path: Path, via: str) -> None:
    change(repo, "README.md")
    crlf = template().replace("\n", "\r\n")
    if via == "file":
        result = commit(repo, crlf.encode("utf-8"))
    else:
        result = commit_with_editor(repo, tmp_path, template(), crlf=True, keep=False)
    assert result.returncode == 0, result
    agent = git(repo, "log", "-1", "--format=%(trailers:key=Agente,valueonly)").strip()
    assert agent == AGENT
    change(repo, "README.md")
    result = commit(repo, template(protocol="NOPE").replace("\n", "\r\n").encode())
    assert result.ids == ["field-value"]


# --------------------------------------------------------------------------- bad input


def test_non_utf8_message(repo: Path) -> None:
    change(repo, "README.md")
    raw = template(
        subject="feat(api): caf\udce9".encode("utf-8", "surrogateescape").decode(
            "utf-8", "surrogateescape"
        )
    ).encode("utf-8", "surrogateescape")
    assert b"caf\xe9" in raw
    result = commit(repo, raw)
    assert result.returncode == 1
    assert result.ids == ["message-encoding"]
    assert "not valid UTF-8" in result.stderr and "line 1" in result.stderr
    records = audit_records(repo)
    assert records[-1]["violations"] == ["message-encoding"]


def test_latin1_message_through_the_editor(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    script = _script(tmp_path, "latin1", "printf 'feat(api): se\\361al\\n' > \"$1\"\n")
    result = run_git(repo, "commit", "-q", env={"GIT_EDITOR": script})
    assert result.returncode == 1
    assert result.ids == ["message-encoding"]


def test_an_empty_message(repo: Path) -> None:
    change(repo, "README.md")
    result = commit(repo, b"", "--allow-empty-message")
    assert result.returncode == 1
    assert result.ids == ["message-empty"]
    result = commit(repo, b"")  # git would abort; the hook refuses first, just as finally
    assert result.returncode != 0


def test_a_message_of_only_comments(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    comments = "# nothing here\n#\n# really nothing\n"
    result = commit(repo, comments, "--allow-empty-message", "--cleanup=strip")
    assert result.returncode == 1
    assert result.ids == ["message-empty"]
    result = commit_with_editor(repo, tmp_path, "", "--allow-empty-message")
    assert result.returncode == 1
    assert result.ids == ["message-empty"]
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_one_megabyte_message(repo: Path) -> None:
    change(repo, "README.md")
    body = ("x" * 99 + "\n") * 10_500
    result = commit(repo, template(body=body.rstrip("\n")))
    assert result.returncode == 0, result
    change(repo, "README.md")
    result = commit(repo, "y" * 1_048_576 + "\n")  # one huge subject line, no template
    assert result.returncode == 1
    assert "subject-format" in result.ids
    assert len(result.stderr) < 20_000  # the report quotes, it does not echo a megabyte


STRANGE = ["app/api/new file.py", "app/api/new\nline.py", "app/api/café.py", "app/api/ünï cødé.py"]


def test_strange_file_names_are_decided(repo: Path) -> None:
    for rel in STRANGE:
        (repo / rel).write_text("x = 1\n")
    git(
        repo,
        "add",
        "--pathspec-from-file=-",
        "--pathspec-file-nul",
        input=b"\0".join(p.encode() for p in STRANGE),
    )
    result = commit(repo, template(files="app/api/", agent="react-specialist-ai"))
    assert result.returncode == 1
    assert result.ids == ["protocol-insufficient"] * len(STRANGE)
    for rel in STRANGE:
        assert rel.split("\n")[-1] in result.stderr
    message = template(files="app/api/", agent="react-specialist-ai", protocol="CONSULTA_PREVIA")
    assert commit(repo, message).returncode == 0


def test_archivo_names_a_file_with_spaces_and_accents(repo: Path) -> None:
    files = ["app/api/new file.py", "app/api/café.py"]
    for rel in files:
        (repo / rel).write_text("x = 1\n")
        git(repo, "add", rel)
    message = template(
        files=", ".join(files), agent="react-specialist-ai", protocol="CONSULTA_PREVIA"
    )
    result = commit(repo, message)
    assert result.returncode == 0, result


def test_a_decomposed_unicode_name_is_decided_like_its_composed_form(tmp_path: Path) -> None:
    """Contract §3 step 1: paths are NFC; a file named in NFD (macOS) must not dodge a rule."""
    rules = (Path(__file__).parent.parent / "rules" / "example.yaml").read_text()
    rules = rules.replace(
        "protected:\n",
        "protected:\n  - pattern: /docs/café.md\n"
        "    owner: system-architect-ai\n    level: critical\n",
        1,
    )
    repo = make_workspace(tmp_path / "ws", rules)
    install(repo)
    nfd = "docs/" + unicodedata.normalize("NFD", "café") + ".md"
    (repo / "docs").mkdir()
    (repo / nfd).write_text("x\n")
    git(repo, "add", nfd)
    assert nfd.encode() in git(repo, "ls-files", "-z").encode()
    result = commit(repo, template(files="docs/café.md"))
    assert result.returncode == 1
    assert result.ids == ["protocol-insufficient", "approval-missing"]
    assert commit(repo, approved(files="docs/café.md")).returncode == 0


def test_a_rules_file_broken_at_head_fails_closed(repo: Path) -> None:
    rules = repo / ".workspace" / "rules.yaml"
    rules.write_text(rules.read_text() + "agents: [oops\n")
    git(repo, "add", ".workspace/rules.yaml")
    # no hooks at all: `--no-verify` alone is refused by the reference-transaction hook
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): break it")
    change(repo, "README.md")
    for env in ({}, {"WORKSPACE_AGENT": AGENT}):
        result = commit(repo, template(), env=env)
        assert result.returncode != 0
        assert ".workspace/rules.yaml:" in result.stderr  # the error, with file and line
        assert "hint:" in result.stderr
        assert "refuses the commit" in result.stderr
    # the way out that the hint names: commit the fix, checked against the fixed file recorded
    # in the repository's config (the committer's WORKSPACE_GUARD_RULES is ignored by hooks)
    assert "git config workspace-guard.rules" in result.stderr
    git(repo, "checkout", "HEAD~1", "--", ".workspace/rules.yaml")
    fixed = template(files=".workspace/rules.yaml", agent="master-orchestrator")
    ignored = commit(repo, fixed, env={"WORKSPACE_GUARD_RULES": ".workspace/rules.yaml"})
    assert ignored.returncode != 0
    git(repo, "config", "workspace-guard.rules", ".workspace/rules.yaml")
    result = commit(repo, fixed)
    assert result.returncode == 0, result
    git(repo, "config", "--unset", "workspace-guard.rules")
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0


def test_a_missing_interpreter_behind_an_installed_hook(repo: Path) -> None:
    _break_interpreter(repo, "commit-msg")
    change(repo, "README.md")
    result = commit(repo, template())
    assert result.returncode == 1
    assert "the Python this commit-msg hook was installed with is gone" in result.stderr
    assert "/nonexistent/bin/python3" in result.stderr
    assert "workspace-guard install" in result.stderr
    install(repo)  # the hint's remedy
    assert commit(repo, template()).returncode == 0


def test_commit_msg_hook_run_directly_in_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    msg = tmp_path / "msg.txt"
    msg.write_text(template())
    proc = run_cli(bare, "hook", "commit-msg", str(msg))
    assert proc.returncode == 2
    assert "bare" in proc.stderr and "Traceback" not in proc.stderr
    assert msg.read_text() == template()


def test_outside_a_git_repository(tmp_path: Path) -> None:
    msg = tmp_path / "msg.txt"
    msg.write_text(template())
    for args in (
        ("hook", "commit-msg", str(msg)),
        ("hook", "pre-commit"),
        ("check-msg", str(msg)),
        ("install",),
    ):
        proc = run_cli(tmp_path, *args)
        assert proc.returncode == 2, (args, proc)
        assert "not a git repository" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_hook_usage_errors(repo: Path) -> None:
    for args in (
        ("hook",),
        ("hook", "commit-msg"),
        ("hook", "post-commit"),
        ("hook", "commit-msg", "/nonexistent/msg"),
    ):
        proc = run_cli(repo, *args)
        assert proc.returncode == 2, (args, proc)
        assert proc.stderr.startswith("workspace-guard:"), proc.stderr
        assert "Traceback" not in proc.stderr


def test_the_refusal_says_how_to_retry_and_that_retrying_works(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    result = commit_with_editor(repo, tmp_path, "feat(api): forgot the fields\n")
    assert result.returncode == 1
    assert "git commit -e -F .git/COMMIT_EDITMSG" in result.stderr
    fixed = tmp_path / "fix.sh"
    fixed.write_text(f"#!/bin/sh\nprintf '%s' '{template()}' > \"$1\"\n")
    fixed.chmod(0o755)
    result = run_git(
        repo, "commit", "-q", "-e", "-F", ".git/COMMIT_EDITMSG", env={"GIT_EDITOR": str(fixed)}
    )
    assert result.returncode == 0, result


# --------------------------------------------------------------------------- check-msg, parse-msg


def test_check_msg_json_and_staged(repo: Path, tmp_path: Path) -> None:
    msg = tmp_path / "msg.txt"
    msg.write_text(template(files=MAIN))
    proc = run_cli(repo, "check-msg", str(msg), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True
    change(repo, MAIN)
    proc = run_cli(repo, "check-msg", str(msg), "--staged", "--format", "json")
    assert proc.returncode == 1
    payload = json.loads(proc.stdout)
    assert payload["ok"] is False
    assert [v["id"] for v in payload["violations"]] == ["protocol-insufficient", "approval-missing"]
    assert all(set(v) >= {"id", "message"} for v in payload["violations"])
    assert payload["warnings"] == []
    proc = run_cli(repo, "check-msg", "-", input=b"\xff\xfe")
    assert proc.returncode == 1 and "message-encoding" in proc.stdout


def test_parse_msg_equals_git_interpret_trailers(repo: Path, tmp_path: Path) -> None:
    msg = tmp_path / "msg.txt"
    msg.write_text(template(body="Body line.") + "Co-Authored-By: A <a@b>\n# comment\n")
    proc = run_cli(repo, "parse-msg", str(msg))
    assert proc.returncode == 0, proc.stderr
    parsed = json.loads(proc.stdout)
    ours = [(t["key"], t["value"]) for t in parsed["trailers"]]
    theirs = [
        tuple(line.split(": ", 1))
        for line in git(repo, "interpret-trailers", "--parse", str(msg)).splitlines()
    ]
    assert ours == theirs
    assert (parsed["type"], parsed["area"]) == ("feat", "api")


# --------------------------------------------------------------------------- audit


def test_a_blocked_commit_is_recorded(repo: Path) -> None:
    change(repo, MAIN)
    change(repo, "README.md")
    assert commit(repo, template(files="README.md")).returncode == 1
    records = audit_records(repo)
    assert len(records) == 1
    record = records[0]
    assert record["layer"] == "commit"
    assert record["action"] == "blocked"
    assert record["agent"] == AGENT
    assert record["path"] == MAIN
    assert record["owner"] == OWNER
    assert record["level"] == "critical"
    assert record["escalate_to"] == "master-orchestrator"
    assert set(record["violations"]) == {  # type: ignore[arg-type]
        "protocol-insufficient",
        "approval-missing",
        "file-not-listed",
    }
    assert run_cli(repo, "audit", "verify").returncode == 0


def test_the_hooks_work_from_a_subdirectory_and_with_git_c(repo: Path) -> None:
    change(repo, "app/models/order.py")
    msg = repo.parent / "sub.txt"
    msg.write_text(template(files="app/models/order.py"))
    result = run_git(repo / "app" / "models", "commit", "-q", "-F", str(msg))
    assert result.returncode == 0, result
    change(repo, MAIN)
    result = run_git(repo.parent, "-C", str(repo), "commit", "-q", "-F", str(msg))
    assert "approval-missing" in result.ids


def test_installed_hook_bakes_this_interpreter(repo: Path) -> None:
    text = (repo / ".git" / "hooks" / "commit-msg").read_text()
    python = re.search(r"^WG_PYTHON='(.*)'$", text, re.M)
    assert python is not None
    assert Path(python.group(1)).parent == BIN


# --------------------------------------------------------------------------- first commits


def test_the_first_commit_of_a_repository(tmp_path: Path) -> None:
    """No HEAD yet: the working-tree rules decide (with a warning), the index is all new."""
    repo = make_workspace(tmp_path / "fresh", commit=False)
    install(repo)
    git(repo, "add", "-A")
    result = commit(repo, template(files="README.md"))
    assert result.returncode == 1
    assert "is not committed at HEAD" in result.stderr
    assert "approval-missing" in result.ids  # app/main.py and the rules themselves are new
    first = template(
        subject="chore(workspace): adopt the protocol",
        files=".workspace/",
        agent="master-orchestrator",
    )
    result = commit(repo, first)
    assert result.returncode == 0, result


def test_rewording_the_root_commit(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0
    root = tmp_path / "root.txt"
    root.write_text(
        template(
            subject="chore(workspace): adopt the protocol",
            files=".workspace/",
            agent="master-orchestrator",
        )
    )
    result = run_git(
        repo,
        "rebase",
        "-i",
        "--root",
        env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/reword/'",
            "GIT_EDITOR": _script(tmp_path, "ed", f'cp "{root}" "$1"\n'),
        },
    )
    assert result.returncode == 0, result
    assert subject_of(repo, "HEAD~1") == "chore(workspace): adopt the protocol"
    root.write_text(template(subject="chore(workspace): adopt the protocol", files=".workspace/"))
    result = run_git(
        repo,
        "rebase",
        "-i",
        "--root",
        env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/reword/'",
            "GIT_EDITOR": _script(tmp_path, "ed", f'cp "{root}" "$1"\n'),
        },
    )
    assert result.returncode != 0  # every file of the root commit answers for the new message
    assert "approval-missing" in result.ids
    assert run_git(repo, "rebase", "--abort").returncode == 0


def test_a_commit_of_many_protected_files_gets_a_bounded_report(repo: Path) -> None:
    for n in range(120):
        (repo / "app" / "api" / f"m{n:03}.py").write_text("x = 1\n")
    git(repo, "add", "app/api")
    result = commit(repo, template(files="README.md"), env={"WORKSPACE_AGENT": AGENT})
    assert result.returncode == 1
    assert len(result.ids) == 50
    assert "… and 190 more" in result.stderr  # 120 × (protocol + listing) − 50
    assert "… and more protected paths" not in result.stderr  # no preview: the message exists
    assert len(audit_records(repo)) == 120  # the audit log has every one
    message = template(files="app/api/", protocol="CONSULTA_PREVIA")
    assert commit(repo, message, env={"WORKSPACE_AGENT": AGENT}).returncode == 0


def test_check_msg_text_reports_without_refusing_anything(repo: Path, tmp_path: Path) -> None:
    msg = tmp_path / "msg.txt"
    msg.write_text("no template\n")
    proc = run_cli(repo, "check-msg", str(msg))
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"workspace-guard: 6 problems in {msg}:")
    assert "commit refused" not in proc.stdout
    msg.write_text(template(tests="FAILED"))
    proc = run_cli(repo, "check-msg", str(msg))
    assert proc.returncode == 0
    assert "warning [tests-failed]" in proc.stdout and proc.stdout.endswith(": ok\n")


def test_git_dir_and_work_tree_given_on_the_command_line(repo: Path) -> None:
    """`git --git-dir … --work-tree …` exports GIT_DIR to the hooks: they must follow it."""
    change(repo, MAIN)
    msg = repo.parent / "gd.txt"
    msg.write_text(template(files=MAIN))
    args = (f"--git-dir={repo / '.git'}", f"--work-tree={repo}", "commit", "-q", "-F", str(msg))
    result = run_git(repo.parent, *args)
    assert result.returncode == 1
    assert "approval-missing" in result.ids
    msg.write_text(template(files=MAIN, agent=OWNER))
    assert run_git(repo.parent, *args).returncode == 0


def test_comment_char_given_with_git_c(repo: Path, tmp_path: Path) -> None:
    change(repo, "README.md")
    text = template() + "; stripped by git, so by the hook too\n"
    env = {"GIT_EDITOR": editor(tmp_path, text, keep=False)}
    result = run_git(repo, "-c", "core.commentChar=;", "commit", "-q", env=env)
    assert result.returncode == 0, result
    assert "stripped" not in git(repo, "log", "-1", "--format=%B")


# --------------------------------------------------------------------------- amend


def test_an_amend_answers_for_the_commit_it_replaces(repo: Path) -> None:
    """`git commit --amend` replaces HEAD: the new message must answer for HEAD's changes too,
    though nothing new is staged (hooks are not told it is an amend; see gates/commit/amend)."""
    change(repo, MAIN)
    approved = template(files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, approved).returncode == 0
    replaced = head(repo)
    result = commit(repo, template(subject="feat(api): reworded", files=MAIN), "--amend")
    assert result.returncode == 1
    assert "approval-missing" in result.ids
    assert f"{MAIN}:" in result.stderr
    assert head(repo) == replaced
    reworded = template(
        subject="feat(api): reworded", files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER
    )
    assert commit(repo, reworded, "--amend").returncode == 0
    assert head(repo) != replaced
    # not an amend: only the staged change answers (HEAD's approval is not needed again)
    change(repo, "README.md")
    assert commit(repo, template()).returncode == 0


@pytest.mark.parametrize(
    "command",
    [
        ["-c", "core.quotePath=false", "commit", "--am", "-qF"],  # an abbreviation
        ["ci", "--amend", "-qF"],  # an alias of commit
        ["fix", "-qF"],  # an alias of an alias that amends
        ["shell-fix", "-qF"],  # a shell alias: its own `git commit --amend` runs the hooks
    ],
)
def test_an_amend_through_aliases_and_abbreviations(repo: Path, command: list[str]) -> None:
    git(repo, "config", "alias.ci", "commit")
    git(repo, "config", "alias.fix", "ci --amend")
    git(repo, "config", "alias.shell-fix", '!f() { git commit --amend "$@"; }; f')
    change(repo, MAIN)
    approved = template(files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, approved).returncode == 0
    msg = repo.parent / "amend.txt"
    msg.write_text(template(files=MAIN))
    result = run_git(repo, *command, str(msg))
    assert result.returncode == 1, result.stderr
    assert "approval-missing" in result.ids


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["git", "commit", "--amend"], True),
        (["git", "commit", "-q", "--amend", "--no-edit"], True),
        (["git", "commit", "--am", "-m", "x"], True),
        (["git", "commit", "--amend", "--no-amend"], False),
        (["git", "-c", "a.b=c", "-C", "/tmp/x", "--no-pager", "commit", "--amend"], True),
        (["/usr/lib/git-core/git-commit", "--amend"], True),
        (["git", "commit", "-m", "--amend"], False),
        (["git", "commit", "-am", "--amend"], False),
        (["git", "commit", "-am--amend"], False),
        (["git", "commit", "--message", "--amend"], False),
        (["git", "commit", "--mess=--amend", "--amend"], True),
        (["git", "commit", "-F", "--amend", "file.txt"], False),
        (["git", "commit", "-Squiet", "--amend"], True),
        (["git", "commit", "--", "--amend"], False),
        (["git", "commit", "a.txt", "--amend"], True),
        (["git", "commit", "--a"], False),  # ambiguous: git refuses it
        (["git", "-C", "commit", "log", "--amend"], False),
        (["git", "rebase", "--continue"], False),
        (["python3", "commit", "--amend"], False),
        ([], False),
    ],
)
def test_reading_amend_from_a_git_command_line(argv: list[str], expected: bool) -> None:
    from workspace_guard.gates.commit.amend import amends

    aliases = {"ci": "commit", "amend": "ci --amend -q", "loop": "loop", "sh": "!git commit"}
    assert amends(argv) is expected
    assert amends(argv, aliases.get) is expected
    assert amends(["git", "amend"], aliases.get) is True
    assert amends(["git", "ci", "-m", "--amend"], aliases.get) is False
    assert amends(["git", "loop", "--amend"], aliases.get) is False
    assert amends(["git", "sh", "--amend"], aliases.get) is False

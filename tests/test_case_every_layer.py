"""Letter case in every layer (ATTACK F81, issue 13): on a case-insensitive checkout (macOS,
Windows: git sets `core.ignorecase=true` there) `APP/MAIN.PY` *is* `app/main.py`. The harness
and push gates already read the rules as each file system compares names (`core/casefold.py`);
the validator, the commit hooks and the watch daemon now ask the same view, on every platform,
and keep the stricter answer. This machine's file system is case-sensitive, so the decision
layer is what is tested: real repositories with `core.ignorecase=true`, real `git commit`
through the installed hooks, a real daemon."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.commits import AGENT, OWNER, commit, head, install, template
from helpers.watch import Start, records, wait_record

# (a spelling, the protected path it stands for, its owner)
VARIANTS = [
    ("App/Main.py", "app/main.py", OWNER),
    ("APP/MAIN.PY", "app/main.py", OWNER),
    ("app/Main.py", "app/main.py", OWNER),
    ("app/maın.py", "app/main.py", OWNER),  # dotless ı: NTFS upper-cases it to I (F97)
    ("APP/CORE/CONFIG.PY", "app/core/config.py", OWNER),
    ("App/Models/User.py", "app/models/user.py", "database-architect-ai"),
    (".WORKSPACE/rules.yaml", ".workspace/rules.yaml", "master-orchestrator"),
    ("App/Api/v1/new.py", "app/api/", "api-architect-ai"),
]


@pytest.fixture
def insensitive(workspace: Path) -> Path:
    """The example workspace, as git marks a checkout on a case-insensitive file system."""
    git(workspace, "config", "core.ignorecase", "true")
    return workspace


def _validate(repo: Path, agent: str, *paths: str) -> subprocess.CompletedProcess[str]:
    return run_cli(repo, agent, "--format", "json", *paths, prog="agent_workspace_validator")


@pytest.mark.parametrize(("spelled", "protected", "owner"), VARIANTS)
def test_the_validator_denies_a_case_variant_as_the_protected_path(
    insensitive: Path, spelled: str, protected: str, owner: str
) -> None:
    proc = _validate(insensitive, AGENT, spelled)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)["results"][0]
    assert result["path"] == spelled and not result["allowed"]
    assert result["reason"] == "protected" and result["owner"] == owner
    assert result["rule"]["pattern"].lstrip("/") == protected
    mine = run_cli(insensitive, owner, spelled, prog="agent_workspace_validator")
    assert mine.returncode == 0, mine.stdout + mine.stderr  # its owner still may


def test_the_validator_says_why_and_audits_the_denial(insensitive: Path) -> None:
    proc = run_cli(insensitive, AGENT, "APP/MAIN.PY", prog="agent_workspace_validator")
    assert proc.returncode == 1
    assert "APP/MAIN.PY differs only in letter case from app/main.py" in proc.stdout
    log = insensitive / ".git/workspace-guard/audit.jsonl"
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(r["path"] == "APP/MAIN.PY" and r["owner"] == OWNER for r in lines)


def test_what_no_case_makes_protected_stays_allowed(insensitive: Path) -> None:
    proc = _validate(insensitive, AGENT, "App/other.py", "APP/NEW_MODULE.PY", "Docs/Readme.md")
    assert proc.returncode == 0, proc.stdout
    assert all(r["reason"] == "unprotected" for r in json.loads(proc.stdout)["results"])
    office = ".workspace/departments/backend/backend-framework-ai/Notes.md"
    assert _validate(insensitive, AGENT, office).returncode == 0


def test_another_agents_office_in_another_case_is_still_that_office(insensitive: Path) -> None:
    """An office is never wider for the view: `Backend-Framework-AI/` is not a second office of
    backend-framework-ai, and another agent is kept out of it as out of the office itself."""
    upper = ".workspace/departments/backend/BACKEND-FRAMEWORK-AI/x.md"
    assert _validate(insensitive, "api-security", upper).returncode == 1


# --- the commit hooks -----------------------------------------------------------------------------


def _stage_variant(repo: Path, spelled: str) -> None:
    """Stage `spelled` as a new name (git, told the checkout is case-insensitive, would take it
    for the tracked file: stage it as a case-sensitive checkout, or a script, would)."""
    path = repo / spelled
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("evil = True\n", encoding="utf-8")
    git(repo, "-c", "core.ignorecase=false", "add", "--", spelled)
    assert spelled in git(repo, "diff", "--cached", "--name-only", "-z").split("\0")


@pytest.mark.parametrize(("spelled", "protected", "owner"), VARIANTS[:5])
def test_git_commit_refuses_a_staged_case_variant_of_a_protected_path(
    insensitive: Path, spelled: str, protected: str, owner: str
) -> None:
    install(insensitive)
    _stage_variant(insensitive, spelled)
    before = head(insensitive)
    result = commit(insensitive, template(files=spelled))
    assert result.returncode != 0, result
    assert "protocol-insufficient" in result.ids, result
    assert spelled in result.stderr and owner in result.stderr
    assert head(insensitive) == before


def test_the_owners_commit_passes_commit_msg_and_the_branch_gate_wants_a_rename(
    insensitive: Path,
) -> None:
    """The owner may change its file under any spelling (commit-msg says nothing), but a name
    that collides in case with a tracked one is refused to everyone by the branch update (the
    push gate's `path-case`: on a case-insensitive checkout one file replaces the other)."""
    install(insensitive)
    _stage_variant(insensitive, "APP/MAIN.PY")
    mine = commit(insensitive, template(files="APP/MAIN.PY", agent=OWNER))
    assert mine.returncode != 0 and "path-case" in mine.stderr, mine
    assert "protocol-insufficient" not in mine.stderr and "commit refused" not in mine.stderr


def test_pre_commit_previews_the_variant_and_an_unnamed_agent_is_refused(
    insensitive: Path,
) -> None:
    install(insensitive)
    _stage_variant(insensitive, "App/Main.py")
    env = {**os.environ, "GIT_EDITOR": "true", "WORKSPACE_AGENT": AGENT}
    proc = subprocess.run(
        ["git", "commit", "-q", "-e", "-m", "fixup! anything"],
        cwd=insensitive,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0
    assert "App/Main.py is protected (critical, owner system-architect-ai)" in proc.stderr
    fixup = commit(insensitive, "fixup! anything\n")  # skips the template, not ownership
    assert fixup.returncode != 0 and "agent-missing" in fixup.ids, fixup
    assert "App/Main.py" in fixup.stderr


# --- the watch daemon -----------------------------------------------------------------------------


def test_the_daemons_judgement_reads_the_rules_in_every_case(insensitive: Path) -> None:
    from workspace_guard.gates.watch.baseline import Options, Protection, Settings
    from workspace_guard.repo import Repo

    decider = Repo.discover(cwd=str(insensitive)).decider()
    settings = Settings.build(decider.rules, str(insensitive), Options())
    protection = Protection(decider, settings, str(insensitive))
    for spelled, protected, _owner in VARIANTS:
        rule = protection.rule(spelled)
        assert rule is not None and rule.pattern.lstrip("/") == protected, spelled
    assert protection.rule("App/other.py") is None
    found = protection.protected(["APP/MAIN.PY", "App/new.txt", "app/main.py"], tracked=False)
    assert sorted(found) == ["APP/MAIN.PY", "app/main.py"]


def test_the_daemon_records_and_quarantines_a_new_case_variant(
    insensitive: Path, watchd: Start
) -> None:
    """A new name in a watched folder that another case makes a protected path (`app/Main.py`
    beside `app/main.py`: on macOS and Windows a write of it is a write of the protected file)
    is a violation of that file's rule, recorded and, with `--restore`, quarantined."""
    watchd("--restore")
    (insensitive / "app/Main.py").write_text("evil = True\n", encoding="utf-8")
    found = wait_record(insensitive, path="app/Main.py", action="detected", timeout=60)
    assert found["owner"] == OWNER and found["level"] == "critical"
    assert found["change"] == "created"
    wait_record(insensitive, path="app/Main.py", action="restored", timeout=60)
    assert not (insensitive / "app/Main.py").exists()
    assert (insensitive / "app/main.py").read_text() == git(insensitive, "show", "HEAD:app/main.py")
    assert not records(insensitive, path="app/main.py")

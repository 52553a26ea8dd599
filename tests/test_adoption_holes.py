"""Issue 15's remaining holes on real git: the adoption commit says the working-tree warning
once, `install` with a `workspace-guard.rulesRef` that holds no rules says what it trusts, `map`
and `doctor` name the trusted source, `--help` speaks the trusted rules' language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli
from helpers.commits import trailer_commit
from helpers.repos import unadopted_workspace

RULES = ".workspace/rules.yaml"
WORKTREE_WARNING = "is not committed at HEAD; using the working-tree copy"
PIN = "workspace-guard.rulesRef"


@pytest.fixture
def unadopted(tmp_path: Path) -> Path:
    """A repository with hooks installed and the rules written but never committed."""
    repo = unadopted_workspace(tmp_path / "repo")
    assert run_cli(repo, "install").returncode == 0
    (repo / RULES).write_text(EXAMPLE_RULES.read_text())
    return repo


@pytest.mark.parametrize("editor", [False, True], ids=["message-given", "editor"])
def test_the_adoption_commit_warns_once(unadopted: Path, editor: bool) -> None:
    git(unadopted, "add", RULES)
    proc = trailer_commit(
        unadopted, "chore(ws): adopt", "master-orchestrator", RULES, editor=editor
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(WORKTREE_WARNING) == 1, proc.stderr


def plain_env(**values: str) -> dict[str, str]:
    drop = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "WORKSPACE_GUARD_LANG")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "LANG": "C.UTF-8", **values}


def test_help_speaks_the_trusted_rules_language(tmp_path: Path) -> None:
    """Help and usage errors follow the rules the commands read (the committed ones), not an
    edit of the working-tree copy; before anything is committed, the working-tree file."""
    repo = make_workspace(tmp_path / "ws", EXAMPLE_RULES.read_text() + "\nlanguage: es\n")
    (repo / RULES).write_text(EXAMPLE_RULES.read_text() + "\nlanguage: en\n")
    proc = run_cli(repo, "init", "--help", env=plain_env())
    assert "Prepara este repositorio" in proc.stdout, proc.stdout
    proc = run_cli(repo, "lint", "--bogus", env=plain_env())
    assert "No existe la opción" in proc.stderr, proc.stderr
    other = make_workspace(tmp_path / "other", EXAMPLE_RULES.read_text() + "\nlanguage: en\n")
    (other / RULES).write_text(EXAMPLE_RULES.read_text() + "\nlanguage: es\n")
    assert "Set up this repository" in run_cli(other, "init", "--help", env=plain_env()).stdout
    fresh = make_workspace(tmp_path / "fresh", "version: 1\nlanguage: es\n", commit=False)
    assert "Prepara este repositorio" in run_cli(fresh, "init", "--help", env=plain_env()).stdout


@pytest.fixture
def pinned_empty(tmp_path: Path) -> Path:
    """Rules committed on main; `workspace-guard.rulesRef` names a branch without them."""
    repo = unadopted_workspace(tmp_path / "repo")
    git(repo, "branch", "rules-branch")
    (repo / RULES).write_text(EXAMPLE_RULES.read_text())
    git(repo, "add", RULES)
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: rules")
    git(repo, "config", PIN, "refs/heads/rules-branch")
    return repo


def test_install_with_a_rules_ref_without_rules_says_what_it_trusts(pinned_empty: Path) -> None:
    proc = run_cli(pinned_empty, "install")
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("rules:"))
    assert "read as committed at refs/heads/rules-branch" not in line
    assert "refs/heads/rules-branch, which has no .workspace/rules.yaml" in line, line
    assert "read as committed at HEAD" in line and f"git config {PIN} REF" in line
    assert git(pinned_empty, "config", PIN).strip() == "refs/heads/rules-branch"  # left as set


def test_map_and_doctor_name_the_trusted_source(pinned_empty: Path, tmp_path: Path) -> None:
    doctor = run_cli(pinned_empty, "doctor")
    assert "(HEAD; rules-branch has no rules yet)" in doctor.stdout, doctor.stdout
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(pinned_empty), str(clone))
    doctor = run_cli(clone, "doctor")
    assert f"{RULES} (origin/main):" in doctor.stdout, doctor.stdout
    out = tmp_path / "map.html"
    assert run_cli(clone, "map", "-o", str(out)).returncode == 0
    assert '"rules_source":"origin/main"' in out.read_text().replace(": ", ":")
    git(clone, "config", PIN, "refs/remotes/origin/main")
    assert f"{RULES} (origin/main):" in run_cli(clone, "doctor").stdout


def test_the_shim_with_three_arguments_keeps_the_warning(tmp_path: Path) -> None:
    """`agent_workspace_validator.py AGENT FILE FILE` (the legacy three-argument form is probed
    first, with stderr silenced): the trust-root warning is still said, once."""
    plain = unadopted_workspace(tmp_path / "plain")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(plain), str(clone))
    (clone / RULES).write_text(EXAMPLE_RULES.read_text())
    assert run_cli(clone, "init").returncode == 0
    git(clone, "add", ".workspace")
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: adopt")
    shim = clone / ".workspace" / "scripts" / "agent_workspace_validator.py"
    proc = subprocess.run(
        [sys.executable, str(shim), "backend-framework-ai", "app/main.py", "app/models/order.py"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("origin/main has no .workspace/rules.yaml yet") == 1, proc.stderr

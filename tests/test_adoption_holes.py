"""Issue 15's remaining holes on real git: the adoption commit says the working-tree warning
once, `install` with a `workspace-guard.rulesRef` that holds no rules says what it trusts, `map`
and `doctor` name the trusted source, `--help` speaks the trusted rules' language."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli

RULES = ".workspace/rules.yaml"
WORKTREE_WARNING = "is not committed at HEAD; using the working-tree copy"
PIN = "workspace-guard.rulesRef"


def trailers(agent: str, path: str) -> list[str]:
    return [
        *("--trailer", "Workspace-Check: ✅ Consultado"),
        *("--trailer", f"Archivo: {path}"),
        *("--trailer", f"Agente: {agent}"),
        *("--trailer", "Protocolo: SEGUIDO"),
        *("--trailer", "Tests: PASSED"),
    ]


def commit(cwd: Path, path: str, *, editor: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_EDITOR": "true"}
    if editor:
        env["WORKSPACE_AGENT"] = "master-orchestrator"  # pre-commit reads the rules too
    return subprocess.run(
        [
            "git",
            "commit",
            "-q",
            *(["-e"] if editor else []),
            "-m",
            "chore(ws): adopt",
            *trailers("master-orchestrator", path),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture
def unadopted(tmp_path: Path) -> Path:
    """A repository with hooks installed and the rules written but never committed."""
    repo = make_workspace(tmp_path / "repo", rules_text="", commit=False)
    (repo / RULES).unlink()
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: before")
    assert run_cli(repo, "install").returncode == 0
    (repo / RULES).write_text(EXAMPLE_RULES.read_text())
    return repo


@pytest.mark.parametrize("editor", [False, True], ids=["message-given", "editor"])
def test_the_adoption_commit_warns_once(unadopted: Path, editor: bool) -> None:
    git(unadopted, "add", RULES)
    proc = commit(unadopted, RULES, editor=editor)
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

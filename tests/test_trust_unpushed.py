"""Adopting in a clone whose origin has no rules yet (issue 15's first-hour walk): the trust-root
fallback is said once per process and once per commit, `install` records no branch without rules
and says what it trusts instead, and `install --claude` prints whole lines. Real clones, real
hooks, real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, run_cli
from helpers.commits import trailer_commit
from helpers.repos import shared_clone, unadopted_workspace

RULES = ".workspace/rules.yaml"
NOTE = "origin/main has no .workspace/rules.yaml yet"
AGENT = "backend-framework-ai"  # owns app/models/ in the example rules
OWN = "app/models/order.py"
PIN = "workspace-guard.rulesRef"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a shared repository that has no rules yet."""
    work = shared_clone(unadopted_workspace(tmp_path / "plain"), tmp_path)
    (work / ".workspace").mkdir(exist_ok=True)
    (work / RULES).write_text(EXAMPLE_RULES.read_text())
    return work


def adopt(clone: Path) -> None:
    git(clone, "add", RULES)
    proc = trailer_commit(
        clone, "chore(workspace): adopt the protocol", "master-orchestrator", RULES
    )
    assert proc.returncode == 0, proc.stderr


def test_install_records_no_branch_without_rules(clone: Path) -> None:
    adopt(clone)
    proc = run_cli(clone, "install")
    assert proc.returncode == 0, proc.stderr
    assert git(clone, "config", "--local", PIN, check=False) == ""
    assert f"{PIN}: " not in proc.stdout
    assert (
        f"rules: origin/main has no {RULES} yet, so {PIN} is not recorded: the rules are read "
        "as committed at HEAD until they are pushed; after the push and a fetch, run install "
        "again to record origin/main"
    ) in proc.stdout
    # once pushed (the push fetches origin/main), install records the branch
    git(clone, "push", "-q", "origin", "main")
    proc = run_cli(clone, "install")
    assert f"{PIN}: refs/remotes/origin/main (the rules are read as pushed there)" in proc.stdout
    assert git(clone, "config", "--local", PIN).strip() == "refs/remotes/origin/main"


def test_install_before_the_rules_are_committed_records_nothing(clone: Path) -> None:
    proc = run_cli(clone, "install")
    assert proc.returncode == 0, proc.stderr
    assert git(clone, "config", "--local", PIN, check=False) == ""
    assert f"{PIN} is not recorded" in proc.stdout


@pytest.mark.parametrize("editor", [False, True], ids=["message-given", "editor"])
def test_each_commit_says_it_once(clone: Path, editor: bool) -> None:
    assert run_cli(clone, "install").returncode == 0
    git(clone, "add", RULES)
    proc = trailer_commit(
        clone, "chore(workspace): adopt the protocol", "master-orchestrator", RULES
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(NOTE) == 1, proc.stderr
    (clone / OWN).write_text("class Order: ...\n")
    git(clone, "add", OWN)
    proc = trailer_commit(clone, "feat(models): an order", AGENT, OWN, editor=editor)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(NOTE) == 1, proc.stderr
    # a refused commit still says it, once, before the refusal
    (clone / "app/main.py").write_text("changed\n")
    git(clone, "add", "app/main.py")
    proc = trailer_commit(clone, "feat(api): mine", AGENT, "app/main.py", editor=editor)
    assert proc.returncode != 0
    assert proc.stderr.count(NOTE) == 1, proc.stderr
    assert "commit refused" in proc.stderr


def test_a_command_says_it_once(clone: Path) -> None:
    adopt(clone)
    proc = run_cli(clone, "explain", "app/main.py", OWN)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(NOTE) == 1, proc.stderr
    proc = run_cli(clone, AGENT, OWN, "app/main.py", prog="agent_workspace_validator")
    assert proc.returncode == 1
    assert proc.stderr.count(NOTE) == 1, proc.stderr


def test_one_process_says_it_once_for_every_repo_it_opens(clone: Path) -> None:
    adopt(clone)
    script = (
        "from workspace_guard.repo import Repo\n"
        "for _ in range(3):\n"
        "    Repo.discover().load_rules()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=clone, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(NOTE) == 1, proc.stderr


def test_once_pushed_nothing_is_said(clone: Path) -> None:
    adopt(clone)
    git(clone, "push", "-q", "origin", "main")
    proc = run_cli(clone, "explain", "app/main.py")
    assert proc.returncode == 0 and NOTE not in proc.stderr, proc.stderr


def test_install_claude_prints_the_provenance_line_whole(clone: Path) -> None:
    adopt(clone)
    proc = run_cli(clone, "install", "--claude")
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "requireProvenance" in x)
    assert line.endswith(
        "workspace-guard.requireProvenance = true (commits of protected paths are checked "
        "against the provenance ledger; `harness: require_provenance: false` in the rules "
        "turns it off)"
    ), line
    assert git(clone, "config", "--local", PIN, check=False) == ""

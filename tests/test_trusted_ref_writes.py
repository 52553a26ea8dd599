"""A Bash command that may move the trusted rules ref is a change of the rules (trust-root.md).

The reproduced bypass: an agent cloned the repository, committed rules that made it a superuser,
and moved `refs/remotes/origin/main` to that commit with `git fetch /tmp/clone
+main:refs/remotes/origin/main` (or `git update-ref`); every local layer then read its rules.
Real git, a real shared clone, the real gate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied, denied, edit_denied, pre_tool
from helpers.repos import shared_clone

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.syntax import REF_WRITE

AGENT = "backend-framework-ai"
SUPERUSER = "master-orchestrator"
RULES = ".workspace/rules.yaml"


def refs(command: str) -> set[str]:
    return {r for f in analyze(command, "/repo").of_kind(REF_WRITE) for r in f.args}


@pytest.mark.parametrize(
    ("command", "written"),
    [
        ("git fetch -q /tmp/evil +main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git fetch /tmp/evil main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git fetch origin 'refs/heads/*:refs/remotes/origin/*'", "refs/remotes/origin/*"),
        (
            "git fetch --refmap='+refs/heads/*:refs/remotes/origin/*' origin main",
            "refs/remotes/origin/*",
        ),
        ("git -c remote.origin.fetch=+refs/heads/*:refs/remotes/origin/* fetch origin", "*"),
        ("git -c remote.origin.url=/tmp/evil fetch origin", "*"),
        ("git -c url./tmp/evil.insteadOf=https://example.com fetch", "*"),
        ("git fetch /tmp/evil x:origin/main", "refs/remotes/origin/main"),
        ("git fetch --stdin origin", "*"),
        ('git fetch "$R" main', "*"),
        ("git fetch origin $SPEC", "*"),
        ("git pull /tmp/evil +main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git update-ref refs/remotes/origin/main abc123", "refs/remotes/origin/main"),
        ("git update-ref -d refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git update-ref -m x origin/main abc", "refs/remotes/origin/main"),
        ("echo update refs/remotes/origin/main abc | git update-ref --stdin", "*"),
        ('git update-ref "$REF" abc', "*"),
        (
            "git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/evil",
            "refs/remotes/origin/HEAD",
        ),
        ("git branch -f main abc", "refs/heads/main"),
        ("git branch -M evil main", "refs/heads/main"),
        ("git checkout -B main abc", "refs/heads/main"),
        ("git switch -C main abc", "refs/heads/main"),
        ("git push . HEAD:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push ./ +abc:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push file:///repo x:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push --mirror .", "*"),
        ("git replace abc def", "*"),
        ("git replace --graft abc", "*"),
        ("git remote set-url origin /tmp/evil", "refs/remotes/origin/*"),
        ("git remote set-branches origin '*'", "refs/remotes/origin/*"),
        ("git -C /tmp update-ref refs/remotes/origin/main abc", "refs/remotes/origin/main"),
        ("bash -c 'git update-ref refs/remotes/origin/main abc'", "refs/remotes/origin/main"),
    ],
)
def test_ref_writes_are_found(command: str, written: str) -> None:
    assert written in refs(command), refs(command)


@pytest.mark.parametrize(
    "command",
    [
        "git fetch",
        "git fetch -q origin",
        "git fetch origin main",
        "git fetch --all --prune",
        "git pull",
        "git pull --rebase origin main",
        "git push",
        "git push origin HEAD",
        "git push https://example.com/x.git main",
        "git branch feature",
        "git branch -a",
        "git checkout -b feature",
        "git symbolic-ref HEAD",
        "git show-ref",
        "git replace -l",
        "git remote -v",
        "git tag v1",
    ],
)
def test_ordinary_git_writes_no_trusted_ref(command: str) -> None:
    found = refs(command)
    assert (
        not found or all(r.startswith("remote=") for r in found) or command.startswith("git push")
    ), found


# --- the gate, on a real clone of a real shared repository -----------------------------------


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    work = shared_clone(make_workspace(tmp_path / "origin"), tmp_path)
    git(work, "config", "workspace-guard.rulesRef", "refs/remotes/origin/main")
    evil = tmp_path / "evil"
    git(tmp_path, "clone", "-q", str(work), str(evil))
    rules = evil / RULES
    text = rules.read_text()
    assert "superusers: [master-orchestrator]" in text
    rules.write_text(
        text.replace(
            "superusers: [master-orchestrator]", f"superusers: [master-orchestrator, {AGENT}]"
        )
    )
    git(evil, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "x")
    return work


def evil_sha(clone: Path) -> str:
    return git(clone.parent / "evil", "rev-parse", "HEAD").strip()


@pytest.mark.parametrize(
    "command",
    [
        "git fetch -q ../evil +main:refs/remotes/origin/main",
        "git fetch -q ../evil 'refs/heads/*:refs/remotes/origin/*'",
        "git fetch -q --refmap='+refs/heads/*:refs/remotes/origin/*' ../evil main",
        "git -c remote.origin.fetch=+refs/heads/*:refs/remotes/origin/* fetch ../evil",
        "git -c remote.origin.url=../evil fetch origin",
        "git update-ref refs/remotes/origin/main {sha}",
        "git update-ref -d refs/remotes/origin/main",
        "printf 'update refs/remotes/origin/main {sha}\\n' | git update-ref --stdin",
        "git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/evil",
        "git push . {sha}:refs/remotes/origin/main",
        "git remote add self . && git push self {sha}:refs/remotes/origin/main",
        "git replace --graft HEAD {sha}",
        "git remote set-url origin ../evil",
        "R=refs/remotes/origin/main; git update-ref $R {sha}",
        'git update-ref "$(echo refs/remotes/origin/main)" {sha}',
        "echo {sha} > .git/refs/remotes/origin/main",
        "echo {sha} refs/remotes/origin/main >> .git/packed-refs",
    ],
)
def test_moving_the_trusted_ref_is_a_change_of_the_rules(clone: Path, command: str) -> None:
    command = command.format(sha=evil_sha(clone))
    reason = bash_denied(clone, command, AGENT)
    assert reason is not None, command
    assert bash_denied(clone, command, SUPERUSER) is None or ".git" in command, command


@pytest.mark.parametrize(
    "command",
    [
        "git fetch",
        "git fetch -q origin",
        "git fetch ../evil main",
        "git update-ref refs/heads/scratch HEAD",
        "git branch -f scratch HEAD",
        "git push origin HEAD:refs/heads/feature",
    ],
)
def test_ordinary_ref_work_stays_allowed(clone: Path, command: str) -> None:
    assert bash_denied(clone, command, AGENT) is None, command


def test_branch_f_counts_when_the_rules_ref_is_a_local_branch(clone: Path) -> None:
    git(clone, "config", "workspace-guard.rulesRef", "refs/heads/main")
    git(clone, "branch", "-q", "other")
    assert bash_denied(clone, "git branch -f main other", AGENT) is not None
    assert bash_denied(clone, "git checkout -q other && git branch -M other main", AGENT)
    assert bash_denied(clone, "git branch -f scratch other", AGENT) is None


def test_the_reproduced_bypass_stays_closed(clone: Path) -> None:
    """The attack as reproduced: after a (refused) fetch the agent is still no superuser."""
    command = "git fetch -q ../evil +main:refs/remotes/origin/main"
    reason = bash_denied(clone, command, AGENT)
    assert reason is not None and RULES in reason and "refs/remotes/origin/main" in reason
    assert edit_denied(clone, "app/main.py", AGENT) is not None


@pytest.mark.parametrize(
    "command",
    [
        "git -C clone update-ref refs/remotes/origin/main {sha}",
        "cd clone && git fetch -q ../evil +main:refs/remotes/origin/main",
        "git -C clone/app update-ref refs/remotes/origin/main {sha}",
        "git --git-dir=clone/.git update-ref refs/remotes/origin/main {sha}",
        "git --git-dir clone/.git fetch -q evil +main:refs/remotes/origin/main",
        "GIT_DIR=clone/.git git update-ref refs/remotes/origin/main {sha}",
        "export GIT_DIR=clone/.git; git update-ref refs/remotes/origin/main {sha}",
        "env GIT_DIR=clone/.git git update-ref refs/remotes/origin/main {sha}",
    ],
)
def test_a_ref_write_from_outside_the_repository_is_judged_by_it(clone: Path, command: str) -> None:
    command = command.format(sha=evil_sha(clone))
    assert denied(pre_tool(clone.parent, "Bash", {"command": command}, AGENT)) is not None

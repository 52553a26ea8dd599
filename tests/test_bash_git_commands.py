"""`git NAME` with NAME no git builtin is judged by what git would run: an alias from any config
file (includes too), a shell alias, `git-lfs`, nested aliases; anything else is code the gate
cannot read, refused with its reason. Real git, a real clone, the real hook. The cases are in
tests/bash_corpus.py (GIT_ALIASES, GIT_COMMANDS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bash_corpus import GIT_ALIASES, GIT_COMMANDS, GitCommandCase
from conftest import git, make_workspace
from helpers.harness import denied, pre_tool, tool_denied
from helpers.repos import shared_clone

from workspace_guard.gates.harness.bash import analyze

AGENT = "backend-framework-ai"
OWNER = "system-architect-ai"
SUPERUSER = "master-orchestrator"


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gitcmd")
    origin = make_workspace(base / "origin")
    rules = origin / ".workspace" / "rules.yaml"
    text = rules.read_text()
    assert "harness:\n" in text
    rules.write_text(text.replace("harness:\n", "harness:\n  escalate_after: 100000\n", 1))
    git(origin, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "no escalation here")
    work = shared_clone(origin, base)
    git(work, "config", "workspace-guard.rulesRef", "refs/remotes/origin/main")
    git(base, "clone", "-q", str(work), str(base / "evil"))
    for name, value in GIT_ALIASES.items():
        git(work, "config", f"alias.{name}", value)
    (work / "app" / "main.py").write_text("# modified\n")  # restores and resets rewrite it
    (work / "notes").mkdir(exist_ok=True)
    return work


def _bash(ws: Path, command: str, agent: str) -> str | None:
    return denied(pre_tool(ws, "Bash", {"command": command}, agent))


@pytest.mark.parametrize("case", GIT_COMMANDS, ids=lambda c: c.command[:60])
def test_git_commands_are_judged_by_what_git_runs(clone: Path, case: GitCommandCase) -> None:
    agent = _bash(clone, case.command, AGENT)
    superuser = _bash(clone, case.command, SUPERUSER)
    if case.outcome == "read":
        assert agent is None, (case.command, agent)
    elif case.outcome == "bypass":
        assert agent is not None and superuser is not None, (case.command, agent, superuser)
    elif case.outcome == "rules":
        assert agent is not None and ".workspace/rules.yaml" in agent, (case.command, agent)
        assert superuser is None, (case.command, superuser)
    elif case.outcome == "any":
        assert agent is not None and _bash(clone, case.command, OWNER) is not None, case.command
    elif case.outcome == "write":
        assert agent is not None and "app/main.py" in agent, (case.command, agent)
        assert _bash(clone, case.command, OWNER) is None, case.command
    else:
        assert case.outcome == "unknown"
        assert agent is not None and "may write any file or move any ref" in agent, agent


def test_an_alias_from_an_included_file_is_expanded(clone: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.gitconfig"
    extra.write_text("[alias]\n\tinc = commit --no-verify\n\tincw = !rm app/main.py\n")
    git(clone, "config", "--add", "include.path", str(extra))
    try:
        assert _bash(clone, "git inc -m x", SUPERUSER) is not None
        reason = _bash(clone, "git incw", AGENT)
        assert reason is not None and "app/main.py" in reason
    finally:
        git(clone, "config", "--unset-all", "include.path")


def _fake_program(tmp_path: Path, name: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    program = bin_dir / f"git-{name}"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _bash_env(ws: Path, command: str, agent: str, env: dict[str, str]) -> str | None:
    return tool_denied(ws, "Bash", {"command": command}, agent, env)


@pytest.mark.parametrize(
    ("command", "outcome"),
    [
        ("git lfs ls-files", "read"),
        ("git lfs status", "read"),
        ("git lfs fetch", "read"),
        ("git lfs push origin main", "read"),
        ("git lfs track '*.bin'", "read"),  # .gitattributes is not protected here
        ("git lfs pull", "write"),
        ("git lfs checkout", "write"),
        ("git lfs migrate import --everything", "write"),
        ("git lfs install", "bypass"),
        ("git lfs uninstall", "bypass"),
        ("git lfs update --force", "bypass"),
    ],
)
def test_git_lfs_is_judged_by_subcommand(
    clone: Path, tmp_path: Path, command: str, outcome: str
) -> None:
    env = _fake_program(tmp_path, "lfs")
    agent = _bash_env(clone, command, AGENT, env)
    if outcome == "read":
        assert agent is None, (command, agent)
    elif outcome == "write":
        assert agent is not None and "app/main.py" in agent, (command, agent)
    else:
        assert _bash_env(clone, command, SUPERUSER, env) is not None, command
    assert "may move any ref" not in (agent or "")


def test_another_git_program_is_unknown_code_with_its_path(clone: Path, tmp_path: Path) -> None:
    env = _fake_program(tmp_path, "frob")
    reason = _bash_env(clone, "git frob", AGENT, env)
    assert reason is not None and str(tmp_path / "bin" / "git-frob") in reason
    # an alias of that name is shadowed by the program, as git itself does
    git(clone, "config", "alias.frob", "status")
    try:
        assert _bash_env(clone, "git frob", AGENT, env) is not None
        assert _bash(clone, "git frob", AGENT) is None  # no program: the alias runs
    finally:
        git(clone, "config", "--unset", "alias.frob")


def test_git_lfs_track_writes_gitattributes() -> None:
    targets = {t.path for t in analyze("git-lfs track '*.psd'", "/repo/app").targets}
    assert "/repo/app/.gitattributes" in targets and "/repo/app/**/.gitattributes" in targets
    assert not analyze("git-lfs track", "/repo").targets


def test_an_unknown_policy_allow_keeps_the_alias_judgement(clone: Path) -> None:
    """What an alias runs is judged like the same command typed out: a bypass stays refused."""
    assert _bash(clone, "git cnv -m x", SUPERUSER) is not None
    assert _bash(clone, "git st", SUPERUSER) is None

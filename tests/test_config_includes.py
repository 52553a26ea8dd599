"""Files git's configuration includes are git's configuration (issue 13): `.git/config` is out
of every tool's reach, but `[include] path = ../office/x.cfg` makes an office file part of it
(`core.hooksPath`, `core.fsmonitor`, `alias.*`). Every include target — `include.path` and
`includeIf.*.path` whatever the condition (it may become true later), transitively, existing or
not yet — is refused to every tool like `.git/config`, the validator says so, and `doctor` flags
an include of a file outside git's directory. Real repositories, real hook processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.harness import bash_denied, denied, pre_tool

AGENT = "backend-framework-ai"
SUPER = "master-orchestrator"
OFF = ".workspace/departments/backend/backend-framework-ai"
NOTE = "the files its config includes"


@pytest.fixture
def included(tmp_path: Path) -> Path:
    """The example workspace whose `.git/config` includes office files in every way."""
    repo = make_workspace(tmp_path / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    (office / "plain.cfg").write_text("[user]\n\tname = x\n")
    (office / "later.cfg").write_text("[include]\n\tpath = deeper.cfg\n")  # onbranch: false now
    (office / "notes.md").write_text("mine\n")
    (repo / ".git/inner.cfg").write_text(f"[include]\n\tpath = ../{OFF}/nested.cfg\n")
    git(repo, "config", "--add", "include.path", f"../{OFF}/plain.cfg")
    git(repo, "config", "--add", "include.path", "inner.cfg")  # inside .git, includes on
    git(repo, "config", "includeIf.onbranch:release.path", f"../{OFF}/later.cfg")
    git(repo, "config", "includeIf.gitdir:/nowhere/.path", f"../{OFF}/missing.cfg")
    git(repo, "config", "includeIf.hasconfig:remote.*.url:https://x/**.path", f"../{OFF}/h.cfg")
    return repo


TARGETS = ["plain.cfg", "nested.cfg", "later.cfg", "deeper.cfg", "missing.cfg", "h.cfg"]


def _write(repo: Path, path: Path, agent: str = AGENT) -> str | None:
    return denied(pre_tool(repo, "Write", {"file_path": str(path), "content": "x"}, agent))


@pytest.mark.parametrize("name", TARGETS)
def test_every_include_target_is_refused_to_file_tools(included: Path, name: str) -> None:
    reason = _write(included, included / OFF / name)
    assert reason is not None and NOTE in reason, name
    reason = _write(included, included / OFF / name, agent=SUPER)  # like .git/config: anyone
    assert reason is not None and NOTE in reason, name


@pytest.mark.parametrize("name", ["plain.cfg", "deeper.cfg", "missing.cfg"])
def test_and_to_the_shell(included: Path, name: str) -> None:
    for command in (
        f"printf '[core]\\n\\thooksPath = /dev/null\\n' >> {OFF}/{name}",
        f"cp {OFF}/notes.md {OFF}/{name}",
        f"rm -f {OFF}/{name}",
    ):
        reason = bash_denied(included, command)
        assert reason is not None and NOTE in reason, command


def test_other_office_files_stay_the_agents_own(included: Path) -> None:
    assert _write(included, included / OFF / "notes.md") is None
    assert bash_denied(included, f"echo more >> {OFF}/notes.md") is None


def test_a_hard_link_to_an_include_target_is_that_file(included: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.cfg"
    os.link(included / OFF / "plain.cfg", other)
    reason = _write(included, other)
    assert reason is not None and NOTE in reason


def test_an_include_added_later_is_seen_by_the_next_call(included: Path) -> None:
    fresh = included / OFF / "fresh.cfg"
    assert _write(included, fresh) is None
    git(included, "config", "--add", "include.path", f"../{OFF}/fresh.cfg")
    reason = _write(included, fresh)
    assert reason is not None and NOTE in reason


def test_the_global_configs_includes_too(included: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / "extra.cfg").write_text("[alias]\n\tx = status\n")
    with open(home / ".gitconfig", "a", encoding="utf-8") as handle:
        handle.write("[include]\n\tpath = ~/extra.cfg\n")
    reason = _write(included, home / "extra.cfg")
    assert reason is not None and NOTE in reason


def test_the_validator_refuses_an_include_target(included: Path) -> None:
    rel = f"{OFF}/plain.cfg"
    proc = run_cli(included, AGENT, "--format", "json", rel, prog="agent_workspace_validator")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)["results"][0]
    assert not result["allowed"] and result["reason"] == "protected"
    assert result["level"] == "critical" and result["owner"] is None
    text = run_cli(included, SUPER, f"{OFF}/deeper.cfg", prog="agent_workspace_validator")
    assert text.returncode == 1 and "part of git's configuration" in text.stdout
    mine = run_cli(included, AGENT, f"{OFF}/notes.md", prog="agent_workspace_validator")
    assert mine.returncode == 0, mine.stdout


def test_doctor_flags_an_include_outside_gits_directory(included: Path) -> None:
    proc = run_cli(included, "doctor", "--format", "json")
    checks = json.loads(proc.stdout)["checks"]
    found = [c for c in checks if "includes" in c["detail"] and not c["ok"]]
    assert proc.returncode == 1 and found, proc.stdout
    assert "plain.cfg" in found[0]["detail"] and "later.cfg" in found[0]["detail"]
    assert "inner.cfg" not in found[0]["detail"]  # inside .git: written by git only


def test_doctor_is_quiet_without_includes(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "plain")
    proc = run_cli(repo, "doctor", "--format", "json")
    checks = json.loads(proc.stdout)["checks"]
    assert not [c for c in checks if "includes" in c["detail"]]

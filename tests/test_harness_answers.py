"""Bounded denials: a command touching hundreds of protected files gets a short answer (<= 4 KB,
summarised per rule) and exactly one audit record per call, on real git, dirty tree and clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli
from helpers.harness import claude_event, denied, hook

MANY = 400
AGENT = "backend-framework-ai"


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with 400 more files under the protected `/app/api/` rule, committed."""
    text = EXAMPLE_RULES.read_text().replace(  # no escalation: one record per call is counted
        "harness:\n", "harness:\n  escalate_after: 100000\n"
    )
    ws = make_workspace(tmp_path_factory.mktemp("many") / "ws", text)
    for i in range(MANY):
        target = ws / "app/api/v1/bulk" / f"m{i:03}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "chore(api): many modules")
    return ws


def _dirty(ws: Path) -> None:
    for i in range(MANY):
        (ws / "app/api/v1/bulk" / f"m{i:03}.py").write_text("x = 2\n")


def _clean(ws: Path) -> None:
    git(ws, "checkout", "-q", "--", ".")


def _audit_count(ws: Path) -> int:
    audit = ws / ".git/workspace-guard/audit.jsonl"
    return len(audit.read_text().splitlines()) if audit.exists() else 0


def _bash(ws: Path, command: str, env: dict[str, str] | None = None) -> str | None:
    return denied(hook(ws, "claude", claude_event(ws, "Bash", {"command": command}), env=env))


@pytest.mark.parametrize(
    "command", ["git stash", "git reset --hard", "git checkout -- .", "git pull"]
)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_dirty_tree_denial_is_bounded_and_audited_once(many: Path, command: str, lang: str) -> None:
    _dirty(many)
    try:
        before = _audit_count(many)
        reason = _bash(many, command, env={"WORKSPACE_GUARD_LANG": lang})
        assert reason is not None
        assert len(reason.encode("utf-8")) <= 4096
        if command in ("git stash", "git reset --hard"):  # git says which files: only those
            assert "app/api/v1/bulk/m000.py" in reason  # the first paths are named
            assert "api-architect-ai" in reason  # the owner
            assert "/app/api/" in reason  # the rule
        assert "workspace-guard explain" in reason  # how to see more
        assert str(MANY) in reason or "more" in reason or "más" in reason
        assert _audit_count(many) == before + 1
        items = json.loads(run_cli(many, "audit", "--format", "json").stdout)
        last = items[-1]
        assert last["layer"] == "claude" and last["action"] == "denied"
        assert last["agent"] == AGENT and last["escalate_to"] == "master-orchestrator"
        assert last["count"] >= MANY and 0 < len(last["paths"]) <= 20
        assert last["path"] in last["paths"]
    finally:
        _clean(many)


@pytest.mark.parametrize("command", ["git stash", "git reset --hard"])
def test_clean_tree_allows_what_changes_nothing(many: Path, command: str) -> None:
    before = _audit_count(many)
    assert _bash(many, command) is None
    assert _audit_count(many) == before


def test_clean_tree_pull_is_bounded(many: Path) -> None:
    """A pull from a URL cannot be known before it runs: denied as changing every file, still
    short. (A pull of the configured remote is judged by the local changes: see test_bash_pull.)"""
    before = _audit_count(many)
    reason = _bash(many, "git pull https://example.invalid/x.git main")
    assert reason is not None and len(reason.encode("utf-8")) <= 4096
    assert "fetch first" in reason
    assert _audit_count(many) == before + 1


def test_one_path_keeps_its_full_paragraph(many: Path) -> None:
    reason = _bash(many, "echo x > app/main.py")
    assert reason is not None
    for word in ("app/main.py", "critical", "system-architect-ai", "workspace-guard approve"):
        assert word in reason


def test_many_writes_in_one_command_one_record(many: Path) -> None:
    before = _audit_count(many)
    command = "; ".join(f"echo y > app/api/v1/bulk/m{i:03}.py" for i in range(150))
    command += "; echo y > app/main.py; echo y > docker-compose.yml; echo > app/database.py"
    reason = _bash(many, command)
    assert reason is not None and len(reason.encode("utf-8")) <= 4096
    for path in ("app/main.py", "docker-compose.yml", "app/database.py", "bulk/m000.py"):
        assert path in reason
    assert _audit_count(many) == before + 1


def test_bounded_cuts_at_a_character_boundary() -> None:
    from workspace_guard.gates.harness.answer import bounded

    text = "é" * 5000
    cut = bounded(text)
    assert len(cut.encode("utf-8")) <= 4096 and cut.endswith("]")
    assert bounded("short") == "short"


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf .",
        "rm -rf ./",
        'rm -rf -- "$PWD"',
        "cd app && rm -rf ..",
        "rm -rf {root}",
        "rm -rf {root}/..",
        "rm -rf /",
        "git checkout -- .",
        "find . -delete",
    ],
)
def test_root_and_above_reach_every_file(many: Path, command: str) -> None:
    """The repository root (or a directory above it) named as a target covers every file."""
    _dirty(many)
    try:
        reason = _bash(many, command.format(root=many))
        assert reason is not None and len(reason.encode("utf-8")) <= 4096
    finally:
        _clean(many)


@pytest.mark.parametrize("command", ["ls .", "rm -rf /tmp/not-this-repo", "cat {root}/app/main.py"])
def test_reads_and_outside_paths_pass(many: Path, command: str) -> None:
    assert _bash(many, command.format(root=many)) is None

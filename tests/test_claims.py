"""Claims end to end: real repositories, real processes, real `git commit`, real worktrees."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, git, run_cli, run_tty
from helpers.harness import pre_tool
from helpers.repos import person_env

A = "backend-framework-ai"
B = "api-architect-ai"
OWNER = "system-architect-ai"  # owns app/main.py (critical)
FREE = "app/models/order.py"  # unprotected


def claim(ws: Path, *args: str, agent: str = A) -> subprocess.CompletedProcess[str]:
    return run_tty(ws, "claim", *args, "--agent", agent)


def validate(ws: Path, agent: str, *paths: str) -> dict[str, object]:
    proc = run_cli(ws, "validate", agent, *paths, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def results(data: dict[str, object]) -> list[dict[str, object]]:
    items = data["results"]
    assert isinstance(items, list)
    return items


def test_exclusive_claim_denies_others_in_the_validator(workspace: Path) -> None:
    made = claim(workspace, FREE, "--note", "splitting orders")
    assert made.returncode == 0, made.stderr
    assert A in made.stdout and "/app/models/order.py" in made.stdout
    other = validate(workspace, B, FREE)
    assert other["allowed"] is False
    result = results(other)[0]
    assert result["reason"] == "claimed" and result["claimed_by"] == A
    assert isinstance(result["claim_until"], float) and result["claim_until"] > time.time()
    text = run_cli(workspace, "validate", B, FREE)
    assert text.returncode == 1 and A in text.stdout and "claimed" in text.stdout
    assert validate(workspace, A, FREE)["allowed"] is True  # the holder itself


def test_a_claim_never_grants(workspace: Path) -> None:
    assert claim(workspace, "app/main.py").returncode == 0
    mine = results(validate(workspace, A, "app/main.py"))[0]
    assert mine["allowed"] is False and mine["reason"] == "protected"
    owner = results(validate(workspace, OWNER, "app/main.py"))[0]
    assert owner["reason"] == "claimed" and owner["claimed_by"] == A


def test_directory_and_pattern_claims(workspace: Path) -> None:
    assert claim(workspace, "app/models/").returncode == 0
    assert results(validate(workspace, B, FREE))[0]["reason"] == "claimed"
    assert results(validate(workspace, B, "app/models/new.py"))[0]["reason"] == "claimed"
    assert claim(workspace, "tests/*.py", agent=B).returncode == 0
    assert results(validate(workspace, A, "tests/test_products.py"))[0]["reason"] == "claimed"
    assert results(validate(workspace, A, "README.md"))[0]["allowed"] is True


def test_shared_claims_coexist_and_do_not_deny(workspace: Path) -> None:
    assert claim(workspace, FREE, "--shared").returncode == 0
    assert claim(workspace, FREE, "--shared", agent=B).returncode == 0
    assert validate(workspace, B, FREE)["allowed"] is True
    exclusive = claim(workspace, "app/models/", agent=OWNER)
    assert exclusive.returncode == 1 and A in exclusive.stderr


def test_second_agent_is_told_who_holds_it(workspace: Path) -> None:
    assert claim(workspace, "app/models/").returncode == 0
    for target in (FREE, "app/models/", "app/", "app/models/*.py"):
        clash = claim(workspace, target, agent=B)
        assert clash.returncode == 1, target
        assert A in clash.stderr and "until" in clash.stderr and "Traceback" not in clash.stderr


def test_same_instant_one_wins(workspace: Path) -> None:
    terminals = [pty.openpty() for _agent in (A, B, OWNER)]
    procs = [
        subprocess.Popen(
            [str(BIN / "workspace-guard"), "claim", FREE, "--agent", agent],
            cwd=workspace,
            stdin=slave,  # people at terminals (commands/speaker)
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=person_env(),
        )
        for agent, (_master, slave) in zip((A, B, OWNER), terminals, strict=True)
    ]
    outcomes = [(p.wait(), *p.communicate()) for p in procs]
    for master, slave in terminals:
        os.close(master)
        os.close(slave)
    winners = [o for o in outcomes if o[0] == 0]
    losers = [o for o in outcomes if o[0] != 0]
    assert len(winners) == 1 and len(losers) == 2
    holder = json.loads(run_cli(workspace, "claims", "--format", "json").stdout)[0]["agent"]
    assert all(code == 1 and holder in err for code, _out, err in losers)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("/etc/passwd",), "outside the repository"),
        (("../elsewhere.py",), "outside the repository"),
        ((FREE, "--ttl", "0"), "--ttl"),
        ((FREE, "--ttl", "nan"), "--ttl"),
        ((FREE, "--ttl", "-5m"), "--ttl"),
        ((FREE, "--ttl", "inf"), "--ttl"),
        ((FREE, "--ttl", "soon"), "--ttl"),
        (("app/*.nothing",), "matches no file"),
    ],
)
def test_bad_claims_are_usage_errors(workspace: Path, args: tuple[str, ...], needle: str) -> None:
    proc = claim(workspace, *args)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr
    assert run_cli(workspace, "claims").stdout.strip() == "no claims"


def test_identity_rules(workspace: Path) -> None:
    unknown = claim(workspace, FREE, agent="nobody-ai")
    assert unknown.returncode == 2 and "unknown agent" in unknown.stderr
    mismatch = run_cli(workspace, "claim", FREE, "--agent", A, env={"WORKSPACE_AGENT": B})
    assert mismatch.returncode == 2 and "only for itself" in mismatch.stderr
    none = run_tty(workspace, "claim", FREE)
    assert none.returncode == 2 and "--agent" in none.stderr
    by_env = run_cli(workspace, "claim", FREE, env={"WORKSPACE_AGENT": B})  # a script
    assert by_env.returncode == 1 and f"nothing shows {B} is speaking" in by_env.stderr


def test_expired_claims_end(workspace: Path) -> None:
    assert claim(workspace, FREE, "--ttl", "1s").returncode == 0
    time.sleep(1.2)
    assert validate(workspace, B, FREE)["allowed"] is True
    assert run_cli(workspace, "claims").stdout.strip() == "no claims"
    assert claim(workspace, FREE, agent=B).returncode == 0


def test_release_own_all_and_break(workspace: Path) -> None:
    assert claim(workspace, FREE, "README.md").returncode == 0
    not_mine = run_tty(workspace, "release", FREE, "--agent", B)
    assert not_mine.returncode == 1
    assert validate(workspace, B, FREE)["allowed"] is False
    refused = run_tty(workspace, "release", FREE, "--agent", B, "--break")
    assert refused.returncode == 1 and "superuser" in refused.stderr
    broken = run_tty(workspace, "release", FREE, "--agent", "master-orchestrator", "--break")
    assert broken.returncode == 0 and "broken" in broken.stdout
    records = [
        json.loads(line)
        for line in (workspace / ".git/workspace-guard/audit.jsonl").read_text().splitlines()
    ]
    assert any(r.get("action") == "broken" and r.get("owner") == A for r in records)
    assert run_tty(workspace, "release", "--all", "--agent", A).returncode == 0
    assert run_cli(workspace, "claims").stdout.strip() == "no claims"
    assert run_tty(workspace, "release", "--agent", A).returncode == 2


def test_corrupt_claims_file_fails_closed(workspace: Path) -> None:
    assert claim(workspace, FREE).returncode == 0
    path = workspace / ".git/workspace-guard/claims.json"
    for garbage in (
        "not json",
        '{"a": 1}',
        '[{"agent": "x"}]',
        '[{"id":"1","agent":"a","pattern":"/x","until":NaN}]',
    ):
        path.write_text(garbage)
        proc = run_cli(workspace, "validate", B, "README.md")
        assert proc.returncode == 2 and "claims file" in proc.stderr, garbage
        assert "Traceback" not in proc.stderr
        again = claim(workspace, FREE)
        assert again.returncode == 2 and "claims file" in again.stderr


def test_worktrees_share_claims(workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(workspace, "worktree", "add", "-q", str(other), "-b", "other")
    assert claim(other, FREE).returncode == 0
    assert validate(workspace, B, FREE)["allowed"] is False
    listed = json.loads(run_cli(workspace, "claims", "--format", "json").stdout)
    assert listed[0]["worktree"] == str(other)


# --- the harness gate ------------------------------------------------------------------------------


def claude(ws: Path, agent: str, rel: str) -> subprocess.CompletedProcess[str]:
    return pre_tool(ws, "Edit", {"file_path": str(ws / rel)}, agent)


def test_harness_gate_denies_claimed_paths(workspace: Path) -> None:
    assert claim(workspace, FREE).returncode == 0
    proc = claude(workspace, B, FREE)
    assert proc.returncode == 0
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert A in answer["permissionDecisionReason"]
    assert "claimed" in answer["permissionDecisionReason"]
    assert claude(workspace, A, FREE).stdout == ""


def test_harness_gate_fails_closed_on_a_corrupt_claims_file(workspace: Path) -> None:
    (workspace / ".git/workspace-guard").mkdir(parents=True, exist_ok=True)
    (workspace / ".git/workspace-guard/claims.json").write_text("[{")
    proc = claude(workspace, B, FREE)
    assert proc.returncode == 2 and "claims file" in proc.stderr


# --- the commit gate -------------------------------------------------------------------------------


def message(agent: str, files: str) -> str:
    return (
        "feat(models): change the orders\n\n"
        "Workspace-Check: ✅ Consultado\n"
        f"Archivo: {files}\n"
        f"Agente: {agent}\n"
        "Protocolo: SEGUIDO\n"
        "Tests: PASSED\n"
    )


def commit(ws: Path, agent: str, rel: str) -> subprocess.CompletedProcess[str]:
    (ws / rel).write_text(f"# changed by {agent} at {time.time()}\n")
    git(ws, "add", rel)
    return subprocess.run(
        ["git", "commit", "-q", "-m", message(agent, rel)],
        cwd=ws,
        capture_output=True,
        text=True,
        check=False,
    )


def test_commit_gate_refuses_staged_paths_claimed_by_another(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    assert claim(workspace, FREE).returncode == 0
    refused = commit(workspace, B, FREE)
    assert refused.returncode != 0
    assert "[claimed]" in refused.stderr and A in refused.stderr
    git(workspace, "reset", "-q", "--hard")
    allowed = commit(workspace, A, FREE)
    assert allowed.returncode == 0, allowed.stderr
    records = [
        json.loads(line)
        for line in (workspace / ".git/workspace-guard/audit.jsonl").read_text().splitlines()
    ]
    assert any(r.get("layer") == "commit" and "claimed" in r.get("violations", []) for r in records)


def test_claim_test_answers_as_the_pattern_regex() -> None:
    """The string comparison used for plain claim patterns equals the compiled pattern."""
    from workspace_guard.core.claims import claim_test
    from workspace_guard.core.patterns import pattern_regex

    patterns = [
        "/app/models/", "/app/models", "/app/models/order.py", "/a", "/a/", "/", "//a", "/a//b",
        "/a\\*b", "/app/*.py", "/app/**/x", "app/x", "x", "/a b/c", "/é/", "/a.b", "/a/b/",
        "/[x]", "/!x", "/app/mod?ls/",
    ]  # fmt: skip
    paths = [
        "app", "app/models", "app/models/", "app/models/order.py", "app/models/a/b", "app/modelsx",
        "x/app/models/order.py", "a", "a/", "a/b", "a/b/c", "ab", "a b/c", "a b/c/d", "é/x", "é",
        "a.b", "axb", "a/b/", "[x]", "!x", "app/x", "app/q.py", "app/s/x", "a*b", "x",
    ]  # fmt: skip
    from workspace_guard.core.patterns import PatternError

    for pattern in patterns:
        try:
            regex = pattern_regex(pattern)
        except PatternError:
            with pytest.raises(PatternError):
                claim_test(pattern)
            continue
        test = claim_test(pattern)
        for path in paths:
            assert test(path) == bool(regex.fullmatch(path)), (pattern, path)

"""`doctor`, the SessionStart report and the harness's identity check for claims: real
repositories, real worktrees, real `git commit`, the hook run as a harness runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import git, run_cli

A = "backend-framework-ai"
B = "api-architect-ai"


def doctor(ws: Path, *args: str) -> tuple[int, dict[str, object]]:
    proc = run_cli(ws, "doctor", "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return proc.returncode, data


def failing(data: dict[str, object]) -> list[dict[str, object]]:
    checks = data["checks"]
    assert isinstance(checks, list)
    return [c for c in checks if not c["ok"]]


def test_fresh_repository_names_missing_hooks(workspace: Path) -> None:
    code, data = doctor(workspace)
    assert code == 1 and data["ok"] is False
    layers = {c["layer"] for c in failing(data)}
    assert layers == {"commit"}
    text = run_cli(workspace, "doctor")
    assert text.returncode == 1 and "workspace-guard install" in text.stdout


def test_installed_repository_is_healthy(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    code, data = doctor(workspace)
    assert code == 0 and data["ok"] is True, failing(data)


def _redirected_worktree(workspace: Path, tmp_path: Path) -> tuple[Path, Path]:
    assert run_cli(workspace, "install").returncode == 0
    other = tmp_path / "wt2"
    git(workspace, "worktree", "add", "-q", str(other), "-b", "wt2")
    git(workspace, "config", "extensions.worktreeConfig", "true")
    elsewhere = tmp_path / "agent-hooks"
    git(other, "config", "--worktree", "core.hooksPath", str(elsewhere))
    return other, elsewhere


def _commit_without_template(tree: Path, text: str = "changed") -> subprocess.CompletedProcess[str]:
    (tree / "README.md").write_text(text + "\n")
    git(tree, "add", "README.md")
    return subprocess.run(
        ["git", "commit", "-q", "-m", "no template at all"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


def test_redirected_hooks_path_is_found_and_fixed(workspace: Path, tmp_path: Path) -> None:
    other, elsewhere = _redirected_worktree(workspace, tmp_path)
    # the hole: a commit in that worktree runs no hook at all
    assert _commit_without_template(other).returncode == 0
    code, data = doctor(workspace)
    bad = failing(data)
    assert code == 1 and [c["where"] for c in bad] == [str(other)]
    assert str(elsewhere) in str(bad[0]["detail"])
    code, data = doctor(other, "--fix")
    assert code == 0, failing(data)
    fixed = [c for c in data["checks"] if c["fixed"]]  # type: ignore[union-attr]
    assert fixed and str(elsewhere) in str(fixed[0]["fixed"])
    refused = _commit_without_template(other, "changed again")
    assert refused.returncode != 0 and "workspace-guard" in refused.stderr
    assert doctor(workspace)[0] == 0


def test_foreign_hook_and_broken_chain(workspace: Path) -> None:
    hooks = workspace / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (hooks / "pre-commit").chmod(0o755)
    _, data = doctor(workspace)
    assert any("not workspace-guard's" in str(c["detail"]) for c in failing(data))
    assert run_cli(workspace, "install").returncode == 0
    legacy = hooks / "pre-commit.workspace-guard-legacy"
    assert legacy.exists()
    legacy.chmod(0o644)
    _, data = doctor(workspace)
    assert any("chained hook" in str(c["detail"]) for c in failing(data))


def test_corrupt_claims_file_is_reported_and_moved_aside(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    state = workspace / ".git" / "workspace-guard"
    state.mkdir(exist_ok=True)
    (state / "claims.json").write_text("{broken")
    code, data = doctor(workspace)
    assert code == 1 and [c["layer"] for c in failing(data)] == ["claims"]
    code, data = doctor(workspace, "--fix")
    assert code == 0
    assert not (state / "claims.json").exists()
    assert list(state.glob("claims.json.corrupt-*"))


def test_uncommitted_rules_and_stale_harness_command(workspace: Path) -> None:
    assert run_cli(workspace, "install", "--claude").returncode == 0
    git(workspace, "add", "-A")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: harness")
    code, data = doctor(workspace)
    assert code == 0, failing(data)
    settings = workspace / ".claude" / "settings.json"
    data_json = json.loads(settings.read_text())
    for groups in data_json["hooks"].values():
        for group in groups:
            for item in group["hooks"]:
                item["command"] = "/old/venv/bin/workspace-guard hook claude"
    settings.write_text(json.dumps(data_json))
    code, data = doctor(workspace)
    assert code == 1 and "stale" in str(failing(data)[0]["detail"])
    code, data = doctor(workspace, "--fix")
    assert code == 0, failing(data)


def test_broken_rules_fail(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    rules = workspace / ".workspace" / "rules.yaml"
    rules.write_text("version: 1\nagents: [\n")
    git(workspace, "add", "-A")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: break the rules")
    code, data = doctor(workspace)
    assert code == 1 and "rules" in {c["layer"] for c in failing(data)}


def test_shared_repository_without_server_hook(workspace: Path, tmp_path: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(workspace, "remote", "add", "origin", str(bare))
    code, data = doctor(workspace)
    assert code == 1 and [c["layer"] for c in failing(data)] == ["push"]
    assert run_cli(workspace, "install", "--server", str(bare)).returncode == 0
    assert doctor(workspace)[0] == 0


# --- the harness: SessionStart and who may claim ------------------------------------------------


def event(ws: Path, **fields: object) -> bytes:
    base: dict[str, object] = {"session_id": "s", "cwd": str(ws)}
    base.update(fields)
    return json.dumps(base).encode()


def test_session_start_tells_agent_and_person(workspace: Path) -> None:
    proc = run_cli(
        workspace,
        "hook",
        "claude",
        input=event(workspace, hook_event_name="SessionStart", source="startup"),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "commit" in out["hookSpecificOutput"]["additionalContext"]
    assert out["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert "doctor --fix" in out["systemMessage"]
    assert run_cli(workspace, "install").returncode == 0
    quiet = run_cli(
        workspace, "hook", "claude", input=event(workspace, hook_event_name="SessionStart")
    )
    assert quiet.returncode == 0 and quiet.stdout == ""


def pre_tool(ws: Path, tool: str, tool_input: dict[str, object], agent: str) -> str | None:
    proc = run_cli(
        ws,
        "hook",
        "claude",
        input=event(
            ws,
            hook_event_name="PreToolUse",
            tool_name=tool,
            tool_input=tool_input,
            agent_type=agent,
            agent_id="x",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    return str(json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"])


def test_a_subagent_may_not_claim_for_another(workspace: Path) -> None:
    for command in (
        f"workspace-guard claim app/models/order.py --agent {B}",
        f"cd app && workspace-guard release --all --agent={B}",
        f"WORKSPACE_AGENT={B} workspace-guard claim README.md",
        f"true; env WORKSPACE_AGENT={B} /venv/bin/workspace-guard consult README.md",
    ):
        reason = pre_tool(workspace, "Bash", {"command": command}, A)
        assert reason is not None and B in reason and A in reason, command
    for command in (
        f"workspace-guard claim app/models/order.py --agent {A}",
        "workspace-guard claims",
        f"workspace-guard validate {B} README.md",
    ):
        assert pre_tool(workspace, "Bash", {"command": command}, A) is None, command


def test_mcp_calls_act_only_for_the_caller(workspace: Path) -> None:
    tool = "mcp__workspace-guard__claim"
    assert pre_tool(workspace, tool, {"agent": B, "paths": ["README.md"]}, A) is not None
    assert pre_tool(workspace, tool, {"agent": A, "paths": ["README.md"]}, A) is None
    assert pre_tool(workspace, tool, {"paths": ["README.md"]}, A) is not None
    read_only = "mcp__workspace-guard__validate"
    assert pre_tool(workspace, read_only, {"agent": B, "paths": ["README.md"]}, A) is None


def test_shared_repository_needs_both_server_hooks(workspace: Path, tmp_path: Path) -> None:
    """`install --server` writes pre-receive and reference-transaction (ATTACK F88); doctor asks
    for both, and finds a remote given as a path relative to the clone."""
    assert run_cli(workspace, "install").returncode == 0
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(workspace, "remote", "add", "origin", os.path.relpath(bare, workspace))
    assert run_cli(workspace, "install", "--server", str(bare)).returncode == 0
    assert doctor(workspace)[0] == 0
    (bare / "hooks" / "reference-transaction").unlink()
    code, data = doctor(workspace)
    assert code == 1
    assert any("reference-transaction" in c["detail"] for c in failing(data))


def test_a_clone_of_a_same_machine_checkout_is_not_asked_for_pre_receive(
    workspace: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(workspace), str(clone))
    git(clone, "remote", "add", "dotgit", str(workspace / ".git"))
    assert run_cli(clone, "install").returncode == 0
    _code, data = doctor(clone)
    assert not [c for c in failing(data) if c["layer"] == "push"]
    push = [c for c in data["checks"] if c["layer"] == "push"]
    assert push and all("install --server" in c["detail"] for c in push)

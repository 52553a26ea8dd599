"""The repository that judges a call is found from the path written, not from the event's cwd:
a cwd outside the repository, a nested repository made in an office, a sibling `git worktree`,
and a repository git cannot read (fail closed). Real git, the hook as a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli

OWNER = "system-architect-ai"  # owns app/main.py
OTHER = "backend-framework-ai"  # its office: .workspace/departments/backend/backend-framework-ai/
STRANGER = "security-backend-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"


def event(cwd: Path, tool: str, tool_input: dict[str, str], agent: str = OTHER) -> bytes:
    return json.dumps(
        {
            "session_id": "s",
            "cwd": str(cwd),
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": tool_input,
            "agent_id": "a1",
            "agent_type": agent,
        }
    ).encode()


def answer(cwd: Path, tool: str, tool_input: dict[str, str], agent: str = OTHER) -> str | None:
    proc = run_cli(cwd, "hook", "claude", input=event(cwd, tool, tool_input, agent))
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny"
    return str(out["permissionDecisionReason"])


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    place = tmp_path / "elsewhere"
    place.mkdir()
    return place


# --- a cwd outside the repository ----------------------------------------------------------------


def test_cwd_outside_the_repository(ws: Path, outside: Path) -> None:
    main = str(ws / "app/main.py")
    assert answer(outside, "Edit", {"file_path": main}) is not None
    assert answer(outside, "Write", {"file_path": main, "content": "x"}) is not None
    assert answer(outside, "Bash", {"command": f"sed -i s/a/b/ {main}"}) is not None
    assert answer(outside, "Bash", {"command": f"echo x > {main}"}) is not None
    assert answer(outside, "Bash", {"command": f"rm -rf {ws}/app"}) is not None
    assert answer(outside, "Bash", {"command": f"cd {ws} && echo x > app/main.py"}) is not None
    assert answer(outside, "Edit", {"file_path": main}, agent=OWNER) is None
    assert answer(outside, "Edit", {"file_path": str(ws / "app/models/order.py")}) is None
    # not in any repository: none of our business
    assert answer(outside, "Write", {"file_path": str(outside / "x.txt")}) is None
    assert answer(outside, "Bash", {"command": "echo x > notes.txt"}) is None


def test_denial_from_outside_is_audited_in_the_repository(ws: Path, outside: Path) -> None:
    answer(outside, "Edit", {"file_path": str(ws / "docker-compose.yml")})
    records = json.loads(run_cli(ws, "audit", "--format", "json").stdout)
    assert records[-1]["path"] == "docker-compose.yml" and records[-1]["action"] == "denied"


# --- a nested repository made in an office ---------------------------------------------------------


@pytest.fixture
def nested(ws: Path) -> Path:
    """`git init` inside OTHER's office, with a commit of its own."""
    inner = ws / OFFICE / "scratch"
    inner.mkdir(parents=True)
    git(inner, "init", "-q", "-b", "main")
    (inner / "tool.py").write_text("print(1)\n")
    git(inner, "add", "-A")
    git(inner, "commit", "-q", "-m", "scratch")
    return inner


def test_nested_repository_cannot_reach_the_outer_files(ws: Path, nested: Path) -> None:
    up = "../../../../../"
    assert (nested / up / "app/main.py").resolve() == (ws / "app/main.py").resolve()
    assert answer(nested, "Edit", {"file_path": up + "app/main.py"}) is not None
    assert answer(nested, "Edit", {"file_path": str(ws / "app/main.py")}) is not None
    assert answer(nested, "Bash", {"command": f"echo x > {up}app/main.py"}) is not None
    assert answer(nested, "Bash", {"command": f"sed -i s/a/b/ {up}docker-compose.yml"}) is not None
    assert answer(nested, "Bash", {"command": f"cd {up} && rm -rf app"}) is not None
    assert answer(nested, "Edit", {"file_path": up + "app/main.py"}, agent=OWNER) is None


def test_nested_repository_files_are_the_outer_office_files(ws: Path, nested: Path) -> None:
    assert answer(nested, "Edit", {"file_path": "tool.py"}) is None  # the office's own agent
    assert answer(nested, "Bash", {"command": "echo y > tool.py"}) is None
    reason = answer(nested, "Edit", {"file_path": "tool.py"}, agent=STRANGER)
    assert reason is not None and OTHER in reason and "scratch/tool.py" in reason
    reason = answer(ws, "Edit", {"file_path": str(nested / "tool.py")}, agent=STRANGER)
    assert reason is not None
    assert answer(nested, "Bash", {"command": "echo y > tool.py"}, agent=STRANGER) is not None


def test_a_worktree_inside_the_repository_judges_its_own_paths(ws: Path) -> None:
    """Worktree-isolated subagents work in a worktree below the root: its `app/main.py` is
    `app/main.py`, not a file under `.claude/`."""
    inner = ws / ".claude/worktrees/agent-1"
    git(ws, "worktree", "add", "-q", "-b", "agent-1", str(inner))
    assert answer(inner, "Edit", {"file_path": "app/models/order.py"}) is None
    reason = answer(inner, "Edit", {"file_path": "app/main.py"})
    assert reason is not None and OWNER in reason
    assert answer(inner, "Edit", {"file_path": "app/main.py"}, agent=OWNER) is None


# --- a sibling worktree of the same repository ----------------------------------------------------


@pytest.fixture
def sibling(ws: Path) -> Path:
    place = ws.parent / "ws-side"
    git(ws, "worktree", "add", "-q", "-b", "side", str(place))
    return place


def test_sibling_worktree_is_protected_with_the_same_rules(ws: Path, sibling: Path) -> None:
    main = sibling / "app/main.py"
    for cwd in (ws, sibling, ws.parent):
        assert answer(cwd, "Edit", {"file_path": str(main)}) is not None
        assert answer(cwd, "Bash", {"command": f"sed -i s/a/b/ {main}"}) is not None
        assert answer(cwd, "Edit", {"file_path": str(main)}, agent=OWNER) is None
        assert answer(cwd, "Edit", {"file_path": str(sibling / "app/models/order.py")}) is None
    assert answer(ws, "Bash", {"command": "echo x > ../ws-side/app/main.py"}) is not None
    assert answer(ws, "Bash", {"command": "cp app/models/order.py ../ws-side/app/main.py"})


def test_sibling_worktree_cannot_loosen_the_rules(ws: Path, sibling: Path) -> None:
    """The sibling's branch un-protects app/main.py in its own rules: a call from the main
    worktree still judges the sibling's file with the main worktree's rules."""
    rules = sibling / ".workspace/rules.yaml"
    rules.write_text(rules.read_text().replace("pattern: /app/main.py", "pattern: /nothing.py"))
    git(sibling, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-am", "loosen")
    assert answer(ws, "Edit", {"file_path": str(sibling / "app/main.py")}) is not None


# --- discovery errors fail closed -------------------------------------------------------------------


def test_unreadable_repository_blocks(ws: Path, outside: Path) -> None:
    (ws / ".git/HEAD").write_text("garbage\n")
    for cwd in (ws, outside):
        proc = run_cli(
            cwd, "hook", "claude", input=event(cwd, "Edit", {"file_path": str(ws / "app/main.py")})
        )
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "fails closed" in proc.stderr


def test_broken_gitfile_blocks(ws: Path, outside: Path) -> None:
    broken = outside / "broken"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nonexistent/place\n")
    (broken / ".workspace").mkdir()
    (broken / ".workspace/rules.yaml").write_text((ws / ".workspace/rules.yaml").read_text())
    proc = run_cli(
        outside,
        "hook",
        "claude",
        input=event(outside, "Write", {"file_path": str(broken / "x.py")}),
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr


# --- the after-tool event records where the gate judged ----------------------------------------


def _after(cwd: Path, path: Path, agent: str) -> None:
    data = json.loads(event(cwd, "Write", {"file_path": str(path), "content": "x"}, agent))
    data["hook_event_name"] = "PostToolUse"
    proc = run_cli(cwd, "hook", "claude", input=json.dumps(data).encode())
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_writes_from_outside_and_in_a_sibling_are_in_the_ledger(
    ws: Path, outside: Path, sibling: Path
) -> None:
    from workspace_guard.state import ledger

    state = str(ws / ".git/workspace-guard")
    for target in (ws / "app/main.py", sibling / "app/main.py"):
        target.write_text("changed by the owner\n")
        _after(outside, target, OWNER)
    writes = [r for r in ledger.read(state) if r.get("kind") == "write"]
    assert [r["path"] for r in writes] == ["app/main.py", "app/main.py"]
    assert all(r["agent"] == OWNER for r in writes)


def test_office_write_in_a_nested_repository_is_in_the_outer_ledger(ws: Path, nested: Path) -> None:
    from workspace_guard.state import ledger

    (nested / "tool.py").write_text("print(2)\n")
    _after(nested, nested / "tool.py", OTHER)
    writes = [r for r in ledger.read(str(ws / ".git/workspace-guard")) if r.get("kind") == "write"]
    assert [r["path"] for r in writes] == [f"{OFFICE}/scratch/tool.py"]
    assert not (nested / ".git/workspace-guard/ledger.jsonl").exists()


def test_an_ungoverned_repository_elsewhere_is_not_ours(ws: Path, outside: Path) -> None:
    """A write into another repository without the protocol (a dotfiles repository, another
    clone) from inside the workspace is none of the gate's business."""
    other = outside / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    assert answer(ws, "Write", {"file_path": str(other / "app/main.py"), "content": "x"}) is None
    assert answer(ws, "Bash", {"command": f"echo x > {other}/app/main.py"}) is None
    assert answer(ws, "Edit", {"file_path": str(ws / "app/main.py")}) is not None

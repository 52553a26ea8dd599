"""No agent approves its own write, in every layer (the rule the commit gate always applied).

A backup of a critical rule may approve *other* agents' changes under it; approving its own is
what the protocol calls no approval at all. So `approve A … --by A` is refused and audited,
`consult answer` by the asker is refused, and a self-approval that is nevertheless in the ledger
(written by an earlier version) grants nothing to `validate`, the harness gate, the MCP
`validate` tool or `--approved-by`. A superuser needs no approval, so nothing changes for one.
Real processes: the CLI at a terminal, the hook as Claude Code calls it, the harness's shell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, run_tty
from helpers.harness import denied, harness_shell, pre_tool
from helpers.provenance import ledger

DB = "app/database.py"  # critical, owner database-architect-ai, backup backend-framework-ai
DB_OWNER = "database-architect-ai"
DB_BACKUP = "backend-framework-ai"
MAIN = "app/main.py"  # critical, owner system-architect-ai, backup solution-architect-ai
MAIN_BACKUP = "solution-architect-ai"
API = "app/api/v1/orders.py"  # high, owner api-architect-ai, backup backend-framework-ai
SUPER = "master-orchestrator"


def approvals(ws: Path) -> list[dict[str, object]]:
    return [r for r in ledger(ws) if r.get("kind") == "approval"]


def audit(ws: Path) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(run_cli(ws, "audit", "--format", "json").stdout)
    return data


def forge_self_approval(ws: Path, agent: str, path: str) -> None:
    """A self-approval in the hash-chained ledger, as an earlier version recorded it."""
    from workspace_guard.state.approvals import record

    item = {"kind": "approval", "agent": agent, "approved": agent, "paths": [path]}
    assert record(str(ws / ".git/workspace-guard"), [{**item, "until": None, "id": "f00d"}])


@pytest.mark.parametrize(
    ("agent", "path"), [(DB_BACKUP, DB), (MAIN_BACKUP, MAIN), (DB_BACKUP, API)]
)
def test_approve_by_oneself_is_refused_and_audited(workspace: Path, agent: str, path: str) -> None:
    proc = run_tty(workspace, "approve", agent, path, "--by", agent)
    assert proc.returncode == 1, proc.stdout
    assert "its own" in proc.stderr and "Traceback" not in proc.stderr
    assert approvals(workspace) == []
    [refusal] = [r for r in audit(workspace) if r.get("action") == "refused"]
    assert refusal["layer"] == "approvals" and refusal["agent"] == agent
    assert refusal["approved_by"] == agent and refusal["path"] == path
    assert run_cli(workspace, "validate", agent, path).returncode == 1


def test_a_directory_spelling_is_refused_too(workspace: Path) -> None:
    for spelling in ("app/api/v1/", "./app/api/v1/../v1/orders.py", "app//api/v1/orders.py"):
        proc = run_tty(workspace, "approve", DB_BACKUP, spelling, "--by", DB_BACKUP)
        assert proc.returncode == 1 and "its own" in proc.stderr, spelling
    assert approvals(workspace) == []


def test_a_backup_still_approves_another_agent(workspace: Path) -> None:
    proc = run_tty(workspace, "approve", "react-specialist-ai", DB, "--by", DB_BACKUP)
    assert proc.returncode == 0, proc.stderr
    assert run_cli(workspace, "validate", "react-specialist-ai", DB).returncode == 0


def test_a_superuser_approving_itself_changes_nothing(workspace: Path) -> None:
    proc = run_tty(workspace, "approve", SUPER, DB, "--by", SUPER)
    assert proc.returncode == 0, proc.stderr
    assert run_cli(workspace, "validate", SUPER, DB).returncode == 0


def test_approve_through_the_harness_shell_is_refused(workspace: Path) -> None:
    command = f"workspace-guard approve {DB_BACKUP} {DB} --by {DB_BACKUP}"
    pre_tool(workspace, "Bash", {"command": command}, DB_BACKUP)
    proc = harness_shell(workspace, command)
    assert proc.returncode == 1 and approvals(workspace) == []


def test_a_self_approval_in_the_ledger_grants_nothing(workspace: Path) -> None:
    forge_self_approval(workspace, DB_BACKUP, DB)
    forge_self_approval(workspace, DB_BACKUP, "app/")
    assert len(approvals(workspace)) == 2
    out = json.loads(run_cli(workspace, "validate", DB_BACKUP, DB, "--format", "json").stdout)
    assert out["results"][0]["reason"] == "protected"
    why = denied(pre_tool(workspace, "Write", {"file_path": str(workspace / DB)}, DB_BACKUP))
    assert why is not None and DB_OWNER in why
    edit = {"file_path": str(workspace / API), "old_string": "a", "new_string": "b"}
    assert denied(pre_tool(workspace, "Edit", edit, DB_BACKUP)) is not None
    bash = {"command": f"echo x > {DB}"}
    assert denied(pre_tool(workspace, "Bash", bash, DB_BACKUP)) is not None


def test_approved_by_oneself_on_the_command_line_grants_nothing(workspace: Path) -> None:
    for prog in ("workspace-guard", "agent_workspace_validator"):
        args = ("validate",) if prog == "workspace-guard" else ()
        proc = run_cli(workspace, *args, DB_BACKUP, DB, "--approved-by", DB_BACKUP, prog=prog)
        assert proc.returncode == 1, (prog, proc.stdout)
    other = run_cli(workspace, "validate", DB_BACKUP, DB, "--approved-by", DB_OWNER)
    assert other.returncode in (0, 1)  # whatever it says of others, never an error


def test_the_asker_cannot_answer_its_own_consultation(workspace: Path) -> None:
    out = run_tty(workspace, "consult", API, "--agent", DB_BACKUP)
    assert out.returncode == 0, out.stderr
    ident = out.stdout.split()[0]
    proc = run_tty(workspace, "consult", "answer", ident, "--approve", "--by", DB_BACKUP)
    assert proc.returncode == 1 and "its own" in proc.stderr, proc.stderr
    assert approvals(workspace) == []
    assert any(r.get("action") == "refused" for r in audit(workspace))
    assert run_cli(workspace, "validate", DB_BACKUP, API).returncode == 1

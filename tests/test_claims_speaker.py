"""ATTACK F19b: `claim`/`release` believe `--agent` / WORKSPACE_AGENT only when that agent is the
one speaking, as `approve --by` does (commands/speaker): the harness gate saw it run this very
command (an `authorise` record, spent once), or a person types it at a terminal. Code the gate
cannot read — a script an agent wrote and runs — releasing or claiming for another agent is
refused and audited. Real `workspace-guard hook claude` processes, real CLI processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import BIN, run_cli, run_tty
from helpers.harness import claude_event, denied, harness_shell, hook
from helpers.provenance import ledger

A = "backend-framework-ai"
OWNER = "system-architect-ai"
FILE = "README.md"


def audit(ws: Path) -> list[dict[str, object]]:
    path = ws / ".git/workspace-guard/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def pre_tool(ws: Path, command: str, agent: str) -> str | None:
    return denied(hook(ws, "claude", claude_event(ws, "Bash", {"command": command}, agent)))


def holders(ws: Path) -> list[str]:
    proc = run_cli(ws, "claims", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return [str(c["agent"]) for c in json.loads(proc.stdout)]


def edit_denied(ws: Path, agent: str) -> str | None:
    tool_input = {"file_path": str(ws / FILE), "old_string": "a", "new_string": "b"}
    return denied(hook(ws, "claude", claude_event(ws, "Edit", tool_input, agent)))


def owners_claim(ws: Path) -> None:
    proc = run_tty(ws, "claim", FILE, "--agent", OWNER)
    assert proc.returncode == 0, proc.stderr
    assert holders(ws) == [OWNER]


def test_the_claim_the_gate_saw_the_agent_run_is_made_once(workspace: Path) -> None:
    command = f"workspace-guard claim {FILE} --agent {OWNER} --ttl 10m"
    assert pre_tool(workspace, command, OWNER) is None
    [authorise] = [r for r in ledger(workspace) if r["kind"] == "authorise"]
    assert authorise["agent"] == OWNER and authorise["by"] == [OWNER]
    assert authorise["command"] == command
    run = harness_shell(workspace, command)
    assert run.returncode == 0, run.stderr
    assert holders(workspace) == [OWNER]
    [spoken] = [r for r in ledger(workspace) if r["kind"] == "spoken"]
    assert spoken["agent"] == OWNER and spoken["authorised"] == authorise["seq"]
    assert spoken["tool"] == "claim"
    again = harness_shell(workspace, f"workspace-guard release {FILE} --agent {OWNER}")
    assert again.returncode == 1, again.stdout  # an authorisation is for its command, once
    assert "nothing shows" in again.stderr
    assert holders(workspace) == [OWNER]
    release = f"workspace-guard release {FILE} --agent {OWNER}"
    assert pre_tool(workspace, release, OWNER) is None
    assert harness_shell(workspace, release).returncode == 0
    assert holders(workspace) == []


def test_a_self_claim_with_the_variable_as_prefix(workspace: Path) -> None:
    command = f"WORKSPACE_AGENT={A} workspace-guard claim {FILE}"
    assert pre_tool(workspace, command, A) is None
    run = harness_shell(workspace, command)
    assert run.returncode == 0, run.stderr
    assert holders(workspace) == [A]


def test_a_script_releasing_the_owners_claim_is_refused_and_audited(
    workspace: Path, tmp_path: Path
) -> None:
    owners_claim(workspace)
    script = tmp_path / "x.py"
    script.write_text(
        "import subprocess, sys\n"
        f"sys.exit(subprocess.call([{str(BIN / 'workspace-guard')!r}, 'release', {FILE!r},"
        f" '--agent', {OWNER!r}]))\n"
    )
    run = harness_shell(workspace, f"{sys.executable} {script}")  # the gate sees `python3 x.py`
    assert run.returncode == 1, run.stdout
    assert f"nothing shows {OWNER} is speaking" in run.stderr
    assert "CLAUDECODE" in run.stderr
    assert holders(workspace) == [OWNER]
    [record] = [r for r in audit(workspace) if r.get("layer") == "identity"]
    assert record["action"] == "denied" and record["claimed_by"] == OWNER
    assert record["command"] == "`release --agent`"
    reason = edit_denied(workspace, A)
    assert reason is not None and OWNER in reason


def test_a_script_without_harness_variables_or_terminal_is_refused(workspace: Path) -> None:
    owners_claim(workspace)
    clean = {k: v for k, v in os.environ.items() if k not in ("CLAUDECODE", "WORKSPACE_AGENT")}
    for args in (["release", "--all", "--agent", OWNER], ["claim", "app/main.py"]):
        proc = subprocess.run(
            [str(BIN / "workspace-guard"), *args],
            cwd=workspace,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**clean, "WORKSPACE_AGENT": OWNER} if "claim" in args else clean,
            check=False,
        )
        assert proc.returncode == 1, proc.stdout
        assert "stdin is not a terminal" in proc.stderr or "WORKSPACE_AGENT" in proc.stderr
    assert holders(workspace) == [OWNER]
    assert len([r for r in audit(workspace) if r.get("layer") == "identity"]) == 2


def test_another_agents_authorisation_does_not_speak_for_the_owner(workspace: Path) -> None:
    owners_claim(workspace)
    mine = f"workspace-guard release {FILE} --agent {A}"
    assert pre_tool(workspace, mine, A) is None  # A releasing its own: allowed, authorised
    forged = harness_shell(workspace, f"workspace-guard release {FILE} --agent {OWNER}")
    assert forged.returncode == 1
    assert holders(workspace) == [OWNER]
    naming = f"workspace-guard release {FILE} --agent {OWNER}"
    reason = pre_tool(workspace, naming, A)
    assert reason is not None and A in reason
    assert [r["agent"] for r in ledger(workspace) if r["kind"] == "authorise"] == [A]


def test_a_person_at_a_terminal_claims_and_releases(workspace: Path) -> None:
    owners_claim(workspace)
    assert edit_denied(workspace, A) is not None
    proc = run_tty(workspace, "release", FILE, "--agent", OWNER)
    assert proc.returncode == 0, proc.stderr
    assert holders(workspace) == []
    assert edit_denied(workspace, A) is None
    assert not [r for r in ledger(workspace) if r["kind"] == "spoken"]  # no harness spent


def test_a_terminal_with_a_harness_in_the_environment_is_not_a_person(workspace: Path) -> None:
    proc = run_tty(workspace, "claim", FILE, "--agent", OWNER, env={"CLAUDECODE": "1"})
    assert proc.returncode == 1 and "CLAUDECODE" in proc.stderr
    assert holders(workspace) == []

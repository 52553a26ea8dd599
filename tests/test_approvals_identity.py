"""Approvals by identity: recorded only by the approver (its harness, or a person at a terminal),
kept in the provenance ledger; a hand-written approvals.json grants nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import BIN, git, run_cli, run_tty
from helpers.harness import harness_shell
from helpers.provenance import event, hook, ledger

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
MAIN = "app/main.py"
API_OWNER = "api-architect-ai"
ASKER = "react-specialist-ai"
API = "app/api/v1/orders.py"


def audit(ws: Path) -> list[dict[str, object]]:
    path = ws / ".git/workspace-guard/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def allowed(ws: Path, agent: str, path: str) -> bool:
    return run_cli(ws, "validate", agent, path).returncode == 0


def forge(ws: Path, agent: str, path: str, approver: str) -> None:
    state = ws / ".git/workspace-guard"
    state.mkdir(exist_ok=True)
    item = {"id": "f00d", "agent": agent, "path": path, "approver": approver, "until": None}
    (state / "approvals.json").write_text(json.dumps([item]))


def test_approve_for_someone_else_from_a_script_is_denied_and_audited(workspace: Path) -> None:
    proc = run_cli(workspace, "approve", OTHER, MAIN, "--by", OWNER)
    assert proc.returncode == 1
    assert f"nothing shows {OWNER} is speaking" in proc.stderr
    assert not allowed(workspace, OTHER, MAIN)
    [record] = [
        r for r in audit(workspace) if r.get("action") == "denied" and r["layer"] == "approvals"
    ]
    assert record["layer"] == "approvals" and record["claimed_by"] == OWNER


def test_a_terminal_with_a_harness_in_the_environment_is_not_a_person(workspace: Path) -> None:
    proc = run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER, env={"CLAUDECODE": "1"})
    assert proc.returncode == 1 and "CLAUDECODE" in proc.stderr


def test_a_person_at_a_terminal_records_it_in_the_ledger(workspace: Path) -> None:
    proc = run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER, "--ttl", "1h")
    assert proc.returncode == 0, proc.stderr
    [record] = [r for r in ledger(workspace) if r["kind"] == "approval"]
    assert record["agent"] == OWNER and record["approved"] == OTHER
    assert record["paths"] == [MAIN] and record["via"] == "terminal"
    assert not (workspace / ".git/workspace-guard/approvals.json").exists()
    assert allowed(workspace, OTHER, MAIN)


def test_the_approver_itself_through_its_harness(workspace: Path) -> None:
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    pre = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, OWNER))
    assert not pre.stdout.strip(), pre.stdout
    [authorise] = [r for r in ledger(workspace) if r["kind"] == "authorise"]
    assert authorise["agent"] == OWNER and authorise["by"] == [OWNER]
    shell = {"CLAUDECODE": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    run = harness_shell(workspace, command)
    assert run.returncode == 0, run.stderr
    [approval] = [r for r in ledger(workspace) if r["kind"] == "approval"]
    assert approval["via"] == "harness" and approval["authorised"] == authorise["seq"]
    assert allowed(workspace, OTHER, MAIN)
    again = run_cli(workspace, "approve", OTHER, MAIN, "--by", OWNER, env=shell)
    assert again.returncode == 1  # the harness's authorisation is used once


def test_another_agent_naming_the_owner_is_denied_by_the_harness_and_the_command(
    workspace: Path,
) -> None:
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    pre = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, OTHER))
    assert '"deny"' in pre.stdout
    assert not [r for r in ledger(workspace) if r["kind"] == "authorise"]
    wrapped = run_cli(workspace, "approve", OTHER, MAIN, "--by", OWNER, env={"CLAUDECODE": "1"})
    assert wrapped.returncode == 1
    assert not allowed(workspace, OTHER, MAIN)


def test_a_forged_approvals_json_is_ignored_by_validate_and_the_harness(workspace: Path) -> None:
    forge(workspace, OTHER, MAIN, OWNER)
    assert not allowed(workspace, OTHER, MAIN)
    tool_input = {"file_path": str(workspace / MAIN), "content": "x"}
    pre = hook(workspace, event(workspace, "PreToolUse", "Write", tool_input, OTHER))
    assert '"deny"' in pre.stdout


def test_a_forged_approvals_json_is_ignored_by_the_commit_hooks(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    (workspace / "app/api/v1").mkdir(parents=True, exist_ok=True)
    (workspace / API).write_text("orders = []\n")
    git(workspace, "add", API)
    text = (
        "feat(api): orders\n\nWorkspace-Check: ✅ Consultado\n"
        f"Archivo: {API}\nAgente: {ASKER}\nProtocolo: SEGUIDO\nTests: PASSED\n"
    )

    def commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-q", "-F", "-"],
            cwd=workspace,
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )

    forge(workspace, ASKER, API, API_OWNER)
    refused = commit()
    assert refused.returncode == 1 and "[protocol-insufficient]" in refused.stderr
    assert "commit refused" in refused.stderr  # by commit-msg, before any branch moves
    assert run_tty(workspace, "approve", ASKER, API, "--by", API_OWNER).returncode == 0
    staged = subprocess.run(
        [str(BIN / "workspace-guard"), "check-msg",
         "--staged", "/dev/stdin"],
        cwd=workspace, input=text, capture_output=True, text=True, check=False,
    )  # fmt: skip
    # a recorded approval waives no trailer (the server knows no ledger): it says which to write
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert f"records an approval by {API_OWNER}" in staged.stdout
    assert f"`Aprobado-por: {API_OWNER}`" in staged.stdout
    approved = text.replace("SEGUIDO", f"APROBACIÓN_OBTENIDA\nAprobado-por: {API_OWNER}")
    ok = subprocess.run(
        [str(BIN / "workspace-guard"), "check-msg", "--staged", "/dev/stdin"],
        cwd=workspace, input=approved, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_revoke_takes_it_back(workspace: Path) -> None:
    assert run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER).returncode == 0
    listed = json.loads(run_cli(workspace, "approvals", "--format", "json").stdout)
    assert [a["approver"] for a in listed] == [OWNER]
    assert run_cli(workspace, "approvals", "revoke", listed[0]["id"]).returncode == 0
    assert not allowed(workspace, OTHER, MAIN)
    assert run_cli(workspace, "approvals", "revoke", "nope").returncode == 1


def test_an_absurd_ttl_is_a_usage_error(workspace: Path) -> None:
    proc = run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER, "--ttl", "999999999999d")
    assert proc.returncode == 2 and "--ttl" in proc.stderr and "Traceback" not in proc.stderr
    answer = run_tty(workspace, "consult", "answer", "x", "--approve", "--by", OWNER, "--ttl", "0d")
    assert answer.returncode == 2


def test_an_edited_ledger_line_grants_nothing(workspace: Path) -> None:
    assert run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER).returncode == 0
    path = workspace / ".git/workspace-guard/ledger.jsonl"
    record = json.loads(path.read_text())
    record["approved"] = ASKER  # re-aimed at another agent by hand
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n")
    assert not allowed(workspace, ASKER, MAIN)
    assert not allowed(workspace, OTHER, MAIN)


def test_a_terminal_under_a_harness_process_is_not_a_person(workspace: Path) -> None:
    """A pseudo-terminal allocated under the harness's shell, with every harness variable
    cleared, is still not a person: an ancestor's environment names the harness (`script`,
    `pty.spawn`, `unbuffer` and tmux all leave the harness's shell above the command)."""
    approve = f"{BIN}/workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    for cleared in ("env -u CLAUDECODE -u CLAUDE_CODE_ENTRYPOINT", "env -i PATH=/usr/bin:/bin"):
        script = f"import pty, sys\nsys.exit(pty.spawn(['sh', '-c', '{cleared} {approve}']) >> 8)\n"
        run = harness_shell(workspace, f'{sys.executable} -c "{script}"')
        assert run.returncode != 0, run.stdout
        assert "runs under a harness" in run.stdout + run.stderr, run.stdout + run.stderr
    assert not [r for r in ledger(workspace) if r["kind"] == "approval"]
    assert not allowed(workspace, OTHER, MAIN)

"""`consult`: advice the commit hook accepts, requests only where one is needed, and answers."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, run_tty

OWNER = "system-architect-ai"  # app/main.py: critical, backup solution-architect-ai
BACKUP = "solution-architect-ai"
OTHER = "backend-framework-ai"
API_OWNER = "api-architect-ai"  # /app/api/: high, backup backend-framework-ai
ASKER = "react-specialist-ai"
MAIN = "app/main.py"
API = "app/api/v1/orders.py"


def listed(ws: Path) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(
        run_cli(ws, "consultations", "--format", "json").stdout
    )
    return data


def consult(ws: Path, path: str, agent: str) -> str:
    proc = run_tty(ws, "consult", path, "--agent", agent)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_critical_file_is_never_advised_consulta_previa(workspace: Path) -> None:
    out = consult(workspace, MAIN, OTHER)
    assert "CONSULTA_PREVIA" not in out
    assert "APROBACIÓN_OBTENIDA" in out and f"Aprobado-por: {OWNER}" in out


def test_a_high_file_is_advised_consulta_previa(workspace: Path) -> None:
    out = consult(workspace, API, ASKER)
    assert "Protocolo: CONSULTA_PREVIA" in out and f"asks {API_OWNER}, {OTHER}" in out


def test_a_backup_is_sent_to_the_owner_not_to_itself(workspace: Path) -> None:
    out = consult(workspace, MAIN, BACKUP)
    assert f"asks {OWNER} about" in out
    [item] = listed(workspace)
    assert item["owners"] == [OWNER]
    assert f"--by {OWNER}" in out


def test_an_agents_own_consultation_is_filed_by_the_agent(workspace: Path) -> None:
    consult(workspace, API, ASKER)
    [item] = listed(workspace)
    assert item["filed_by"] == ASKER and item["agent"] == ASKER
    assert "filed by workspace-guard" not in run_cli(workspace, "consultations").stdout


def test_nothing_is_filed_where_no_consultation_is_needed(workspace: Path) -> None:
    assert "no consultation needed" in consult(workspace, "README.md", OTHER)
    assert "no consultation needed" in consult(workspace, MAIN, OWNER)
    office = ".workspace/departments/backend/backend-framework-ai/notes.md"
    assert "no consultation needed" in consult(workspace, office, OTHER)
    assert "no consultation needed" in consult(workspace, MAIN, "master-orchestrator")
    assert listed(workspace) == []


def test_an_approved_path_needs_no_consultation(workspace: Path) -> None:
    assert run_tty(workspace, "approve", OTHER, MAIN, "--by", OWNER).returncode == 0
    out = consult(workspace, MAIN, OTHER)
    assert "already approved by" in out and listed(workspace) == []


def test_the_owner_answers_approve(workspace: Path) -> None:
    ident = consult(workspace, API, ASKER).split()[0]
    assert run_cli(workspace, "validate", ASKER, API).returncode == 1
    proc = run_tty(workspace, "consult", "answer", ident, "--approve", "--by", API_OWNER)
    assert proc.returncode == 0, proc.stderr
    assert run_cli(workspace, "validate", ASKER, API).returncode == 0
    [item] = listed(workspace)
    assert item["answer"] == "approve" and item["answered_by"] == API_OWNER
    text = run_cli(workspace, "consultations").stdout
    assert f"[approve by {API_OWNER}]" in text


def test_the_owner_answers_decline(workspace: Path) -> None:
    ident = consult(workspace, API, ASKER).split()[0]
    proc = run_tty(workspace, "consult", "answer", ident, "--decline", "--by", API_OWNER)
    assert proc.returncode == 0, proc.stderr
    assert "declined" in proc.stdout
    assert run_cli(workspace, "validate", ASKER, API).returncode == 1
    assert listed(workspace)[0]["answer"] == "decline"


def test_answers_by_identity(workspace: Path) -> None:
    ident = consult(workspace, API, ASKER).split()[0]
    script = run_cli(workspace, "consult", "answer", ident, "--approve", "--by", API_OWNER)
    assert script.returncode == 1 and "is speaking" in script.stderr
    stranger = run_tty(workspace, "consult", "answer", ident, "--approve", "--by", "tdd-specialist")
    assert stranger.returncode == 1 and "may not answer" in stranger.stderr
    assert run_cli(workspace, "validate", ASKER, API).returncode == 1


def test_bad_answers_are_usage_errors(workspace: Path) -> None:
    unknown = run_tty(workspace, "consult", "answer", "nope", "--approve", "--by", API_OWNER)
    assert unknown.returncode == 2 and "no consultation nope" in unknown.stderr
    assert run_cli(workspace, "consult", "answer", "x", "--by", API_OWNER).returncode == 2
    assert run_cli(workspace, "consult", "answer", "x", "--approve").returncode == 2
    assert run_cli(workspace, "consult", MAIN).returncode == 2  # no --agent


def test_the_owner_answers_through_its_harness(workspace: Path) -> None:
    from helpers.harness import harness_shell
    from helpers.provenance import event, hook

    ident = consult(workspace, API, ASKER).split()[0]
    command = f"workspace-guard consult answer {ident} --approve --by {API_OWNER}"
    denied = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, ASKER))
    assert '"deny"' in denied.stdout  # the asker cannot answer for the owner
    pre = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": command}, API_OWNER))
    assert not pre.stdout.strip(), pre.stdout
    run = harness_shell(workspace, command)
    assert run.returncode == 0, run.stderr
    assert run_cli(workspace, "validate", ASKER, API).returncode == 0

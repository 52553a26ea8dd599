"""Identity cross-checked at commit (`harness: require_provenance`): real git, real hooks, and a
ledger written by real `workspace-guard hook claude` PreToolUse/PostToolUse calls."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty
from helpers.provenance import commit, edit, event, hook, message, note

OWNER = "system-architect-ai"  # owns app/main.py (critical)
BACKUP = "solution-architect-ai"
OTHER = "backend-framework-ai"
API_OWNER = "api-architect-ai"  # owns /app/api/ (high)
ASKER = "react-specialist-ai"
SUPER = "master-orchestrator"
MAIN = "app/main.py"
API = "app/api/v1/orders.py"


def audit(ws: Path) -> list[dict[str, object]]:
    path = ws / ".git/workspace-guard/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_owners_own_write_commits_with_a_note_and_an_audit_record(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'owner'\n", OWNER)
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OWNER, MAIN))
    assert proc.returncode == 0, proc.stderr
    data = note(guarded)
    [entry] = data["paths"]  # type: ignore[misc]
    assert entry["path"] == MAIN and entry["agent"] == OWNER and entry["tool"] == "Edit"
    assert entry["blob"] == git(guarded, "rev-parse", f"HEAD:{MAIN}").strip()
    [record] = [r for r in audit(guarded) if r.get("action") == "committed"]
    assert record["claimed"] == OWNER and record["recorded"] == OWNER and record["path"] == MAIN
    assert not list((guarded / ".git/workspace-guard/notes-pending").iterdir())


def test_self_declared_owner_is_refused_naming_the_recorded_writer(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'owner'\n", OWNER)
    git(guarded, "add", MAIN)
    assert commit(guarded, message(OWNER, MAIN)).returncode == 0
    (guarded / MAIN).write_text("app = 'someone else'\n")  # not through the harness
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OWNER, MAIN))
    assert proc.returncode == 1
    assert "[provenance-missing]" in proc.stderr
    assert f"last version of it was written by {OWNER}" in proc.stderr
    assert "Traceback" not in proc.stderr
    [record] = [r for r in audit(guarded) if r.get("action") == "blocked"]
    assert record["layer"] == "commit" and record["path"] == MAIN


def test_a_message_naming_another_agent_than_the_writer(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'owner'\n", OWNER)
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(BACKUP, MAIN, "APROBACIÓN_OBTENIDA", OWNER))
    assert proc.returncode == 1
    assert "[provenance-agent]" in proc.stderr
    assert f"was written by {OWNER}" in proc.stderr


def test_content_changed_after_the_allowed_write(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'v1'\n", OWNER)
    (guarded / MAIN).write_text("app = 'v1 and a bit more'\n")
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OWNER, MAIN))
    assert proc.returncode == 1 and "[provenance-missing]" in proc.stderr
    assert "this content (blob" in proc.stderr


def test_an_approved_agent_commits_and_a_forged_approver_is_refused(guarded: Path) -> None:
    approved = run_tty(guarded, "approve", OTHER, MAIN, "--by", OWNER, "--ttl", "1h")
    assert approved.returncode == 0, approved.stderr
    edit(guarded, MAIN, "app = 'approved'\n", OTHER)
    git(guarded, "add", MAIN)
    forged = commit(guarded, message(OTHER, MAIN, "APROBACIÓN_OBTENIDA", BACKUP))
    assert forged.returncode == 1
    assert "[approval-unrecorded]" in forged.stderr and BACKUP in forged.stderr
    proc = commit(guarded, message(OTHER, MAIN, "APROBACIÓN_OBTENIDA", OWNER))
    assert proc.returncode == 0, proc.stderr
    assert note(guarded)["agent"] == OTHER


def test_aprobado_por_without_any_recorded_approval(guarded: Path) -> None:
    """The approver's name in the message and a hand-written approvals.json grant nothing."""
    state = guarded / ".git/workspace-guard"
    state.mkdir(exist_ok=True)
    forged = [{"id": "f", "agent": OTHER, "path": MAIN, "approver": OWNER, "until": None}]
    (state / "approvals.json").write_text(json.dumps(forged))
    tool_input = {"file_path": str(guarded / MAIN), "content": "x"}
    pre = hook(guarded, event(guarded, "PreToolUse", "Write", tool_input, OTHER))
    assert '"deny"' in pre.stdout  # the harness ignores the forged file
    (guarded / MAIN).write_text("app = 'forged'\n")
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OTHER, MAIN, "APROBACIÓN_OBTENIDA", OWNER))
    assert proc.returncode == 1
    assert "[approval-unrecorded]" in proc.stderr and "[provenance-missing]" in proc.stderr


def test_consulta_previa_needs_a_recorded_consultation(guarded: Path) -> None:
    (guarded / "app/api/v1").mkdir(parents=True, exist_ok=True)
    approved = run_tty(guarded, "approve", ASKER, API, "--by", API_OWNER)
    assert approved.returncode == 0, approved.stderr
    edit(guarded, API, "orders = []\n", ASKER)
    git(guarded, "add", API)
    proc = commit(guarded, message(ASKER, API, "CONSULTA_PREVIA"))
    assert proc.returncode == 1 and "[consultation-unrecorded]" in proc.stderr


def test_consulta_previa_after_a_consultation_answered(guarded: Path) -> None:
    (guarded / "app/api/v1").mkdir(parents=True, exist_ok=True)
    filed = run_tty(guarded, "consult", API, "--agent", ASKER, "--reason", "orders")
    assert filed.returncode == 0, filed.stderr
    ident = filed.stdout.split()[0]
    answered = run_tty(guarded, "consult", "answer", ident, "--approve", "--by", API_OWNER)
    assert answered.returncode == 0, answered.stderr
    edit(guarded, API, "orders = []\n", ASKER)
    git(guarded, "add", API)
    proc = commit(guarded, message(ASKER, API, "CONSULTA_PREVIA"))
    assert proc.returncode == 0, proc.stderr


def test_a_bash_write_is_recorded_and_commits(guarded: Path) -> None:
    command = "printf 'by bash\\n' > app/main.py"
    pre = hook(guarded, event(guarded, "PreToolUse", "Bash", {"command": command}, OWNER))
    assert not pre.stdout.strip()
    subprocess.run(["sh", "-c", command], cwd=guarded, check=True)
    hook(guarded, event(guarded, "PostToolUse", "Bash", {"command": command}, OWNER))
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OWNER, MAIN))
    assert proc.returncode == 0, proc.stderr
    assert note(guarded)["paths"][0]["tool"] == "Bash"  # type: ignore[index]


def test_a_bash_write_claimed_by_another_agent(guarded: Path) -> None:
    command = "printf 'by bash\\n' > app/main.py"
    hook(guarded, event(guarded, "PreToolUse", "Bash", {"command": command}, OWNER))
    subprocess.run(["sh", "-c", command], cwd=guarded, check=True)
    hook(guarded, event(guarded, "PostToolUse", "Bash", {"command": command}, OWNER))
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(OTHER, MAIN, "APROBACIÓN_OBTENIDA", OWNER))
    assert proc.returncode == 1 and f"was written by {OWNER}" in proc.stderr


def test_a_superusers_write(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'super'\n", SUPER)
    git(guarded, "add", MAIN)
    proc = commit(guarded, message(SUPER, MAIN))
    assert proc.returncode == 0, proc.stderr


def test_a_deletion_needs_a_recorded_deletion(guarded: Path) -> None:
    git(guarded, "rm", "-q", MAIN)
    proc = commit(guarded, message(OWNER, MAIN))
    assert proc.returncode == 1 and "deleting it" in proc.stderr


def test_unprotected_paths_need_no_provenance(guarded: Path) -> None:
    (guarded / "README.md").write_text("free\n")
    git(guarded, "add", "README.md")
    proc = commit(guarded, message(OTHER, "README.md"))
    assert proc.returncode == 0, proc.stderr


def test_off_by_default_unchanged_behaviour(workspace: Path) -> None:
    assert run_cli(workspace, "install").returncode == 0
    (workspace / MAIN).write_text("app = 'outside'\n")
    git(workspace, "add", MAIN)
    proc = commit(workspace, message(OWNER, MAIN))
    assert proc.returncode == 0, proc.stderr
    assert git(workspace, "notes", "--ref", "workspace-guard", "list").strip() == ""


def test_the_rules_key_turns_it_on_and_off(workspace: Path) -> None:
    rules = workspace / ".workspace/rules.yaml"
    text = rules.read_text()
    assert "\nharness:\n" in text
    rules.write_text(text.replace("\nharness:\n", "\nharness:\n  require_provenance: true\n"))
    git(workspace, "add", "-A")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: on")
    assert run_cli(workspace, "lint").returncode == 0
    assert run_cli(workspace, "install").returncode == 0
    (workspace / MAIN).write_text("app = 'outside'\n")
    git(workspace, "add", MAIN)
    assert commit(workspace, message(OWNER, MAIN)).returncode == 1
    git(workspace, "reset", "-q", MAIN)
    off = rules.read_text().replace("require_provenance: true", "require_provenance: false")
    rules.write_text(off)
    git(workspace, "add", ".workspace/rules.yaml")
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: off")
    git(workspace, "config", "workspace-guard.requireProvenance", "true")  # the rules win
    (workspace / MAIN).write_text("app = 'outside again'\n")
    git(workspace, "add", MAIN)
    proc = commit(workspace, message(OWNER, MAIN))
    assert proc.returncode == 0, proc.stderr


def test_install_claude_sets_it_and_uninstall_removes_it(workspace: Path) -> None:
    assert run_cli(workspace, "install", "--claude").returncode == 0
    assert git(workspace, "config", "workspace-guard.requireProvenance").strip() == "true"
    assert run_cli(workspace, "uninstall", "--claude").returncode == 0
    assert git(workspace, "config", "workspace-guard.requireProvenance", check=False) == ""


def test_bad_rules_value_is_reported(workspace: Path) -> None:
    rules = workspace / ".workspace/rules.yaml"
    text = rules.read_text().replace("\nharness:\n", "\nharness:\n  require_provenance: maybe\n")
    rules.write_text(text)
    proc = run_cli(workspace, "lint")
    assert proc.returncode in (1, 2) and "require_provenance must be true or false" in (
        proc.stdout + proc.stderr
    )


@pytest.mark.parametrize("agent", [API_OWNER, ASKER])
@pytest.mark.parametrize("required", [True, False])
def test_a_protected_name_that_is_not_utf8_is_refused_and_audited(
    workspace: Path, agent: str, required: bool
) -> None:
    assert run_cli(workspace, "install").returncode == 0
    if required:
        git(workspace, "config", "workspace-guard.requireProvenance", "true")
    folder = workspace / "app/api"
    folder.mkdir(parents=True, exist_ok=True)
    with open(bytes(folder) + b"/caf\xe9.py", "wb") as handle:
        handle.write(b"x = 1\n")
    git(workspace, "add", "-A")
    proc = commit(workspace, message(agent, "app/api/"))
    assert proc.returncode == 1, proc.stderr
    assert "[path-encoding]" in proc.stderr and "caf\\xe9.py" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    [record] = [r for r in audit(workspace) if r.get("layer") == "commit"]
    assert record["action"] == "blocked" and record["path"] == "app/api/caf\\xe9.py"
    assert "path-encoding" in record["violations"]  # type: ignore[operator]


def test_commit_all_and_amend_get_their_notes(guarded: Path) -> None:
    edit(guarded, MAIN, "app = 'a'\n", OWNER)
    proc = subprocess.run(
        ["git", "commit", "-q", "-a", "-F", "-"],
        cwd=guarded,
        input=message(OWNER, MAIN),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert note(guarded)["agent"] == OWNER
    edit(guarded, MAIN, "app = 'b'\n", OWNER)
    git(guarded, "add", MAIN)
    amend = subprocess.run(
        ["git", "commit", "-q", "--amend", "-F", "-"],
        cwd=guarded,
        input=message(OWNER, MAIN),
        capture_output=True,
        text=True,
        check=False,
    )
    assert amend.returncode == 0, amend.stderr
    [entry] = note(guarded)["paths"]  # type: ignore[misc]
    assert entry["blob"] == git(guarded, "rev-parse", f"HEAD:{MAIN}").strip()

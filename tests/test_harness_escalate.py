"""Repeated denials escalate (harness: escalate_after / escalate_window): the gate opens a
consultation to the owner, tells the agent to stop and wait, and audits the escalation; the counts
live in the git common dir and a corrupt count file keeps the gate usable. Real git, real hook."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace, run_cli
from helpers.harness import edit_denied

from workspace_guard.state.approvals import consultation_records

AGENT = "backend-framework-ai"
OWNER = "system-architect-ai"  # app/main.py, backup solution-architect-ai


def rules(extra: str = "") -> str:
    text = EXAMPLE_RULES.read_text()
    assert "harness:\n  main_agent: master-orchestrator\n" in text
    return text.replace(
        "harness:\n  main_agent: master-orchestrator\n",
        "harness:\n  main_agent: master-orchestrator\n" + extra,
    )


def edit(ws: Path, rel: str, agent: str = AGENT) -> str | None:
    reason = edit_denied(ws, rel, agent)
    assert reason is None or len(reason.encode()) <= 4096
    return reason


def consultations(ws: Path) -> list[dict[str, object]]:
    return consultation_records(str(ws / ".git/workspace-guard"))[0]


def escalations(ws: Path) -> list[dict[str, object]]:
    items = json.loads(run_cli(ws, "audit", "--format", "json").stdout)
    return [r for r in items if r.get("escalation")]


@pytest.fixture
def ws2(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", rules("  escalate_after: 2\n  escalate_window: 10m\n"))


def test_second_denial_on_a_rule_escalates(ws2: Path) -> None:
    first = edit(ws2, "app/main.py")
    assert first is not None and "STOP" not in first
    assert consultations(ws2) == []
    second = edit(ws2, "app/main.py")
    assert second is not None and second.index("STOP") < second.index("may not change")
    found = consultations(ws2)
    assert len(found) == 1
    item = found[0]
    assert item["agent"] == AGENT and item["paths"] == ["app/main.py"]
    assert item["owners"] == [OWNER, "solution-architect-ai"]
    assert item["filed_by"] == "workspace-guard"
    assert str(item["id"]) in second and OWNER in second and "master-orchestrator" in second
    (record,) = escalations(ws2)
    assert record["escalate_to"] == "master-orchestrator" and record["agent"] == AGENT
    assert record["id"] == item["id"] and record["action"] == "consulted"
    # the owner sees it where consultations are listed
    listed = run_cli(ws2, "consultations", "--owner", OWNER, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (shown,) = json.loads(listed.stdout)
    assert shown["id"] == item["id"] and shown["filed_by"] == "workspace-guard"
    text = run_cli(ws2, "consultations", "--owner", OWNER)
    assert "(filed by workspace-guard)" in text.stdout, text.stdout


def test_counting_starts_again_after_an_escalation(ws2: Path) -> None:
    answers = [edit(ws2, "app/main.py") for _ in range(4)]
    assert ["STOP" in (a or "") for a in answers] == [False, True, False, True]
    assert len(consultations(ws2)) == 2


def test_different_rules_and_agents_count_apart(ws2: Path) -> None:
    assert "STOP" not in (edit(ws2, "app/main.py") or "")
    assert "STOP" not in (edit(ws2, "docker-compose.yml") or "")
    assert "STOP" not in (edit(ws2, "app/main.py", agent="security-backend-ai") or "")
    assert consultations(ws2) == []
    assert edit(ws2, "app/models/order.py") is None  # allowed: not counted
    assert "STOP" in (edit(ws2, "app/main.py") or "")


def test_default_is_three_denials(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    answers = [edit(ws, "docker-compose.yml") for _ in range(3)]
    assert ["STOP" in (a or "") for a in answers] == [False, False, True]


def test_old_denials_leave_the_window(ws2: Path) -> None:
    counts = ws2 / ".git/workspace-guard/denials.json"
    counts.parent.mkdir(parents=True, exist_ok=True)
    old = {"agent": AGENT, "rule": f"/app/main.py {OWNER}", "ts": time.time() - 3600}
    counts.write_text(json.dumps([old]))
    assert "STOP" not in (edit(ws2, "app/main.py") or "")
    assert "STOP" in (edit(ws2, "app/main.py") or "")


@pytest.mark.parametrize("garbage", ["{not json", '{"a": 1}', "[1, 2, null]", "\x00\xff"])
def test_a_corrupt_count_file_keeps_denying_and_counting(ws2: Path, garbage: str) -> None:
    counts = ws2 / ".git/workspace-guard/denials.json"
    counts.parent.mkdir(parents=True, exist_ok=True)
    counts.write_text(garbage)
    assert edit(ws2, "app/main.py") is not None  # deny stays deny
    assert isinstance(json.loads(counts.read_text()), list)  # rewritten usable
    assert "STOP" in (edit(ws2, "app/main.py") or "")


def test_an_unwritable_count_file_still_denies(ws2: Path) -> None:
    counts = ws2 / ".git/workspace-guard/denials.json"
    counts.mkdir(parents=True)  # a directory where the file should be
    for _ in range(3):
        reason = edit(ws2, "app/main.py")
        assert reason is not None and "could not be counted" in reason


@pytest.mark.parametrize(
    "extra",
    [
        "  escalate_after: 0\n",
        "  escalate_after: two\n",
        "  escalate_after: true\n",
        "  escalate_window: soon\n",
        "  escalate_window: 10\n",
    ],
)
def test_bad_settings_are_rules_errors(tmp_path: Path, extra: str) -> None:
    ws = make_workspace(tmp_path / "ws", rules(extra))
    proc = run_cli(ws, "lint")
    assert proc.returncode == 1 and "escalate_" in proc.stdout + proc.stderr

"""The speaker check reads the ledger's end, not the whole ledger (commands/speaker): an
`authorise` record is found behind thousands of older records, one older than the window is
never used, a line with an `authorised` key spends its record, and the `spoken` record is
appended without an `fsync` (`durable: false`) while the ledger still verifies. Real hook and
CLI processes; the old records are written with the clock set back."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import run_cli
from helpers.harness import claude_event, denied, harness_shell, hook
from helpers.provenance import ledger

A = "backend-framework-ai"
FREE = "app/models/order.py"


def old_records(ws: Path, count: int, ago: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """`count` write records stamped `ago` seconds back, appended as the gate appends them."""
    from workspace_guard.state import chain
    from workspace_guard.state import ledger as ledger_log

    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(chain.time, "time", lambda: real() - ago)
        state = str(ws / ".git/workspace-guard")
        records = [
            {"kind": "write", "harness": "claude", "agent": A, "path": f"x/{i}", "blob": "0" * 40}
            for i in range(count)
        ]
        assert ledger_log.append(state, records)


def gate(ws: Path, command: str) -> None:
    assert denied(hook(ws, "claude", claude_event(ws, "Bash", {"command": command}, A))) is None


def holders(ws: Path) -> list[str]:
    return [str(c["agent"]) for c in json.loads(run_cli(ws, "claims", "--format", "json").stdout)]


def test_found_behind_many_old_records_and_spent_without_fsync(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_records(workspace, 3000, 3600, monkeypatch)
    command = f"workspace-guard claim {FREE} --agent {A}"
    gate(workspace, command)
    run = harness_shell(workspace, command)
    assert run.returncode == 0, run.stderr
    assert holders(workspace) == [A]
    [spoken] = [r for r in ledger(workspace) if r["kind"] == "spoken"]
    assert spoken["durable"] is False and spoken["tool"] == "claim"
    verify = run_cli(workspace, "provenance", "--verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    again = harness_shell(workspace, command)  # spent: the same record speaks once
    assert again.returncode == 1 and "nothing shows" in again.stderr


def test_an_authorisation_older_than_the_window_is_not_used(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workspace_guard.state import chain
    from workspace_guard.state import ledger as ledger_log

    command = f"workspace-guard claim {FREE} --agent {A}"
    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(chain.time, "time", lambda: real() - 700)  # the window is 600 s
        item = {"kind": "authorise", "harness": "claude", "agent": A, "by": [A]}
        assert ledger_log.append(
            str(workspace / ".git/workspace-guard"), [{**item, "command": command}]
        )
    old_records(workspace, 50, 30, monkeypatch)
    run = harness_shell(workspace, command)
    assert run.returncode == 1 and f"nothing shows {A} is speaking" in run.stderr
    assert holders(workspace) == []


def test_a_line_naming_the_record_as_authorised_spends_it(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: any later record with `authorised: SEQ` counts as the record's use."""
    from workspace_guard.state import ledger as ledger_log

    command = f"workspace-guard claim {FREE} --agent {A}"
    gate(workspace, command)
    [authorise] = [r for r in ledger(workspace) if r["kind"] == "authorise"]
    use = {"kind": "spoken", "agent": A, "tool": "claim", "authorised": authorise["seq"]}
    assert ledger_log.append(str(workspace / ".git/workspace-guard"), [use])
    run = harness_shell(workspace, command)
    assert run.returncode == 1 and "nothing shows" in run.stderr
    assert holders(workspace) == []

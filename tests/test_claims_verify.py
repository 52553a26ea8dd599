"""`claims --verify`: the claims file against the audit log (state/claims_log.judge). Claims
records are written without an `fsync`, so a power loss may cut them from the log's end while
`audit verify` stays green; the claims file that reached the disk is then ahead of the log, and
that is reported — now, and after the next claims write put the file back (a durable `restored`
record). Real processes, real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import run_cli, run_tty

A = "backend-framework-ai"
B = "api-architect-ai"
FREE = "app/models/order.py"
OTHER_FREE = "app/models/user.py"

DIE_BEFORE_FILE = """
import os, sys
from workspace_guard.state import claims as state
real_commit = state._commit
def commit_then_die(*args, **kwargs):
    real_commit(*args, **kwargs)
    os._exit(9)
state._commit = commit_then_die
from workspace_guard.commands import claims as impl
from workspace_guard.repo import Repo
impl.claim(Repo.discover(os.getcwd()), sys.argv[1], [sys.argv[2]], ttl=600)
"""


def log_lines(ws: Path) -> list[bytes]:
    return (ws / ".git/workspace-guard/audit.jsonl").read_bytes().splitlines(keepends=True)


def verify(ws: Path) -> tuple[int, dict[str, object]]:
    proc = run_cli(ws, "claims", "--verify", "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_no_claims_and_plain_changes_verify(workspace: Path) -> None:
    assert verify(workspace) == (0, {"ok": True, "problems": [], "notes": []})
    assert run_tty(workspace, "claim", FREE, OTHER_FREE, "--agent", A).returncode == 0
    assert run_tty(workspace, "release", FREE, "--agent", A).returncode == 0
    assert verify(workspace)[0] == 0
    text = run_cli(workspace, "claims", "--verify")
    assert text.returncode == 0 and "agrees with the audit log" in text.stdout


def test_cut_claims_records_are_reported_before_and_after_the_restore(workspace: Path) -> None:
    assert run_cli(workspace, "validate", B, ".workspace/rules.yaml").returncode == 1  # durable
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    kept = len(log_lines(workspace))
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    cut_id = json.loads(log_lines(workspace)[-1])["id"]
    log = workspace / ".git/workspace-guard/audit.jsonl"
    log.write_bytes(b"".join(log_lines(workspace)[:kept]))  # the power took the last record
    assert run_cli(workspace, "audit", "verify").returncode == 0  # the chain cannot tell
    code, answer = verify(workspace)
    assert code == 1 and not answer["ok"]
    assert cut_id in str(answer["problems"]) and "cut" in str(answer["problems"])
    # the next claims write puts the logged claims back and records that it did
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", B).returncode == 0
    restored = [json.loads(line) for line in log_lines(workspace)]
    restored = [r for r in restored if r.get("action") == "restored"]
    assert len(restored) == 1 and restored[0]["unrecorded"] == [cut_id]
    assert "durable" not in restored[0]  # synced: the trace survives the next power loss
    code, answer = verify(workspace)
    assert code == 1 and cut_id in str(answer["problems"])
    assert run_cli(workspace, "audit", "verify").returncode == 0
    listed = json.loads(run_cli(workspace, "claims", "--format", "json").stdout)
    assert sorted((c["agent"], c["pattern"]) for c in listed) == [
        (B, "/" + OTHER_FREE),
        (A, "/" + FREE),
    ]


def test_a_file_behind_the_log_is_a_note_not_a_cut(workspace: Path) -> None:
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    proc = subprocess.run(
        [sys.executable, "-c", DIE_BEFORE_FILE, A, FREE],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr
    code, answer = verify(workspace)
    assert code == 0 and answer["problems"] == []
    assert "misses the last 1 recorded" in str(answer["notes"])
    assert run_tty(workspace, "claim", FREE, "--agent", B).returncode == 1  # rolled forward
    assert verify(workspace) == (0, {"ok": True, "problems": [], "notes": []})


def test_a_forged_or_corrupt_claims_file_is_reported(workspace: Path) -> None:
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    path = workspace / ".git/workspace-guard/claims.json"
    items = json.loads(path.read_text())
    items.append({**items[0], "id": "f0f0f0f0", "agent": B, "pattern": "/app/main.py"})
    path.write_text(json.dumps(items))
    code, answer = verify(workspace)
    assert code == 1 and "f0f0f0f0" in str(answer["problems"])
    path.write_text("{not json")
    code, answer = verify(workspace)
    assert code == 1 and "unusable" in str(answer["problems"])

"""Claims survive a crash between their two writes (state/claims_log): the audit record is the
commit point; a claims file that missed it is rolled forward by the next claims write. Neither
write is synced: a power loss may take a claim, never the chain's verifiability.
Real processes killed (`os._exit`) at the exact step, real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_tty
from helpers.repos import run_typed

A = "backend-framework-ai"
B = "api-architect-ai"
FREE = "app/models/order.py"
OTHER_FREE = "app/models/item.py"

# claim (or release) in a fresh process that dies at one step of the write
DYING = """
import os, sys
from workspace_guard.state import claims as state, claims_log
step, verb, agent, path = sys.argv[1:5]
def die(*args, **kwargs):
    os._exit(9)
if step == "before-audit":
    state._commit = die
elif step == "before-file":
    real_commit = state._commit
    def commit_then_die(*args, **kwargs):
        real_commit(*args, **kwargs)
        os._exit(9)
    state._commit = commit_then_die
from workspace_guard.commands import claims as impl
from workspace_guard.repo import Repo
repo = Repo.discover(os.getcwd())
if verb == "claim":
    impl.claim(repo, agent, [path], ttl=600)
else:
    impl.release(repo, agent, [path])
os._exit(0)
"""


def dying(ws: Path, step: str, verb: str, agent: str, path: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", DYING, step, verb, agent, path],
        cwd=ws,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode


def claimed(ws: Path) -> list[tuple[str, str]]:
    listed = json.loads(run_cli(ws, "claims", "--format", "json").stdout)
    return [(c["agent"], c["pattern"]) for c in listed]


def audit(ws: Path) -> list[dict[str, object]]:
    text = (ws / ".git/workspace-guard/audit.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_killed_after_the_audit_record_the_claim_still_holds(workspace: Path) -> None:
    assert dying(workspace, "before-file", "claim", A, FREE) == 9
    assert audit(workspace)[-1]["action"] == "claimed"
    assert claimed(workspace) == []  # readers see the file as the crash left it...
    clash = run_tty(workspace, "claim", FREE, "--agent", B)
    assert clash.returncode == 1 and A in clash.stderr  # ...the next write restores the claim
    assert claimed(workspace) == [(A, "/" + FREE)]
    assert run_cli(workspace, "validate", B, FREE).returncode == 1
    assert run_cli(workspace, "audit", "verify").returncode == 0


def test_killed_before_the_audit_record_nothing_changed(workspace: Path) -> None:
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    before = audit(workspace)
    assert dying(workspace, "before-audit", "claim", A, FREE) == 9
    assert audit(workspace) == before and claimed(workspace) == [(A, "/" + OTHER_FREE)]
    assert run_tty(workspace, "claim", FREE, "--agent", B).returncode == 0
    assert set(claimed(workspace)) == {(B, "/" + FREE), (A, "/" + OTHER_FREE)}


def test_a_release_killed_after_its_record_is_completed(workspace: Path) -> None:
    assert run_tty(workspace, "claim", FREE, OTHER_FREE, "--agent", A).returncode == 0
    assert dying(workspace, "before-file", "release", A, FREE) == 9
    assert audit(workspace)[-1]["action"] == "released"
    assert run_tty(workspace, "claim", FREE, "--agent", B).returncode == 0  # rolled forward first
    assert set(claimed(workspace)) == {(B, "/" + FREE), (A, "/" + OTHER_FREE)}


@pytest.mark.parametrize("damage", ["old", "missing"])
def test_a_claims_file_the_disk_lost_is_rolled_forward(workspace: Path, damage: str) -> None:
    """Power loss after the audit `fsync`: the rename may be lost (the old file) or the file
    never reached the disk (missing); the log has the change."""
    path = workspace / ".git/workspace-guard/claims.json"
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    old = path.read_bytes()
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    if damage == "old":
        path.write_bytes(old)
    else:
        path.unlink()
    assert run_tty(workspace, "claim", FREE, "--agent", B).returncode == 1
    assert set(claimed(workspace)) == {(A, "/" + FREE), (A, "/" + OTHER_FREE)}


def syncs_of(ws: Path, *args: str) -> int:
    """The `fsync`/`fdatasync` calls of one whole `workspace-guard` process (strace counts)."""
    trace = ws.parent / "wg.strace"
    command = ["strace", "-f", "-e", "trace=fsync,fdatasync", "-o", str(trace)]
    wg = str(Path(sys.executable).parent / "workspace-guard")
    run_typed([*command, wg, *args], ws)  # a person typing: no harness authorisation to spend
    return len([line for line in trace.read_text().splitlines() if "sync(" in line])


def test_no_fsync_for_claims_and_one_for_a_denial(workspace: Path) -> None:
    """Claims changes are not synced (claims_log); every other audit record still is."""
    if subprocess.run(["which", "strace"], capture_output=True, check=False).returncode:
        pytest.skip("strace is not installed")
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0  # state exists
    assert syncs_of(workspace, "claim", FREE, "--agent", A) == 0
    assert syncs_of(workspace, "release", FREE, "--agent", A) == 0
    assert syncs_of(workspace, "validate", B, OTHER_FREE) == 1  # a denial: claimed, audited
    records = audit(workspace)
    assert [r.get("durable") for r in records] == [False, False, False, None]
    assert run_cli(workspace, "audit", "verify").returncode == 0


def lose_tail(ws: Path, keep: int) -> None:
    """What a power loss may do to unsynced appends: the log keeps only its first `keep` lines."""
    log = ws / ".git/workspace-guard/audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:keep]))


def test_claims_lost_with_the_power_leave_the_chain_verifiable(workspace: Path) -> None:
    assert run_cli(workspace, "validate", B, ".workspace/rules.yaml").returncode == 1  # durable
    durable = len(audit(workspace))
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    log = workspace / ".git/workspace-guard/audit.jsonl"
    whole = log.read_bytes()
    lose_tail(workspace, durable)  # neither claim's record reached the disk
    assert run_cli(workspace, "audit", "verify").returncode == 0
    log.write_bytes(whole)
    lose_tail(workspace, durable + 1)  # the second claim's record never reached the disk
    assert run_cli(workspace, "audit", "verify").returncode == 0
    # the claims file (newer than the log) is put back to the logged state: that claim is absent
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", B).returncode == 0
    assert set(claimed(workspace)) == {(A, "/" + FREE), (B, "/" + OTHER_FREE)}
    assert run_cli(workspace, "validate", B, ".workspace/rules.yaml").returncode == 1
    assert run_cli(workspace, "audit", "verify").returncode == 0


def test_a_durable_record_cut_is_still_reported(workspace: Path) -> None:
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    assert run_cli(workspace, "validate", B, ".workspace/rules.yaml").returncode == 1
    lose_tail(workspace, len(audit(workspace)) - 1)
    verify = run_cli(workspace, "audit", "verify")
    assert verify.returncode == 1 and "removed" in verify.stdout + verify.stderr


def test_an_edited_claims_record_is_still_reported(workspace: Path) -> None:
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    log = workspace / ".git/workspace-guard/audit.jsonl"
    log.write_bytes(log.read_bytes().replace(A.encode(), B.encode()))
    assert run_cli(workspace, "audit", "verify").returncode == 1

"""An `authorise` record is used once, even by processes racing for it.

The harness gate leaves one `authorise` record when it sees an agent run `approve … --by
ITSELF` (or `claim`, `consult answer`); the command spends it. Two copies of the command started
together (`cmd & cmd`, a script forking) must not both find it unused and both act: exactly one
records its approval, the others are refused. Real hook and CLI processes, released together.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

from conftest import BIN
from helpers.provenance import event, hook, ledger

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
MAIN = "app/main.py"
RACERS = 8


def _waiting(inode: int) -> int:
    """Processes blocked on a lock of the file with this inode (/proc/locks: `->` lines)."""
    with open("/proc/locks", encoding="ascii") as handle:
        return sum(1 for line in handle if "->" in line and line.split()[6].endswith(f":{inode}"))


def _race(ws: Path, argv: list[str]) -> list[tuple[int, str]]:
    """`argv` run RACERS times at once. The ledger is locked meanwhile (as a long append by
    another process holds it): a racer that found the authorisation unused waits to record its
    use, so every racer has made its check before any has written — the widest window a real
    race can have, made certain."""
    shell = {"CLAUDECODE": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    path = ws / ".git/workspace-guard/ledger.jsonl"
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        procs = [
            subprocess.Popen(
                argv,
                cwd=ws,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **shell},
            )
            for _ in range(RACERS)
        ]
        inode = os.fstat(fd).st_ino
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # each racer waits for the ledger or has finished
            if _waiting(inode) + sum(p.poll() is not None for p in procs) >= RACERS:
                break
            time.sleep(0.05)
    finally:
        os.close(fd)
    out = []
    for proc in procs:
        _stdout, stderr = proc.communicate(timeout=120)
        out.append((proc.returncode, stderr))
    return out


def _authorise(ws: Path, command: str, agent: str) -> dict[str, object]:
    pre = hook(ws, event(ws, "PreToolUse", "Bash", {"command": command}, agent))
    assert not pre.stdout.strip(), pre.stdout
    return [r for r in ledger(ws) if r["kind"] == "authorise"][-1]


def test_racing_approvals_spend_one_authorisation_once(workspace: Path) -> None:
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    for _round in range(2):
        authorise = _authorise(workspace, command, OWNER)
        results = _race(workspace, command.split())
        won = [err for code, err in results if code == 0]
        lost = [err for code, err in results if code != 0]
        assert len(won) == 1, results
        assert all(f"nothing shows {OWNER} is speaking" in err for err in lost), lost
        spent = [
            r
            for r in ledger(workspace)
            if r["kind"] == "approval" and r["authorised"] == authorise["seq"]
        ]
        assert len(spent) == 1, spent


def test_racing_claims_spend_one_authorisation_once(workspace: Path) -> None:
    command = f"workspace-guard claim README.md --agent {OWNER} --ttl 10m"
    authorise = _authorise(workspace, command, OWNER)
    results = _race(workspace, command.split())
    assert sum(1 for code, _err in results if code == 0) == 1, results
    spoken = [
        r
        for r in ledger(workspace)
        if r["kind"] == "spoken" and r["authorised"] == authorise["seq"]
    ]
    assert len(spoken) == 1, spoken
    proc = subprocess.run(
        [str(BIN / "workspace-guard"), "claims", "--format", "json"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    )
    assert [c["agent"] for c in json.loads(proc.stdout)] == [OWNER]

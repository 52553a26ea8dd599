"""The claims file is rewritten in place (state/claims._write), not renamed over: readers under
a shared lock never see half of a change, a process killed between the write and the truncate
leaves the same claims, and a file that is not one plain file is replaced, never written
through. Real processes, real git repositories."""

from __future__ import annotations

import json
import os
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

CHURN = """
import os, sys
from workspace_guard.commands import claims as impl
from workspace_guard.repo import Repo
repo = Repo.discover(os.getcwd())
for n in range(int(sys.argv[1])):
    impl.claim(repo, sys.argv[2], [sys.argv[3]], ttl=600, note="x" * (n % 50))
    impl.release(repo, sys.argv[2], [sys.argv[3]])
"""

READ = """
import os, sys, time
from workspace_guard.state.claims import ClaimsCorrupt, live
state, seen, bad = sys.argv[1], 0, 0
end = time.monotonic() + 60
while time.monotonic() < end and not os.path.exists(sys.argv[2]):
    try:
        live(state)
        seen += 1
    except ClaimsCorrupt as exc:
        bad += 1
        print(exc, file=sys.stderr)
print(seen, bad)
"""

DIE_BEFORE_TRUNCATE = """
import os, sys
from workspace_guard.commands import claims as impl
from workspace_guard.repo import Repo
def die(*args):
    os._exit(9)
os.ftruncate = die
repo = Repo.discover(os.getcwd())
impl.release(repo, sys.argv[1], [sys.argv[2]])
os._exit(0)
"""


def claimed(ws: Path) -> list[tuple[str, str]]:
    listed = json.loads(run_cli(ws, "claims", "--format", "json").stdout)
    return sorted((c["agent"], c["pattern"]) for c in listed)


def state(ws: Path) -> Path:
    return ws / ".git" / "workspace-guard"


def test_readers_never_see_half_a_change(workspace: Path) -> None:
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", B).returncode == 0
    done = workspace.parent / "churn-done"
    reader = subprocess.Popen(
        [sys.executable, "-c", READ, str(state(workspace)), str(done)],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    churn = subprocess.run(
        [sys.executable, "-c", CHURN, "150", A, FREE],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    done.touch()
    out, err = reader.communicate(timeout=120)
    assert churn.returncode == 0, churn.stderr
    seen, bad = map(int, out.split())
    assert bad == 0, err
    assert seen > 0
    assert claimed(workspace) == [(B, "/" + OTHER_FREE)]


def test_killed_between_the_write_and_the_truncate_the_claims_are_whole(
    workspace: Path,
) -> None:
    assert run_tty(workspace, "claim", FREE, OTHER_FREE, "--agent", A).returncode == 0
    proc = subprocess.run(
        [sys.executable, "-c", DIE_BEFORE_TRUNCATE, A, FREE],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr
    data = (state(workspace) / "claims.json").read_bytes()
    assert data.endswith(b" ")  # padded to the old length: never half a list
    assert claimed(workspace) == [(A, "/" + OTHER_FREE)]
    assert run_cli(workspace, "validate", B, FREE).returncode == 0
    assert run_tty(workspace, "claim", FREE, "--agent", B).returncode == 0
    assert not (state(workspace) / "claims.json").read_bytes().endswith(b" ")


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_a_claims_file_that_is_not_one_plain_file_is_replaced(workspace: Path, kind: str) -> None:
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    path = state(workspace) / "claims.json"
    elsewhere = workspace.parent / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    before = elsewhere.read_bytes()
    path.unlink()
    if kind == "symlink":
        path.symlink_to(elsewhere)
    else:
        os.link(elsewhere, path)
    assert run_tty(workspace, "claim", FREE, "--agent", A).returncode == 0
    assert elsewhere.read_bytes() == before  # never written through
    assert not path.is_symlink() and path.stat().st_nlink == 1
    assert claimed(workspace) == [(A, "/" + OTHER_FREE), (A, "/" + FREE)]


def test_a_claims_change_renames_nothing(workspace: Path) -> None:
    """The point of the in-place write: no rename over the claims file (ext4 starts writing
    the data of a file renamed over another, 1-4 ms under load)."""
    if subprocess.run(["which", "strace"], capture_output=True, check=False).returncode:
        pytest.skip("strace is not installed")
    assert run_tty(workspace, "claim", OTHER_FREE, "--agent", A).returncode == 0
    trace = workspace.parent / "wg.strace"
    wg = str(Path(sys.executable).parent / "workspace-guard")
    for verb in ("claim", "release"):
        command = ["strace", "-f", "-e", "trace=rename,renameat,renameat2", "-o", str(trace)]
        done = run_typed([*command, wg, verb, FREE, "--agent", A], workspace)
        assert done.returncode == 0, done.stderr
        renames = [line for line in trace.read_text().splitlines() if "claims.json" in line]
        assert renames == []

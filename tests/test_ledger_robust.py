"""The provenance ledger under bad conditions (issue 13, Bad input): edited or truncated ledgers
are reported with their line by `audit verify` and `provenance --verify`; a full disk fails the
append closed, with a message and nothing half-written; many concurrent writers lose nothing."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, run_cli

AGENT = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"


def ledger_file(ws: Path) -> Path:
    return ws / ".git/workspace-guard/ledger.jsonl"


def post_event(ws: Path, rel: str, n: int = 0) -> bytes:
    return json.dumps(
        {
            "session_id": f"s{n}",
            "cwd": str(ws),
            "hook_event_name": "PostToolUse",
            "tool_name": "Write",
            "tool_input": {"file_path": str(ws / rel), "content": "x"},
            "tool_response": {"filePath": str(ws / rel)},
            "tool_use_id": f"toolu_{n}",
            "agent_id": "a1",
            "agent_type": AGENT,
        }
    ).encode()


def write(ws: Path, n: int) -> subprocess.CompletedProcess[str]:
    """The agent writes a note in its office and the harness reports it (PostToolUse)."""
    rel = f"{OFFICE}/note-{n}.md"
    (ws / rel).parent.mkdir(parents=True, exist_ok=True)
    (ws / rel).write_text(f"note {n}\n")
    return run_cli(ws, "hook", "claude", input=post_event(ws, rel, n))


def verify_both(ws: Path) -> tuple[subprocess.CompletedProcess[str], ...]:
    return run_cli(ws, "audit", "verify"), run_cli(ws, "provenance", "--verify")


def logged(ws: Path, count: int = 4) -> list[bytes]:
    for n in range(count):
        assert write(ws, n).returncode == 0
    lines = ledger_file(ws).read_bytes().splitlines(keepends=True)
    assert len(lines) == count
    for proc in verify_both(ws):
        assert proc.returncode == 0, proc.stderr
    return lines


def assert_reported(ws: Path, line: int, words: str) -> None:
    for proc in verify_both(ws):
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f"ledger.jsonl:{line}: " in proc.stderr, proc.stderr
        assert words in proc.stderr
        assert "Traceback" not in proc.stderr


def test_an_edited_line_is_reported_with_its_number(workspace: Path) -> None:
    lines = logged(workspace)
    lines[1] = lines[1].replace(AGENT.encode(), b"system-architect-ai")
    ledger_file(workspace).write_bytes(b"".join(lines))
    assert_reported(workspace, 2, "edited")


def test_a_removed_line_is_reported(workspace: Path) -> None:
    lines = logged(workspace)
    ledger_file(workspace).write_bytes(b"".join(lines[:1] + lines[2:]))
    assert_reported(workspace, 2, "does not follow")


def test_lines_cut_from_the_end_are_reported(workspace: Path) -> None:
    lines = logged(workspace)
    ledger_file(workspace).write_bytes(b"".join(lines[:2]))
    assert_reported(workspace, 3, "removed from its end")


def test_a_line_cut_in_the_middle_is_reported(workspace: Path) -> None:
    lines = logged(workspace)
    ledger_file(workspace).write_bytes(b"".join(lines[:3]) + lines[3][:40])
    assert_reported(workspace, 4, "not a valid record")


def test_an_emptied_ledger_is_reported(workspace: Path) -> None:
    logged(workspace)
    ledger_file(workspace).write_bytes(b"")
    assert_reported(workspace, 1, "removed from its end")


def test_a_full_disk_fails_closed_and_leaves_nothing_half_written(workspace: Path) -> None:
    """RLIMIT_FSIZE stands in for a full disk (EFBIG where ENOSPC would be: the same path)."""
    logged(workspace, 2)
    before = ledger_file(workspace).read_bytes()
    head = (workspace / ".git/workspace-guard/ledger.head").read_bytes()
    limit = len(before) + 60  # room for part of a record, not all of it
    rel = f"{OFFICE}/big.md"
    (workspace / rel).write_text("big\n")

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [str(Path(sys.executable).parent / "workspace-guard"), "hook", "claude"],
        cwd=workspace,
        input=post_event(workspace, rel, 9),
        capture_output=True,
        preexec_fn=small_disk,
        check=False,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert "could not write the provenance ledger" in stderr and "Traceback" not in stderr
    assert rel in stderr  # the record itself is not lost: it is on stderr
    assert ledger_file(workspace).read_bytes() == before  # no partial line
    assert (workspace / ".git/workspace-guard/ledger.head").read_bytes() == head
    for check in verify_both(workspace):
        assert check.returncode == 0, check.stderr
    assert write(workspace, 3).returncode == 0  # room again: appends go on, chain intact
    for check in verify_both(workspace):
        assert check.returncode == 0, check.stderr


APPENDER = """
import sys
from workspace_guard.state import ledger
state, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    record = {"kind": "write", "agent": "w" + worker, "path": f"f/{worker}/{n}", "blob": None}
    assert ledger.append(state, [record])
"""


def test_concurrent_writers_lose_no_entry(workspace: Path) -> None:
    """8 processes x 200 appends through the real append (its real lock), while real hooks
    (8 processes x 3 PostToolUse calls) append too."""
    state = workspace / ".git/workspace-guard"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(state), str(w), "200"], env=env, cwd=workspace
        )
        for w in range(8)
    ]
    hooks = []
    for n in range(24):
        rel = f"{OFFICE}/c-{n}.md"
        (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
        (workspace / rel).write_text(f"{n}\n")
        hooks.append(
            subprocess.Popen(
                [str(Path(sys.executable).parent / "workspace-guard"), "hook", "claude"],
                cwd=workspace,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
        hooks[-1].stdin.write(post_event(workspace, rel, n))  # type: ignore[union-attr]
        hooks[-1].stdin.close()  # type: ignore[union-attr]
    for proc in workers:
        assert proc.wait(timeout=600) == 0
    for proc in hooks:
        assert proc.wait(timeout=600) == 0, proc.stderr.read()  # type: ignore[union-attr]
    records = [json.loads(line) for line in ledger_file(workspace).read_text().splitlines()]
    assert len(records) == 8 * 200 + 24
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    paths = {r["path"] for r in records}
    assert {f"f/{w}/{n}" for w in range(8) for n in range(200)} <= paths
    assert {f"{OFFICE}/c-{n}.md" for n in range(24)} <= paths
    for proc in verify_both(workspace):
        assert proc.returncode == 0, proc.stderr
        assert "ledger intact: 1624 records" in proc.stdout + proc.stderr

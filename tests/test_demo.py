"""`workspace-guard demo` runs the whole protocol on a throwaway workspace, checking each step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow


def _check(proc: subprocess.CompletedProcess[str]) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Every step behaved as narrated." in output
    assert "Traceback" not in output
    assert "✗" not in output.split("━━ Done", 1)[-1]


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "demo")
    _check(proc)
    for step in ("1. A workspace", "2. Pre-write", "3. Commit"):
        assert step in proc.stdout
    assert "commit refused" in proc.stdout  # the refusals it narrates really happened
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the cwd


def test_python_m_workspace_guard_demo_keeps_the_workspace(tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    raw = subprocess.run(
        [sys.executable, "-m", "workspace_guard", "demo", "--keep", str(keep)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    proc = subprocess.CompletedProcess(
        raw.args,
        raw.returncode,
        raw.stdout.decode("utf-8", "replace"),
        raw.stderr.decode("utf-8", "replace"),
    )
    _check(proc)
    shop = keep / "shop"
    assert (shop / ".git" / "hooks" / "commit-msg").is_file()
    assert (shop / ".git" / "workspace-guard" / "audit.jsonl").is_file()
    verify = run_cli(shop, "audit", "verify")
    assert verify.returncode == 0, verify.stderr

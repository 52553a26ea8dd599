"""`workspace-guard demo` runs the whole protocol on a throwaway workspace, checking each step.

The demo takes about a minute, so it runs once for the module (`python -m workspace_guard demo
--keep DIR`, from an empty directory) and each test reads that run: its narration and the
workspace it kept. The throwaway path (no --keep: the folder is removed) is checked in-process.
"""

from __future__ import annotations

import importlib.util
import json
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


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """One real demo run: (its output, the cwd it ran in, the folder it kept)."""
    cwd = tmp_path_factory.mktemp("demo-cwd")
    keep = tmp_path_factory.mktemp("demo-keep") / "kept"
    raw = subprocess.run(
        [sys.executable, "-m", "workspace_guard", "demo", "--keep", str(keep)],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    proc = subprocess.CompletedProcess(
        raw.args,
        raw.returncode,
        raw.stdout.decode("utf-8", "replace"),
        raw.stderr.decode("utf-8", "replace"),
    )
    return proc, cwd, keep


def test_demo_runs_end_to_end(
    demo_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    proc, cwd, _ = demo_run
    _check(proc)
    for step in ("1. A workspace", "2. Pre-write", "3. Commit"):
        assert step in proc.stdout
    assert "commit refused" in proc.stdout  # the refusals it narrates really happened
    assert list(cwd.iterdir()) == []  # nothing left behind in the cwd
    crew = proc.stdout.split("A crew: claims, doctor, and the MCP server", 1)[1]
    crew = crew.split("━━", 1)[0]
    # a claim refuses the second agent, naming the holder; released, the write is free again
    assert "DENIED   app/models/order.py — backend-framework-ai" in crew
    assert "claimed: api-architect-ai is working on it" in crew
    assert "ALLOWED  app/models/order.py — backend-framework-ai" in crew
    # doctor: the redirected worktree ran no hook, doctor said so (exit 1), --fix repaired it,
    # and the same kind of commit is refused there afterwards
    doctor = crew.split("-m workspace_guard doctor\n", 1)[1]
    assert "✗ commit: commit-msg hook missing in" in doctor.split("→ exit 1", 1)[0]
    assert "fixed: reinstalled the hooks into" in crew
    assert "git commit -q -m 'first note'\n     → exit 0" in crew
    assert "git commit -q -m 'second note'" in crew and "commit refused" in crew
    # the MCP server, asked over a real SDK session, before the write
    if importlib.util.find_spec("mcp") is not None:
        assert "app/main.py: DENIED (protected, owner system-architect-ai)" in crew
        assert "app/models/order.py: allowed (unprotected)" in crew


def test_python_m_workspace_guard_demo_keeps_the_workspace(
    demo_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    proc, _, keep = demo_run
    _check(proc)
    shop = keep / "shop"
    assert (shop / ".git" / "hooks" / "commit-msg").is_file()
    assert (shop / ".git" / "workspace-guard" / "audit.jsonl").is_file()
    verify = run_cli(shop, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    # the crew step left its worktree hooked and no claim behind
    assert (keep / "agent-tool-hooks" / "commit-msg").is_file()
    assert run_cli(keep / "shop-agent-b", "doctor").returncode == 0
    claims = run_cli(shop, "claims", "--format", "json")
    assert claims.returncode == 0 and json.loads(claims.stdout) == []


def test_demo_without_keep_removes_its_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --keep the demo builds in a fresh temporary folder and removes it, even when a
    step fails (the steps themselves are the module run's; here each one only writes a file)."""
    from workspace_guard.demo import run

    run._load_layers()  # the later layers register their steps on import: do it before the swap
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    seen: list[Path] = []

    def step(demo: run.Demo) -> None:
        root = Path(demo.root)
        (root / "file").write_text("x")
        seen.append(root)

    lines: list[str] = []
    monkeypatch.setattr(run, "STEPS", [step])
    assert run.main(None, out=lines.append) == 0
    assert seen and seen[0].parent == tmp_path and not seen[0].exists()
    assert list(tmp_path.iterdir()) == []
    assert "(Run with --keep DIR to keep the workspace.)" in "\n".join(lines)

    def broken(demo: run.Demo) -> None:
        step(demo)
        raise RuntimeError("a step broke")

    monkeypatch.setattr(run, "STEPS", [broken])
    with pytest.raises(RuntimeError):
        run.main(None, out=lines.append)
    assert list(tmp_path.iterdir()) == []

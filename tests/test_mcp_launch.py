"""`.mcp.json`'s command finds workspace-guard the way the hook launcher does (issue 14; closing
note of stop 19): the program `install` recorded for this machine in the git common dir, else
`workspace-guard` on PATH. `$WORKSPACE_GUARD` from the harness's environment is honoured only
when it is that very file; anything else ends the launch with a message (exit 2), never runs the
named program, and never exits 127. Real `sh`, real git, the real install."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli

from workspace_guard.commands import mcp_config


def common(ws: Path) -> Path:
    return Path(git(ws, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())


def fake(tmp_path: Path, name: str = "workspace-guard") -> tuple[Path, Path]:
    """A program that records that it ran (and its PYTHON* variables) instead of serving."""
    where = tmp_path / "fakebin"
    where.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / f"{name}.ran"
    prog = where / name
    prog.write_text(f"#!/bin/sh\nenv | grep '^PYTHON' > {marker}; echo \"$@\" >> {marker}\n")
    prog.chmod(0o755)
    return prog, marker


def launch(
    ws: Path, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The registered command, run as Claude Code runs it (stdin closed: a server exits)."""
    entry = json.loads((ws / ".mcp.json").read_text())["mcpServers"]["workspace-guard"]
    base = {k: v for k, v in os.environ.items() if k != "WORKSPACE_GUARD"}
    return subprocess.run(
        [entry["command"], *entry["args"]],
        cwd=cwd or ws,
        env={**base, "PATH": "/usr/bin:/bin", **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def installed(workspace: Path) -> Path:
    assert run_cli(workspace, "install", "--claude").returncode == 0
    assert (common(workspace) / "workspace-guard" / "program").is_file()
    return workspace


def record(ws: Path, program: Path) -> None:
    (common(ws) / "workspace-guard" / "program").write_text(f"{program}\n")


def test_the_recorded_program_runs(installed: Path, tmp_path: Path) -> None:
    prog, marker = fake(tmp_path)
    record(installed, prog)
    proc = launch(installed, {})
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text().strip().endswith("mcp")


def test_the_recorded_program_is_found_from_a_subdirectory(installed: Path, tmp_path: Path) -> None:
    prog, marker = fake(tmp_path)
    record(installed, prog)
    assert launch(installed, {}, cwd=installed / "app").returncode == 0
    assert marker.exists()


@pytest.mark.parametrize("value", ["/bin/true", "/bin/sh", "other", "", "relative/wg"])
def test_workspace_guard_from_the_environment_is_not_trusted(
    installed: Path, tmp_path: Path, value: str
) -> None:
    prog, marker = fake(tmp_path)
    record(installed, prog)
    evil, evil_marker = fake(tmp_path / "evil")
    proc = launch(installed, {"WORKSPACE_GUARD": value or str(evil)})
    assert proc.returncode == 2, proc
    assert "WORKSPACE_GUARD" in proc.stderr
    assert not marker.exists() and not evil_marker.exists()


def test_workspace_guard_naming_the_recorded_file_is_honoured(
    installed: Path, tmp_path: Path
) -> None:
    prog, marker = fake(tmp_path)
    record(installed, prog)
    link = tmp_path / "link-to-wg"
    link.symlink_to(prog)
    proc = launch(installed, {"WORKSPACE_GUARD": str(link)})
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_without_a_record_workspace_guard_on_path_runs(installed: Path, tmp_path: Path) -> None:
    (common(installed) / "workspace-guard" / "program").unlink()
    prog, marker = fake(tmp_path)
    proc = launch(installed, {"PATH": f"{prog.parent}:/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
    proc = launch(installed, {"PATH": f"{prog.parent}:/usr/bin:/bin", "WORKSPACE_GUARD": str(prog)})
    assert proc.returncode == 2 and "WORKSPACE_GUARD" in proc.stderr  # nothing recorded to match


@pytest.mark.parametrize("recorded", ["missing", "not-executable", "empty"])
def test_nothing_to_run_fails_closed(installed: Path, tmp_path: Path, recorded: str) -> None:
    state = common(installed) / "workspace-guard" / "program"
    if recorded == "missing":
        state.unlink()
    elif recorded == "empty":
        state.write_text("")
    else:
        plain = tmp_path / "plain"
        plain.write_text("#!/bin/sh\n")
        record(installed, plain)
    proc = launch(installed, {})
    assert proc.returncode == 2, proc
    assert "workspace-guard was not found" in proc.stderr


def test_python_variables_are_dropped(installed: Path, tmp_path: Path) -> None:
    prog, marker = fake(tmp_path)
    record(installed, prog)
    env = {"PYTHONPATH": str(tmp_path), "PYTHONSTARTUP": "x", "PYTHONHOME": "/nowhere"}
    assert launch(installed, env).returncode == 0
    assert "PYTHON" not in marker.read_text()


def test_outside_a_repository_fails_closed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    proc = subprocess.run(
        ["sh", "-c", mcp_config.SCRIPT],
        cwd=elsewhere,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "workspace-guard was not found" in proc.stderr

"""Hooks installed by earlier versions keep working after an upgrade.

`tests/fixtures/hooks/git-hook-<commit>` are the hook programs that `workspace-guard install`
wrote at those commits (every version of `hooks/git-hook` so far). Repositories in the field still
have them in `.git/hooks`: they call `workspace_guard.entry.main(["hook", NAME, …])` with the
interpreter baked in, or `workspace-guard hook NAME` from PATH. Each is installed here the way its
installer rendered it, and must still refuse a bad commit and accept a good one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import BIN
from helpers.commits import change, commit, template

from workspace_guard.commands.install import import_path

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
VERSIONS = sorted(p.name for p in FIXTURES.glob("git-hook-*"))


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def render(fixture: str, *, baked: bool) -> str:
    """The hook as that version's installer wrote it (interpreter and import path baked in), or
    as a hook that finds `workspace-guard` on PATH (installed without an interpreter)."""
    text = (FIXTURES / fixture).read_text()
    if not baked:
        return text
    text = text.replace("WG_PYTHON=''", f"WG_PYTHON={quote(sys.executable)}", 1)
    return text.replace("WG_PATH=''", f"WG_PATH={quote(chr(10).join(import_path()))}", 1)


def test_every_released_hook_program_is_a_fixture() -> None:
    """The current hook program is one of the fixtures: a change to it adds a new one."""
    current = Path(__file__).parent.parent / "workspace_guard" / "resources" / "hooks" / "git-hook"
    assert len(VERSIONS) >= 4
    assert current.read_text() in [(FIXTURES / v).read_text() for v in VERSIONS]


@pytest.mark.parametrize("baked", [True, False], ids=["baked", "on-path"])
@pytest.mark.parametrize("fixture", VERSIONS)
def test_an_old_hook_still_guards_commits(workspace: Path, fixture: str, baked: bool) -> None:
    hooks = workspace / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("commit-msg", "pre-commit"):
        path = hooks / name
        path.write_text(render(fixture, baked=baked))
        path.chmod(0o755)
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    change(workspace, "README.md")
    refused = commit(workspace, "no template\n", env=env)
    assert refused.returncode == 1, refused
    assert "not found on PATH" not in refused.stderr
    assert commit(workspace, template(), env=env).returncode == 0
    change(workspace, "app/main.py")  # owned by another agent: the ownership check runs too
    assert commit(workspace, template(files="app/main.py"), env=env).returncode == 1

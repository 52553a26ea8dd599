"""Reading a repository leaves no workspace-guard state in it.

The harness gate counts a repository as under the protocol when its git dir holds
workspace-guard's state (gates/harness/discover.py), so a cache written by a mere lookup (the
language of a usage message, `--help`, a command that fails for want of rules) would make an
unrelated repository look governed: every later write into it, by any agent of another
workspace, would then be refused for its missing rules. A packed clone makes git answer the
rules lookup (loose objects are read without it, and without a cache entry)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers.harness import claude_event, denied, hook
from helpers.repos import git, run_cli


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone (packed objects, an upstream) of a repository with no rules."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    (origin / "a.txt").write_text("a\n")
    git(origin, "add", "a.txt")
    git(origin, "commit", "-qm", "a")
    git(tmp_path, "clone", "-q", "--no-local", str(origin), "clone")
    return tmp_path / "clone"


def _state(repo: Path) -> Path:
    return repo / ".git" / "workspace-guard"


@pytest.mark.parametrize(
    "args",
    [("--help",), ("explain", "a.txt"), ("lint",), ("claims",), ("validate", "x", "a.txt")],
)
def test_a_command_run_in_an_ungoverned_repository_writes_no_state(
    clone: Path, args: tuple[str, ...]
) -> None:
    run_cli(clone, *args)
    assert not _state(clone).exists()


def test_the_language_lookup_in_process_writes_no_state(clone: Path) -> None:
    """What a click usage message in any process that imported the CLI does (its gettext is
    ours): it looks up the workspace's language from the cwd."""
    code = "from workspace_guard import i18n; i18n.choose_for_workspace('.')"
    subprocess.run([sys.executable, "-c", code], cwd=clone, check=True)
    assert not _state(clone).exists()


def test_a_write_into_a_repository_only_read_stays_outside_the_gate(
    workspace: Path, clone: Path
) -> None:
    run_cli(clone, "explain", "a.txt")
    event = claude_event(workspace, "Write", {"file_path": str(clone / "a.txt"), "content": "b\n"})
    assert denied(hook(workspace, "claude", event)) is None

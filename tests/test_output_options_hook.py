"""Options naming a file a tool writes, through the real hook on a real workspace (ATTACK F74,
F75): logs and side files of network tools, and git's `--output=F` on every subcommand that
shows changes (a stash exists, so `stash show` has something to show)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import bash_denied
from helpers.repos import git

WRITES = [
    "curl -s --stderr app/main.py https://example.invalid",
    "curl -s --libcurl app/main.py https://example.invalid",
    "ssh -E app/main.py host true",
    "pip --log app/main.py list",
    "python3 -m pip --log app/main.py list",
    "rsync -a --write-batch=app/main.py src/ /tmp/dst/",
    "git stash show -p --output=app/main.py",
    "git whatchanged -1 --output=app/main.py",
    "git reflog show -p -1 --output app/main.py",
    "git shortlog -s --output=app/main.py HEAD",
    "git log -1 --output=app/main.py",
]


@pytest.mark.parametrize("command", WRITES)
def test_an_output_option_naming_a_protected_file_is_a_write(workspace: Path, command: str) -> None:
    (workspace / "README.md").write_text("changed\n")
    git(workspace, "stash", "-q")
    reason = bash_denied(workspace, command)
    assert reason is not None and "app/main.py" in reason, command


@pytest.mark.parametrize(
    "command",
    [
        "git stash show -p",
        "git ls-files -o app",
        "curl -s --stderr /tmp/err https://example.invalid",
    ],
)
def test_reading_stays_allowed(workspace: Path, command: str) -> None:
    assert bash_denied(workspace, command) is None, command

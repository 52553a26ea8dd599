"""Writes of git's configuration files are `git config` writes (docs/bash-analysis.md).

The reproduced bypass: `printf "[alias]\n\tu = update-ref\n" >> ~/.gitconfig` was allowed (only
`git config --global` was judged), and `git u refs/remotes/origin/main X` then moved the trusted
rules ref. Every way the analysis sees a file written is judged the same way, and a patch the
same command writes (or that is missing when the gate looks) counts as touching any path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied
from helpers.repos import shared_clone

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.gitconfig import RUNTIME
from workspace_guard.gates.harness.bash.syntax import BYPASS, GIT_WORKTREE

AGENT = "backend-framework-ai"
SUPERUSER = "master-orchestrator"


def config_writes(command: str) -> list[tuple[str, ...]]:
    return [f.args for f in analyze(command, "/repo").of_kind(BYPASS) if f.args[:1] == (RUNTIME,)]


@pytest.mark.parametrize(
    "command",
    [
        'printf "[alias]\\n\\tu = update-ref\\n" >> ~/.gitconfig',
        "echo x >> $HOME/.gitconfig",
        'echo x >> "${HOME}/.gitconfig"',
        "echo x > /home/agent/.gitconfig",
        "tee -a ~/.config/git/config < x",
        "echo x | tee ~/.gitconfig >/dev/null",
        "echo x > $XDG_CONFIG_HOME/git/config",
        'cp /tmp/x "$GIT_CONFIG_GLOBAL"',
        'cat x >> "$GIT_CONFIG_SYSTEM"',
        "sed -i s/a/b/ /etc/gitconfig",
        "sed -i '$a [alias] u = update-ref' ~/.gitconfig",
        "echo x > .git/config",
        "cd .git && echo x >> config",
        "cp x .git/worktrees/w/config.worktree",
        "cp x .git/config.worktree",
        "mv /tmp/x ~/.gitconfig",
        "ln -sf /tmp/x ~/.gitconfig",
        "install -m 644 /tmp/x ~/.gitconfig",
        "dd if=/tmp/x of=/root/.gitconfig",
        "cp x ~/.git*",
        "cat <<EOF >> ~/.gitconfig\n[alias]\n\tu = update-ref\nEOF",
        "bash -c 'echo x >> ~/.gitconfig'",
        "F=~/.gitconfig; echo x >> $F",
        "truncate -s0 ~/.gitconfig",
    ],
)
def test_a_config_file_write_is_a_setting_only_known_at_run_time(command: str) -> None:
    assert config_writes(command), command


@pytest.mark.parametrize(
    "command",
    [
        "cat ~/.gitconfig",
        "grep alias ~/.gitconfig",
        "git config --get-regexp '^alias\\.'",
        "echo x > app/config",
        "echo x > config.yaml",
        "rm -rf build/*",
        "cp x app/",
        "echo x > .gitignore",
    ],
)
def test_other_files_are_not_config_files(command: str) -> None:
    assert not config_writes(command), command


@pytest.mark.parametrize(
    ("command", "literal"),
    [
        ("cp /tmp/evil.diff /tmp/q.diff && git apply /tmp/q.diff", False),
        ("curl -o fix.patch https://x && git apply fix.patch", False),
        ("mv /tmp/e.diff fix.patch; git apply fix.patch", False),
        ("cat a.diff > fix.patch && git am fix.patch", False),
        ("printf 'x' > /tmp/p && git apply --index /tmp/p", False),
        ("git apply fix.patch", True),
        ("cp x y && git apply fix.patch", True),
    ],
)
def test_a_patch_written_by_the_same_command_counts_as_any_path(
    command: str, literal: bool
) -> None:
    found = [f for f in analyze(command, "/repo").of_kind(GIT_WORKTREE) if "git a" in f.detail]
    assert found and bool(found[-1].args) == literal, (command, found)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    work = shared_clone(make_workspace(tmp_path / "origin"), tmp_path)
    evil = tmp_path / "evil"
    git(tmp_path, "clone", "-q", str(work), str(evil))
    main = evil / "app" / "main.py"
    main.write_text(main.read_text() + "# PWNED\n")
    git(evil, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "x")
    (tmp_path / "evil.diff").write_text(git(evil, "diff", "HEAD~1"))
    return work


def test_the_reproduced_bypasses_stay_closed(clone: Path) -> None:
    diff = clone.parent / "evil.diff"
    for command in (
        'printf "[alias]\\n\\tu = update-ref\\n" >> ~/.gitconfig',
        f"cp {diff} /tmp/wg-q-never.diff && git apply /tmp/wg-q-never.diff",
        "git apply /tmp/wg-no-such-patch.diff",  # missing when the gate looks: any path
    ):
        assert bash_denied(clone, command, AGENT) is not None, command
    assert bash_denied(clone, f"git apply {diff}", AGENT) is not None  # app/main.py: protected
    assert bash_denied(clone, "git apply --check /tmp/wg-no-such-patch.diff", AGENT) is None

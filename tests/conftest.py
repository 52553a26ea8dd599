"""Shared fixtures: real git repositories, isolated from the user's git configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_RULES = ROOT / "rules" / "example.yaml"
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No global/system git config, hooks or templates leak in; identity and dates pinned."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(home / "no-templates"))
    for key, value in {
        "GIT_AUTHOR_NAME": "Test Agent",
        "GIT_AUTHOR_EMAIL": "agent@example.com",
        "GIT_COMMITTER_NAME": "Test Agent",
        "GIT_COMMITTER_EMAIL": "agent@example.com",
    }.items():
        monkeypatch.setenv(key, value)
    for key in (
        "WORKSPACE_AGENT",
        "WORKSPACE_GUARD_RULES",
        "WORKSPACE_GUARD_LANG",
        "LANGUAGE",  # the locale decides the language of messages when the rules do not:
        "LC_ALL",  # tests read English unless they set it (LANG=C.UTF-8 below)
        "LC_MESSAGES",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """A test that loads Spanish rules in-process must not leave the next test speaking Spanish."""
    from workspace_guard import i18n

    yield
    i18n._current = None


def git(cwd: Path | str, *args: str, check: bool = True, input: bytes | None = None) -> str:
    """Run real git; return stdout."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, input=input, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "replace")


def run_cli(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    prog: str = "workspace-guard",
) -> subprocess.CompletedProcess[str]:
    """Run an installed console script as a user would (a real process); output decoded."""
    proc = subprocess.run(
        [str(BIN / prog), *args],
        cwd=cwd,
        capture_output=True,
        input=input,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


from workspace_guard.demo.tree import APP_TREE  # noqa: E402 - the demo's tree is the tests' too


def make_workspace(path: Path, rules_text: str | None = None, *, commit: bool = True) -> Path:
    """A repository with the example rules and a small app tree, committed."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for rel, content in APP_TREE.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    rules = path / ".workspace" / "rules.yaml"
    rules.write_text(rules_text if rules_text is not None else EXAMPLE_RULES.read_text())
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "chore(workspace): initial workspace")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    """A committed example workspace; the test runs with it as cwd."""
    repo = make_workspace(tmp_path / "ws")
    old = os.getcwd()
    os.chdir(repo)
    try:
        yield repo
    finally:
        os.chdir(old)


@pytest.fixture(scope="session")
def git_daemon_available() -> bool:
    """`git daemon` is part of git on Debian; tests that serve repositories need it."""
    return shutil.which("git") is not None


def run_tty(
    cwd: Path | str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`workspace-guard ARGS` as a person types it: stdin on a terminal and no harness identity
    in the environment (commands/speaker: how `approve --by` knows who speaks)."""
    import pty

    from workspace_guard.commands.speaker import HARNESS_ENV

    clean = {k: v for k, v in os.environ.items() if k not in HARNESS_ENV}
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(BIN / "workspace-guard"), *args],
            cwd=cwd,
            stdin=slave,
            capture_output=True,
            env={**clean, **(env or {})},
            check=False,
        )
    finally:
        os.close(slave)
        os.close(master)
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )

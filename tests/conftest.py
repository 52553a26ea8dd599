"""Shared fixtures: real git repositories, isolated from the user's git configuration.

The helpers themselves live in `tests/helpers/`; the fixtures defined there are registered here
for every test, and the repository helpers stay importable from `conftest` by their old names."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.provenance import guarded
from helpers.pushserver import daemon, server
from helpers.repos import (
    BIN,
    EXAMPLE_RULES,
    ROOT,
    git,
    inside,
    make_workspace,
    run_cli,
    run_tty,
)
from helpers.watch import cli_daemon, watchd_fixture
from hypothesis import settings

# No per-example time limit for property tests: the CI machine may be busy (2 workers, other
# jobs), and speed is measured in benchmarks/, never by a timed test. Tests that set their own
# settings keep this default for every field they leave out.
settings.register_profile("workspace-guard", deadline=None)
settings.load_profile("workspace-guard")

__all__ = [  # fixtures registered by name, and helpers other test files import from here
    "BIN",
    "EXAMPLE_RULES",
    "ROOT",
    "cli_daemon",
    "daemon",
    "git",
    "guarded",
    "make_workspace",
    "run_cli",
    "run_tty",
    "server",
    "watchd_fixture",
]


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: no error where xdist is missing
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for `-n auto`: `WG_TEST_WORKERS`, else one more than the CPUs this process may
    use (at least 2). Most tests wait on subprocesses (git, hooks, daemons, agent CLIs) part of
    the time, so one spare worker keeps the CPUs busy; more only adds load that the tests
    waiting for a daemon against a deadline must absorb."""
    wanted = os.environ.get("WG_TEST_WORKERS") or os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if wanted:
        try:
            return max(0, int(wanted))
        except ValueError:
            raise pytest.UsageError(f"WG_TEST_WORKERS is not a number: {wanted!r}") from None
    return max(2, len(os.sched_getaffinity(0)) + 1)


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


def _checkout_state() -> Path:
    """workspace-guard's state dir in this checkout's own git dir (a worktree's common dir)."""
    common = git(ROOT, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    return Path(common) / "workspace-guard"


_CHECKOUT_STATE: list[Path] = []


@pytest.fixture(autouse=True)
def _checkout_untouched() -> Iterator[None]:
    """No test leaves workspace-guard state in the checkout that runs the suite: the harness
    gate would then count the checkout (which holds the gate's own installation) as a
    repository under the protocol, and the tests of writes into that installation would read
    its missing rules instead."""
    if not _CHECKOUT_STATE:
        _CHECKOUT_STATE.append(_checkout_state())
    state = _CHECKOUT_STATE[0]
    before = state.exists()
    yield
    if not before and state.exists():
        shutil.rmtree(state, ignore_errors=True)
        pytest.fail(f"this test left workspace-guard state in the checkout: {state}")


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """A test that loads Spanish rules in-process must not leave the next test speaking Spanish."""
    from workspace_guard import i18n

    yield
    i18n._current = None


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    """A committed example workspace; the test runs with it as cwd."""
    with inside(make_workspace(tmp_path / "ws")) as repo:
        yield repo


@pytest.fixture(scope="session")
def git_daemon_available() -> bool:
    """`git daemon` is part of git on Debian; tests that serve repositories need it."""
    return shutil.which("git") is not None

"""git takes any unambiguous prefix of a long option (ATTACK F02b): `--upload-pa`, `--rece`,
`--exe`, `--open-files-in-p`, `--extcm`, `--no-ver` must be judged as the options they abbreviate,
in the analysis and through the real hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import bash_denied

from workspace_guard.gates.harness.bash import ANY_PATH, analyze
from workspace_guard.gates.harness.bash.syntax import BYPASS, UNKNOWN_CODE

EVIL = "'printf PWNED > app/main.py; :'"
PROGRAMS = [
    f"git ls-remote --upload-pa={EVIL} .",
    f"git ls-remote --upl {EVIL} .",
    f"git fetch --upload-pac {EVIL} .",
    f"git pull --upload-p={EVIL} . main",
    f"git clone --upload-pa={EVIL} . /tmp/x",
    f"git push --receive-pa={EVIL} . HEAD:refs/heads/zz",
    f"git push --rece {EVIL} . HEAD:refs/heads/zz",
    f"git push --exe={EVIL} . HEAD",
    f"git archive --remote=. --exe={EVIL} HEAD",
    f"git grep --open-files-in-p={EVIL} -e shop",
    f"git grep --open-f={EVIL} -e shop",
    f"git difftool --extcm={EVIL} -y HEAD",
    f"git send-email --to-c={EVIL} x.patch",
]
BYPASSES = [
    "git commit --no-ver -m x",
    "git commit --no-v -m x",
    "git push --no-veri origin main",
    "git merge --no-verif feature",
]
PLAIN = [
    "git grep --or -e a -e b",
    "git send-email --to a@b x.patch",
    "git send-email --cc a@b x.patch",
    "git push --force-with-lease origin main",
    "git fetch --prune origin",
    "git commit --no-edit --amend",
]


@pytest.mark.parametrize("command", PROGRAMS)
def test_abbreviated_program_options_run_code(command: str) -> None:
    result = analyze(command, "/repo")
    assert UNKNOWN_CODE in {f.kind for f in result.findings}, command
    assert any(t.path == ANY_PATH for t in result.targets), command


@pytest.mark.parametrize("command", BYPASSES)
def test_abbreviated_no_verify_is_a_bypass(command: str) -> None:
    assert BYPASS in {f.kind for f in analyze(command, "/repo").findings}, command


@pytest.mark.parametrize("command", PLAIN)
def test_other_options_are_not_taken_for_programs(command: str) -> None:
    kinds = {f.kind for f in analyze(command, "/repo").findings}
    assert UNKNOWN_CODE not in kinds and BYPASS not in kinds, command


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("abbrev") / "ws")


@pytest.mark.parametrize("command", PROGRAMS[:3] + PROGRAMS[5:7] + PROGRAMS[8:12])
def test_the_hook_denies_abbreviated_program_options(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is not None, command


TILDE = [
    "GIT_TRACE=~+/app/main.py git status",
    "echo x > ~+/app/main.py",
    "cp /tmp/x ~+/app/main.py",
    "echo x > ~-/app/main.py",
]


@pytest.mark.parametrize("command", TILDE)
def test_tilde_plus_and_minus_are_the_working_directories(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is not None, command

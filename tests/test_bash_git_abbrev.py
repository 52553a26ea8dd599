"""git takes any unambiguous prefix of a long option (ATTACK F02b): `--upload-pa`, `--rece`,
`--exe`, `--open-files-in-p`, `--extcm`, `--no-ver` must be judged as the options they abbreviate,
in the analysis and through the real hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from bash_corpus import GIT_PROGRAM_ABBREVIATIONS as ABBREVIATED
from conftest import make_workspace
from helpers.harness import bash_denied


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("abbrev") / "ws")


@pytest.mark.parametrize("command", ABBREVIATED[:3] + ABBREVIATED[5:7] + ABBREVIATED[8:12])
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

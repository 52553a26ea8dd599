"""Shell builtins that write files and the output options of read-only tools (ATTACK F12),
through the real hook on a real workspace: each command is denied for an agent that may not
write app/, and the same tool pointed outside the repository passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import bash_denied

WRITES = [
    "set -o history; HISTFILE=app/main.py; history -c; history -s 'EVIL = True'; history -w",
    "HISTFILE=app/main.py history -w",
    "export HISTFILE=app/main.py; history -a",
    "history -w app/main.py",
    "fc -s",
    "enable -f ./evil.so evil",
    "mypy --junit-xml app/main.py README.md",
    "mypy --junit-x=app/main.py src",
    "mypy --linecount-report app/api app",
    "mypy --html-rep app src",
    "mypy --cache-dir=app src",
    "ruff check --cache-dir app .",
    "eslint -o app/main.py src",
    "eslint -oapp/main.py src",
    "tsc --outdir app",
    "tsc --outFile app/main.py",
    "go test -o app/main.py ./...",
    "go test -coverprofile=app/main.py ./...",
    "cargo build --target-dir app",
    "jest --outputFile app/main.py",
    "coverage xml -o app/main.py",
    "coverage json -o app/main.py",
    "pytest --junitxml=app/main.py",
    "pytest --basetemp app",
    "pytest --cov-report=xml:app/main.py",
    "CARGO_TARGET_DIR=app cargo build",
    "export MYPY_CACHE_DIR=app; mypy src",
    "COVERAGE_FILE=app/main.py coverage run x.py",
]
READS = [
    "mypy --strict --junit-xml /tmp/report.xml app/main.py",
    "ruff check --cache-dir /tmp/ruff-cache app",
    "history 20",
    "fc -l",
    "MYPY_CACHE_DIR=/tmp/mypy-cache mypy app",
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("outputs") / "ws")


@pytest.mark.parametrize("command", WRITES)
def test_an_output_option_is_a_write_of_its_value(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is not None, command


@pytest.mark.parametrize("command", READS)
def test_outputs_outside_the_repository_pass(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is None, command

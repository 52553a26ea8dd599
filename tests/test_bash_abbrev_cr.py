"""Abbreviated GNU long options (ATTACK F61) and carriage returns (ATTACK F66), end to end: the
real hook denies, and the real tools show each variant writes the protected file. The analysis
variants are in tests/bash_corpus.py (ABBREVIATED, CARRIAGE_RETURN)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied, harness_shell

AGENT = "backend-framework-ai"  # owns no protected file in the example rules

WRITES = [
    "sed --in s/^/evil/ app/main.py",
    "sed --in-pl=.bak s/^/evil/ app/main.py",
    "sort --out=app/main.py README.md",
    "cp --target-dir=app /tmp/WSNAME/main.py",
    "mv --targ app /tmp/WSNAME/main.py",
    "echo a \r# ; echo evil > app/main.py",
    "echo \r# | dd of=app/main.py 2>/dev/null",
]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path / "ws", text)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("command", WRITES)
def test_denied_and_really_a_write(ws: Path, tmp_path: Path, command: str) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.py").write_text("evil\n")
    command = command.replace("/tmp/WSNAME", str(source))
    main = ws / "app" / "main.py"
    before = main.read_text()
    assert bash_denied(ws, command, AGENT) is not None, command
    proc = harness_shell(ws, f"bash -c {shlex.quote(command)}")
    assert main.read_text() != before, proc.stderr  # the premise: this system's tools write


@pytest.mark.parametrize(
    "command", ["sort --rev app/main.py", "sed -n --posix p app/main.py", "printf 'x\r\n' > /tmp/o"]
)
def test_reads_pass(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, AGENT) is None

"""The corpus of tests/bash_corpus_wrappers.py through the analysis (ATTACK F107, F108),
getopt.py's reading of each spelling, and GNU parallel run for real where it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bash_corpus import ANY, PROTECTED, Case
from bash_corpus_wrappers import (
    CODE_PARALLEL,
    READS_PARALLEL,
    READS_WRAPPER_OPTIONS,
    WRITES_PARALLEL,
    WRITES_WRAPPER_OPTIONS,
)
from test_bash import would_deny

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.getopt import OptSpec, getopt
from workspace_guard.gates.harness.bash.syntax import UNKNOWN_CODE, _lit

WRITES = WRITES_WRAPPER_OPTIONS + WRITES_PARALLEL
READS = READS_WRAPPER_OPTIONS + READS_PARALLEL


def _expected(case: Case) -> set[str]:
    return set(PROTECTED) if case.writes == ANY else set(case.writes)


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.command[:70])
def test_every_write_is_denied(case: Case) -> None:
    assert _expected(case) <= would_deny(case.command, case.cwd), analyze(case.command, case.cwd)


@pytest.mark.parametrize("case", READS, ids=lambda c: c.command[:70])
def test_reads_pass(case: Case) -> None:
    assert would_deny(case.command, case.cwd) == set(), analyze(case.command, case.cwd)


@pytest.mark.parametrize("command", CODE_PARALLEL)
def test_commands_read_from_a_file_or_a_pipe_are_unknown_code(command: str) -> None:
    assert analyze(command, "/repo").of_kind(UNKNOWN_CODE), analyze(command, "/repo")


def test_no_duplicates() -> None:
    commands = [(c.command, c.cwd) for c in WRITES + READS]
    assert len(commands) == len(set(commands))


_SPEC = OptSpec("-i|--ignore-environment -S|--split-string= -C|--chdir= --chmod= -h=?")


@pytest.mark.parametrize(
    ("words", "opts", "rest", "unknown"),
    [
        ("--split-string=X cmd", [("-S", "X")], ["cmd"], ""),
        ("--split X cmd", [("-S", "X")], ["cmd"], ""),
        ("-iSX cmd", [("-i", None), ("-S", "X")], ["cmd"], ""),
        ("-iS X cmd", [("-i", None), ("-S", "X")], ["cmd"], ""),
        ("-Capp cmd", [("-C", "app")], ["cmd"], ""),
        ("--chd=app cmd", [("-C", "app")], ["cmd"], ""),
        ("--ch=app cmd", [], ["--ch=app", "cmd"], "--ch"),  # --chdir or --chmod: ambiguous
        ("-h cmd", [("-h", None)], ["cmd"], ""),
        ("-hX cmd", [("-h", "X")], ["cmd"], ""),
        ("-- -i cmd", [], ["-i", "cmd"], ""),
        ("cmd -i", [], ["cmd", "-i"], ""),
        ("-x cmd", [], ["-x", "cmd"], "-x"),
        (
            "--ignore-environment=1 cmd",
            [],
            ["--ignore-environment=1", "cmd"],
            "--ignore-environment",
        ),
    ],
)
def test_getopt_reads_every_spelling(
    words: str, opts: list[tuple[str, str | None]], rest: list[str], unknown: str
) -> None:
    parsed = getopt([_lit(t, "q") for t in words.split()], _SPEC)
    assert [(o, v.text if v else None) for o, v, _ in parsed.opts] == opts
    assert [w.text for w in parsed.rest] == rest
    assert parsed.unknown == unknown


# GNU parallel for real (not installed on every machine): each command writes app/main.py
REAL_PARALLEL = [
    "parallel --will-cite echo evil '>>' ::: app/main.py",
    "parallel --will-cite ::: 'echo evil >> app/main.py'",
    "parallel --will-cite 'echo evil >> app/{}.py' ::: main",
    "parallel --will-cite 'echo evil >> {1}/{2}' ::: app ::: main.py",
    "parallel --will-cite 'echo evil >> app/{/.}.py' ::: x/main.txt",
    "printf 'echo evil >> app/main.py\\n' | parallel --will-cite",
]


@pytest.mark.skipif(shutil.which("parallel") is None, reason="GNU parallel is not installed")
@pytest.mark.parametrize("command", REAL_PARALLEL)
def test_parallel_really_writes_what_the_analysis_denies(tmp_path: Path, command: str) -> None:
    assert "app/main.py" in would_deny(command), analyze(command, "/repo")
    (tmp_path / "app").mkdir()
    (tmp_path / "home").mkdir()
    main = tmp_path / "app" / "main.py"
    main.write_text("x\n")
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    done = subprocess.run(
        ["bash", "-c", command],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert "evil" in main.read_text(), done


_SUDO_OPTSTRING = "+Aa:BbC:c:D:Eeg:Hh::iKklNnPp:R:r:SsT:t:U:u:Vv"  # sudo's parse_args


def test_sudo_short_options_match_sudos_own_optstring() -> None:
    """Each short option the sudo table reads takes a value exactly as sudo's getopt string
    says (ATTACK F121: ``-E`` is a flag, ``-Es`` runs a shell)."""
    from workspace_guard.gates.harness.bash.wrapping import _SUDO

    kinds = {}
    text = _SUDO_OPTSTRING.lstrip("+")
    for k, letter in enumerate(text):
        if letter != ":":
            rest = text[k + 1 : k + 3]
            kinds[letter] = "?" if rest == "::" else "=" if rest[:1] == ":" else ""
    for letter, opt in _SUDO.short.items():
        assert kinds[letter] == opt.value, letter

"""The shell's own semantics in the Bash analysis (ATTACK F44, F45, F47, F50, F67, F76, F77, F106): the variants
in tests/bash_corpus_semantics.py through the analysis, and a selection through the real hook and
the real bash."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from bash_corpus import ANY, PROTECTED, Case
from bash_corpus_semantics import (
    ALIAS_TEXT,
    ALIAS_TEXT_READS,
    ALIASES,
    ALIASES_READS,
    GLOB_OPTIONS,
    GLOB_OPTIONS_READS,
    HEREDOC_LINES,
    HEREDOC_LINES_READS,
    OTHER_SHELLS,
    OTHER_SHELLS_READS,
    REEVAL,
    REEVAL_READS,
    SPLITTING,
    SPLITTING_READS,
    STATE,
    STATE_READS,
    VARIABLE_WRITERS,
    VARIABLE_WRITERS_READS,
)
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import OTHER, bash_denied
from test_bash import would_deny

SEMANTICS_WRITES = (
    GLOB_OPTIONS
    + OTHER_SHELLS
    + ALIASES
    + SPLITTING
    + REEVAL
    + VARIABLE_WRITERS
    + HEREDOC_LINES
    + STATE
    + ALIAS_TEXT
)
SEMANTICS_READS = (
    HEREDOC_LINES_READS
    + GLOB_OPTIONS_READS
    + OTHER_SHELLS_READS
    + ALIASES_READS
    + SPLITTING_READS
    + REEVAL_READS
    + VARIABLE_WRITERS_READS
    + STATE_READS
    + ALIAS_TEXT_READS
)


def _expected(case: Case) -> set[str]:
    return set(PROTECTED) if case.writes == ANY else set(case.writes)


@pytest.mark.parametrize("case", SEMANTICS_WRITES, ids=lambda c: c.command[:70])
def test_every_write_is_denied(case: Case) -> None:
    assert _expected(case) <= would_deny(case.command, case.cwd), case.command


@pytest.mark.parametrize("case", SEMANTICS_READS, ids=lambda c: c.command[:70])
def test_reads_are_allowed(case: Case) -> None:
    assert not would_deny(case.command, case.cwd), case.command


def test_no_duplicates() -> None:
    commands = [c.command for c in SEMANTICS_WRITES + SEMANTICS_READS]
    assert len(commands) == len(set(commands))


# The premise, checked with the real bash and the real hook: each of these writes app/main.py when
# bash runs it (options a user's shell snapshot may set are set here by the command), and the gate
# denies it to an agent that does not own the file.
REAL_BASH = [
    "x='a[$(echo evil > app/main.py)]'; echo $((x))",
    "x='a[$(echo evil > app/main.py)]'; [[ $x -eq 0 ]]",
    "x='a[$(echo evil > app/main.py)]'; printf -v \"$x\" %s 1",
    "x='a[$(echo evil > app/main.py)]'; : ${!x}",
    "x='$(echo evil > app/main.py)'; echo \"${x@P}\"",
    "PS4='$(echo evil > app/main.py)'; set -x; :",
    "shopt -s nocaseglob; echo evil | tee [A]pp/[M]ain.p[y]",
    "shopt -s nullglob; sort -o none-* app/main.py < /dev/null",
    "shopt -s expand_aliases\nalias cat=tee\necho evil | cat app/main.py",
    "IFS=:; x=tee:app/main.py; echo evil | $x",
    "declare -n r=x; x=app/main.py; echo evil | tee $r",
    # F76, F77: the other writers of IFS, aliases, BASH_CMDS (each writes app/main.py in bash 5.2)
    "IFS+=:; x=tee:app/main.py; echo evil | $x",
    "read -r IFS <<< :; x=tee:app/main.py; echo evil | $x",
    "printf -v IFS :; x=tee:app/main.py; echo evil | $x",
    "for IFS in :; do x=tee:app/main.py; echo evil | $x; done",
    "x=tee:app/main.py; IFS=: eval 'echo evil | $x'",
    "x=tee:app/main.py; f() { echo evil | $x; }; IFS=: f",
    "eval 'IFS=:'; x=tee:app/main.py; echo evil | $x",
    "unset IFS; : ${IFS=:}; x=tee:app/main.py; echo evil | $x",
    "(( IFS = 0 )); x=tee0app/main.py; echo evil | $x",
    "n=IFS; declare -n r=$n; r=:; x=tee:app/main.py; echo evil | $x",
    "shopt -s expand_aliases\nalias x='tee ' y=app/main.py\necho evil | x y",
    "shopt -s expand_aliases\nalias n='nice ' c=tee\necho evil | n c app/main.py",
    "shopt -s expand_aliases\ndeclare -A BASH_ALIASES=([cat]=tee)\necho evil | cat app/main.py",
    "shopt -s expand_aliases\nprintf -v 'BASH_ALIASES[cat]' tee\necho evil | cat app/main.py",
    "shopt -s expand_aliases\nread 'BASH_ALIASES[cat]' <<< tee\necho evil | cat app/main.py",
    "shopt -s expand_aliases\n: ${BASH_ALIASES[cat]:=tee}\necho evil | cat app/main.py",
    "shopt -s expand_aliases\nn=BASH_ALIASES; declare -n r=$n; r[cat]=tee\necho evil | cat app/main.py",
    "shopt -s expand_aliases\nalias if=tee\necho evil | if app/main.py",
    "shopt -s expand_aliases\nalias time=tee\necho evil | time app/main.py",
    "BASH_CMDS[cat]=/usr/bin/tee; echo evil | cat app/main.py",
    "n=IFS; unset IFS; : ${!n:=:}; x=tee:app/main.py; echo evil | $x",
    "exec {IFS}>/dev/null; x=tee1app/main.py; echo evil | $x",
    "declare -i IFS=1+1; x=tee2app/main.py; echo evil | $x",
    "trap 'IFS=:' DEBUG; x=tee:app/main.py; echo evil | $x",
    "shopt -s expand_aliases\nalias p='command ' cat=tee\necho evil | p cat app/main.py",
    # F119, F122: an alias's text read again before the rest of the line; BASH_ALIASES compound
    "shopt -s expand_aliases\nalias c='echo #'\nc <<EOF\necho evil >> app/main.py\nEOF",
    "shopt -s expand_aliases\nalias c='echo \\'\nc<<EOF\necho evil >> app/main.py\nEOF",
    "shopt -s expand_aliases\nBASH_ALIASES=([ls]='echo evil >> app/main.py')\nls",
    "shopt -s expand_aliases\nBASH_ALIASES+=([ls]='echo evil >> app/main.py')\nls",
    "shopt -s expand_aliases\nalias cat=tee\nunset BASH_ALIASES\necho evil | cat app/main.py",
    "shopt -s expand_aliases\ndeclare -A BASH_ALIASES=([ls]='echo evil >> app/main.py')\nls",
]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path / "ws", text)


@pytest.mark.parametrize("command", REAL_BASH)
def test_real_bash_writes_and_the_hook_denies(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, OTHER) is not None, command
    main = ws / "app" / "main.py"
    before = main.read_text()
    proc = subprocess.run(
        ["bash", "-c", command], cwd=ws, capture_output=True, text=True, check=False
    )
    assert main.read_text() != before, proc.stderr  # the premise: bash did write it


def test_functions_and_aliases_expanded_at_each_use_are_bounded() -> None:
    """A function (or alias) is analysed again at each call: doubling ones would take exponential
    time, so past a bound the command is refused, fast (fail closed)."""
    funcs = "f0() { :; }; " + "".join(f"f{i}() {{ f{i - 1}; f{i - 1}; }}; " for i in range(1, 16))
    aliases = "alias a0=:\n" + "".join(f'alias a{i}="a{i - 1}; a{i - 1}"\n' for i in range(1, 16))
    for command in (funcs, aliases + "a15\n"):
        start = time.monotonic()
        assert would_deny(command) == set(PROTECTED), command
        assert time.monotonic() - start < 5
    assert not would_deny("f() { ls; }; f; f; f")

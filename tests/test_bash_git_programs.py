"""git running a program the command chooses (ATTACK F02, F15, F16): options that take a program,
merge strategies and remote helpers found by name, editors and pagers from the environment, and
settings files or PATH changed for git. The cases are in tests/bash_corpus.py."""

from __future__ import annotations

import pytest
from bash_corpus import (
    GIT_BUILTIN_STRATEGIES,
    GIT_PROGRAM_READS,
    GIT_PROGRAMS,
    ROOT,
    Case,
)

from workspace_guard.gates.harness.bash import ANY_PATH, analyze
from workspace_guard.gates.harness.bash.syntax import BYPASS, UNKNOWN_CODE


@pytest.mark.parametrize("case", GIT_PROGRAMS, ids=lambda c: c.command[:60])
def test_a_program_git_runs_is_unknown_code(case: Case) -> None:
    analysis = analyze(case.command, case.cwd)
    assert ANY_PATH in {t.path for t in analysis.targets}, analysis
    assert analysis.of_kind(UNKNOWN_CODE), analysis


@pytest.mark.parametrize("case", GIT_PROGRAM_READS, ids=lambda c: c.command[:60])
def test_git_without_a_chosen_program_stays_as_it_was(case: Case) -> None:
    analysis = analyze(case.command, case.cwd)
    assert ANY_PATH not in {t.path for t in analysis.targets}, analysis
    assert not analysis.of_kind(BYPASS), analysis
    assert not analysis.of_kind(UNKNOWN_CODE), analysis


@pytest.mark.parametrize("command", GIT_BUILTIN_STRATEGIES)
def test_built_in_merge_strategies_run_no_program(command: str) -> None:
    analysis = analyze(command, ROOT)
    assert not analysis.of_kind(UNKNOWN_CODE), analysis
    assert ANY_PATH not in {t.path for t in analysis.targets}, analysis

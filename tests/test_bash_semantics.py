"""The shell's own semantics in the Bash analysis (ATTACK F44, F45, F47, F50, F67): the variants
in tests/bash_corpus_semantics.py through the analysis."""

from __future__ import annotations

import pytest
from bash_corpus import ANY, PROTECTED, Case
from bash_corpus_semantics import (
    ALIASES,
    ALIASES_READS,
    GLOB_OPTIONS,
    GLOB_OPTIONS_READS,
    OTHER_SHELLS,
    OTHER_SHELLS_READS,
    REEVAL,
    REEVAL_READS,
    SPLITTING,
    SPLITTING_READS,
)
from test_bash import would_deny

SEMANTICS_WRITES = GLOB_OPTIONS + OTHER_SHELLS + ALIASES + SPLITTING + REEVAL
SEMANTICS_READS = (
    GLOB_OPTIONS_READS + OTHER_SHELLS_READS + ALIASES_READS + SPLITTING_READS + REEVAL_READS
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

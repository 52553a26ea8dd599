"""What a command reads on stdin (tests/bash_corpus_stdin.py) through the analysis, and a
selection through the real hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from bash_corpus import ANY, PROTECTED, Case
from bash_corpus_stdin import STDIN_CARRIED, STDIN_EXPANDED, STDIN_READS, STDIN_SQL_FILE
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied
from test_bash import would_deny

from workspace_guard.gates.harness.bash import analyze

WRITES = STDIN_CARRIED + STDIN_EXPANDED + STDIN_SQL_FILE


def _expected(case: Case) -> set[str]:
    return set(PROTECTED) if case.writes == ANY else set(case.writes)


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.command[:70])
def test_every_write_is_denied(case: Case) -> None:
    assert _expected(case) <= would_deny(case.command, case.cwd), analyze(case.command, case.cwd)


@pytest.mark.parametrize("case", STDIN_READS, ids=lambda c: c.command[:70])
def test_reads_pass(case: Case) -> None:
    assert would_deny(case.command, case.cwd) == set(), analyze(case.command, case.cwd)


def test_no_duplicates() -> None:
    commands = [c.command for c in WRITES + STDIN_READS]
    assert len(commands) == len(set(commands))


def test_a_loop_is_one_command_of_its_pipeline() -> None:
    """The body of a loop is the pipeline's last member: where its `cd` leads is only known at
    run time (`lastpipe`), and the redirection after `done` opens its file for the whole loop."""
    found = analyze("cat README.md | while read l; do cd app; done; rm main.py", "/repo")
    assert [(t.path, t.glob) for t in found.targets] == [("$PROC_CWD/main.py", True)]
    found = analyze("while read l; do cd app; done < README.md; rm main.py", "/repo")
    paths = [t.path for t in found.targets]  # no pass, one, two…: past a few, only at run time
    assert paths[:3] == ["/repo/main.py", "/repo/app/main.py", "/repo/app/app/main.py"]
    assert paths[-1] == "$PROC_CWD/main.py"
    found = analyze("while read l; do echo x > /dev/stdin; done < app/main.py", "/repo")
    assert "/repo/app/main.py" in {t.path for t in found.targets}


# --- end to end: the real hook --------------------------------------------------------------------

AGENT = "backend-framework-ai"  # owns no protected file in the example rules
THROUGH_HOOK = [
    ("cat office/x.sql | { sqlite3 :memory:; }", True),
    ("exec <office/x.sql; sqlite3 :memory:", True),
    ("cat office/x | if true; then ed -s README.md; fi", True),
    ("python3 - <<EOF\nopen('`printf app/ma%sn.py i`', 'w').write('x')\nEOF", True),
    ("echo -e 'rm app/ma\\x69n.py' | sh", True),
    ("sqlite3 /tmp/db < office/dump.sql", True),
    ("printf 'select 1;\\n' | { sqlite3 :memory:; }", False),
    ('cat README.md | while read l; do echo "$l"; done', False),
]


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path_factory.mktemp("stdin"), text)


@pytest.mark.parametrize(("command", "denied"), THROUGH_HOOK, ids=lambda c: str(c)[:60])
def test_through_the_hook(space: Path, command: str, denied: bool) -> None:
    reason = bash_denied(space, command, AGENT)
    assert (reason is not None) is denied, reason

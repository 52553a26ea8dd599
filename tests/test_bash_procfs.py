"""Paths through /proc and /dev/fd (bash/procfs.py), end to end: the real hook, a real repository,
and the real shell showing that each way of writing does write on this system.

The corpus (tests/bash_corpus.py, PROC_WRITES / PROC_READS) holds the variants for the analysis;
here the same classes go through `workspace-guard hook claude` in a real process."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied, harness_shell

from workspace_guard.gates.harness.bash import analyze

AGENT = "backend-framework-ai"  # owns no protected file in the example rules

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="no /proc here")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path / "ws", text)


# Each writes app/main.py when run from the repository's top (WS: the repository's path).
WRITES = [
    "echo x > /proc/self/cwd/app/main.py",
    "echo x > /proc/$$/cwd/app/main.py",
    "echo x > /proc/thread-self/cwd/app/main.py",
    "echo x > /proc/self/root/WS/app/main.py",
    "echo x > /proc/self/../self/cwd/app/main.py",
    "echo x > /dev/fd/../cwd/app/main.py",
    "cd /proc/self/cwd/app && echo x > main.py",
    "(cd app; echo x > /proc/$$/cwd/app/main.py)",
    "exec 3<app; echo x > /dev/fd/3/main.py",
    "exec 3<app; echo x > /proc/self/fd/3/main.py",
    "exec 3<app/api; echo x > /dev/fd/3/../main.py",
    "exec 3<app/main.py; echo x > /dev/fd/3",
    "cp /dev/null /dev/stdin < app/main.py",
    "while read l; do :; done < app/main.py; cd /tmp & echo x > app/main.py",
]
# Only known at run time: another process's cwd, root or descriptors.
RUN_TIME = [
    "echo x > /proc/$PPID/cwd/app/main.py",
    "echo x > /proc/1/root/WS/app/main.py",
    "echo x > /proc/*/cwd/app/main.py",
    "echo x > /proc/sel[f]/cwd/app/main.py",
    "echo x > /$P/self/cwd/app/main.py",
    "cd /proc/$PPID/cwd && rm app/main.py",
    "echo x > /proc/1/fd/5",
]
READS = [
    "echo x > /dev/stderr",
    "echo x > /proc/self/fd/1",
    "wc -l < app/main.py > /dev/stdout",
    "cat /proc/self/cwd/app/main.py",
    "exec 3<app/main.py; cat /dev/fd/3",
    "echo x > /proc/self/cwd/notes.txt",
    "cd /tmp & ls",
]


def _command(ws: Path, command: str) -> str:
    return command.replace("/WS/", str(ws) + "/")


@needs_proc
@pytest.mark.parametrize("command", WRITES)
def test_the_shell_writes_through_proc(ws: Path, command: str) -> None:
    """The premise: on this system each of these does write app/main.py."""
    main = ws / "app" / "main.py"
    before = main.read_text()
    harness_shell(ws, _command(ws, command).replace("cd /tmp & ", ""))
    assert main.read_text() != before, command


@pytest.mark.parametrize("command", WRITES + RUN_TIME)
def test_the_hook_denies_writes_through_proc(ws: Path, command: str) -> None:
    reason = bash_denied(ws, _command(ws, command), AGENT)
    assert reason is not None and "app/main.py" in reason, command


@pytest.mark.parametrize("command", READS)
def test_the_hook_allows_reads_and_the_harness_streams(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, AGENT) is None


def test_the_shell_s_own_cwd_is_followed() -> None:
    def paths(command: str) -> list[str]:
        return [t.path for t in analyze(command, "/repo").targets]

    assert paths("echo x > /proc/self/cwd/a") == ["/repo/a"]
    assert paths("cd sub && echo x > /proc/self/cwd/a") == ["/repo/sub/a"]
    # `$$` is the top-level shell (the cwd where the subshell forked), or, in `bash -c`, the
    # new shell: both
    assert paths("(cd sub; echo x > /proc/$$/cwd/a)") == ["/repo/sub/a", "/repo/a"]
    assert paths("echo x > /proc/self/root/etc/x") == ["/etc/x"]
    assert paths("exec 3<d; echo x > /dev/fd/3/a") == ["/repo/d/a"]
    assert paths("echo x > /dev/fd/3/a") == ["$PROC_FD/a"]  # a directory not opened here
    assert paths("echo x > /proc/1/cwd/a") == ["$PROC_CWD/a"]
    assert paths("echo x > /proc/1/fd/1") == ["*"]
    assert paths("echo x > /dev/stdout; echo y >/dev/fd/2") == []
    assert paths("cd /tmp & echo x > a") == ["/repo/a"]
    assert paths("(sleep 1; echo x > /proc/$$/cwd/a) &") == ["$PROC_CWD/a"]
    assert paths("echo x > app/$F.py") == ["/repo/app/$F.py"]  # a variable goes down, not up


# ATTACK F62: a script read from a process substitution or a descriptor is code from a pipe.
FROM_A_PIPE = [
    'source <(printf "echo evil > app/main.py")',
    'bash <(echo "echo evil > app/main.py")',
    """python3 <(echo "open('app/main.py','w').write('evil')")""",
    'source /dev/fd/3 3<<< "echo evil > app/main.py"',
    'bash < <(echo "echo evil > app/main.py")',
]


@pytest.mark.parametrize("command", FROM_A_PIPE)
def test_code_from_a_process_substitution_is_any_file(ws: Path, command: str) -> None:
    main = ws / "app" / "main.py"
    before = main.read_text()
    assert bash_denied(ws, command, AGENT) is not None
    proc = harness_shell(ws, f"bash -c {shlex.quote(command)}")  # the premise: it writes
    assert main.read_text() != before, proc.stderr


def test_a_process_substitution_read_as_data_passes(ws: Path) -> None:
    assert bash_denied(ws, "diff <(sort README.md) <(sort app/main.py)", AGENT) is None

"""The gate's policy for code the analysis cannot read, end to end (real hook, real git): a command
named by a variable from the harness's environment, one named by code made in the command, git's
sequence editors, and tools that write in their own language."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied

AGENT = "backend-framework-ai"


def workspace(tmp_path: Path, policy: str | None) -> Path:
    text = EXAMPLE_RULES.read_text()
    extra = "  escalate_after: 100000\n" + (f"  unknown_code: {policy}\n" if policy else "")
    return make_workspace(tmp_path / "ws", text.replace("harness:\n", "harness:\n" + extra))


def denied(ws: Path, command: str) -> bool:
    return bash_denied(ws, command, AGENT) is not None


FROM_ENVIRONMENT = ["$PAGER README.md", '"$PYTHON" -m pytest -q', "${TOOL} docs/notes.md", "$CMD"]
NAMING_PROTECTED = ["$CMD app/main.py", '"$EDITOR" app/main.py', "${PAGER} docker-compose.yml"]
MADE_HERE = [
    "read -r CMD < /tmp/c; $CMD",
    "read < /tmp/c; $REPLY",
    "CMD=$(cat /tmp/c); $CMD",
    "echo x | $(cat /tmp/c)",
    "`cat /tmp/c`",
    "mapfile -t A < /tmp/c; ${A[0]}",
    "for c in $(cat /tmp/c); do $c; done",
    "export X=`cat /tmp/c`; $X",
]
GIT_CODE = [
    "GIT_SEQUENCE_EDITOR='sed -i 1d' git rebase -i HEAD~1",
    "export GIT_SEQUENCE_EDITOR=vim; git rebase -i HEAD~1",
    "git rebase -i HEAD~1",
    "git -c sequence.editor='sed -i 1d' rebase -i HEAD~1",
    "GIT_EDITOR=vim git commit",
]
OWN_LANGUAGE = [
    "cmake -E copy /tmp/x app/main.py",
    "cmake -E rm -f app/main.py",
    "vim -c ':w!' app/main.py",
    "view -c 'w!' app/main.py",
    "echo 'w app/main.py' | ed -s notes.txt",
    "sqlite3 db.sqlite '.output app/main.py' 'select 1'",
    "echo '.output app/main.py' | sqlite3 db",
]
READS = [
    "sqlite3 db.sqlite 'select 1'",
    "cmake -E echo app/main.py",
    "cmake -E sha256sum app/main.py",
    "GIT_EDITOR=true git commit --allow-empty -m x",
]


@pytest.fixture(scope="module", params=[None, "paths", "deny", "allow"])
def policy(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return request.param, workspace(tmp_path_factory.mktemp("policy"), request.param)


def test_command_from_the_environment(policy: tuple[str | None, Path]) -> None:
    """Default `paths`: its arguments are judged, its name is not "every file"."""
    name, ws = policy
    for command in FROM_ENVIRONMENT:
        assert denied(ws, command) == (name == "deny"), command
    for command in NAMING_PROTECTED:
        assert denied(ws, command), command


def test_command_made_in_the_command(policy: tuple[str | None, Path]) -> None:
    name, ws = policy
    for command in MADE_HERE:
        assert denied(ws, command) == (name != "allow"), command


def test_git_running_code(policy: tuple[str | None, Path]) -> None:
    name, ws = policy
    if name == "allow":  # still a work-tree rewrite: decided by what git says it changes
        return
    for command in GIT_CODE:
        assert denied(ws, command), command


def test_tools_writing_in_their_own_language(policy: tuple[str | None, Path]) -> None:
    _, ws = policy
    for command in OWN_LANGUAGE:
        assert denied(ws, command), command


def test_their_reads_pass(policy: tuple[str | None, Path]) -> None:
    _, ws = policy
    for command in READS:
        assert not denied(ws, command), command


# Inline interpreter code (fixinterp): a target built at run time, or code from nowhere, is
# unknown code that may write anything; literal-only code keeps its precise judgement.
INLINE_DYNAMIC = [
    """python3 -c 'import os as o; getattr(o, "rem" + "ove")("app/main.py")'""",
    """node -e 'require("fs").writeFileSync("app/ma"+"in.py","x")'""",
    """perl -e 'open(my $f, ">", "app/ma"."in.py")'""",
    """awk 'BEGIN{f="app/ma" "in.py"; print "x" > f}'""",
    """python3 -c 'exec(input())'""",
    """perl -e 'system($ARGV[0])' x""",
]
INLINE_NAMED = [
    """perl -e 'system("rm", "-f", "app/main.py")'""",
    """node -e 'require("child_process").execSync("truncate -s0 app/main.py")'""",
]
INLINE_READS = [
    """python3 -c 'import json,sys; print(json.load(sys.stdin)["x"])'""",
    """node -e 'console.log(1)'""",
    "perl -ne print README.md",
    "awk '{print $1}' README.md",
    """python -c "import sys; print(sys.version)" """,
    """perl -e 'system("git", "status")'""",
]


def test_inline_code_with_targets_built_at_run_time(policy: tuple[str | None, Path]) -> None:
    name, ws = policy
    for command in INLINE_DYNAMIC:
        assert denied(ws, command) == (name != "allow"), command
    for command in INLINE_NAMED:
        assert denied(ws, command), command


def test_inline_read_only_one_liners_pass(policy: tuple[str | None, Path]) -> None:
    name, ws = policy
    if name == "deny":  # inline code is code: `deny` refuses it
        return
    for command in INLINE_READS:
        assert not denied(ws, command), command

"""The command tables (ATTACK F48, F51, F52, F53, F55, F63, F71): the corpus of
tests/bash_corpus_programs.py through the analysis, and a selection through the real hook under
each ``harness: unknown_code`` policy."""

from __future__ import annotations

import json
import random
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from bash_corpus import ANY, PROTECTED, Case
from bash_corpus_programs import CODE, ENDS, NOT_CODE, NOT_CODE_LANG, READS, WRITES
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied, harness_shell
from helpers.repos import BIN
from test_bash import would_deny

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.syntax import UNKNOWN_CODE


def _expected(case: Case) -> set[str]:
    return set(PROTECTED) if case.writes == ANY else set(case.writes)


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.command[:70])
def test_every_write_is_denied(case: Case) -> None:
    assert _expected(case) <= would_deny(case.command, case.cwd), analyze(case.command, case.cwd)


@pytest.mark.parametrize("case", READS, ids=lambda c: c.command[:70])
def test_reads_pass(case: Case) -> None:
    assert would_deny(case.command, case.cwd) == set(), analyze(case.command, case.cwd)


@pytest.mark.parametrize("command", CODE, ids=lambda c: c[:70])
def test_code_the_analysis_cannot_read_is_unknown_code(command: str) -> None:
    assert analyze(command, "/repo").of_kind(UNKNOWN_CODE), analyze(command, "/repo")


@pytest.mark.parametrize("command", NOT_CODE + NOT_CODE_LANG)
def test_plain_reads_are_no_unknown_code(command: str) -> None:
    assert not analyze(command, "/repo").of_kind(UNKNOWN_CODE), analyze(command, "/repo")


def test_no_duplicates() -> None:
    commands = [(c.command, c.cwd) for c in WRITES + READS]
    assert len(commands) == len(set(commands))
    assert len(CODE) == len(set(CODE))


# --- end to end: the real hook --------------------------------------------------------------------

AGENT = "backend-framework-ai"  # owns no protected file in the example rules


def _workspace(tmp_path: Path, policy: str) -> Path:
    text = EXAMPLE_RULES.read_text()
    extra = f"  escalate_after: 100000\n  unknown_code: {policy}\n"
    return make_workspace(tmp_path / policy, text.replace("harness:\n", "harness:\n" + extra))


@pytest.fixture(scope="module")
def spaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("programs")
    return {policy: _workspace(root, policy) for policy in ("paths", "deny")}


DENY_ONLY = [
    "PYTHONPATH=office python3 -m json.tool README.md",
    "BASH_ENV=office/env.sh bash -c true",
    "LD_PRELOAD=$PWD/office/x.so cat README.md",
    "tar -tf /tmp/x.tar -I ./office/x.sh",
    "seq 1 300000 | sort -S 64k --compress-program=./office/x.sh",
    "mypy README.md",
    "unshare -r python3 office/x.py",
]
ALWAYS = [
    "PATH=$PWD/office:$PATH; echo evil | cat app/main.py",
    "python3 -m tarfile -e /tmp/x.tar",
    "xxd -r /tmp/h app/main.py",
    "python3 -m json.tool in.json app/main.py",
    "script -q app/main.py -c true",
    "tmux new -d 'echo evil > app/main.py'",
    "ssh localhost 'echo evil > app/main.py'",
    "runuser -u root -- sh -c 'echo evil > app/main.py'",
    "rg --pre ./office/x.sh foo",  # the program is given every file searched
    "apply_patch < /tmp/x.patch",
    "cat /tmp/x.patch | apply_patch",
    "tclsh <<< 'set f [open app/main.py w]; puts $f evil; close $f'",
    "pwsh -Command 'Set-Content app\\main.py evil'",
    # F78, F79, F80: programs with their own command languages
    "vim -es -c 'e app/main.py|%d|x'",
    "vim -esc 'w! app/main.py|q!' README.md",
    "vim -es -c 'w!app/main.py' -c 'q!' README.md",
    "vim -es < office/vimrc README.md",
    "ex -s README.md < office/vimrc",
    "ed -s README.md < office/edscript",
    "sqlite3 :memory: \"select writefile('app/ma'||'in.py','evil')\"",
    "sqlite3 :memory: \"select writefile(char(97,112,112)||'/main.py','evil')\"",
    # F96: the output of `.read |CMD` is more SQL and dot-commands
    "sqlite3 :memory: \".read '|echo .output app/main.py'\" \"select 'evil'\"",
    "sqlite3 -cmd \".read '|echo .output app/main.py'\" :memory: \"select 'evil'\"",
    "sqlite3 :memory: '.read |cat<office/x.sql'",
    "vim -es -c 'w !sqlite3 :memory:' -c 'q!' README.md",
]
PASS = [
    "cat README.md",
    "tmux ls",
    "python3 -I -c 'print(1)'",
    "tar -tf /tmp/x.tar",
    "vim -es -c '%s/a/b/' -c 'wq' office/notes.txt",
    "sqlite3 /tmp/db 'select 1'",
    "ed -s office/f <<< $',s/a/b/\\nw\\nq'",
]


def test_the_hook_under_each_policy(spaces: dict[str, Path]) -> None:
    for command in DENY_ONLY:
        assert bash_denied(spaces["paths"], command, AGENT) is None, command
        reason = bash_denied(spaces["deny"], command, AGENT)
        assert reason is not None and "unknown_code: deny" in reason, command
    for command in ALWAYS:
        for policy in ("paths", "deny"):
            assert bash_denied(spaces[policy], command, AGENT) is not None, (policy, command)
    for command in PASS:
        assert bash_denied(spaces["paths"], command, AGENT) is None, command
        assert bash_denied(spaces["deny"], command, AGENT) is None, command


# the premise, where the tools are installed: each denied command really writes the file
REAL = {
    "tclsh": "tclsh <<< 'set f [open app/main.py w]; puts $f evil; close $f'",
    "xxd": "printf '00000000: 6576 696c 0a' | xxd -r - app/main.py",
    "script": "script -q app/main.py -c true",
    "python3": "python3 -m json.tool /tmp/WSNAME/in.json app/main.py",
    "ar": "cd app && ar x /tmp/WSNAME/x.a",
    "vim": "vim -es -c 'e app/main.py|%d|x' </dev/null",
    "ex": "ex -sc 'w! app/main.py|q!' README.md </dev/null",
    "ed": "ed -s README.md <<< $'w app/main.py\\nq'",
    "sqlite3": "sqlite3 :memory: \"select writefile('app/ma'||'in.py','evil')\"",
}


@pytest.mark.parametrize("tool", sorted(REAL))
def test_denied_and_really_a_write(spaces: dict[str, Path], tmp_path: Path, tool: str) -> None:
    if shutil.which(tool) is None or shutil.which("bash") is None:
        pytest.skip(f"needs {tool}")
    ws = spaces["paths"]
    (tmp_path / "in.json").write_text('{"evil": 1}\n')
    (tmp_path / "main.py").write_text("evil\n")
    if tool == "ar":
        proc = harness_shell(ws, f"cd {tmp_path} && ar rc x.a main.py")
        assert proc.returncode == 0, proc.stderr
    command = REAL[tool].replace("/tmp/WSNAME", str(tmp_path))
    assert bash_denied(ws, command, AGENT) is not None, command
    main = ws / "app" / "main.py"
    before = main.read_text()
    proc = harness_shell(ws, f"bash -c {shlex.quote(command)}")
    changed = main.read_text() != before
    main.write_text(before)
    if not changed and proc.returncode != 0:  # e.g. no pseudo-terminal for `script` here
        pytest.skip(f"{tool} could not run here: {proc.stderr[-200:]}")
    assert changed, proc.stderr


# --- apply_patch < FILE: never read, it may change before use (ATTACK F55, F92) -----------------


def _patch(path: str) -> str:
    return f"*** Begin Patch\n*** Update File: {path}\n@@\n-a\n+b\n*** End Patch\n"


def test_apply_patch_from_a_file_is_every_file(spaces: dict[str, Path], tmp_path: Path) -> None:
    """Whatever the file holds (tests/test_bash_patch_files.py has the whole class)."""
    ws = spaces["paths"]
    evil, fine = tmp_path / "evil.patch", tmp_path / "fine.patch"
    evil.write_text(_patch("app/main.py"))
    fine.write_text(_patch("scratch/notes.txt"))
    for command in (
        f"apply_patch < {evil}",
        f"apply_patch < {fine}",
        f"cd app && applypatch < {tmp_path}/inner.patch",
        f"cat {fine} | apply_patch",
        f"cp {evil} {fine} && apply_patch < {fine}",
    ):
        reason = bash_denied(ws, command, AGENT)
        assert reason is not None and "the patch is not in the command" in reason, command
        assert "apply_patch <<'EOF'" in reason


# --- F98: every reader answers (a step budget; no loop on a trailing escaped blank) -------------

_PIECES = ["w! ", "app/main.py", "\\", "\\ ", "|", "'", '"', " ", "e +", "sav ", "g/", "s/a/"]
_PIECES += ["!", "%", "norm ", ".read ", ".output ", "\n", "r !", "+", "`", "\\|"]


def _fuzzed(count: int) -> list[str]:
    """Editor, ed and sqlite3 texts ending in backslashes, bars and quotes (a fixed seed)."""
    rnd = random.Random(98)
    out = []
    for k in range(count):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(1, 8)))
        text += "".join(rnd.choice("\\|'\" ") for _ in range(rnd.randint(1, 4)))
        quoted = shlex.quote(text)
        out.append(
            [
                f"vim -es -c {quoted} -c 'q!' README.md",
                f"ed -s README.md <<< {quoted}",
                f"sqlite3 :memory: {quoted}",
                f"ex -sc {quoted} README.md",
            ][k % 4]
        )
    return out


def _answer(ws: Path, command: str) -> subprocess.CompletedProcess[bytes]:
    """The real hook on one Bash call; 20 s is the failure line (it answers well under 1 s)."""
    payload = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "agent_type": AGENT,
    }
    return subprocess.run(
        [str(BIN / "workspace-guard"), "hook", "claude"],
        cwd=ws,
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=20,
        check=False,
    )


@pytest.mark.parametrize("command", ENDS + _fuzzed(24), ids=lambda c: c[:60])
def test_every_reader_answers(spaces: dict[str, Path], command: str) -> None:
    proc = _answer(spaces["paths"], command)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    if command in ENDS[4:]:  # past the step budget: refused, with the reason
        answer = json.loads(proc.stdout)["hookSpecificOutput"]
        assert answer["permissionDecision"] == "deny", command
        assert "more than 4000 commands" in analyze(command, "/repo").findings[0].detail


def test_an_escaped_blank_ends_the_name() -> None:
    """vim writes `app/main.py ` (the escaped blank is in the name): the reader says so."""
    analysis = analyze("vim -es -c 'w! app/main.py\\ ' -c 'q!'", "/repo")
    assert [t.path for t in analysis.targets] == ["/repo/app/main.py "]

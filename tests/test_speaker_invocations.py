"""An `authorise` record authorises the exact invocations the harness saw, each once (F89).

The owner runs, through its harness, a call made of protocol commands; the gate's record lists
each command of that call as the action the command itself parses (commands/invocation). Another
process can spend it only for one of those very actions: not for a command made of the call's
words (the word-subset match this replaces), not for the same words with another file, not for
an `approve` smuggled into a filter's arguments, not after the owner's own spend, not from
another harness session. Two commands in one call each have their own spend. Real hook and CLI
processes.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, run_cli
from helpers.harness import harness_shell
from helpers.provenance import event, hook, ledger
from test_ledger_authorise_race import _race, _waiting

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
ASKER = "solution-architect-ai"
MAIN = "app/main.py"
CONFIG = "app/core/config.py"
REFUSED = f"nothing shows {OWNER} is speaking"


def owner_runs(ws: Path, command: str) -> list[dict[str, object]]:
    """The owner's harness call `command` (allowed); the `authorise` records it left."""
    before = len(ledger(ws))
    pre = hook(ws, event(ws, "PreToolUse", "Bash", {"command": command}, OWNER))
    assert pre.returncode == 0 and not pre.stdout.strip(), (pre.stdout, pre.stderr)
    return [r for r in ledger(ws)[before:] if r["kind"] == "authorise"]


def approved(ws: Path, agent: str, path: str) -> bool:
    return run_cli(ws, "validate", agent, path).returncode == 0


def test_a_command_made_of_the_calls_words_is_refused(workspace: Path) -> None:
    call = (
        f"workspace-guard approve {ASKER} {MAIN} --by {OWNER} && "
        f"workspace-guard explain {OTHER} {CONFIG}"
    )
    [record] = owner_runs(workspace, call)
    assert record["command"] == call and len(record["invocations"]) == 1  # type: ignore[arg-type]
    forged = harness_shell(workspace, f"workspace-guard approve {OTHER} {CONFIG} --by {OWNER}")
    assert forged.returncode == 1 and REFUSED in forged.stderr
    assert not approved(workspace, OTHER, CONFIG)
    own = harness_shell(workspace, f"workspace-guard approve {ASKER} {MAIN} --by {OWNER}")
    assert own.returncode == 0, own.stderr  # the owner's record was not spent by the forgery
    assert approved(workspace, ASKER, MAIN)


def test_the_same_words_with_another_file_are_refused(workspace: Path) -> None:
    owner_runs(workspace, f"workspace-guard approve {OTHER} {MAIN} --by {OWNER} --note {CONFIG}")
    swapped = f"workspace-guard approve {OTHER} {CONFIG} --by {OWNER} --note {MAIN}"
    forged = harness_shell(workspace, swapped)
    assert forged.returncode == 1 and REFUSED in forged.stderr
    assert not approved(workspace, OTHER, CONFIG)
    longer = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER} --note {CONFIG} --ttl 50w"
    assert harness_shell(workspace, longer).returncode == 1  # another --ttl: another action


def test_an_approve_smuggled_into_a_filter_authorises_nothing_of_it(workspace: Path) -> None:
    [record] = owner_runs(
        workspace,
        f"workspace-guard approve {ASKER} {MAIN} --by {OWNER} | grep approve {OTHER} {CONFIG} "
        f"--by {OWNER}",
    )
    assert [i["verb"] for i in record["invocations"]] == ["approve"]  # type: ignore[attr-defined]
    forged = harness_shell(workspace, f"workspace-guard approve {OTHER} {CONFIG} --by {OWNER}")
    assert forged.returncode == 1 and REFUSED in forged.stderr
    assert (
        owner_runs(workspace, f"echo workspace-guard approve {OTHER} {CONFIG} --by {OWNER}") == []
    )
    forged = harness_shell(workspace, f"workspace-guard approve {OTHER} {CONFIG} --by {OWNER}")
    assert forged.returncode == 1 and not approved(workspace, OTHER, CONFIG)


@pytest.mark.parametrize(
    "spelling",
    [
        f"approve --by={OWNER} {OTHER} {MAIN}",
        f"approve --by {OWNER} {OTHER} {MAIN} --note ''",
        f"approve {OTHER} {MAIN} --by {OWNER}",
    ],
)
def test_another_spelling_of_the_same_action_is_that_action_once(
    workspace: Path, spelling: str
) -> None:
    owner_runs(workspace, f"workspace-guard approve {OTHER} {MAIN} --by={OWNER}")
    first = harness_shell(workspace, f"workspace-guard {spelling}")
    assert first.returncode == 0, first.stderr
    again = harness_shell(workspace, f"workspace-guard {spelling}")
    assert again.returncode == 1 and REFUSED in again.stderr  # spent after the first use


def test_reordered_arguments_are_another_action(workspace: Path) -> None:
    owner_runs(workspace, f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}")
    swapped = harness_shell(workspace, f"workspace-guard approve {MAIN} {OTHER} --by {OWNER}")
    assert swapped.returncode != 0
    assert (
        harness_shell(workspace, f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}").returncode
        == 0
    )


def test_two_commands_in_one_call_are_each_spent_once(workspace: Path) -> None:
    approve = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    claim = f"workspace-guard claim {CONFIG} --agent {OWNER} --ttl 10m"
    [record] = owner_runs(workspace, f"{approve} && {claim}")
    assert [i["verb"] for i in record["invocations"]] == ["approve", "claim"]  # type: ignore[attr-defined]
    both = harness_shell(workspace, f"{approve} && {claim}")
    assert both.returncode == 0, both.stderr
    spends = [r for r in ledger(workspace) if r["kind"] == "spend"]
    assert [r["authorised"] for r in spends] == [record["seq"]] * 2
    assert sorted(str(r["spent"]) for r in spends) == [f"{record['hash']}:0", f"{record['hash']}:1"]
    for command in (approve, claim):
        again = harness_shell(workspace, command)
        assert again.returncode == 1 and REFUSED in again.stderr, command


def test_the_owners_own_spend_leaves_nothing_for_another_process(workspace: Path) -> None:
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    owner_runs(workspace, command)
    assert harness_shell(workspace, command).returncode == 0
    later = harness_shell(workspace, command)
    assert later.returncode == 1 and REFUSED in later.stderr


def test_racing_spends_of_one_invocation_leave_the_other_one(workspace: Path) -> None:
    approve = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    claim = f"workspace-guard claim {CONFIG} --agent {OWNER}"
    [record] = owner_runs(workspace, f"{approve} ; {claim}")
    results = _race(workspace, approve.split())
    assert sum(1 for code, _err in results if code == 0) == 1, results
    assert harness_shell(workspace, claim).returncode == 0
    spends = [r for r in ledger(workspace) if r["kind"] == "spend"]
    assert [r["authorised"] for r in spends] == [record["seq"]] * 2, spends


def test_a_spend_from_another_session_is_refused(workspace: Path) -> None:
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    [record] = owner_runs(workspace, command)
    assert record["session"] and record["agent_id"]
    other = harness_shell(workspace, command, {"CLAUDE_SESSION_ID": "another-session"})
    assert other.returncode == 1 and REFUSED in other.stderr
    same = harness_shell(workspace, command, {"CLAUDE_SESSION_ID": str(record["session"])})
    assert same.returncode == 0, same.stderr


def test_a_record_without_invocations_authorises_nothing(workspace: Path) -> None:
    from workspace_guard.state import ledger as ledger_log

    legacy = {
        "kind": "authorise",
        "harness": "claude",
        "agent": OWNER,
        "by": [OWNER],
        "command": f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}",
    }
    assert ledger_log.append(str(workspace / ".git/workspace-guard"), [legacy])
    forged = harness_shell(workspace, str(legacy["command"]))
    assert forged.returncode == 1 and REFUSED in forged.stderr


def test_an_unquoted_glob_or_tilde_authorises_nothing(workspace: Path) -> None:
    assert owner_runs(workspace, f"workspace-guard claim app/core/*.py --agent {OWNER}") == []
    assert owner_runs(workspace, f"workspace-guard claim ~/x --agent {OWNER}") == []
    [record] = owner_runs(workspace, f"workspace-guard claim 'app/core/*.py' --agent {OWNER}")
    assert record["invocations"][0]["params"]["paths"] == ["app/core/*.py"]  # type: ignore[index]


def _started(ws: Path, command: str) -> subprocess.Popen[str]:
    shell = {"CLAUDECODE": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    return subprocess.Popen(
        command.split(),
        cwd=ws,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **shell},
    )


def _until(check: object) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not check():  # type: ignore[operator]
        time.sleep(0.05)


def test_deleting_a_spend_marker_reopens_nothing(workspace: Path) -> None:
    """Process 1 took the marker and waits to write its `spend` record (the ledger is locked);
    the marker is deleted; process 2 takes a new marker and waits too. The ledger, checked under
    its lock, lets exactly one of them have the invocation; deleting every marker afterwards
    lets no one else have it."""
    command = f"workspace-guard approve {OTHER} {MAIN} --by {OWNER}"
    owner_runs(workspace, command)
    state = workspace / ".git/workspace-guard"
    fd = os.open(state / "ledger.jsonl", os.O_RDWR)
    procs = []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        inode = os.fstat(fd).st_ino
        for n in (1, 2):
            procs.append(_started(workspace, command))
            _until(lambda n=n: _waiting(inode) >= n or any(p.poll() is not None for p in procs))
            assert _waiting(inode) == n, [p.poll() for p in procs]
            for marker in (state / "spent").iterdir():
                marker.unlink()
    finally:
        os.close(fd)
    codes = [p.wait(timeout=120) for p in procs]
    assert sorted(codes) == [0, 1], [p.communicate() for p in procs]
    for marker in (state / "spent").iterdir():
        marker.unlink()
    late = harness_shell(workspace, command)
    assert late.returncode == 1 and REFUSED in late.stderr
    assert len([r for r in ledger(workspace) if r["kind"] == "approval"]) == 1


def test_a_consult_answer_is_authorised_for_its_own_id_and_verdict_only(workspace: Path) -> None:
    from conftest import run_tty

    api_owner, asker, api = "api-architect-ai", "react-specialist-ai", "app/api/v1/orders.py"
    idents = []
    for _n in range(2):
        filed = run_tty(workspace, "consult", api, "--agent", asker)
        assert filed.returncode == 0, filed.stderr
        idents.append(filed.stdout.split()[0])
    first, second = idents
    answer = f"workspace-guard consult answer {first} --decline --by {api_owner}"
    hooked = hook(workspace, event(workspace, "PreToolUse", "Bash", {"command": answer}, api_owner))
    assert not hooked.stdout.strip(), hooked.stdout
    for other in (
        f"workspace-guard consult answer {first} --approve --by {api_owner}",
        f"workspace-guard consult answer {second} --decline --by {api_owner}",
    ):
        forged = harness_shell(workspace, other)
        assert forged.returncode == 1 and "nothing shows" in forged.stderr, other
    assert harness_shell(workspace, answer).returncode == 0
    assert not approved(workspace, asker, api)

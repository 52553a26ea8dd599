"""The daemon never reverts an agent's allowed writes in its own office: the real harness hook
records them in the provenance ledger (PostToolUse), and the daemon accepts exactly those bytes."""

from __future__ import annotations

from pathlib import Path

from helpers.provenance import edit, event, hook
from helpers.watch import (
    Start,
    records,
    reload_barrier,
    wait_for,
    wait_record,
)

AGENT = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"


def test_office_writes_through_the_real_hook_are_never_reverted(
    workspace: Path, watchd: Start
) -> None:
    proc = watchd("--restore", "--ledger-wait", "10")
    notes = f"{OFFICE}/notes.md"
    post = edit(workspace, notes, "- first\n", AGENT)
    assert post.returncode == 0, post.stderr
    found = wait_record(workspace, path=notes, action="authorised")
    assert found["agent"] == AGENT
    edit(workspace, notes, "- first\n- second\n", AGENT)  # and again: each version recorded
    wait_for_two = lambda: len(records(workspace, path=notes, action="authorised")) >= 2  # noqa: E731
    wait_for(wait_for_two, "the second office write to be authorised")
    command = f"printf 'x = 1\\n' > {OFFICE}/scratch.py"
    bash = {"command": command}
    assert hook(workspace, event(workspace, "PreToolUse", "Bash", bash, AGENT)).returncode == 0
    (workspace / OFFICE / "scratch.py").write_text("x = 1\n")  # what the command does
    hook(workspace, event(workspace, "PostToolUse", "Bash", bash, AGENT))
    wait_record(workspace, path=f"{OFFICE}/scratch.py", action="authorised")
    reload_barrier(proc)
    assert (workspace / notes).read_text() == "- first\n- second\n"
    assert (workspace / OFFICE / "scratch.py").read_text() == "x = 1\n"
    assert records(workspace, action="detected") == []
    assert records(workspace, action="restored") == []


def test_another_agents_write_into_the_office_is_still_restored(
    workspace: Path, watchd: Start
) -> None:
    watchd("--restore", "--ledger-wait", "1")
    intruder = f"{OFFICE}/planted.md"
    (workspace / intruder).parent.mkdir(parents=True, exist_ok=True)
    (workspace / intruder).write_text("not yours\n")  # no allowed call recorded it
    found = wait_record(workspace, path=intruder, action="restored")
    assert found["change"] == "created"
    assert not (workspace / intruder).exists()

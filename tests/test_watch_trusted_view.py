"""The other local layers do not follow a trusted-ref move the watch daemon refused.

Reproduced bypass (issue 13): a same-user `git update-ref refs/remotes/origin/main EVIL` whose
rules make the agent a superuser. The daemon refused it, but the validator, the harness hooks and
the commit hooks read the moved ref and granted the agent everything. Now they read the revision
the daemon holds in force (state/trusted_view.py); a view that cannot be verified stops them.
Real git, a real shared repository, a real daemon.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest
from conftest import git
from helpers.repos import run_cli
from helpers.watch import (
    TRUSTED,
    Start,
    records,
    state_dir,
    superuser_commit,
    trusted_clone_fixture,
    wait_for,
    wait_record,
)

AGENT = "backend-framework-ai"
PROTECTED = "app/main.py"  # owned by system-architect-ai, critical


workspace = pytest.fixture(trusted_clone_fixture, name="workspace")


def evil_commit(work: Path) -> str:
    return superuser_commit(work, AGENT)


def validate(work: Path) -> int:
    done = run_cli(work, AGENT, PROTECTED, prog="agent_workspace_validator")
    return done.returncode


def pre_tool_use(work: Path) -> str:
    """The harness gate's answer to AGENT's Edit of the protected file ('' when allowed)."""
    event = {
        "hook_event_name": "PreToolUse",
        "session_id": "s",
        "cwd": str(work),
        "agent_type": AGENT,
        "tool_name": "Edit",
        "tool_input": {"file_path": str(work / PROTECTED), "old_string": "a", "new_string": "b"},
    }
    done = run_cli(work, "hook", "claude", input=json.dumps(event).encode())
    return done.stdout + (f"exit {done.returncode}" if done.returncode else "")


def test_the_reproduced_bypass_without_a_daemon(workspace: Path) -> None:
    """Without a daemon the layers read the ref (the harness gate refuses the move itself)."""
    assert validate(workspace) == 1
    git(workspace, "update-ref", TRUSTED, evil_commit(workspace))
    assert validate(workspace) == 0


@pytest.mark.parametrize("how", ["update-ref", "fetch from a clone", "ref deleted"])
def test_layers_keep_the_revision_the_daemon_holds(
    workspace: Path, watchd: Start, how: str
) -> None:
    old = git(workspace, "rev-parse", TRUSTED).strip()
    if how == "ref deleted":  # trusted as the clone's upstream, not a recorded rulesRef
        git(workspace, "config", "--unset", "workspace-guard.rulesRef")
    watchd()
    sha = evil_commit(workspace)
    if how == "update-ref":
        git(workspace, "update-ref", TRUSTED, sha)
    elif how == "fetch from a clone":
        git(workspace, "fetch", "-q", str(workspace.parent / "evil"), f"+main:{TRUSTED}")
    else:
        git(workspace, "update-ref", "-d", TRUSTED)
        git(workspace, "update-ref", "--no-deref", "-d", "refs/remotes/origin/HEAD")
        git(workspace, "config", "--unset", "branch.main.remote")
        git(workspace, "reset", "-q", "--hard", sha)  # HEAD would decide: evil rules at HEAD
    if how != "ref deleted":
        refused = wait_record(workspace, action="trusted-rules-refused")
        assert refused["old_revision"] == old
    assert validate(workspace) == 1  # denied: the rules in force are the old ones
    assert "deny" in pre_tool_use(workspace)
    assert not records(workspace, action="trusted-rules-adopted")


def test_rules_the_server_accepted_are_followed_after_the_daemon_adopts_them(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    sha = evil_commit(workspace)
    git(workspace.parent / "evil", "push", "-q", str(workspace.parent / "server.git"), "main")
    git(workspace, "fetch", "-q")  # the honest way; no HEAD move needed
    adopted = wait_record(workspace, action="trusted-rules-adopted")
    assert adopted["new_revision"] == sha
    wait_for(lambda: validate(workspace) == 0, "the adopted rules decide")


def test_a_forged_view_is_put_back_by_the_daemon(workspace: Path, watchd: Start) -> None:
    watchd()
    view = state_dir(workspace) / "trusted-view"
    good = view.read_bytes()
    sha = evil_commit(workspace)
    view.write_bytes(b"\0" * 32 + f"{TRUSTED}\n{sha}".encode())  # a seal that does not verify
    found = wait_record(workspace, change="trusted_view_forged")
    assert found["area"] == "state" and found["level"] == "critical"
    wait_for(lambda: view.read_bytes() == good, "the view put back")
    assert validate(workspace) == 1


def test_a_view_that_cannot_be_verified_fails_closed(workspace: Path, watchd: Start) -> None:
    daemon = watchd()
    view = state_dir(workspace) / "trusted-view"
    daemon.kill9()  # the view stays: the revision last held in force
    assert view.exists()
    assert validate(workspace) == 1
    sha = evil_commit(workspace)
    git(workspace, "update-ref", TRUSTED, sha)
    assert validate(workspace) == 1  # still the revision the daemon held
    view.write_bytes(b"\0" * 32 + f"{TRUSTED}\n{sha}".encode())
    done = run_cli(workspace, AGENT, PROTECTED, prog="agent_workspace_validator")
    assert done.returncode == 2 and "trusted-view" in done.stderr
    assert "Traceback" not in done.stderr
    assert "exit 2" in pre_tool_use(workspace)  # the harness gate blocks


def test_no_view_while_a_daemon_holds_the_lock_fails_closed(workspace: Path) -> None:
    state = state_dir(workspace)
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "watch.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = run_cli(workspace, AGENT, PROTECTED, prog="agent_workspace_validator")
        assert done.returncode == 2 and "trusted-view" in done.stderr
    assert validate(workspace) == 1


def test_a_clean_stop_removes_the_view(workspace: Path, watchd: Start) -> None:
    daemon = watchd()
    view = state_dir(workspace) / "trusted-view"
    assert view.exists()
    daemon.stop()
    assert not view.exists()

"""Who starts and stops the daemon: through a harness only a superuser may, however the command
is wrapped; every start and stop records the claimed agent and whether a harness ran it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from helpers.harness import bash_denied as bash
from helpers.watch import records

SUPER = "master-orchestrator"

STOPS = [
    "workspace-guard watch stop",
    "workspace-guard watch --restore stop",
    "env workspace-guard watch stop",
    "WORKSPACE_AGENT=master-orchestrator workspace-guard watch stop",
    "env WORKSPACE_AGENT=master-orchestrator workspace-guard watch stop",
    "timeout 5 workspace-guard watch stop",
    "nohup workspace-guard watch stop",
    "sh -c 'workspace-guard watch stop'",
    'bash -c "workspace-guard watch stop"',
    "python3 -m workspace_guard watch stop",
    "python3.11 -m workspace_guard watch stop",
    "/usr/bin/env python3 -m workspace_guard watch stop",
    "cd . && workspace-guard watch stop",
    "workspace-guard watch stop || true",
    "workspace-guard watch stop 2>/dev/null",
    "command workspace-guard watch stop",
    "exec workspace-guard watch start",
    "w=watch; workspace-guard $w stop",
    "workspace-guard $(echo watch) stop",
    "pkill -f 'workspace_guard watch run'",
    "kill $(jq .pid .git/workspace-guard/watch.lock)",
    "killall workspace-guard",
    "sleep 1; workspace-guard uninstall",
    "env workspace-guard approvals revoke 3",
]


@pytest.mark.parametrize("command", STOPS)
def test_stopping_the_daemon_through_a_harness_needs_a_superuser(
    workspace: Path, command: str
) -> None:
    reason = bash(workspace, command)
    assert reason is not None and SUPER in reason, command
    assert bash(workspace, command, agent=SUPER) is None, command


@pytest.mark.parametrize(
    "command",
    [
        "workspace-guard watch status",
        "workspace-guard watch status --format json | jq .pid",
        "env workspace-guard watch status",
        "grep -c watch README.md",
    ],
)
def test_reading_the_daemon_status_needs_no_superuser(workspace: Path, command: str) -> None:
    assert bash(workspace, command) is None, command


def test_start_and_stop_records_say_who_claimed_it_and_whether_a_harness_ran_it(
    cli_daemon: Path,
) -> None:
    repo = cli_daemon
    bare = {"WORKSPACE_AGENT": "", "CLAUDECODE": "", "CLAUDE_CODE_ENTRYPOINT": ""}
    assert run_cli(repo, "watch", "start", env=bare).returncode == 0
    [started] = records(repo, action="started")
    assert started["agent"] is None and started["via"] == "process"
    assert started["harness_env"] == [] and started["agent_claimed"] is True
    harness = {"WORKSPACE_AGENT": SUPER, "CLAUDECODE": "1"}
    assert run_cli(repo, "watch", "stop", env=harness).returncode == 0
    [asked] = records(repo, action="stop")
    assert asked["agent"] == SUPER and asked["agent_claimed"] is True
    assert asked["via"] == "harness" and asked["harness_env"] == ["CLAUDECODE"]

"""ATTACK F19: a claim or release speaks for an agent, so the harness gate refuses a shell
command that names another agent in any way it can be named: `--agent`, a WORKSPACE_AGENT
prefix, and WORKSPACE_AGENT set earlier in the same command (`export`, `declare -x`, a plain
assignment, a newline-separated line, inside `bash -c "…"`), or given a value the gate cannot
read. Real `workspace-guard hook claude` processes, real claims."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_tty
from helpers.harness import claude_event, denied, hook

A = "backend-framework-ai"
OWNER = "system-architect-ai"

NAMING_ANOTHER = [
    f"export WORKSPACE_AGENT={OWNER}; workspace-guard release --all",
    f"export WORKSPACE_AGENT={OWNER} && workspace-guard release README.md",
    f"declare -x WORKSPACE_AGENT={OWNER}; workspace-guard release --all",
    f"typeset -x WORKSPACE_AGENT={OWNER}; workspace-guard claim README.md",
    f"WORKSPACE_AGENT={OWNER}; export WORKSPACE_AGENT; workspace-guard release --all",
    f"export WORKSPACE_AGENT={OWNER}\nworkspace-guard release --all",
    f'bash -c "export WORKSPACE_AGENT={OWNER}; workspace-guard release --all"',
    f"sh -c 'WORKSPACE_AGENT={OWNER} workspace-guard release --all'",
    "export WORKSPACE_AGENT=$OWNER; workspace-guard release --all",
    "read WORKSPACE_AGENT < name.txt; workspace-guard release --all",
    f"python3 -m workspace_guard release --all --agent {OWNER}",
    f"export WORKSPACE_AGENT={OWNER}; time workspace-guard consult README.md",
]


def pre_tool(ws: Path, command: str, agent: str) -> str | None:
    return denied(hook(ws, "claude", claude_event(ws, "Bash", {"command": command}, agent)))


@pytest.mark.parametrize("command", NAMING_ANOTHER)
def test_a_command_naming_another_agent_is_refused(workspace: Path, command: str) -> None:
    reason = pre_tool(workspace, command, A)
    assert reason is not None and A in reason, command


@pytest.mark.parametrize(
    "command",
    [
        f"export WORKSPACE_AGENT={A}; workspace-guard release --all",
        f"workspace-guard claim app/models/order.py --agent {A}",
        f"export WORKSPACE_AGENT={OWNER}; workspace-guard claims",
        f"bash -c 'workspace-guard release --all --agent {A}'",
    ],
)
def test_a_command_for_the_acting_agent_itself_is_allowed(workspace: Path, command: str) -> None:
    assert pre_tool(workspace, command, A) is None, command


def test_the_owners_claim_survives_the_attack(workspace: Path) -> None:
    assert run_tty(workspace, "claim", "README.md", "--agent", OWNER).returncode == 0
    attack = f"export WORKSPACE_AGENT={OWNER}; workspace-guard release --all"
    assert pre_tool(workspace, attack, A) is not None
    edit = claude_event(
        workspace, "Edit", {"file_path": str(workspace / "README.md"), "old_string": "a"}, A
    )
    reason = denied(hook(workspace, "claude", edit))
    assert reason is not None and OWNER in reason

"""The protocol's own commands through the real hook: read-only ones pass, acting ones are judged
by who acts, guard-changing ones need a superuser; anything else in the command is still analysed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BIN
from helpers.harness import bash_denied

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
SUPER = "master-orchestrator"


def bash(ws: Path, command: str, agent: str = OTHER) -> str | None:
    return bash_denied(ws, command, agent)


READ_ONLY = [
    "agent_workspace_validator backend-framework-ai app/main.py",
    "agent_workspace_validator backend-framework-ai app/main.py app/core/config.py",
    "python3 .workspace/scripts/agent_workspace_validator.py backend-framework-ai app/main.py",
    ".workspace/scripts/agent_workspace_validator.py backend-framework-ai app/main.py",
    "python .workspace/scripts/agent_workspace_validator.py backend-framework-ai app/main.py",
    "workspace-guard explain app/main.py",
    f"{BIN}/workspace-guard explain app/main.py",
    "python3 -m workspace_guard explain app/main.py",
    "workspace-guard validate backend-framework-ai app/main.py",
    "workspace-guard consult app/main.py --agent backend-framework-ai",
    "workspace-guard lint && workspace-guard explain app/main.py | head -20",
    "workspace-guard explain app/main.py | grep owner | wc -l",
    "workspace-guard audit --since 1h; workspace-guard claims",
    "workspace-guard map",
    "workspace-guard approvals",
    "workspace-guard --help",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only_protocol_commands_pass(workspace: Path, command: str) -> None:
    assert bash(workspace, command) is None, command


WRITES = [
    "workspace-guard explain app/main.py > app/main.py",
    "workspace-guard explain app/main.py; sed -i s/a/b/ app/main.py",
    "workspace-guard explain app/main.py\nsed -i s/a/b/ app/main.py",
    "workspace-guard explain app/main.py && rm app/main.py",
    "workspace-guard map -o app/main.py",
    "workspace-guard map --output=app/main.py",
    "workspace-guard explain app/main.py | tee app/main.py",
    "workspace-guard explain app/main.py | sort -o app/main.py",
    "agent_workspace_validator backend-framework-ai app/main.py $(rm app/main.py)",
    "workspace-guard explain app/main.py & sed -i s/a/b/ app/main.py",
]


@pytest.mark.parametrize("command", WRITES)
def test_protocol_command_with_a_write_is_still_denied(workspace: Path, command: str) -> None:
    reason = bash(workspace, command)
    assert reason is not None and "app/main.py" in reason, command


SUPERUSER_ONLY = [
    "workspace-guard install",
    "workspace-guard uninstall --harness claude",
    "workspace-guard watch stop",
    "workspace-guard watch start --restore",
    "workspace-guard init --force",
    "workspace-guard approvals revoke 3",
    "workspace-guard explain app/main.py && workspace-guard watch stop",
    "python3 -m workspace_guard uninstall",
]


@pytest.mark.parametrize("command", SUPERUSER_ONLY)
def test_guard_changing_commands_need_a_superuser(workspace: Path, command: str) -> None:
    reason = bash(workspace, command)
    assert reason is not None and SUPER in reason, command
    assert bash(workspace, command, agent=SUPER) is None


def test_approve_is_judged_by_who_acts(workspace: Path) -> None:
    cmd = f"workspace-guard approve {OTHER} app/main.py --by {OWNER}"
    reason = bash(workspace, cmd)  # the requester approving itself in the owner's name
    assert reason is not None and "--by" in reason
    assert bash(workspace, cmd, agent=OWNER) is None
    assert bash(workspace, cmd, agent=SUPER) is None
    assert bash(workspace, f"workspace-guard consult answer 3 --by {OWNER}") is not None
    assert bash(workspace, f"workspace-guard consult answer 3 --by {OWNER}", agent=OWNER) is None

"""The gate's own CLI named through a variable, an alias or a wrapper (ATTACK F85): the
self-protection rule applies to the command name the shell resolves, and a command name made at
run time may be the gate's CLI, so it is refused when the literal would be."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import bash_denied

OTHER = "backend-framework-ai"
SUPER = "master-orchestrator"

REFUSED = [
    "x=workspace-guard; $x uninstall",
    "x=workspace-guard; $x install --harness claude",
    "x=workspace-guard; $x hook pre-commit",
    "x=workspace-guard; $x hook claude < office/e.json",
    "w=workspace-gu; ${w}ard watch stop",
    'w=workspace-gu; "${w}ard" uninstall',
    "x=workspace-guard; env $x uninstall",
    "alias x=workspace-guard; x uninstall",
    "x=$(echo workspace-guard); $x uninstall",
    "read x < office/name; $x watch stop",
    "x=$(printf workspace-guard); $x approvals revoke 3",
    "h=wg-ho; .workspace/bin/${h}ok claude < office/e.json",
    "m=workspace_guard; python3 -m $m uninstall",
    "v=uninstall; x=workspace-guard; command $x $v",
    'x=workspace-guard; bash -c "$x uninstall"',
]

ALLOWED = [
    "x=ls; $x",
    "x=ls; $x app",
    "workspace-guard validate backend-framework-ai app/main.py",
    "workspace-guard explain app/main.py",
    "x=workspace-guard; $x watch status",
]


@pytest.mark.parametrize("command", REFUSED)
def test_the_gate_cli_by_a_resolved_name_needs_a_superuser(workspace: Path, command: str) -> None:
    reason = bash_denied(workspace, command, OTHER)
    assert reason is not None and SUPER in reason, (command, reason)
    assert bash_denied(workspace, command, SUPER) is None, command


@pytest.mark.parametrize("command", ALLOWED)
def test_other_resolved_names_pass(workspace: Path, command: str) -> None:
    assert bash_denied(workspace, command, OTHER) is None, command

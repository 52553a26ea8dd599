"""A tool call that runs the hook's own entry points is refused (ATTACK F10, the Bash part): the
launcher, `workspace-guard hook …`, the hook server's client and socket, the gate's modules from
inline code. Reading those files stays allowed. Cases: tests/bash_corpus.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from bash_corpus import HOOK_ENTRY_READS, HOOK_ENTRY_REFUSED
from helpers.harness import bash_denied

AGENT = "backend-framework-ai"
SUPERUSER = "master-orchestrator"


@pytest.mark.parametrize("command", HOOK_ENTRY_REFUSED)
def test_hook_entry_points_are_refused(workspace: Path, command: str) -> None:
    reason = bash_denied(workspace, command, AGENT)
    assert reason is not None and "hook" in reason, (command, reason)


@pytest.mark.parametrize("command", HOOK_ENTRY_READS)
def test_reading_the_hook_files_passes(workspace: Path, command: str) -> None:
    assert bash_denied(workspace, command, AGENT) is None, command


def test_the_protocol_judgement_names_the_verb() -> None:
    from workspace_guard.gates.harness.protocol_commands import embedded, judge

    judged = judge("workspace-guard hook claude")
    assert judged is not None and judged.needs_superuser == "workspace-guard hook"
    assert embedded("sh .workspace/bin/wg-hook claude < x").needs_superuser
    assert not embedded("cat .workspace/bin/wg-hook").needs_superuser

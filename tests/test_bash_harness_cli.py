"""Starting an agent harness from a Bash call is starting an agent with an identity of its
choosing (its main thread acts as `harness: main_agent`, or as its `--agent` flag's agent): it
needs a superuser (gates/harness/bash/tools.py `_harness_cli`). Real hook process."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import bash_denied as bash

SUPER = "master-orchestrator"
STARTS = [
    "claude -p 'tidy up'",
    "claude --agent system-architect-ai -p x",
    "codex exec 'do it'",
    "gemini -p hi",
    "npx @anthropic-ai/claude-code -p x",
    "npx -y @google/gemini-cli -p x",
    "bunx @openai/codex exec x",
    "env -i PATH=/usr/bin claude -p x",
    "timeout 60 claude -p x",
    "sh -c 'claude -p x'",
    "nohup claude -p x &",
    "true && /usr/local/bin/codex exec x",
    "cd /tmp && cursor-agent -p x",
    "echo x | claude -p",
    "qwen -p x",
    "opencode run x",
    "aider --message x",
]
NOT_STARTS = [
    "cat CLAUDE.md",
    "grep -r claude docs",
    "git log --grep codex",
    "ls .claude",
    "echo 'ask gemini later'",
    "git commit -m 'fix: claude hook'",
]


@pytest.mark.parametrize("command", STARTS)
def test_starting_a_harness_needs_a_superuser(workspace: Path, command: str) -> None:
    reason = bash(workspace, command)
    assert reason is not None and "starts an agent harness" in reason, reason
    assert bash(workspace, command, agent=SUPER) is None or "starts an agent harness" not in (
        bash(workspace, command, agent=SUPER) or ""
    )


@pytest.mark.parametrize("command", NOT_STARTS)
def test_naming_a_harness_is_not_starting_one(workspace: Path, command: str) -> None:
    assert "starts an agent harness" not in (bash(workspace, command) or "")

"""The hook configuration `install` writes in the repository is no tool's to write, whatever the
rules protect: Gemini's, Codex's, Cursor's and Cline's hook files, Claude's local settings,
`.mcp.json` and the launcher. Every spelling (file tools, shell redirections, `rm`/`mv` of a
folder holding them, globs, `..`, `cd`), every harness's own gate; a superuser still may.
Real hook processes after a real `install`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.harness import OTHER, bash_denied, denied, hook, pre_tool

SUPER = "master-orchestrator"
FILES = [
    ".gemini/settings.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    ".cursor/hooks.json",
    ".clinerules/hooks/PreToolUse",
    ".clinerules/hooks/PostToolUse",
    ".claude/settings.local.json",
    ".mcp.json",
    ".workspace/bin/wg-hook",
]
COMMANDS = [
    "echo '{}' > .gemini/settings.json",
    "rm .codex/hooks.json",
    "rm -rf .cursor",
    "mv .clinerules /tmp/x",
    "echo x > ./.cursor/../.cursor/hooks.json",
    "cp /dev/null .cursor/hooks.json",
    "rm .cursor/*.json",
    "rm -r .clinerules/hoo*",
    "sed -i s/a/b/ .gemini/settings.json",
    "cd .codex && rm hooks.json",
    "printf '#!/bin/sh\\necho {}' > .clinerules/hooks/PreToolUse",
    "echo '{\"disableAllHooks\": true}' > .claude/settings.local.json",
    "echo '{}' > .mcp.json",
    "truncate -s0 .codex/config.toml",
]


@pytest.fixture
def installed(workspace: Path) -> Path:
    for name in ("claude", "gemini", "codex", "cursor", "cline"):
        proc = run_cli(workspace, "install", "--harness", name)
        assert proc.returncode == 0, proc.stderr
    return workspace


def loosened(ws: Path) -> None:
    """Rules that protect nothing of the installation (no `/.claude/` rule)."""
    rules = ws / ".workspace/rules.yaml"
    text = rules.read_text()
    assert "/.claude/" in text
    rules.write_text(text.replace("/.claude/", "/.claude-not/"))
    git(ws, "add", ".workspace/rules.yaml")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "chore(rules): loosen")


@pytest.mark.parametrize("rel", FILES)
def test_file_tools_are_denied(installed: Path, rel: str) -> None:
    why = denied(pre_tool(installed, "Write", {"file_path": str(installed / rel)}, OTHER))
    assert why is not None and "workspace-guard install" in why, rel
    edit = {"file_path": str(installed / rel), "old_string": "a", "new_string": "b"}
    assert denied(pre_tool(installed, "Edit", edit, OTHER)) is not None
    mcp = {"path": str(installed / rel), "content": "{}"}
    assert denied(pre_tool(installed, "mcp__fs__write_file", mcp, OTHER)) is not None


@pytest.mark.parametrize("command", COMMANDS)
def test_shell_writes_are_denied(installed: Path, command: str) -> None:
    why = bash_denied(installed, command)
    assert why is not None, command


def test_held_without_rules_protecting_them(installed: Path) -> None:
    loosened(installed)
    for rel in (".claude/settings.json", ".claude/settings.local.json", ".cursor/hooks.json"):
        why = denied(pre_tool(installed, "Write", {"file_path": str(installed / rel)}, OTHER))
        assert why is not None and "workspace-guard install" in why, rel


def test_geminis_own_gate_denies_its_settings(installed: Path) -> None:
    event = {
        "session_id": "g",
        "cwd": str(installed),
        "hook_event_name": "BeforeTool",
        "tool_name": "write_file",
        "tool_input": {"file_path": str(installed / ".gemini/settings.json"), "content": "{}"},
    }
    proc = hook(installed, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 0 and json.loads(proc.stdout)["decision"] == "deny"


def test_clines_own_gate_denies_its_hook(installed: Path) -> None:
    event = {
        "hookName": "PreToolUse",
        "workspaceRoots": [str(installed)],
        "preToolUse": {
            "toolName": "write_to_file",
            "parameters": {"path": ".clinerules/hooks/PreToolUse", "content": "#!/bin/sh"},
        },
    }
    proc = hook(installed, "cline", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert json.loads(proc.stdout)["cancel"] is True


def test_reads_and_neighbours_pass_and_a_superuser_may(installed: Path) -> None:
    assert bash_denied(installed, "cat .cursor/hooks.json .gemini/settings.json") is None
    assert bash_denied(installed, "mkdir -p .cursor/notes && echo x > .cursor/notes/a.md") is None
    assert bash_denied(installed, "echo x > .gemini/notes.md") is None
    assert bash_denied(installed, "echo '{}' > .gemini/settings.json", agent=SUPER) is None
    write = {"file_path": str(installed / ".cursor/hooks.json")}
    assert denied(pre_tool(installed, "Write", write, SUPER)) is None


def test_a_folder_without_installation_files_is_not_held(workspace: Path) -> None:
    assert bash_denied(workspace, "mkdir -p .cursor/notes && rm -rf .cursor") is None

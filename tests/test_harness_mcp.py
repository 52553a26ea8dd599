"""MCP tools through the real hook: known write tools by their paths, shell tools by the shell
analysis, read-only tools pass, unknown tools follow `harness: mcp_unknown`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git
from helpers.harness import denied, hook

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"


def mcp(ws: Path, tool: str, args: object, agent: str = OTHER, harness: str = "claude"):
    event: dict[str, object] = {"session_id": "s", "cwd": str(ws), "tool_name": tool}
    event["tool_input"] = args
    if harness == "gemini":
        event["hook_event_name"] = "BeforeTool"
        proc = hook(ws, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": agent})
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["reason"] if proc.stdout.strip() else None
    event.update(hook_event_name="PreToolUse", agent_type=agent, agent_id="a1")
    return denied(hook(ws, harness, json.dumps(event).encode()))


WRITES = [
    ("mcp__filesystem__write_file", {"path": "{ws}/app/main.py", "content": "x"}),
    ("mcp__filesystem__edit_file", {"path": "app/main.py", "edits": [], "dryRun": False}),
    ("mcp__filesystem__move_file", {"source": "README.md", "destination": "{ws}/app/main.py"}),
    ("mcp__filesystem__move_file", {"source": "{ws}/app/main.py", "destination": "/tmp/x"}),
    ("mcp__filesystem__create_directory", {"path": "{ws}/app/main.py"}),
    ("mcp__desktop-commander__edit_block", {"file_path": "{ws}/app/main.py", "old_string": "a"}),
    ("mcp__desktop-commander__write_file", {"path": "{ws}/app/main.py", "mode": "append"}),
    ("mcp__desktop-commander__start_process", {"command": "sed -i s/a/b/ app/main.py"}),
    ("mcp__shell__execute_command", {"command": "echo x > app/main.py"}),
    ("mcp__newserver__save_document", {"target": {"file": "app/main.py"}, "body": "x"}),
    ("mcp__newserver__do_things", {"items": [{"where": "./app/main.py"}]}),
    ("mcp__other__patch", {"changes": [{"path": "{ws}/app/main.py", "diff": "-a\n+b"}]}),
]


@pytest.mark.parametrize("tool,args", WRITES, ids=[t for t, _ in WRITES])
def test_mcp_writes_to_protected_files_denied(workspace: Path, tool: str, args: dict) -> None:
    filled = json.loads(json.dumps(args).replace("{ws}", str(workspace)))
    reason = mcp(workspace, tool, filled)
    assert reason is not None and "app/" in reason and OWNER in reason
    assert mcp(workspace, tool, filled, agent=OWNER) is None  # the owner may


@pytest.mark.parametrize(
    "tool,args",
    [
        ("mcp__filesystem__read_file", {"path": "app/main.py"}),
        ("mcp__filesystem__read_multiple_files", {"paths": ["app/main.py"]}),
        ("mcp__filesystem__list_directory", {"path": "app"}),
        ("mcp__filesystem__search_files", {"path": "app", "pattern": "*.py"}),
        ("mcp__filesystem__get_file_info", {"path": "app/main.py"}),
        ("mcp__filesystem__directory_tree", {"path": "app"}),
        ("mcp__filesystem__write_file", {"path": "notes/todo.md", "content": "x"}),
        ("mcp__github__create_issue", {"title": "bug", "body": "it fails"}),
        ("mcp__newserver__ping", {}),
    ],
)
def test_mcp_reads_and_unprotected_writes_pass(workspace: Path, tool: str, args: dict) -> None:
    assert mcp(workspace, tool, args) is None


def _rules(ws: Path, choice: str) -> None:
    text = EXAMPLE_RULES.read_text().replace(
        "harness:\n  main_agent: master-orchestrator\n",
        f"harness:\n  main_agent: master-orchestrator\n  mcp_unknown: {choice}\n",
    )
    (ws / ".workspace/rules.yaml").write_text(text)
    git(ws, "commit", "-qam", "rules", "--no-verify")


def test_mcp_unknown_deny_blocks_every_unknown_tool(workspace: Path) -> None:
    _rules(workspace, "deny")
    reason = mcp(workspace, "mcp__newserver__ping", {})
    assert reason is not None and "mcp_unknown" in reason
    assert mcp(workspace, "mcp__filesystem__read_file", {"path": "app/main.py"}) is None
    assert mcp(workspace, "mcp__filesystem__write_file", {"path": "notes/x.md"}) is None
    assert mcp(workspace, "mcp__newserver__ping", {}, agent="master-orchestrator") is None


def test_mcp_unknown_allow_lets_unknown_tools_run(workspace: Path) -> None:
    _rules(workspace, "allow")
    assert mcp(workspace, "mcp__newserver__save", {"file": "app/main.py"}) is None
    # known write tools are still decided by their paths
    assert mcp(workspace, "mcp__filesystem__write_file", {"path": "app/main.py"}) is not None


def test_mcp_unknown_bad_value_is_a_config_error(workspace: Path) -> None:
    from conftest import run_cli

    _rules(workspace, "sometimes")
    proc = run_cli(workspace, "lint")
    assert proc.returncode == 1 and "mcp_unknown must be one of" in proc.stdout


@pytest.mark.parametrize("harness", ["codex", "gemini"])
def test_mcp_in_codex_and_gemini(workspace: Path, harness: str) -> None:
    name = "mcp__filesystem__write_file" if harness == "codex" else "mcp_filesystem_write_file"
    reason = mcp(workspace, name, {"path": "app/main.py"}, harness=harness)
    assert reason is not None and "app/main.py" in reason
    assert mcp(workspace, name, {"path": "notes/x.md"}, harness=harness) is None


# A read prefix is no evidence of a read where the rest of the name, or the arguments, say the
# tool writes (real servers: fileditor's `search_and_replace`, `find-and-replace`, obsidian's
# `search_replace`); each spelling and naming scheme of Claude, Codex and Gemini.
READ_NAMED_WRITES = [
    "mcp__fileditor__search_and_replace",
    "mcp__editor__find-and-replace",
    "mcp__obsidian__search_replace",
    "mcp__x__get_or_create_file",
    "mcp__x__view_and_edit_file",
    "mcp__x__searchAndReplace",
    "mcp__x__FindAndUpdate",
    "mcp__x__list_and_delete",
    "mcp__x__read_and_write_file",
    "mcp__x__get_then_save",
    "mcp__x__describe_and_apply",
    "search_and_update",
    "find_and_move",
]


@pytest.mark.parametrize("tool", READ_NAMED_WRITES)
@pytest.mark.parametrize("harness", ["claude", "codex"])
def test_a_read_prefix_with_a_write_word_is_judged(
    workspace: Path, tool: str, harness: str
) -> None:
    args = {"path": f"{workspace}/app/main.py", "search": "main", "replace": "evil"}
    reason = mcp(workspace, tool, args, harness=harness)
    assert reason is not None and "app/main.py" in reason, tool


def test_a_read_prefix_with_a_run_word_is_judged_as_a_command(workspace: Path) -> None:
    reason = mcp(workspace, "mcp__x__search_and_run", {"command": "echo x > app/main.py"})
    assert reason is not None and "app/main.py" in reason


@pytest.mark.parametrize(
    "tool",
    ["mcp_fileditor_search_and_replace", "search_and_update", "mcp_x_get_or_create_file"],
)
def test_a_read_prefix_with_a_write_word_is_judged_in_gemini(workspace: Path, tool: str) -> None:
    args = {"path": "app/main.py", "search": "main", "replace": "evil"}
    reason = mcp(workspace, tool, args, harness="gemini")
    assert reason is not None and "app/main.py" in reason, tool


@pytest.mark.parametrize(
    "args",
    [
        {"path": "app/main.py", "pattern": "a", "replace": "b"},
        {"path": "app/main.py", "content": "x"},
        {"file": "app/main.py", "newString": "x"},
        {"source": "README.md", "destination": "app/main.py"},
    ],
)
def test_a_read_named_tool_with_something_to_write_is_judged(workspace: Path, args: dict) -> None:
    reason = mcp(workspace, "mcp__x__search_files", args)
    assert reason is not None and "app/main.py" in reason


@pytest.mark.parametrize(
    "tool",
    [
        "mcp__filesystem__read_text_file",
        "mcp__desktop-commander__read_process_output",
        "mcp__desktop-commander__list_processes",
        "mcp__x__get_file_info",
        "mcp__x__find_references",
        "mcp__x__view_file",
        "mcp__x__describe_table",
    ],
)
def test_plain_reads_still_pass(workspace: Path, tool: str) -> None:
    assert mcp(workspace, tool, {"path": "app/main.py", "pid": 3}) is None

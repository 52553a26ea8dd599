"""MCP paths the server composes (ATTACK F64) or resolves against a root an earlier call set
(ATTACK F56): a folder and a name in separate arguments, a list of path segments, a name and an
extension, a glob; `set_workspace` / `activate_project` / `set_working_directory` moving the
server's root into a folder, then a relative name. Real hook processes, Claude-shaped events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.harness import denied, hook

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"  # app/main.py, app/core/config.py


def mcp(ws: Path, tool: str, args: object, agent: str = OTHER, harness: str = "claude"):
    event: dict[str, object] = {"session_id": "s", "cwd": str(ws), "tool_name": tool}
    event["tool_input"] = json.loads(json.dumps(args).replace("{ws}", str(ws)))
    event.update(hook_event_name="PreToolUse", agent_type=agent, agent_id="a1")
    return denied(hook(ws, harness, json.dumps(event).encode()))


SPLIT = [
    ("mcp__x__save_note", {"folder": "app", "file": "main.py", "text": "x"}),
    ("mcp__x__save_note", {"path": "{ws}/app", "filename": "main.py"}),
    ("mcp__x__put_document", {"segments": ["app", "main.py"], "body": "x"}),
    ("mcp__x__put_document", {"name": "main", "ext": "py", "dir": "app"}),
    ("mcp__x__put_document", {"location": {"base": "app/core", "leaf": "config.py"}}),
    ("mcp__filesystem__write_file", {"glob": "app/mai*.py", "content": "x"}),
    ("mcp__filesystem__edit_file", {"glob": "app/core/*.py", "edits": []}),
    ("mcp__x__bulk_update", {"pattern_paths": ["app/**"], "value": "x"}),
    ("mcp__filesystem__write_file", {"path": ["app", "main.py"], "content": "x"}),
    ("mcp__x__store", {"target": "app/core"}),
    ("mcp__fileditor__write_files", {"files": [{"path": "a?p/main.py", "content": "x"}]}),
]


@pytest.mark.parametrize("tool,args", SPLIT, ids=[f"{t}-{i}" for i, (t, _) in enumerate(SPLIT)])
def test_composed_and_glob_paths_are_judged_whole(workspace: Path, tool: str, args: object) -> None:
    reason = mcp(workspace, tool, args)
    assert reason is not None and "app/" in reason, (tool, args, reason)


@pytest.mark.parametrize(
    "tool,args",
    [
        ("mcp__x__save_note", {"folder": "notes", "file": "main.py", "text": "app"}),
        ("mcp__x__put_document", {"segments": ["notes", "todo.md"]}),
        ("mcp__filesystem__write_file", {"glob": "notes/*.md", "content": "x"}),
        ("mcp__filesystem__read_file", {"path": "app/main.py"}),
    ],
)
def test_unprotected_composed_paths_stay_allowed(workspace: Path, tool: str, args: object) -> None:
    assert mcp(workspace, tool, args) is None, (tool, args)


ROOT_SETTERS = [
    ("mcp__fileditor__set_workspace", {"path": "{ws}/app"}),
    ("mcp__serena__activate_project", {"project": "{ws}/app"}),
    ("mcp__x__set_working_directory", {"directory": "app"}),
    ("mcp__x__change_directory", {"path": "./app/core/.."}),
]
RELATIVE_WRITES = [
    ("mcp__fileditor__write_files", {"files": [{"path": "main.py", "content": "x"}]}),
    ("mcp__fileditor__search_and_replace", {"path": "main.py", "search": "a", "replace": "b"}),
    ("mcp__serena__create_text_file", {"relative_path": "main.py", "content": "x"}),
    ("mcp__serena__replace_regex", {"relative_path": "main.py", "regex": "a", "repl": "b"}),
]


@pytest.mark.parametrize("setter,setter_args", ROOT_SETTERS, ids=[s for s, _ in ROOT_SETTERS])
def test_a_root_set_on_a_protected_folder_is_refused(
    workspace: Path, setter: str, setter_args: object
) -> None:
    reason = mcp(workspace, setter, setter_args)
    assert reason is not None and "app/" in reason, reason


@pytest.mark.parametrize("write,write_args", RELATIVE_WRITES, ids=[w for w, _ in RELATIVE_WRITES])
def test_relative_paths_are_judged_against_a_root_set_earlier(
    workspace: Path, write: str, write_args: object
) -> None:
    assert mcp(workspace, write, write_args) is None  # ./main.py: unprotected
    office = ".workspace/departments/backend/backend-framework-ai"
    assert mcp(workspace, "mcp__fileditor__set_workspace", {"path": f"{{ws}}/{office}"}) is None
    deep = json.loads(json.dumps(write_args).replace("main.py", "../../../../app/main.py"))
    reason = mcp(workspace, write, deep)
    assert reason is not None and "app/main.py" in reason, reason
    # the superuser set the server's root to app/ (allowed): later relative names are app's
    assert (
        mcp(workspace, "mcp__fileditor__set_workspace", {"path": "{ws}/app"}, "master-orchestrator")
        is None
    )
    reason = mcp(workspace, write, write_args)
    assert reason is not None and "app/main.py" in reason, reason

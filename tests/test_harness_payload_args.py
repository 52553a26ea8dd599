"""Tool arguments the gate must read whatever they are called: an MCP write tool's path under any
key, at any depth, as a `file:` URI or inside a patch text; a shell tool's command under any key;
a tool's own working directory. Driven through the real hook with real payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git
from helpers.harness import hook
from test_harness_mcp import mcp

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
PATCH = "*** Begin Patch\n*** Update File: app/main.py\n@@\n-a\n+b\n*** End Patch\n"
DIFF = "--- a/app/main.py\n+++ b/app/main.py\n@@ -1 +1 @@\n-a\n+b\n"


def _fill(ws: Path, args: object) -> object:
    return json.loads(json.dumps(args).replace("{ws}", str(ws)))


# Known write tools whose path sits under a key no fixed list would hold.
KNOWN_WRITES = [
    ("mcp__fs__apply_patch", {"input": PATCH}),
    ("mcp__fs__apply_patch", {"patch": "  " + PATCH.replace("\n", "\n  ")}),
    ("mcp__fs__apply_patch", {"text": "*** Begin Patch\n*** Add File: app/main.py\n+x\n"}),
    ("mcp__fs__apply_patch", {"p": "*** Begin Patch\n*** Delete File: app/main.py\n"}),
    ("mcp__fs__apply_patch", {"i": "*** Update File: x.py\n*** Move to: app/main.py\n"}),
    ("mcp__fs__apply_patch", {"i": "*** update file:   app/main.py\n"}),
    ("mcp__fs__patch_file", {"diff": DIFF}),
    ("mcp__fs__patch_file", {"diff": "diff --git a/app/main.py b/app/main.py\nindex 1..2\n"}),
    ("mcp__fs__patch_file", {"diff": "--- app/main.py\t2026-01-01\n+++ app/main.py\n"}),
    ("mcp__fs__patch_file", {"d": "diff --git a/x b/y\nrename from x\nrename to app/main.py\n"}),
    ("mcp__fs__patch_file", {"d": 'diff --git "a/app/main.py" "b/app/main.py"\n'}),
    ("mcp__fs__patch_file", {"d": '--- "a/app/m\\141in.py"\n+++ "b/app/m\\141in.py"\n'}),
    ("mcp__fs__patch_file", {"d": "diff --git a/notes/x b/notes/x\ncopy to app/main.py\n"}),
    ("mcp__fs__write_file", {"absolute_path": "{ws}/app/main.py", "content": "x"}),
    ("mcp__fs__write_file", {"relative_path": "app/main.py", "content": "x"}),
    ("mcp__fs__write_file", {"uri": "file://{ws}/app/main.py", "content": "x"}),
    ("mcp__fs__write_file", {"uri": "file://localhost{ws}/app/%6Dain.py", "content": "x"}),
    ("mcp__fs__write_file", {"location": {"uri": "file://{ws}/app/main.py"}}),
    ("mcp__fs__write_file", {"f": "app/main.py"}),
    ("mcp__fs__write_file", {"path": " app/main.py "}),
    ("mcp__fs__delete", {"files": ["{ws}/app/main.py"]}),
    ("mcp__fs__delete", {"files": [{"name": "notes.md"}, {"name": "app/main.py"}]}),
    ("mcp__fs__delete_file", {"targets": [["README.md", "app/main.py"]]}),
    ("mcp__fs__rename_file", {"old_name": "/tmp/x", "new_name": "{ws}/app/main.py"}),
    ("mcp__fs__rename_file", {"from": "{ws}/app/main.py", "to": "/tmp/x"}),
    ("mcp__fs__copy_file", {"src": "README.md", "dst": "app/main.py"}),
    ("mcp__ide__rename_file", {"path": "app/old.py", "new_name": "main.py"}),
    ("mcp__ide__rename_file", {"uri": "file://{ws}/app/old.py", "newName": "main.py"}),
    ("mcp__ide__edit", {"target_file": "app/main.py", "code_edit": "x"}),
    ("mcp__ide__edit", {"edits": {"app/main.py": "new text"}}),
    ("mcp__ide__str_replace_editor", {"command": "create", "path": "app/main.py"}),
    ("mcp__fs__write_file", '{"target_file": "app/main.py"}'),
    ("mcp_fs_write_file", {"relative_path": "app/main.py"}),  # Gemini's name form, in Claude
    ("mcp__fs__writeFile", {"name": "Makefile", "dir": "app/main.py"}),
    ("mcp__fs__DeleteFile", {"which": "app/main.py"}),
    ("mcp__fs__apply-patch", {"body": PATCH}),
    ("mcp_fs_renameFile", {"to": "app/main.py"}),
]


@pytest.mark.parametrize("tool,args", KNOWN_WRITES, ids=[str(a)[:40] for _, a in KNOWN_WRITES])
def test_known_write_tool_any_key_denied(workspace: Path, tool: str, args: object) -> None:
    filled = _fill(workspace, args)
    reason = mcp(workspace, tool, filled)
    assert reason is not None and "app/main.py" in reason and OWNER in reason
    assert mcp(workspace, tool, filled, agent=OWNER) is None  # the owner may


@pytest.mark.parametrize("harness", ["codex", "gemini"])
def test_known_write_tool_any_key_in_codex_and_gemini(workspace: Path, harness: str) -> None:
    name = "mcp__fs__write_file" if harness == "codex" else "mcp_fs_write_file"
    for args in ({"absolute_path": f"{workspace}/app/main.py"}, {"input": PATCH}):
        assert mcp(workspace, name, args, harness=harness) is not None
    assert mcp(workspace, name, {"relative_path": "notes/x.md"}, harness=harness) is None


@pytest.mark.parametrize(
    "tool,args",
    [
        ("mcp__fs__write_file", {"relative_path": "notes/todo.md", "content": "print(1)"}),
        ("mcp__fs__apply_patch", {"input": PATCH.replace("app/main.py", "notes/x.md")}),
        ("mcp__fs__write_file", {"uri": "file://{ws}/notes/x.md", "content": "x"}),
        ("mcp__fs__delete", {"files": ["notes/a.md", "notes/b.md"]}),
        ("mcp__ide__edit", {"target_file": "notes/a.md", "code_edit": "x", "mode": "replace"}),
    ],
)
def test_unprotected_writes_under_any_key_pass(workspace: Path, tool: str, args: object) -> None:
    assert mcp(workspace, tool, _fill(workspace, args)) is None


@pytest.mark.parametrize("args", [{}, {"content": "x"}, None, [], {"n": 3}])
def test_known_write_tool_naming_no_file_fails_closed(workspace: Path, args: object) -> None:
    event = {
        "session_id": "s",
        "cwd": str(workspace),
        "hook_event_name": "PreToolUse",
        "tool_name": "mcp__fs__write_file",
        "tool_input": args,
        "agent_type": OTHER,
    }
    proc = hook(workspace, "claude", json.dumps(event).encode())
    assert proc.returncode == 2 and "names no file" in proc.stderr


# Shell-like tools: the command under any key, an argv list, a working directory.
SHELLS = [
    ("mcp__sh__shell", {"args": "sed -i s/a/b/ app/main.py"}),
    ("mcp__sh__shell", {"args": ["sed", "-i", "s/a/b/", "app/main.py"]}),
    ("mcp__sh__run_command", {"command": "sed", "args": ["-i", "s/a/b/", "app/main.py"]}),
    ("mcp__sh__run_command", {"command": ["sh", "-c", "echo x > app/main.py"]}),
    ("mcp__sh__execute_command", {"commandLine": "echo x > app/main.py"}),
    ("mcp__sh__exec", {"input": {"line": "truncate -s0 app/main.py"}}),
    ("mcp__sh__bash", {"cmd": "echo x > main.py", "cwd": "app"}),
    ("mcp__sh__bash", {"cmd": "echo x > main.py", "workdir": "{ws}/app"}),
    ("mcp__sh__run_shell_command", {"command": "rm main.py", "directory": "app"}),
    ("mcp__sh__run_shell_command", {"command": "rm main.py", "dir_path": "file://{ws}/app"}),
    ("mcp__sh__start_process", "sed -i s/a/b/ app/main.py"),
]


@pytest.mark.parametrize("tool,args", SHELLS, ids=[str(a)[:40] for _, a in SHELLS])
def test_shell_tool_any_key_denied(workspace: Path, tool: str, args: object) -> None:
    reason = mcp(workspace, tool, _fill(workspace, args))
    assert reason is not None and "app/main.py" in reason


def test_shell_tool_reading_passes(workspace: Path) -> None:
    for args in ({"args": "cat app/main.py"}, {"command": "ls", "cwd": "app"}):
        assert mcp(workspace, "mcp__sh__shell", args) is None


def _policy(ws: Path, choice: str) -> None:
    text = EXAMPLE_RULES.read_text().replace(
        "harness:\n  main_agent: master-orchestrator\n",
        f"harness:\n  main_agent: master-orchestrator\n  unknown_code: {choice}\n",
    )
    (ws / ".workspace/rules.yaml").write_text(text)
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "rules")


@pytest.mark.parametrize("args", [{}, {"timeout": 5}, {"flags": [1, 2]}])
def test_shell_tool_without_a_command_is_unknown_code(workspace: Path, args: object) -> None:
    assert mcp(workspace, "mcp__sh__shell", args) is not None  # paths: it may write any file
    _policy(workspace, "deny")
    assert mcp(workspace, "mcp__sh__shell", args) is not None
    _policy(workspace, "allow")
    assert mcp(workspace, "mcp__sh__shell", args) is None


def test_unknown_tool_sees_uris_and_patches(workspace: Path) -> None:
    uri = {"doc": f"file://{workspace}/app/main.py"}
    assert mcp(workspace, "mcp__x__put_text", uri) is not None
    assert mcp(workspace, "mcp__x__put_text", {"blob": PATCH}) is not None
    assert mcp(workspace, "mcp__x__put_text", {"title": "fix app/main.py soon"}) is None


@pytest.mark.parametrize(
    "tool,args",
    [
        ("mcp__filesystem__move_file", {"source": "app", "destination": "/tmp/elsewhere"}),
        ("mcp__filesystem__move_file", {"source": "{ws}/app/", "destination": "/tmp/x"}),
        ("mcp__fs__delete", {"path": "app"}),
        ("mcp__fs__delete", {"paths": ["."]}),
        ("mcp__fs__delete_file", {"path": "{ws}"}),
        ("mcp__fs__copy_file", {"source": "/tmp", "destination": "{ws}/app"}),
        ("mcp__fs__move_file", {"source": "notes/main.py", "destination_dir": "{ws}/app"}),
    ],
)
def test_known_write_tool_on_a_folder_writes_its_files(
    workspace: Path, tool: str, args: object
) -> None:
    reason = mcp(workspace, tool, _fill(workspace, args))
    assert reason is not None and "app/main.py" in reason


def test_folder_without_protected_files_passes(workspace: Path) -> None:
    (workspace / "notes").mkdir(exist_ok=True)
    assert mcp(workspace, "mcp__fs__delete", {"path": "notes"}) is None
    assert mcp(workspace, "mcp__filesystem__create_directory", {"path": "notes/sub"}) is None
    # an unknown tool naming the repository (mcp-server-git's `repo_path`) is not a folder write
    assert mcp(workspace, "mcp__git__git_status", {"repo_path": str(workspace)}) is None

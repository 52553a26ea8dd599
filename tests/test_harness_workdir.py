"""Codex's apply_patch read as leniently as Codex reads it, and a tool's own working directory
(Gemini's `directory`/`dir_path`, an MCP tool's `cwd`, Codex's `cd DIR && apply_patch`): driven
through `hook codex|gemini|claude` with the harnesses' real payload shapes in real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.harness import denied, hook
from test_harness_mcp import mcp

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
BODY = "@@\n-app = FastAPI()\n+app = None\n"


def codex(ws: Path, tool: str, tool_input: object, agent: str = OTHER, cwd: Path | None = None):
    """The deny reason of a Codex PreToolUse event (the shape of real-payloads/codex)."""
    event = {
        "session_id": "s",
        "turn_id": "t",
        "transcript_path": None,
        "cwd": str(cwd or ws),
        "hook_event_name": "PreToolUse",
        "model": "gpt-5.5",
        "permission_mode": "bypassPermissions",
        "agent_id": "a",
        "agent_type": agent,
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "call_1",
    }
    return denied(hook(ws, "codex", json.dumps(event).encode()))


PATCHES = [
    "  *** Begin Patch\n  *** Update File: app/main.py\n" + BODY + "  *** End Patch\n",
    "\t*** Begin Patch\n\t*** Update File: app/main.py\n" + BODY + "\t*** End Patch\n",
    "*** Begin Patch\n   *** Update File:   app/main.py   \n" + BODY + "*** End Patch\n",
    "*** Begin Patch\r\n*** Update File: app/main.py\r\n@@\r\n-a\r\n+b\r\n*** End Patch\r\n",
    "*** Begin Patch\n *** Add File: app/main.py\n+x\n*** End Patch\n",
    "*** Begin Patch\n  *** Delete File: app/main.py\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: notes/x.md\n  *** Move to: app/main.py\n"
    + BODY
    + "*** End Patch\n",
    "*** Begin Patch\n*** Update File: app/main.py\n*** Move to: notes/x.md\n*** End Patch\n",
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: app/main.py\n" + BODY + "EOF\n",
    "cd app && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: main.py\n"
    + BODY
    + "*** End Patch\nEOF\n",
    "  cd 'app' && apply_patch <<\"EOF\"\n  *** Begin Patch\n  *** Delete File: main.py\nEOF",
    "--- a/app/main.py\n+++ b/app/main.py\n" + BODY,
]


@pytest.mark.parametrize("patch", PATCHES, ids=[str(i) for i in range(len(PATCHES))])
def test_codex_apply_patch_read_as_codex_reads_it(workspace: Path, patch: str) -> None:
    reason = codex(workspace, "apply_patch", {"command": patch})
    assert reason is not None and "app/main.py" in reason
    assert codex(workspace, "apply_patch", {"command": patch}, agent=OWNER) is None


@pytest.mark.parametrize("key", ["command", "patch", "input"])
def test_codex_apply_patch_any_key_and_unprotected(workspace: Path, key: str) -> None:
    patch = "  *** Begin Patch\n  *** Update File: app/main.py\n" + BODY + "  *** End Patch\n"
    assert codex(workspace, "apply_patch", {key: patch}) is not None
    ok = patch.replace("app/main.py", "notes/new.md")
    assert codex(workspace, "apply_patch", {key: ok}) is None


def test_codex_apply_patch_from_a_subdirectory(workspace: Path) -> None:
    patch = "*** Begin Patch\n*** Update File: main.py\n" + BODY + "*** End Patch\n"
    assert codex(workspace, "apply_patch", {"command": patch}, cwd=workspace / "app") is not None


def test_codex_apply_patch_without_text_fails_closed(workspace: Path) -> None:
    event = {"cwd": str(workspace), "hook_event_name": "PreToolUse", "tool_name": "apply_patch"}
    event["tool_input"] = {"command": 3}
    proc = hook(workspace, "codex", json.dumps(event).encode())
    assert proc.returncode == 2


def test_apply_patch_heredoc_in_a_shell_command(workspace: Path) -> None:
    """Codex runs `apply_patch <<'EOF'` given as a shell command as its own apply_patch."""
    command = "cd app && apply_patch <<'EOF'\n*** Begin Patch\n  *** Update File: main.py\n"
    command += BODY + "*** End Patch\nEOF\n"
    assert codex(workspace, "Bash", {"command": command}) is not None
    ok = command.replace("cd app", "cd notes")
    assert codex(workspace, "Bash", {"command": ok}) is None


def test_codex_shell_workdir_when_given(workspace: Path) -> None:
    """Codex's hook payload carries only `command` today; a `workdir` it may add is honoured."""
    for key in ("workdir", "cwd"):
        args = {"command": "sed -i s/a/b/ main.py", key: "app"}
        assert codex(workspace, "Bash", args) is not None


# --- Gemini's run_shell_command `directory` / `dir_path` ------------------------------------


def gemini(ws: Path, tool_input: object, cwd: Path | None = None) -> tuple[int, str | None]:
    """(exit code, deny reason) of a Gemini BeforeTool event (real-payloads/gemini's shape)."""
    event = {
        "session_id": "s",
        "transcript_path": "/tmp/t",
        "cwd": str(cwd or ws),
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-12-06T04:41:10.326Z",
        "tool_name": "run_shell_command",
        "tool_input": tool_input,
    }
    proc = hook(ws, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    reason = json.loads(proc.stdout)["reason"] if proc.stdout.strip() else None
    return proc.returncode, reason


SED = "sed -i s/FastAPI/PWNED/ main.py"


@pytest.mark.parametrize(
    "directory",
    ["app", "./app/", "app/../app", "{ws}/app", "notes/../app", "file://{ws}/app"],
)
@pytest.mark.parametrize("key", ["directory", "dir_path"])
def test_gemini_shell_directory_denied(workspace: Path, key: str, directory: str) -> None:
    where = directory.replace("{ws}", str(workspace))
    code, reason = gemini(workspace, {"command": SED, key: where, "description": "d"})
    assert code == 0 and reason is not None and "app/main.py" in reason


def test_gemini_shell_directory_relative_to_the_project_root(workspace: Path) -> None:
    """Gemini resolves `dir_path` against the project root, whatever the event's cwd."""
    (workspace / "notes").mkdir(exist_ok=True)
    _, reason = gemini(workspace, {"command": SED, "dir_path": "app"}, cwd=workspace / "notes")
    assert reason is not None


def test_gemini_shell_directory_elsewhere_allowed(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    assert gemini(workspace, {"command": SED, "directory": "notes"}) == (0, None)
    assert gemini(workspace, {"command": SED, "dir_path": str(outside)}) == (0, None)
    absolute = f"sed -i s/a/b/ {workspace}/app/main.py"
    assert gemini(workspace, {"command": absolute, "dir_path": str(outside)})[1] is not None
    assert gemini(workspace, {"command": SED, "directory": ""}) == (0, None)


@pytest.mark.parametrize("bad", [5, ["app"], {"p": "app"}, "app\x00", "app\nx"])
def test_gemini_shell_unreadable_directory_fails_closed(workspace: Path, bad: object) -> None:
    code, _ = gemini(workspace, {"command": "echo hi", "dir_path": bad})
    assert code == 2


# --- MCP tools relative to the project root ---------------------------------------------------


def test_mcp_paths_relative_to_the_project_root(workspace: Path) -> None:
    (workspace / "notes").mkdir(exist_ok=True)
    event = {
        "session_id": "s",
        "cwd": str(workspace / "notes"),
        "hook_event_name": "PreToolUse",
        "agent_type": OTHER,
    }
    for tool, args in [
        ("mcp__fs__write_file", {"relative_path": "app/main.py"}),
        ("mcp__sh__run_command", {"command": "sed -i s/a/b/ app/main.py"}),
        ("mcp__sh__run_command", {"command": SED, "cwd": "app"}),
    ]:
        payload = json.dumps({**event, "tool_name": tool, "tool_input": args}).encode()
        assert denied(hook(workspace, "claude", payload)) is not None, (tool, args)


@pytest.mark.parametrize("bad", [5, ["app"], "a\x00b"])
def test_mcp_unreadable_working_directory_fails_closed(workspace: Path, bad: object) -> None:
    event = {
        "cwd": str(workspace),
        "hook_event_name": "PreToolUse",
        "agent_type": OTHER,
        "tool_name": "mcp__sh__run_command",
        "tool_input": {"command": "echo hi", "cwd": bad},
    }
    assert hook(workspace, "claude", json.dumps(event).encode()).returncode == 2


def test_mcp_shell_working_directory_reads_pass(workspace: Path) -> None:
    assert mcp(workspace, "mcp__sh__run_command", {"command": "ls", "cwd": "app"}) is None

"""The resident hook server answers exactly as the one-shot `hook HARNESS` does: the same
stdout, stderr and exit code, the same audit and ledger records, call after call, for every
harness — through the C client and the Python client, real processes throughout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bash_corpus import CORPUS, ROOT
from conftest import EXAMPLE_RULES, git, make_workspace
from serve_support import (
    client_command,
    event,
    one_shot,
    records,
    served,
    start_server,
    stop_server,
)

AGENT = "backend-framework-ai"
OWNER = "system-architect-ai"
# no escalation: an escalation opens a consultation with a random id, which two runs cannot share
RULES = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")

Call = tuple[str, str, bytes, dict[str, str]]  # (label, harness, event, extra environment)


def _bash_calls(ws: Path) -> list[Call]:
    out: list[Call] = []
    for case in CORPUS[::6]:
        command = case.command.replace(ROOT, str(ws))
        cwd = case.cwd.replace(ROOT, str(ws))
        data = event(ws, "Bash", {"command": command}, cwd=cwd)
        out.append((f"bash {case.command[:40]}", "claude", data, {}))
    return out


def _file_calls(ws: Path) -> list[Call]:
    main, other = str(ws / "app/main.py"), str(ws / "app/other.py")
    office = str(ws / ".workspace/departments/backend/backend-framework-ai/notes.md")
    weird = str(ws / "app") + "/caf\udcff.py"  # not UTF-8: JSON carries a lone surrogate
    write = {"content": "x"}
    calls: list[Call] = [
        ("write protected", "claude", event(ws, "Write", {"file_path": main, **write}), {}),
        ("write free", "claude", event(ws, "Write", {"file_path": other, **write}), {}),
        ("write office", "claude", event(ws, "Write", {"file_path": office, **write}), {}),
        ("owner edit", "claude", event(ws, "Edit", {"file_path": main}, OWNER), {}),
        ("guest", "claude", event(ws, "Write", {"file_path": main}, "general-purpose"), {}),
        ("env agent", "claude", event(ws, "Write", {"file_path": main}, None), {}),
        ("relative", "claude", event(ws, "Write", {"file_path": "app/main.py"}), {}),
        ("outside", "claude", event(ws, "Write", {"file_path": "/tmp/elsewhere.txt"}), {}),
        ("git dir", "claude", event(ws, "Write", {"file_path": str(ws / ".git/config")}), {}),
        ("notebook", "claude", event(ws, "NotebookEdit", {"notebook_path": main}), {}),
        ("surrogate", "claude", event(ws, "Write", {"file_path": weird}), {}),
        (
            "spanish",
            "claude",
            event(ws, "Write", {"file_path": main}),
            {"WORKSPACE_GUARD_LANG": "es"},
        ),
        ("C locale", "claude", event(ws, "Write", {"file_path": main}), {"LANG": "C"}),
        ("read tool", "claude", event(ws, "Read", {"file_path": main}), {}),
        ("mcp write", "claude", event(ws, "mcp__filesystem__write_file", {"path": main}), {}),
        ("mcp unknown", "claude", event(ws, "mcp__other__frob", {"target": main}), {}),
        ("briefing", "claude", event(ws, "", None, AGENT, "SubagentStart"), {}),
        ("session", "claude", event(ws, "", None, None, "SessionStart"), {}),
        ("post free", "claude", event(ws, "Write", {"file_path": other}, name="PostToolUse"), {}),
        (
            "post bash",
            "claude",
            event(ws, "Bash", {"command": "echo 1 > app/new.txt"}, name="PostToolUse"),
            {},
        ),
        (
            "approve self",
            "claude",
            event(
                ws,
                "Bash",
                {"command": f"workspace-guard approve {AGENT} app/main.py --by {OWNER}"},
                OWNER,
            ),
            {},
        ),
        (
            "claim other",
            "claude",
            event(ws, "Bash", {"command": "workspace-guard claim app/x.py --as someone"}),
            {},
        ),
        ("empty", "claude", b"", {}),
        ("not json", "claude", b"{nope", {}),
        ("array", "claude", b"[1, 2]", {}),
        ("no input", "claude", event(ws, "Write", None), {}),
        ("nul", "claude", event(ws, "Write", {"file_path": "app/\x00x"}), {}),
        (
            "no agent",
            "claude",
            event(ws, "Write", {"file_path": main}, None),
            {"WORKSPACE_AGENT": ""},
        ),
        (
            "codex patch",
            "codex",
            event(
                ws,
                "apply_patch",
                {"command": "*** Begin Patch\n*** Update File: app/main.py\n*** End Patch"},
            ),
            {},
        ),
        ("gemini", "gemini", event(ws, "write_file", {"file_path": main}, name="BeforeTool"), {}),
        (
            "gemini shell",
            "gemini",
            event(
                ws, "run_shell_command", {"command": "sed -i s/a/b/ app/main.py"}, name="BeforeTool"
            ),
            {},
        ),
        (
            "gemini after",
            "gemini",
            event(ws, "write_file", {"file_path": other}, name="AfterTool"),
            {},
        ),
        ("cursor", "cursor", event(ws, "Write", {"file_path": main}, name="preToolUse"), {}),
        (
            "cursor after",
            "cursor",
            json.dumps(
                {
                    "hook_event_name": "afterFileEdit",
                    "file_path": other,
                    "workspace_roots": [str(ws)],
                }
            ).encode(),
            {},
        ),
        (
            "cline",
            "cline",
            json.dumps(
                {
                    "preToolUse": {"toolName": "write_to_file", "parameters": {"path": main}},
                    "workspaceRoots": [str(ws)],
                }
            ).encode(),
            {},
        ),
        (
            "cline read",
            "cline",
            json.dumps({"preToolUse": {"toolName": "read_file", "parameters": {}}}).encode(),
            {},
        ),
        ("cline garbage", "cline", b"", {}),
    ]
    return calls


@pytest.fixture
def twin(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace and a pristine copy of it, to replay the same calls from the same state."""
    ws = make_workspace(tmp_path / "ws", RULES)
    (ws / ".git" / "workspace-guard").mkdir()
    pristine = tmp_path / "pristine"
    shutil.copytree(ws, pristine, symlinks=True)
    return ws, pristine


def _restore(ws: Path, pristine: Path) -> None:
    shutil.rmtree(ws)
    shutil.copytree(pristine, ws, symlinks=True)


def _replay(ws: Path, calls: list[Call], run: object) -> list[tuple[str, int, bytes, bytes]]:
    out = []
    for label, harness, data, env in calls:
        proc = run(ws, harness, data, {"WORKSPACE_AGENT": AGENT, **env})  # type: ignore[operator]
        out.append((label, proc.returncode, proc.stdout, proc.stderr))
    return out


def test_served_answers_are_the_one_shot_answers(twin: tuple[Path, Path], tmp_path: Path) -> None:
    ws, pristine = twin
    calls = _file_calls(ws) + _bash_calls(ws)
    expected = _replay(ws, calls, one_shot)
    audit, ledger = records(ws, "audit.jsonl"), records(ws, "ledger.jsonl")
    assert any(code == 2 for _, code, _, _ in expected)  # the sample has blocks,
    assert any(b"deny" in out for _, _, out, _ in expected)  # denials,
    assert ledger and audit  # and records of both kinds
    for kind in ("c", "python"):  # each client replays the same calls from the same state
        _restore(ws, pristine)
        server = start_server(ws)
        try:
            command = client_command(kind, tmp_path)
            got = _replay(ws, calls, lambda w, h, d, e, c=command: served(c, w, h, d, e))
        finally:
            stop_server(server)
        for want, have in zip(expected, got, strict=True):
            assert have == want, kind
        assert records(ws, "audit.jsonl") == audit, kind
        assert records(ws, "ledger.jsonl") == ledger, kind


def test_rules_committed_at_the_trusted_revision_count_on_the_next_call(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / ".git" / "workspace-guard").mkdir()
    server = start_server(workspace)
    command = client_command("c", tmp_path)
    other = str(workspace / "app/other.py")
    try:
        first = served(
            command, workspace, "claude", event(workspace, "Write", {"file_path": other})
        )
        assert first.returncode == 0 and first.stdout == b""
        rules = workspace / ".workspace/rules.yaml"
        rules.write_text(
            rules.read_text().replace(
                "protected:\n",
                f"protected:\n  - pattern: /app/other.py\n    owner: {OWNER}\n    level: critical\n",
                1,
            )
        )
        git(
            workspace,
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-qam",
            "chore(workspace): protect other.py",
        )
        second = served(
            command, workspace, "claude", event(workspace, "Write", {"file_path": other})
        )
        assert second.returncode == 0
        reason = json.loads(second.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
        assert "app/other.py" in reason and OWNER in reason
    finally:
        stop_server(server)

"""The "another worktree has this file modified and not committed" warning (issue 16), as the
real CLIs hand it to the model: an allowed write, no decision in the answer, the words in the
model's next request. Claude Code puts a PreToolUse `additionalContext` in a `<system-reminder>`
after the tool result; Codex adds it as a `developer` message. (Gemini CLI 0.61.0 does not hand a
BeforeTool `additionalContext` to the model: measured, see docs/coordination.md.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, make_workspace

from realclients.clients import run_claude, run_codex
from realclients.conftest import isolated, require, wg
from realclients.fake_model import Call, FakeModel, Script

pytestmark = pytest.mark.realclient

AGENT = "backend-framework-ai"
ORDER = "app/models/order.py"  # a write AGENT may make: the warning is for allowed writes
WORDS = f"workspace-guard (warning, not a block): {ORDER} modified and not committed"


def _workspace(tmp: Path, install: tuple[str, ...]) -> tuple[Path, Path]:
    repo = make_workspace(tmp / "ws")
    wg(repo, "install", *install)
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
    other = tmp / "other"
    git(repo, "worktree", "add", "-q", str(other), "-b", "other")
    (other / ORDER).write_text("their work in progress\n")
    return repo, other


@pytest.mark.parametrize("cli", ["claude", "codex"])
def test_the_model_is_told_and_the_write_goes_through(tmp_path: Path, cli: str) -> None:
    require(cli)
    with isolated(tmp_path) as home:
        repo, other = _workspace(
            tmp_path, ("--claude",) if cli == "claude" else ("--harness", "codex")
        )
        target = str(repo / ORDER)
        if cli == "claude":
            calls = [
                Call("Read", {"file_path": target}),
                Call("Write", {"file_path": target, "content": "mine\n"}),
            ]
            runner = run_claude
        else:
            calls = [Call("exec_command", {"cmd": f"echo mine > {ORDER}"})]
            runner = run_codex
        with FakeModel(Script({"main": [[c] for c in calls]})) as model:
            run = runner(repo, model.url, home / "cli", env={"WORKSPACE_AGENT": AGENT})
        assert run.returncode == 0, run.stderr[-2000:]
        assert (repo / ORDER).read_text() == "mine\n"  # a warning never blocks
        text = json.dumps(model.bodies("main")[-1], ensure_ascii=False)
        assert WORDS in text and str(other) in text, text[-3000:]
        if cli == "claude":
            assert "PreToolUse:Write hook additional context: " + WORDS in text
        else:
            inputs = model.bodies("main")[-1]["input"]
            told = [i for i in inputs if i.get("role") == "developer" and WORDS in json.dumps(i)]
            assert told, inputs

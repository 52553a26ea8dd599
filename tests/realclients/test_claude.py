"""The real Claude Code, installed with `workspace-guard install --claude`, driven by our model.

One CLI session plays the whole crew scenario (main thread -> a non-owner subagent -> the owner
subagent); the tests below each check one outcome of it, on disk and in what the model received
next (the tool_result of each call).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git, make_workspace

from realclients.clients import Run, run_claude, write_claude_agent
from realclients.conftest import gate_reason, isolated, require, wg, with_wg_on_path
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import protected_calls

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
ISOLATED = "api-security"  # a non-owner working in its own worktree (Agent isolation: worktree)
OFFICE = ".workspace/departments/backend/backend-framework-ai"
DENIAL = "workspace-guard (workspace protocol)"


@dataclass
class Session:
    repo: Path
    sibling: Path
    model: FakeModel
    calls: dict[str, Call]
    run: Run
    original: str

    def result(self, label: str) -> tuple[str, bool]:
        return self.model.result(self.calls[label].id)


def _isolated_calls() -> dict[str, Call]:
    """A subagent started with `isolation: worktree` that writes `app/main.py` in its worktree."""
    return {
        "spawn_isolated": Call(
            "Agent",
            {
                "description": "change",
                "prompt": "change main",
                "subagent_type": ISOLATED,
                "isolation": "worktree",
            },
        ),
        "iso_pwd": Call("Bash", {"command": "pwd", "description": "p"}),
        "iso_sed": Call(
            "Bash", {"command": "sed -i s/FastAPI/HACKED/ app/main.py", "description": "s"}
        ),
        "iso_read": Call("Read", {"file_path": "app/main.py"}),
        "iso_edit": Call(
            "Edit",
            {
                "file_path": "app/main.py",
                "old_string": "app = FastAPI()",
                "new_string": "HACKED = 3",
            },
        ),
    }


def _crew_script(repo: Path, sibling: Path) -> tuple[Script, dict[str, Call]]:
    main_py = str(repo / "app/main.py")
    c: dict[str, Call] = {
        "spawn_other": Call(
            "Agent", {"description": "change", "prompt": "change main", "subagent_type": OTHER}
        ),
        "spawn_owner": Call(
            "Agent", {"description": "change", "prompt": "change main", "subagent_type": OWNER}
        ),
        "main_write": Call(
            "Bash", {"command": "echo '# main' >> app/core/config.py", "description": "m"}
        ),
        **_isolated_calls(),
        "read": Call("Read", {"file_path": main_py}),
        "validator": Call(
            "Bash",
            {"command": f"agent_workspace_validator {OTHER} app/main.py", "description": "v"},
        ),
        "explain": Call(
            "Bash", {"command": "workspace-guard explain app/main.py", "description": "e"}
        ),
        "consult": Call(
            "Bash",
            {
                "command": f"workspace-guard consult app/main.py --agent {OTHER} --reason rename",
                "description": "c",
            },
        ),
        "claim": Call(
            "Bash",
            {
                "command": f"workspace-guard claim {OFFICE}/plan.md --agent {OTHER}",
                "description": "c",
            },
        ),
        "claim_as_owner": Call(
            "Bash",
            {
                "command": f"workspace-guard claim app/models/order.py --agent {OWNER}",
                "description": "c",
            },
        ),
        **protected_calls(repo, OFFICE),
        "sibling_sed": Call(
            "Bash",
            {"command": f"sed -i s/FastAPI/HACKED/ {sibling}/app/main.py", "description": "w"},
        ),
        "owner_read": Call("Read", {"file_path": main_py}),
        "owner_edit": Call(
            "Edit",
            {
                "file_path": main_py,
                "old_string": "app = FastAPI()",
                "new_string": 'app = FastAPI(title="crew")',
            },
        ),
    }
    other = ["read", "validator", "explain", "consult", "claim", "claim_as_owner"]
    other += ["edit", "write", "sed", "office_write", "office_bash"]
    script = Script(
        {
            "main": [
                [c["main_write"]],
                [c["spawn_other"]],
                [c["spawn_owner"]],
                [c["spawn_isolated"]],
            ],
            OTHER: [[c[name]] for name in [*other, "sibling_sed"]],
            OWNER: [[c["owner_read"]], [c["owner_edit"]]],
            ISOLATED: [[c["iso_pwd"]], [c["iso_sed"]], [c["iso_read"]], [c["iso_edit"]]],
        }
    )
    return script, c


@pytest.fixture(scope="module")
def crew(tmp_path_factory: pytest.TempPathFactory) -> Session:
    require("claude")
    tmp = tmp_path_factory.mktemp("claude-crew")
    with isolated(tmp) as home:
        repo = make_workspace(tmp / "ws")
        wg(repo, "install", "--claude")
        for name in (OTHER, OWNER, ISOLATED):
            write_claude_agent(repo, name)
        git(repo, "add", "-A")
        git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
        sibling = tmp / "ws-sibling"
        git(repo, "worktree", "add", "-q", "-b", "sibling", str(sibling))
        original = (repo / "app/main.py").read_text()
        script, calls = _crew_script(repo, sibling)
        with FakeModel(script) as model:
            run = run_claude(repo, model.url, home / "cli", env=with_wg_on_path())
        return Session(repo, sibling, model, calls, run, original)


def test_session_ran_both_subagents(crew: Session) -> None:
    assert crew.run.returncode == 0, crew.run.stderr[-2000:]
    assert {"main", OTHER, OWNER, ISOLATED} <= crew.model.conversations()


def test_non_owner_edit_write_sed_blocked_with_the_full_reason(crew: Session) -> None:
    for label in ("edit", "write", "sed"):
        text, is_error = crew.result(label)
        assert is_error, (label, text)
        assert text.startswith(DENIAL), (label, text)
        assert f"{OTHER} may not change app/main.py" in text, (label, text)
        assert OWNER in text and "hook error" not in text, (label, text)
    # the Edit's reason is exactly the gate's permissionDecisionReason, not a summary of it
    event = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": crew.calls["edit"].input,
        "agent_id": "a1",
        "agent_type": OTHER,
    }
    reason = gate_reason(crew.repo, "claude", event)
    assert crew.result("edit")[0] == reason


def test_third_denial_on_the_same_rule_escalates(crew: Session) -> None:
    """Edit, Write, sed: the third denial tells the model to STOP and files a consultation."""
    assert "STOP:" not in crew.result("write")[0]
    text = crew.result("sed")[0]
    assert text.startswith(f"{DENIAL}: STOP: {OTHER} was denied 3 times"), text
    listed = json.loads(wg(crew.repo, "consultations", "--owner", OWNER, "--format", "json").stdout)
    assert any(c["id"] in text for c in listed), (listed, text)


def test_protected_file_unchanged_by_the_blocked_calls(crew: Session) -> None:
    text = (crew.repo / "app/main.py").read_text()
    assert "HACKED" not in text
    # the owner's edit is the only change
    assert text == crew.original.replace("app = FastAPI()", 'app = FastAPI(title="crew")')


def test_owner_allowed(crew: Session) -> None:
    text, is_error = crew.result("owner_edit")
    assert not is_error and DENIAL not in text, text


def test_main_thread_is_the_main_agent(crew: Session) -> None:
    """No agent on the main thread: the rules' `harness: main_agent` (a superuser) acts."""
    text, is_error = crew.result("main_write")
    assert not is_error and DENIAL not in text, text
    assert (crew.repo / "app/core/config.py").read_text().endswith("# main\n")


def test_office_writes_allowed(crew: Session) -> None:
    for label in ("office_write", "office_bash"):
        text, is_error = crew.result(label)
        assert not is_error and DENIAL not in text, (label, text)
    assert (crew.repo / OFFICE / "plan.md").read_text() == "ok\n"
    assert (crew.repo / OFFICE / "log.txt").read_text() == "done\n"


def test_briefing_reaches_the_subagent_context(crew: Session) -> None:
    first = json.dumps(crew.model.bodies(OTHER)[0])
    assert "SubagentStart hook additional context" in first
    assert f"Workspace protocol (workspace-guard) for agent {OTHER}" in first
    assert f"agent_workspace_validator {OTHER} PATH" in first
    # the main thread never sees a subagent's briefing
    assert f"for agent {OTHER}" not in json.dumps(crew.model.bodies("main")[0])


def test_protocol_commands_the_briefing_prescribes_run(crew: Session) -> None:
    """The validator and explain name a protected path but write nothing: not blocked."""
    for label in ("validator", "explain"):
        text, _ = crew.result(label)
        assert not text.startswith(DENIAL), (label, text)
        assert "app/main.py" in text and OWNER in text, (label, text)


def test_worktree_isolated_subagent_blocked_in_its_worktree(crew: Session) -> None:
    """Claude Code's `isolation: worktree` runs the subagent in a new linked worktree."""
    where = Path(crew.result("iso_pwd")[0].strip())
    assert where.parent == crew.repo / ".claude/worktrees", where
    for label in ("iso_sed", "iso_edit"):
        text, is_error = crew.result(label)
        assert is_error and text.startswith(DENIAL), (label, text)
        assert f"{ISOLATED} may not change app/main.py" in text, (label, text)
    # Claude Code removes a subagent's worktree that has no changes once the subagent ends
    assert not where.exists() or "HACKED" not in (where / "app/main.py").read_text()


LEDGER = ".git/workspace-guard/ledger.jsonl"


def test_consult_and_claim_as_oneself_run_as_another_refused(crew: Session) -> None:
    consult, is_error = crew.result("consult")
    assert not is_error and "consultation filed" in consult, consult
    claim, is_error = crew.result("claim")
    assert not is_error and f"{OTHER} claims" in claim, claim
    # the claim spoke for OTHER because the gate saw OTHER run it (commands/speaker, F19b)
    records = [json.loads(line) for line in (crew.repo / LEDGER).read_text().splitlines()]
    authorised = {r["seq"]: r for r in records if r["kind"] == "authorise"}
    [spoken] = [r for r in records if r["kind"] == "spoken"]
    assert spoken["agent"] == OTHER and spoken["tool"] == "claim"
    assert authorised[spoken["authorised"]]["command"] == crew.calls["claim"].input["command"]
    text, is_error = crew.result("claim_as_owner")
    assert is_error and text.startswith(DENIAL), text
    assert f"you are {OTHER}" in text and OWNER in text, text


def test_sibling_worktree_protected_file_blocked(crew: Session) -> None:
    text, is_error = crew.result("sibling_sed")
    assert is_error and text.startswith(DENIAL), text
    assert "HACKED" not in (crew.sibling / "app/main.py").read_text()


def test_missing_workspace_guard_fails_closed(tmp_path: Path) -> None:
    """The recorded program moved and nothing on PATH: every gated call is blocked, none runs."""
    require("claude")
    repo = make_workspace(tmp_path / "ws")
    wg(repo, "install", "--claude")
    write_claude_agent(repo, OTHER)
    program = repo / ".git/workspace-guard/program"
    program.write_text(str(tmp_path / "moved-venv/bin/workspace-guard") + "\n")
    main_py = str(repo / "app/main.py")
    calls = {
        "spawn": Call("Agent", {"description": "d", "prompt": "p", "subagent_type": OTHER}),
        "read": Call("Read", {"file_path": main_py}),
        "write": Call("Write", {"file_path": main_py, "content": "HACKED\n"}),
        "office": Call("Write", {"file_path": str(repo / OFFICE / "x.md"), "content": "x\n"}),
        "sed": Call(
            "Bash", {"command": "sed -i s/FastAPI/HACKED/ app/main.py", "description": "s"}
        ),
    }
    script = Script({"main": [[c] for c in calls.values()]})  # starting a subagent is gated too
    with FakeModel(script) as model:
        run = run_claude(repo, model.url, tmp_path / "cli")
    assert run.returncode == 0, run.stderr[-2000:]
    for label in ("spawn", "write", "office", "sed"):
        text, is_error = model.result(calls[label].id)
        assert is_error and "workspace-guard was not found" in text, (label, text)
        assert "fails closed" in text, (label, text)
    assert "HACKED" not in (repo / "app/main.py").read_text()
    assert not (repo / OFFICE / "x.md").exists()


def test_session_start_tells_the_model_when_a_layer_is_off(tmp_path: Path) -> None:
    """The SessionStart hook runs doctor's fast part: git hooks redirected away (what agent
    tools' worktrees do) reach the main thread's context; a healthy install says nothing."""
    require("claude")
    repo = make_workspace(tmp_path / "ws")
    wg(repo, "install", "--claude")
    for broken in (False, True):
        if broken:
            git(repo, "config", "core.hooksPath", "/dev/null")
        with FakeModel(Script({"main": []})) as model:
            run = run_claude(repo, model.url, tmp_path / f"cli-{broken}")
        assert run.returncode == 0, run.stderr[-2000:]
        context = json.dumps(model.bodies("main")[0])
        said = "some protection layers would not run here" in context
        assert said == broken, context[-3000:]
        if broken:
            assert "SessionStart hook additional context" in context
            assert "doctor --fix" in context


@pytest.mark.parametrize("nested", [False, True], ids=["agent-flag", "nested"])
def test_an_agent_cannot_start_the_owner_as_a_subagent(tmp_path: Path, nested: bool) -> None:
    """A crew agent (its own `claude --agent X` process, or a subagent of the main thread) that
    may not edit app/main.py starts a subagent of the owner's type and tells it what to write:
    the spawn is denied (gates/harness/spawn.py), the owner-typed subagent never runs."""
    require("claude")
    repo = make_workspace(tmp_path / "ws")
    wg(repo, "install", "--claude")
    for name in (OTHER, OWNER):
        write_claude_agent(repo, name)
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
    main_py = str(repo / "app/main.py")
    edit = Call(
        "Edit", {"file_path": main_py, "old_string": "app = FastAPI()", "new_string": "x = 1"}
    )
    calls = {
        "start_self": Call("Agent", {"description": "d", "prompt": "p", "subagent_type": OTHER}),
        "spawn": Call("Agent", {"description": "d", "prompt": "p", "subagent_type": OWNER}),
        "read": Call("Read", {"file_path": main_py}),
        "edit": edit,
    }
    # with `--agent X` the main thread carries X's system prompt: the model plays X's script there
    first = [[calls["start_self"]]] if nested else []
    script = Script(
        {"main": first, OTHER: [[calls["spawn"]]], OWNER: [[calls["read"]], [calls["edit"]]]}
    )
    with isolated(tmp_path) as home, FakeModel(script) as model:
        run = run_claude(
            repo,
            model.url,
            home / "cli",
            env=with_wg_on_path(),
            extra_args=() if nested else ("--agent", OTHER),
        )
        assert run.returncode == 0, run.stderr[-2000:]
        text, is_error = model.result(calls["spawn"].id)
    assert is_error and f"may not start a `{OWNER}` subagent" in text, text
    assert not calls["edit"].id  # the owner-typed subagent never ran
    assert "FastAPI()" in (repo / "app/main.py").read_text()

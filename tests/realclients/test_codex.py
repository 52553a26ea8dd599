"""The real Codex CLI, installed with `workspace-guard install --harness codex` and trusted the way
that command's printed steps say, driven by our model: subagents spawned with multi_agent_v1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, make_workspace

from realclients.clients import run_codex
from realclients.conftest import gate_reason, isolated, require, wg, wg_bin, with_wg_on_path
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import Session, codex_spawn, codex_wait

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
DENIAL = "Command blocked by PreToolUse hook: workspace-guard (workspace protocol): "


def _patch(action: str, path: str, body: str) -> str:
    return f"*** Begin Patch\n*** {action} File: {path}\n{body}*** End Patch\n"


@pytest.fixture(scope="module")
def crew(tmp_path_factory: pytest.TempPathFactory) -> Session:
    require("codex")
    tmp = tmp_path_factory.mktemp("codex-crew")
    with isolated(tmp) as home:
        repo = make_workspace(tmp / "ws")
        out = wg(repo, "install", "--harness", "codex").stdout
        assert "trust_level" in out  # the step run_codex(trust=True) performs
        git(repo, "add", "-A")
        git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
        original = (repo / "app/main.py").read_text()
        sibling = tmp / "ws-sibling"
        git(repo, "worktree", "add", "-q", "-b", "sibling", str(sibling))
        c = {
            "main_write": Call("exec_command", {"cmd": "echo '# main' >> app/core/config.py"}),
            "spawn_other": codex_spawn(OTHER),
            "spawn_owner": codex_spawn(OWNER),
            "sed": Call("exec_command", {"cmd": "sed -i s/FastAPI/HACKED/ app/main.py"}),
            "patch": Call(
                "apply_patch",
                _patch("Update", "app/main.py", "@@\n-app = FastAPI()\n+HACKED = 1\n"),
                custom=True,
            ),
            "validator": Call(
                "exec_command", {"cmd": f"agent_workspace_validator {OTHER} app/main.py"}
            ),
            "office_sh": Call("exec_command", {"cmd": f"echo done > {OFFICE}/log.txt"}),
            "office_patch": Call(
                "apply_patch", _patch("Add", f"{OFFICE}/plan.md", "+ok\n"), custom=True
            ),
            "sibling_sed": Call(
                "exec_command", {"cmd": f"sed -i s/FastAPI/HACKED/ {sibling}/app/main.py"}
            ),
            "owner_patch": Call(
                "apply_patch",
                _patch(
                    "Update", "app/main.py", '@@\n-app = FastAPI()\n+app = FastAPI(title="crew")\n'
                ),
                custom=True,
            ),
        }
        other = ["sed", "patch", "validator", "office_sh", "office_patch", "sibling_sed"]
        script = Script(
            {
                "main": [
                    [c["main_write"]],
                    [c["spawn_other"]],
                    codex_wait(c["spawn_other"]),
                    [c["spawn_owner"]],
                    codex_wait(c["spawn_owner"]),
                ],
                OTHER: [[c[name]] for name in other],
                OWNER: [[c["owner_patch"]]],
            }
        )
        # Codex runs commands in a login shell, which sets PATH anew: a user's profile adds ours
        (home / "cli").mkdir()
        (home / "cli/.bash_profile").write_text(f'export PATH="$PATH:{wg_bin()}"\n')
        with FakeModel(script) as model:
            run = run_codex(
                repo, model.url, home / "cli", agents=(OTHER, OWNER), env=with_wg_on_path()
            )
        return Session(repo, model, c, run, original)


def test_session_ran_both_subagents(crew: Session) -> None:
    assert crew.run.returncode == 0, crew.run.stderr[-2000:]
    assert {"main", OTHER, OWNER} <= crew.model.conversations()


def test_non_owner_sed_and_apply_patch_blocked_with_the_full_reason(crew: Session) -> None:
    event = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": crew.calls["sed"].input["cmd"]},  # type: ignore[index]
        "agent_id": "a1",
        "agent_type": OTHER,
    }
    reason = gate_reason(crew.repo, "codex", event)
    assert crew.result("sed").startswith(f"Command blocked by PreToolUse hook: {reason}")
    for label in ("sed", "patch"):
        text = crew.result(label)
        assert text.startswith(DENIAL), (label, text)
        assert f"{OTHER} may not change app/main.py" in text and OWNER in text, (label, text)


def test_protected_file_changed_only_by_its_owner(crew: Session) -> None:
    text = (crew.repo / "app/main.py").read_text()
    assert "HACKED" not in text
    assert text == crew.original.replace("app = FastAPI()", 'app = FastAPI(title="crew")')
    assert DENIAL not in crew.result("owner_patch")


def test_main_thread_is_the_main_agent(crew: Session) -> None:
    """No agent on the main thread: the rules' `harness: main_agent` (a superuser) acts."""
    assert DENIAL not in crew.result("main_write")
    assert (crew.repo / "app/core/config.py").read_text().endswith("# main\n")


def test_office_writes_allowed(crew: Session) -> None:
    for label in ("office_sh", "office_patch"):
        assert DENIAL not in crew.result(label), label
    assert (crew.repo / OFFICE / "log.txt").read_text() == "done\n"
    assert (crew.repo / OFFICE / "plan.md").read_text() == "ok\n"


def test_briefing_reaches_the_subagent(crew: Session) -> None:
    first = json.dumps(crew.model.bodies(OTHER)[0])
    assert f"Workspace protocol (workspace-guard) for agent {OTHER}" in first
    assert f"for agent {OTHER}" not in json.dumps(crew.model.bodies("main")[0])


def test_validator_the_briefing_prescribes_runs(crew: Session) -> None:
    text = crew.result("validator")
    assert DENIAL not in text
    assert "DENIED" in text and OWNER in text, text


def test_sibling_worktree_protected_file_blocked(crew: Session) -> None:
    text = crew.result("sibling_sed")
    assert text.startswith(DENIAL) and f"{OTHER} may not change app/main.py" in text, text
    assert "HACKED" not in (crew.repo.parent / "ws-sibling/app/main.py").read_text()


def test_missing_workspace_guard_fails_closed(tmp_path: Path) -> None:
    require("codex")
    repo = make_workspace(tmp_path / "ws")
    wg(repo, "install", "--harness", "codex")
    (repo / ".git/workspace-guard/program").write_text(str(tmp_path / "gone/workspace-guard\n"))
    calls = [
        Call("exec_command", {"cmd": f"echo x > {OFFICE}/x.txt"}),
        Call(
            "apply_patch",
            _patch("Update", "app/main.py", "@@\n-app = FastAPI()\n+X = 1\n"),
            custom=True,
        ),
    ]
    with FakeModel(Script({"main": [[c] for c in calls]})) as model:
        run = run_codex(repo, model.url, tmp_path / "cli")
    assert run.returncode == 0, run.stderr[-2000:]
    for call in calls:
        text = model.result(call.id)[0]
        assert "Command blocked by PreToolUse hook" in text and "fails closed" in text, text
    assert not (repo / OFFICE / "x.txt").exists()
    assert "X = 1" not in (repo / "app/main.py").read_text()


def test_untrusted_project_runs_no_hooks_and_check_says_so(tmp_path: Path) -> None:
    """What `install` warns about: until the trust steps are done Codex skips project hooks
    silently; `install --harness codex --check` names the missing trust, and after the steps
    the same call is blocked."""
    require("codex")
    repo = make_workspace(tmp_path / "ws")
    wg(repo, "install", "--harness", "codex")
    env = {"WORKSPACE_AGENT": OTHER}
    for trust in (False, True):
        home = tmp_path / f"cli-{trust}"
        sed = Call("exec_command", {"cmd": f"sed -i s/FastAPI/T{int(trust)}/ app/main.py"})
        with FakeModel(Script({"main": [[sed]]})) as model:
            run = run_codex(repo, model.url, home, env=env, trust=trust)
        assert run.returncode == 0, run.stderr[-2000:]
        check = subprocess.run(
            [str(wg_bin() / "workspace-guard"), "install", "--harness", "codex", "--check"],
            cwd=repo,
            env={**os.environ, "CODEX_HOME": str(home / ".codex")},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        text = model.result(sed.id)[0]
        if trust:
            assert DENIAL in text and "T1" not in (repo / "app/main.py").read_text()
            assert "the project is trusted" in check.stdout, check.stdout
        else:
            assert DENIAL not in text and "T0" in (repo / "app/main.py").read_text()
            assert check.returncode == 1 and "not trusted" in check.stdout, check.stdout


def _attempts(path: str) -> list[Call]:
    """Three ways at one protected file: shell, patch, shell again (each a denial on its rule)."""
    return [
        Call("exec_command", {"cmd": f"sed -i s/FastAPI/HACKED/ {path}"}),
        Call(
            "apply_patch",
            _patch("Update", path, "@@\n-app = FastAPI()\n+HACKED = 1\n"),
            custom=True,
        ),
        Call("exec_command", {"cmd": f"echo HACKED >> {path}"}),
    ]


def test_third_denial_on_the_same_rule_escalates(tmp_path: Path) -> None:
    """A non-owner subagent denied three times on one rule: the third answer is STOP with the
    consultation the gate filed with the owner; nothing was written."""
    require("codex")
    with isolated(tmp_path) as home:
        repo = make_workspace(tmp_path / "ws")
        wg(repo, "install", "--harness", "codex")
        original = (repo / "app/main.py").read_text()
        tries = _attempts("app/main.py")
        spawn = codex_spawn(OTHER)
        script = Script({"main": [[spawn], codex_wait(spawn)], OTHER: [[c] for c in tries]})
        with FakeModel(script) as model:
            run = run_codex(repo, model.url, home / "cli", agents=(OTHER,))
        assert run.returncode == 0, run.stderr[-2000:]
        texts = [model.result(c.id)[0] for c in tries]
        for text in texts:
            assert text.startswith(DENIAL), text
        assert "STOP:" not in texts[0] and "STOP:" not in texts[1], texts
        assert texts[2].startswith(f"{DENIAL}STOP: {OTHER} was denied 3 times"), texts[2]
        listed = json.loads(wg(repo, "consultations", "--owner", OWNER, "--format", "json").stdout)
        [filed] = [c for c in listed if c["id"] in texts[2]]
        assert filed["filed_by"] == "workspace-guard", filed
        assert (repo / "app/main.py").read_text() == original


def test_owner_named_by_workspace_agent_writes_its_file(tmp_path: Path) -> None:
    """Codex's main thread names no agent: WORKSPACE_AGENT does, over `harness: main_agent`. As
    the owner it may change its file; as another agent the same calls are blocked."""
    require("codex")
    with isolated(tmp_path) as home:
        repo = make_workspace(tmp_path / "ws")
        wg(repo, "install", "--harness", "codex")
        for agent in (OTHER, OWNER):
            change = Call(
                "apply_patch",
                _patch(
                    "Update",
                    "app/main.py",
                    f'@@\n-app = FastAPI()\n+app = FastAPI(title="{agent}")\n',
                ),
                custom=True,
            )
            with FakeModel(Script({"main": [[change]]})) as model:
                run = run_codex(
                    repo, model.url, home / f"cli-{agent}", env={"WORKSPACE_AGENT": agent}
                )
            assert run.returncode == 0, run.stderr[-2000:]
            text = model.result(change.id)[0]
            written = f'title="{agent}"' in (repo / "app/main.py").read_text()
            if agent == OWNER:
                assert DENIAL not in text and written, text
            else:
                assert text.startswith(DENIAL) and f"{OTHER} may not change" in text, text
                assert not written

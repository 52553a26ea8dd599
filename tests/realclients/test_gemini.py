"""The real Gemini CLI, installed with `workspace-guard install --harness gemini`, driven by our
model. Gemini's hook events name no agent, subagents included; our docs promise the acting agent
comes from WORKSPACE_AGENT, else the rules' `harness: main_agent` — that is what is tested."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import git, make_workspace

from realclients.clients import run_gemini
from realclients.conftest import FS_SERVER, gate_reason, require, wg, with_wg_on_path
from realclients.fake_model import Call, FakeModel, Script

pytestmark = pytest.mark.realclient

OTHER = "backend-framework-ai"
OWNER = "system-architect-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
BLOCKED = "Tool execution blocked: "
DENIAL = BLOCKED + "workspace-guard (workspace protocol): "


def _workspace(tmp_path: Path) -> Path:
    repo = make_workspace(tmp_path / "ws")
    out = wg(repo, "install", "--harness", "gemini").stdout
    assert "GEMINI_CLI_TRUST_WORKSPACE" in out  # the step run_gemini performs
    assert json.loads((repo / ".gemini/settings.json").read_text())["hooks"]["BeforeTool"]
    return repo


def _error(model: FakeModel, call: Call) -> str:
    text, is_error = model.result(call.id)
    return json.loads(text).get("error", "") if is_error else ""


def test_workspace_agent_blocked_with_the_full_reason(tmp_path: Path) -> None:
    require("gemini")
    repo = _workspace(tmp_path)
    main_py = str(repo / "app/main.py")
    original = Path(main_py).read_text()
    c = {
        "sed": Call("run_shell_command", {"command": "sed -i s/FastAPI/HACKED/ app/main.py"}),
        "write": Call("write_file", {"file_path": main_py, "content": "HACKED\n"}),
        "replace": Call(
            "replace",
            {
                "file_path": main_py,
                "old_string": "app = FastAPI()",
                "new_string": "HACKED = 1",
                "instruction": "rename",
            },
        ),
        "office": Call(
            "write_file", {"file_path": str(repo / OFFICE / "plan.md"), "content": "ok\n"}
        ),
        "office_sh": Call("run_shell_command", {"command": f"echo done > {OFFICE}/log.txt"}),
        "validator": Call(
            "run_shell_command", {"command": f"agent_workspace_validator {OTHER} app/main.py"}
        ),
    }
    with FakeModel(Script({"main": [[call] for call in c.values()]})) as model:
        run = run_gemini(
            repo, model.url, tmp_path / "cli", env={"WORKSPACE_AGENT": OTHER, **with_wg_on_path()}
        )
    assert run.returncode == 0, run.stderr[-2000:]
    event = {"hook_event_name": "BeforeTool", "tool_name": "write_file"}
    event["tool_input"] = c["write"].input  # type: ignore[assignment]
    reason = gate_reason(repo, "gemini", event, WORKSPACE_AGENT=OTHER)
    assert _error(model, c["write"]) == BLOCKED + reason
    for label in ("sed", "write", "replace"):
        text = _error(model, c[label])
        assert text.startswith(DENIAL) and f"{OTHER} may not change app/main.py" in text, label
    assert Path(main_py).read_text() == original
    for label in ("office", "office_sh", "validator"):
        assert not _error(model, c[label]), label
    assert (repo / OFFICE / "plan.md").read_text() == "ok\n"
    assert (repo / OFFICE / "log.txt").read_text() == "done\n"
    validator = model.result(c["validator"].id)[0]
    assert "DENIED" in validator and OWNER in validator, validator


def test_without_workspace_agent_the_main_agent_acts(tmp_path: Path) -> None:
    """No WORKSPACE_AGENT: the rules' `harness: main_agent` (master-orchestrator, a superuser)."""
    require("gemini")
    repo = _workspace(tmp_path)
    write = Call("write_file", {"file_path": str(repo / "app/main.py"), "content": "MAIN = 1\n"})
    with FakeModel(Script({"main": [[write]]})) as model:
        run = run_gemini(repo, model.url, tmp_path / "cli")
    assert run.returncode == 0, run.stderr[-2000:]
    assert not _error(model, write)
    assert (repo / "app/main.py").read_text() == "MAIN = 1\n"


def test_missing_workspace_guard_fails_closed(tmp_path: Path) -> None:
    """The hook timeout is in Gemini's unit (ms) and the launcher answers: nothing runs."""
    require("gemini")
    repo = _workspace(tmp_path)
    (repo / ".git/workspace-guard/program").write_text(str(tmp_path / "gone/workspace-guard\n"))
    calls = [
        Call("write_file", {"file_path": str(repo / OFFICE / "x.md"), "content": "x\n"}),
        Call("run_shell_command", {"command": "sed -i s/FastAPI/HACKED/ app/main.py"}),
    ]
    with FakeModel(Script({"main": [[c] for c in calls]})) as model:
        run = run_gemini(repo, model.url, tmp_path / "cli", env={"WORKSPACE_AGENT": OTHER})
    assert run.returncode == 0, run.stderr[-2000:]
    for call in calls:
        text = _error(model, call)
        assert text.startswith(BLOCKED) and "fails closed" in text, text
    assert not (repo / OFFICE / "x.md").exists()
    assert "HACKED" not in (repo / "app/main.py").read_text()


def test_mcp_write_tool_and_sibling_worktree_blocked(tmp_path: Path) -> None:
    """An MCP server's write tool (`mcp_<server>_<tool>` in Gemini) is decided by its path; a
    sibling `git worktree`'s protected file is judged by the same rules."""
    require("gemini")
    repo = _workspace(tmp_path)
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
    sibling = tmp_path / "sibling"
    git(repo, "worktree", "add", "-q", "-b", "sibling", str(sibling))
    settings = json.loads((repo / ".gemini/settings.json").read_text())
    settings["mcpServers"] = {"fs": {"command": sys.executable, "args": [str(FS_SERVER)]}}
    (repo / ".gemini/settings.json").write_text(json.dumps(settings))
    c = {
        "mcp": Call("mcp_fs_write_file", {"path": str(repo / "app/main.py"), "content": "X\n"}),
        "mcp_office": Call(
            "mcp_fs_write_file", {"path": str(repo / OFFICE / "m.md"), "content": "ok\n"}
        ),
        "sibling": Call(
            "run_shell_command", {"command": f"sed -i s/FastAPI/HACKED/ {sibling}/app/main.py"}
        ),
    }
    with FakeModel(Script({"main": [[call] for call in c.values()]})) as model:
        run = run_gemini(repo, model.url, tmp_path / "cli", env={"WORKSPACE_AGENT": OTHER})
    assert run.returncode == 0, run.stderr[-2000:]
    for label in ("mcp", "sibling"):
        text = _error(model, c[label])
        assert text.startswith(DENIAL) and f"{OTHER} may not change app/main.py" in text, label
    assert not _error(model, c["mcp_office"])
    assert (repo / OFFICE / "m.md").read_text() == "ok\n"
    assert "X" not in (repo / "app/main.py").read_text().replace("FastAPI", "")
    assert "HACKED" not in (sibling / "app/main.py").read_text()


def test_third_denial_on_the_same_rule_escalates(tmp_path: Path) -> None:
    """Three ways at one protected file (shell, replace, write_file): the third answer is STOP
    with the consultation the gate filed with the owner; nothing was written."""
    require("gemini")
    repo = _workspace(tmp_path)
    main_py = str(repo / "app/main.py")
    original = Path(main_py).read_text()
    tries = [
        Call("run_shell_command", {"command": "sed -i s/FastAPI/HACKED/ app/main.py"}),
        Call(
            "replace",
            {
                "file_path": main_py,
                "old_string": "app = FastAPI()",
                "new_string": "HACKED = 1",
                "instruction": "rename",
            },
        ),
        Call("write_file", {"file_path": main_py, "content": "HACKED\n"}),
    ]
    with FakeModel(Script({"main": [[c] for c in tries]})) as model:
        run = run_gemini(repo, model.url, tmp_path / "cli", env={"WORKSPACE_AGENT": OTHER})
    assert run.returncode == 0, run.stderr[-2000:]
    texts = [_error(model, c) for c in tries]
    for text in texts:
        assert text.startswith(DENIAL), texts
    assert "STOP:" not in texts[0] and "STOP:" not in texts[1], texts
    assert texts[2].startswith(f"{DENIAL}STOP: {OTHER} was denied 3 times"), texts[2]
    listed = json.loads(wg(repo, "consultations", "--owner", OWNER, "--format", "json").stdout)
    [filed] = [c for c in listed if c["id"] in texts[2]]
    assert filed["filed_by"] == "workspace-guard", filed
    assert Path(main_py).read_text() == original


def test_owner_by_workspace_agent_or_main_agent_writes_its_file(tmp_path: Path) -> None:
    """Gemini names no agent: the owner is WORKSPACE_AGENT, or the rules' `harness: main_agent`
    (committed, so the gate trusts it). Either way its write to its own file goes through."""
    require("gemini")
    from conftest import EXAMPLE_RULES

    rules = EXAMPLE_RULES.read_text().replace(
        "main_agent: master-orchestrator", f"main_agent: {OWNER}"
    )
    assert f"main_agent: {OWNER}" in rules
    for how, env in (("env", {"WORKSPACE_AGENT": OWNER}), ("rules", {})):
        repo = make_workspace(tmp_path / how, rules if how == "rules" else None)
        wg(repo, "install", "--harness", "gemini")
        main_py = str(repo / "app/main.py")
        c = {
            "replace": Call(
                "replace",
                {
                    "file_path": main_py,
                    "old_string": "app = FastAPI()",
                    "new_string": 'app = FastAPI(title="owner")',
                    "instruction": "title",
                },
            ),
            "sed": Call("run_shell_command", {"command": "sed -i s/owner/OWNER/ app/main.py"}),
            "other": Call(  # a file of another owner: still blocked
                "write_file", {"file_path": str(repo / "app/models/user.py"), "content": "X\n"}
            ),
        }
        with FakeModel(Script({"main": [[call] for call in c.values()]})) as model:
            run = run_gemini(repo, model.url, tmp_path / f"cli-{how}", env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        assert not _error(model, c["replace"]) and not _error(model, c["sed"]), how
        assert 'app = FastAPI(title="OWNER")' in Path(main_py).read_text(), how
        text = _error(model, c["other"])
        assert text.startswith(DENIAL) and f"{OWNER} may not change app/models/user.py" in text
        assert (repo / "app/models/user.py").read_text() != "X\n"


def test_our_mcp_servers_claim_through_the_real_cli(tmp_path: Path) -> None:
    """Gemini CLI calls our server's tools `mcp_workspace-guard_<tool>` and adds `mcp_context`:
    the gate recognises the server, leaves the `authorise` record for the acting agent, and the
    real `workspace-guard mcp` Gemini started spends it; a release naming another agent is
    refused before the server sees it."""
    require("gemini")
    pytest.importorskip("mcp")
    from conftest import BIN

    repo = _workspace(tmp_path)
    settings = json.loads((repo / ".gemini/settings.json").read_text())
    server = {"command": str(BIN / "workspace-guard"), "args": ["mcp"], "cwd": str(repo)}
    settings["mcpServers"] = {"workspace-guard": server}
    (repo / ".gemini/settings.json").write_text(json.dumps(settings))
    free = "app/models/order.py"
    c = {
        "claim": Call("mcp_workspace-guard_claim", {"agent": OTHER, "paths": [free]}),
        "forged": Call("mcp_workspace-guard_release", {"agent": OWNER, "everything": True}),
    }
    with FakeModel(Script({"main": [[call] for call in c.values()]})) as model:
        run = run_gemini(repo, model.url, tmp_path / "cli", env={"WORKSPACE_AGENT": OTHER})
    assert run.returncode == 0, run.stderr[-2000:]
    text, is_error = model.result(c["claim"].id)
    output = json.loads(text).get("output", "")
    assert not is_error and '"ok": true' in output and f'"agent": "{OTHER}"' in output, text
    forged = _error(model, c["forged"])
    assert forged.startswith(DENIAL) and f"you are {OTHER}" in forged, forged
    claims = json.loads(wg(repo, "claims", "--format", "json").stdout)
    assert [(x["agent"], x["pattern"]) for x in claims] == [(OTHER, "/" + free)]
    records = [json.loads(x) for x in (repo / ".git/workspace-guard/ledger.jsonl").open()]
    [authorise] = [r for r in records if r["kind"] == "authorise"]
    assert authorise["agent"] == OTHER and authorise["harness"] == "gemini"
    [spoken] = [r for r in records if r["kind"] == "spoken"]
    assert spoken["authorised"] == authorise["seq"] and spoken["tool"] == "claim"

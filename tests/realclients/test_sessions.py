"""Which session each real CLI tells the commands its shell tool runs, and what that makes of
an owner's `approve` through it (commands/speaker `other_session`, docs/identity.md's table).

Each CLI, with our hooks installed and the owner named by WORKSPACE_AGENT, runs `env` and then
`approve A … || approve B …` as the owner: the gate's `authorise` record lists both, the first
spends its own, the second stays unspent. The environment the shell tool gave is compared with
the hook event's `session_id` (and `agent_id`) kept in the record, and the unspent invocation is
then spent from a process naming another session (refused) and from one naming the measured
session (allowed).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import harness_shell
from helpers.provenance import ledger

from realclients.clients import (
    SYSTEM_PATH,
    run_claude,
    run_codex,
    run_gemini,
    write_claude_agent,
)
from realclients.conftest import isolated, require, wg, wg_bin, with_wg_on_path
from realclients.fake_model import Call, FakeModel, Script
from realclients.scenarios import codex_spawn, codex_wait

pytestmark = pytest.mark.realclient

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
ASKER = "solution-architect-ai"
MAIN = "app/main.py"
REFUSED = f"nothing shows {OWNER} is speaking"
SESSION_NAMES = (
    "CLAUDE_CODE_SESSION_ID",
    "CLAUDE_SESSION_ID",
    "CODEX_SESSION_ID",
    "CODEX_THREAD_ID",
)


def _approve(agent: str, note: str) -> str:
    return f"workspace-guard approve {agent} {MAIN} --by {OWNER} --note {note}"


def _pair(note: str) -> str:
    """The owner's call: the first approve runs, the second (another agent) is left unspent."""
    return f"{_approve(OTHER, note)} || {_approve(ASKER, note)}"


def _shell(cli: str, command: str) -> Call:
    if cli == "claude":
        return Call("Bash", {"command": command, "description": "run"})
    if cli == "codex":
        return Call("exec_command", {"cmd": command})
    return Call("run_shell_command", {"command": command})


def _environ(path: Path) -> dict[str, str]:
    names = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.replace("_", "").isalnum():
            names[name] = value
    return names


def _authorise(repo: Path, note: str) -> dict[str, object]:
    [record] = [
        r
        for r in ledger(repo)
        if r["kind"] == "authorise" and str(r["command"]).endswith(f"--note {note}")
    ]
    assert len(record["invocations"]) == 2, record  # type: ignore[arg-type]
    return record


def _spend(repo: Path, command: str, names: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`command` from a process of an agent's shell whose environment names `names` only."""
    return harness_shell(repo, command, names, without=SESSION_NAMES, timeout=60)


def _session(cli: str, tmp: Path, home: Path) -> tuple[Path, Path, FakeModel, dict[str, Call]]:
    """One real CLI session: main thread (the owner by WORKSPACE_AGENT) runs `env` and the
    owner's pair; under Claude Code and Codex an owner subagent does the same."""
    repo = make_workspace(tmp / "ws")
    wg(repo, "install", *(["--claude"] if cli == "claude" else ["--harness", cli]))
    out = tmp / "out"
    out.mkdir()
    c = {
        "env_main": _shell(cli, f"env | sort > {out}/main.env"),
        "pair_main": _shell(cli, _pair("main")),
        "env_sub": _shell(cli, f"env | sort > {out}/sub.env"),
        "pair_sub": _shell(cli, _pair("sub")),
    }
    main: list[object] = [[c["env_main"]], [c["pair_main"]]]
    conversations: dict[str, list[object]] = {"main": main}
    if cli == "claude":
        write_claude_agent(repo, OWNER)
        spawn = Call("Agent", {"description": "d", "prompt": "go", "subagent_type": OWNER})
        main.append([spawn])
    elif cli == "codex":
        spawn = codex_spawn(OWNER)
        main += [[spawn], codex_wait(spawn)]
    if cli != "gemini":
        conversations[OWNER] = [[c["env_sub"]], [c["pair_sub"]]]
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore(workspace): hooks")
    cli_home = home / "cli"
    cli_home.mkdir()
    (cli_home / ".bash_profile").write_text(f'export PATH="$PATH:{wg_bin()}"\n')  # Codex
    env = {**with_wg_on_path(), "WORKSPACE_AGENT": OWNER}
    with FakeModel(Script(conversations)) as model:
        if cli == "claude":
            run = run_claude(repo, model.url, cli_home, env=env)
        elif cli == "codex":
            run = run_codex(repo, model.url, cli_home, env=env, agents=(OWNER,))
        else:
            run = run_gemini(repo, model.url, cli_home, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    return repo, out, model, c


def _approved(model: FakeModel, call: Call) -> None:
    text = model.result(call.id)[0]
    assert f"approved: {OTHER} may change {MAIN} (by {OWNER}" in text, text
    assert REFUSED not in text, text


def _left_over(repo: Path, note: str, other: dict[str, str], own: dict[str, str]) -> None:
    """The pair's unspent invocation: refused from another session, spent from its own."""
    command = _approve(ASKER, note)
    if other:
        refused = _spend(repo, command, other)
        assert refused.returncode == 1 and REFUSED in refused.stderr, (other, refused.stderr)
    spent = _spend(repo, command, own)
    assert spent.returncode == 0, (own, spent.stderr)
    assert wg(repo, "validate", ASKER, MAIN, check=False).returncode == 0


def test_claude_code_shell_names_the_hook_session(tmp_path: Path) -> None:
    require("claude")
    with isolated(tmp_path) as home:
        repo, out, model, c = _session("claude", tmp_path, home)
        for where in ("main", "sub"):
            _approved(model, c[f"pair_{where}"])
            record = _authorise(repo, where)
            names = _environ(out / f"{where}.env")
            assert names["CLAUDE_CODE_SESSION_ID"] == record["session"], (names, record)
            assert "CLAUDE_SESSION_ID" not in names
            assert bool(record["agent_id"]) == (where == "sub"), record
        session = str(_authorise(repo, "main")["session"])
        own = {"CLAUDE_CODE_SESSION_ID": session}
        _left_over(repo, "main", {"CLAUDE_CODE_SESSION_ID": "another-session"}, own)
        _left_over(repo, "sub", {"CODEX_SESSION_ID": session, "CODEX_THREAD_ID": session}, own)


def test_codex_shell_names_the_session_and_the_thread(tmp_path: Path) -> None:
    require("codex")
    with isolated(tmp_path) as home:
        repo, out, model, c = _session("codex", tmp_path, home)
        main, sub = _authorise(repo, "main"), _authorise(repo, "sub")
        for where, record in (("main", main), ("sub", sub)):
            _approved(model, c[f"pair_{where}"])
            names = _environ(out / f"{where}.env")
            assert names["CODEX_SESSION_ID"] == record["session"], (names, record)
            thread = record["agent_id"] if where == "sub" else record["session"]
            assert thread and names["CODEX_THREAD_ID"] == thread, (names, record)
        session, agent_id = str(main["session"]), str(sub["agent_id"])
        assert sub["session"] == session
        _left_over(
            repo,
            "main",
            {"CODEX_SESSION_ID": session, "CODEX_THREAD_ID": agent_id},  # the subagent's shell
            {"CODEX_SESSION_ID": session, "CODEX_THREAD_ID": session},
        )
        _left_over(
            repo,
            "sub",
            {"CODEX_SESSION_ID": session, "CODEX_THREAD_ID": session},  # the main thread's
            {"CODEX_SESSION_ID": session, "CODEX_THREAD_ID": agent_id},
        )


def test_gemini_shell_names_no_session(tmp_path: Path) -> None:
    """Gemini CLI names no session in its shell: the binding is to the exact invocation only."""
    require("gemini")
    with isolated(tmp_path) as home:
        repo, out, model, c = _session("gemini", tmp_path, home)
        _approved(model, c["pair_main"])
        record = _authorise(repo, "main")
        text = (out / "main.env").read_text()
        assert record["session"] and str(record["session"]) not in text, record
        assert not set(_environ(out / "main.env")) & set(SESSION_NAMES)
        _left_over(repo, "main", {}, {"GEMINI_CLI": "1"})


def _claim(repo: Path, model: FakeModel, call: Call) -> dict[str, object]:
    """The MCP claim answered ok; the `authorise` record it spent (the subagent's)."""
    text = model.result(call.id)[0]
    assert '"ok":true' in text.replace(" ", "") and OTHER in text, text
    [record] = [r for r in ledger(repo) if r["kind"] == "authorise"]
    [spoken] = [r for r in ledger(repo) if r["kind"] == "spoken"]
    assert spoken["authorised"] == record["seq"] and record["agent_id"], (record, spoken)
    return record


def test_claude_code_mcp_server_names_the_hook_session(tmp_path: Path) -> None:
    """Our MCP server, started by Claude Code, has the session's `CLAUDE_CODE_SESSION_ID`: a
    subagent's claim through it is spent from its own session."""
    require("claude")
    pytest.importorskip("mcp")
    import json
    import shlex

    with isolated(tmp_path) as home:
        repo = make_workspace(tmp_path / "ws")
        wg(repo, "install", "--claude")
        write_claude_agent(repo, OTHER)
        config = json.loads((repo / ".mcp.json").read_text())
        server = config["mcpServers"]["workspace-guard"]
        out = tmp_path / "mcp.env"
        # The server's environment is noted by an `sh` first on the CLI's PATH that notes it for
        # the installed `.mcp.json` command only, then runs /bin/sh: the registration stays the
        # one `install` wrote (the gate takes a server for ours by what it runs, compared by file
        # identity with the recorded program: a wrapper of our name elsewhere is foreign, F103).
        shim = tmp_path / "shim" / "sh"
        shim.parent.mkdir()
        assert server["command"] == "sh" and server["args"][0] == "-c", server
        marker = 'exec "$p" mcp'
        shim.write_text(
            "#!/bin/sh\n"
            f'case "${{2:-}}" in *{shlex.quote(marker)}) env | sort > {shlex.quote(str(out))} ;; esac\n'
            'exec /bin/sh "$@"\n'
        )
        shim.chmod(0o755)
        cli_home = home / "cli"
        (cli_home / ".claude").mkdir(parents=True)
        (cli_home / ".claude/settings.json").write_text(
            json.dumps({"enableAllProjectMcpServers": True})
        )
        claim = Call(
            "mcp__workspace-guard__claim", {"agent": OTHER, "paths": ["app/models/order.py"]}
        )
        spawn = Call("Agent", {"description": "d", "prompt": "go", "subagent_type": OTHER})
        with FakeModel(Script({"main": [[spawn]], OTHER: [[claim]]})) as model:
            path = f"{shim.parent}:{SYSTEM_PATH}"
            run = run_claude(repo, model.url, cli_home, env={"PATH": path})
        assert run.returncode == 0, run.stderr[-2000:]
        record = _claim(repo, model, claim)
        assert _environ(out)["CLAUDE_CODE_SESSION_ID"] == record["session"], record


def test_codex_mcp_server_names_no_session(tmp_path: Path) -> None:
    """Our MCP server, started by Codex, has none of the session variables: a subagent's claim
    through it is bound to the exact invocation only, and is not refused."""
    require("codex")
    pytest.importorskip("mcp")
    from conftest import BIN

    with isolated(tmp_path) as home:
        repo = make_workspace(tmp_path / "ws")
        wg(repo, "install", "--harness", "codex")
        out = tmp_path / "mcp.env"
        server = (
            '[mcp_servers.workspace-guard]\ncommand = "sh"\n'
            f'args = ["-c", "env | sort > {out}; exec {BIN}/workspace-guard mcp"]\n'
            f'cwd = "{repo}"\n'
        )
        spawn = codex_spawn(OTHER)
        search = Call("tool_search", {"query": "claim paths", "limit": 8}, search=True)
        # Codex names the server's namespace with `_` for `-`
        claim = Call(
            "claim", {"agent": OTHER, "paths": ["app/models/order.py"]}, "mcp__workspace_guard"
        )
        script = Script({"main": [[spawn], codex_wait(spawn)], OTHER: [[search], [claim]]})
        with FakeModel(script) as model:
            run = run_codex(repo, model.url, home / "cli", agents=(OTHER,), extra_config=server)
        assert run.returncode == 0, run.stderr[-2000:]
        _claim(repo, model, claim)
        assert not set(_environ(out)) & set(SESSION_NAMES)

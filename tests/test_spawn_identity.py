"""Starting a subagent is taking its identity (gates/harness/spawn.py): an agent that may not
edit a file must not start the file's owner as a subagent and tell it what to write. Real hook
processes, Claude- and Codex-shaped events as the real CLIs send them (notes/real-payloads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git
from helpers.provenance import event, hook

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
SUPER = "master-orchestrator"


def denied(proc: object) -> str | None:
    out = getattr(proc, "stdout", "").strip()
    if not out:
        return None
    decision = json.loads(out)["hookSpecificOutput"]
    return (
        str(decision["permissionDecisionReason"])
        if decision.get("permissionDecision") == "deny"
        else None
    )


def spawn(ws: Path, agent: str | None, kind: str | None, tool: str = "Agent") -> str | None:
    tool_input: dict[str, object] = {"description": "change", "prompt": "Change app/main.py"}
    if kind is not None:
        tool_input["subagent_type"] = kind
    proc = hook(ws, event(ws, "PreToolUse", tool, tool_input, agent))
    assert proc.returncode in (0, 2), proc.stderr
    return denied(proc)


@pytest.mark.parametrize("tool", ["Agent", "Task"])
def test_an_agent_may_not_start_another_agents_type(workspace: Path, tool: str) -> None:
    reason = spawn(workspace, OTHER, OWNER, tool)
    assert reason is not None and OWNER in reason and "subagent" in reason
    for spelling in (OWNER.upper(), "System-Architect-AI"):  # the harness finds types by any case
        assert spawn(workspace, OTHER, spelling, tool) is not None, spelling
    assert spawn(workspace, OTHER, SUPER, tool) is not None  # nor the superuser's type
    audit = (workspace / ".git/workspace-guard/audit.jsonl").read_text()
    assert OTHER in audit and "denied" in audit


def test_its_own_type_a_superuser_and_the_main_thread_may(workspace: Path) -> None:
    assert spawn(workspace, OTHER, OTHER) is None
    assert spawn(workspace, SUPER, OWNER) is None
    assert spawn(workspace, None, OWNER) is None  # the main thread: harness main_agent, a superuser


def test_a_type_without_identity_gives_nothing_and_is_allowed(workspace: Path) -> None:
    assert spawn(workspace, OTHER, "general-purpose") is None
    assert spawn(workspace, OTHER, None) is None  # Claude's default type


def test_a_type_mapped_to_the_main_agent_is_the_main_agents(workspace: Path) -> None:
    rules = workspace / ".workspace/rules.yaml"
    text = rules.read_text().replace(
        "  main_agent: master-orchestrator",
        "  main_agent: master-orchestrator\n  unknown_agent: main_agent",
    )
    assert text != rules.read_text()
    rules.write_text(text)
    git(
        workspace,
        "-c",
        "core.hooksPath=/dev/null",
        "commit",
        "-qam",
        "rules: unknown agents act as main",
    )
    reason = spawn(workspace, OTHER, "general-purpose")
    assert reason is not None and SUPER in reason


def test_codex_spawn_agent(workspace: Path) -> None:
    for tool in ("spawn_agent", "multi_agent_v1spawn_agent"):
        data = json.loads(
            event(workspace, "PreToolUse", tool, {"agent_type": OWNER, "message": "x"}, OTHER)
        )
        proc = hook(workspace, json.dumps(data).encode(), harness="codex")
        assert denied(proc) is not None, (tool, proc.stdout, proc.stderr)
        data["tool_input"]["agent_type"] = OTHER
        assert denied(hook(workspace, json.dumps(data).encode(), harness="codex")) is None


def workflow(ws: Path, agent: str, script: str) -> str | None:
    return denied(hook(ws, event(ws, "PreToolUse", "Workflow", {"script": script}, agent)))


META = "export const meta = { name: 'fix', description: 'd', phases: [{ title: 'Fix' }] }\n"


@pytest.mark.parametrize(
    "body",
    [
        f"await agent('apply', {{ agentType: '{OWNER}' }})",
        f'await agent("apply", {{agentType:"{OWNER}"}})',
        f"await agent('a', {{ agentType: '{OTHER}' }}); await agent('b', {{ agentType: '{OWNER}' }})",
        "const t = 'system-' + 'architect-ai'; await agent('x', { agentType: t })",
        f"const o = {{ ['agent' + 'Type']: '{OWNER}' }}; await agent('x', o)",
        f"const o = JSON.parse('{{\"agentType\": \"{OWNER}\"}}'); await agent('x', o)",
        f"await agent('x', {{ ...{{ agentType: '{OWNER}' }} }})",
        "await agent('x', { agentType: String.fromCharCode(115) })",
    ],
)
def test_a_workflow_script_may_not_start_another_agents_type(workspace: Path, body: str) -> None:
    reason = workflow(workspace, OTHER, META + body)
    assert reason is not None and ("subagent" in reason or "script" in reason), reason
    assert workflow(workspace, SUPER, META + body) is None


@pytest.mark.parametrize(
    "body",
    [
        "await agent('summarise the docs')",
        f"await agent('x', {{ agentType: '{OTHER}' }})",
        "await agent('x', { agentType: 'general-purpose' })",
        "return 42",
    ],
)
def test_a_workflow_script_with_its_own_or_no_identity_is_allowed(
    workspace: Path, body: str
) -> None:
    assert workflow(workspace, OTHER, META + body) is None


# ATTACK F60: an `agentType` built from pieces, an options object that is not a literal, `agent`
# reached without its name: the script may start any type, so the gate cannot read it (fail
# closed), never "general-purpose".
@pytest.mark.parametrize(
    "body",
    [
        "const k='agentTyp'+'e'; const o={}; o[k]='system-architect-ai';"
        " await agent('edit app/main.py', o)",
        "const o = {}; o['agen'+'tTy'+'pe'] = 'system-'+'architect-ai'; await agent('x', o)",
        "const o = {}; o[['agent','Typ','e'].join('')] = 'system-architect-ai';"
        " await agent('x', o)",
        "const o = {}; o['agen'+'tType'] = 'system-architect-ai';"
        " await globalThis['ag'+'ent']('x', o)",
        "await agent('x', opts())",
        "const a = agent; await a('x', makeOptions())",
        "const agentType = pick(); await agent('x', { agentType })",
        "await agent('x', { 'agentType': pick() })",
        "await agent(...args)",
        "await agent('x', { agentType: `system-${'architect'}-ai` })",
        "const r = /'/; await agent('x', o); const s = /'/",
        "await agent('x', { model: 'sonnet', [k]: 'system-architect-ai' })",
        "await this.agent('x', o)",
        "await agent?.('x', o)",
        "await agent('x', cond ? { agentType: 'a' } : { agentType: 'system-architect-ai' })",
        "await agent('x', { agentType: 'backend-framework-ai', ...extra })",
        "const f = new Function('return agent'); await f()('x', o)",
        "await agent('x', { agentType: 'system-' + 'architect-ai' })",
        "await agent('x', { agentType: 'a' }, { agentType: t })",
        "\\u0061gent('x', o)",
        "if (x) /'/.test(s); agent('x', o); /'/",
        "x = a++ / agent('x', o) / 2",
        f"await agent('x', {{ agentType: '{OTHER}', agentType: '{OWNER}' }})",
    ],
)
def test_a_workflow_type_the_gate_cannot_read_is_refused(workspace: Path, body: str) -> None:
    reason = workflow(workspace, OTHER, META + body)
    assert reason is not None and ("subagent" in reason or "script" in reason), (body, reason)


@pytest.mark.parametrize(
    "body",
    [
        f"await agent('x', {{ agentType: '{OTHER}', model: 'sonnet' }})",
        "const out = await Promise.all(items.map((i) => agent(`summarise ${i}`)))",
        "await agent(\"ask the agent('system-architect-ai') what it thinks\")",
        "// agentType: 'system-architect-ai' is not used here\nawait agent('x')",
        "const n = a / b / c; await agent('x', { agentType: 'general-purpose' })",
    ],
)
def test_a_workflow_script_the_gate_reads_is_judged_by_its_literals(
    workspace: Path, body: str
) -> None:
    assert workflow(workspace, OTHER, META + body) is None, body


@pytest.mark.parametrize("kind", [["system-architect-ai"], {"name": "x"}, 7, True])
def test_a_subagent_type_that_is_not_a_string_is_refused(workspace: Path, kind: object) -> None:
    tool_input = {"description": "change", "prompt": "Change app/main.py", "subagent_type": kind}
    assert denied(hook(workspace, event(workspace, "PreToolUse", "Agent", tool_input, OTHER)))
    data = json.loads(
        event(workspace, "PreToolUse", "spawn_agent", {"agent_type": kind, "message": "x"}, OTHER)
    )
    assert denied(hook(workspace, json.dumps(data).encode(), harness="codex"))

"""Workflow `agent(…)` calls in shapes other than `agent(prompt, { agentType: 'T' })` (ATTACK F90):
one options object, other key names (`subagent_type`, `subagentType`, `type`), keys the gate does
not know, a prompt that is not text, and a rule's agent named anywhere in the call. Each is read
as the type it may start or refused to non-superusers (fail closed): the Workflow runtime's
accepted shapes are not documented, so a shape the gate cannot rule out counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.provenance import event, hook

from workspace_guard.gates.harness.workflow_script import ANY, agent_types

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
SUPER = "master-orchestrator"
META = "export const meta = { name: 'fix', description: 'd', phases: [{ title: 'Fix' }] }\n"


def _workflow(ws: Path, agent: str, script: str) -> str | None:
    proc = hook(ws, event(ws, "PreToolUse", "Workflow", {"script": script}, agent))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    if not out:
        return None
    decision = json.loads(out)["hookSpecificOutput"]
    assert decision["permissionDecision"] == "deny"
    return str(decision["permissionDecisionReason"])


# the shapes of ATTACK F90 (repro F90.sh) and their neighbours
REFUSED = [
    f"await agent({{ prompt: 'x', agentType: '{OWNER}' }})",
    f"await agent('x', {{ subagent_type: '{OWNER}' }})",
    f"await agent('x', {{ subagentType: '{OWNER}' }})",
    f"await agent('x', {{ type: '{OWNER}' }})",
    f"await agent('x', {{ agent_type: '{OWNER}' }})",
    f"await agent('x', {{ 'subagent_type': '{OWNER}' }})",
    f"await agent('x', {{ role: '{OWNER}' }})",  # a key the gate does not know
    f"await agent('x', {{ model: 'sonnet', agent: '{OWNER}' }})",
    f"await agent('x', {{ model: '{OWNER}' }})",  # a rule's agent named anywhere in the call
    f"await agent('x', {{ description: '{OWNER}' }})",
    f"await agent('{OWNER}')",
    f"await agent('x', {{ agentType: 'general-purpose', phase: '{OWNER}' }})",
    f"await agent('x', {{ model: 'sonnet', tools: ['{OWNER}'] }})",
    "await agent(o)",  # the prompt is not text: may be an options object
    "await agent(o, { model: 'sonnet' })",
    "await agent(cond ? 'x' : o)",
    "await agent('x' + o)",
    "await agent(tag`x`)",
    "await agent('x', { model: 'sonnet' }, { agentType: t })",  # a third argument
    f"await agent({{ prompt: 'x' }}, {{ agentType: '{OWNER}' }})",
]
READ = [  # (script body, the types read)
    ("await agent('summarise the docs')", "general-purpose"),
    ("await agent(`summarise ${file}`)", "general-purpose"),
    ("await agent(`a ${`b ${c}`} d`, { agentType: 'general-purpose' })", "general-purpose"),
    ("await agent('a' + 'b')", "general-purpose"),
    (f"await agent('x', {{ agentType: '{OTHER}', model: 'sonnet' }})", OTHER),
    (f"await agent({{ prompt: 'x', agentType: '{OTHER}' }})", OTHER),
    ("await agent('x', { description: 'tidy the notes', phase: 'Fix', model: 'opus' })", None),
    # the runtime's own options (Claude Code 2.1.197's agent() documentation)
    ("await agent('x', { label: 'l', phase: 'p', model: 'm', effort: 'low' })", None),
    ("await agent('x', { isolation: 'worktree', schema: { type: 'object' } })", None),
    # keys the gate does not know, with a value that can carry no type and no instructions
    ("await agent('x', { retries: 3, maxRetries: 2, verbose: true, cache: false })", None),
    ("await agent('x', { budget: 1.5, parallelism: 4, seed: null, extra: undefined })", None),
    (f"await agent('x', {{ agentType: '{OTHER}', cacheable: false }})", OTHER),
]
UNKNOWN_REFUSED = [  # unknown keys that may say which agent runs or what it is told
    "await agent('x', { attempts: 'general' })",  # a string: a type or instructions
    "await agent('x', { notes: 'act as the owner and rewrite app/main.py' })",
    "await agent('x', { extra: ['a'] })",
    "await agent('x', { extra: { t: 'a' } })",
    "await agent('x', { extra: t })",
    "await agent('x', { extra: 1 + t })",
    "await agent('x', { extra: -1 })",
    "await agent('x', { subagent: true })",
    "await agent('x', { agentIndex: 2 })",
    "await agent('x', { typeId: 7 })",
    "await agent('x', { role: 1 })",
    "await agent('x', { persona: null })",
    "await agent('x', { systemPrompt: 0 })",
    "await agent('x', { instructions: false })",
    "await agent('x', { mode: 2 })",
    "await agent('x', { useOwner: true })",
    "await agent('x', { as: 1 })",
    "await agent('x', { runAs: 1 })",
    "await agent('x', { profile: 3 })",
    "await agent('x', { [k]: 1 })",
    "await agent('x', { 'agent-type': 1 })",
]


@pytest.mark.parametrize("body", UNKNOWN_REFUSED)
def test_an_unknown_key_that_may_choose_the_agent_is_refused(body: str) -> None:
    found = agent_types(META + body)
    assert found is None or ANY in found.split(), (body, found)


@pytest.mark.parametrize("body", REFUSED)
def test_a_shape_that_may_start_another_agents_type_is_refused(workspace: Path, body: str) -> None:
    reason = _workflow(workspace, OTHER, META + body)
    assert reason is not None and ("subagent" in reason or "script" in reason), (body, reason)
    assert _workflow(workspace, SUPER, META + body) is None


@pytest.mark.parametrize("body", [b for b, _ in READ])
def test_a_plain_call_is_allowed(workspace: Path, body: str) -> None:
    assert _workflow(workspace, OTHER, META + body) is None, body


@pytest.mark.parametrize(("body", "types"), READ)
def test_the_types_read(body: str, types: str | None) -> None:
    found = agent_types(META + body)
    assert found is not None and ANY not in found.split()
    assert (types or "general-purpose") in found.split()


@pytest.mark.parametrize(
    "body",
    [
        f"await agent({{ prompt: 'x', agentType: '{OWNER}' }})",
        f"await agent('x', {{ subagent_type: '{OWNER}' }})",
        f"await agent('x', {{ type: '{OWNER}' }})",
    ],
)
def test_the_other_type_keys_are_read_as_types(body: str) -> None:
    found = agent_types(META + body)
    assert found is not None and OWNER in found.split()


def test_the_owner_may_run_a_script_naming_itself(workspace: Path) -> None:
    body = f"await agent('x', {{ subagent_type: '{OWNER}', model: '{OWNER}' }})"
    assert _workflow(workspace, OWNER, META + body) is None

"""Starting a subagent is taking its identity: the gate decides who may start whom.

A subagent's tool calls carry its type as the acting agent (`agent_type`), so whoever starts a
subagent of type T, with a prompt of its choosing, writes as T. An agent that may not edit a file
would start the file's owner and tell it what to write. So a `PreToolUse` of the harness's
spawning tool is judged like a write:

- a superuser (and the main thread, when the rules' `harness: main_agent` is one) starts any type;
- any agent starts its own type;
- a type the rules do not register, and that does not resolve to a registered agent
  (`harness: unknown_agent: main_agent`), carries no identity: its calls are refused as an unknown
  agent's, so starting it gives nothing and is allowed;
- anything else is denied: the agent asks the owner (a consultation) or the escalation agent.

The spawning tools, as the harnesses' hooks name them: Claude Code's `Agent` (formerly `Task`,
`subagent_type`, `general-purpose` when absent) and Codex's `spawn_agent` (`agent_type`, also
namespaced as `multi_agent_v1spawn_agent`). Gemini CLI's `invoke_agent` is not judged: its
subagents' calls carry no identity of their own (measured; docs/harnesses.md), so they act as the
agent that started them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workspace_guard.core.decide import Decider

CLAUDE_SPAWNERS = {"Agent": "subagent_type", "Task": "subagent_type"}
WORKFLOW = "Workflow"  # Claude Code's scripted agents: `agent(prompt, { agentType: 'T' })`
CLAUDE_DEFAULT = "general-purpose"
CODEX_SPAWNER = "spawn_agent"


def spawned_type(tool: str, tool_input: Any, layer: str) -> str | None:
    """The subagent type a spawning tool call starts, or None when the tool spawns nothing
    (a Workflow script: its types joined by spaces, `*` when the gate cannot read them)."""
    args = tool_input if isinstance(tool_input, dict) else {}
    if tool == WORKFLOW and layer != "codex":
        return workflow_types(str(args.get("script") or ""))
    if layer == "codex":
        if not tool.endswith(CODEX_SPAWNER):
            return None
        return _literal_type(args.get("agent_type"), "default")
    key = CLAUDE_SPAWNERS.get(tool)
    if key is None:
        return None
    return _literal_type(args.get(key), CLAUDE_DEFAULT)


def _literal_type(kind: Any, default: str) -> str:
    """A type given as a string; the harness's default when none is given; `*` (unreadable:
    refused to non-superusers) for anything else — a list, an object, a number."""
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        return default
    return kind.strip() if isinstance(kind, str) else "*"


def workflow_types(script: str) -> str | None:
    """The agent types a Workflow script starts (`workflow_script.py`): each `agentType` string
    literal (space-joined; `general-purpose` for `agent()` calls without one), `*` when a type may
    be given in a way the gate cannot read, None when the script starts no agent."""
    from workspace_guard.gates.harness.workflow_script import agent_types

    return agent_types(script)


def identity_of(decider: Decider, kind: str) -> str | None:
    """The registered agent a subagent of `kind` acts as (gate.acting_agent's mapping), or None."""
    rules = decider.rules
    if kind in rules.agents:
        return kind
    folded = kind.casefold()  # Claude Code finds `System-Architect-AI` as system-architect-ai
    for name in rules.agents:
        if name.casefold() == folded:
            return name
    harness = rules.harness or {}
    if harness.get("unknown_agent") == "main_agent" and harness.get("main_agent"):
        return str(harness["main_agent"])
    return None


def refusal(decider: Decider, agent: str, tool: str, kind: str) -> str:
    """Why `agent` may not start a subagent of `kind`; "" when it may."""
    from workspace_guard.i18n import _

    rules = decider.rules
    if agent in rules.superusers:
        return ""
    if kind == "*":
        return _(
            "{agent} may not run this `{tool}` script: it may start agents of a type the gate "
            "cannot read (a subagent acts as its type). Give each `agentType` as a plain string, "
            "or ask a superuser ({superusers})."
        ).format(agent=agent, tool=tool, superusers=", ".join(rules.superusers) or rules.escalation)
    for one in kind.split():
        identity = identity_of(decider, one)
        if identity is not None and identity != agent:
            return _refused_type(rules, agent, tool, one, identity)
    return ""


def _refused_type(rules: Any, agent: str, tool: str, kind: str, identity: str) -> str:
    from workspace_guard.i18n import _

    return _(
        "{agent} may not start a `{kind}` subagent (`{tool}`): a subagent acts as its type, so it "
        "would write as {identity}. Only {identity} itself or a superuser ({superusers}) may "
        "start it. To change {identity}'s files, ask {identity} (`workspace-guard consult PATH "
        "--agent {agent}`)."
    ).format(
        agent=agent,
        kind=kind,
        tool=tool,
        identity=identity,
        superusers=", ".join(rules.superusers) or rules.escalation,
    )

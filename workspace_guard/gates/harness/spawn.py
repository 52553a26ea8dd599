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
        named = one.startswith("?")  # a string in a Workflow call: only a rule's agent counts
        identity = _named_agent(decider, one[1:]) if named else identity_of(decider, one)
        if identity is not None and identity != agent:
            return _refused_type(rules, agent, tool, one.lstrip("?"), identity)
    return ""


def _named_agent(decider: Decider, text: str) -> str | None:
    """The rules' agent a string names (case aside), or None (ATTACK F90)."""
    folded = text.casefold()
    return next((name for name in decider.rules.agents if name.casefold() == folded), None)


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


# --- messages to a running subagent (ATTACK F65) --------------------------------------------------

# Claude Code's `SendMessage` and Codex's `send_input` / `resume_agent` (also namespaced): the
# running subagent they reach writes as its type on what it is told, so they are judged like
# starting it. The keys a target may be named under:
MESSAGE_KEYS = ("to", "recipient", "agent_id", "agentId", "id", "target", "agent", "name")
CLAUDE_MESSAGE = "SendMessage"
CODEX_MESSAGES = ("send_input", "resume_agent")
AGENTS_FILE = "agents.json"  # agent_id → agent_type, from SubagentStart events
KEEP_AGENTS = 512
CONFLICT = "*"  # an id two SubagentStart events gave two types: unidentifiable (ATTACK F84)


def message_target(tool: str, tool_input: Any, layer: str) -> str | None:
    """The agent a message tool reaches (its id or name, `*` when it names none the gate can
    read); None when the tool sends no message."""
    if layer == "codex":
        if not tool.endswith(CODEX_MESSAGES):
            return None
    elif tool != CLAUDE_MESSAGE:
        return None
    args = tool_input if isinstance(tool_input, dict) else {}
    found = next((args[k] for k in MESSAGE_KEYS if k in args), None)
    return found.strip() if isinstance(found, str) and found.strip() else "*"


def remember_agent(state_dir: str, agent_id: Any, agent_type: Any) -> None:
    """Keep which type a started subagent has (its SubagentStart event), for later messages.

    The first event for an id wins: a later one naming another type never re-types it (a
    forged SubagentStart for the owner's running subagent, ATTACK F84) but makes the id
    unidentifiable (`CONFLICT`: messages to it are refused to non-superusers), since the gate
    cannot tell which of the two was the harness. Updates are serialised by a lock on the file's
    lock file, so concurrent starts lose no entry."""
    if not (isinstance(agent_id, str) and agent_id and isinstance(agent_type, str)):
        return
    import fcntl
    import json
    import os

    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    path = os.path.join(state_dir, AGENTS_FILE)
    try:
        ensure_dir(state_dir)
        fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError:
        return  # the id stays unknown: messages to it are refused (fail closed)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        known = _agents(state_dir)
        first = known.pop(agent_id, None)
        known[agent_id] = agent_type if first in (None, agent_type) else CONFLICT
        if first == known[agent_id]:
            return  # nothing new
        kept = dict(list(known.items())[-KEEP_AGENTS:])
        atomic_write(path, json.dumps({"agents": kept}) + "\n")
    finally:
        os.close(fd)


def _agents(state_dir: str) -> dict[str, str]:
    import json
    import os

    try:
        with open(os.path.join(state_dir, AGENTS_FILE), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    agents = data.get("agents") if isinstance(data, dict) else None
    if not isinstance(agents, dict):
        return {}
    return {str(k): str(v) for k, v in agents.items() if isinstance(v, str)}


def message_refusal(decider: Decider, agent: str, tool: str, target: str, state_dir: str) -> str:
    """Why `agent` may not message `target`; "" when it may: a superuser, the agent itself, a
    subagent whose type carries no identity. A target the gate cannot identify is refused."""
    rules = decider.rules
    if agent in rules.superusers:
        return ""
    kind = _agents(state_dir).get(target) if target != "*" else None
    if kind == CONFLICT:
        return _refused_message(rules, agent, tool, target, None)
    if kind is not None:
        identity = identity_of(decider, kind)
    else:
        identity = identity_of(decider, target) if target != "*" else None
        if identity is None:
            return _refused_message(rules, agent, tool, target, None)
    if identity is None or identity == agent:
        return ""
    return _refused_message(rules, agent, tool, target, identity)


def _refused_message(rules: Any, agent: str, tool: str, target: str, identity: str | None) -> str:
    from workspace_guard.i18n import _

    superusers = ", ".join(rules.superusers) or rules.escalation
    if identity is None:
        return _(
            "{agent} may not send `{tool}` to `{target}`: the gate cannot tell which agent that "
            "is, and a running subagent writes as its type on whatever it is told. Ask a "
            "superuser ({superusers}), or consult the owner (`workspace-guard consult PATH`)."
        ).format(agent=agent, tool=tool, target=target, superusers=superusers)
    return _(
        "{agent} may not send `{tool}` to `{target}`: that subagent writes as {identity}, so a "
        "message telling it what to do is acting as {identity}. Only {identity} itself or a "
        "superuser ({superusers}) may. To change {identity}'s files, ask {identity} "
        "(`workspace-guard consult PATH --agent {agent}`)."
    ).format(agent=agent, tool=tool, target=target, identity=identity, superusers=superusers)


def judge(decider: Decider, agent: str, call: Any, state_dir: str) -> str:
    """The refusal of a spawning or messaging call (`gate.evaluate`); "" when allowed."""
    if call.spawns is not None:
        return refusal(decider, agent, call.tool, call.spawns)
    return message_refusal(decider, agent, call.tool, call.messages, state_dir)

"""Coordination at the harness: who may speak for whom, and a health check at session start.

- Identity: `claim`, `release` and `consult` act for an agent. Run through a harness, the acting
  agent is the harness's (`agent_type`), so a shell command `workspace-guard claim … --agent X`
  or an MCP call `mcp__workspace-guard__claim {"agent": X}` by any other subagent is denied.
  Read-only tools (validate, explain, claims, briefing) answer for any agent.
- `SessionStart`: the fast part of `doctor`; when a layer is off, the agent (additionalContext)
  and the person (systemMessage) are told which and how to fix it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.repo import Repo

ACTING_TOOLS = ("claim", "release", "consult")
SERVER_NAMES = ("workspace-guard", "workspace_guard")
PROGRAMS = ("workspace-guard", "wg")
SEPARATORS = {";", "&&", "||", "|", "&", ";;", "|&"}


def mcp_tool(tool: str) -> str | None:
    """The tool name of a call to our MCP server (`mcp__workspace-guard__claim` → `claim`)."""
    parts = tool.split("__")
    if len(parts) == 3 and parts[0] == "mcp" and parts[1] in SERVER_NAMES:
        return parts[2]
    return None


def mcp_identity_problem(tool: str, tool_input: Any, agent: str) -> str | None:
    """Why an MCP call to our server may not run for `agent` (None: it may)."""
    name = mcp_tool(tool)
    if name not in ACTING_TOOLS:
        return None
    claimed = tool_input.get("agent") if isinstance(tool_input, dict) else None
    if claimed == agent:
        return None
    return _mismatch(name or "", claimed, agent)


def shell_identity_problem(command: str, agent: str) -> str | None:
    """Why a shell command running `workspace-guard claim|release|consult` may not run for
    `agent`: it names another agent with `--agent` or WORKSPACE_AGENT=… (None: it may)."""
    import shlex

    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        words = command.split()
    for segment in _segments(words):
        problem = _segment_problem(segment, agent)
        if problem:
            return problem
    return None


def _segments(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        if word in SEPARATORS:
            out.append([])
        else:
            out[-1].append(word)
    return [s for s in out if s]


def _segment_problem(words: list[str], agent: str) -> str | None:
    env: dict[str, str] = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        key, _s, value = words.pop(0).partition("=")
        env[key] = value
    while words and words[0] in ("env", "exec", "command", "nohup"):
        words = words[1:]
        while words and "=" in words[0] and not words[0].startswith("-"):
            key, _s, value = words.pop(0).partition("=")
            env[key] = value
    if len(words) < 2 or words[0].rsplit("/", 1)[-1] not in PROGRAMS:
        return None
    verb = next((w for w in words[1:] if not w.startswith("-")), None)
    if verb not in ACTING_TOOLS:
        return None
    named = _option(words, "--agent") or env.get("WORKSPACE_AGENT")
    if named is None or named == agent:
        return None
    return _mismatch(verb or "", named, agent)


def _option(words: list[str], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(name + "="):
            return word[len(name) + 1 :]
    return None


def _mismatch(verb: str, named: object, agent: str) -> str:
    from workspace_guard.i18n import _

    return _(
        "workspace-guard (workspace protocol): `{verb}` acts for the agent that runs it: you are "
        "{agent}, and this call names {named!r}. Run it as yourself (`--agent {agent}` / "
        '`"agent": "{agent}"`).'
    ).format(verb=verb, agent=agent, named=named)


# --- SessionStart ---------------------------------------------------------------------------------


def session_report(repo: Repo) -> str | None:
    """What the agent and the person are told at session start, or None when all is well."""
    from workspace_guard.commands.doctor import diagnose

    off = [c for c in diagnose(repo, fast=True) if not c.ok]
    if not off:
        return None
    from workspace_guard.i18n import _

    lines = [_("workspace-guard: some protection layers would not run here:")]
    from workspace_guard.commands.doctor import label

    line = _("- {layer}: {detail} (fix: {fix})")
    lines += [line.format(layer=label(c.layer), detail=c.detail, fix=c.fix) for c in off]
    lines.append(_("Run `workspace-guard doctor --fix`, or tell the person before you write."))
    return "\n".join(lines)

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
AGENT_VARIABLE = "WORKSPACE_AGENT"
NESTING = 4  # commands inside words inside words…


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


def shell_identity_problem(command: str, agent: str, depth: int = 0) -> str | None:
    """Why a shell command running `workspace-guard claim|release|consult` may not run for
    `agent`: it names another agent with `--agent` or WORKSPACE_AGENT=… (None: it may).

    WORKSPACE_AGENT set anywhere in the command counts, not only as the program's own prefix:
    `export WORKSPACE_AGENT=X; workspace-guard release --all`, `declare -x`, a plain assignment
    in an earlier segment. Any other mention of the variable (a value from `$…`, `read`,
    `printf -v`, `unset`) is a name the gate cannot read, so it is refused the same way."""
    import shlex

    try:
        lexer = shlex.shlex(command.replace("\n", " ; "), posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        words = command.split()
    for word in words:  # a command inside a word: `bash -c "…"`, `eval "…"`, `sh -c '…'`
        if depth < NESTING and word != command and any(c in word for c in " ;\n&|"):
            problem = shell_identity_problem(word, agent, depth + 1)
            if problem:
                return problem
    acting = None
    for segment in _segments(words):
        problem = _segment_problem(list(segment), agent)
        if problem:
            return problem
        acting = acting or _acting_verb(list(segment))
    if acting is None:
        return None
    for word in words:
        if AGENT_VARIABLE in word and word != f"{AGENT_VARIABLE}={agent}":
            named = word.partition("=")[2] if word.startswith(AGENT_VARIABLE + "=") else "?"
            return _mismatch(acting, named or "?", agent)
    return None


def _acting_verb(words: list[str]) -> str | None:
    """The acting verb (claim, release, consult) run by our program anywhere in these words
    (after `sudo`, `time`, `bash -c`, an `export` in the same line…), or None."""
    for start in range(len(words)):
        args = _program_args(words[start:])
        verb = next((w for w in args or [] if not w.startswith("-")), None)
        if verb in ACTING_TOOLS:
            return verb
    return None


def _program_args(words: list[str]) -> list[str] | None:
    """The arguments after our program (`workspace-guard …`, `python -m workspace_guard …`)."""
    if not words:
        return None
    first = words[0].rsplit("/", 1)[-1]
    if first in PROGRAMS:
        return words[1:]
    if first.startswith("python") and len(words) > 2 and words[1:3] == ["-m", "workspace_guard"]:
        return words[3:]
    return None


def _prefix(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """(the NAME=VALUE assignments before the program, through env/exec/command/nohup; the
    words from the program on)."""
    env: dict[str, str] = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        key, _s, value = words.pop(0).partition("=")
        env[key] = value
    while words and words[0] in ("env", "exec", "command", "nohup"):
        words = words[1:]
        while words and "=" in words[0] and not words[0].startswith("-"):
            key, _s, value = words.pop(0).partition("=")
            env[key] = value
    return env, words


def _segments(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        if word in SEPARATORS:
            out.append([])
        else:
            out[-1].append(word)
    return [s for s in out if s]


def _segment_problem(words: list[str], agent: str) -> str | None:
    env, words = _prefix(words)
    args = _program_args(words)
    if not args:
        return None
    verb = next((w for w in args if not w.startswith("-")), None)
    if verb not in ACTING_TOOLS:
        return None
    named = _option(args, "--agent") or env.get(AGENT_VARIABLE)
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

"""Coordination at the harness: who may speak for whom, and a health check at session start.

- Identity: `claim`, `release` and `consult` act for an agent. Run through a harness, the acting
  agent is the harness's (`agent_type`, else WORKSPACE_AGENT or `harness: main_agent`), so a
  shell command `workspace-guard claim … --agent X` or an MCP call of our server's `claim` with
  `"agent": X` by any other agent is denied, whichever harness carries it (`refuse`, called for
  every harness's call by formats_event.judge_call; Claude Code and Codex also before the call
  is read). Read-only tools (validate, explain, claims, briefing) answer for any agent.
- Our MCP server, however a harness spells its tools (`mcp_tool`, `canonical`): Claude Code and
  Codex `mcp__<server>__<tool>`, Gemini CLI `mcp_<server>_<tool>` (and `mcp_context` naming the
  server and the command that starts it), Cursor `MCP:<server>__<tool>` in `preToolUse` and
  `beforeMCPExecution` with the server's `command`, Cline `use_mcp_tool` with `server_name`. The
  server is ours by what its registration runs, never by its name alone: where the harness says
  how the server is started (Gemini, Cursor), when that command runs `mcp` of the program
  `install` recorded (or the gate's own), compared by file identity, never by its name
  (mcp_program.py, ATTACK F103); where it does not (Claude Code, Codex), when every registration
  of that name the harnesses read (`.mcp.json`, `~/.claude.json`, Codex's `config.toml`, …:
  mcp_registry.py) runs it. A name registered nowhere the gate reads is ours only when it is
  `workspace-guard` / `workspace_guard`; a foreign program registered under our name is not ours.
- `SessionStart`: the fast part of `doctor`; when a layer is off, the agent (additionalContext)
  and the person (systemMessage) are told which and how to fix it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.gates.harness.gate import Call, Verdict
    from workspace_guard.repo import Repo

ACTING_TOOLS = ("claim", "release", "consult")
READ_TOOLS = ("validate", "explain", "claims", "briefing")  # our server's tools that only read
SERVER_NAMES = ("workspace-guard", "workspace_guard")
PROGRAMS = ("workspace-guard", "wg")
SEPARATORS = {";", "&&", "||", "|", "&", ";;", "|&"}
AGENT_VARIABLE = "WORKSPACE_AGENT"
NESTING = 4  # commands inside words inside words…


def mcp_tool(tool: str, cwd: str | None = None) -> str | None:
    """The tool name of a call to our MCP server, else None: `mcp__workspace-guard__claim`
    (Claude Code, Codex; Cursor's and Cline's calls as their adapters spell them) or
    `mcp_workspace-guard_claim` (Gemini CLI's `mcp_<server>_<tool>`) → `claim`. With `cwd`
    (where the call runs), `mcp__<server>__…` is ours by what `<server>`'s registrations run
    (`registered_ours`), under any name."""
    parts = tool.split("__")
    if len(parts) == 3 and parts[0] == "mcp":
        if not parts[2]:
            return None
        ours = registered_ours(cwd, parts[1]) if cwd else None
        return parts[2] if (parts[1] in SERVER_NAMES if ours is None else ours) else None
    for server in SERVER_NAMES:
        prefix = f"mcp_{server}_"
        if tool.startswith(prefix) and len(tool) > len(prefix) and "__" not in tool:
            return tool[len(prefix) :]
    return None


def canonical(
    tool: str,
    server: object = None,
    command: object = None,
    args: object = None,
    cwd: str | None = None,
) -> str:
    """`mcp__workspace-guard__TOOL` when the server a harness names (`server`: its name; `command`,
    `args`: how it is started) is ours, else `tool` unchanged. `tool` is the server's own tool
    name, or the harness's spelling of it (`mcp_alias_claim`: the part after the server's)."""
    if not our_server(server, command, args, cwd):
        return tool
    if isinstance(server, str) and tool.startswith(f"mcp_{server}_"):
        tool = tool[len(f"mcp_{server}_") :]
    return f"mcp__{SERVER_NAMES[0]}__{tool}"


def registered_ours(cwd: str, server: str) -> bool | None:
    """Whether the MCP server registered as `server` for the project at `cwd` is ours: True
    when every registration of the name runs `workspace-guard mcp`, False when one runs
    anything else or a registration source cannot be read, None when none names it."""
    from workspace_guard.gates.harness.mcp_registry import registrations

    found = registrations(cwd, server)
    if found is None:
        return False
    if not found:
        return None
    root = _folder(cwd)
    return all(_runs_our_server(c, a, _start(root, where)) for c, a, where in found)


def _start(root: str, where: object) -> str:
    """The folder a registration starts its server in: its `cwd` (from the root), else the
    root; empty (foreign) for a `cwd` that is no text."""
    if where is None:
        return root
    return os.path.join(root, where) if isinstance(where, str) and where else ""


def our_server(
    server: object, command: object = None, args: object = None, cwd: str | None = None
) -> bool:
    """Whether an MCP server a harness describes is workspace-guard's: started by a command
    that runs `workspace-guard mcp` (the program, `python -m workspace_guard mcp`, after
    `env`/`exec`, or the launcher `install --claude` writes), whatever its name. Only where the
    harness gives no command is the name asked: its registrations (with `cwd`), else whether it
    is ours."""
    if _command_words(command, args):
        return _runs_our_server(command, args, _folder(cwd))
    if not isinstance(server, str):
        return False
    ours = registered_ours(cwd, server) if cwd else None
    return server in SERVER_NAMES if ours is None else ours


def _runs_our_server(command: object, args: object, folder: str) -> bool:
    """The command line runs `mcp` of the program `install` recorded (or of the gate's own), by
    file identity (mcp_program.py), or is the `.mcp.json` script `install --claude` writes;
    `folder`: where the server starts (the project's root; empty: unknown, so foreign)."""
    words = _command_words(command, args)
    if len(words) >= 3 and os.path.basename(words[0]) in ("sh", "bash") and words[1] == "-c":
        from workspace_guard.commands.mcp_config import SCRIPT

        return words[2] == SCRIPT
    env, words = _prefix(words)  # after `env NAME=VALUE`, `exec`, `nohup`
    from workspace_guard.gates.harness.mcp_program import risky_env, runs_ours

    if env and risky_env(env):
        return False
    return bool(folder) and runs_ours(words, folder)


def _folder(cwd: str | None) -> str:
    """The folder a server starts in: the project's root (the worktree holding `cwd`)."""
    from workspace_guard.gates.harness.mcp_registry import _project_root

    return _project_root(cwd or os.getcwd())


def _command_words(command: object, args: object) -> list[str]:
    """A server's command line as words: `command` + `args` (Gemini), or one text (Cursor)."""
    if not isinstance(command, str) or not command:
        return []
    if isinstance(args, list):
        return [command, *(str(a) for a in args)]
    import shlex

    try:
        return shlex.split(command)
    except ValueError:
        return []


def mcp_identity_problem(
    tool: str, tool_input: Any, agent: str, cwd: str | None = None
) -> str | None:
    """Why an MCP call to our server may not run for `agent` (None: it may)."""
    name = mcp_tool(tool, cwd)
    if name not in ACTING_TOOLS:
        return None
    claimed = tool_input.get("agent") if isinstance(tool_input, dict) else None
    if claimed == agent:
        return None
    return _mismatch(name or "", claimed, agent)


def refuse(call: Call, verdict: Verdict, escalation: str) -> Verdict:
    """`verdict`, or this denial alone when the call runs `claim`/`release`/`consult` naming
    another agent than the acting one (a shell command in any harness, or our MCP server's tool
    judged as the command it stands for: formats_event.mcp_call), whatever else was found.
    Gemini CLI, Cursor and Cline get this check here; Claude Code and Codex also before the
    call is read (formats._identity)."""
    command = call.command
    if not command or not any(v in command for v in ACTING_TOOLS):
        return verdict
    from workspace_guard.gates.harness.command_size import oversize

    if oversize(command):
        return verdict  # refused unread by the shell analysis anyway
    problem = shell_identity_problem(command, verdict.agent, framed=False)
    if problem is None:
        return verdict
    from workspace_guard.core.model import Decision
    from workspace_guard.core.record import replace

    denial = Decision(
        verdict.agent, "", False, "protected", level="critical", escalation=escalation
    )
    return replace(
        verdict, denied=(denial,), allowed=(), refusal=problem, acts_for=(), command="", warning=""
    )


def shell_identity_problem(
    command: str, agent: str, depth: int = 0, *, framed: bool = True
) -> str | None:
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
            problem = shell_identity_problem(word, agent, depth + 1, framed=framed)
            if problem:
                return problem
    acting = None
    for segment in _segments(words):
        problem = _segment_problem(list(segment), agent, framed)
        if problem:
            return problem
        acting = acting or _acting_verb(list(segment))
    if acting is None:
        return None
    for word in words:
        if AGENT_VARIABLE in word and word != f"{AGENT_VARIABLE}={agent}":
            named = word.partition("=")[2] if word.startswith(AGENT_VARIABLE + "=") else "?"
            return _mismatch(acting, named or "?", agent, framed)
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


def _segment_problem(words: list[str], agent: str, framed: bool = True) -> str | None:
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
    return _mismatch(verb or "", named, agent, framed)


def _option(words: list[str], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(name + "="):
            return word[len(name) + 1 :]
    return None


def _mismatch(verb: str, named: object, agent: str, framed: bool = True) -> str:
    """The refusal; `framed=False` without the protocol's prefix (gate.deny_reason adds it)."""
    from workspace_guard.i18n import _

    if not framed:
        return _(
            "`{verb}` acts for the agent that runs it: you are {agent}, and this call names "
            '{named!r}. Run it as yourself (`--agent {agent}` / `"agent": "{agent}"`).'
        ).format(verb=verb, agent=agent, named=named)
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

"""Reading a harness's event, whatever its wire format (`formats.py`): the working directory, the
agent, string fields, and the calls every harness shares (an MCP tool's, a shell tool run in its
own working directory); then the one judgement and the after-tool record."""

from __future__ import annotations

import os

from workspace_guard.core.record import Record
from workspace_guard.gates.harness.gate import Call, GateError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from workspace_guard.gates.harness.gate import Verdict
    from workspace_guard.repo import Repo


class Tools(Record):
    """A harness's own tools, as its hooks name them (Cursor, Cline): which write the file a
    field names, which run the command a field holds, which only read."""

    files: tuple[str, ...]
    shells: tuple[str, ...]
    reads: frozenset[str]
    path_field: str  # where a file tool's path is, as the error message names it
    command_field: str


def tool_call(
    tools: Tools,
    call: tuple[str | None, Any, str, str],
    fields: tuple[Any, Any],
    other: Callable[[], Call | None],
) -> Call | None:
    """The call of one of the harness's own tools (`call` = agent, tool, cwd, layer; `fields` =
    the file tool's path, the shell tool's command); None for its read-only tools; `other()`
    for any other tool (an MCP tool, or one the gate does not know: judged, never passed)."""
    agent, tool, cwd, layer = call
    path, command = fields
    if tool in tools.files:
        paths = (string_field(path, tools.path_field),)
        return Call(agent, str(tool), cwd, paths=paths, source=layer)
    if tool in tools.shells:
        text = string_field(command, tools.command_field)
        return Call(agent, str(tool), cwd, command=text, source=layer)
    if tool in tools.reads:
        return None
    return other()


def event_repo(cwd: str) -> Repo:
    from workspace_guard.repo import Repo

    return Repo.discover(cwd)


def event_cwd(event: dict[str, Any], roots_key: str | None = None) -> str:
    """The event's working directory (or its first workspace root), else ours."""
    cwd = event.get("cwd")
    if isinstance(cwd, str) and cwd:
        return cwd
    roots = event.get(roots_key) if roots_key else None
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return os.getcwd()


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_agent(event: dict[str, Any]) -> str | None:
    value = event.get("agent_type")
    return value if isinstance(value, str) and value else None


def string_field(value: Any, what: str) -> str:
    if not isinstance(value, str):
        from workspace_guard.i18n import _

        raise GateError(_("{what} is missing or not a string").format(what=what))
    return value


def record_after(call: Call | None, event: dict[str, Any]) -> int:
    """The after-tool event of any harness: record the call's writes in the ledger."""
    if call is None:
        return 0
    from workspace_guard.gates.harness.after import after_tool

    return after_tool(call, event)


def judge_call(
    call: Call, layer: str, event: dict[str, Any] | None = None
) -> tuple[Repo, Verdict] | None:
    """The verdict of every repository the call reaches (`discover.py`: found from the paths
    written, not the cwd); None when it reaches none. A `claim`/`release`/`consult` naming
    another agent than the acting one is denied in every harness (coord.refuse). `event` gives
    the call its session and `agent_id` (the `authorise` record's, authorise.py)."""
    from workspace_guard.gates.harness.coord import refuse
    from workspace_guard.gates.harness.discover import judge

    if event is not None:
        from workspace_guard.core.record import replace

        session = _text(event, "session_id", "conversation_id", "taskId")
        call = replace(call, session=session, agent_id=_text(event, "agent_id"))
    judged = judge(call, layer)
    if judged is None:
        return None
    repo, verdict = judged
    return repo, refuse(call, verdict, repo.decider().rules.escalation)


def _text(event: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def in_workdir(
    command: str, args: dict[str, Any], keys: tuple[str, ...], cwd: str
) -> tuple[str, str]:
    """(cwd, command) for a shell tool run in its own working-directory argument (`workdir.py`):
    Gemini's `dir_path`/`directory`, relative to the project root."""
    from workspace_guard.gates.harness.workdir import command_in, directories

    dirs = [d for key in keys for d in directories(args.get(key), cwd, f"tool_input.{key}")]
    return command_in(command, list(dict.fromkeys(dirs)), cwd)


def mcp_call(agent: str | None, tool: str, cwd: str, args: Any, layer: str) -> Call | None:
    """An MCP tool call (any harness): its paths, its shell command, or an unknown tool's
    path-like arguments (`mcp_tools.py`); None when the tool only reads. Our own server's
    `claim`/`release`/`consult` are judged as the command line they stand for
    (`claims_command`); its other tools only read (`validate`, `explain`, `claims`, `briefing`
    answer from the rules and the claims, and write nothing): None."""
    from workspace_guard.gates.harness.coord import READ_TOOLS, mcp_tool
    from workspace_guard.gates.harness.mcp_tools import classify

    own = mcp_tool(tool, cwd)
    if own in ("claim", "release", "consult"):
        mine = _json_object(args)  # Cursor and Cline send the arguments as a JSON text
        if mine is not None:
            return Call(agent, tool, cwd, command=claims_command(own, mine), source=layer)
    if own in READ_TOOLS:
        return None
    found = classify(tool, args, cwd)
    if found is None:
        return None
    if found.command is not None:
        return Call(agent, tool, cwd, command=found.command, source=layer)
    return Call(agent, tool, cwd, paths=found.paths, source=layer, mcp_unknown=found.unknown)


def _json_object(args: Any) -> dict[str, Any] | None:
    if isinstance(args, str):
        import json

        try:
            args = json.loads(args)
        except ValueError:
            return None
    return args if isinstance(args, dict) else None


MCP_CLAIM_TTL = "30m"  # the server's `claim` default (commands/mcp_server)


def claims_command(verb: str, args: dict[str, Any]) -> str:
    """`workspace-guard claim|release|consult PATH… [--all] [--ttl D] [--shared] [--agent A]`:
    what an MCP `claim`, `release` or `consult` call of our server stands for. Judged as that
    command (protocol_commands: never a write; `--agent` another agent is refused), it leaves
    the ledger's `authorise` record the server's tool looks for (commands/speaker), as the same
    command run in a shell does; the tool parses the same text (mcp_tools.mcp_action)."""
    import shlex

    paths = args.get("paths")
    words = ["workspace-guard", verb]
    words += [str(p) for p in paths] if isinstance(paths, list) else []
    words += ["--all"] if verb == "release" and args.get("everything") is True else []
    ttl = args.get("ttl", MCP_CLAIM_TTL) if verb == "claim" else None
    words += ["--ttl", ttl] if isinstance(ttl, str) else []
    words += ["--shared"] if verb == "claim" and args.get("shared") is True else []
    agent = args.get("agent")
    words += ["--agent", agent] if isinstance(agent, str) else []
    return shlex.join(words)

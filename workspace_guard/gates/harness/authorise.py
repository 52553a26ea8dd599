"""The `authorise` record: the exact protocol commands the harness saw an agent run for itself.

When the gate allows a call made only of protocol commands (protocol_commands.judge) in which the
acting agent speaks for itself (`approve … --by ITSELF`, `consult answer … --by ITSELF`, `claim`,
`release`, `consult PATH… --agent ITSELF`, or the MCP server's `claim`/`release`/`consult`), it
appends one `authorise` record to the provenance ledger:

    {"kind": "authorise", "harness", "agent", "by": [agent], "command": the call's text,
     "invocations": [action, …], "session", "agent_id"}

`invocations` lists each of those commands as the action the command itself will parse
(commands/invocation: verb and click's parse of its words, after the same word reading the gate
did); the command spends exactly one of them, once (commands/speaker). A command the gate cannot
read exactly (a glob, `~`, anything `judge` does not read) is listed as nothing, so it authorises
nothing. `session` and `agent_id` are the hook event's; a spend from a process whose harness names
another session is refused where the process can learn its session (commands/speaker). Records
without `invocations` (written by earlier versions) authorise nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # hot path: no hook imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.gates.harness.gate import Call, Verdict
    from workspace_guard.repo import Repo


def actions(command: str, agent: str) -> list[dict[str, Any]]:
    """The actions `command` takes for `agent` itself (commands/invocation), in order."""
    from workspace_guard.commands import invocation
    from workspace_guard.gates.harness.protocol_commands import invocations

    out = []
    for prefix, args in invocations(command):
        action = invocation.parse(args)
        if action is None:
            continue
        if invocation.speaker_of(action, prefix or agent) == agent:
            out.append(invocation.for_speaker(action, agent))
    return out


def item(verdict: Verdict, layer: str, call: Call | None) -> dict[str, Any] | None:
    """The `authorise` record for an allowed verdict (None when it authorises nothing)."""
    if verdict.denied or not verdict.acts_for or verdict.agent not in verdict.acts_for:
        return None
    listed = actions(verdict.command, verdict.agent)
    if not listed:
        return None
    return {
        "kind": "authorise",
        "harness": layer,
        "agent": verdict.agent,
        "by": [verdict.agent],
        "command": verdict.command,
        "invocations": listed,
        "session": call.session if call is not None else None,
        "agent_id": call.agent_id if call is not None else None,
    }


def write(repo: Repo, verdict: Verdict, layer: str, call: Call | None) -> None:
    """Append the verdict's `authorise` record, if any; fails closed (`GateError`)."""
    found = item(verdict, layer, call)
    if found is None:
        return
    from workspace_guard.state import ledger

    if not ledger.append(repo.state_dir, [found]):
        from workspace_guard.gates.harness.gate import GateError
        from workspace_guard.i18n import _

        raise GateError(_("the provenance ledger cannot be written"))

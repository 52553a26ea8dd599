"""The exact action a protocol command line stands for: its verb and click's parse of its words.

An `authorise` record (gates/harness/authorise) names each invocation it authorises as such an
action, parsed by the harness gate from the command the agent runs; the command
(commands/speaker) builds its own action from what click parsed when it ran, and the two must
be equal. Both sides go through the same click command, so `--by=X` and `--by X`, the options'
order, defaults and flags come out the same, and a command that differs in any argument (another
file, another agent, another `--ttl`) is another action. An action is not a bag of words: the
words of two commands in one call never combine into a third.

For `claim`, `release` and filing a consultation, the agent the command speaks for (`--agent`,
else `WORKSPACE_AGENT`) is put in as `agent` (`for_speaker`), so `claim P` and `claim P --agent
ME` are one action.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

ACTING = frozenset({"approve", "consult", "claim", "release"})
SPEAKS_AS_AGENT = frozenset({"claim", "release"})  # and `consult PATH… --agent A`


def parse(args: Sequence[str]) -> dict[str, Any] | None:
    """The action of `workspace-guard ARGS…` (the words after the program), as the command would
    parse them; None when it is no acting command or when click refuses it."""
    if not args or args[0] not in ACTING:
        return None
    if any(a in ("--help", "-h", "--version") for a in args):
        return None
    import click

    from workspace_guard.cli import cli

    try:
        command = cli.get_command(click.Context(cli), args[0])
        if command is None:
            return None
        ctx = command.make_context(args[0], list(args[1:]))
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        return None
    return canonical(args[0], ctx.params)


def current() -> dict[str, Any] | None:
    """The action of the click command running now (None outside one, or for another verb)."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name not in ACTING:
        return None
    return canonical(str(ctx.info_name), ctx.params)


def canonical(verb: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """`{"verb", "params"}` as JSON has it (tuples are lists), whatever built it."""
    loaded: dict[str, Any] = json.loads(json.dumps({"verb": verb, "params": dict(params)}))
    return loaded


def speaks_as_agent(action: Mapping[str, Any]) -> bool:
    """Whether the action speaks for its `agent` (claim, release, filing a consultation)."""
    params = action.get("params") or {}
    paths = params.get("paths") or []
    return action.get("verb") in SPEAKS_AS_AGENT or (
        action.get("verb") == "consult" and paths[:1] != ["answer"]
    )


def speaker_of(action: Mapping[str, Any], fallback: str | None) -> str | None:
    """Whom the action speaks for: `--by` (approve, consult answer), else `--agent`, else
    `fallback` (a `WORKSPACE_AGENT=` prefix, or the acting agent)."""
    params = action.get("params") or {}
    if action.get("verb") == "approve":
        value = params.get("approver")
    elif speaks_as_agent(action):
        value = params.get("agent") or fallback
    else:
        value = params.get("by")
    return value if isinstance(value, str) and value else None


def for_speaker(action: Mapping[str, Any], speaker: str) -> dict[str, Any]:
    """The action with the agent it speaks for filled in (see the module's docstring)."""
    out = canonical(str(action.get("verb")), action.get("params") or {})
    if speaks_as_agent(out):
        out["params"]["agent"] = speaker
    return out


def same(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Whether two actions are one (compared as canonical JSON)."""
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return False
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)

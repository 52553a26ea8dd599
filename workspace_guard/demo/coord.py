"""Demo step: a crew of agents — a claim refusing a second agent, `doctor` finding and fixing a
worktree whose hooks do not run, and an agent asking the MCP server before it writes."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from workspace_guard.demo.run import STEPS, Demo, register
from workspace_guard.i18n import _

HOLDER = "api-architect-ai"
SECOND = "backend-framework-ai"
MODEL = "app/models/order.py"


@register
def coordination(demo: Demo) -> None:
    text = _("{n}. A crew: claims, doctor, and the MCP server")
    demo.step(text.format(n=STEPS.index(coordination) + 1))
    claims(demo)
    doctor(demo)
    mcp(demo)


def claims(demo: Demo) -> None:
    text = _(
        "{holder} is reworking the models and claims them for 30 minutes. {model} is not "
        "protected, so {second} could write it before:"
    )
    demo.say(text.format(holder=HOLDER, model=MODEL, second=SECOND))
    claim = ["claim", "app/models/", "--agent", HOLDER, "--ttl", "30m", "--note", "rework"]
    demo.say(
        _(
            "A script naming an agent is not that agent speaking: refused (a release could lift "
            "someone else's claim). The agent runs it through its harness, whose gate records that "
            "it saw the call:"
        )
    )
    demo.run([sys.executable, "-m", "workspace_guard", *claim], stdin="", expect=1)
    harness_call(demo, HOLDER, claim)
    demo.wg(*claim, stdin="", expect=0)
    demo.wg("claims", expect=0)
    text = _("While the claim holds, {second} is refused — by the validator and every layer:")
    demo.say(text.format(second=SECOND))
    proc = demo.validator(SECOND, MODEL, expect=1)
    if HOLDER not in proc.stdout:
        demo.failures.append(
            _("the validator's refusal of {path} does not name {holder}").format(
                path=MODEL, holder=HOLDER
            )
        )
    demo.say(_("The claim grants nothing, it only holds others off; released, the write is free:"))
    release = ["release", "--all", "--agent", HOLDER]
    harness_call(demo, HOLDER, release)
    demo.wg(*release, stdin="", expect=0)
    demo.validator(SECOND, MODEL, expect=0)


def harness_call(demo: Demo, agent: str, args: list[str]) -> None:
    """Claude Code's PreToolUse for `agent` running `workspace-guard ARGS` (allowed: the gate
    leaves the `authorise` record the command looks for)."""
    import shlex

    event = {
        "session_id": "demo",
        "hook_event_name": "PreToolUse",
        "cwd": demo.repo,
        "agent_id": "demo-1",
        "agent_type": agent,
        "tool_name": "Bash",
        "tool_input": {"command": shlex.join(["workspace-guard", *args])},
    }
    proc = demo.wg("hook", "claude", stdin=json.dumps(event), show=False, expect=0)
    if proc.stdout.strip():
        demo.failures.append(
            _("the harness gate refused {agent}'s own `{verb}`").format(agent=agent, verb=args[0])
        )


def doctor(demo: Demo) -> None:
    tree = os.path.join(demo.root, "shop-agent-b")
    elsewhere = os.path.join(demo.root, "agent-tool-hooks")
    demo.say(
        _(
            "An agent tool makes a worktree and points its core.hooksPath somewhere else "
            "(per-worktree config): commits there would run no hook, and nothing would say so. "
            "doctor finds it:"
        )
    )
    demo.git("worktree", "add", "-q", tree, "-b", "agent-b")
    demo.git("config", "extensions.worktreeConfig", "true")
    demo.run(["git", "config", "--worktree", "core.hooksPath", elsewhere], cwd=tree, expect=0)
    demo.say(_("The hole: a commit there without the template goes through, no hook ran:"))
    unchecked(demo, tree, "first", expect=0)
    proc = demo.wg("doctor", expect=1)
    if tree not in proc.stdout + proc.stderr:
        demo.failures.append(_("doctor did not name the worktree whose hooks do not run"))
    demo.say(_("--fix reinstalls the hooks where git really looks for them in that worktree:"))
    demo.wg("doctor", "--fix", expect=0, cwd=tree)
    demo.wg("doctor", expect=0)
    demo.say(_("The same commit there is refused now:"))
    unchecked(demo, tree, "second", expect=1)


def unchecked(demo: Demo, tree: str, word: str, *, expect: int) -> None:
    """A commit without the template in `tree`."""
    with open(os.path.join(tree, "NOTES.md"), "a", encoding="utf-8") as handle:
        handle.write(f"{word} note\n")
    demo.run(["git", "add", "NOTES.md"], cwd=tree, expect=0, show=False)
    demo.run(["git", "commit", "-q", "-m", f"{word} note"], cwd=tree, expect=expect)


def mcp(demo: Demo) -> None:
    text = _(
        "Agents speak MCP: {second} asks the workspace-guard MCP server (a real session over "
        "stdio with the official SDK's client) before it writes:"
    )
    demo.say(text.format(second=SECOND))
    try:
        import mcp as _sdk  # noqa: F401 - only: is the optional SDK installed?
    except ImportError:
        demo.say(
            _("(skipped: the `mcp` package is not installed — pip install 'workspace-guard[mcp]')")
        )
        return
    demo.out(f"   $ (MCP client) call_tool validate agent={SECOND} paths=[app/main.py, {MODEL}]")
    try:
        answer = ask_server(demo, SECOND, ["app/main.py", MODEL])
    except Exception as exc:  # the narrator reports whatever went wrong
        demo.failures.append(
            _("the MCP session failed: {error}").format(error=f"{type(exc).__name__}: {exc}")
        )
        return
    for result in answer.get("results", []):
        verdict = "allowed" if result["allowed"] else "DENIED"
        owner = f", owner {result['owner']}" if result["owner"] else ""
        demo.out(f"     {result['path']}: {verdict} ({result['reason']}{owner})")
    got = [r["allowed"] for r in answer.get("results", [])]
    if got != [False, True]:
        demo.failures.append(
            _("MCP validate answered {answer}").format(answer=json.dumps(answer)[:200])
        )
    text = _("So {second} edits {model} and asks the owner of app/main.py before touching it.")
    demo.say(text.format(second=SECOND, model=MODEL))


def ask_server(demo: Demo, agent: str, paths: list[str]) -> dict[str, Any]:
    """One MCP session with `workspace-guard mcp` in the demo repository: `validate`."""
    import asyncio

    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "workspace_guard", "mcp"],
        cwd=demo.repo,
        env=dict(demo.env),
    )

    arguments = {"agent": agent, "paths": paths}

    async def session() -> Any:
        try:
            from mcp import Client  # SDK 2.x
        except ImportError:  # SDK 1.x: the session over the stdio transport
            from mcp import ClientSession
            from mcp.client.stdio import stdio_client

            async with stdio_client(params) as (read, write), ClientSession(read, write) as one:
                await one.initialize()
                return await one.call_tool("validate", arguments)
        async with Client(params) as client:
            return await client.call_tool("validate", arguments)

    result = asyncio.run(session())
    data = getattr(result, "structured_content", None) or getattr(result, "structuredContent", None)
    return dict(data or {})

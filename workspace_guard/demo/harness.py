"""Demo step: the agent-harness gate answering real Claude Code events."""

from __future__ import annotations

import json
import os

from workspace_guard.demo.run import Demo, register
from workspace_guard.i18n import _


def _event(demo: Demo, agent: str, tool: str, tool_input: dict[str, str]) -> str:
    return json.dumps(
        {
            "session_id": "demo",
            "hook_event_name": "PreToolUse",
            "cwd": demo.repo,
            "agent_id": "demo-1",
            "agent_type": agent,
            "tool_name": tool,
            "tool_input": tool_input,
        }
    )


def _ask(demo: Demo, agent: str, tool: str, tool_input: dict[str, str], *, deny: bool) -> None:
    proc = demo.wg(
        "hook", "claude", stdin=_event(demo, agent, tool, tool_input), show=False, expect=0
    )
    if proc.stdout.strip():
        answer = json.loads(proc.stdout)["hookSpecificOutput"]
        demo.say(f"→ {answer['permissionDecision']}: {answer['permissionDecisionReason'][:300]}…")
    else:
        demo.say(_("→ (no output: allowed; Claude Code's own permission rules still apply)"))
    if bool(proc.stdout.strip()) != deny:
        text = (
            _("hook claude for {agent} {tool}: expected a denial")
            if deny
            else _("hook claude for {agent} {tool}: expected no denial")
        )
        demo.failures.append(text.format(agent=agent, tool=tool))


@register
def harness(demo: Demo) -> None:
    demo.step(
        _("4. Pre-write in the harness: Claude Code's PreToolUse hook knows which subagent acts")
    )
    main_py = os.path.join(demo.repo, "app", "main.py")
    demo.say(_("backend-framework-ai (agent_type in the event) tries to Edit app/main.py:"))
    _ask(
        demo,
        "backend-framework-ai",
        "Edit",
        {"file_path": main_py, "old_string": "shop", "new_string": "store"},
        deny=True,
    )
    demo.say(_("Its owner, system-architect-ai, does the same:"))
    _ask(
        demo,
        "system-architect-ai",
        "Edit",
        {"file_path": main_py, "old_string": "shop", "new_string": "store"},
        deny=False,
    )
    demo.say(_("backend-framework-ai tries the Bash way around the Edit rule:"))
    _ask(
        demo,
        "backend-framework-ai",
        "Bash",
        {"command": "sed -i 's/shop/store/' app/main.py"},
        deny=True,
    )
    demo.say(_("Reading it is fine:"))
    _ask(demo, "backend-framework-ai", "Bash", {"command": "grep -n title app/main.py"}, deny=False)

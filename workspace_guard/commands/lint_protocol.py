"""`lint`'s protocol findings: the protocol's own files left unprotected, and no main-thread agent.

The same defaults `import`/`init` write (adopt/protocol.py) are checked here, so a team that wrote
its rules by hand, or edited the imported ones, hears about the hole:

- `protocol-unprotected` (warning): the rules file, `.claude/` (settings, agent definitions),
  the protocol documents or the validator the prompts run are decided by no critical rule
  owned by the escalation agent or a superuser — an agent could grant itself any file by editing
  them and committing with `Protocolo: SEGUIDO`;
- `harness-main-agent` (warning): no `harness: main_agent` — Claude Code's main thread names no
  subagent, so the harness hook refuses its every call, even `ls`;
- `main-agent-superuser` (info): the main thread is a superuser, so it may change every protected
  file itself; said so that nobody learns it from the audit log.
"""

from __future__ import annotations

from workspace_guard.core.decide import Decider
from workspace_guard.core.model import Rules
from workspace_guard.i18n import _

PROTOCOL_PATHS = (
    ".workspace/rules.yaml",
    ".claude/settings.json",
    ".claude/agents/agent.md",
    ".workspace/PROTECTED_FILES.md",
    ".workspace/RESPONSIBLE_AGENTS.md",
    ".workspace/scripts/agent_workspace_validator.py",
)


def protocol_findings(rules: Rules, tracked: list[str] | None) -> list[tuple[str, str, str, str]]:
    """(level, id, message, source) for each protocol hole; source is `FILE:LINE` or ''.

    Only for a repository that keeps an agent protocol (tracked `.claude/` or protocol
    documents in `.workspace/`); `tracked` None (no repository) checks nothing."""
    if tracked is None:
        return []
    claude = any(p.startswith(".claude/") for p in tracked)
    documents = any(p.startswith(".workspace/") and p.endswith(".md") for p in tracked)
    found = _unprotected(rules) if claude or documents else []
    return found + (_main_agent(rules) if claude else [])


def _unprotected(rules: Rules) -> list[tuple[str, str, str, str]]:
    decider = Decider(rules)
    trusted = {rules.escalation, *rules.superusers}
    weak: list[str] = []
    for path in PROTOCOL_PATHS:
        if decider.office_of(path) is not None:
            continue  # an office decides it (lint's office checks speak for that)
        rule = decider.rule_for(path)
        if rule is None or rule.level != "critical" or (rule.owner and rule.owner not in trusted):
            weak.append(path)
    if not weak:
        return []
    message = _(
        "the protocol's own files are not protected at level critical by the escalation agent: "
        "{paths}; an agent could grant itself any file by editing them. Add, at the end of "
        "`protected:`, rules such as `/.workspace/rules.yaml`, `/.claude/`, `/.workspace/*.md` "
        "and `/.workspace/scripts/` with `owner: {escalation}` and `level: critical`"
    ).format(paths=", ".join(weak), escalation=rules.escalation)
    return [("warning", "protocol-unprotected", message, "")]


def _main_agent(rules: Rules) -> list[tuple[str, str, str, str]]:
    agent = rules.harness.get("main_agent")
    if not agent:
        message = _(
            "no `harness: main_agent`: Claude Code's main thread names no subagent, so the "
            "harness hook refuses every call it makes, even `ls`; add `harness: {{main_agent: "
            "{escalation}}}` (or the agent your main session acts as)"
        ).format(escalation=rules.escalation)
        return [("warning", "harness-main-agent", message, "")]
    if agent in rules.superusers:
        message = _(
            "harness: main_agent {agent} is a superuser: the main thread may change every "
            "protected file itself, critical ones included; name an agent that is not a "
            "superuser to make it consult the owners"
        ).format(agent=agent)
        return [("info", "main-agent-superuser", message, "")]
    return []


def main_agent_warning(cwd: str) -> str | None:
    """For `install --claude`: the `harness-main-agent` warning, when the rules in force lack one
    (None when they have one, or cannot be read: install itself does not need them)."""
    from workspace_guard.errors import GuardError
    from workspace_guard.repo import Repo

    try:
        rules = Repo.discover(cwd).decider().rules
    except GuardError:
        return None
    found = _main_agent(rules)
    if found and found[0][0] == "warning":
        return _("warning: {message}").format(message=found[0][2])
    return None

"""What the MCP server's tools do, as plain functions returning JSON-ready data.

Each tool answers with the same data the command line prints with `--format json`, so an agent
asking over MCP and an agent running the validator get one answer. Expected failures (unknown
agent, path outside the repository, a path already claimed) come back as
`{"ok": false, "error", "hint", "exit_code"}` with the contract's exit code, never a traceback.
"""

from __future__ import annotations

from workspace_guard.errors import GuardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from workspace_guard.repo import Repo


def answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one tool; a `GuardError` becomes an error object with the contract's exit code."""
    try:
        return call()
    except GuardError as exc:
        return {"ok": False, "error": exc.message, "hint": exc.hint, "exit_code": exc.exit_code}


def validate(repo: Repo, agent: str, paths: list[str]) -> dict[str, Any]:
    """`validate --format json` (contract §6)."""
    from workspace_guard.commands.validate import decide_paths
    from workspace_guard.errors import UsageError
    from workspace_guard.state.approvals import live_approvals

    if not paths:
        from workspace_guard.i18n import _

        raise UsageError(_("no path given"))
    decisions = decide_paths(repo, agent, paths, approvals=live_approvals(repo.state_dir))
    allowed = all(d.allowed for d in decisions)
    return {"agent": agent, "allowed": allowed, "results": [d.to_json() for d in decisions]}


def explain(repo: Repo, paths: list[str]) -> dict[str, Any]:
    """`explain --format json`, with the live claims on each path."""
    from workspace_guard.commands.explain import explain_all

    return {"results": explain_all(repo, paths)}


def claim(
    repo: Repo, agent: str, paths: list[str], *, ttl: str | None, shared: bool, note: str
) -> dict[str, Any]:
    """`claim`: the claims made."""
    from workspace_guard.commands import claims as impl

    seconds = impl.parse_ttl(ttl)  # bad input is a usage error before anyone is asked
    action = mcp_action("claim", {"agent": agent, "paths": paths, "ttl": ttl, "shared": shared})
    who = impl.speaking_agent(repo, agent, "claim", action)  # the gate saw `agent` call it
    made = impl.claim(repo, who, paths, ttl=seconds, shared=shared, note=note)
    return {"ok": True, "claims": [c.to_json() for c in made]}


def release(repo: Repo, agent: str, paths: list[str], everything: bool) -> dict[str, Any]:
    """`release`: the claims dropped."""
    from workspace_guard.commands import claims as impl

    if not paths and not everything:
        from workspace_guard.errors import UsageError
        from workspace_guard.i18n import _

        raise UsageError(_("name the paths to release, or --all"))
    action = mcp_action("release", {"agent": agent, "paths": paths, "everything": everything})
    who = impl.speaking_agent(repo, agent, "release", action)  # the gate saw `agent` call it
    dropped = impl.release(repo, who, paths, everything=everything)
    return {"ok": bool(dropped), "released": [c.to_json() for c in dropped]}


def claims(repo: Repo) -> dict[str, Any]:
    """`claims --format json`."""
    from workspace_guard.commands import claims as impl

    return {"claims": [c.to_json() for c in impl.listing(repo)]}


def consult(repo: Repo, agent: str, paths: list[str], reason: str) -> dict[str, Any]:
    """`consult`: file a consultation with the owners of each path."""
    from workspace_guard.commands import approvals

    action = mcp_action("consult", {"agent": agent, "paths": paths})
    lines = approvals.consult(repo, agent, paths, reason, action)
    return {"ok": True, "consultations": lines}


def mcp_action(verb: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """The invocation an MCP `claim`/`release`/`consult` call is (commands/invocation): the
    command line the harness gate judged it as (formats_event.claims_command), parsed the
    same way, so it matches the gate's `authorise` record exactly."""
    import shlex

    from workspace_guard.commands.invocation import parse
    from workspace_guard.gates.harness.formats_event import claims_command

    return parse(shlex.split(claims_command(verb, args))[1:])


def briefing(repo: Repo, agent: str) -> dict[str, Any]:
    """The SubagentStart text for `agent`."""
    from workspace_guard.gates.harness.briefing import briefing as text

    return {"agent": agent, "briefing": text(repo, agent)}


def rules_text(repo: Repo) -> str:
    """The trusted rules as YAML-ish text (the resource `workspace-guard://rules`)."""
    from workspace_guard import git
    from workspace_guard.repo import DEFAULT_RULES

    blob = repo.info.rules_blob
    if repo.rules_option is None and blob:
        data: bytes = git.run(["cat-file", "blob", blob], repo.root).stdout
        return data.decode("utf-8", "replace")
    path = repo.rules_option or DEFAULT_RULES
    import os

    with open(os.path.join(repo.root, path), encoding="utf-8", errors="replace") as handle:
        return handle.read()

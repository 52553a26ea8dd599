"""The files `install` itself writes into a protected place, on the provenance record.

`install --claude` writes `.claude/settings.json` (and `install --harness NAME` its harness's
settings), and turns on `workspace-guard.requireProvenance`. Where the rules protect that file —
`init --from-mestore` protects `/.claude/` as the protocol's own — the commit gate would then
refuse the very commit the install asks for: no allowed harness write left those bytes. So each
protected file install wrote is recorded in the provenance ledger as written by `install`, for
the agent the rules let write it — the escalation agent where it may (a superuser, or the
owner), else the rule's owner — and install says which agent the commit must name.

Only `install` and `init` call this, run by a person at a terminal or by a superuser agent (the
harness gate lets no other agent run them: gates/harness/protocol_commands); the record names
`tool: install` and `harness: workspace-guard`, so `provenance PATH` tells it from an agent's
write.
"""

from __future__ import annotations

import os

from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from workspace_guard.core.decide import Decider


def versions(cwd: str, harness: str) -> dict[str, str | None]:
    """The files `install --harness NAME` may write, with the git blob id of each now (None:
    absent), to tell afterwards which it wrote."""
    from workspace_guard import git
    from workspace_guard.commands import harness_install as files
    from workspace_guard.commands.mcp_config import MCP_FILE
    from workspace_guard.gates.harness.after import blob_id

    info = git.repo_info(cwd)
    root = info.root
    if root is None:
        return {}
    fmt = (
        "sha256"
        if git.config_get("extensions.objectformat", info.common_dir) == "sha256"
        else "sha1"
    )
    settings = {"cursor": files.CURSOR_FILE, "cline": files.CLINE_FILE}.get(harness)
    if settings is None:
        settings = files.SETTINGS[harness][0] if harness in files.SETTINGS else None
    rels = [settings, files.LAUNCHER, files.PROGRAM_SUMS, files.CLIENT_SUMS, MCP_FILE]
    paths = [os.path.join(root, rel) for rel in rels if rel]
    return {path: blob_id(path, fmt) for path in paths}


def record(cwd: str, before: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """Record the protected files among those `versions` listed that install changed; a line to
    say for each (nothing when the rules cannot be read: install does not need them)."""
    from workspace_guard.errors import GuardError
    from workspace_guard.gates.harness.after import SKIP, blob_id, object_format
    from workspace_guard.repo import Repo
    from workspace_guard.state import ledger

    try:
        repo = Repo.discover(cwd)
        decider = repo.decider()
        root = repo.root
    except GuardError:
        return []
    fmt = object_format(repo)
    changed = {p: blob_id(p, fmt) for p in before}
    written = [p for p, blob in changed.items() if blob not in (None, SKIP, before[p])]
    rels = [os.path.relpath(p, root).replace(os.sep, "/") for p in written]
    rules = decider.governing_rules(rels) if rels else []
    found: list[dict[str, object]] = []
    said: list[tuple[str, str]] = []
    for path, rel, rule in zip(written, rels, rules, strict=True):
        if rule is None or rule.level == "none":
            continue
        agent = _writer(decider, rel, rule.owner)
        if agent is None:
            continue
        found.append(
            {
                "kind": "write",
                "harness": "workspace-guard",
                "agent": agent,
                "agent_id": None,
                "session": None,
                "tool": "install",
                "path": rel,
                "blob": changed[path],
                "office": False,
                "reason": "install",
            }
        )
        text = _(
            "protected ({level}, owner {owner}): this version is on the provenance record as "
            "written by install for {agent}; commit it with `Agente: {agent}`"
        )
        said.append((path, text.format(level=rule.level, owner=rule.owner, agent=agent)))
    if found and not ledger.append(repo.state_dir, found):
        return []
    return said


def _writer(decider: Decider, rel: str, owner: str | None) -> str | None:
    """The escalation agent when the rules let it write `rel`, else the owner; None if neither."""
    escalation = decider.rules.escalation
    for agent in (escalation, owner):
        if agent and agent in decider.rules.agents and decider.decide(agent, rel).allowed:
            return agent
    return None

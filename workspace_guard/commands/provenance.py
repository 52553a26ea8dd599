"""`workspace-guard provenance PATH… [--format json] [--verify]`: who wrote which version.

Reads the provenance ledger (state/ledger): every write the harness gate allowed, with the agent
the harness named and the blob it left. For each path: its recorded versions, oldest first, and
whether the bytes in the working tree now are one of them (and whose). Only records before the
first break in the ledger's chain count; `--verify` reports breaks with their line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from workspace_guard.gates.harness.after import SKIP, blob_id, object_format
from workspace_guard.i18n import _
from workspace_guard.state import ledger

if TYPE_CHECKING:
    from workspace_guard.repo import Repo


def path_report(repo: Repo, rel: str, writes: list[dict[str, Any]]) -> dict[str, Any]:
    """One path: its versions and what the working tree holds now."""
    now = blob_id(os.path.join(repo.root, rel), object_format(repo))
    current = None if now == SKIP else now
    match = [w for w in writes if w.get("blob") == current]
    versions = [
        {
            "ts": w.get("ts"),
            "kind": w.get("kind"),
            "agent": w.get("agent"),
            "agent_id": w.get("agent_id"),
            "session": w.get("session"),
            "harness": w.get("harness"),
            "tool": w.get("tool"),
            "blob": w.get("blob"),
            "seq": w.get("seq"),
        }
        for w in writes
    ]
    return {
        "path": rel,
        "current": current,
        "recorded": bool(match),
        "written_by": match[-1].get("agent") if match else None,
        "versions": versions,
    }


def report(repo: Repo, paths: list[str]) -> list[dict[str, Any]]:
    """The report of each path (repository-relative), in the order given."""
    by_path = ledger.writes_by_path(repo.state_dir)
    rels = [repo.relative(p) for p in paths]
    return [path_report(repo, rel, by_path.get(rel, [])) for rel in dict.fromkeys(rels)]


def text(item: dict[str, Any]) -> list[str]:
    """Lines for people."""
    lines = [f"{item['path']}"]
    for v in item["versions"]:
        blob = (v["blob"] or _("deleted"))[:12]
        who = v["agent"] + (f" ({v['agent_id']})" if v.get("agent_id") else "")
        via = _("via {harness} {tool}").format(harness=v["harness"], tool=v["tool"])
        lines.append(f"  {v['ts']}  {blob:<12}  {who}  {via}")
    if not item["versions"]:
        lines.append("  " + _("no recorded write"))
    current = (item["current"] or _("absent"))[:12]
    if item["recorded"]:
        now = _("now: {blob} — written by {agent}")
        lines.append("  " + now.format(blob=current, agent=item["written_by"]))
    else:
        now = _("now: {blob} — NOT recorded (no allowed tool call wrote these bytes)")
        lines.append("  " + now.format(blob=current))
    return lines

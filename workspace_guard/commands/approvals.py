"""Approvals and consultations: how an agent gets permission instead of working around a block.

An approval (`approve AGENT PATH --by APPROVER`) is honoured by `validate` and the harness hooks
until it expires; only the owner of the path's rule, a backup or a superuser may give it. A
consultation (`consult PATH --agent A`) is a request the owners see in `consultations`. Both go
to the audit log.
"""

from __future__ import annotations

import json
import os
import secrets
import time

from workspace_guard.errors import Denied
from workspace_guard.state import ensure_dir
from workspace_guard.state.approvals import update
from workspace_guard.state.audit import append

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.repo import Repo

CONSULT_FILE = "consultations.jsonl"


def approve(
    repo: Repo, agent: str, paths: list[str], approver: str, ttl: float | None, *, note: str = ""
) -> list[str]:
    """Record approvals; refuse (exit 1) when `approver` may not approve a path."""
    decider = repo.decider()
    decider.check_agent(agent)
    decider.check_agent(approver)
    entries, lines, records = [], [], []
    until = None if ttl is None else time.time() + ttl
    for raw in paths:
        rel = repo.relative(raw)
        directory = raw.endswith("/") or os.path.isdir(os.path.join(repo.root, rel))
        key = rel.rstrip("/") + "/" if directory else rel
        rule = decider.governing_rule(rel)
        if rule is None or rule.level == "none":
            lines.append(f"{key}: not protected — no approval needed")
            continue
        if not decider.may_approve(rule, approver):
            raise Denied(
                f"{approver} may not approve changes to {key}: approvals come from its owner "
                f"{rule.owner or '-'}, backups ({', '.join(rule.backup) or 'none'}) or a superuser "
                f"({', '.join(decider.rules.superusers) or 'none'})",
                hint=f"ask {rule.owner or decider.rules.escalation}",
            )
        ident = secrets.token_hex(4)
        entries.append(
            {
                "id": ident,
                "agent": agent,
                "path": key,
                "approver": approver,
                "until": until,
                "note": note,
                "created": time.time(),
            }
        )
        records.append(
            {
                "layer": "approvals",
                "agent": agent,
                "path": key,
                "owner": rule.owner,
                "level": rule.level,
                "action": "approved",
                "approved_by": approver,
                "escalate_to": decider.rules.escalation,
                "note": note,
                "id": ident,
            }
        )
        lines.append(
            f"{ident}  approved: {agent} may change {key} (by {approver}, "
            + (
                "no expiry)"
                if until is None
                else f"until {time.strftime('%Y-%m-%d %H:%M', time.localtime(until))})"
            )
        )
    if entries:
        update(repo.state_dir, lambda items: [*items, *entries])
        append(repo.state_dir, records)
    return lines


def revoke(repo: Repo, ids: list[str]) -> list[str]:
    """Remove approvals by id; returns the ids that did not exist."""
    found: list[dict[str, Any]] = []

    def change(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found.extend(i for i in items if i.get("id") in ids)
        return [i for i in items if i.get("id") not in ids]

    update(repo.state_dir, change)
    append(
        repo.state_dir,
        [
            {
                "layer": "approvals",
                "agent": i.get("agent"),
                "path": i.get("path"),
                "owner": None,
                "level": None,
                "action": "revoked",
                "escalate_to": None,
                "id": i.get("id"),
            }
            for i in found
        ],
    )
    return [i for i in ids if i not in {str(f.get("id")) for f in found}]


def consult(repo: Repo, agent: str, paths: list[str], reason: str) -> list[str]:
    """File a consultation request with the owners (and backups) of each path."""
    decider = repo.decider()
    decider.check_agent(agent)
    lines, items = [], []
    for raw in paths:
        rel = repo.relative(raw)
        rule = decider.governing_rule(rel)
        owners = [
            o
            for o in ([rule.owner] if rule and rule.owner else [])
            + list(rule.backup if rule else ())
        ]
        owners = owners or [decider.rules.escalation]
        ident = secrets.token_hex(4)
        items.append(
            {
                "id": ident,
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "agent": agent,
                "path": rel,
                "owners": owners,
                "reason": reason,
                "level": rule.level if rule else "none",
            }
        )
        lines.append(
            f"{ident}  consultation filed: {agent} asks {', '.join(owners)} about {rel}. "
            f"After their answer, commit with `Protocolo: CONSULTA_PREVIA`, or ask for "
            f"`workspace-guard approve {agent} {rel} --by {owners[0]}`."
        )
    path = os.path.join(ensure_dir(repo.state_dir), CONSULT_FILE)
    with open(path, "a", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    append(
        repo.state_dir,
        [
            {
                "layer": "consult",
                "agent": i["agent"],
                "path": i["path"],
                "owner": i["owners"][0],
                "level": i["level"],
                "action": "consulted",
                "escalate_to": decider.rules.escalation,
                "id": i["id"],
            }
            for i in items
        ],
    )
    return lines


def consultations(repo: Repo, owner: str | None = None) -> list[dict[str, Any]]:
    """Consultation requests, optionally only those addressed to `owner`."""
    path = os.path.join(repo.state_dir, CONSULT_FILE)
    out = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and (owner is None or owner in item.get("owners", [])):
                    out.append(item)
    except FileNotFoundError:
        pass
    return out

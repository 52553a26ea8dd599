"""`workspace-guard audit [--since T] [--agent A] [--action X] [--format json]`, `audit verify`."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING

from workspace_guard.core.duration import parse_since
from workspace_guard.errors import ConfigError, UsageError
from workspace_guard.gates.push.anchor import AnchorError, push_anchor
from workspace_guard.gates.push.anchor import verify_remote as against
from workspace_guard.i18n import N_, _, ngettext
from workspace_guard.repo import Repo
from workspace_guard.state import ledger
from workspace_guard.state.audit import ACTIONS, audit_path, read
from workspace_guard.state.audit import verify as check

if TYPE_CHECKING:
    from workspace_guard.state.chain import Broken

COLUMNS = ("ts", "layer", "action", "agent", "path", "level", "owner", "escalate_to")


def run(repo: Repo, *, since: str | None, agent: str | None, action: str | None, fmt: str) -> int:
    """List the records that match every filter given (as JSON or a table)."""
    start = parse_since(since, time.time())
    everything = list(read(repo.state_dir))
    if action:
        check_action(action, everything)
    records = [
        r
        for r in everything
        if (not start or str(r.get("ts", "")) >= start)
        and (not agent or r.get("agent") == agent)
        and (not action or r.get("action") == action)
    ]
    if fmt == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        table(records)
    return 0


def check_action(action: str, records: list[dict[str, object]]) -> None:
    """`--action` must name an action the log can hold: a typo would silently list nothing."""
    known = dict.fromkeys([*ACTIONS, *(str(r.get("action")) for r in records if r.get("action"))])
    if action not in known:
        raise UsageError(
            _("--action {action!r} is not an action of the audit log").format(action=action),
            hint=_("one of: {choices}").format(choices=", ".join(known)),
        )


def table(records: list[dict[str, object]]) -> None:
    """The records as aligned columns (`-` for a missing value)."""
    if not records:
        print(_("no audit records"))
        return
    rows = [[str(r.get(c) if r.get(c) is not None else "-") for c in COLUMNS] for r in records]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def verify(repo: Repo) -> int:
    """Check the hash chains of the audit log and of the provenance ledger; exit 1 (each problem
    on stderr as FILE:LINE) when either was altered."""
    count, problems = check(repo.state_dir)
    code = _report(audit_path(repo.state_dir), N_("audit log"), count, problems)
    where = os.path.join(repo.state_dir, ledger.LEDGER_FILE)
    if os.path.exists(where) or os.path.exists(os.path.join(repo.state_dir, ledger.LEDGER_HEAD)):
        count, problems = ledger.verify(repo.state_dir)
        code = max(code, _report(where, N_("ledger"), count, problems))
    return code


def _report(where: str, label: str, count: int, problems: list[Broken]) -> int:
    for problem in problems:
        print(f"{where}:{problem.line}: {problem.reason}", file=sys.stderr)
    if problems:
        text = ngettext(
            "{label} altered: {n} problem in {count} records",
            "{label} altered: {n} problems in {count} records",
            len(problems),
        )
        print(text.format(label=_(label), n=len(problems), count=count), file=sys.stderr)
        return 1
    text = ngettext("{label} intact: {count} record", "{label} intact: {count} records", count)
    print(text.format(label=_(label), count=count))
    return 0


# --- `audit verify --remote NAME` and `audit anchor REMOTE`: the anchors the push gate keeps on the
# shared repository (gates/push/anchor.py; owned by the push gate, kept apart from the above) ---


def verify_remote(repo: Repo, remote: str) -> int:
    """The local chain, then every anchor of this clone on `remote`: exit 1 when the log was
    rewritten before an anchor (even with every hash recomputed) or nothing anchors it."""
    local = verify(repo)
    verdict = against(repo, remote)
    for problem in verdict.problems:
        print(f"{audit_path(repo.state_dir)}: {problem}", file=sys.stderr)
    if verdict.problems or local:
        return 1
    text = ngettext(
        "audit log matches {n} anchor on {remote} (up to record {seq})",
        "audit log matches {n} anchors on {remote} (up to record {seq})",
        verdict.anchors,
    )
    print(text.format(n=verdict.anchors, remote=remote, seq=verdict.last))
    return 0


def anchor(repo: Repo, remote: str) -> int:
    """Push an anchor of the local audit head to `remote` now (pre-push does it on every push)."""
    try:
        clone, seq, digest = push_anchor(repo, remote)
    except AnchorError as exc:
        raise ConfigError(
            _("the audit anchor could not be pushed to {remote}: {error}").format(
                remote=remote, error=str(exc)
            ),
            hint=_(
                "check that {remote} is reachable and runs the workspace-guard pre-receive hook"
            ).format(remote=remote),
        ) from exc
    print(
        _("anchored record {seq} ({hash}) of clone {clone} on {remote}").format(
            seq=seq, hash=digest[:12], clone=clone, remote=remote
        )
    )
    return 0

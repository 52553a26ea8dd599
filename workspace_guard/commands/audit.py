"""`workspace-guard audit [--since T] [--agent A] [--action X] [--format json]`, `audit verify`."""

from __future__ import annotations

import json
import sys
import time

from workspace_guard.core.duration import parse_since
from workspace_guard.errors import UsageError
from workspace_guard.repo import Repo
from workspace_guard.state.audit import ACTIONS, audit_path, read
from workspace_guard.state.audit import verify as check

TYPE_CHECKING = False
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
            f"--action {action!r} is not an action of the audit log",
            hint="one of: " + ", ".join(known),
        )


def table(records: list[dict[str, object]]) -> None:
    """The records as aligned columns (`-` for a missing value)."""
    if not records:
        print("no audit records")
        return
    rows = [[str(r.get(c) if r.get(c) is not None else "-") for c in COLUMNS] for r in records]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def verify(repo: Repo) -> int:
    """Check the hash chains of the audit log and of the provenance ledger; exit 1 (each problem
    on stderr as FILE:LINE) when either was altered."""
    import os

    from workspace_guard.state import ledger

    count, problems = check(repo.state_dir)
    code = _report(audit_path(repo.state_dir), "audit log", count, problems)
    where = os.path.join(repo.state_dir, ledger.LEDGER_FILE)
    if os.path.exists(where) or os.path.exists(os.path.join(repo.state_dir, ledger.LEDGER_HEAD)):
        count, problems = ledger.verify(repo.state_dir)
        code = max(code, _report(where, "ledger", count, problems))
    return code


def _report(where: str, label: str, count: int, problems: list[Broken]) -> int:
    for problem in problems:
        print(f"{where}:{problem.line}: {problem.reason}", file=sys.stderr)
    if problems:
        print(f"{label} altered: {len(problems)} problem(s) in {count} records", file=sys.stderr)
        return 1
    print(f"{label} intact: {count} records")
    return 0

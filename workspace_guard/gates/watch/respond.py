"""What the daemon does about a change: attribute it, record it, restore it, report it.

inotify cannot say who wrote (inotify(7)); attribution comes from the provenance ledger: the
content found is exactly a blob that an allowed harness call recorded for this path, by an agent
the trusted rules let write it (`watch/provenance`). Everything else is a violation: an audit
record first (the fast part: the record is the product), then quarantine and restore, then the
incident report that says how all of it went.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workspace_guard.core.model import ProtectedRule
from workspace_guard.errors import GuardError
from workspace_guard.gates.watch import incident as watch_incident
from workspace_guard.gates.watch.baseline import Entry
from workspace_guard.gates.watch.fs import MISSING, Observation, classify, observe, short
from workspace_guard.gates.watch.restore import RESTORABLE
from workspace_guard.i18n import _, strerror

if TYPE_CHECKING:
    from workspace_guard.gates.watch.engine import Engine, State

log = logging.getLogger("workspace_guard.watch")


@dataclass(frozen=True)
class Finding:
    """A protected path whose content is not what HEAD has, and was not reported yet."""

    rel: str
    rule: ProtectedRule
    entry: Entry | None  # the committed file; None for a new file
    found: Observation
    origin: str  # event | rescan | startup

    @property
    def expected(self) -> str:
        return self.entry.signature if self.entry else MISSING


def respond(engine: Engine, state: State, finding: Finding, written: dict[str, Any] | None) -> None:
    """Record the change as authorised (`written`: the ledger record of the very bytes found),
    or as a violation (then restore and report)."""
    change = classify(finding.expected, finding.found.signature)
    related = _renamed_from(engine.root, state, finding) if change == "created" else None
    details = _details(engine, state, finding, "renamed" if related else change, related)
    engine.known[finding.rel] = finding.found.signature
    engine.manifest_changed()
    escalation = state.rules.escalation
    if written is not None and written.get("by") == "install":  # announced (state/announce)
        extra = {"by": "install", "install_seq": written.get("audit_seq")}
        engine.append([record(finding.rel, finding.rule, escalation, "authorised", **details,
                              **extra)])  # fmt: skip
        engine.counts["authorised"] += 1
        return
    if written is not None:
        engine.append(
            [
                record(
                    finding.rel,
                    finding.rule,
                    escalation,
                    "authorised",
                    agent=written.get("agent"),
                    ledger_seq=written.get("seq"),
                    harness=written.get("harness"),
                    tool=written.get("tool"),
                    **details,
                )
            ]
        )
        engine.counts["authorised"] += 1
        _report_claimed(engine, finding, escalation, written.get("agent"), details)
        return
    engine.append([record(finding.rel, finding.rule, escalation, "detected", **details)])
    engine.counts["detected"] += 1
    log.warning(
        "violation: %s %s (%s, owner %s) detected by %s",
        finding.rel,
        details["change"],
        finding.rule.level,
        finding.rule.owner,
        finding.origin,
    )
    kept, restored, note = _restore(engine, state, finding, details)
    watch_incident.write(state.settings.incidents_dir, watch_incident.Incident(
        finding.rel, finding.rule, escalation, details["change"], finding.origin, time.time(),
        state.baseline.head, details["sha_before"], details["sha_after"], kept, restored, note,
        related,
    ))  # fmt: skip


def _report_claimed(
    engine: Engine,
    finding: Finding,
    escalation: str,
    agent: Any,
    details: dict[str, Any],
) -> None:
    """A write the rules allowed, made while another agent held the path by an exclusive claim:
    reported (`reason: claimed`), not restored (the bytes were the writer's to write)."""
    from workspace_guard.state.claims import ClaimsCorrupt, live

    try:
        claims = live(engine.state_dir)
    except ClaimsCorrupt as exc:
        log.error("%s", exc.message)
        return
    holder = claims.blocking(str(agent or ""), finding.rel) if claims else None
    if holder is None:
        return
    extra = {"reason": "claimed", "claimed_by": holder.agent, "claim_id": holder.id}
    engine.append(
        [record(finding.rel, finding.rule, escalation, "detected", agent=agent, **details, **extra)]
    )
    engine.counts["detected"] += 1
    log.warning("claimed: %s written by %s while %s held it", finding.rel, agent, holder.agent)


def _details(
    engine: Engine, state: State, finding: Finding, change: str, related: str | None
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "change": change,
        "detected_by": finding.origin,
        "sha_before": short(finding.expected),
        "sha_after": short(finding.found.signature),
        "signature": finding.found.signature,
        "epoch": engine.epoch,
        "head": state.baseline.head,
        "backup": list(finding.rule.backup),
        "worktree": engine.root,
    }
    if related:
        details["renamed_from"] = related
    if finding.found.error:
        details["error"] = finding.found.error
    return details


def _restore(
    engine: Engine, state: State, finding: Finding, details: dict[str, Any]
) -> tuple[str | None, bool, str | None]:
    """Quarantine, then put back; (quarantine path, restored?, why not)."""
    if not state.settings.restore:
        return None, False, None
    change, rel = details["change"], finding.rel
    if change not in RESTORABLE:
        return None, False, _("cannot restore a change of kind {change!r}").format(change=change)
    if engine.head_moved():
        return None, False, _("HEAD moved meanwhile; checked again against the new HEAD")
    if engine.git_writing():
        engine.deferred[rel] = (finding, details)
        return None, False, "git was writing the worktree (index.lock); restored once it is done"
    try:
        kept = engine.restorer.keep(rel, finding.found, change)
    except OSError as exc:
        engine.counts["errors"] += 1
        log.error(
            "not restoring %s: the unauthorised content could not be kept in quarantine: %s",
            rel,
            strerror(exc),
        )
        return None, False, f"quarantine failed: {strerror(exc)}"
    engine.own[rel] = finding.expected  # our own write must not come back as a change
    try:
        engine.restorer.put_back(rel, finding.entry, finding.found)
    except (OSError, GuardError) as exc:
        engine.counts["errors"] += 1
        log.error("could not restore %s: %s", rel, exc)
        return kept, False, f"restore failed: {exc}"
    engine.known.pop(rel, None)
    engine.append(
        [record(rel, finding.rule, state.rules.escalation, "restored", quarantine=kept, **details)]
    )
    engine.counts["restored"] += 1
    return kept, True, None


def retry(engine: Engine, state: State, finding: Finding, details: dict[str, Any]) -> None:
    """A restore deferred while git held index.lock: done now if the same bytes are still there
    and HEAD did not move (else the normal check judges the path again)."""
    found = observe(os.path.join(engine.root, finding.rel), state.baseline.algorithm)
    if found.signature != finding.found.signature or engine.head_moved():
        engine.known.pop(finding.rel, None)
        return
    again = Finding(finding.rel, finding.rule, finding.entry, found, finding.origin)
    _kept, restored, note = _restore(engine, state, again, details)
    if restored or note:
        log.warning("deferred restore of %s: %s", finding.rel, "done" if restored else note)


def _renamed_from(root: str, state: State, finding: Finding) -> str | None:
    """For a new file: the protected path it was renamed from (same blob, now missing)."""
    for other in state.baseline.by_oid.get(finding.found.oid or "", ()):
        if other != finding.rel and not os.path.lexists(os.path.join(root, other)):
            return other
    return None


def record(
    rel: str, rule: ProtectedRule, escalation: str, action: str, **extra: Any
) -> dict[str, Any]:
    """An audit record with the contract's fields (agent unknown unless attributed)."""
    return {
        "layer": "watch",
        "agent": extra.pop("agent", None),
        **path_fields(rel),
        "owner": rule.owner,
        "level": rule.level,
        "action": action,
        "escalate_to": escalation,
        "rule": f"{rule.pattern} ({rule.source})",
        **extra,
    }


def path_fields(rel: str) -> dict[str, str]:
    """`path`, plus `path_b64` (the raw bytes) for a name that is not UTF-8: JSON cannot carry
    the undecodable bytes, and the record must still name the file exactly."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(rel)
        return {"path": raw.decode("utf-8", "replace"), "path_b64": base64.b64encode(raw).decode()}
    return {"path": rel}


def append(common_dir: str, state_dir: str, records: list[dict[str, Any]]) -> bool:
    """Append to the audit log, unless the repository is gone (appending would re-create a
    stray `.git/` folder): then the records go to stderr, never silently nowhere."""
    from workspace_guard.state import audit

    if not os.path.isdir(common_dir):
        print(
            _("workspace-guard: error: the repository is gone; audit records not written:"),
            file=sys.stderr,
        )
        for item in records:
            print(repr(item), file=sys.stderr)
        return False
    return audit.append(state_dir, records)

"""The daemon notices when the trusted rules ref moves (docs/trust-root.md).

The daemon enforces the rules as committed at the trusted ref (``refs/remotes/origin/main`` or
``workspace-guard.rulesRef``). When that ref moves to a revision whose rules file differs, the
daemon says so at once (audit ``trusted-rules-moved``: the ref, the old and new revisions and
rules blobs), before anything adopts them; and whenever a reload (SIGHUP, HEAD moved) adopts
rules from another trusted revision it audits ``trusted-rules-adopted`` with both revisions.
Whether the new tip ever was on the remote cannot be proven locally (a fetch from a path or an
``update-ref`` leaves the same ref behind): the records say so, and name the check to run
(``git ls-remote``), which the server's gate answers.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("workspace_guard.watch")

UNPROVABLE = (
    "whether the remote holds this revision cannot be proven locally: compare with "
    "`git ls-remote {remote}`; the server's gate still decides what is pushed"
)


class Seen:
    """The trusted revision the enforced rules came from."""

    def __init__(self, ref: str | None, commit: str | None, blob: str | None) -> None:
        self.ref = ref
        self.commit = commit
        self.blob = blob


def of_repo(repo: Any) -> Seen:
    """What a freshly discovered :class:`~workspace_guard.repo.Repo` trusts."""
    trusted = repo.trusted
    if trusted is None:
        return Seen(None, None, repo.info.rules_blob)
    return Seen(trusted.ref, trusted.commit, repo.info.rules_blob)


def peek(common_dir: str, root: str) -> tuple[str, str | None] | None:
    """The trusted (ref, commit) now, from the ref files (no exec); None when it cannot be
    read (the next reload reports that) or there is no upstream."""
    from workspace_guard import trust_root

    try:
        config = trust_root.read_config(common_dir, root)
        now = trust_root.find(common_dir, root, None, config)
    except Exception:  # a broken config or a missing ref: the reload reports it
        return None
    return None if now.ref is None else (now.ref, now.commit)


def discover(root: str) -> Seen | None:
    """The trusted revision and its rules blob, as a reload would find them."""
    from workspace_guard.repo import Repo

    try:
        return of_repo(Repo.discover(root))
    except Exception:
        return None


def _remote(ref: str | None) -> str:
    if ref and ref.startswith("refs/remotes/"):
        return ref[len("refs/remotes/") :].partition("/")[0]
    return "origin"


def record(action: str, old: Seen, new: Seen, reason: str) -> dict[str, Any]:
    """``trusted-rules-moved`` / ``trusted-rules-adopted``."""
    return {
        "layer": "watch",
        "agent": None,
        "path": ".workspace/rules.yaml",
        "owner": None,
        "level": None,
        "action": action,
        "escalate_to": None,
        "ref": new.ref,
        "old_ref": old.ref,
        "old_revision": old.commit,
        "new_revision": new.commit,
        "old_rules_blob": old.blob,
        "new_rules_blob": new.blob,
        "reachable_from_remote": None,
        "remote_check": UNPROVABLE.format(remote=_remote(new.ref)),
        "reason": reason,
    }


def moved(old: Seen, new: Seen) -> dict[str, Any]:
    log.error(
        "the trusted rules ref %s moved from %s to %s and its rules differ: the rules in force "
        "stay those of %s until a reload adopts them (%s)",
        new.ref,
        (old.commit or "?")[:12],
        (new.commit or "?")[:12],
        (old.commit or "?")[:12],
        UNPROVABLE.format(remote=_remote(new.ref)),
    )
    return record("trusted-rules-moved", old, new, "the trusted ref moved")


def adopted(old: Seen, new: Seen, reason: str) -> dict[str, Any]:
    log.warning(
        "adopting the rules of %s at %s (were %s at %s) on %s",
        new.ref or "HEAD",
        (new.commit or "?")[:12],
        old.ref or "HEAD",
        (old.commit or "?")[:12],
        reason,
    )
    return record("trusted-rules-adopted", old, new, reason)

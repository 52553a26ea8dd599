"""The daemon notices when the trusted rules ref moves (docs/trust-root.md).

The daemon enforces the rules as committed at the trusted ref (``refs/remotes/origin/main`` or
``workspace-guard.rulesRef``). When that ref moves to a revision whose rules file differs, the
daemon says so at once (audit ``trusted-rules-moved``: the ref, the old and new revisions and
rules blobs), before anything adopts them; and whenever a reload (SIGHUP, HEAD moved) adopts
rules from another trusted revision it audits ``trusted-rules-adopted`` with both revisions.
Whether the new tip ever was on the remote cannot be proven from local files (a fetch from a
path or an ``update-ref`` leaves the same ref behind as an honest fetch), so before a reload
adopts rules from another trusted revision the daemon asks the remote (``git ls-remote``): it
adopts them only when the trusted ref is a remote-tracking ref whose remote holds exactly the new
revision on that branch, and the new revision descends from the one in force (a fast-forward,
as an honest fetch of accepted pushes is). Anything else — an ``update-ref``, a fetch from a
clone of the agent's, a ref deleted so that HEAD decides, a remote that cannot be asked — is
refused: the old rules stay in force, and ``trusted-rules-refused`` is audited once per
revision, with the reason. The next reload (SIGHUP, HEAD moved) asks again, so a revision
pushed later is adopted then.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.gates.watch.engine import Engine

log = logging.getLogger("workspace_guard.watch")
ASK_AGAIN = 30.0  # seconds before a reload asks again a remote that did not answer
UNANSWERED = "could not be asked"

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
        with trust_root.raw:  # the ref itself, not the view this daemon publishes
            now = trust_root.find(common_dir, root, None, config)
    except Exception:  # a broken config or a missing ref: the reload reports it
        return None
    return None if now.ref is None else (now.ref, now.commit)


def discover(root: str) -> Seen | None:
    """The trusted revision and its rules blob, as a reload would find them."""
    from workspace_guard import trust_root
    from workspace_guard.repo import Repo

    try:
        with trust_root.raw:
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


def refusal(root: str, old: Seen, new: Seen) -> str | None:
    """Why rules from `new` may not replace those of `old`; None when they may (same rules, or
    a fast-forward the remote holds)."""
    if (new.blob == old.blob and new.ref == old.ref) or (old.ref is None and new.ref is None):
        return None  # the same rules, or no upstream yet: HEAD decides (contract §3)
    if new.ref is None:
        return _("the trusted ref is gone, so HEAD would decide: HEAD is no trust root")
    if not new.ref.startswith("refs/remotes/") or new.ref.count("/") < 3:
        return _("{ref} is not a remote-tracking ref: no server holds it").format(ref=new.ref)
    remote, _sep, branch = new.ref[len("refs/remotes/") :].partition("/")
    held = _remote_tip(root, remote, f"refs/heads/{branch}")
    if held is None:
        return f"the remote {remote!r} {UNANSWERED} (`git ls-remote {remote}`)"
    if held != new.commit:
        tip = held[:12] if held else _("no such branch")
        return _("{remote} holds {tip} on {branch}, not {commit}").format(
            remote=remote, tip=tip, branch=branch, commit=(new.commit or "?")[:12]
        )
    if old.commit and new.commit and not _descends(root, old.commit, new.commit):
        return _("{new} is not a fast-forward of {old}").format(
            new=new.commit[:12], old=old.commit[:12]
        )
    return None


def _remote_tip(root: str, remote: str, ref: str) -> str | None:
    """The commit the remote holds at `ref` ("" for none); None when it cannot be asked."""
    import subprocess

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true"}
    try:
        done = subprocess.run(
            ["git", "-C", root, "ls-remote", "--", remote, ref],
            capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    for line in done.stdout.decode("ascii", "replace").splitlines():
        sha, _sep, name = line.partition("\t")
        if name == ref:
            return sha
    return ""


def _descends(root: str, old: str, new: str) -> bool:
    from workspace_guard import git

    return git.run(["merge-base", "--is-ancestor", old, new], root, check=False).returncode == 0


def refused(old: Seen, new: Seen, why: str) -> dict[str, Any]:
    log.error(
        "refusing the rules of %s at %s: %s; the rules of %s stay in force",
        new.ref or "HEAD",
        (new.commit or "?")[:12],
        why,
        (old.commit or "?")[:12],
    )
    out = record("trusted-rules-refused", old, new, why)
    out["level"] = "critical"
    return out


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
    out = record("trusted-rules-adopted", old, new, reason)
    if old.blob != new.blob:  # `refusal` asked the remote
        out.update(reachable_from_remote=True, remote_check="the remote holds it (ls-remote)")
    return out


def in_force(
    engine: Engine, repo: Any, rules: Rules, seen: Seen | None, note: str | None
) -> tuple[Rules, Seen | None, str | None]:
    """Rules from another trusted revision only when the remote holds it (`refusal`);
    else the rules in force stay, and the refusal is audited once per revision. At start,
    the rules in force are those of the revision the audit chain last recorded."""
    was, known = engine.state, engine.past.trusted
    old_rules, old = (was.rules, was.trusted) if was else (None, None)
    if was is None and known and isinstance(known.get("ref"), str):
        old = Seen(known["ref"], known.get("commit"), known.get("blob"))
        old_rules = repo.rules_at(old.commit) if old.commit and note is None else None
    if old_rules is None or old is None or seen is None or note is not None:
        return rules, seen, note
    asked = engine.refused.get((seen.ref, seen.commit))  # a remote that did not answer
    fresh = asked is not None and UNANSWERED in asked[1]  # is asked again only
    fresh = fresh and asked is not None and time.monotonic() - asked[0] < ASK_AGAIN
    why = asked[1] if fresh and asked else refusal(engine.root, old, seen)
    if why is None:
        return rules, seen, note
    if asked is None or not fresh:
        engine.refused[(seen.ref, seen.commit)] = (time.monotonic(), why)
    if asked is None:
        refusal_record = refused(old, seen, why)
        engine.append([{**refusal_record, "escalate_to": old_rules.escalation}])
    what = (seen.commit or "HEAD")[:12]
    return old_rules, old, _("the rules of {what} were refused: {why}").format(what=what, why=why)

"""`hook pre-receive` on the shared (bare) repository: the gate nothing local can skip.

One trusted base per push (gates/push/trust.py): the protected branch's tip before the push, its
rules, and what counts as already checked (reachable from that tip, or from the
`workspace-guard.checkSince` cut-off). For each pushed ref:

- a deletion of the protected branch is refused (`workspace-guard.allowProtectedDelete true`
  allows it); other deletions are allowed unless `workspace-guard.denyDeletes true`; every
  deletion is audited;
- an update of the protected branch that is not a fast-forward and changes the rules file is a
  rules rewind: refused (it would restore rules the branch has moved past without a commit that
  the gate could check);
- `refs/workspace-guard/*` belong to the gate: `refs/workspace-guard/anchors` accepts only audit
  anchors (gates/push/anchor.py), anything else there is refused;
- otherwise every commit the new value brings that is not already checked is checked.

Any failing commit rejects the whole push, with a message per commit; each rejection, each
deletion and each accepted commit that touched a protected path is written to the shared
repository's audit log. A repository with no refs at all takes a first push: its commits are
checked with the rules the pushed protected branch carries (template only when it has none).

`refs/notes/workspace-guard` holds the commit gate's provenance notes: the notes of commits on
the protected branch are frozen, and where provenance is required each new commit touching a
protected path needs a note that agrees with it (gates/push/notes.py). Other `refs/notes/*` (git
notes) are not checked: their commits are written by `git notes`, carry no
template and change no file of the project; and nothing reachable only from them counts as checked.
"""

from __future__ import annotations

import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, ConfigError, GuardError, UsageError
from workspace_guard.gates.push.range import CommitResult, check_range
from workspace_guard.gates.push.trust import (
    Base,
    Settings,
    gate_settings,
    is_ancestor,
    rules_blob,
    server_base,
    setting,
)
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.core.model import ProtectedRule
    from workspace_guard.core.template import Violation
    from workspace_guard.gates.push.anchor import Anchor
    from workspace_guard.repo import Repo


NOTES = "refs/notes/"
GATE_REFS = "refs/workspace-guard/"
ANCHORS = "refs/workspace-guard/anchors"
NOTES_PROVENANCE = "refs/notes/workspace-guard"  # the commit gate's notes (gates/push/notes.py)


class RefUpdate:
    """One line of pre-receive input."""

    def __init__(self, old: str, new: str, ref: str) -> None:
        self.old, self.new, self.ref = old, new, ref

    @property
    def deletion(self) -> bool:
        return set(self.new) == {"0"}

    @property
    def creation(self) -> bool:
        return set(self.old) == {"0"}


def parse_updates(data: bytes) -> list[RefUpdate]:
    """`old new ref` lines; anything else is a usage error (never a traceback). Ref names are
    bytes to git: undecodable ones are kept (surrogates) and shown escaped."""
    updates = []
    for number, raw in enumerate(data.splitlines(), 1):
        line = raw.decode("utf-8", "surrogateescape").strip()
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) != 3 or not all(_is_oid(p) for p in parts[:2]) or not parts[2]:
            shown = raw.decode("utf-8", "replace").strip()
            raise UsageError(
                _("pre-receive input line {number} is not `<old> <new> <ref>`: {line!r}").format(
                    number=number, line=shown[:80]
                ),
                hint=_("this hook is run by git on the receiving side of a push"),
            )
        updates.append(RefUpdate(*parts))
    return updates


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def shown_ref(ref: str) -> str:
    """A ref name for messages and JSON: bytes that are not UTF-8 escaped (`caf\\xe9`)."""
    return ref.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def pre_receive(repo: Repo, data: bytes) -> int:
    """Check every update; reject the push when any commit fails (or the rules cannot be read)."""
    try:
        updates = parse_updates(data)
    except UsageError as exc:  # not a push: nothing to refuse or record
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    if not updates:
        return EXIT_OK
    failures: list[CommitResult] = []
    accepted: list[CommitResult] = []
    arriving: list[tuple[str, Anchor]] = []  # audit anchors this push appends
    spent: set[str] = set()
    base: Base | None = None
    try:
        peeled = _check_objects(repo, updates)
        settings = gate_settings(repo)  # read once for the whole push
        base = _base(repo, updates, settings)
        for update in updates:
            found, fine = _check_update(repo, base, update, settings, peeled, arriving=arriving)
            failures += found
            accepted += fine
        from workspace_guard.gates.push.notes import check_push

        # provenance notes, when required
        failures += check_push(repo, base, updates, accepted, settings)
        missing, spent = _anchor_required(repo, updates, accepted, arriving, settings)
        failures += missing
    except GuardError as exc:
        return _refuse(repo, updates, exc, base)
    if failures:
        _reject(repo, failures, base)
        return EXIT_VIOLATION
    from workspace_guard.gates.push.anchor_required import note_received

    gone = note_received(repo, [sha for sha, _a in arriving], spent)  # for `requireAnchor`
    if gone:  # another push spent the same anchor meanwhile: it lets one push through
        missing, spent = _anchor_required(repo, updates, accepted, arriving, settings)
        if missing or note_received(repo, [sha for sha, _a in arriving], spent):
            _reject(repo, missing, base)
            return EXIT_VIOLATION
    _record_accepted(repo, updates, accepted, base)
    return EXIT_OK


def _check_objects(repo: Repo, updates: list[RefUpdate]) -> dict[str, str | None]:
    """Every new value must be an object of the repository (a hand-fed hook is told so). The
    commit each one is or points to (None: a tree or a blob, or a tag of one), found on the way:
    a value that peels to a commit exists, so only the others are looked up again."""
    peeled: dict[str, str | None] = {}
    for update in updates:
        if update.deletion or update.new in peeled:
            continue
        peeled[update.new] = commit = _peel(repo, update.new)
        missing = (
            commit is None
            and git.run(["cat-file", "-e", update.new], repo.cwd, check=False).returncode
        )
        if missing:
            raise UsageError(
                _("object {oid} is not in this repository").format(oid=update.new),
                hint=_("git runs this hook with the objects of the push; run it from git"),
            )
    return peeled


def _base(repo: Repo, updates: list[RefUpdate], settings: Settings) -> Base:
    """The trusted base; in an empty repository, the rules of the pushed protected branch."""
    base = server_base(repo, settings)
    if base.ref is not None:
        return base
    from workspace_guard.gates.push.trust import protected_ref

    wanted = protected_ref(repo, settings)
    pushed = next((u for u in updates if u.ref == wanted and not u.deletion), None)
    rules = repo.rules_at(pushed.new) if pushed is not None else None
    if rules is None:
        repo.warn(
            _(
                "the repository has no branch yet and this push brings no rules for {ref}: only "
                "the commit template is checked"
            ).format(ref=wanted or "HEAD")
        )
    else:
        repo.warn(_("the repository has no branch yet: first push, checked with its own rules"))
    return Base(None, None, rules, ())


def _check_update(
    repo: Repo,
    base: Base,
    update: RefUpdate,
    settings: Settings,
    peeled: dict[str, str | None],
    *,
    arriving: list[tuple[str, Anchor]],
) -> tuple[list[CommitResult], list[CommitResult]]:
    """(failing results, accepted results that touched protected paths) for one ref; the audit
    anchors an update of the anchors ref brings are added to `arriving`."""
    if update.ref.startswith(GATE_REFS):
        return _gate_ref(repo, update, arriving, settings), []
    if update.ref == NOTES_PROVENANCE:
        return _notes_ref(repo, base, update), []
    if update.deletion:
        return _deletion(repo, base, update, settings), []
    if update.ref.startswith(NOTES):
        return [], []
    target = peeled[update.new] if update.new in peeled else _peel(repo, update.new)
    if target is None and update.ref.startswith("refs/heads/"):
        text = _("{ref} would point at a {kind}, not a commit: a branch holds commits").format(
            ref=shown_ref(update.ref), kind=_object_type(repo, update.new)
        )
        return [_refusal(update, "not-a-commit", text, update.new)], []
    if target is None:
        return [], []  # a tag of a tree or a blob carries no commits
    problems = _rewind(repo, base, update)
    if problems:
        return problems, []
    rev_args = [target, "--not", *base.checked]
    failures, fine = [], []
    for result in check_range(repo, rev_args, base.rules, ref=shown_ref(update.ref)):
        if result.violations:
            failures.append(result)
        elif result.touched:
            fine.append(result)
    return failures, fine


def _peel(repo: Repo, oid: str) -> str | None:
    """The commit an object is or points to (annotated tags), or None for trees and blobs."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{oid}^{{commit}}"], repo.cwd, check=False)
    return proc.stdout.decode("ascii").strip() if proc.returncode == 0 else None


def _object_type(repo: Repo, oid: str) -> str:
    proc = git.run(["cat-file", "-t", oid], repo.cwd, check=False)
    return proc.stdout.decode("ascii", "replace").strip() or "?"


def _refusal(update: RefUpdate, vid: str, text: str, sha: str | None = None) -> CommitResult:
    from workspace_guard.core.template import Violation

    violation: Violation = Violation(vid, text)
    subject = {"ref-delete": "(ref deletion)"}.get(vid, f"({vid})")
    return CommitResult(sha or update.old, subject, None, (violation,), (), shown_ref(update.ref))


def _deletion(repo: Repo, base: Base, update: RefUpdate, settings: Settings) -> list[CommitResult]:
    """Deleting the protected branch would end the rules; others only when allowed."""
    ref = shown_ref(update.ref)
    allowed = _config_true(repo, settings, "workspace-guard.allowProtectedDelete")
    if update.ref == base.ref and not allowed:
        text = _(
            "{ref} holds the rules that protect this repository: deleting it is refused "
            "(git config workspace-guard.allowProtectedDelete true on the server allows it)"
        ).format(ref=ref)
        return [_refusal(update, "ref-delete", text)]
    if _config_true(repo, settings, "workspace-guard.denyDeletes"):
        text = _(
            "deleting {ref} is not allowed on this repository "
            "(git config workspace-guard.denyDeletes)"
        ).format(ref=ref)
        return [_refusal(update, "ref-delete", text)]
    return []


def _config_true(repo: Repo, settings: Settings, key: str) -> bool:
    return (setting(repo, settings, key) or "").strip().lower() in ("true", "yes", "1", "on")


def _rewind(repo: Repo, base: Base, update: RefUpdate) -> list[CommitResult]:
    """A non-fast-forward update of the protected branch that changes the rules file."""
    if update.ref != base.ref or update.creation or is_ancestor(repo, update.old, update.new):
        return []
    if rules_blob(repo, update.old) == rules_blob(repo, update.new):
        return []
    text = _(
        "this force-push of {ref} replaces its {rules} with another version without a commit "
        "that changes it: a rules rewind is refused; change the rules in a new commit on top "
        "of {ref} instead"
    ).format(ref=shown_ref(update.ref), rules=DEFAULT_RULES)
    return [_refusal(update, "rules-rewind", text, update.new)]


ANCHOR_CLONES_KEY = "workspace-guard.anchorClones"


def _unenrolled(settings: Settings | None, found: list[tuple[str, Anchor]]) -> str | None:
    """With `workspace-guard.anchorClones` set on the server (the clone ids an administrator
    enrolled), an anchor under any other clone id is refused: a pusher cannot start a fresh
    chain under a new id to anchor a push it made without its clone's hook."""
    enrolled = {v.strip() for v in (settings or {}).get(ANCHOR_CLONES_KEY.lower(), [])}
    enrolled.discard("")
    if not enrolled:
        return None
    for sha, anchor in found:
        if anchor.clone not in enrolled:
            return _(
                "{sha}: clone {clone} is not enrolled on this repository ({key}): an "
                "administrator enrols a clone on the server with `git config --add {key} "
                "{clone}` after checking whose it is"
            ).format(sha=sha[:10], clone=anchor.clone, key=ANCHOR_CLONES_KEY)
    return None


def _gate_ref(
    repo: Repo,
    update: RefUpdate,
    arriving: list[tuple[str, Anchor]],
    settings: Settings | None = None,
) -> list[CommitResult]:
    """The gate's own refs: only audit anchors, appended, on `refs/workspace-guard/anchors`."""
    if update.ref == ANCHORS and not update.deletion:
        from workspace_guard.gates.push.anchor import check_anchor_update

        problem, found = check_anchor_update(repo, update.old, update.new)
        if problem is None:
            problem = _unenrolled(settings, found)
        if problem is None:
            arriving += found
            return []
        return [_refusal(update, "anchor-invalid", problem, update.new)]
    text = _("{ref} belongs to workspace-guard: it cannot be pushed or deleted").format(
        ref=shown_ref(update.ref)
    )
    return [_refusal(update, "gate-ref", text, None if update.deletion else update.new)]


def _notes_ref(repo: Repo, base: Base, update: RefUpdate) -> list[CommitResult]:
    """The provenance notes: notes of commits on the protected branch are frozen."""
    from workspace_guard.gates.push.notes import check_notes_update

    problem = check_notes_update(repo, base, update)
    if problem is None:
        return []
    return [_refusal(update, "notes-rewrite", problem, None if update.deletion else update.new)]


def _anchor_required(
    repo: Repo,
    updates: list[RefUpdate],
    accepted: list[CommitResult],
    arriving: list[tuple[str, Anchor]],
    settings: Settings | None = None,
) -> tuple[list[CommitResult], set[str]]:
    """`workspace-guard.requireAnchor`: each ref update touching protected paths needs an audit
    anchor made for it (gates/push/anchor.py). (Refusals, the anchors the push spends.)"""
    from workspace_guard.gates.push.anchor_required import missing_text, unanchored

    first: dict[str, CommitResult] = {}
    for result in accepted:
        if result.touched:
            first.setdefault(result.ref or "", result)
    need = [(u.new, u.ref) for u in updates if not u.deletion and shown_ref(u.ref) in first]
    missing, spent = unanchored(repo, need, arriving, settings)
    if not missing:
        return [], spent
    from workspace_guard.core.record import replace
    from workspace_guard.core.template import Violation

    problem = missing_text(repo)
    refused = []
    for _new, ref in missing:
        result = first[shown_ref(ref)]
        violation = Violation("anchor-missing", problem)
        refused.append(replace(result, violations=(*result.violations, violation)))
    return refused, spent


def _refuse(repo: Repo, updates: list[RefUpdate], exc: GuardError, base: Base | None) -> int:
    """The rules (or git) failed: the push is refused with the reason, and recorded."""
    from workspace_guard.state.audit import append

    print(exc.render(), file=sys.stderr)
    print(
        _(
            "workspace-guard: push rejected until this is fixed (the gate fails closed); nothing "
            "was changed on the server"
        ),
        file=sys.stderr,
    )
    escalation = base.rules.escalation if base and base.rules else None
    append(
        repo.state_dir,
        [
            {
                "layer": "pre-receive",
                "agent": None,
                "owner": None,
                "path": DEFAULT_RULES if isinstance(exc, ConfigError) else None,
                "level": None,
                "action": "rejected",
                "escalate_to": escalation,
                "violations": [_error_id(exc)],
                "ref": shown_ref(u.ref),
                "commit": u.new,
                "reason": exc.message,
            }
            for u in updates
        ],
    )
    return exc.exit_code


def _error_id(exc: GuardError) -> str:
    return "rules-invalid" if isinstance(exc, ConfigError) else "gate-error"


def _reject(repo: Repo, failures: list[CommitResult], base: Base | None) -> None:
    from workspace_guard.state.audit import append, violation_records

    out = sys.stderr
    print(_("workspace-guard: push rejected — the workspace protocol was not followed:"), file=out)
    records = []
    escalation = base.rules.escalation if base and base.rules else None
    for result in failures:
        agent = f" (Agente: {result.agent})" if result.agent else ""
        print(f"\n  {result.ref} {result.sha[:10]} {result.subject[:70]}{agent}", file=out)
        by_path = {d.path: d for d in result.decisions}
        for violation in result.violations:
            decision = by_path.get(violation.path or "")
            owner = ""
            if decision and decision.owner:
                owner = " (" + _("consult {owner}").format(owner=decision.owner) + ")"
            where = f"{violation.path}: " if violation.path else ""
            first = violation.message.split("\n\n")[0].replace("\n", " ")
            print(f"    ✗ [{violation.id}] {where}{first}{owner}", file=out)
        records += violation_records(
            "pre-receive",
            "rejected",
            result.agent,
            result.violations,
            result.decisions,
            escalation,
            ref=result.ref,
            commit=result.sha,
        )
    fix = _(
        "Fix the commits (git rebase -i, amend the messages, get the approvals) and push again."
    )
    if escalation:
        fix += " " + _("Escalation: {agent}.").format(agent=escalation)
    print("\n" + fix, file=out)
    append(repo.state_dir, records)


def _record_accepted(
    repo: Repo, updates: list[RefUpdate], accepted: list[CommitResult], base: Base
) -> None:
    """One record per accepted ref update that touched a protected path (an agent writing its
    own office does not count), naming every such path and commit; one per deletion."""
    from workspace_guard.state.audit import append

    escalation = base.rules.escalation if base.rules else None
    by_ref: dict[str, list[CommitResult]] = {}
    for result in accepted:
        if any(not _own_office(result.agent, rule) for _, rule in result.touched):
            by_ref.setdefault(result.ref or "", []).append(result)
    records = [_accepted_record(ref, results, escalation) for ref, results in by_ref.items()]
    for update in updates:
        if update.deletion:
            records.append(
                {
                    "layer": "pre-receive",
                    "agent": None,
                    "path": None,
                    "owner": None,
                    "level": None,
                    "action": "deleted",
                    "escalate_to": escalation,
                    "ref": shown_ref(update.ref),
                    "commit": None,
                    "old": update.old,
                }
            )
    if records:
        append(repo.state_dir, records)


def _own_office(agent: str | None, rule: ProtectedRule) -> bool:
    return rule.index == -1 and rule.owner == agent


MAX_LISTED = 100  # paths and commits named in one accepted-push record


def _accepted_record(
    ref: str, results: list[CommitResult], escalation: str | None
) -> dict[str, Any]:
    """The record of one accepted ref update: its first protected path's owner and level at
    the top (the contract's fields), every path and commit listed (bounded)."""
    touched = [(p, r) for res in results for p, r in res.touched if not _own_office(res.agent, r)]
    paths = list(dict.fromkeys(p for p, _ in touched))
    agents = sorted({r.agent for r in results if r.agent})
    first_rule = touched[0][1]
    return {
        "layer": "pre-receive",
        "agent": agents[0] if len(agents) == 1 else None,
        "path": paths[0],
        "owner": first_rule.owner,
        "level": first_rule.level,
        "action": "accepted",
        "escalate_to": escalation,
        "ref": ref,
        "commit": results[0].sha,
        "paths": paths[:MAX_LISTED],
        "commits": [r.sha for r in results][:MAX_LISTED],
        "agents": agents,
    }

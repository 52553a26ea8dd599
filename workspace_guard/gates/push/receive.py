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
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError, UsageError
from workspace_guard.gates.push.range import CommitResult, check_range
from workspace_guard.gates.push.receive_report import record_accepted, refuse, reject
from workspace_guard.gates.push.trust import (
    Base,
    Settings,
    gate_settings,
    is_ancestor,
    rules_blob,
    server_base,
    setting,
)
from workspace_guard.gates.push.updates import (
    ANCHORS,
    GATE_REFS,
    NOTES,
    NOTES_PROVENANCE,
    RefUpdate,
    parse_updates,
    refusal,
    shown_ref,
)
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.push.anchor import Anchor
    from workspace_guard.repo import Repo


def pre_receive(repo: Repo, data: bytes) -> int:
    """Check every update; reject the push when any commit fails (or the rules cannot be read)."""
    try:
        updates = parse_updates(data)
    except UsageError as exc:  # not a push: nothing to refuse or record
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    if not updates:
        return EXIT_OK
    from workspace_guard.gates.push.server_pin import record_missing, tampering

    if tampered := record_missing(repo) or tampering(repo):  # changed outside a push (F93)
        print(tampered, file=sys.stderr)
        return EXIT_VIOLATION
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
        return refuse(repo, updates, exc, base)
    if failures:
        reject(repo, failures, base)
        return EXIT_VIOLATION
    from workspace_guard.gates.push.anchor_required import note_received

    gone = note_received(repo, [sha for sha, _a in arriving], spent)  # for `requireAnchor`
    if gone:  # another push spent the same anchor meanwhile: it lets one push through
        missing, spent = _anchor_required(repo, updates, accepted, arriving, settings)
        if missing or note_received(repo, [sha for sha, _a in arriving], spent):
            reject(repo, missing, base)
            return EXIT_VIOLATION
    from workspace_guard.gates.push.server_moves import note_accepted

    note_accepted(repo, [(u.old, u.new, u.ref) for u in updates])  # the moves it may make
    record_accepted(repo, updates, accepted, base)
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
        return [refusal(update, "not-a-commit", text, update.new)], []
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


def _deletion(repo: Repo, base: Base, update: RefUpdate, settings: Settings) -> list[CommitResult]:
    """Deleting the protected branch would end the rules; others only when allowed."""
    ref = shown_ref(update.ref)
    allowed = _config_true(repo, settings, "workspace-guard.allowProtectedDelete")
    if update.ref == base.ref and not allowed:
        text = _(
            "{ref} holds the rules that protect this repository: deleting it is refused "
            "(git config workspace-guard.allowProtectedDelete true on the server allows it)"
        ).format(ref=ref)
        return [refusal(update, "ref-delete", text)]
    if _config_true(repo, settings, "workspace-guard.denyDeletes"):
        text = _(
            "deleting {ref} is not allowed on this repository "
            "(git config workspace-guard.denyDeletes)"
        ).format(ref=ref)
        return [refusal(update, "ref-delete", text)]
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
    return [refusal(update, "rules-rewind", text, update.new)]


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
        return [refusal(update, "anchor-invalid", problem, update.new)]
    text = _("{ref} belongs to workspace-guard: it cannot be pushed or deleted").format(
        ref=shown_ref(update.ref)
    )
    return [refusal(update, "gate-ref", text, None if update.deletion else update.new)]


def _notes_ref(repo: Repo, base: Base, update: RefUpdate) -> list[CommitResult]:
    """The provenance notes: notes of commits on the protected branch are frozen."""
    from workspace_guard.gates.push.notes import check_notes_update

    problem = check_notes_update(repo, base, update)
    if problem is None:
        return []
    return [refusal(update, "notes-rewrite", problem, None if update.deletion else update.new)]


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

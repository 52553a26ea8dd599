"""`hook pre-receive` on the shared (bare) repository: the gate nothing local can skip.

For each pushed ref: a deletion is allowed (unless `git config workspace-guard.denyDeletes true`);
otherwise the commits not already reachable from an existing ref are checked, with the rules of the
ref's old tip (a new ref: the default branch). Any failing commit rejects the whole push, with a
message per commit, and each rejection is written to the shared repository's audit log.

`refs/notes/*` (git notes: review marks, CI results attached to commits) are not checked: their
commits are written by `git notes`, carry no template and change no file of the project. Because
they are not checked, nothing reachable only from them counts as "already on the server": a
commit first pushed as a note and then to a branch is checked at that second push.
"""

from __future__ import annotations

import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, ConfigError, GuardError, UsageError
from workspace_guard.gates.push.range import (
    CommitResult,
    check_range,
    default_branch,
    load_base_rules,
)
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.repo import Repo


NOTES = "refs/notes/"
# the refs whose commits were checked when they were pushed (or predate the gate): everything
# but notes; `--exclude` applies to the `--all` after it
CHECKED_REFS = (f"--exclude={NOTES}*", "--all")


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
    """`old new ref` lines; anything else is a usage error (never a traceback)."""
    updates = []
    for number, raw in enumerate(data.splitlines(), 1):
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3 or not all(_is_oid(p) for p in parts[:2]):
            raise UsageError(
                _("pre-receive input line {number} is not `<old> <new> <ref>`: {line!r}").format(
                    number=number, line=line[:80]
                ),
                hint=_("this hook is run by git on the receiving side of a push"),
            )
        updates.append(RefUpdate(*parts))
    return updates


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def pre_receive(repo: Repo, data: bytes) -> int:
    """Check every update; reject the push when any commit fails (or the rules cannot be read)."""
    try:
        updates = parse_updates(data)
    except UsageError as exc:  # not a push: nothing to refuse or record
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    failures: list[CommitResult] = []
    try:
        for update in updates:
            failures += _check_update(repo, update)
    except GuardError as exc:
        return _refuse(repo, updates, exc)
    if not failures:
        return EXIT_OK
    _reject(repo, failures)
    return EXIT_VIOLATION


def _check_update(repo: Repo, update: RefUpdate) -> list[CommitResult]:
    if update.deletion:
        denied = git.config_get("workspace-guard.denydeletes", repo.cwd) in ("true", "yes", "1")
        if denied:
            from workspace_guard.core.template import Violation

            return [
                CommitResult(
                    update.old,
                    "(ref deletion)",
                    None,
                    (
                        Violation(
                            "ref-delete",
                            _(
                                "deleting {ref} is not allowed on this repository "
                                "(git config workspace-guard.denyDeletes)"
                            ).format(ref=update.ref),
                        ),
                    ),
                    (),
                    update.ref,
                )
            ]
        return []
    if update.ref.startswith(NOTES):
        return []
    target = _peel(repo, update.new)
    if target is None:
        return []  # a tag of a tree or a blob carries no commits
    rules = _base_rules(repo, update)
    return [
        r
        for r in check_range(repo, [target, "--not", *CHECKED_REFS], rules, ref=update.ref)
        if r.violations
    ]


def _peel(repo: Repo, oid: str) -> str | None:
    """The commit an object is or points to (annotated tags), or None for trees and blobs."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{oid}^{{commit}}"], repo.cwd, check=False)
    if proc.returncode == 0:
        return proc.stdout.decode("ascii").strip()
    if git.run(["cat-file", "-e", oid], repo.cwd, check=False).returncode != 0:
        raise UsageError(
            _("object {oid} is not in this repository").format(oid=oid),
            hint=_("git runs this hook with the objects of the push; run it from git"),
        )
    return None


def _base_rules(repo: Repo, update: RefUpdate) -> Rules | None:
    """The old tip's rules; for a new ref, the default branch's. With no default branch the
    rules are unknowable: refused, unless the repository has no branch at all (first push)."""
    base = None if update.creation else _peel(repo, update.old)
    if base is None and default_branch(repo) is None and not repo.rules_option:
        head = git.run(["symbolic-ref", "-q", "HEAD"], repo.cwd, check=False)
        named = head.stdout.decode("utf-8", "replace").strip() or "HEAD"
        if git.out(["for-each-ref", "--count=1", "--format=%(refname)", "refs/heads/"], repo.cwd):
            raise ConfigError(
                _(
                    "the default branch ({branch}) does not exist, so the rules for {ref} "
                    "cannot be read"
                ).format(branch=named, ref=update.ref),
                hint=_(
                    "point HEAD of the shared repository at the branch that holds the rules: "
                    "git symbolic-ref HEAD refs/heads/main"
                ),
            )
        repo.warn(_("the repository has no branch yet: only the commit template is checked"))
        return None
    return load_base_rules(repo, base)


def _refuse(repo: Repo, updates: list[RefUpdate], exc: GuardError) -> int:
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
                "escalate_to": None,
                "violations": [_error_id(exc)],
                "ref": u.ref,
                "commit": u.new,
                "reason": exc.message,
            }
            for u in updates
        ],
    )
    return exc.exit_code


def _error_id(exc: GuardError) -> str:
    return "rules-invalid" if isinstance(exc, ConfigError) else "gate-error"


def _reject(repo: Repo, failures: list[CommitResult]) -> None:
    from workspace_guard.state.audit import append, violation_records

    out = sys.stderr
    print(_("workspace-guard: push rejected — the workspace protocol was not followed:"), file=out)
    records = []
    escalation = _escalation(repo)
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
    print("\n" + fix, file=out)
    append(repo.state_dir, records)


def _escalation(repo: Repo) -> str | None:
    try:
        branch = default_branch(repo)
        rules = repo.rules_at(branch) if branch else None
    except Exception:
        return None
    return rules.escalation if rules else None

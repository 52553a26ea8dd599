"""`hook pre-receive` on the shared (bare) repository: the gate nothing local can skip.

For each pushed ref: a deletion is allowed (unless `git config workspace-guard.denyDeletes true`);
otherwise the commits not already reachable from an existing ref are checked, with the rules of the
ref's old tip (a new ref: the default branch). Any failing commit rejects the whole push, with a
message per commit, and each rejection is written to the shared repository's audit log.
"""

from __future__ import annotations

import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, UsageError
from workspace_guard.gates.push import ZERO, CommitResult, check_range, default_branch, load_base_rules

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.repo import Repo


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
            raise UsageError(f"pre-receive input line {number} is not `<old> <new> <ref>`: {line[:80]!r}",
                             hint="this hook is run by git on the receiving side of a push")
        updates.append(RefUpdate(*parts))
    return updates


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def pre_receive(repo: Repo, data: bytes) -> int:
    """Check every update; reject the push when any commit fails."""
    failures: list[CommitResult] = []
    for update in parse_updates(data):
        failures += _check_update(repo, update)
    if not failures:
        return EXIT_OK
    _reject(repo, failures)
    return EXIT_VIOLATION


def _check_update(repo: Repo, update: RefUpdate) -> list[CommitResult]:
    if update.deletion:
        denied = git.config_get("workspace-guard.denydeletes", repo.cwd) in ("true", "yes", "1")
        if denied:
            from workspace_guard.core.template import Violation

            return [CommitResult(update.old, "(ref deletion)", None, (Violation(
                "ref-delete", f"deleting {update.ref} is not allowed on this repository"),), (),
                update.ref)]
        return []
    target = _peel(repo, update.new)
    if target is None:
        return []  # a tag of a tree or a blob carries no commits
    rules = _base_rules(repo, update)
    existing = [f"^{ref}" for ref in _existing_refs(repo)]
    return [r for r in check_range(repo, [target, *existing], rules, ref=update.ref) if r.violations]


def _peel(repo: Repo, oid: str) -> str | None:
    """The commit an object is or points to (annotated tags), or None."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{oid}^{{commit}}"], repo.cwd, check=False)
    return proc.stdout.decode("ascii").strip() if proc.returncode == 0 else None


def _existing_refs(repo: Repo) -> list[str]:
    """Commits already reachable from a ref were checked when they arrived."""
    out = git.run(["for-each-ref", "--format=%(objectname)"], repo.cwd).stdout.decode()
    return sorted(set(out.split()))


def _base_rules(repo: Repo, update: RefUpdate) -> Rules | None:
    base = None if update.creation else _peel(repo, update.old)
    if base is None and default_branch(repo) is None:
        return None
    return load_base_rules(repo, base)


def _reject(repo: Repo, failures: list[CommitResult]) -> None:
    from workspace_guard.state.audit import append, violation_records

    out = sys.stderr
    print("workspace-guard: push rejected — the workspace protocol was not followed:", file=out)
    records = []
    escalation = _escalation(repo)
    for result in failures:
        print(f"\n  {result.ref} {result.sha[:10]} {result.subject[:70]}", file=out)
        by_path = {d.path: d for d in result.decisions}
        for violation in result.violations:
            decision = by_path.get(violation.path or "")
            owner = f" (consult {decision.owner})" if decision and decision.owner else ""
            where = f"{violation.path}: " if violation.path else ""
            first = violation.message.split("\n\n")[0].replace("\n", " ")
            print(f"    ✗ [{violation.id}] {where}{first}{owner}", file=out)
        records += violation_records("pre-receive", "rejected", result.agent, result.violations,
                                     result.decisions, escalation, ref=result.ref,
                                     commit=result.sha)
    print("\nFix the commits (git rebase -i, amend the messages, get the approvals) and push again.",
          file=out)
    append(repo.state_dir, records)


def _escalation(repo: Repo) -> str | None:
    try:
        branch = default_branch(repo)
        rules = repo.rules_at(branch) if branch else None
    except Exception:  # noqa: BLE001 - the rejection must be recorded whatever the rules say
        return None
    return rules.escalation if rules else None

"""The push gate's checks on the agent's own clone: `reference-transaction` and `pre-push`.

`git commit --no-verify` skips `pre-commit` and `commit-msg`; `cherry-pick`, `revert`, `rebase` and
`am` never run `commit-msg` at all. Every one of them still updates a branch, and git (≥ 2.28) runs
the `reference-transaction` hook for every ref update, in a `prepared` state where a non-zero exit
aborts the update. So that hook checks the commits a branch update adds — with the push gate's own
Checker, so the answer is the one the server will give — and the branch does not move when they
fail. It stays cheap where nothing is added: the installed script only starts Python for updates
of `refs/heads/*` that are not deletions (fetches update `refs/remotes/*`), and commits already on
the trusted revision (`checked_anchors`) or on the updated branch itself are not checked again.
Being on another local branch, or on a remote-tracking ref an agent can write with `update-ref`,
proves nothing: a commit made with the hooks off on a side branch is checked when any hook-on
update (`merge --ff-only`, `reset`, `branch -f`, `update-ref`, `cherry-pick --ff`, `rebase`, a
new branch, another worktree) would put it on a branch. A range of more than `MAX_NEW` commits
is refused unread (fail closed) with a message saying how to proceed.

`pre-push` checks what a push would send that the remote does not have yet, before it leaves the
machine: the same verdict as the server's pre-receive hook, without the round trip; when it passes,
it also records the clone's audit chain head on the remote (gates/push/anchor.py), so a local log
rewritten later is caught by `audit verify --remote`. Both are
conveniences for honest mistakes and tool paths; the server's gate is the one that holds against
an agent that removes them (`-c core.hooksPath=…`): see docs/security.md.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError
from workspace_guard.gates.push.range import CommitResult, check_range
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.core.model import Rules
    from workspace_guard.repo import Repo

ZERO = frozenset("0")
MAX_NEW = 5000  # new commits one branch update may add before the hook refuses to read them all


def _oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def trusted_rules(repo: Repo) -> Rules:
    """The rules every local layer trusts (`Repo.load_rules`: the trusted revision of
    `trust_root`, read from the repository's own config file — never a `git -c
    workspace-guard.rulesRef=…` the committer passes — else HEAD where there is no upstream yet),
    so `reference-transaction`, `pre-push`, `pre-commit` and `commit-msg` judge by the same
    rules."""
    return repo.load_rules()


def reference_transaction(repo: Repo, state: str, data: bytes) -> int:
    """`reference-transaction STATE`: in `prepared`, refuse branch updates that add failing
    commits, and moves of the trusted ref to a value the remote does not hold; every other
    state is only a notification."""
    if state != "prepared":
        return EXIT_OK
    tips, olds, moves = [], [], []
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ", 2)
        moved = len(parts) == 3 and (parts[0] != parts[1] or set(parts[1]) <= ZERO)
        if moved and parts[2].startswith("refs/remotes/"):  # `update-ref -d` reads 0… 0… ref
            moves.append((parts[0], parts[1], parts[2]))
        if len(parts) != 3 or not _oid(parts[1]) or set(parts[1]) <= ZERO:
            continue
        if parts[2].startswith("refs/heads/") and parts[0] != parts[1]:
            tips.append((parts[2], parts[1]))
            olds.append(parts[0] if _oid(parts[0]) and not set(parts[0]) <= ZERO else parts[2])
    if moves:  # the trusted ref moves only to what the remote holds (gates/push/trusted_move)
        from workspace_guard.gates.push import trusted_move

        code = trusted_move.check(repo, moves)
        if code != EXIT_OK:
            return code
    if not tips:
        return EXIT_OK
    try:
        anchors = checked_anchors(repo)
    except GuardError as exc:
        print(exc.render(), file=sys.stderr)
        print(_refused("reference-transaction"), file=sys.stderr)
        return exc.exit_code
    return _gate(repo, "reference-transaction", tips, anchors, olds=olds)


def checked_anchors(repo: Repo) -> list[str]:
    """What a branch update need not check again: the trusted revision (`trust_root`: the
    upstream of the protected branch), which only a push the server accepted moves. A repository
    with no upstream yet trusts its local `main`/`master` (else HEAD), as its rules do. Never the
    other local branches nor the remote-tracking refs: an agent moves those without any check."""
    from workspace_guard import trust_root

    trusted = repo.trusted or trust_root.find(
        repo.info.common_dir, repo.cwd, repo.info.head, repo.config
    )
    if trusted.ref is not None:
        return [trusted.ref]
    found = []
    for branch in trust_root.PROTECTED_BRANCHES:  # read from the ref files, without git
        commit = trust_root._commit(repo.info.common_dir, repo.cwd, f"refs/heads/{branch}")
        if commit:
            found.append(commit)
    return found or (["HEAD"] if repo.info.head else [])


def pre_push(repo: Repo, remote: str, data: bytes) -> int:
    """`pre-push REMOTE URL`: check what the remote does not have yet. What it has is known only
    from the remote itself: the old values git gives on stdin (read from the remote during this
    push) and, for a ref the remote does not have, the remote's refs as `git ls-remote` lists
    them — never this clone's remote-tracking refs, which `git update-ref` or a fetch from
    elsewhere moves without any check. Values whose objects this clone lacks prove nothing
    about local commits and are left out (fail closed: more is checked, never less)."""
    tips, known, unknown = [], [], False
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ")
        if len(parts) != 4 or not _oid(parts[1]) or set(parts[1]) <= ZERO:
            continue  # a deletion, or not a push line
        tips.append((parts[2], parts[1]))
        if _oid(parts[3]) and not set(parts[3]) <= ZERO and _exists(repo, parts[3]):
            known.append(parts[3])
        else:
            unknown = True  # a new ref, or an old value this clone does not hold
    named = _is_remote(repo, remote)
    code = EXIT_OK
    if tips:
        if unknown:
            known = sorted({*known, *remote_commits(repo, remote)})
        code = _gate(repo, "pre-push", tips, known)
    if code == EXIT_OK and named:
        send_notes(repo, remote)
        anchor(repo, remote, [(tip, ref) for ref, tip in tips])
    return code


def remote_commits(repo: Repo, remote: str) -> list[str]:
    """The branch and tag values the remote holds now (asked of the remote itself), of those
    this clone has as commits. The remote unreachable: none (everything the push sends that
    the stdin old values do not cover is checked)."""
    listed = git.run(["ls-remote", "--refs", "-q", remote], repo.cwd, check=False)
    if listed.returncode != 0:
        return []
    values = []
    for line in listed.stdout.decode("utf-8", "surrogateescape").splitlines():
        oid, _tab, name = line.partition("\t")
        if _oid(oid) and name.startswith(("refs/heads/", "refs/tags/")):
            values.append(oid)
    if not values:
        return []
    query = "".join(f"{oid}^{{commit}}\n" for oid in dict.fromkeys(values)).encode("ascii")
    found = git.run(["cat-file", "--batch-check=%(objectname)"], repo.cwd, input=query, check=False)
    return [
        line for line in found.stdout.decode("ascii", "replace").splitlines() if _oid(line.strip())
    ]


def send_notes(repo: Repo, remote: str) -> None:
    """The provenance notes go first, so the server can compare them (gates/push/notes.py). A
    failure is reported; the server, where it requires them, refuses the branch itself."""
    from workspace_guard.gates.push.notes import NOTES_REF, push_notes

    try:
        problem = push_notes(repo, remote)
    except GuardError as exc:
        problem = exc.message
    if problem:
        text = _("workspace-guard: warning: the provenance notes ({ref}) were not pushed: {error}")
        print(text.format(ref=NOTES_REF, error=problem), file=sys.stderr)


def anchor(repo: Repo, remote: str, pushes: Sequence[tuple[str, str]]) -> None:
    """Record this clone's audit chain head on the remote, made for the ref updates of this push
    (docs/security.md, the audit anchor). A failure is reported and never blocks the push here:
    the server, where it requires the anchor, refuses the branch itself."""
    from workspace_guard.gates.push import anchor as anchors

    if not anchors.enabled(repo):
        return
    try:
        anchors.push_anchor(repo, remote, pushes)
    except (anchors.AnchorError, GuardError) as exc:
        text = _("workspace-guard: warning: the audit anchor was not recorded on {remote}: {error}")
        print(text.format(remote=remote, error=str(exc) or "?"), file=sys.stderr)


def _existing(repo: Repo, names: Sequence[str]) -> list[str]:
    """The commits `names` resolve to now (a ref being created resolves to nothing); an
    object id git gave is a branch's old value, a commit already."""
    found = []
    for name in names:
        if _oid(name):
            found.append(name)
            continue
        proc = git.run(["rev-parse", "-q", "--verify", f"{name}^{{commit}}"], repo.cwd, check=False)
        if proc.returncode == 0:
            found.append(proc.stdout.decode("ascii").strip())
    return found


def _within_cap(repo: Repo, ref: str, args: Sequence[str]) -> None:
    """Refuse (fail closed) an update that would add more commits than the hook reads."""
    from workspace_guard.errors import ConfigError

    listed = git.run(["rev-list", "--count", f"--max-count={MAX_NEW + 1}", *args], repo.cwd)
    count = int(listed.stdout.decode("ascii").strip() or 0)
    if count > MAX_NEW:
        raise ConfigError(
            _(
                "{ref} would gain more than {limit} commits that are not on the trusted "
                "revision; the reference-transaction hook does not check that many one by one"
            ).format(ref=ref, limit=MAX_NEW),
            hint=_(
                "push the commits in smaller steps (the server checks them), fetch so the "
                "trusted revision is current, or check them with `workspace-guard "
                "check-commits`"
            ),
        )


def _exists(repo: Repo, oid: str) -> bool:
    return git.run(["cat-file", "-e", f"{oid}^{{commit}}"], repo.cwd, check=False).returncode == 0


def _is_remote(repo: Repo, name: str) -> bool:
    return bool(name) and git.config_get(f"remote.{name}.url", repo.cwd) is not None


def _gate(
    repo: Repo,
    layer: str,
    tips: Sequence[tuple[str, str]],
    known: list[str],
    *,
    olds: Sequence[str] = (),
) -> int:
    """Check each tip's new commits (not reachable from `known`, nor from the tip's own ref's
    old value, `olds`); report and record the failures; exit 1 when any. `pre-push` also
    compares them with their provenance notes where this clone requires provenance."""
    from workspace_guard.gates.push.range import AS_STORED

    os.environ.update(AS_STORED)  # as the server will see them: no replace refs, no grafts
    try:
        rules = trusted_rules(repo)
        failures: list[CommitResult] = []
        touched: list[CommitResult] = []
        for at, (ref, tip) in enumerate(tips):
            peeled = git.run(
                ["rev-parse", "-q", "--verify", f"{tip}^{{commit}}"], repo.cwd, check=False
            )
            if peeled.returncode != 0:
                continue  # a tag of a tree or a blob
            commit = peeled.stdout.decode("ascii").strip()
            skip = [*known, *_existing(repo, olds[at : at + 1])]
            args = [commit, "--not", *skip] if skip else [commit]
            if olds:
                _within_cap(repo, ref, args)
            for result in check_range(repo, args, rules, ref=ref):
                if result.violations:
                    failures.append(result)
                elif result.touched:
                    touched.append(result)
        if layer == "pre-push" and touched:
            failures += unproven(repo, rules, touched)
    except GuardError as exc:
        print(exc.render(), file=sys.stderr)
        print(_refused(layer), file=sys.stderr)
        return exc.exit_code
    if not failures:
        return EXIT_OK
    _report(repo, layer, failures, rules)
    return EXIT_VIOLATION


def unproven(repo: Repo, rules: Rules, results: list[CommitResult]) -> list[CommitResult]:
    """Where this clone requires provenance (the commit gate's own setting): the commits about to
    be pushed that touch a protected path and whose provenance note (`refs/notes/workspace-guard`
    here) is missing or disagrees — a commit built with plumbing (`commit-tree`, then `push
    SHA:main`) never met the commit hooks, so it has none. Checked as the server checks them
    when it requires provenance (gates/push/notes.py), before anything leaves the clone."""
    from workspace_guard.core.decide import Decider
    from workspace_guard.gates.commit.provenance import required
    from workspace_guard.gates.push import notes
    from workspace_guard.gates.push.trust import tip_of

    if not required(Decider(rules), {}, repo):
        return []
    check = notes.NoteCheck(repo, rules, tip_of(repo, notes.NOTES_REF), "refuse")
    found = check.problems(results)
    if found:
        text = _(
            "workspace-guard: this clone requires provenance: each commit it pushes that touches "
            "a protected path needs the note the commit gate attached when it accepted the commit; "
            "a commit built without the commit hooks (commit-tree, --no-verify) has none. Make it "
            "again through the hooks."
        )
        print(text, file=sys.stderr)
    return [notes.with_problems(r, found[r.sha]) for r in results if r.sha in found]


def _refused(layer: str) -> str:
    if layer == "pre-push":
        return _("workspace-guard: the pre-push hook refuses the push until this is fixed")
    return _(
        "workspace-guard: the reference-transaction hook refuses the branch update until this "
        "is fixed (the branch did not move)"
    )


def _report(repo: Repo, layer: str, failures: list[CommitResult], rules: Rules) -> None:
    from workspace_guard.state.audit import append, violation_records

    out = sys.stderr
    if layer == "pre-push":
        head = _(
            "workspace-guard: push refused — the shared repository would reject these commits:"
        )
        fix = _(
            "Fix the commits (git rebase -i, amend the messages, get the approvals) and push again."
        )
    else:
        head = _(
            "workspace-guard: branch update refused — it adds commits that break the workspace "
            "protocol (the branch did not move):"
        )
        fix = _(
            "The commit object exists but no branch points to it. Make the commit again with "
            "the hooks (no --no-verify), with the template and the approvals it needs."
        )
    print(head, file=out)
    records = []
    for result in failures:
        agent = f" (Agente: {result.agent})" if result.agent else ""
        print(f"\n  {result.ref} {result.sha[:10]} {result.subject[:70]}{agent}", file=out)
        for violation in result.violations:
            where = f"{violation.path}: " if violation.path else ""
            first = violation.message.split("\n\n")[0].replace("\n", " ")
            print(f"    ✗ [{violation.id}] {where}{first}", file=out)
        records += violation_records(
            layer,
            "blocked",
            result.agent,
            result.violations,
            result.decisions,
            rules.escalation,
            ref=result.ref,
            commit=result.sha,
        )
    print("\n" + fix, file=out)
    append(repo.state_dir, records)


# --- git versions without reference-transaction ------------------------------------------------


def reference_transaction_warning(cwd: str) -> str | None:
    """What `install` says when this git runs no `reference-transaction` hook (or its version
    cannot be read): the hook file is still written, for the day git is upgraded."""
    shown = git.without_reference_transaction(cwd)
    if shown is None:
        return None
    return _(
        "git {version} runs no reference-transaction hook (it needs git 2.28 or later): commits "
        "made with --no-verify, cherry-pick, revert, rebase or am are not checked in this clone; "
        "only the push gate (pre-receive) and CI check them. Upgrade git to close that gap."
    ).format(version=shown)

"""The push and CI gate (contract §3 trust, §5, §6): `check-commits RANGE` and `hook pre-receive`.

Nothing local can skip this layer: `git commit --no-verify` and agents that commit without hooks
are caught when they push. Every commit is checked as the commit gate would have checked it —
its template, and the ownership of its own change for its `Agente` — with the rules of the
trusted base (gates/push/trust.py), never from the commits being checked.

This module finds the range and the base whose rules decide, and runs the check: the listing of
the commits is gates/push/listing.py, the check of one commit gates/push/checker.py.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.errors import GuardError, UsageError
from workspace_guard.gates.push.checker import Checker, CommitResult
from workspace_guard.gates.push.listing import AS_STORED, LOG_OPTIONS, Commit, start_listing, walk
from workspace_guard.i18n import _, ngettext
from workspace_guard.speed.gitread import is_oid

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Iterator, Sequence

    from workspace_guard.core.model import Rules
    from workspace_guard.gates.push.trust import Settings
    from workspace_guard.repo import Repo

# the names callers outside the push gate import from here (the listing and the check of one
# commit live in gates/push/listing.py and gates/push/checker.py)
__all__ = ["AS_STORED", "LOG_OPTIONS", "Checker", "Commit", "CommitResult", "start_listing", "walk"]

# --- ranges, bases, shallow clones --------------------------------------------------------------


def resolve(repo: Repo, rev: str) -> str:
    """A revision's commit id, or a usage error naming it."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{rev}^{{commit}}"], repo.cwd, check=False)
    if proc.returncode != 0:
        raise UsageError(
            _("{rev!r} does not name a commit in this repository").format(rev=rev),
            hint=_("fetch it first (CI: `git fetch origin <branch>`), or check the spelling"),
        )
    return proc.stdout.decode("ascii").strip()


def range_args(repo: Repo, spec: str) -> tuple[list[str], str | None]:
    """`A..B`, `A...B` or `B` → rev-list arguments and the base whose rules decide."""
    if "..." in spec:
        left, right = spec.split("...", 1)
        left, right = resolve(repo, left or "HEAD"), resolve(repo, right or "HEAD")
        base = git.out(["merge-base", left, right], repo.cwd)
        return [right, f"^{base}"], base
    if ".." in spec:
        left, right = spec.split("..", 1)
        left, right = resolve(repo, left or "HEAD"), resolve(repo, right or "HEAD")
        return [right, f"^{left}"], left
    return [resolve(repo, spec)], None


def is_shallow(repo: Repo) -> bool:
    return git.out(["rev-parse", "--is-shallow-repository"], repo.cwd) == "true"


def _shallow_error(detail: str = "") -> UsageError:
    return UsageError(
        _("this is a shallow clone: commits of the range may be missing") + detail,
        hint=_(
            "fetch the whole history (`git fetch --unshallow`; GitHub Actions: "
            "actions/checkout with fetch-depth: 0), or at least the whole range and its base"
        ),
    )


def clone_range(repo: Repo, spec: str) -> tuple[list[str], str | None]:
    """`range_args` for a clone that may be shallow (CI checkouts often are). A shallow clone is
    checked only when it holds the whole range: no commit of the range may be a shallow boundary
    (a commit whose parents were not fetched), since what lies behind it would pass unseen. A
    range side that is not in a shallow clone is the same refusal, with the same hint."""
    quick = _resolved_range(repo, spec)
    if quick is not None:
        shallow, rev_args, base = quick
    else:
        shallow = is_shallow(repo)
        try:
            rev_args, base = range_args(repo, spec)
        except GuardError as exc:  # a side that is not here, or no merge base in what was fetched
            if shallow:
                raise _shallow_error(f" ({exc.message})") from exc
            raise
    if shallow:
        hidden = _shallow_commits(repo) & set(_rev_list(repo, rev_args))
        if hidden:
            first = sorted(hidden)[0][:10]
            raise _shallow_error(
                ngettext(
                    ": {n} commit of the range, {first}, has parents that were not fetched",
                    ": {n} commits of the range, {first} among them, have parents "
                    "that were not fetched",
                    len(hidden),
                ).format(n=len(hidden), first=first)
            )
    return rev_args, base


def _resolved_range(repo: Repo, spec: str) -> tuple[bool, list[str], str | None] | None:
    """`is_shallow` and `range_args` from one `git rev-parse` where every side of the range
    resolves plainly to one commit (the usual `BASE..TIP`); None — ask the usual way, one
    side at a time, with its own messages — for anything else: a side that does not resolve,
    that starts with `-`, or whose answer is not exactly one commit id (`^X`, `A..B`)."""
    if "..." in spec:
        sides = [side or "HEAD" for side in spec.split("...", 1)]
    elif ".." in spec:
        sides = [side or "HEAD" for side in spec.split("..", 1)]
    else:
        sides = [spec]
    if any(side.startswith("-") for side in sides):
        return None
    args = ["rev-parse", "--is-shallow-repository", *(f"{side}^{{commit}}" for side in sides)]
    proc = git.run([*args, "--"], repo.cwd, check=False)
    lines = proc.stdout.decode("ascii", "replace").split("\n")
    if proc.returncode != 0 or lines[-2:] != ["--", ""] or len(lines) != len(sides) + 3:
        return None
    shallow, *oids = lines[: len(sides) + 1]
    if shallow not in ("true", "false") or not all(map(is_oid, oids)):
        return None
    if len(oids) == 1:
        return shallow == "true", [oids[0]], None
    left, right = oids
    if "..." in spec:
        try:
            base = git.out(["merge-base", left, right], repo.cwd)
        except GuardError:
            return None  # no merge base: `range_args` says so, shallow or not
        return shallow == "true", [right, f"^{base}"], base
    return shallow == "true", [right, f"^{left}"], left


def _shallow_commits(repo: Repo) -> set[str]:
    path = git.out(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], repo.cwd)
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return {line.strip() for line in handle if line.strip()}
    except FileNotFoundError:
        return set()


def _rev_list(repo: Repo, rev_args: Sequence[str]) -> list[str]:
    out = git.run(["--no-replace-objects", "rev-list", *rev_args, "--"], repo.cwd)
    return out.stdout.decode("ascii", "replace").split()


def default_branch(repo: Repo, settings: Settings | None = None) -> str | None:
    """The protected branch as this repository knows it, if it exists: the configured
    `workspace-guard.rulesRef`; in a bare repository the branch HEAD names; in a clone the
    remote's default (`origin/HEAD`). Never the branch checked out: usually the very branch
    being checked, which must not supply its own rules. (`settings`: the `workspace-guard.*`
    config values, when read already — `trust.gate_settings`.)"""
    for ref in _default_candidates(repo, settings):
        if git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False).returncode == 0:
            return ref
    return None


def _default_candidates(repo: Repo, settings: Settings | None = None) -> Iterator[str]:
    from workspace_guard.gates.push.trust import setting

    configured = setting(repo, settings, "workspace-guard.rulesRef")
    if configured:
        yield configured.strip()
    names = ["HEAD"] if repo.info.bare else ["refs/remotes/origin/HEAD"]
    for name in names:
        proc = git.run(["symbolic-ref", "-q", name], repo.cwd, check=False)
        ref = proc.stdout.decode("utf-8", "replace").strip()
        if ref:
            yield ref


def local_default_branch(repo: Repo) -> str | None:
    """The local branch `init.defaultBranch` names (a clone without a remote), if it exists."""
    configured = git.config_get("init.defaultBranch", repo.cwd)
    if not configured:
        return None
    ref = f"refs/heads/{configured.strip()}"
    proc = git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False)
    return ref if proc.returncode == 0 else None


def ci_base(
    repo: Repo, explicit: str | None, range_base: str | None, settings: Settings | None = None
) -> tuple[str, str]:
    """(revision whose rules decide, how it was found) for `check-commits`: `--base`, else the
    protected branch (`workspace-guard.rulesRef`, `origin/HEAD`; HEAD in a bare repository),
    else the left side of the range, else the local default branch. None of them: a usage error
    naming what was tried — a CI run must never pass on the template alone."""
    if explicit:
        return resolve(repo, explicit), "--base"
    branch = default_branch(repo, settings)
    if branch:
        return branch, _("protected branch")
    if range_base:
        return range_base, _("left side of the range")
    local = local_default_branch(repo)
    if local:
        return local, _("default branch")
    raise UsageError(
        _no_base_message(repo),
        hint=_(
            "name the revision whose rules decide with --base REV (in CI: the pull request's "
            "base sha), or a rules file with --rules FILE; or check a range BASE..HEAD"
        ),
    )


def _no_base_message(repo: Repo) -> str:
    tried = ["workspace-guard.rulesRef", "HEAD" if repo.info.bare else "origin/HEAD"]
    tried.append("init.defaultBranch")
    return _(
        "no base revision with rules was found for this check (tried {tried}; the range has no "
        "left side): checking the template alone would pass commits that break the ownership rules"
    ).format(tried=", ".join(tried))


def load_base_rules(repo: Repo, base: str | None) -> Rules | None:
    """Rules at the base revision; a broken file raises (the push is refused, never accepted)."""
    if base is None:
        branch = default_branch(repo)
        if branch is None:
            return repo.load_rules() if repo.rules_option else None
        base = branch
    return repo.rules_at(base)


def print_progress(done: int, total: int | None) -> None:
    """A one-line progress indicator on a terminal (stderr)."""
    if total:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        text = _("[{bar}] {done}/{total} commits").format(bar=bar, done=done, total=total)
        sys.stderr.write("\r" + text)
    else:
        sys.stderr.write("\r" + _("{done} commits").format(done=done))
    sys.stderr.flush()


def count_commits(repo: Repo, rev_args: Sequence[str]) -> int:
    """How many commits a range holds (for the progress bar)."""
    return int(git.out(["rev-list", "--count", *rev_args], repo.cwd) or 0)


def check_range(
    repo: Repo,
    rev_args: Sequence[str],
    rules: Rules | None,
    *,
    progress: bool = False,
    ref: str | None = None,
    listing: Generator[bytes, None, None] | None = None,
) -> Iterator[CommitResult]:
    """Check every commit `git rev-list REV_ARGS` lists (`listing`: from `start_listing`)."""
    try:
        checker = Checker(repo, rules)
        total = count_commits(repo, rev_args) if progress else None
    except BaseException:
        if listing is not None:
            listing.close()
        raise
    done = 0
    for commit in walk(repo.cwd, rev_args, listing):
        result = checker.check(commit)
        yield result if ref is None else _with_ref(result, ref)
        done += 1
        if progress and done % 25 == 0:
            print_progress(done, total)
    if progress and done:
        print_progress(done, total)
        sys.stderr.write("\n")


def _with_ref(result: CommitResult, ref: str) -> CommitResult:
    from workspace_guard.core.record import replace

    return replace(result, ref=ref)


def is_tty() -> bool:
    return os.isatty(sys.stderr.fileno()) if hasattr(sys.stderr, "fileno") else False


def pre_receive_hook(repo: Repo) -> int:
    """`hook pre-receive`: see gates/push/receive.py (it reads stdin and talks to pushers)."""
    from workspace_guard.gates.push.receive import pre_receive

    os.environ.update(AS_STORED)  # a pushed refs/replace/* must not disguise a commit
    return pre_receive(repo, sys.stdin.buffer.read())

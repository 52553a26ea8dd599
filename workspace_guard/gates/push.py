"""The push and CI gate (contract §3 trust, §5, §6): `check-commits RANGE` and `hook pre-receive`.

Nothing local can skip this layer: `git commit --no-verify` and agents that commit without hooks
are caught when they push. Every commit is checked as the commit gate would have checked it —
its template, and the ownership of its own change (against its first parent; a root commit against
the empty tree) for its `Agente` — with the rules read from the base revision, never from the
commits being checked. One streaming `git log` lists every commit and its changes; each
(agent, path) pair is decided once.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.core.record import Record
from workspace_guard.errors import GitError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision, Rules
    from workspace_guard.core.template import TemplateConfig, Violation
    from workspace_guard.repo import Repo

ZERO = "0" * 40
LOG_FORMAT = "%x1e%H %P%x1f%B%x1f"


class Commit(Record):
    """One commit of the range: id, parents, raw message bytes, changes against the first parent."""

    sha: str
    parents: tuple[str, ...]
    message: bytes
    changes: tuple[git.Change, ...]


class CommitResult(Record):
    """What was found in one commit."""

    sha: str
    subject: str
    agent: str | None
    violations: tuple[Violation, ...]
    decisions: tuple[Decision, ...] = ()
    ref: str | None = None


def walk(cwd: str, rev_args: Sequence[str]) -> Iterator[Commit]:
    """Stream the commits of `git rev-list REV_ARGS` with their changes (one git process)."""
    import subprocess

    args = ["git", "-c", "log.showSignature=false", "log", "-z", "--name-status", "-M",
            "--no-color", "--no-ext-diff", "--no-notes", f"--format={LOG_FORMAT}", *rev_args, "--"]
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        yield from _parse_log(_tokens(proc.stdout))
    finally:
        proc.stdout.close()
        err = proc.stderr.read() if proc.stderr else b""
        code = proc.wait()
    if code != 0:
        raise GitError(f"`git log` failed: {err.decode('utf-8', 'replace').strip()}")


def _tokens(stream: object) -> Iterator[bytes]:
    """NUL-separated tokens from a byte stream, read in chunks (memory stays flat)."""
    pending = b""
    read = stream.read  # type: ignore[attr-defined]
    while True:
        chunk = read(1 << 16)
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split(b"\0")
        yield from complete
    if pending:
        yield pending


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Commit]:
    current: tuple[str, tuple[str, ...], bytes] | None = None
    changes: list[git.Change] = []
    for token in tokens:
        if token.startswith(b"\x1e"):
            if current:
                yield Commit(*current, tuple(changes))
            meta, _, body = token[1:].partition(b"\x1f")
            ids = meta.decode("ascii").split()
            current, changes = (ids[0], tuple(ids[1:]), body[:-1] if body.endswith(b"\x1f") else body), []
            continue
        status = token.lstrip(b"\n").decode("ascii", "replace")
        if not status:
            continue
        count = 2 if status[:1] in ("R", "C") else 1
        paths = [next(tokens, b"").decode("utf-8", "surrogateescape") for _ in range(count)]
        kept = (paths[0], paths[1]) if status[:1] == "R" else (paths[-1],)
        changes.append(git.Change(status[:1], kept))
    if current:
        yield Commit(*current, tuple(changes))


class Checker:
    """Checks commits against one set of trusted rules (or the default template without rules)."""

    def __init__(self, repo: Repo, rules: Rules | None) -> None:
        from workspace_guard.core.decide import Decider
        from workspace_guard.core.template import TemplateConfig
        from workspace_guard.state.approvals import live_approvals

        self.repo = repo
        self.decider: Decider | None = Decider(rules) if rules else None
        self.config: TemplateConfig = TemplateConfig.from_mapping(rules.commit if rules else None)
        self.approvals = live_approvals(repo.state_dir)
        self._decided: dict[tuple[str, str], Decision] = {}

    def check(self, commit: Commit) -> CommitResult:
        """Template and ownership of one commit."""
        from workspace_guard.core.template import check_message_bytes, check_ownership

        paths = _paths(commit.changes)
        agents = list(self.decider.rules.agents) if self.decider else None
        result = check_message_bytes(commit.message, self.config, parents=len(commit.parents),
                                     agents=agents, paths=paths)
        subject = _subject(commit.message)
        violations = list(result.violations)
        decisions: list[Decision] = []
        agent = result.fields.agent
        if result.kind != "merge" and self.decider and agent in self.decider.rules.agents:
            decisions = [self._decide(agent, p) for p in paths]
            violations += check_ownership(result.fields, decisions, self.config,
                                          superusers=self.decider.rules.superusers)
        elif result.kind != "merge" and self.decider and not agent:
            violations += self._unattributed(paths)
        return CommitResult(commit.sha, subject, agent, tuple(violations), tuple(decisions))

    def _decide(self, agent: str, path: str) -> Decision:
        key = (agent, path)
        if key not in self._decided:
            assert self.decider is not None
            self._decided[key] = self.decider.decide(agent, path, self.approvals)
        return self._decided[key]

    def _unattributed(self, paths: list[str]) -> list[Violation]:
        """A commit with no agent that touches protected paths: nobody can be allowed."""
        from workspace_guard.core.template import Violation

        assert self.decider is not None
        out = []
        for path in paths:
            rule = self.decider.governing_rule(path)
            if rule is not None and rule.level != "none":
                out.append(Violation("agent-unknown", f"{path} is protected ({rule.level}, owner "
                                     f"{rule.owner or '-'}) and the commit names no `Agente`", path))
        return out


def _paths(changes: Sequence[git.Change]) -> list[str]:
    seen: dict[str, None] = {}
    for change in changes:
        for path in change.paths:
            seen.setdefault(path, None)
    return list(seen)


def _subject(message: bytes) -> str:
    for line in message.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return ""


# --- ranges, bases, shallow clones --------------------------------------------------------------


def resolve(repo: Repo, rev: str) -> str:
    """A revision's commit id, or a usage error naming it."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{rev}^{{commit}}"], repo.cwd, check=False)
    if proc.returncode != 0:
        raise UsageError(f"{rev!r} does not name a commit in this repository",
                         hint="fetch it first (CI: `git fetch origin <branch>`), or check the spelling")
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


def refuse_shallow(repo: Repo) -> None:
    """A shallow clone hides commits; checking it would accept what it cannot see."""
    if git.out(["rev-parse", "--is-shallow-repository"], repo.cwd) == "true":
        raise UsageError(
            "this is a shallow clone: commits of the range may be missing",
            hint="fetch the whole history (`git fetch --unshallow`; GitHub Actions: "
            "actions/checkout with fetch-depth: 0)",
        )


def default_branch(repo: Repo) -> str | None:
    """The branch HEAD names (a bare repository's default branch), if it exists."""
    proc = git.run(["symbolic-ref", "-q", "HEAD"], repo.cwd, check=False)
    ref = proc.stdout.decode("utf-8", "replace").strip()
    if ref and git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False).returncode == 0:
        return ref
    return None


def load_base_rules(repo: Repo, base: str | None) -> Rules | None:
    """Rules at the base revision; a broken file raises (the push is refused, never waved through)."""
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
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} commits")
    else:
        sys.stderr.write(f"\r{done} commits")
    sys.stderr.flush()


def count_commits(repo: Repo, rev_args: Sequence[str]) -> int:
    """How many commits a range holds (for the progress bar)."""
    return int(git.out(["rev-list", "--count", *rev_args], repo.cwd) or 0)


def check_range(repo: Repo, rev_args: Sequence[str], rules: Rules | None, *,
                progress: bool = False, ref: str | None = None) -> Iterator[CommitResult]:
    """Check every commit `git rev-list REV_ARGS` lists."""
    checker = Checker(repo, rules)
    total = count_commits(repo, rev_args) if progress else None
    done = 0
    for commit in walk(repo.cwd, rev_args):
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
    """`hook pre-receive`: see gates/receive.py (kept apart: it reads stdin and talks to pushers)."""
    from workspace_guard.gates.receive import pre_receive

    return pre_receive(repo, sys.stdin.buffer.read())


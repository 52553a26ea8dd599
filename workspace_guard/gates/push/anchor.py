"""Audit anchors: the head of a clone's hash-chained audit log, kept on the shared repository.

A hash chain alone proves nothing against someone who rewrites the whole log and recomputes every
hash. An anchor is a commit on `refs/workspace-guard/anchors` of the shared repository: empty tree,
the previous anchor as parent, and a message naming the clone, the sequence number and the hash of
the clone's last audit record. The server's pre-receive hook accepts only such commits, only as
additions (never a rewrite or a deletion of the ref), so what was anchored stays. `audit verify
--remote NAME` fetches the anchors and checks that the local log still holds each anchored record
with the anchored hash: a log rewritten before an anchor is detected.
"""

from __future__ import annotations

import re

from workspace_guard import git
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

REF = "refs/workspace-guard/anchors"
SUBJECT = "workspace-guard audit anchor"
_BODY = re.compile(
    r"\A" + re.escape(SUBJECT) + r"\n\nclone: ([0-9a-f]{16,64})\nseq: (\d{1,12})\n"
    r"hash: ([0-9a-f]{64})\n\Z"
)
MAX_NEW = 1000  # anchors accepted per push


def message(clone: str, seq: int, digest: str) -> str:
    """The message of an anchor commit."""
    return f"{SUBJECT}\n\nclone: {clone}\nseq: {seq}\nhash: {digest}\n"


def parse(text: str) -> tuple[str, int, str] | None:
    """(clone, seq, hash) of an anchor message, or None when it is not one."""
    found = _BODY.match(text)
    return (found.group(1), int(found.group(2)), found.group(3)) if found else None


def check_anchor_update(repo: Repo, old: str, new: str) -> str | None:
    """Why an update of the anchors ref is refused, or None when it only appends anchors."""
    creation = set(old) == {"0"}
    if not creation:
        args = ["merge-base", "--is-ancestor", old, new]
        if git.run(args, repo.cwd, check=False).returncode != 0:
            return _("anchors are only ever appended: this update rewrites {ref}").format(ref=REF)
    empty = git.out(["hash-object", "-t", "tree", "/dev/null"], repo.cwd)
    rev = [new] if creation else [new, f"^{old}"]
    fmt = "--format=%x1e%H %T %P%x1f%B"
    out = git.run(["--no-replace-objects", "log", fmt, f"-{MAX_NEW + 1}", *rev], repo.cwd)
    commits = [c for c in out.stdout.decode("utf-8", "replace").split("\x1e") if c]
    if len(commits) > MAX_NEW:
        return _("more than {n} anchors in one push").format(n=MAX_NEW)
    for entry in commits:
        meta, _sep, body = entry.partition("\x1f")
        sha, tree, *parents = meta.split()
        if tree != empty or len(parents) > 1 or parse(body.rstrip("\n") + "\n") is None:
            return _(
                "{sha} is not an audit anchor (empty tree, one parent, anchor message)"
            ).format(sha=sha[:10])
    return None


def anchors(repo: Repo, rev: str) -> list[tuple[str, int, str]]:
    """Every anchor reachable from `rev`, oldest first."""
    fmt = "--format=%x1e%B"
    out = git.run(["--no-replace-objects", "log", "--reverse", fmt, rev], repo.cwd)
    found = []
    for body in out.stdout.decode("utf-8", "replace").split("\x1e"):
        parsed = parse(body.rstrip("\n") + "\n") if body else None
        if parsed:
            found.append(parsed)
    return found


def clone_id(repo: Repo) -> str:
    """This clone's anchor name: `workspace-guard.cloneId`, made once from random bytes."""
    current = git.config_get("workspace-guard.cloneid", repo.cwd)
    if current and re.fullmatch(r"[0-9a-f]{16,64}", current):
        return current
    import os

    made = os.urandom(12).hex()
    git.run(["config", "workspace-guard.cloneId", made], repo.cwd)
    return made


ENABLED_KEY = "workspace-guard.anchor"
ATTEMPTS = 3  # another clone may append an anchor between our fetch and our push


def enabled(repo: Repo) -> bool:
    """`workspace-guard.anchor false` turns the pre-push anchor off (default on)."""
    value = (git.config_get(ENABLED_KEY, repo.cwd) or "true").strip().lower()
    return value not in ("false", "no", "off", "0")


def chain_head(repo: Repo) -> tuple[int, str]:
    """(seq, hash) of the local audit log's last record (0 and the genesis hash: none yet)."""
    from workspace_guard.state import chain
    from workspace_guard.state.audit import AUDIT

    head = chain._read_head(repo.state_dir, AUDIT)
    if head is None or head[1] < 0:
        last = None
        for record in chain.read(repo.state_dir, AUDIT):
            last = record
        if last is None:
            return 0, chain.GENESIS
        return int(last.get("seq", 0)), str(last.get("hash", ""))
    return head[1], head[0]


def push_anchor(repo: Repo, remote: str) -> tuple[str, int, str]:
    """Anchor the local audit head on `remote`: fetch its anchors, commit one on top, push (a
    race with another clone's anchor is retried on the new tip)."""
    require_remote(repo, remote)
    seq, digest = chain_head(repo)
    clone = clone_id(repo)
    tracking = tracking_ref(remote)
    empty = git.out(["hash-object", "-t", "tree", "-w", "/dev/null"], repo.cwd)
    failure = b""
    for _attempt in range(ATTEMPTS):
        fetched = git.run(["fetch", "-q", remote, f"+{REF}:{tracking}"], repo.cwd, check=False)
        parent = _tip(repo, tracking) if fetched.returncode == 0 else None
        args = ["commit-tree", empty, *(["-p", parent] if parent else [])]
        sha = git.run(args, repo.cwd, input=message(clone, seq, digest).encode()).stdout
        commit = sha.decode("ascii").strip()
        pushed = git.run(
            ["push", "-q", "--no-verify", remote, f"{commit}:{REF}"], repo.cwd, check=False
        )
        if pushed.returncode == 0:
            git.run(["update-ref", tracking, commit], repo.cwd)
            return clone, seq, digest
        failure = pushed.stderr
    raise AnchorError(failure.decode("utf-8", "replace").strip())


class AnchorError(Exception):
    """The anchor could not be pushed (git's message)."""


def tracking_ref(remote: str) -> str:
    return f"refs/workspace-guard/remote-anchors/{remote}"


def require_remote(repo: Repo, remote: str) -> None:
    """Only a configured remote: a URL or an option (`--upload-pack=…`) is never passed on."""
    from workspace_guard.errors import UsageError

    name_ok = bool(remote) and not remote.startswith("-")
    if not name_ok or git.config_get(f"remote.{remote}.url", repo.cwd) is None:
        raise UsageError(
            _("{remote!r} is not a remote of this repository").format(remote=remote),
            hint=_("name a configured remote (git remote -v), e.g. origin"),
        )


def _tip(repo: Repo, ref: str) -> str | None:
    proc = git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False)
    return proc.stdout.decode("ascii").strip() if proc.returncode == 0 else None


class Verdict:
    """What `audit verify --remote` found: this clone's anchors, the last one, the problems."""

    def __init__(self, anchors: int, last: int, problems: list[str]) -> None:
        self.anchors, self.last, self.problems = anchors, last, problems


def verify_remote(repo: Repo, remote: str) -> Verdict:
    """Compare the local audit log with this clone's anchors on `remote`. No anchor at all is a
    problem too: nothing proves the log, and a changed `workspace-guard.cloneId` must not read
    as a clean history."""
    from workspace_guard.state.audit import read

    require_remote(repo, remote)
    tracking = tracking_ref(remote)
    fetched = git.run(["fetch", "-q", remote, f"+{REF}:{tracking}"], repo.cwd, check=False)
    if fetched.returncode != 0:
        error = fetched.stderr.decode("utf-8", "replace").strip()
        if "couldn't find remote ref" not in error:
            problem = _("cannot fetch {ref} from {remote}: {error}")
            return Verdict(0, 0, [problem.format(ref=REF, remote=remote, error=error)])
        git.run(["update-ref", "-d", tracking], repo.cwd, check=False)
    clone = clone_id(repo)
    exists = _tip(repo, tracking) is not None
    mine = [(seq, d) for who, seq, d in (anchors(repo, tracking) if exists else []) if who == clone]
    if not mine:
        none = _(
            "{remote} holds no audit anchor of this clone ({clone}): nothing proves the local "
            "log; a push through the installed pre-push hook (or `workspace-guard audit anchor "
            "{remote}`) records one"
        )
        return Verdict(0, 0, [none.format(remote=remote, clone=clone)])
    by_seq = {int(r.get("seq", 0)): str(r.get("hash", "")) for r in read(repo.state_dir)}
    problems = []
    for seq, digest in mine:
        found = by_seq.get(seq) if seq else None
        if seq and found != digest:
            problems.append(
                _(
                    "record {seq} of the audit log does not match the anchor on {remote} "
                    "(anchored {want}, found {got}): the log was rewritten"
                ).format(seq=seq, remote=remote, want=digest[:12], got=(found or "none")[:12])
            )
    return Verdict(len(mine), max(seq for seq, _d in mine), problems)


# --- the server may require an anchor before a protected change ------------------------------

REQUIRE_KEY = "workspace-guard.requireAnchor"
RECEIVED_FILE = "anchor-received"  # in the server's state dir: when the last anchor was accepted
DEFAULT_WINDOW = 600.0


def required_window(repo: Repo) -> float | None:
    """`workspace-guard.requireAnchor` on the server: `true` (600 s), a number of seconds, or
    off. A value that is neither is a configuration error: the push is refused until fixed."""
    import math

    from workspace_guard.errors import ConfigError

    value = (git.config_get(REQUIRE_KEY, repo.cwd) or "").strip().lower()
    if value in ("", "false", "no", "off", "0"):
        return None
    if value in ("true", "yes", "on"):
        return DEFAULT_WINDOW
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(
            _("{key} is {value!r}: use true, false or a number of seconds").format(
                key=REQUIRE_KEY, value=value
            )
        )
    return seconds


def note_received(repo: Repo) -> None:
    """Remember, in server time, that an anchor update passed the gate."""
    import os
    import time

    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    folder = ensure_dir(repo.state_dir)
    atomic_write(os.path.join(folder, RECEIVED_FILE), f"{time.time():.3f}\n", encoding="ascii")


def last_received(repo: Repo) -> float:
    import os

    try:
        with open(os.path.join(repo.state_dir, RECEIVED_FILE), encoding="ascii") as handle:
            return float(handle.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def missing_anchor(repo: Repo, anchored_now: bool, touching: bool) -> str | None:
    """Why a push that touches protected paths is refused for want of an anchor, or None: with
    `requireAnchor`, an anchor must come in this push or have been accepted within the window
    before it (the installed pre-push hook sends one just before the branch)."""
    import time

    window = required_window(repo)
    if window is None or not touching or anchored_now:
        return None
    if time.time() - last_received(repo) <= window:
        return None
    return _(
        "this push changes protected paths and no audit anchor reached this repository in the "
        "last {seconds} seconds ({key}): push through the installed pre-push hook (not with "
        "--no-verify), or run `workspace-guard audit anchor <remote>` first"
    ).format(seconds=int(window), key=REQUIRE_KEY)

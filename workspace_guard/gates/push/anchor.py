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
    out = git.run(["log", "--no-replace-objects", fmt, f"-{MAX_NEW + 1}", *rev], repo.cwd)
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
    out = git.run(["log", "--reverse", "--no-replace-objects", fmt, rev], repo.cwd)
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


def push_anchor(repo: Repo, remote: str) -> tuple[str, int, str]:
    """Anchor the local audit head on `remote`: fetch its anchors, commit one on top, push."""
    from workspace_guard.state import chain
    from workspace_guard.state.audit import AUDIT

    head = chain._read_head(repo.state_dir, AUDIT)
    if head is None:
        digest, seq = chain.GENESIS, 0
    else:
        digest, seq = head
    clone = clone_id(repo)
    tracking = f"refs/workspace-guard/remote-anchors/{remote}"
    fetched = git.run(["fetch", "-q", remote, f"+{REF}:{tracking}"], repo.cwd, check=False)
    parent = _tip(repo, tracking) if fetched.returncode == 0 else None
    empty = git.out(["hash-object", "-t", "tree", "-w", "/dev/null"], repo.cwd)
    args = ["commit-tree", empty, *(["-p", parent] if parent else [])]
    sha = git.run(args, repo.cwd, input=message(clone, seq, digest).encode()).stdout
    commit = sha.decode("ascii").strip()
    git.run(["push", "-q", "--no-verify", remote, f"{commit}:{REF}"], repo.cwd)
    git.run(["update-ref", tracking, commit], repo.cwd)
    return clone, seq, digest


def _tip(repo: Repo, ref: str) -> str | None:
    proc = git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False)
    return proc.stdout.decode("ascii").strip() if proc.returncode == 0 else None


def verify_remote(repo: Repo, remote: str) -> list[str]:
    """Problems between the local audit log and this clone's anchors on `remote` (empty: ok)."""
    from workspace_guard.state.audit import read

    tracking = f"refs/workspace-guard/remote-anchors/{remote}"
    fetched = git.run(["fetch", "-q", remote, f"+{REF}:{tracking}"], repo.cwd, check=False)
    if fetched.returncode != 0:
        return [
            _("cannot fetch {ref} from {remote}: {error}").format(
                ref=REF, remote=remote, error=fetched.stderr.decode("utf-8", "replace").strip()
            )
        ]
    clone = clone_id(repo)
    mine = [(seq, digest) for who, seq, digest in anchors(repo, tracking) if who == clone]
    if not mine:
        return []
    by_seq = {int(r.get("seq", 0)): str(r.get("hash", "")) for r in read(repo.state_dir)}
    problems = []
    for seq, digest in mine:
        if seq == 0:
            continue
        found = by_seq.get(seq)
        if found != digest:
            problems.append(
                _(
                    "record {seq} of the audit log does not match the anchor on {remote} "
                    "(anchored {want}, found {got}): the log was rewritten"
                ).format(seq=seq, remote=remote, want=digest[:12], got=(found or "none")[:12])
            )
    return problems

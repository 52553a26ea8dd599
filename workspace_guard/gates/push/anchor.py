"""Audit anchors: the head of a clone's hash-chained audit log, kept on the shared repository.

A hash chain alone proves nothing against someone who rewrites the whole log and recomputes every
hash. An anchor is a commit on `refs/workspace-guard/anchors` of the shared repository: empty tree,
the previous anchor as parent, and a message naming the clone, the sequence number and the hash of
the clone's last audit record. The server's pre-receive hook accepts only such commits, only as
additions (never a rewrite or a deletion of the ref), so what was anchored stays. `audit verify
--remote NAME` fetches the anchors and checks that the local log still holds each anchored record
with the anchored hash: a log rewritten before an anchor is detected.

An anchor also names the ref updates it was made for (`push:` lines, for
`workspace-guard.requireAnchor`: gates/push/anchor_required.py), and carries its clone's key
chain: it reveals the secret the clone's previous anchor committed to (`reveal:`) and commits to
the next one (`key:`, a SHA-256 digest). The secret is kept in the clone's state dir, so only that
clone can append to its chain; pre-receive refuses an anchor that breaks it or that moves the
clone's anchored audit head back.
"""

from __future__ import annotations

import re

from workspace_guard import git
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.repo import Repo

REF = "refs/workspace-guard/anchors"
SUBJECT = "workspace-guard audit anchor"
_BODY = re.compile(
    r"\A" + re.escape(SUBJECT) + r"\n\nclone: ([0-9a-f]{16,64})\nseq: (\d{1,12})\n"
    r"hash: ([0-9a-f]{64})\n((?:key: [0-9a-f]{64}\n)?)((?:reveal: [0-9a-f]{64}\n)?)"
    r"((?:push: [0-9a-f]{40,64} [^\s]+\n){0,1000})\Z"
)
MAX_NEW = 1000  # anchors accepted per push


class Anchor:
    """One anchor message: the clone, its audit head (seq, hash), the digest of the secret its
    next anchor must reveal (`key`), the secret that the clone's previous key committed to
    (`reveal`), and the (new value, ref) of every ref update it was made for (`pushes`)."""

    def __init__(
        self,
        clone: str,
        seq: int,
        digest: str,
        *,
        key: str | None = None,
        reveal: str | None = None,
        pushes: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.clone, self.seq, self.digest = clone, seq, digest
        self.key, self.reveal, self.pushes = key, reveal, pushes

    def text(self) -> str:
        lines = [f"{SUBJECT}\n\nclone: {self.clone}\nseq: {self.seq}\nhash: {self.digest}\n"]
        lines += [f"key: {self.key}\n"] if self.key else []
        lines += [f"reveal: {self.reveal}\n"] if self.reveal else []
        lines += [f"push: {new} {ref}\n" for new, ref in self.pushes]
        return "".join(lines)


def message(clone: str, seq: int, digest: str) -> str:
    """The message of an anchor commit (unbound: it records the head, it authorises no push)."""
    return Anchor(clone, seq, digest).text()


def parse_full(text: str) -> Anchor | None:
    """The anchor a message holds, or None when it is not one."""
    found = _BODY.match(text)
    if not found:
        return None
    key = found.group(4)[5:-1] or None
    reveal = found.group(5)[8:-1] or None
    pushes = tuple(
        (line[6:].split(" ", 1)[0], line[6:].split(" ", 1)[1])
        for line in found.group(6).splitlines()
    )
    return Anchor(
        found.group(1), int(found.group(2)), found.group(3), key=key, reveal=reveal, pushes=pushes
    )


def parse(text: str) -> tuple[str, int, str] | None:
    """(clone, seq, hash) of an anchor message, or None when it is not one."""
    anchor = parse_full(text)
    return (anchor.clone, anchor.seq, anchor.digest) if anchor else None


def secret_digest(secret: str) -> str:
    import hashlib

    return hashlib.sha256(bytes.fromhex(secret)).hexdigest()


def check_anchor_update(
    repo: Repo, old: str, new: str
) -> tuple[str | None, list[tuple[str, Anchor]]]:
    """(why an update of the anchors ref is refused or None, the new anchors oldest first). It
    may only append anchors, and each must continue its clone's chain: reveal the secret its
    clone's last key committed to (so only the clone that made that key anchors under its id),
    and never move the clone's anchored audit head back (a log cut or rewritten)."""
    creation = set(old) == {"0"}
    if not creation:
        args = ["merge-base", "--is-ancestor", old, new]
        if git.run(args, repo.cwd, check=False).returncode != 0:
            return _("anchors are only ever appended: this update rewrites {ref}").format(
                ref=REF
            ), []
    empty = git.out(["hash-object", "-t", "tree", "/dev/null"], repo.cwd)
    rev = [new] if creation else [new, f"^{old}"]
    fmt = "--format=%x1e%H %T %P%x1f%B"
    out = git.run(["--no-replace-objects", "log", fmt, f"-{MAX_NEW + 1}", *rev], repo.cwd)
    commits = [c for c in out.stdout.decode("utf-8", "replace").split("\x1e") if c]
    if len(commits) > MAX_NEW:
        return _("more than {n} anchors in one push").format(n=MAX_NEW), []
    found: list[tuple[str, Anchor]] = []
    for entry in reversed(commits):
        meta, _sep, body = entry.partition("\x1f")
        sha, tree, *parents = meta.split()
        parsed = parse_full(body.rstrip("\n") + "\n")
        if tree != empty or len(parents) > 1 or parsed is None:
            return _(
                "{sha} is not an audit anchor (empty tree, one parent, anchor message)"
            ).format(sha=sha[:10]), []
        found.append((sha, parsed))
    heads = {} if creation else chain_heads(repo, old)
    for sha, parsed in found:
        problem = _continues(heads.get(parsed.clone), parsed)
        if problem:
            return f"{sha[:10]}: {problem}", []
        heads[parsed.clone] = _merge_head(heads.get(parsed.clone), parsed)
    return None, found


def chain_heads(repo: Repo, rev: str) -> dict[str, Anchor]:
    """Per clone, its last anchored head and the last key it committed to."""
    heads: dict[str, Anchor] = {}
    for parsed in full_anchors(repo, rev):
        heads[parsed.clone] = _merge_head(heads.get(parsed.clone), parsed)
    return heads


def _merge_head(before: Anchor | None, parsed: Anchor) -> Anchor:
    key = parsed.key or (before.key if before else None)
    return Anchor(parsed.clone, parsed.seq, parsed.digest, key=key)


def _continues(before: Anchor | None, parsed: Anchor) -> str | None:
    """Why `parsed` does not continue its clone's chain, or None."""
    if before is None:
        return None
    if before.key is not None:
        if parsed.reveal is None or parsed.key is None:
            return _(
                "clone {clone} anchors with a key: this anchor reveals none, so it was not made "
                "by that clone"
            ).format(clone=parsed.clone)
        if secret_digest(parsed.reveal) != before.key:
            return _(
                "the secret this anchor reveals is not the one clone {clone}'s last anchor "
                "committed to: it was not made by that clone (or repeats a spent anchor)"
            ).format(clone=parsed.clone)
    if parsed.seq < before.seq or (parsed.seq == before.seq and parsed.digest != before.digest):
        return _(
            "clone {clone}'s audit head goes back (record {seq} anchored before, now {now}): "
            "its audit log was cut or rewritten"
        ).format(clone=parsed.clone, seq=before.seq, now=parsed.seq)
    return None


def full_anchors(repo: Repo, rev: str) -> list[Anchor]:
    """Every anchor reachable from `rev`, oldest first."""
    fmt = "--format=%x1e%B"
    out = git.run(["--no-replace-objects", "log", "--reverse", fmt, rev], repo.cwd)
    found = []
    for body in out.stdout.decode("utf-8", "replace").split("\x1e"):
        parsed = parse_full(body.rstrip("\n") + "\n") if body else None
        if parsed:
            found.append(parsed)
    return found


def anchors(repo: Repo, rev: str) -> list[tuple[str, int, str]]:
    """(clone, seq, hash) of every anchor reachable from `rev`, oldest first."""
    return [(a.clone, a.seq, a.digest) for a in full_anchors(repo, rev)]


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


def push_anchor(
    repo: Repo, remote: str, pushes: Sequence[tuple[str, str]] | None = None
) -> tuple[str, int, str]:
    """Anchor the local audit head on `remote`, made for `pushes` ((new value, remote ref) of
    each ref update about to be pushed; by default the current branch's tip to the branch of
    the same name): fetch the anchors, commit one on top, push (a race with another clone's
    anchor is retried on the new tip). Each anchor reveals the secret this clone's previous one
    committed to and commits to a new one (`anchor-key` in the state dir), so only this clone
    can anchor under its id."""
    require_remote(repo, remote)
    seq, digest = chain_head(repo)
    clone = clone_id(repo)
    wanted = tuple(pushes) if pushes is not None else _current_branch(repo)
    bound = tuple((new, ref) for new, ref in wanted if _nameable(ref))
    tracking = tracking_ref(remote)
    empty = git.out(["hash-object", "-t", "tree", "-w", "/dev/null"], repo.cwd)
    failure = b""
    for _attempt in range(ATTEMPTS):
        fetched = git.run(["fetch", "-q", remote, f"+{REF}:{tracking}"], repo.cwd, check=False)
        parent = _tip(repo, tracking) if fetched.returncode == 0 else None
        reveal = _secret_to_reveal(repo, clone, tracking if parent else None)
        following = _new_secret(repo)
        made = Anchor(clone, seq, digest, key=secret_digest(following), reveal=reveal, pushes=bound)
        args = ["commit-tree", empty, *(["-p", parent] if parent else [])]
        sha = git.run(args, repo.cwd, input=made.text().encode()).stdout
        commit = sha.decode("ascii").strip()
        pushed = git.run(
            ["push", "-q", "--no-verify", remote, f"{commit}:{REF}"], repo.cwd, check=False
        )
        if pushed.returncode == 0:
            git.run(["update-ref", tracking, commit], repo.cwd)
            _keep_secret(repo, following)
            return clone, seq, digest
        failure = pushed.stderr
    raise AnchorError(failure.decode("utf-8", "replace").strip())


KEY_FILE = "anchor-key"  # in the clone's state dir: the secret its last anchor committed to
NEXT_KEY_FILE = "anchor-key.next"  # the one an anchor in flight commits to


def _read_secret(repo: Repo, name: str) -> str | None:
    import os

    try:
        with open(os.path.join(repo.state_dir, name), encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return text if re.fullmatch(r"[0-9a-f]{64}", text) else None


def _secret_to_reveal(repo: Repo, clone: str, tracking: str | None) -> str | None:
    """The secret whose digest this clone's last anchor on the remote holds: the kept one, or
    the one of an anchor whose push looked failed but landed."""
    kept, pending = _read_secret(repo, KEY_FILE), _read_secret(repo, NEXT_KEY_FILE)
    last = chain_heads(repo, tracking).get(clone) if tracking else None
    if last is None or last.key is None:
        return None
    for secret in (kept, pending):
        if secret and secret_digest(secret) == last.key:
            return secret
    return kept  # the server will say that it is not this clone's


def _new_secret(repo: Repo) -> str:
    import os

    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    secret = os.urandom(32).hex()
    folder = ensure_dir(repo.state_dir)
    atomic_write(os.path.join(folder, NEXT_KEY_FILE), secret + "\n", encoding="ascii")
    return secret


def _keep_secret(repo: Repo, secret: str) -> None:
    import os

    from workspace_guard.fsutil import atomic_write

    atomic_write(os.path.join(repo.state_dir, KEY_FILE), secret + "\n", encoding="ascii")


def _nameable(ref: str) -> bool:
    """A ref an anchor can name: UTF-8 and no whitespace (git forbids the rest of the bytes an
    anchor line could not carry). Another ref's update is then refused by a requiring server:
    it fails closed."""
    return (
        bool(ref)
        and ref.isprintable()
        and not any(c.isspace() for c in ref)
        and (ref.encode("utf-8", "surrogateescape").decode("utf-8", "replace") == ref)
    )


def _current_branch(repo: Repo) -> tuple[tuple[str, str], ...]:
    """(tip, ref) of the checked-out branch, pushed to the same name; none when detached."""
    proc = git.run(["symbolic-ref", "-q", "HEAD"], repo.cwd, check=False)
    ref = proc.stdout.decode("utf-8", "surrogateescape").strip()
    tip = _tip(repo, "HEAD") if proc.returncode == 0 else None
    return ((tip, ref),) if tip and ref else ()


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

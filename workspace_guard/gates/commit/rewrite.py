"""Provenance notes for commits made without commit-msg: rebase, amend, cherry-pick, revert, am.

`git commit` runs commit-msg, which cross-checks the staged protected paths with the ledger and
leaves a pending note (gates/commit/provenance). `rebase`, `cherry-pick`, `revert` and `am` make
commits without it, so those commits would reach the server without a note. Two doors close that:

- `post-rewrite` (after `git commit --amend` and `git rebase`): git has already copied the old
  commits' notes (`notes.rewriteRef`, which `install` sets, with `notes.rewriteMode=ignore`, so a
  fresh note is never concatenated with an old one into something that is not JSON); each
  rewritten commit whose note does not match what it now holds gets a new one, where the ledger
  proves it.
- `reference-transaction prepared` (every branch update that adds commits, cherry-pick, revert
  and am included): after the push gate's checks pass, each new commit touching a protected path
  with neither a note nor a pending note gets a pending note keyed by its id, where the ledger
  proves it; `committed` attaches it.

"Proves" is the commit gate's own cross-check (`provenance.cross_check`) against the commit's
blobs instead of the index: every protected path of its own change holds bytes an allowed harness
call by its `Agente` wrote, and each `Aprobado-por` recorded an approval. Where the ledger does not
prove a commit, nothing is written and the server (where it requires notes) refuses it; a warning
says so now.
"""

from __future__ import annotations

import json
import os
import sys

from workspace_guard import git
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.template.fields import Fields
    from workspace_guard.gates.push.range import CommitResult
    from workspace_guard.repo import Repo

COMMIT_PREFIX = "commit-"  # pending notes keyed by commit id (tree-keyed ones come from commit-msg)


def provenance_required(repo: Repo) -> bool:
    """As commit-msg decides it (`provenance.required`), from git's config files read without
    running git where they are simple (`provenance_config`): the prepared hook asks this for
    every branch update."""
    from workspace_guard.gates.commit import provenance

    return provenance.required(repo.decider(), {}, repo)


def existing_notes(repo: Repo, shas: Sequence[str]) -> dict[str, bytes]:
    """commit → its note's bytes, for the commits of `shas` that have one."""
    from workspace_guard.gates.commit.provenance import NOTES_REF

    listed = git.run(["notes", "--ref", NOTES_REF, "list"], repo.root, check=False)
    index = {}
    for line in listed.stdout.decode("ascii", "replace").splitlines():
        blob, _sp, commit = line.partition(" ")
        index[commit] = blob
    wanted = list(dict.fromkeys(index[s] for s in shas if s in index))
    if not wanted:
        return {}
    ask = "\n".join(wanted).encode() + b"\n"
    data = git.run(["cat-file", "--batch"], repo.root, input=ask, check=False).stdout
    blobs, at = {}, 0
    for blob in wanted:  # `<id> blob <size>\n<bytes>\n`, or `<id> missing\n`
        end = data.find(b"\n", at)
        header = data[at:end].split(b" ") if end >= 0 else []
        if len(header) != 3 or not header[2].isdigit():
            at = end + 1
            continue
        size = int(header[2])
        blobs[blob] = data[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return {sha: blobs[index[sha]] for sha in shas if index.get(sha) in blobs}


def note_for(repo: Repo, decider: Decider, result: CommitResult) -> dict[str, Any] | str:
    """The note the ledger proves for one checked commit, or why it proves none."""
    from workspace_guard.gates.commit import provenance

    paths = [path for path, _rule in result.touched]
    who = result.agent
    if not who or who not in decider.rules.agents:
        return _("its message names no agent of the rules")
    fields = commit_fields(repo, decider, result.sha)
    blobs = blobs_at(repo, result.sha, paths)
    found, _at_fault, entries = provenance.cross_check(
        repo, decider, fields, who, paths, blobs=blobs
    )
    if found:
        return "; ".join(v.message.split("\n")[0] for v in found[:3])
    return {
        "workspace-guard": 1,
        "agent": who,
        "paths": entries,
        "approved_by": list(fields.approved_by),
    }


def commit_fields(repo: Repo, decider: Decider, sha: str) -> Fields:
    """The template fields of commit `sha`'s message, read as the push gate reads them."""
    from workspace_guard.core.message import MessageEncodingError, parse_message
    from workspace_guard.core.template.fields import Fields, read_fields
    from workspace_guard.gates.commit.hooks import template_config

    raw = git.run(["cat-file", "commit", sha], repo.root).stdout
    body = raw.split(b"\n\n", 1)[1] if b"\n\n" in raw else b""
    try:
        return read_fields(parse_message(body), template_config(decider))
    except MessageEncodingError:
        return Fields()


def blobs_at(repo: Repo, sha: str, paths: Sequence[str]) -> dict[str, str]:
    """path → blob id in commit `sha` (a path missing there is deleted by it)."""
    from workspace_guard.gates.commit.provenance import listed_blobs

    return listed_blobs(repo, ["ls-tree", "-r", "-z", "--full-tree", sha], paths)


def _matches(raw: bytes, result: CommitResult, blobs: dict[str, str]) -> bool:
    """An existing note that names the commit's agent and every protected path with its blob."""
    try:
        note = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(note, dict) or note.get("agent") != result.agent:
        return False
    named = {e.get("path"): e.get("blob") for e in note.get("paths") or [] if isinstance(e, dict)}
    return all(named.get(path, "?") == blobs.get(path) for path, _rule in result.touched)


def _results(repo: Repo, shas: Sequence[str]) -> list[CommitResult]:
    """The push gate's checks of exactly these commits (their own protected change, agent)."""
    from workspace_guard.gates.push.local import trusted_rules
    from workspace_guard.gates.push.range import check_range

    if not shas:
        return []
    return list(check_range(repo, [*shas, "--no-walk=unsorted"], trusted_rules(repo)))


def _warn(sha: str, why: str) -> None:
    text = _(
        "workspace-guard: warning: commit {sha} changes protected paths and the provenance ledger "
        "does not prove it ({why}): it has no provenance note, and a server that requires notes "
        "will refuse it"
    )
    print(text.format(sha=sha[:10], why=why), file=sys.stderr)


def renote(repo: Repo, shas: Iterable[str], *, pending: bool) -> None:
    """Notes for `shas` where the ledger proves them: written now, or (`pending`, before the
    branch moved) kept for `reference-transaction committed` to attach."""
    from workspace_guard.gates.commit.provenance import NOTES_REF, PENDING_DIR

    results = [r for r in _results(repo, list(dict.fromkeys(shas))) if r.touched]
    if not results:
        return
    notes = existing_notes(repo, [r.sha for r in results])
    folder = os.path.join(repo.state_dir, PENDING_DIR)
    decider = repo.decider()
    for result in results:
        paths = [path for path, _rule in result.touched]
        raw = notes.get(result.sha)
        if raw is not None and _matches(raw, result, blobs_at(repo, result.sha, paths)):
            continue
        if pending and _pending_for(repo, folder, result.sha):
            continue
        made = note_for(repo, decider, result)
        if isinstance(made, str):
            _warn(result.sha, made)
            continue
        text = json.dumps(made, ensure_ascii=False, sort_keys=True, indent=1)
        if pending:
            _keep(folder, COMMIT_PREFIX + result.sha, text)
        else:
            add = ["notes", "--ref", NOTES_REF, "add", "-f", "-F", "-", result.sha]
            git.run(add, repo.root, input=text.encode("utf-8"))


def _pending_for(repo: Repo, folder: str, sha: str) -> bool:
    """commit-msg already left this commit's note (keyed by its tree)."""
    tree = git.run(["rev-parse", "-q", "--verify", sha + "^{tree}"], repo.root, check=False)
    name = tree.stdout.decode("ascii", "replace").strip() + ".json"
    return os.path.exists(os.path.join(folder, name))


def _keep(folder: str, name: str, text: str) -> None:
    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    ensure_dir(folder)
    atomic_write(os.path.join(folder, name + ".json"), text, encoding="utf-8", makedirs=False)


def post_rewrite(repo: Repo, data: bytes) -> int:
    """`post-rewrite amend|rebase`: stdin lists `OLD NEW [extra]` per rewritten commit. It cannot
    refuse anything (the rewrite is done); it only writes notes, and never fails the command."""
    if not provenance_required(repo):
        return 0
    news = []
    for line in data.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[1]) in (40, 64) and set(parts[1]) - {"0"}:
            news.append(parts[1])
    renote(repo, news, pending=False)
    return 0


def prepare_notes(repo: Repo, data: bytes) -> None:
    """`reference-transaction prepared`, after the checks passed: pending notes for the new
    commits of the updated branches that commit-msg did not see (cherry-pick, revert, am, the
    end of a rebase, `--no-verify`). A commit commit-msg just accepted (one new commit whose
    tree has a pending note) costs one git call."""
    from workspace_guard.gates.commit.provenance import PENDING_DIR

    folder = os.path.join(repo.state_dir, PENDING_DIR)
    moved = []
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or not parts[2].startswith("refs/heads/") or parts[0] == parts[1]:
            continue
        if set(parts[1]) - {"0"}:
            moved.append((parts[0], parts[1]))
    if not moved or not provenance_required(repo):
        return
    tips = []
    for old, new in moved:
        shown = git.run(["log", "-1", "--format=%T %P", new], repo.root, check=False)
        tree, *parents = shown.stdout.decode("ascii", "replace").split() or [""]
        if parents == [old] and os.path.exists(os.path.join(folder, tree + ".json")):
            continue
        tips.append(new)
    if not tips:
        return
    from workspace_guard.errors import GuardError

    try:
        listed = git.run(["rev-list", *tips, "--not", "--branches", "--remotes"], repo.root)
        renote(repo, listed.stdout.decode("ascii").split(), pending=True)
    except GuardError as exc:  # the commits passed the checks: a note is no reason to refuse
        text = _("workspace-guard: warning: no provenance note was prepared: {error}")
        print(text.format(error=exc.message), file=sys.stderr)

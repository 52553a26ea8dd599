"""The gate's own refs are out of every tool's reach, like its state dir (docs/identity.md).

``refs/notes/workspace-guard`` holds the commit gate's provenance notes: which agent the ledger
says wrote each protected path of a commit. The push gate believes them (``requireProvenance``),
so whoever writes that ref chooses who "wrote" a commit (ATTACK F70). Only the commit hooks write
it (they do not go through the harness gate); every Bash command that may write it, in this
repository or any other (a note forged in a scratch clone and pushed from there is the same
forgery), is refused for every agent, superusers included. Pushing this repository's own notes
ref under its own name (``git push origin refs/notes/workspace-guard``, what pre-push does) stays
allowed: its content was written by the hooks.
"""

from __future__ import annotations

import fnmatch
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash import Analysis
    from workspace_guard.gates.harness.bash.syntax import Finding
    from workspace_guard.repo import Repo

STATE_REFS = ("refs/notes/workspace-guard",)


def refusal(repo: Repo, analysis: Analysis) -> str:
    """The reason to refuse a command that may write one of the gate's refs; "" when none."""
    from workspace_guard.gates.harness.bash.syntax import REF_WRITE
    from workspace_guard.i18n import _

    for finding in analysis.of_kind(REF_WRITE):
        ref = _state_ref_written(repo, finding)
        if ref is not None:
            return _(
                "`{command}` may write {ref}, the commit gate's provenance notes: only "
                "workspace-guard's commit hooks write that ref, no tool call may, whatever the "
                "agent (a forged note would name another agent as the author of a commit)"
            ).format(command=finding.detail[:120], ref=ref)
    return ""


def _state_ref_written(repo: Repo, finding: Finding) -> str | None:
    from workspace_guard.gates.harness.bash.notesrefs import NOTES_DEFAULT, RENAMED_MARK
    from workspace_guard.gates.harness.bash.refs import ANY_REF, REMOTE_MARK
    from workspace_guard.gates.harness.trusted_refs import _is_this_repo

    words = finding.detail.split()
    if len(words) > 1 and words[0] == "git" and words[1] in _OWN_NAMESPACE:
        return None  # a branch, tag or replacement ref, whatever its name: never a notes ref
    refs = list(finding.args)
    push = finding.detail.startswith(("git push", "git send-pack"))
    into_here = True
    if refs and refs[0].startswith(REMOTE_MARK):
        into_here = _is_this_repo(repo, refs[0][len(REMOTE_MARK) :], finding.cwd)
        refs = refs[1:]
    # this repository's own notes pushed under their own name to another repository
    own_push = push and not into_here and _surely_here(repo, finding.cwd)
    for written in refs:
        renamed = written.startswith(RENAMED_MARK)
        ref = written.removeprefix(RENAMED_MARK)
        if ref == NOTES_DEFAULT:
            ref = _default_notes_ref(repo, finding.cwd)
        for state in STATE_REFS:
            if not (ref == ANY_REF or fnmatch.fnmatchcase(state, ref)):
                continue
            if own_push and not renamed:
                continue
            return state
    return None


# subcommands whose ref writes stay in their own namespace (refs/heads, refs/tags,
# refs/replace): a name known only at run time is still one of those
_OWN_NAMESPACE = frozenset({"branch", "tag", "replace", "checkout", "switch"})


def _surely_here(repo: Repo, cwd: str) -> bool:
    """Whether ``cwd`` is known to lie in this repository's work tree (unknown: no)."""
    root = repo.info.root
    if root is None or (cwd and (cwd.startswith(("$", "~")) or not os.path.isdir(cwd))):
        return False
    real, mine = os.path.realpath(cwd or root), os.path.realpath(root)
    return real == mine or real.startswith(mine + os.sep)


def _default_notes_ref(repo: Repo, cwd: str) -> str:
    """The ref `git notes` writes without ``--ref``: ``GIT_NOTES_REF``, ``core.notesRef``, or
    ``refs/notes/commits``; unreadable configuration: any notes ref."""
    from workspace_guard import git

    configured = os.environ.get("GIT_NOTES_REF")
    if not configured:
        where = cwd if cwd and os.path.isdir(cwd) else (repo.info.root or ".")
        proc = git.run(["config", "--get", "core.notesRef"], where, check=False)
        if proc.returncode not in (0, 1):
            return "refs/notes/*"
        configured = proc.stdout.decode("utf-8", "replace").strip()
    from workspace_guard.gates.harness.bash.notesrefs import notes_ref

    return notes_ref(configured or "refs/notes/commits")

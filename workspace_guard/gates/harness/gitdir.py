"""Git's own directory is out of every tool's reach (contract §8: "the harness gate denies every
tool write into `.git/`").

Hooks, config, objects, refs and workspace-guard's state (audit log, ledger, caches) all live
there; a tool that could write them could install its own hook, point `core.hooksPath` elsewhere,
forge a ledger line or poison a cache. Git commands themselves are not tool writes to these
paths (the shell analysis names their work-tree targets only), so `git commit` keeps working.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Decision
    from workspace_guard.repo import Repo

GIT_DIRNAME = ".git"


def _real(path: str) -> str:
    """`realpath` of the longest existing prefix (a new file's directory decides)."""
    head, tail = path, ""
    while head and not os.path.lexists(head):
        head, part = os.path.split(head)
        tail = os.path.join(part, tail) if tail else part
        if head in ("", os.sep):
            break
    real = os.path.realpath(head) if head else head
    return os.path.join(real, tail) if tail else real


def _below(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def is_git_internal(repo: Repo, absolute: str) -> bool:
    """True for a path in the repository's git dir, its common dir, or any `.git` component
    (a submodule's, a nested repository's, a worktree's `.git` file itself)."""
    parts = os.path.normpath(absolute).split(os.sep)
    if GIT_DIRNAME in parts:
        return True
    real = _real(os.path.normpath(absolute))
    for directory in {repo.info.git_dir, repo.info.common_dir}:
        if directory and _below(real, os.path.realpath(directory)):
            return True
    return False


def denial(repo: Repo, agent: str, absolute: str, escalation: str) -> Decision:
    """The denial of a write into git's directory (no owner: nobody's tool may write there)."""
    from workspace_guard.core.model import Decision

    shown = absolute
    root = repo.info.root
    if root is not None:
        rel = os.path.relpath(absolute, root)
        if not rel.startswith(os.pardir):
            shown = rel
    return Decision(
        agent=agent,
        path=shown,
        allowed=False,
        reason="protected",
        level="critical",
        escalation=escalation,
    )


def note() -> str:
    """Why: appended to the harness's deny reason."""
    from workspace_guard.i18n import _

    return _(
        "Git's own directory (.git/: hooks, config, objects, refs and workspace-guard's state) "
        "is written by git and workspace-guard only: no tool call may write there, whatever the "
        "agent; use git commands for git's data."
    )

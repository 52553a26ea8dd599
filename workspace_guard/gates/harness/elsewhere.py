"""The harness gate's warning (never a denial): an allowed write to a path that another worktree
of the same repository has modified and not committed, or created and not added (issue 16; the
validator's twin is `commands/validate.py`). Two agents are about to change the same file; the
one writing now is told so, in the answer its harness shows the model (`formats.py`).

No linked worktree (the common case): one `isdir`, no git exec. With them: each other
worktree's index entry for a file asked about, read in process (speed/worktree_index.py); git
status only for what that cannot tell (folders, untracked files, odd indexes). Whatever goes wrong
here (no git on PATH, an unreadable worktree) gives no warning; it never blocks the call.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from workspace_guard.gates.harness.gate import Verdict
    from workspace_guard.repo import Repo

SHOWN_PATHS = 3  # paths named per other worktree
SHOWN_TREES = 4  # other worktrees named in one warning


def collisions(repo: Repo, rels: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(other worktree, the asked paths it has modified and not committed or created and not
    added), for each other worktree with any. A directory (or the root, "") asked for covers
    the files under it."""
    from workspace_guard import git
    from workspace_guard.errors import GuardError
    from workspace_guard.speed import worktree_index

    targets = sorted(set(rels))
    info = repo.info
    if not targets or info.root is None:
        return []
    try:
        others = git.other_worktrees(info.common_dir, info.root)
    except (GuardError, OSError, ValueError):
        return []
    found: list[tuple[str, list[str]]] = []
    for tree in others:
        try:
            changed = worktree_index.uncommitted(tree, targets)  # its index; git when unsure
        except (GuardError, OSError, ValueError):
            continue
        hit = sorted(path for path in changed if any(_covers(t, path) for t in targets))
        if hit:
            found.append((tree, hit))
    return found


def _covers(target: str, path: str) -> bool:
    return not target or path == target or path.startswith(target.rstrip("/") + "/")


def warning(judged: Sequence[tuple[Repo, Verdict]]) -> str:
    """The words for an allowed call (empty: nothing to say)."""
    from workspace_guard.i18n import _

    lines = []
    for repo, verdict in judged:
        rels = [d.path for d in verdict.allowed]
        for tree, paths in collisions(repo, rels):
            shown = ", ".join(paths[:SHOWN_PATHS])
            if len(paths) > SHOWN_PATHS:
                shown += _(", and {n} more").format(n=len(paths) - SHOWN_PATHS)
            lines.append(
                _(
                    "workspace-guard (warning, not a block): {paths} modified and not committed "
                    "in the worktree {worktree}; another agent may be changing it. This write is "
                    "allowed, but agree who does it (`workspace-guard claim`) before you go on."
                ).format(paths=shown, worktree=os.path.normpath(tree))
            )
    return "\n".join(lines[:SHOWN_TREES])

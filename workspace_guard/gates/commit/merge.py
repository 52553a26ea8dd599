"""The own change of a merge being committed (MERGE_HEAD): what the commit-msg hook checks.

A merge's own change is what its tree holds that none of its parents gave it, as `git diff-tree
--cc` shows it (contract §5) — conflict resolutions, an edit slipped into `git merge --no-commit`,
octopus merges too. The push gate computes it for a merge commit (gates/push/range,
`Checker._merge_own`); the hook has no commit yet, so it writes the one being made as a probe
(`git write-tree` of the index, `git commit-tree` with HEAD and every MERGE_HEAD as parents: two
small objects, unreferenced, left to `git gc`) and asks the push gate's own narrowing, so both
layers see the same paths.
"""

from __future__ import annotations

import os

from workspace_guard import git

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.repo import Repo


def merge_heads(repo: Repo) -> list[str]:
    """The other parents of the merge being made (MERGE_HEAD: one line per head)."""
    try:
        with open(os.path.join(repo.info.git_dir, "MERGE_HEAD"), encoding="ascii") as handle:
            return [line.strip() for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError):
        return []


def merge_parents(repo: Repo, amending: bool) -> list[str] | None:
    """The parents of the merge being committed: HEAD and every MERGE_HEAD; for an amend (or a
    reword) of a merge, HEAD's own parents. None: the commit being made is no merge."""
    heads = merge_heads(repo)
    if not heads and not amending:
        return None
    fmt = "%P" if not heads else "%H"
    shown = git.run(["log", "-1", f"--format={fmt}", "HEAD"], repo.root, check=False)
    found = shown.stdout.decode("ascii", "replace").split()
    if shown.returncode != 0 or not found:
        return None
    if not heads:
        return found if len(found) > 1 else None
    return [*found, *heads]


def own_paths(repo: Repo, rules: Rules, amending: bool = False) -> list[str] | None:
    """The paths of the merge's own change (normalised like the push gate's), or None when no
    merge is being made. Fails closed: where the probe cannot be written, every path that
    differs from the first parent counts."""
    parents = merge_parents(repo, amending)
    if parents is None:
        return None
    tree = git.run(["write-tree"], repo.root, check=False)
    if tree.returncode != 0:
        return git.staged_paths(repo.root, parents[0])
    args = ["commit-tree", tree.stdout.decode("ascii").strip()]
    for parent in parents:
        args += ["-p", parent]
    probe = git.run(args, repo.root, input=b"workspace-guard: merge probe\n", check=False)
    if probe.returncode != 0:
        return git.staged_paths(repo.root, parents[0])
    sha = probe.stdout.decode("ascii").strip()
    ask = ["--no-replace-objects", "diff-tree", "-r", "-c", "-z", "--name-only", "--no-renames"]
    ask += ["--no-commit-id", "--ignore-submodules=none", "--no-ext-diff", sha]
    listed = git.run(ask, repo.root)
    from workspace_guard.gates.push.range import Checker

    checker = Checker(repo, rules)
    paths, _problems = checker._paths(git.zsplit(listed.stdout))
    return checker._merge_own(sha, paths) if paths else []

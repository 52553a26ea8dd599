"""Commits built the way an attacker on a crew builds them, with plain git and no hooks: trees
written through a throwaway index, commits made by `git commit-tree`, a rules file that hands a
protected path to another agent; and the ordinary office commits and feature branches around them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers.gitserver import commit, template
from helpers.pushserver import BACKEND, BACKEND_OFFICE
from helpers.repos import git

MAIN_OWNER_LINE = "  - pattern: /app/main.py\n    owner: system-architect-ai"


def office_change(clone: Path, name: str = "a.md") -> str:
    """A good commit in the backend agent's own office."""
    path = f"{BACKEND_OFFICE}/{name}"
    return commit(clone, {path: f"{name}\n"}, template(f"docs(office): {name}", BACKEND, path))


def feature_branch(clone: Path, name: str = "feature") -> str:
    """A branch off origin/main with one good commit; back on main afterwards."""
    git(clone, "checkout", "-q", "-b", name, "origin/main")
    sha = office_change(clone, f"{name}.md")
    git(clone, "checkout", "-q", "main")
    return sha


def commit_tree(clone: Path, tree: str, parents: list[str], message: str) -> str:
    """A commit made with `git commit-tree` (no hook runs)."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return git(clone, *args, input=message.encode()).strip()


def tree_with(clone: Path, base: str, path: str, content: str) -> str:
    """The tree of `base` with one file replaced (a throwaway index: the worktree is untouched)."""
    env_index = clone / ".git" / "evil-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(env_index)}

    def run(*args: str, data: bytes | None = None) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=clone, env=env, input=data, capture_output=True, check=True
        )
        return proc.stdout.decode().strip()

    run("read-tree", base)
    blob = run("hash-object", "-w", "--stdin", data=content.encode())
    run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    tree = run("write-tree")
    env_index.unlink()
    return tree


def rules_granting_main(clone: Path, owner: str = BACKEND) -> str:
    """The clone's rules file with app/main.py handed to `owner` (a change only a superuser
    may commit; asserted to differ, so a changed example cannot make it a no-op)."""
    text = (clone / ".workspace" / "rules.yaml").read_text()
    granted = text.replace(MAIN_OWNER_LINE, f"  - pattern: /app/main.py\n    owner: {owner}")
    assert granted != text
    return granted

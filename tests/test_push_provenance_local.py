"""A commit built with plumbing never meets the commit hooks: in a clone that requires provenance,
the installed `pre-push` hook compares the commits it is about to push with their provenance
notes, as the server does when it requires them, so `git commit-tree` + `git push SHA:main` is
refused before it leaves the clone — even by a server that does not require provenance.
Real clones of a bare repository served by `git daemon`; the ledger written by real hook calls.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git
from helpers.forge import commit_tree, tree_with
from helpers.gitserver import push, template
from helpers.pushserver import ARCHITECT, Server, assert_accepted, installed_clone
from test_push_notes import guarded_clone, owner_commit

MAIN = "app/main.py"


def plumbing_commit(clone: Path, text: str = "app = 'plumbing'\n") -> str:
    """The owner's change to app/main.py built with `commit-tree` on origin/main: template and
    ownership pass, no hook ran, no note."""
    base = git(clone, "rev-parse", "origin/main").strip()
    tree = tree_with(clone, base, MAIN, text)
    return commit_tree(clone, tree, [base], template("fix(app): quiet change", ARCHITECT, MAIN))


def test_commit_tree_then_push_sha_to_main_is_refused_by_pre_push(server: Server) -> None:
    clone = guarded_clone(server)
    before = server.ref("refs/heads/main")
    sha = plumbing_commit(clone)
    result = push(clone, "origin", f"{sha}:refs/heads/main")
    assert result.returncode != 0
    assert "[provenance-note]" in result.stderr
    assert "no provenance note" in result.stderr
    assert sha[:10] in result.stderr
    assert "Traceback" not in result.stderr
    assert server.ref("refs/heads/main") == before


def test_a_configured_refspec_is_judged_as_pushed(server: Server) -> None:
    """No refspec on the command line: `remote.origin.push` sends the plumbing commit's branch
    to main; pre-push judges what git actually sends."""
    clone = guarded_clone(server)
    before = server.ref("refs/heads/main")
    sha = plumbing_commit(clone)
    git(clone, "branch", "quiet", sha)
    git(clone, "config", "remote.origin.push", "refs/heads/quiet:refs/heads/main")
    proc = subprocess.run(
        ["git", "push", "origin"], cwd=clone, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0, proc.stderr
    assert "[provenance-note]" in proc.stderr
    assert server.ref("refs/heads/main") == before


def test_commits_made_through_the_hooks_still_push(server: Server) -> None:
    clone = guarded_clone(server)
    sha = owner_commit(clone)
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == sha


def test_a_clone_that_does_not_require_provenance_is_unchanged(server: Server) -> None:
    clone = installed_clone(server)
    sha = plumbing_commit(clone)
    assert_accepted(push(clone, "origin", f"{sha}:refs/heads/main"))
    assert server.ref("refs/heads/main") == sha

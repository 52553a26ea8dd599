"""`pre-push` judges what the remote really has, never the clone's remote-tracking refs.

An agent writes `refs/remotes/origin/*` with one `git update-ref` (or a fetch from a clone of its
own), so a commit "already on origin/main" as far as the clone knows proves nothing. The hook
skips only what the remote holds: the old values git reads from the remote for the pushed refs,
and, for a ref the remote does not have, the remote's own refs (`git ls-remote`). Each case
forges the tracking refs to cover a commit made with the hooks off and pushes it for real to a
bare repository served by `git daemon`: the hook must refuse it before anything leaves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git
from helpers.gitserver import push, template
from helpers.pushserver import (
    BACKEND,
    Server,
    assert_accepted,
    assert_rejected,
    installed_clone,
    readme_change,
)

NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


def head(clone: Path, rev: str = "HEAD") -> str:
    return git(clone, "rev-parse", rev).strip()


def bad_commit(clone: Path, text: str = "app = None\n") -> str:
    """A protected change by a non-owner, committed with the hooks off, on the current branch."""
    (clone / "app" / "main.py").write_text(text)
    git(clone, "add", "app/main.py")
    message = template("fix(app): drop the app", BACKEND, "app/main.py")
    git(clone, *NO_HOOKS, "commit", "-q", "-m", message)
    return head(clone)


def forge(clone: Path, sha: str, *refs: str) -> None:
    """What an agent does to make the clone believe the remote has `sha`."""
    for ref in refs:
        git(clone, *NO_HOOKS, "update-ref", ref, sha)


def refused_locally(
    result: subprocess.CompletedProcess[str], server: Server, before: dict[str, str]
) -> None:
    assert result.returncode != 0, result.stderr
    assert "push refused" in result.stderr, result.stderr
    assert "remote:" not in result.stderr  # the server never saw it
    assert "Traceback" not in result.stderr
    assert server.refs() == before


ALL_TRACKING = ("refs/remotes/origin/main", "refs/remotes/origin/HEAD", "refs/remotes/origin/topic")


def test_forged_tracking_ref_does_not_hide_a_commit_on_main(server: Server) -> None:
    clone = installed_clone(server)
    before = server.refs()
    sha = bad_commit(clone)
    forge(clone, sha, "refs/remotes/origin/main")
    refused_locally(push(clone, "origin", "main"), server, before)
    # the server holds too, when the hook is skipped
    assert_rejected(push(clone, "--no-verify", "origin", "main"), server, sha)


def test_forged_refs_do_not_hide_a_new_branch(server: Server) -> None:
    clone = installed_clone(server)
    before = server.refs()
    git(clone, *NO_HOOKS, "checkout", "-q", "-b", "topic")
    sha = bad_commit(clone)
    forge(clone, sha, *ALL_TRACKING)
    refused_locally(push(clone, "origin", "topic"), server, before)


def test_several_refs_in_one_push(server: Server) -> None:
    clone = installed_clone(server)
    before = server.refs()
    readme_change(clone, "a good change")  # hooks on: checked and fine
    git(clone, *NO_HOOKS, "checkout", "-q", "-b", "topic")
    sha = bad_commit(clone)
    git(clone, *NO_HOOKS, "checkout", "-q", "main")
    forge(clone, sha, *ALL_TRACKING)
    refused_locally(push(clone, "origin", "main", "topic"), server, before)
    refused_locally(push(clone, "--all", "origin"), server, before)


def test_a_tag_of_a_hidden_commit(server: Server) -> None:
    clone = installed_clone(server)
    before = server.refs()
    git(clone, *NO_HOOKS, "checkout", "-q", "--detach")
    sha = bad_commit(clone)
    git(clone, *NO_HOOKS, "tag", "v9", sha)
    git(clone, *NO_HOOKS, "tag", "-a", "-m", "release", "v9a", sha)
    forge(clone, sha, *ALL_TRACKING)
    refused_locally(push(clone, "origin", "v9"), server, before)
    refused_locally(push(clone, "origin", "v9a"), server, before)
    refused_locally(push(clone, "origin", "--tags"), server, before)


def test_a_merge_that_brings_a_hidden_commit(server: Server) -> None:
    clone = installed_clone(server)
    before = server.refs()
    git(clone, *NO_HOOKS, "checkout", "-q", "-b", "side")
    sha = bad_commit(clone)
    git(clone, *NO_HOOKS, "checkout", "-q", "main")
    readme_change(clone, "main moves on")
    git(clone, *NO_HOOKS, "merge", "-q", "--no-ff", "--no-edit", "side")
    forge(clone, sha, "refs/remotes/origin/main", "refs/remotes/origin/side")
    refused_locally(push(clone, "origin", "main"), server, before)


def test_a_force_push_over_a_forged_tip(server: Server) -> None:
    clone = installed_clone(server)
    readme_change(clone, "first")
    assert_accepted(push(clone, "origin", "main"))
    before = server.refs()
    git(clone, *NO_HOOKS, "reset", "-q", "--hard", "HEAD~1")
    sha = bad_commit(clone)
    forge(clone, sha, "refs/remotes/origin/main")
    refused_locally(push(clone, "--force", "origin", "main"), server, before)


def test_deleted_and_recreated_branch(server: Server) -> None:
    clone = installed_clone(server)
    git(clone, "checkout", "-q", "-b", "topic")
    readme_change(clone, "topic work")
    assert_accepted(push(clone, "origin", "topic"))
    assert_accepted(push(clone, "origin", "--delete", "topic"))
    before = server.refs()
    sha = bad_commit(clone)
    forge(clone, sha, *ALL_TRACKING)
    refused_locally(push(clone, "origin", "topic"), server, before)


def test_honest_pushes_still_pass(server: Server) -> None:
    """The remote's own refs cover the history it has (pre-adoption commits included): a new
    branch with good commits is not refused for what main already holds."""
    clone = installed_clone(server)
    readme_change(clone, "on main")
    assert_accepted(push(clone, "origin", "main"))
    git(clone, "checkout", "-q", "-b", "feature")
    readme_change(clone, "on a feature")
    result = push(clone, "origin", "feature")
    assert_accepted(result)
    assert head(clone) == server.ref("refs/heads/feature")
    git(clone, "tag", "v1")
    assert_accepted(push(clone, "origin", "v1"))

"""`git pull` decided by what it could change (issue 14; closing note of stop 19), with a real
shared remote.

A pull is a fetch, then a merge or rebase. Without the network the incoming paths of the
configured remote cannot be known; what comes from there has passed the server's gate, so such
a pull is judged by the local changes it could overwrite or carry along (a protected file
modified here) and by whether it may move the trusted ref (docs/trust-root.md). A pull from a
local repository that shares history is computed from that repository; from anywhere else it
still counts as changing every file, and the denial says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied
from helpers.repos import shared_clone

OWNER = "system-architect-ai"
OTHER = "backend-framework-ai"
ID = ["-c", "user.name=x", "-c", "user.email=x@x", "-c", "core.hooksPath=/dev/null"]


def commit_change(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", rel)
    git(repo, *ID, "commit", "-qm", f"change {rel}")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """An agent's clone of a shared repository, and upstream commits it has not fetched yet:
    the owner changed app/main.py, someone else a free file."""
    work = shared_clone(make_workspace(tmp_path / "origin"), tmp_path)
    other = tmp_path / "owner"
    git(tmp_path, "clone", "-q", str(tmp_path / "server.git"), str(other))
    commit_change(other, "app/main.py", "# the owner's accepted change\n")
    commit_change(other, "app/models/order.py", "# free\n")
    git(other, "push", "-q", "origin", "HEAD")
    return work


@pytest.mark.parametrize(
    "command",
    [
        "git pull",
        "git pull -q",
        "git pull --ff-only",
        "git pull --rebase",
        "git pull --no-rebase origin",
        "git pull origin main",
        "git pull --autostash",
        "git fetch && git pull",
    ],
)
def test_a_pull_of_the_configured_remote_on_a_clean_tree_passes(clone: Path, command: str) -> None:
    assert bash_denied(clone, command, OTHER) is None, command


def test_a_pull_with_an_unprotected_local_change_passes(clone: Path) -> None:
    (clone / "README.md").write_text("# mine\n")
    assert bash_denied(clone, "git pull", OTHER) is None


@pytest.mark.parametrize(
    "command", ["git pull", "git pull --rebase --autostash", "git pull origin main"]
)
def test_a_pull_with_a_modified_protected_file_is_denied(clone: Path, command: str) -> None:
    (clone / "app" / "main.py").write_text("# local edit\n")
    reason = bash_denied(clone, command, OTHER)
    assert reason is not None and "app/main.py" in reason, command
    assert "network" in reason  # says why only the local changes are judged
    assert bash_denied(clone, command, OWNER) is None


def test_a_pull_from_a_local_clone_is_decided_by_what_it_brings(clone: Path) -> None:
    evil = clone.parent / "evil"
    git(clone.parent, "clone", "-q", str(clone), str(evil))
    commit_change(evil, "app/models/order.py", "# free\n")
    assert bash_denied(clone, "git pull ../evil main", OTHER) is None
    commit_change(evil, "app/main.py", "# not the owner's\n")
    reason = bash_denied(clone, "git pull ../evil main", OTHER)
    assert reason is not None and "app/main.py" in reason
    assert bash_denied(clone, "git pull --rebase ../evil main", OTHER) is not None


def test_a_pull_of_another_configured_remote_is_decided_by_what_it_brings(clone: Path) -> None:
    """Only the trusted remote's content passed the server's gate: a remote added earlier
    (`git remote add fork ../evil`, allowed) is judged by what its refs bring."""
    evil = clone.parent / "evil"
    git(clone.parent, "clone", "-q", str(clone), str(evil))
    git(clone, "remote", "add", "fork", str(evil))
    commit_change(evil, "app/models/order.py", "# free\n")
    assert bash_denied(clone, "git pull fork main", OTHER) is None
    commit_change(evil, "app/main.py", "# not the owner's\n")
    for command in ("git pull fork main", "git pull --rebase fork main"):
        reason = bash_denied(clone, command, OTHER)
        assert reason is not None and "app/main.py" in reason, command
    git(clone, "config", "branch.main.remote", "fork")
    git(clone, "config", "branch.main.merge", "refs/heads/main")
    assert bash_denied(clone, "git pull", OTHER) is not None  # the upstream is the fork


def test_a_pull_of_the_trusted_remote_named_in_rules_ref(clone: Path) -> None:
    git(clone, "remote", "rename", "origin", "upstream")
    git(clone, "config", "workspace-guard.rulesRef", "refs/remotes/upstream/main")
    assert bash_denied(clone, "git pull upstream main", OTHER) is None
    (clone / "app" / "main.py").write_text("# local edit\n")
    assert bash_denied(clone, "git pull upstream main", OTHER) is not None


@pytest.mark.parametrize(
    "command",
    [
        "git pull https://example.invalid/x.git main",
        'git pull "$R" main',
        "git pull ../nowhere main",
    ],
)
def test_a_pull_from_elsewhere_counts_as_everything(clone: Path, command: str) -> None:
    reason = bash_denied(clone, command, OTHER)
    assert reason is not None and "cannot be known" in reason, command

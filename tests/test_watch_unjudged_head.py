"""A HEAD move to a commit nobody judged is an edit, not a new baseline (ATTACK F05/F06).

The reproduced bypass: allowed plumbing (`hash-object -w`, `update-index --cacheinfo`,
`write-tree`, `commit-tree`: no ref moves, no hook runs) makes a commit whose app/main.py is
EVIL, and a script checks it out. The daemon's baseline followed HEAD: no record, no restore.
Real git, a real shared repository, a real daemon with `--restore`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from helpers.commits import template
from helpers.watch import Start, clone_fixture, records, wait_for, wait_record

GUARDED = "app/main.py"  # critical, owned by OWNER
OWNER = "system-architect-ai"
EVIL = b"EVIL = True\n"


workspace = pytest.fixture(clone_fixture, name="workspace")


def crafted(work: Path, message: str = "wip") -> str:
    """A commit holding EVIL in the protected file, made with plumbing only (no ref moves)."""
    blob = git(work, "hash-object", "-w", "--stdin", input=EVIL).strip()
    good = git(work, "rev-parse", f"HEAD:{GUARDED}").strip()
    git(work, "update-index", "--cacheinfo", f"100644,{blob},{GUARDED}")
    tree = git(work, "write-tree").strip()
    sha = git(work, "commit-tree", tree, "-p", "HEAD", "-m", message).strip()
    git(work, "update-index", "--cacheinfo", f"100644,{good},{GUARDED}")
    return sha


@pytest.mark.parametrize("how", ["checkout --detach", "reset --hard", "switch -c"])
def test_checking_out_an_unjudged_commit_is_an_edit(
    workspace: Path, watchd: Start, how: str
) -> None:
    before = (workspace / GUARDED).read_bytes()
    watchd("--restore")
    sha = crafted(workspace)
    if how == "checkout --detach":
        git(workspace, "checkout", "-q", "--detach", sha)
    elif how == "reset --hard":
        git(workspace, "-c", "core.hooksPath=/dev/null", "reset", "-q", "--hard", sha)
    else:
        git(workspace, "-c", "core.hooksPath=/dev/null", "switch", "-q", "-c", "side", sha)
    found = wait_record(workspace, change="unjudged_head")
    assert found["head"] == sha and found["commits"] == [sha] and found["paths"] == [GUARDED]
    assert found["level"] == "critical"
    wait_record(workspace, action="restored", path=GUARDED)
    wait_for(lambda: (workspace / GUARDED).read_bytes() == before, "the accepted bytes back")


def test_a_judged_commit_becomes_the_baseline(workspace: Path, watchd: Start) -> None:
    watchd("--restore")
    (workspace / GUARDED).write_text("# the owner's change\n")
    git(workspace, "-c", "core.hooksPath=/dev/null", "add", GUARDED)
    message = template(files=GUARDED, agent=OWNER)
    git(workspace, "-c", "core.hooksPath=/dev/null", "commit", "-qm", message)
    head = git(workspace, "rev-parse", "HEAD").strip()
    wait_for(
        lambda: (
            any(r.get("head") == head for r in records(workspace, action="started"))
            or _baseline_moved(workspace, head)
        ),
        "the daemon to follow HEAD",
    )
    assert not records(workspace, change="unjudged_head")
    assert (workspace / GUARDED).read_text() == "# the owner's change\n"


def _baseline_moved(work: Path, head: str) -> bool:
    import json

    status = work / ".git" / "workspace-guard" / "watch.status.json"
    try:
        return str(json.loads(status.read_text()).get("head", "")).startswith(head[:12])
    except (OSError, ValueError):
        return False


@pytest.mark.parametrize("subject", ["fixup! fix(app): x", 'Revert "feat(app): y"', "squash! z"])
def test_a_template_skipped_commit_naming_nobody_is_not_followed(
    workspace: Path, watchd: Start, subject: str
) -> None:
    """ATTACK F06b: the push gate's checker skips these subjects; the daemon does not follow."""
    before = (workspace / GUARDED).read_bytes()
    watchd("--restore")
    sha = crafted(workspace, f"{subject}\n\nAgente: nobody-in-particular\n")
    git(workspace, "checkout", "-q", "--detach", sha)
    found = wait_record(workspace, change="unjudged_head")
    assert found["commits"] == [sha] and found["paths"] == [GUARDED]
    wait_for(lambda: (workspace / GUARDED).read_bytes() == before, "the accepted bytes back")

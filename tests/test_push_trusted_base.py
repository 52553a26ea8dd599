"""Where no `workspace-guard.rulesRef` is recorded (an install made before the rules were pushed,
or by an older version), the protected branch whose rules every local layer reads is the
remote's own default branch, asked over the wire (`ls-remote --symref`), never the clone's
`refs/remotes/origin/HEAD` nor a local branch's upstream: both are repointed with one git
command (`git remote set-head`, `git symbolic-ref`, `git branch -u`), and git older than 2.46
writes symbolic refs outside any ref transaction, so no hook sees it. When the remote cannot be
asked and nothing was learnt from it before, the layers fail closed.

Real clones of a bare repository served by `git daemon`; the forged rules sit on a
remote-tracking ref no hook guards (`refs/remotes/origin/evil`), written with `update-ref`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import git, run_cli
from helpers.forge import commit_tree, rules_granting_main, tree_with
from helpers.gitserver import push, template
from helpers.pushserver import BACKEND, MASTER, Server, installed_clone

EVIL = "refs/remotes/origin/evil"
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")
CACHE = ".git/workspace-guard/remote-head.json"
VALIDATOR = "agent_workspace_validator"


def older_install(server: Server) -> Path:
    """An installed clone whose config holds no rulesRef and no answer of the remote yet."""
    clone = installed_clone(server)
    git(clone, "config", "--unset", "workspace-guard.rulesRef")
    (clone / CACHE).unlink(missing_ok=True)
    return clone


def forge_evil(clone: Path) -> str:
    """Rules handing app/main.py to the backend agent, on a tracking ref no hook guards."""
    base = git(clone, "rev-parse", "refs/remotes/origin/main").strip()
    tree = tree_with(clone, base, ".workspace/rules.yaml", rules_granting_main(clone))
    message = template("chore(rules): hand over", MASTER, ".workspace/rules.yaml")
    forged = commit_tree(clone, tree, [base], message)
    git(clone, "update-ref", EVIL, forged)
    return forged


def validate(clone: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(clone, BACKEND, "app/main.py", "--format", "json", prog=VALIDATOR)


def allowed(clone: Path) -> bool:
    proc = validate(clone)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return bool(json.loads(proc.stdout)["allowed"])


def main_edit_refused(clone: Path) -> None:
    """The commit gate (hooks on) and pre-push (for one made with the hooks off) refuse the
    backend agent's change of app/main.py: the trusted rules are still the server's."""
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "app/main.py")
    message = template("fix(app): drop the app", BACKEND, "app/main.py")
    hooked = subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=clone, capture_output=True, check=False
    )
    assert hooked.returncode != 0, "commit-msg accepted a change the server's rules deny"
    git(clone, *NO_HOOKS, "commit", "-q", "-m", message)
    result = push(clone, "origin", "HEAD:main")
    assert result.returncode != 0
    assert "push refused" in result.stderr, result.stderr  # pre-push, before anything left
    assert "remote:" not in result.stderr


def test_remote_set_head_does_not_choose_the_trusted_base(server: Server) -> None:
    clone = older_install(server)
    forge_evil(clone)
    assert not allowed(clone)
    git(clone, "remote", "set-head", "origin", "evil")
    assert git(clone, "symbolic-ref", "refs/remotes/origin/HEAD").strip() == EVIL
    assert not allowed(clone)
    main_edit_refused(clone)


def test_symbolic_ref_of_origin_head_does_not_choose_the_trusted_base(server: Server) -> None:
    clone = older_install(server)
    forge_evil(clone)
    git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", EVIL)
    assert not allowed(clone)
    main_edit_refused(clone)


def test_the_upstream_of_main_does_not_choose_the_trusted_base(server: Server) -> None:
    clone = older_install(server)
    forge_evil(clone)
    git(clone, "remote", "set-head", "origin", "--delete")
    git(clone, "branch", "-u", "origin/evil", "main")
    assert not allowed(clone)
    main_edit_refused(clone)


def test_what_the_remote_said_holds_while_it_cannot_be_asked(server: Server) -> None:
    """Asked once, the remote's default branch is kept (keyed by its URL): an unreachable
    remote later changes nothing, and a repointed origin/HEAD still does not count."""
    clone = older_install(server)
    assert not allowed(clone)  # asks the remote, keeps its answer
    assert (clone / CACHE).exists()
    forge_evil(clone)
    gone = server.bare.with_name("gone.git")
    os.rename(server.bare, gone)
    try:
        git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", EVIL)
        assert not allowed(clone)
    finally:
        os.rename(gone, server.bare)


def test_an_unreachable_remote_with_nothing_learnt_fails_closed(server: Server) -> None:
    clone = older_install(server)
    forge_evil(clone)
    git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", EVIL)
    (clone / CACHE).unlink(missing_ok=True)  # the hooks that ran since asked the remote
    gone = server.bare.with_name("gone.git")
    os.rename(server.bare, gone)
    try:
        proc = validate(clone)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "default branch" in proc.stderr and "rulesRef" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        os.rename(gone, server.bare)
    assert not allowed(clone)  # reachable again: the remote's answer decides


def test_install_records_the_remote_default_branch_not_a_repointed_one(server: Server) -> None:
    clone = older_install(server)
    forge_evil(clone)
    git(clone, "remote", "set-head", "origin", "evil")
    result = run_cli(clone, "install")
    assert result.returncode == 0, result.stderr
    recorded = git(clone, "config", "--get", "workspace-guard.rulesRef").strip()
    assert recorded == "refs/remotes/origin/main"
    assert not allowed(clone)

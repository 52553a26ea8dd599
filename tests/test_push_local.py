"""The push gate's checks in the agent's own clone, installed by `workspace-guard install`:
`reference-transaction` (every branch update, `--no-verify`, cherry-pick, revert, rebase and am
included) and `pre-push`. Real clones of a bare repository served by `git daemon`, real commits.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.gitserver import push, template
from helpers.pushserver import (
    ARCHITECT,
    BACKEND,
    Server,
    assert_accepted,
    assert_rejected,
    installed_clone,
    main_change,
    readme_change,
)

from workspace_guard import git as wg_git
from workspace_guard.commands import install
from workspace_guard.gates.push import local, server_moves

NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


def head(clone: Path) -> str:
    return git(clone, "rev-parse", "HEAD").strip()


def attempt(clone: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run(["git", *args], cwd=clone, capture_output=True, check=False)
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


def test_no_verify_commit_does_not_move_the_branch(server: Server) -> None:
    clone = installed_clone(server)
    before = head(clone)
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "app/main.py")
    code, err = attempt(clone, "commit", "-q", "--no-verify", "-m", "quick fix")
    assert code != 0
    assert "branch update refused" in err
    assert "[agent-unknown]" in err or "[field-missing]" in err
    assert "Traceback" not in err
    assert head(clone) == before


def test_a_protocol_following_commit_still_lands(server: Server) -> None:
    clone = installed_clone(server)
    sha = readme_change(clone)
    assert head(clone) == sha
    assert_accepted(push(clone, "origin", "main"))


def test_cherry_pick_revert_rebase_and_am_of_a_bad_change_are_refused(server: Server) -> None:
    clone = installed_clone(server)
    git(clone, "checkout", "-q", "-b", "side")
    git(clone, *NO_HOOKS, "checkout", "-q", "main")
    bad = _bad_commit_on(clone, "side")
    before = readme_change(clone, "main moves on")  # so a pick is a new commit, not `bad` again

    code, err = attempt(clone, "cherry-pick", bad)
    assert code != 0 and "branch update refused" in err
    assert head(clone) == before
    git(clone, *NO_HOOKS, "cherry-pick", "--abort", check=False)
    git(clone, "reset", "-q", "--hard", before)

    patch = git(clone, "format-patch", "-1", "--stdout", bad)
    proc = subprocess.run(
        ["git", "am", "-q"], cwd=clone, input=patch.encode(), capture_output=True, check=False
    )
    assert proc.returncode != 0
    assert "branch update refused" in proc.stderr.decode()
    git(clone, "am", "--abort", check=False)
    assert head(clone) == before

    git(clone, *NO_HOOKS, "checkout", "-q", "side")
    code, err = attempt(clone, "rebase", "-q", "main")
    assert code != 0 and "branch update refused" in err
    git(clone, "rebase", "--abort", check=False)
    assert git(clone, "rev-parse", "side").strip() == bad


def test_revert_of_a_protected_change_needs_the_protocol(server: Server) -> None:
    clone = installed_clone(server)
    sha = main_change(clone, agent=ARCHITECT)
    before = head(clone)
    assert before == sha
    code, err = attempt(clone, "revert", "--no-edit", sha)
    assert code != 0
    assert "branch update refused" in err
    assert "app/main.py" in err
    assert head(clone) == before


def _bad_commit_on(clone: Path, branch: str) -> str:
    """A commit made with hooks switched off (what an agent routing round them does)."""
    git(clone, *NO_HOOKS, "checkout", "-q", branch)
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "app/main.py")
    message = template("fix(app): drop the app", BACKEND, "app/main.py")
    git(clone, *NO_HOOKS, "commit", "-q", "-m", message)
    sha = head(clone)
    git(clone, *NO_HOOKS, "checkout", "-q", "main")
    return sha


def test_pre_push_refuses_before_anything_leaves(server: Server) -> None:
    clone = installed_clone(server)
    before = server.ref("refs/heads/main")
    git(clone, *NO_HOOKS, "commit", "-q", "--allow-empty", "-m", "wip")
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert "push refused" in result.stderr
    assert "remote:" not in result.stderr  # refused locally: the server never saw it
    assert server.ref("refs/heads/main") == before
    # `git push --no-verify` skips it: the server still refuses
    sha = head(clone)
    assert_rejected(push(clone, "--no-verify", "origin", "main"), server, sha)


def test_fetch_pull_and_branching_are_not_refused(server: Server) -> None:
    other = server.clone("other")
    readme_change(other, "from the other clone")
    assert_accepted(push(other, "origin", "main"))
    clone = installed_clone(server)
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    git(clone, "pull", "-q", "--ff-only", "origin", "main")
    assert head(clone) == server.ref("refs/heads/main")
    git(clone, "branch", "copy")
    git(clone, "checkout", "-q", "-b", "topic")
    assert head(clone) == server.ref("refs/heads/main")


def test_uninstall_removes_the_new_hooks(server: Server) -> None:
    clone = installed_clone(server)
    result = run_cli(clone, "uninstall")
    assert result.returncode == 0, result.stderr
    hooks = clone / ".git" / "hooks"
    assert not (hooks / "reference-transaction").exists()
    assert not (hooks / "pre-push").exists()
    git(clone, "commit", "-q", "--allow-empty", "--no-verify", "-m", "wip")


# --- git older than 2.28 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("git version 2.39.5\n", (2, 39)),
        ("git version 2.27.0.windows.1\n", (2, 27)),
        ("git version 2.37.1 (Apple Git-137.1)\n", (2, 37)),
        ("git version 2.28.0.rc1\n", (2, 28)),
        ("git version 10.0\n", (10, 0)),
        ("", None),
        ("not git at all", None),
    ],
)
def test_git_version_parse(text: str, version: tuple[int, int] | None) -> None:
    assert wg_git.parse_git_version(text) == version


@pytest.mark.parametrize(
    ("faked", "warned"),
    [
        ((2, 27), "git 2.27 runs no reference-transaction hook"),
        ((1, 9), "git 1.9"),
        (None, "unknown"),
    ],
)
def test_install_on_git_without_reference_transaction_warns(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    faked: tuple[int, int] | None,
    warned: str,
) -> None:
    work = make_workspace(tmp_path / "ws")
    monkeypatch.setattr(wg_git, "parse_git_version", lambda text: faked)
    assert install.run_install(str(work), None, set()) == 0
    out, err = capsys.readouterr()
    assert "reference-transaction: installed" in out.replace(".git/hooks/", "")
    assert warned in err
    assert "only the push gate (pre-receive) and CI" in err


def test_install_on_a_current_git_says_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workspace(tmp_path / "ws")
    monkeypatch.setattr(wg_git, "parse_git_version", lambda text: (2, 28))
    assert install.run_install(str(work), None, set()) == 0
    assert "reference-transaction hook" not in capsys.readouterr().err
    real = run_cli(work, "install")  # this machine's git, through the CLI
    assert real.returncode == 0
    assert ("runs no reference-transaction" in real.stderr) == (
        wg_git.parse_git_version(git(work, "version")) < (2, 28)
    )


def test_install_server_on_git_without_reference_transaction_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    monkeypatch.setattr(wg_git, "parse_git_version", lambda text: (2, 27))
    warning = server_moves.old_git_warning(str(bare))
    assert warning is not None and warning.startswith("git 2.27 runs no reference-transaction")
    assert f"in {bare}, git commands run in the repository itself" in warning
    monkeypatch.setattr(wg_git, "parse_git_version", lambda text: (2, 28))
    assert server_moves.old_git_warning(str(bare)) is None


# --- "already checked" means on the trusted revision, not on any local branch ---------------------


def _worktree_ff(clone: Path, bad: str) -> tuple[int, str]:
    other = clone.parent / "agent-wt"
    git(clone, *NO_HOOKS, "worktree", "add", "-q", "-b", "topic", str(other), "main")
    return attempt(other, "merge", "-q", "--ff-only", "side")


def _rebase_onto(clone: Path, bad: str) -> tuple[int, str]:
    readme_change(clone, "main moves on")
    return attempt(clone, "rebase", "-q", "side")


LAND = {
    "ff-merge": lambda clone, bad: attempt(clone, "merge", "-q", "--ff-only", "side"),
    "reset": lambda clone, bad: attempt(clone, "reset", "-q", "--hard", "side"),
    "branch-f": lambda clone, bad: (
        git(clone, "checkout", "-q", "-b", "parked"),
        attempt(clone, "branch", "-f", "main", "side"),
    )[1],
    "update-ref": lambda clone, bad: attempt(clone, "update-ref", "refs/heads/main", bad),
    "update-ref-stdin": lambda clone, bad: attempt(
        clone, "-c", f"alias.x=!echo update refs/heads/main {bad} | git update-ref --stdin", "x"
    ),
    "cherry-pick-ff": lambda clone, bad: attempt(clone, "cherry-pick", "--ff", "main..side"),
    "rebase-onto": _rebase_onto,
    "new-branch-at": lambda clone, bad: attempt(clone, "branch", "copy", "side"),
    "switch-c": lambda clone, bad: attempt(clone, "switch", "-q", "-c", "copy", "side"),
    "worktree": _worktree_ff,
    "via-remote-ref": lambda clone, bad: (
        git(clone, "update-ref", "refs/remotes/origin/stash", bad),
        attempt(clone, "merge", "-q", "--ff-only", "side"),
    )[1],
}


@pytest.mark.parametrize("how", list(LAND))
def test_a_commit_made_without_hooks_never_reaches_another_branch(server: Server, how: str) -> None:
    """A commit made with the hooks off sits on a side branch; no hook-on branch update may bring
    it anywhere else: reachable from a local branch (or an agent-written remote-tracking ref) is
    not "already checked" — only reachable from the trusted revision is."""
    clone = installed_clone(server)
    git(clone, "branch", "side")
    bad = _bad_commit_on(clone, "side")
    code, err = LAND[how](clone, bad)
    assert code != 0, err
    assert "branch update refused" in err
    assert bad[:10] in err
    assert "Traceback" not in err
    for branch in ("main", "topic", "copy", "parked"):
        tip = git(clone, "rev-parse", "-q", "--verify", branch, check=False).strip()
        if tip:
            code, _err = attempt(clone, "merge-base", "--is-ancestor", bad, tip)
            assert code != 0, f"{branch} holds the unchecked commit"


def test_checked_commits_still_move_between_branches(server: Server) -> None:
    """Commits the hooks accepted (or that are on the trusted revision) move freely."""
    clone = installed_clone(server)
    git(clone, "checkout", "-q", "-b", "feature")
    sha = readme_change(clone, "on a feature branch")
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--ff-only", "feature")
    assert head(clone) == sha
    git(clone, "branch", "copy", "origin/main")
    git(clone, "reset", "-q", "--hard", "copy")
    git(clone, "reset", "-q", "--hard", sha)
    git(clone, "switch", "-q", "-c", "again", "HEAD~1")


# --- every hook judges by the trusted revision's rules, never by the branch's own ------------------


def _self_granting_branch(clone: Path) -> None:
    """A feature branch whose committed rules (made with the hooks off) make the agent a
    superuser: the rules an agent would like its next commit judged by."""
    git(clone, "checkout", "-q", "-b", "feature")
    rules = clone / ".workspace" / "rules.yaml"
    text = rules.read_text()
    rules.write_text(text.replace("superusers: [master-orchestrator]", f"superusers: [{BACKEND}]"))
    git(clone, "add", ".workspace/rules.yaml")
    message = template("chore(workspace): rules", BACKEND, ".workspace/rules.yaml")
    git(clone, *NO_HOOKS, "commit", "-q", "-m", message)
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "app/main.py")


OVERRIDES = {
    "plain": ((), {}),
    "git -c rulesRef": (("-c", "workspace-guard.rulesRef=refs/heads/feature"), {}),
    "GIT_CONFIG_COUNT": (
        (),
        {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "workspace-guard.rulesRef",
            "GIT_CONFIG_VALUE_0": "refs/heads/feature",
        },
    ),
}


@pytest.mark.parametrize("hooks", ["all", "no-verify"])
@pytest.mark.parametrize("override", list(OVERRIDES))
def test_a_branch_cannot_grant_itself_by_committing_rules(
    server: Server, override: str, hooks: str
) -> None:
    """commit-msg (and pre-commit) and reference-transaction read the same rules: the trusted
    revision's (origin/main here), whatever the branch committed or `-c` names."""
    import os

    clone = installed_clone(server)
    _self_granting_branch(clone)
    before = head(clone)
    args, env = OVERRIDES[override]
    verify = ["--no-verify"] if hooks == "no-verify" else []
    message = template("fix(app): drop the app", BACKEND, "app/main.py")
    proc = subprocess.run(
        ["git", *args, "commit", "-q", *verify, "-m", message],
        cwd=clone,
        capture_output=True,
        check=False,
        env={**os.environ, **env, "WORKSPACE_AGENT": BACKEND},
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode != 0, err
    assert "app/main.py" in err
    assert "Traceback" not in err
    assert head(clone) == before


def test_an_enormous_range_is_refused_unread(server: Server) -> None:
    """More new commits than the hook reads one by one: refused (fail closed), with a way on."""
    clone = installed_clone(server)
    base = head(clone)
    stream = []
    for n in range(local.MAX_NEW + 1):
        text = f"chore: step {n}\n".encode()
        parent = f"from {base}\n" if n == 0 else ""
        stream.append(
            f"commit refs/heads/big\ncommitter A <a@b> {1700000000 + n} +0000\n"
            f"data {len(text)}\n".encode()
            + text
            + parent.encode()
        )
    git(clone, *NO_HOOKS, "fast-import", "--quiet", input=b"".join(stream))
    tip = git(clone, "rev-parse", "big").strip()
    git(clone, *NO_HOOKS, "update-ref", "-d", "refs/heads/big")
    code, err = attempt(clone, "update-ref", "refs/heads/main", tip)
    assert code != 0
    assert f"more than {local.MAX_NEW} commits" in err
    assert "Traceback" not in err
    assert head(clone) == base


def test_without_an_upstream_the_local_main_is_what_was_checked(tmp_path: Path) -> None:
    """No remote yet: commits on the local `main` count as checked, other branches do not."""
    work = make_workspace(tmp_path / "ws")
    assert run_cli(work, "install").returncode == 0
    git(work, "branch", "side")
    bad = _bad_commit_on(work, "side")
    code, err = attempt(work, "merge", "-q", "--ff-only", "side")
    assert code != 0 and "branch update refused" in err and bad[:10] in err
    code, err = attempt(work, "switch", "-q", "-c", "topic", "side")
    assert code != 0 and "branch update refused" in err
    git(work, "switch", "-q", "-c", "fresh", "main")  # main's own history: nothing to check
    assert head(work) == git(work, "rev-parse", "main").strip()

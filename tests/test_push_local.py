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

from workspace_guard.commands import install
from workspace_guard.gates.push import local

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
    assert local.parse_git_version(text) == version


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
    monkeypatch.setattr(local, "parse_git_version", lambda text: faked)
    assert install.run_install(str(work), None, set()) == 0
    out, err = capsys.readouterr()
    assert "reference-transaction: installed" in out.replace(".git/hooks/", "")
    assert warned in err
    assert "only the push gate (pre-receive) and CI" in err


def test_install_on_a_current_git_says_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = make_workspace(tmp_path / "ws")
    monkeypatch.setattr(local, "parse_git_version", lambda text: (2, 28))
    assert install.run_install(str(work), None, set()) == 0
    assert "reference-transaction hook" not in capsys.readouterr().err
    real = run_cli(work, "install")  # this machine's git, through the CLI
    assert real.returncode == 0
    assert ("runs no reference-transaction" in real.stderr) == (
        local.parse_git_version(git(work, "version")) < (2, 28)
    )

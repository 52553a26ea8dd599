"""`workspace-guard.requireProvenance` as the hooks read it: from git's own config files (system,
global — `~/.gitconfig`, `$XDG_CONFIG_HOME/git/config`, `GIT_CONFIG_GLOBAL` — local, worktree, and
what they include), never switched off by `git -c`, and required when the files cannot be read.
Real repositories and real git for the includes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace

from workspace_guard.gates.commit import provenance_config
from workspace_guard.gates.commit.rewrite import provenance_required
from workspace_guard.repo import Repo

KEY = "workspace-guard.requireProvenance"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return make_workspace(tmp_path / "ws")


def required(work: Path) -> bool:
    repo = Repo.discover(str(work))
    via_hook = provenance_required(repo)
    direct = provenance_config.required(repo.info.common_dir, repo.info.git_dir, str(work))
    assert via_hook == direct
    return direct


def test_nothing_set_is_off(repo: Path) -> None:
    assert not required(repo)


def test_local_file(repo: Path) -> None:
    git(repo, "config", KEY, "true")
    assert required(repo)
    git(repo, "config", KEY, "false")
    assert not required(repo)


@pytest.mark.parametrize("where", ["gitconfig", "xdg", "xdg-default", "GIT_CONFIG_GLOBAL"])
def test_global_files_count(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    home = tmp_path / "home"
    target = {
        "gitconfig": home / ".gitconfig",
        "xdg": tmp_path / "xdg" / "git" / "config",
        "xdg-default": home / ".config" / "git" / "config",
        "GIT_CONFIG_GLOBAL": tmp_path / "elsewhere.cfg",
    }[where]
    if where == "xdg":
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if where == "GIT_CONFIG_GLOBAL":
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("[workspace-guard]\n\trequireProvenance = true\n")
    assert required(repo)
    git(repo, "config", KEY, "false")  # the repository's own file comes later: it wins, as in git
    assert not required(repo)


@pytest.mark.parametrize("how", ["include", "includeIf"])
def test_included_files_count(repo: Path, tmp_path: Path, how: str) -> None:
    extra = tmp_path / "extra.cfg"
    extra.write_text("[workspace-guard]\n\trequireProvenance = true\n")
    section = "include" if how == "include" else f'includeIf "gitdir:{repo}/.git"'
    (tmp_path / "home" / ".gitconfig").write_text(f"[{section}]\n\tpath = {extra}\n")
    assert required(repo)


def test_include_in_the_local_file(repo: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.cfg"
    extra.write_text('[workspace-guard]\n\trequireProvenance = "yes"\n')
    git(repo, "config", "include.path", str(extra))
    assert required(repo)


def test_quoted_and_odd_forms_are_read_by_git(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "home" / ".gitconfig").write_text(
        '[workspace-guard]\n\trequireProvenance = "true" ; quoted, with a comment\n'
    )
    assert required(repo)


def test_a_key_without_a_value_is_true(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "home" / ".gitconfig").write_text("[workspace-guard]\n\trequireProvenance\n")
    assert required(repo)
    git(repo, "config", KEY, "")  # an empty value is false, as in git
    assert not required(repo)


def test_command_line_config_never_turns_it_off(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "config", KEY, "true")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", KEY)
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "false")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'{KEY}'='false'")
    assert required(repo)


def test_an_unreadable_config_requires_it(repo: Path, tmp_path: Path) -> None:
    """(git itself refuses to run with such a file; the reader still answers: required.)"""
    repo_info = Repo.discover(str(repo)).info
    (tmp_path / "home" / ".gitconfig").write_text("[include\n\tpath = nowhere\n")
    common, git_dir = repo_info.common_dir, repo_info.git_dir
    assert provenance_config.required(common, git_dir, str(repo))


def test_git_config_env_that_breaks_git_requires_it(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra.cfg"
    extra.write_text("[workspace-guard]\n\trequireProvenance = true\n")
    git(repo, "config", "include.path", str(extra))
    monkeypatch.setenv("GIT_CONFIG", str(tmp_path / "other.cfg"))
    assert required(repo)


def git_says(work: Path) -> bool:
    """git's own answer, without `-c`: every file git reads, includes followed."""
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(work), "config", "--includes", "--type=bool", "--get-all", KEY],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.split()
    return bool(lines) and lines[-1] == "true"


@pytest.mark.parametrize("linked", [False, True])
@pytest.mark.parametrize("content", ["true", "false", "other"])
def test_config_worktree_without_the_extension_is_ignored_as_git_ignores_it(
    repo: Path, tmp_path: Path, linked: bool, content: str
) -> None:
    """git reads `config.worktree` only with `extensions.worktreeConfig`: a non-empty file
    without it must not turn the check on (nor off)."""
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt2"))  # several worktrees: --worktree fails
    work = tmp_path / "wt2" if linked else repo
    info = Repo.discover(str(work)).info
    body = (
        "[core]\n\tpager = less\n"
        if content == "other"
        else f"[workspace-guard]\n\trequireProvenance = {content}\n"
    )
    Path(info.git_dir, "config.worktree").write_text(body)
    assert not git_says(work)
    assert not required(work)
    git(repo, "config", KEY, "true")
    assert git_says(work)
    assert required(work)


@pytest.mark.parametrize("linked", [False, True])
def test_config_worktree_with_the_extension_counts(
    repo: Path, tmp_path: Path, linked: bool
) -> None:
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt2"))
    git(repo, "config", "extensions.worktreeConfig", "true")
    work = tmp_path / "wt2" if linked else repo
    git(work, "config", "--worktree", KEY, "true")
    assert git_says(work)
    assert required(work)
    git(repo, "config", KEY, "true")
    git(work, "config", "--worktree", KEY, "false")  # later than the repository's file
    assert not git_says(work)
    assert not required(work)


def test_the_system_file_git_names(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "system.cfg"
    system.write_text("[workspace-guard]\n\trequireProvenance = true\n")
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
    assert git_says(repo)
    assert required(repo)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert not git_says(repo)
    assert not required(repo)

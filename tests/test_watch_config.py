"""git's config judged by content: git's own writes and `install`'s announced writes are not
violations; a key that switches enforcement off, redirects it or runs a program is — in the
repository's config and in the global config files — and gets its previous value back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.watch import (
    Start,
    records,
    state_dir,
    wait_for,
    wait_record,
)

BARRIER = ("core.fsmonitor", "/tmp/barrier")


def config_records(repo: Path) -> list[dict[str, object]]:
    return [r for r in records(repo, action="detected") if r.get("area") == "config"]


def barrier(repo: Path) -> None:
    """A violation after the writes under test: every poll before it has been judged."""
    git(repo, "config", *BARRIER)
    wait_for(
        lambda: any("core.fsmonitor" in (r.get("keys") or []) for r in config_records(repo)),
        "the barrier's record",
    )


def assert_only_the_barrier(repo: Path) -> None:
    barrier(repo)
    found = config_records(repo)
    assert [r["keys"] for r in found] == [["core.fsmonitor"]], found


def remote(repo: Path) -> Path:
    bare = repo.parent / "server.git"
    git(repo.parent, "init", "-q", "--bare", str(bare))
    return bare


def test_gits_own_config_writes_are_not_violations(workspace: Path, watchd: Start) -> None:
    bare = remote(workspace)
    watchd()
    git(workspace, "config", "user.name", "someone")
    git(workspace, "remote", "add", "origin", str(bare))
    git(workspace, "-c", "core.hooksPath=/dev/null", "push", "-q", "-u", "origin", "HEAD:main")
    git(workspace, "fetch", "-q", "origin")
    git(workspace, "branch", "-q", "--set-upstream-to", "origin/main")
    git(workspace, "remote", "add", "mirror", str(bare))
    git(workspace, "remote", "remove", "mirror")
    git(workspace, "config", "alias.st", "status")
    git(workspace, "config", "pull.rebase", "true")
    assert_only_the_barrier(workspace)
    assert git(workspace, "config", "--get", "branch.main.remote").strip() == "origin"


def test_installs_own_config_writes_are_not_violations(workspace: Path, watchd: Start) -> None:
    watchd()
    done = run_cli(workspace, "install", "--rules", ".workspace/rules.yaml")
    assert done.returncode == 0, done.stderr
    done = run_cli(workspace, "install", "--claude")
    assert done.returncode == 0, done.stderr
    assert_only_the_barrier(workspace)
    assert git(workspace, "config", "--get", "workspace-guard.requireProvenance").strip() == "true"
    assert git(workspace, "config", "--get", "workspace-guard.rules").strip()


ENFORCEMENT = [
    ("core.hooksPath", "/dev/null"),
    ("core.editor", "sh -c evil"),
    ("core.pager", "sh -c evil"),
    ("core.sshCommand", "sh -c evil"),
    ("diff.external", "/tmp/evil"),
    ("alias.ci", "!sh -c evil"),
    ("include.path", "/tmp/evil.cfg"),
    ("includeIf.gitdir:/.path", "/tmp/evil.cfg"),
    ("filter.lfs.smudge", "sh -c evil"),
    ("url./tmp/elsewhere.insteadOf", "origin"),
    ("workspace-guard.rulesRef", "refs/heads/mine"),
    ("workspace-guard.requireProvenance", "false"),
]


@pytest.mark.parametrize(("key", "value"), ENFORCEMENT)
def test_an_enforcement_key_is_a_violation_and_put_back(
    workspace: Path, watchd: Start, key: str, value: str
) -> None:
    watchd()
    git(workspace, "config", key, value)
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    from workspace_guard.gates.watch.gitconfig import norm_key

    assert found["area"] == "config" and found["keys"] == [norm_key(key)]
    assert found["restored_keys"] == [norm_key(key)] and found["level"] == "critical"
    wait_for(
        lambda: git(workspace, "config", "--local", "--get-all", key, check=False) == "",
        f"{key} to be put back",
    )


def test_a_changed_value_of_a_key_install_announced_is_still_a_violation(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard.state import audit

    watchd()
    announced = {"layer": "install", "agent": None, "path": None, "owner": None, "level": None}
    announced |= {"action": "configure", "escalate_to": None, "key": "workspace-guard.rules"}
    assert audit.append(str(state_dir(workspace)), [{**announced, "value": "/tmp/announced"}])
    git(workspace, "config", "workspace-guard.rules", "/tmp/something-else")
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    assert found["keys"] == ["workspace-guard.rules"]


def test_a_plain_change_and_an_enforcement_change_together(workspace: Path, watchd: Start) -> None:
    watchd()
    config = workspace / ".git/config"
    text = config.read_text()
    config.write_text(text + "[user]\n\tname = x\n[core]\n\thooksPath = /dev/null\n")
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    assert found["keys"] == ["core.hookspath"] and found["other_keys"] == ["user.name"]
    wait_for(lambda: "hooksPath" not in config.read_text(), "hooksPath to be put back")
    assert git(workspace, "config", "--get", "user.name").strip() == "x"


def test_a_config_change_while_the_daemon_was_down_is_judged_by_content(
    workspace: Path, watchd: Start
) -> None:
    watchd().stop()
    git(workspace, "config", "user.name", "while-down")
    git(workspace, "config", "core.fsmonitor", "/tmp/evil")
    watchd()
    found = wait_record(workspace, path=".git/config", action="detected")
    assert found["detected_by"] == "startup" and found["keys"] == ["core.fsmonitor"]
    assert found["other_keys"] == ["user.name"]
    assert git(workspace, "config", "--get", "core.fsmonitor", check=False) == ""


def global_file(repo: Path) -> Path:
    return Path(os.environ["GIT_CONFIG_GLOBAL"])


def test_a_dangerous_key_in_the_global_config_is_reported_and_put_back(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    git(workspace, "config", "--global", "user.email", "someone@example.com")
    git(workspace, "config", "--global", "core.hooksPath", "/dev/null")
    path = str(global_file(workspace))
    found = wait_for(
        lambda: [r for r in config_records(workspace) if r.get("global_config") == path],
        "the global config's record",
    )[0]
    assert found["keys"] == ["core.hookspath"] and found["restored_keys"] == ["core.hookspath"]
    assert git(workspace, "config", "--global", "--get", "core.hooksPath", check=False) == ""
    assert git(workspace, "config", "--global", "--get", "user.email").strip()


def test_the_xdg_config_file_is_watched_too(workspace: Path, watchd: Start) -> None:
    watchd()
    xdg = Path(os.environ["XDG_CONFIG_HOME"]) / "git" / "config"
    xdg.parent.mkdir(parents=True, exist_ok=True)
    xdg.write_text("[alias]\n\tlg = log\n\tx = !sh -c evil\n")
    found = wait_for(
        lambda: [r for r in config_records(workspace) if r.get("global_config") == str(xdg)],
        "the XDG config's record",
    )[0]
    assert found["keys"] == ["alias.x"] and found["change"] == "created"
    wait_for(lambda: "evil" not in xdg.read_text(), "the alias to be put back")
    assert "lg = log" in xdg.read_text()


def test_the_anchor_clone_id_written_by_the_first_push_is_not_a_violation(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    git(workspace, "config", "workspace-guard.cloneId", "0123456789abcdef0123")
    assert_only_the_barrier(workspace)


# -- the system config, include files, other worktrees' config.worktree, a deleted global ------


def by_file(repo: Path, kind: str) -> list[dict[str, object]]:
    return [r for r in config_records(repo) if r.get("config_file") == kind]


def test_the_system_config_is_judged_too(workspace: Path, watchd: Start) -> None:
    system = workspace.parent / "etc-gitconfig"
    system.write_text("[user]\n\tname = sys\n")
    env = {"GIT_CONFIG_SYSTEM": str(system), "GIT_CONFIG_NOSYSTEM": "0"}
    watchd(env=env)
    with open(system, "a") as handle:
        handle.write("[core]\n\thooksPath = /dev/null\n")
    found = wait_for(lambda: by_file(workspace, "system"), "the system config's record")[0]
    assert found["path"] == str(system) and found["keys"] == ["core.hookspath"]
    assert found["restored_keys"] == ["core.hookspath"]
    wait_for(lambda: "hooksPath" not in system.read_text(), "the key to be put back")


@pytest.mark.parametrize("key", ["include.path", "includeIf.gitdir:/.path"])
def test_a_key_in_an_included_file_is_judged(workspace: Path, watchd: Start, key: str) -> None:
    included = workspace.parent / "team.gitconfig"
    included.write_text("[user]\n\tname = team\n")
    git(workspace, "config", key, "../../team.gitconfig")  # relative to .git/config
    watchd()
    with open(included, "a") as handle:
        handle.write("[core]\n\tfsmonitor = /tmp/evil\n")
    found = wait_for(lambda: by_file(workspace, "include"), "the include's record")[0]
    assert found["path"] == str(included) and found["keys"] == ["core.fsmonitor"]
    wait_for(lambda: "fsmonitor" not in included.read_text(), "the key to be put back")
    assert "name = team" in included.read_text()


def test_other_worktrees_config_worktree_is_judged(workspace: Path, watchd: Start) -> None:
    git(workspace, "worktree", "add", "-q", str(workspace.parent / "before"))
    watchd()
    git(workspace, "worktree", "add", "-q", str(workspace.parent / "after"))
    for n, name in enumerate(("before", "after")):
        config = workspace / ".git" / "worktrees" / name / "config.worktree"
        config.write_text("[core]\n\thooksPath = /dev/null\n")
        found = wait_for(lambda n=n: by_file(workspace, "worktree")[n:], f"{name}'s record")[0]
        assert found["keys"] == ["core.hookspath"] and found["change"] == "created"
        wait_for(lambda config=config: "hooksPath" not in config.read_text(), "put back")


def test_a_deleted_global_config_is_re_created(workspace: Path, watchd: Start) -> None:
    path = global_file(workspace)
    path.write_text("[user]\n\temail = me@example.com\n[core]\n\teditor = vim\n")
    before = path.read_bytes()
    watchd()
    path.unlink()
    found = wait_for(lambda: by_file(workspace, "global"), "the global config's record")[0]
    assert found["change"] == "deleted" and found["restored_keys"] == ["core.editor"]
    wait_for(lambda: path.exists() and path.read_bytes() == before, "the file to come back")


@pytest.mark.parametrize("key", ["include.path", "includeIf.gitdir:/.path"])
def test_an_include_named_by_a_later_key_is_judged_from_its_first_bytes(
    workspace: Path, watchd: Start, key: str
) -> None:
    """An include key that stays (here: announced as `install` does) names a file the daemon
    never saw: what it holds when it is first named is judged, not taken as the baseline."""
    from workspace_guard.state import announce

    included = workspace.parent / "later.gitconfig"
    included.write_text("[user]\n\tname = team\n[core]\n\thooksPath = /dev/null\n")
    watchd()
    announce.git_config(str(workspace), key, str(included))
    found = wait_for(lambda: by_file(workspace, "include"), "the include's record")[0]
    assert found["path"] == str(included) and found["keys"] == ["core.hookspath"]
    wait_for(lambda: "hooksPath" not in included.read_text(), "the key to be put back")
    assert "name = team" in included.read_text()
    with open(included, "a") as handle:  # and every later change of it
        handle.write("[core]\n\tfsmonitor = /tmp/evil\n")
    wait_for(lambda: len(by_file(workspace, "include")) == 2, "the second record")

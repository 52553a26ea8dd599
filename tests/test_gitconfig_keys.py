"""One table of enforcement keys (core/gitconfig_keys) for the Bash gate and the watch daemon.

A `git config` write whose key or file is only known at run time may be `core.hooksPath`: the
gate refuses it like the literal form. Every key of the table is refused by the gate when kept
(`git config KEY VALUE`) and reported and put back by the daemon, in `config` and in the main
worktree's `config.worktree` too (real git, real daemon).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied
from helpers.watch import Start, wait_for, wait_record

from workspace_guard.core import gitconfig_keys as keys
from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.syntax import BYPASS

DYNAMIC = [
    "k=core.hooksPath; git config --worktree $k /tmp/h",
    "git config --worktree $(echo core.hooksPath) /tmp/h",
    "git config --worktree `echo core.hooksPath` /tmp/h",
    "git config ${K:-core.hooksPath} /tmp/h",
    'git config "$K" /tmp/h',
    "git config core.hooksPat? /tmp/h",
    "git config core.hooks[P]ath /tmp/h",
    "git config --local $k /tmp/h",
    "git config --global $k /tmp/h",
    "git config --system $k /tmp/h",
    "git config set $k /tmp/h",
    "git config set --local $k /tmp/h",
    "git config --add $k /tmp/h",
    "git config --replace-all $k /tmp/h",
    "git config --unset $k",
    "git config $args",
    "git config $k",
    "git config --file $F core.x y",
    'git config -f "$F" user.name y',
    "git config --file=$(mktemp) user.name y",
    "eval 'git config $k /x'",
    'eval "git config $k /x"',
    "echo core.hooksPath /x | xargs git config",
    "echo core.hooksPath | xargs -I{} git config {} /x",
    "git -c $k=/x commit -m x",
    'git -c "$kv" commit -m x',
    "git --config-env=$k=X commit -m x",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=$k GIT_CONFIG_VALUE_0=/x git commit -m x",
    "git config --rename-section x core",
    "git config rename-section x core",
    "git config --remove-section workspace-guard",
    "git config --edit",
]

# (key, value) writes that matter to enforcement: refused by the gate, put back by the daemon
TABLE = [
    ("core.hooksPath", "/tmp/h"),
    ("extensions.worktreeConfig", "true"),
    ("gpg.program", "/tmp/evil"),
    ("gpg.ssh.program", "/tmp/evil"),
    ("gpg.ssh.defaultKeyCommand", "sh -c evil"),
    ("protocol.ext.allow", "always"),
    ("protocol.allow", "always"),
    ("remote.evil.url", "ext::sh -c touch% /tmp/pwned"),
    ("remote.evil.pushurl", "fd::3"),
    ("remote.evil.fetch", "+refs/heads/*:refs/remotes/origin/*"),
    ("core.alternateRefsCommand", "/tmp/evil"),
    ("submodule.lib.update", "!sh -c evil"),
    ("difftool.x.cmd", "sh -c evil"),
    ("mergetool.x.cmd", "sh -c evil"),
    ("core.attributesFile", "/tmp/attrs"),
    ("web.browser", "/tmp/evil"),
    ("sendemail.smtpServer", "/tmp/evil"),
    ("credential.helper", "!sh -c evil"),
    ("credential.https://example.com.helper", "/tmp/evil"),
    ("core.askPass", "/tmp/evil"),
    ("includeIf.gitdir:/.path", "/tmp/evil.cfg"),
    ("Core.HooksPath", "/tmp/h"),
]

PLAIN = [
    ("user.name", "someone"),
    ("alias.st", "status"),
    ("submodule.lib.update", "rebase"),
    ("sendemail.smtpServer", "smtp.example.com"),
    ("remote.mirror.fetch", "+refs/heads/*:refs/remotes/mirror/*"),
    ("remote.mirror.url", "https://example.com/x.git"),
    ("pull.rebase", "true"),
]


@pytest.mark.parametrize("command", DYNAMIC)
def test_a_setting_only_known_at_run_time_is_a_bypass(command: str) -> None:
    assert BYPASS in {f.kind for f in analyze(command, "/repo").findings}


@pytest.mark.parametrize(
    "command",
    [
        "git config --get $k",
        "git config get $k",
        "git config --list",
        "git config -f $F --get user.name",
        "git config user.name",
        "git config --get-regexp 'remote\\..*'",
        "git config 'user.n?me' someone",
    ],
)
def test_reading_a_dynamic_key_is_no_bypass(command: str) -> None:
    assert BYPASS not in {f.kind for f in analyze(command, "/repo").findings}


@pytest.mark.parametrize(("key", "value"), TABLE)
def test_the_table_names_the_key(key: str, value: str) -> None:
    assert keys.enforcement_key(key, [value], "origin")


@pytest.mark.parametrize(("key", "value"), PLAIN)
def test_the_table_leaves_plain_keys_alone(key: str, value: str) -> None:
    assert not keys.enforcement_key(key, [value], "origin")


def test_the_trusted_remote_pointed_elsewhere() -> None:
    assert keys.enforcement_key("remote.origin.url", ["/tmp/elsewhere"], "origin")
    assert keys.enforcement_key("remote.up.url", ["/x"], keys.trusted_remote("refs/remotes/up/m"))
    assert not keys.enforcement_key("remote.fork.url", ["/x"], "origin")
    assert keys.enforcement_key("remote.fork.url", ["/x"], None)  # the remote not known
    assert keys.enforcement_key("remote.fork.fetch", ["refs/heads/main:refs/heads/main"], "o")
    assert not keys.enforcement_key("remote.fork.fetch", ["refs/heads/main"], "o")


@pytest.fixture(scope="module")
def gate_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("gate") / "ws")


@pytest.mark.parametrize(("key", "value"), TABLE)
@pytest.mark.parametrize("scope", ["", "--worktree ", "--global ", "-f .git/config "])
def test_the_gate_refuses_a_kept_table_key(gate_ws: Path, key: str, value: str, scope: str) -> None:
    quoted = value.replace("'", "'\\''")
    reason = bash_denied(gate_ws, f"git config {scope}{key} '{quoted}'", "master-orchestrator")
    assert reason is not None and key in reason


@pytest.mark.parametrize(
    "command",
    [
        "k=core.hooksPath; git config --worktree $k /tmp/h",
        "git config extensions.worktreeConfig true",
        'git config "$(printf core.hooksPath)" /tmp/h',
        "echo core.hooksPath /tmp/h | xargs git config",
    ],
)
def test_the_gate_refuses_the_reported_bypasses(gate_ws: Path, command: str) -> None:
    assert bash_denied(gate_ws, command, "master-orchestrator") is not None


# (a plain alias stays unknown code to the gate: `git st` would run a subcommand it did not see;
# the gate does not know which remote is trusted, so any remote's URL counts)
@pytest.mark.parametrize(
    ("key", "value"), [kv for kv in PLAIN if kv[0] not in ("alias.st", "remote.mirror.url")]
)
def test_the_gate_allows_plain_settings(gate_ws: Path, key: str, value: str) -> None:
    assert bash_denied(gate_ws, f"git config {key} '{value}'") is None


@pytest.mark.parametrize(("key", "value"), TABLE[1:-1])
def test_the_daemon_reports_and_puts_back_a_table_key(
    workspace: Path, watchd: Start, key: str, value: str
) -> None:
    watchd()
    git(workspace, "config", key, value)
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    assert found["area"] == "config" and found["keys"] == [keys.norm_key(key)]
    assert found["restored_keys"] == [keys.norm_key(key)] and found["level"] == "critical"
    wait_for(
        lambda: git(workspace, "config", "--local", "--get-all", key, check=False) == "",
        f"{key} to be put back",
    )


def test_the_daemon_reports_the_trusted_remote_pointed_elsewhere(
    workspace: Path, watchd: Start
) -> None:
    git(workspace, "remote", "add", "origin", str(workspace.parent / "server.git"))
    watchd()
    git(workspace, "remote", "add", "fork", str(workspace.parent / "fork.git"))
    git(workspace, "remote", "set-url", "origin", "/tmp/elsewhere.git")
    found = wait_record(workspace, path=".git/config", action="detected", timeout=30)
    assert found["keys"] == ["remote.origin.url"]
    wait_for(
        lambda: (
            git(workspace, "config", "--get", "remote.origin.url").strip().endswith("server.git")
        ),
        "the URL to be put back",
    )
    assert git(workspace, "config", "--get", "remote.fork.url").strip().endswith("fork.git")


def test_the_daemon_watches_the_main_worktrees_config_worktree(
    workspace: Path, watchd: Start
) -> None:
    wt = workspace / ".git" / "config.worktree"
    watchd()
    wt.write_text("[core]\n\thooksPath = /tmp/h\n[user]\n\tname = x\n")
    found = wait_record(workspace, path=".git/config.worktree", action="detected", timeout=30)
    assert found["keys"] == ["core.hookspath"] and found["restored_keys"] == ["core.hookspath"]
    wait_for(lambda: "hooksPath" not in wt.read_text(), "hooksPath to be put back")
    assert "name = x" in wt.read_text()


@pytest.mark.parametrize(
    "command",
    [
        'git config alias.x "$V"',
        "git config submodule.lib.update $(cat f)",
        "git config sendemail.smtpServer $S",
        "git config remote.x.fetch `cat spec`",
    ],
)
def test_a_run_time_value_of_a_value_judged_key_is_a_bypass(command: str) -> None:
    assert BYPASS in {f.kind for f in analyze(command, "/repo").findings}


@pytest.mark.parametrize(
    "command",
    [
        'git config user.name "$NAME"',
        "git config remote.x.fetch +refs/heads/*:refs/remotes/x/*",
        "git -c remote.x.fetch=+refs/heads/*:refs/remotes/x/* fetch x",
        "git -c 'core.*'=x status",
    ],
)
def test_a_known_key_with_a_run_time_or_glob_value_is_judged_by_key(command: str) -> None:
    assert BYPASS not in {f.kind for f in analyze(command, "/repo").findings}


@pytest.mark.parametrize(
    "command",
    [
        "git $c core.hooksPath /tmp/h",
        "git con$x core.hooksPath /tmp/h",
        "c=config; git $c core.hooksPath /tmp/h",
        "git $(echo config) core.hooksPath /tmp/h",
        "git remote add evil 'ext::sh -c touch% /tmp/pwned'",
        "git remote set-url --push evil fd::3",
        "git submodule foreach 'git config core.hooksPath /tmp/h'",
        "git submodule foreach --recursive git config $k /tmp/h",
        "sudo git config $k /tmp/h",
        "command git config $k /tmp/h",
        "env git config $k /tmp/h",
        "/usr/bin/git config $k /tmp/h",
        "bash -c 'git config $k /tmp/h'",
    ],
)
def test_the_same_settings_reached_another_way_are_a_bypass(command: str) -> None:
    assert BYPASS in {f.kind for f in analyze(command, "/repo").findings}


@pytest.mark.parametrize(
    "command",
    ["git remote add fork https://example.com/x.git", "git submodule foreach git status"],
)
def test_ordinary_remotes_and_submodule_commands_are_no_bypass(command: str) -> None:
    assert BYPASS not in {f.kind for f in analyze(command, "/repo").findings}

"""git reached through a name the analysis must resolve, and the refusal of each class of
enforcement setting in its own words (issue 14, item 5; closing note of stop 19).

`"$GIT" config core.hooksPath …`, `G=git; G2=$G; $G2 …`, `$(command -v git) …`: a command named
by an expansion the analysis cannot resolve is code it cannot see (the `unknown_code` policy),
and its arguments are judged as git's too, so a hook bypass or a move of the trusted ref through
it is refused whatever the policy. Real git repositories and the real gate for the answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.syntax import BYPASS, REF_WRITE, UNKNOWN_CODE

ROOT = "/repo"
OTHER = "backend-framework-ai"
SUPERUSER = "master-orchestrator"


def kinds(command: str) -> set[str]:
    return {f.kind for f in analyze(command, ROOT).findings}


GIT_BY_ANOTHER_NAME = [
    '"$GIT" config core.hooksPath /dev/null',
    "$GIT config core.hooksPath /dev/null",
    '"${GIT}" commit --no-verify -m x',
    "$GIT commit -n -m x",
    '"$GIT" -c core.hooksPath=/dev/null commit -m x',
    "${GIT:-git} config core.hooksPath /dev/null",
    "${GIT-git} config --global core.hooksPath /dev/null",
    "G=git; G2=$G; $G2 config core.hooksPath /dev/null",
    'G=git; G2="$G"; "$G2" config core.hooksPath x',
    "G=/usr/bin; $G/git config core.hooksPath x",
    'G="$(command -v git)"; "$G" config core.hooksPath x',
    "G=$(which git); $G config core.hooksPath x",
    "$(which git) config core.hooksPath x",
    "`which git` -c core.hooksPath=/dev/null commit -m x",
    "for g in git; do $g config core.hooksPath x; done",
    "printf -v G git; $G config core.hooksPath x",
    "read G <<< git; $G commit -n -m x",
    "G=gi; ${G}t config core.hooksPath x",
    'command "$GIT" config core.hooksPath x',
    'exec "$GIT" config core.hooksPath x',
    'echo x | xargs "$GIT" config core.hooksPath',
    'find . -maxdepth 0 -exec "$GIT" config core.hooksPath x \\;',
    'env "$GIT" config core.hooksPath x',
    'nohup "$GIT" config core.hooksPath x',
    'sudo "$GIT" config core.hooksPath x',
    'timeout 5 "$GIT" config core.hooksPath x',
    'sh -c "\\"\\$GIT\\" config core.hooksPath x"',
    '"$GIT" config core.fsmonitor "sed -i s/a/b/ app/main.py"',
    "\"$GIT\" config alias.x '!sh -c true'",
    '"$GIT" config --worktree extensions.worktreeConfig true',
    '"$GIT" config workspace-guard.rulesRef refs/heads/evil',
    '"$GIT" $SUB core.hooksPath x',
    "command git config core.hooksPath x",
    "\\git config core.hooksPath x",
    "/usr/bin/git config core.hooksPath x",
    "exec git config core.hooksPath x",
    "echo x | xargs git config core.hooksPath",
    "find . -exec git config core.hooksPath x \\;",
    "G=git; $G config core.hooksPath x",
    "G=git; exec $G config core.hooksPath x",
]


@pytest.mark.parametrize("command", GIT_BY_ANOTHER_NAME)
def test_git_by_another_name_is_judged_as_git(command: str) -> None:
    assert BYPASS in kinds(command), analyze(command, ROOT).findings


@pytest.mark.parametrize(
    "command",
    [
        '"$GIT" config core.hooksPath /dev/null',
        "$(which git) config core.hooksPath x",
        "${GIT:-git} commit -n -m x",
    ],
)
def test_what_the_analysis_cannot_see_stays_unknown_code(command: str) -> None:
    assert UNKNOWN_CODE in kinds(command)


@pytest.mark.parametrize(
    "command",
    [
        '"$GIT" update-ref refs/remotes/origin/main abc',
        "${GIT:-git} fetch /tmp/evil +main:refs/remotes/origin/main",
        "G=git; G2=$G; $G2 update-ref refs/remotes/origin/main abc",
        '"$(command -v git)" branch -f main abc',
        '"$GIT" -C /repo symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/evil',
    ],
)
def test_ref_writes_through_a_variable_are_found(command: str) -> None:
    assert REF_WRITE in kinds(command), analyze(command, ROOT).findings


@pytest.mark.parametrize(
    "command",
    [
        "$PAGER README.md",
        '"$EDITOR" notes.txt',
        "$X --version",
        '"$PYTHON" -m pytest -q',
        "$CC -o out main.c",
        '"$GIT" status',
        '"$GIT" log --oneline -3',
        '"$GIT" config user.name',
        '"$GIT" config --get core.hooksPath',
        "$GIT diff",
    ],
)
def test_a_variable_command_with_other_arguments_is_no_bypass(command: str) -> None:
    assert BYPASS not in kinds(command), analyze(command, ROOT).findings


def test_a_resolved_copy_of_a_variable_names_the_command() -> None:
    """`G2=$G` copies a known value: `$G2 status` is git reading, not code from nowhere."""
    assert kinds("G=git; G2=$G; $G2 status") == set()
    assert kinds('G=git; G2="$G"; "$G2" status') == set()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.mark.parametrize(
    "command",
    [
        '"$GIT" config core.hooksPath /dev/null',
        "${GIT:-git} commit --no-verify -m x",
        "G=git; G2=$G; $G2 config core.fsmonitor x",
        '"$(command -v git)" -c core.hooksPath=/dev/null commit -m x',
    ],
)
def test_the_gate_refuses_git_by_another_name(ws: Path, command: str) -> None:
    reason = bash_denied(ws, command, OTHER)
    assert reason is not None, command
    assert bash_denied(ws, command, SUPERUSER) is not None, command  # a bypass: for no one


def test_the_gate_leaves_variable_commands_to_the_policy(ws: Path) -> None:
    assert bash_denied(ws, "$PAGER README.md", OTHER) is None
    assert bash_denied(ws, '"$GIT" status', OTHER) is None


# --- each class of refused setting in its own words ------------------------------------------

MESSAGES = [  # (command, the setting named, words of the class's own reason)
    ("git config core.hooksPath /dev/null", "core.hooksPath", "where the hooks are"),
    ("git -c core.hooksPath=/dev/null commit -m x", "core.hooksPath", "where the hooks are"),
    ("git config core.fsmonitor ./x", "core.fsmonitor", "runs as a program"),
    ("git config alias.st '!sh -c x'", "alias.st", "runs as a program"),
    ("git config core.editor vim", "core.editor", "runs as a program"),
    ("git config diff.external ./d", "diff.external", "runs as a program"),
    ("git config gpg.program ./g", "gpg.program", "runs as a program"),
    ("git config credential.helper ./c", "credential.helper", "runs as a program"),
    ("git config filter.x.clean ./c", "filter.x.clean", "runs as a program"),
    ("git config extensions.worktreeConfig true", "extensions.worktreeConfig", "second"),
    ("git config core.worktree /tmp", "core.worktree", "second"),
    ("git config include.path /tmp/x", "include.path", "another file"),
    ("git config core.attributesFile /tmp/a", "core.attributesFile", "another file"),
    ("git config init.templateDir /tmp/t", "init.templateDir", "another file"),
    ("git config remote.origin.url /tmp/evil", "remote.origin.url", "trusted remote"),
    ("git config url./tmp/evil.insteadOf https://x", "insteadOf", "trusted remote"),
    ("git config protocol.ext.allow always", "protocol.ext.allow", "trusted remote"),
    ("git remote add x 'ext::sh -c id'", "ext::", "trusted remote"),
    ("git config workspace-guard.rulesRef refs/heads/x", "workspace-guard.rulesRef", "install"),
    ("git config $K /tmp/h", "$K", "only known at run time"),
    ("git $c core.hooksPath /tmp/h", "git $c", "only known at run time"),
    ("git commit --no-verify -m x", "--no-verify", "without --no-verify"),
    ("git config --remove-section core", "core", "section"),
    ("git config --edit", "--edit", "any setting"),
]


@pytest.mark.parametrize(("command", "key", "why"), MESSAGES)
def test_each_refused_setting_says_which_and_why(
    ws: Path, command: str, key: str, why: str
) -> None:
    reason = bash_denied(ws, command, SUPERUSER)
    assert reason is not None, command
    assert key in reason and why in reason, reason


def test_the_classes_do_not_borrow_the_hooks_path_wording(ws: Path) -> None:
    reason = bash_denied(ws, "git config alias.x '!sh -c true'", SUPERUSER) or ""
    assert "leave core.hooksPath alone" not in reason and "--no-verify" not in reason


def test_the_class_messages_are_translated(ws: Path) -> None:
    rules = ws / ".workspace" / "rules.yaml"
    text = rules.read_text()
    assert "language:" not in text
    rules.write_text(text + "\nlanguage: es\n")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "es")
    for command, key, _why in MESSAGES:
        reason = bash_denied(ws, command, SUPERUSER) or ""
        assert key in reason and "El comando" in reason, (command, reason)

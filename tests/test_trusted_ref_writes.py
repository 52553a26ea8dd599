"""A Bash command that may move the trusted rules ref is a change of the rules (trust-root.md).

The reproduced bypass: an agent cloned the repository, committed rules that made it a superuser,
and moved `refs/remotes/origin/main` to that commit with `git fetch /tmp/clone
+main:refs/remotes/origin/main` (or `git update-ref`); every local layer then read its rules.
Real git, a real shared clone, the real gate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import bash_denied, denied, edit_denied, pre_tool
from helpers.repos import shared_clone

from workspace_guard.gates.harness.bash import analyze
from workspace_guard.gates.harness.bash.syntax import REF_WRITE

AGENT = "backend-framework-ai"
SUPERUSER = "master-orchestrator"
RULES = ".workspace/rules.yaml"


def refs(command: str) -> set[str]:
    return {r for f in analyze(command, "/repo").of_kind(REF_WRITE) for r in f.args}


@pytest.mark.parametrize(
    ("command", "written"),
    [
        ("git fetch -q /tmp/evil +main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git fetch /tmp/evil main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git fetch origin 'refs/heads/*:refs/remotes/origin/*'", "refs/remotes/origin/*"),
        (
            "git fetch --refmap='+refs/heads/*:refs/remotes/origin/*' origin main",
            "refs/remotes/origin/*",
        ),
        ("git -c remote.origin.fetch=+refs/heads/*:refs/remotes/origin/* fetch origin", "*"),
        ("git -c remote.origin.url=/tmp/evil fetch origin", "*"),
        ("git -c url./tmp/evil.insteadOf=https://example.com fetch", "*"),
        ("git fetch /tmp/evil x:origin/main", "refs/remotes/origin/main"),
        ("git fetch --stdin origin", "*"),
        ('git fetch "$R" main', "*"),
        ("git fetch origin $SPEC", "*"),
        ("git pull /tmp/evil +main:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git update-ref refs/remotes/origin/main abc123", "refs/remotes/origin/main"),
        ("git update-ref -d refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git update-ref -m x origin/main abc", "refs/remotes/origin/main"),
        ("echo update refs/remotes/origin/main abc | git update-ref --stdin", "*"),
        ('git update-ref "$REF" abc', "*"),
        (
            "git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/evil",
            "refs/remotes/origin/HEAD",
        ),
        ("git branch -f main abc", "refs/heads/main"),
        ("git branch -M evil main", "*"),
        ("git checkout -B main abc", "refs/heads/main"),
        ("git switch -C main abc", "refs/heads/main"),
        ("git push . HEAD:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push ./ +abc:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push file:///repo x:refs/remotes/origin/main", "refs/remotes/origin/main"),
        ("git push --mirror .", "*"),
        ("git replace abc def", "*"),
        ("git branch -u origin/evil main", "*"),
        ("git branch --set-upstream-to=origin/evil master", "*"),
        ("git branch --unset-upstream main", "*"),
        ("git push -u origin main:evil", "*"),
        ("git push --set-upstream origin main:refs/heads/evil", "*"),
        ("git replace --graft abc", "*"),
        ("git remote set-url origin /tmp/evil", "refs/remotes/origin/*"),
        ("git remote set-branches origin '*'", "refs/remotes/origin/*"),
        ("git -C /tmp update-ref refs/remotes/origin/main abc", "refs/remotes/origin/main"),
        ("bash -c 'git update-ref refs/remotes/origin/main abc'", "refs/remotes/origin/main"),
    ],
)
def test_ref_writes_are_found(command: str, written: str) -> None:
    assert written in refs(command), refs(command)


@pytest.mark.parametrize(
    "command",
    [
        "git fetch",
        "git fetch -q origin",
        "git fetch origin main",
        "git fetch --all --prune",
        "git pull",
        "git pull --rebase origin main",
        "git push",
        "git push origin HEAD",
        "git push https://example.com/x.git main",
        "git branch feature",
        "git branch -u origin/feature feature",
        "git push -u origin feature",
        "git push -u origin main",
        "git branch -a",
        "git checkout -b feature",
        "git symbolic-ref HEAD",
        "git show-ref",
        "git replace -l",
        "git remote -v",
        "git tag v1",
    ],
)
def test_ordinary_git_writes_no_trusted_ref(command: str) -> None:
    found = {r for r in refs(command) if not r.startswith("@")}  # markers: the gate resolves
    assert (
        not found or all(r.startswith("remote=") for r in found) or command.startswith("git push")
    ), found


# --- the gate, on a real clone of a real shared repository -----------------------------------


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    work = shared_clone(make_workspace(tmp_path / "origin"), tmp_path)
    git(work, "config", "workspace-guard.rulesRef", "refs/remotes/origin/main")
    evil = tmp_path / "evil"
    git(tmp_path, "clone", "-q", str(work), str(evil))
    rules = evil / RULES
    text = rules.read_text()
    assert "superusers: [master-orchestrator]" in text
    rules.write_text(
        text.replace(
            "superusers: [master-orchestrator]", f"superusers: [master-orchestrator, {AGENT}]"
        )
    )
    git(evil, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "x")
    return work


def evil_sha(clone: Path) -> str:
    return git(clone.parent / "evil", "rev-parse", "HEAD").strip()


@pytest.mark.parametrize(
    "command",
    [
        "git fetch -q ../evil +main:refs/remotes/origin/main",
        "git fetch -q ../evil 'refs/heads/*:refs/remotes/origin/*'",
        "git fetch -q --refmap='+refs/heads/*:refs/remotes/origin/*' ../evil main",
        "git -c remote.origin.fetch=+refs/heads/*:refs/remotes/origin/* fetch ../evil",
        "git -c remote.origin.url=../evil fetch origin",
        "git update-ref refs/remotes/origin/main {sha}",
        "git update-ref -d refs/remotes/origin/main",
        "printf 'update refs/remotes/origin/main {sha}\\n' | git update-ref --stdin",
        "git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/evil",
        "git push . {sha}:refs/remotes/origin/main",
        "git remote add self . && git push self {sha}:refs/remotes/origin/main",
        "git replace --graft HEAD {sha}",
        "git remote set-url origin ../evil",
        "R=refs/remotes/origin/main; git update-ref $R {sha}",
        'git update-ref "$(echo refs/remotes/origin/main)" {sha}',
        "echo {sha} > .git/refs/remotes/origin/main",
        "echo {sha} refs/remotes/origin/main >> .git/packed-refs",
    ],
)
def test_moving_the_trusted_ref_is_a_change_of_the_rules(clone: Path, command: str) -> None:
    command = command.format(sha=evil_sha(clone))
    reason = bash_denied(clone, command, AGENT)
    assert reason is not None, command
    superuser = bash_denied(clone, command, SUPERUSER)
    # a ref or a remote known only at run time may also be the provenance notes ref, which no
    # agent writes (state_refs.py): refused for a superuser too, for that reason alone
    notes = superuser is not None and "refs/notes/workspace-guard" in superuser
    assert superuser is None or ".git" in command or notes, command


@pytest.mark.parametrize(
    "command",
    [
        "git fetch",
        "git fetch -q origin",
        "git fetch ../evil main",
        "git update-ref refs/heads/scratch HEAD",
        "git branch -f scratch HEAD",
        "git push origin HEAD:refs/heads/feature",
    ],
)
def test_ordinary_ref_work_stays_allowed(clone: Path, command: str) -> None:
    assert bash_denied(clone, command, AGENT) is None, command


def test_branch_f_counts_when_the_rules_ref_is_a_local_branch(clone: Path) -> None:
    git(clone, "config", "workspace-guard.rulesRef", "refs/heads/main")
    git(clone, "branch", "-q", "other")
    assert bash_denied(clone, "git branch -f main other", AGENT) is not None
    assert bash_denied(clone, "git checkout -q other && git branch -M other main", AGENT)
    assert bash_denied(clone, "git branch -f scratch other", AGENT) is None


def test_the_reproduced_bypass_stays_closed(clone: Path) -> None:
    """The attack as reproduced: after a (refused) fetch the agent is still no superuser."""
    command = "git fetch -q ../evil +main:refs/remotes/origin/main"
    reason = bash_denied(clone, command, AGENT)
    assert reason is not None and RULES in reason and "refs/remotes/origin/main" in reason
    assert edit_denied(clone, "app/main.py", AGENT) is not None


@pytest.mark.parametrize(
    "command",
    [
        "git -C clone update-ref refs/remotes/origin/main {sha}",
        "cd clone && git fetch -q ../evil +main:refs/remotes/origin/main",
        "git -C clone/app update-ref refs/remotes/origin/main {sha}",
        "git --git-dir=clone/.git update-ref refs/remotes/origin/main {sha}",
        "git --git-dir clone/.git fetch -q evil +main:refs/remotes/origin/main",
        "GIT_DIR=clone/.git git update-ref refs/remotes/origin/main {sha}",
        "export GIT_DIR=clone/.git; git update-ref refs/remotes/origin/main {sha}",
        "env GIT_DIR=clone/.git git update-ref refs/remotes/origin/main {sha}",
    ],
)
def test_a_ref_write_from_outside_the_repository_is_judged_by_it(clone: Path, command: str) -> None:
    command = command.format(sha=evil_sha(clone))
    assert denied(pre_tool(clone.parent, "Bash", {"command": command}, AGENT)) is not None


# --- the current branch, its upstream, and branches moved with it (resolved by the gate) -------


@pytest.mark.parametrize(
    ("command", "written"),
    [
        ("git branch -u origin/evil", "@upstream"),
        ("git branch --set-upstream-to=origin/evil", "@upstream"),
        ("git branch --set-upstream-to origin/evil", "@upstream"),
        ("git branch --unset-upstream", "@upstream"),
        ("git switch main && git branch -u origin/evil", "*"),
        ("git checkout -B master x && git branch -u origin/evil", "*"),
        ("git switch $B && git branch -u origin/evil", "*"),
        ("git rebase --update-refs x", "refs/heads/*"),
        ("git -c rebase.updateRefs=true rebase x", "refs/heads/*"),
        ("git rebase x", "@rebase.updateRefs"),
        ("git rebase x", "@HEAD"),
        ("git rebase --continue", "@HEAD"),
        ("git pull --rebase --update-refs origin main", "refs/heads/*"),
        ("git pull --rebase", "@HEAD"),
        ("git pull", "@HEAD"),
        ("git pull ../evil main", "@HEAD"),
        ("git reset --hard HEAD~1", "@HEAD"),
        ("git reset -q abc", "@HEAD"),
        ("git reset --soft abc", "@HEAD"),
        ("git reset --keep $X", "@HEAD"),
        ("git merge x", "@HEAD"),
        ("git merge --ff-only origin/evil", "@HEAD"),
        ("git cherry-pick abc", "@HEAD"),
        ("git revert abc", "@HEAD"),
        ("git am x.patch", "@HEAD"),
        ("git checkout main && git reset --hard x", "refs/heads/main"),
        ("git switch -c tmp && git switch main && git reset --hard x", "refs/heads/main"),
        ("git checkout $B && git reset --hard x", "refs/heads/*"),
        ("git remote add -m main origin /tmp/evil", "refs/remotes/origin/*"),
        ("git remote add -f origin /tmp/evil", "refs/remotes/origin/*"),
        ("git remote add $R /tmp/evil", "*"),
        ("git worktree add -B main ../w", "refs/heads/main"),
        ("git worktree add -B master ../w abc", "refs/heads/master"),
        ("git branch -m main2", "@HEAD"),
        ("git branch -M feature main", "*"),
        ("git branch -c feature master", "*"),
        ("git branch -m $NAME", "*"),
        ("git fetch . x:main", "refs/heads/main"),
        ("git fetch origin +x:main", "refs/heads/main"),
        ("git fetch --update-head-ok /tmp/evil main:main", "refs/heads/main"),
        ("git update-ref HEAD abc", "@HEAD"),
        ("git update-ref -m x @ abc", "@HEAD"),
        ("git switch main && git update-ref HEAD abc", "refs/heads/main"),
        ("git push . abc:HEAD", "@HEAD"),
        ("git notes add -m x", "@notes-default"),  # resolved by the gate (state_refs.py)
        ("git notes --ref=workspace-guard add -m x", "refs/notes/workspace-guard"),
        ("git notes --ref refs/notes/workspace-guard remove", "refs/notes/workspace-guard"),
        ("git -c core.notesRef=refs/notes/x notes add -m y", "refs/notes/*"),
        ("git notes --ref $N add -m y", "refs/notes/*"),
    ],
)
def test_current_branch_moves_are_found(command: str, written: str) -> None:
    assert written in refs(command), refs(command)


@pytest.mark.parametrize(
    "command",
    [
        "git reset --hard",
        "git reset",
        "git reset -- app/main.py",
        "git reset -q -- a b",
        "git merge --abort",
        "git rebase --abort",
        "git rebase --quit",
        "git cherry-pick -n abc",
        "git cherry-pick --abort",
        "git am --abort",
        "git switch feature && git branch -u origin/x",
        "git branch -u origin/x feature",
        "git worktree add -b feature ../w",
        "git worktree add ../w main",
        "git worktree list",
        "git notes list",
        "git notes show",
        "git remote -v",
        "git rebase --no-update-refs x",
        "git update-ref --no-deref HEAD abc",
        "git switch --detach && git reset --hard x",
        "git checkout --detach main && git rebase x",
    ],
)
def test_what_moves_no_other_branch(command: str) -> None:
    found = refs(command)
    assert not found & {"*", "refs/heads/*", "@upstream", "refs/heads/main"}, found
    if "--no-update-refs" in command:
        assert "@rebase.updateRefs" not in found


@pytest.fixture
def local_trust(clone: Path) -> Path:
    """The rules trusted at the local branch main: moving main moves the rules."""
    git(clone, "config", "workspace-guard.rulesRef", "refs/heads/main")
    git(clone, "branch", "-q", "feature")
    return clone


@pytest.mark.parametrize(
    "command",
    [
        "git reset --hard HEAD~1",
        "git reset -q {sha}",
        "git reset --soft {sha}",
        "git rebase {sha}",
        "git pull --rebase ../evil main",
        "git pull ../evil main",
        "git pull",
        "git merge --ff-only {sha}",
        "git cherry-pick {sha}",
        "git revert HEAD",
        "git am ../x.patch",
        "git branch -m main2",
        "git update-ref HEAD {sha}",
        "git switch feature && git switch main && git reset --hard {sha}",
        "cd app && git reset --hard {sha}",
    ],
)
def test_moving_main_while_on_it(local_trust: Path, command: str) -> None:
    command = command.format(sha=evil_sha(local_trust))
    reason = bash_denied(local_trust, command, AGENT)
    assert reason is not None and "refs/heads/main" in reason, (command, reason)
    assert bash_denied(local_trust, command, SUPERUSER) is None, command


@pytest.mark.parametrize(
    "command",
    [
        "git reset --hard {sha}",
        "git rebase {sha}",
        "git pull ../evil main",
        "git merge {sha}",
        "git branch -u origin/main",
    ],
)
def test_moving_another_branch_stays_allowed(local_trust: Path, command: str) -> None:
    """Not a move of the trusted ref (the work-tree files it changes are judged as ever)."""
    git(local_trust, "switch", "-q", "feature")
    command = command.format(sha=evil_sha(local_trust))
    assert "refs/heads/main" not in (bash_denied(local_trust, command, AGENT) or ""), command
    switched = "git switch -q main && " + command
    assert "refs/heads/main" in (bash_denied(local_trust, switched, AGENT) or ""), switched


def test_detached_head_moves_no_branch(local_trust: Path) -> None:
    git(local_trust, "switch", "-q", "--detach")
    assert bash_denied(local_trust, "git reset --hard HEAD~1", AGENT) is None


@pytest.mark.parametrize(
    "command",
    [
        "git rebase --update-refs {sha}",
        "git -c rebase.updateRefs=true rebase {sha}",
        "git pull --rebase --update-refs ../evil main",
    ],
)
def test_update_refs_moves_main_from_another_branch(local_trust: Path, command: str) -> None:
    git(local_trust, "switch", "-q", "feature")
    command = command.format(sha=evil_sha(local_trust))
    assert "refs/heads/main" in (bash_denied(local_trust, command, AGENT) or ""), command
    plain = "git rebase --no-update-refs x"
    assert "refs/heads/" not in (bash_denied(local_trust, plain, AGENT) or "")


def test_configured_update_refs_counts(local_trust: Path) -> None:
    git(local_trust, "switch", "-q", "feature")
    assert "refs/heads/" not in (bash_denied(local_trust, "git rebase HEAD~1", AGENT) or "")
    git(local_trust, "config", "rebase.updateRefs", "true")
    assert "refs/heads/main" in (bash_denied(local_trust, "git rebase HEAD~1", AGENT) or "")
    assert bash_denied(local_trust, "git pull --rebase", AGENT) is not None  # (escalated)


@pytest.mark.parametrize(
    "command",
    [
        "git branch -u origin/evil",
        "git branch --set-upstream-to=origin/evil",
        "git branch --set-upstream-to origin/evil",
        "git branch --unset-upstream",
        "git branch -M feature main",
        "git branch -c feature master",
        "git branch -m $NAME",
    ],
)
def test_changing_mains_upstream_without_naming_it(clone: Path, command: str) -> None:
    """On main (the default setup: rules at its upstream), `-u` with no branch is main's."""
    git(clone, "config", "--unset", "workspace-guard.rulesRef")
    git(clone, "branch", "-q", "feature")
    reason = bash_denied(clone, command, AGENT)
    assert reason is not None and RULES in reason, command
    assert bash_denied(clone, command, SUPERUSER) is None, command
    git(clone, "switch", "-q", "feature")
    if "-u" in command or "upstream" in command:
        assert bash_denied(clone, command, AGENT) is None, command
        assert bash_denied(clone, "git switch -q main && " + command, AGENT) is not None


def test_remote_add_naming_the_trusted_remote(tmp_path: Path) -> None:
    """A repository without a remote: `git remote add -m main origin URL` creates
    refs/remotes/origin/HEAD, the first ref the rules would be read from."""
    ws = make_workspace(tmp_path / "ws")
    for command in (
        "git remote add -m main origin ../evil",
        "git remote add -f origin ../evil",
        "git remote add origin ../evil",
        "git remote add $R ../evil",
    ):
        assert bash_denied(ws, command, AGENT) is not None, command
    assert bash_denied(ws, "git remote add upstream ../other", AGENT) is None


def test_worktree_add_resetting_main(local_trust: Path) -> None:
    git(local_trust, "switch", "-q", "feature")
    sha = evil_sha(local_trust)
    assert bash_denied(local_trust, f"git worktree add -B main ../w {sha}", AGENT) is not None
    assert bash_denied(local_trust, f"git worktree add -b other ../w {sha}", AGENT) is None


# --- refs from input the analysis cannot read; kept remote settings; aliases -----------------


@pytest.mark.parametrize(
    ("command", "written"),
    [
        ("git fast-import --quiet --force < office/s.fi", "*"),
        ("cat s.fi | git fast-import", "*"),
        ("git -C . fast-import < s.fi", "*"),
        ("git fast-export main | git fast-import --force", "*"),
        ("git filter-branch -f --tree-filter true HEAD", "*"),
        ("git filter-repo --force", "*"),
        ("git receive-pack . < proto", "*"),
        ("git send-pack . main:refs/remotes/origin/main", "*"),
        ("git replay --onto main A..B", "*"),
        ("git bundle unbundle x.bundle", "*"),
        ("git http-fetch -w refs/remotes/origin/main x", "*"),
        ("git subtree pull --prefix=x ../evil main", "*"),
        ("git for-each-repo --config=maintenance.repo update-ref refs/x y", "*"),
        ("git quiltimport --patches p", "*"),
        ("git svn fetch", "*"),
        ("git branch -d -r origin/main", "refs/remotes/origin/main"),
        ("git branch -dr origin/main", "refs/remotes/origin/main"),
        ("git branch -r -D origin/main", "refs/remotes/origin/main"),
        ("git branch --remotes --delete origin/main", "refs/remotes/origin/main"),
        ("git branch -a -d origin/main", "refs/remotes/origin/main"),
        (
            "git config remote.origin.fetch +refs/notes/x:refs/remotes/origin/main",
            "refs/remotes/origin/main",
        ),
        (
            "git config remote.origin.fetch +refs/notes/x:refs/remotes/origin/main",
            "refs/remotes/origin/*",
        ),
        (
            "git config --add remote.origin.fetch +refs/notes/x:refs/remotes/origin/main",
            "refs/remotes/origin/main",
        ),
        (
            "git config --replace-all remote.origin.fetch +refs/x:refs/remotes/origin/main",
            "refs/remotes/origin/*",
        ),
        (
            "git config --global remote.origin.fetch +refs/x:refs/remotes/origin/main",
            "refs/remotes/origin/*",
        ),
        (
            "git config set remote.origin.fetch +refs/x:refs/remotes/origin/main",
            "refs/remotes/origin/*",
        ),
        ("git config remote.origin.mirror true", "refs/remotes/origin/*"),
        ("git config remote.origin.url ../evil", "refs/remotes/origin/*"),
        ("git config remote.origin.pushurl ../evil", "refs/remotes/origin/*"),
        ('git config remote.origin.fetch "$SPEC"', "*"),
        ("git config --unset-all remote.origin.fetch", "refs/remotes/origin/*"),
        ("git config --remove-section remote.origin", "*"),
        ("git config --rename-section remote.evil remote.origin", "*"),
        ("git remote set-branches origin x", "refs/remotes/origin/*"),
        ("git remote set-branches --add origin x", "refs/remotes/origin/*"),
        ("git fetch", "@configured="),
        ("git fetch --all", "@configured="),
        ("git fetch origin", "@configured=origin"),
        ("git fetch origin main", "@configured=origin"),
        ("git pull", "@configured="),
        ("git remote update", "@configured="),
    ],
)
def test_refs_the_analysis_cannot_read_are_found(command: str, written: str) -> None:
    assert written in refs(command), (command, refs(command))


@pytest.mark.parametrize(
    ("command", "name", "cwd"),
    [
        ("git u refs/remotes/origin/main X", "u", "/repo"),
        ("git -C sub st", "st", "/repo/sub"),
        ("/usr/bin/git u refs/remotes/origin/main X", "u", "/repo"),
        ("git lfs pull", "lfs", "/repo"),
    ],
)
def test_a_git_command_that_is_no_builtin_is_left_to_the_gate(
    command: str, name: str, cwd: str
) -> None:
    """An alias or a `git-NAME` program: the gate resolves it (tests/test_bash_git_commands.py)."""
    from workspace_guard.gates.harness.bash.syntax import GIT_COMMAND

    found = analyze(command, "/repo").of_kind(GIT_COMMAND)
    assert [(f.args[0], f.cwd) for f in found] == [(name, cwd)]
    assert not refs(command)


@pytest.mark.parametrize(
    "command",
    [
        "git status",
        "git fast-export main > /tmp/s.fi",
        "git config --get remote.origin.fetch",
        "git config --get-regexp '^alias\\.'",
        "git config user.name x",
        "git bundle create /tmp/x.bundle main",
        "git bundle list-heads /tmp/x.bundle",
        "git fetch /tmp/evil",
    ],
)
def test_what_is_not_such_a_write(command: str) -> None:
    found = {r for r in refs(command) if r != "@configured="}
    assert not found, (command, found)


def _stream(clone: Path) -> Path:
    base = git(clone, "rev-parse", "refs/remotes/origin/main").strip()
    data = b"commit refs/remotes/origin/main\ncommitter x <x@x> 1700000000 +0000\ndata 2\nx\n"
    stream = clone.parent / "s.fi"
    stream.write_bytes(data + b"from " + base.encode() + b"\n\n")
    return stream


@pytest.mark.parametrize(
    "command",
    [
        "git fast-import --quiet --force < {stream}",
        "cat {stream} | git fast-import --force",
        "git -c core.quotePath=false fast-import --force < {stream}",
        "git fast-export --all | git fast-import --force",
        "git bundle create ../b.bundle --all && git bundle unbundle ../b.bundle",
        "git filter-branch -f --msg-filter cat -- --all",
        "git config remote.origin.fetch +refs/notes/x:refs/remotes/origin/main",
        "git config --add remote.origin.fetch +refs/notes/x:refs/remotes/origin/main",
        "git config --replace-all remote.origin.fetch '+refs/notes/*:refs/remotes/origin/*'",
        "git config remote.origin.mirror true",
        "git remote set-branches origin evil",
        "echo '[remote \"origin\"] fetch = +refs/notes/x:refs/remotes/origin/main' >> .git/config",
        "git nosuchcommand refs/remotes/origin/main {sha}",
        "git branch -dr origin/main",
        "git branch -r -d origin/main",
    ],
)
def test_refs_from_unread_input_are_a_change_of_the_rules(clone: Path, command: str) -> None:
    command = command.format(stream=_stream(clone), sha=evil_sha(clone))
    assert bash_denied(clone, command, AGENT) is not None, command


def test_a_fetch_with_a_laundering_refspec_is_a_change_of_the_rules(clone: Path) -> None:
    """The refspec was set earlier (outside the gate, or before this fix): the plain fetch that
    would use it counts as moving the trusted ref; the default refspecs keep fetch allowed."""
    for command in ("git fetch", "git fetch -q origin", "git pull", "git fetch origin main"):
        assert bash_denied(clone, command, AGENT) is None, command
    git(clone, "config", "--add", "remote.origin.fetch", "+refs/notes/*:refs/notes/*")
    assert bash_denied(clone, "git fetch", AGENT) is None  # writes no trusted ref
    git(clone, "config", "--add", "remote.origin.fetch", "+refs/notes/x:refs/remotes/origin/main")
    for command in ("git fetch", "git fetch -q origin", "git pull", "git remote update"):
        assert bash_denied(clone, command, AGENT) is not None, command
        assert bash_denied(clone, command, SUPERUSER) is None, command
    assert bash_denied(clone, "git fetch ../evil main", AGENT) is None  # a path: no refspec


def test_another_remote_fetching_into_the_trusted_refs_counts(clone: Path) -> None:
    git(clone, "remote", "add", "evil", "../evil")
    assert bash_denied(clone, "git fetch evil", AGENT) is None
    git(clone, "config", "--add", "remote.evil.fetch", "+refs/heads/*:refs/remotes/origin/*")
    assert bash_denied(clone, "git fetch evil", AGENT) is not None
    assert bash_denied(clone, "git fetch --all", AGENT) is not None
    assert bash_denied(clone, "git fetch origin", AGENT) is None


def test_a_single_branch_refspec_stays_allowed(clone: Path) -> None:
    git(clone, "config", "--unset-all", "remote.origin.fetch")
    git(clone, "config", "remote.origin.fetch", "+refs/heads/main:refs/remotes/origin/main")
    assert bash_denied(clone, "git fetch", AGENT) is None


@pytest.mark.parametrize(
    ("alias", "command", "moves"),
    [
        ("update-ref", "git u refs/remotes/origin/main {sha}", True),
        ("update-ref", "git u refs/heads/scratch {sha}", False),
        ("fetch ../evil +main:refs/remotes/origin/main", "git u", True),
        ("fetch", "git u ../evil +main:refs/remotes/origin/main", True),
        ("fetch", "git u", False),
        ("!git update-ref refs/remotes/origin/main {sha}", "git u", True),
        ("!true", "git u", False),  # a shell alias is read as Bash: `true` moves nothing
        ("commit --no-verify", "git u -m x", True),
        ("status --short", "git u", False),
        ("log --oneline", "git -C . u -3", False),
        ("fast-import --force", "git u < x", True),
        ("v", "git u refs/remotes/origin/main {sha}", True),  # alias.v = update-ref below
        ("u", "git u", True),  # a loop: git refuses it, the gate counts it
    ],
)
def test_aliases_are_expanded_at_gate_time(
    clone: Path, alias: str, command: str, moves: bool
) -> None:
    sha = evil_sha(clone)
    git(clone, "config", "alias.u", alias.format(sha=sha))
    git(clone, "config", "alias.v", "update-ref")
    reason = bash_denied(clone, command.format(sha=sha), AGENT)
    assert (reason is not None) == moves, (alias, command, reason)


def test_an_alias_from_an_included_file_counts(clone: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.gitconfig"
    extra.write_text("[alias]\n\tu = update-ref\n")
    git(clone, "config", "include.path", str(extra))
    assert bash_denied(clone, f"git u refs/remotes/origin/main {evil_sha(clone)}", AGENT)
    assert bash_denied(clone, "git nosuch", AGENT) is not None  # no alias: fail closed


# --- remote groups, pruning ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "git fetch grp",
        "git fetch -q grp",
        "git fetch --prune grp",
        "git fetch --multiple origin evil",
        "git fetch --multiple grp",
        "git fetch --multiple origin outer",
        "git fetch outer",
        "git remote update grp",
        "git remote update --prune grp",
        "git remote update outer",
        "git remote update",
        "git remote prune evil",
        "git remote prune origin evil",
        "git fetch --all --prune",
        "git -c fetch.prune=true fetch grp",
        "git pull evil",
    ],
)
def test_a_group_or_prune_reaching_a_laundering_remote_counts(clone: Path, command: str) -> None:
    """`remotes.GROUP` and `--multiple` reach every member; `git remote prune` deletes the refs a
    remote's refspec writes (a refspec into refs/remotes/origin/* deletes origin/main)."""
    git(clone, "remote", "add", "evil", "../evil")
    git(clone, "config", "remotes.grp", "evil")
    git(clone, "config", "remotes.outer", "grp origin")
    for safe in ("git fetch grp", "git remote prune origin", "git remote update grp"):
        assert bash_denied(clone, safe, AGENT) is None, safe
    git(clone, "config", "--add", "remote.evil.fetch", "+refs/heads/*:refs/remotes/origin/*")
    assert bash_denied(clone, command, AGENT) is not None, command
    assert bash_denied(clone, command, SUPERUSER) is None, command


@pytest.mark.parametrize(
    "command",
    ["git fetch origin", "git fetch grp", "git remote prune origin", "git fetch --prune origin"],
)
def test_groups_and_prune_of_the_trusted_remote_stay_allowed(clone: Path, command: str) -> None:
    git(clone, "config", "remotes.grp", "origin")
    assert bash_denied(clone, command, AGENT) is None, command


def test_pruning_tags_counts_when_the_trusted_ref_is_a_tag(clone: Path) -> None:
    git(clone, "tag", "rules-v1", "refs/remotes/origin/main")
    git(clone, "config", "workspace-guard.rulesRef", "refs/tags/rules-v1")
    assert bash_denied(clone, "git fetch --prune-tags origin", AGENT) is not None
    assert bash_denied(clone, "git fetch -P origin", AGENT) is not None
    assert bash_denied(clone, "git fetch origin", AGENT) is None
    git(clone, "config", "fetch.pruneTags", "true")
    assert bash_denied(clone, "git fetch origin", AGENT) is not None

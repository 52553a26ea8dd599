"""The trusted ref of a clone (`refs/remotes/origin/main`, whose rules every local layer reads)
moves only to what the real remote holds: the installed `reference-transaction` hook refuses any
other move of it, whoever makes it — receive-pack when another repository pushes into the clone
(a plain path, `.`, a remote of the clone's own configuration, `--mirror`), `update-ref`, or a
fetch from somewhere else. A fetch from the remote, and the tracking-ref update of an accepted
push, still move it. Real clones of a bare repository served by `git daemon`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import git
from helpers.forge import commit_tree, rules_granting_main, tree_with
from helpers.gitserver import push, template
from helpers.pushserver import MASTER, Server, assert_accepted, installed_clone, readme_change

TRUSTED = "refs/remotes/origin/main"


def value(clone: Path, ref: str = TRUSTED) -> str | None:
    proc = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", ref], cwd=clone, capture_output=True, check=False
    )
    return proc.stdout.decode().strip() or None


def attempt(cwd: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


def forged_rules(clone: Path) -> str:
    """A commit on top of the trusted revision whose rules hand app/main.py to the backend
    agent, made with `commit-tree` (no hook runs)."""
    base = value(clone)
    assert base is not None
    tree = tree_with(clone, base, ".workspace/rules.yaml", rules_granting_main(clone))
    message = template("chore(rules): hand over", MASTER, ".workspace/rules.yaml")
    return commit_tree(clone, tree, [base], message)


def other_repo(server: Server, clone: Path, forged: str) -> Path:
    """Another repository (outside the harness) holding the forged commit on a branch `evil`."""
    other = server.root / "other"
    git(server.root, "init", "-q", str(other))
    git(other, "fetch", "-q", str(clone), f"{forged}:refs/heads/evil")
    return other


def refused(code: int, err: str) -> None:
    assert code != 0, err
    assert "trusted" in err
    assert "Traceback" not in err


def test_a_push_into_the_clone_from_another_repository_is_refused(server: Server) -> None:
    clone = installed_clone(server)
    before = value(clone)
    other = other_repo(server, clone, forged_rules(clone))
    refused(*attempt(other, "push", str(clone), f"evil:{TRUSTED}"))
    assert value(clone) == before
    refused(*attempt(other, "push", f"file://{clone}", f"+evil:{TRUSTED}"))
    assert value(clone) == before


def test_a_push_into_the_clone_itself_is_refused(server: Server) -> None:
    clone = installed_clone(server)
    before = value(clone)
    forged = forged_rules(clone)
    git(clone, "branch", "evil", forged)
    refused(*attempt(clone, "push", ".", f"evil:{TRUSTED}"))
    refused(*attempt(clone, "update-ref", TRUSTED, forged))
    assert value(clone) == before


def test_pushes_driven_by_configuration_are_refused(server: Server) -> None:
    """No refspec on the command line: `remote.pushDefault` + `remote.X.push`, and
    `push.default=upstream` with a branch whose upstream is the trusted ref of `.`."""
    clone = installed_clone(server)
    before = value(clone)
    git(clone, "branch", "evil", forged_rules(clone))
    git(clone, "config", "remote.self.url", ".")
    git(clone, "config", "remote.self.push", f"+refs/heads/evil:{TRUSTED}")
    git(clone, "config", "remote.pushDefault", "self")
    refused(*attempt(clone, "push"))
    assert value(clone) == before

    git(clone, "config", "--unset", "remote.pushDefault")
    git(clone, "checkout", "-q", "evil")
    git(clone, "config", "branch.evil.remote", ".")
    git(clone, "config", "branch.evil.merge", TRUSTED)
    git(clone, "config", "push.default", "upstream")
    refused(*attempt(clone, "push"))
    assert value(clone) == before


def test_mirror_and_configured_pushes_from_another_repository_are_refused(server: Server) -> None:
    clone = installed_clone(server)
    before = value(clone)
    other = other_repo(server, clone, forged_rules(clone))
    git(other, "update-ref", TRUSTED, "refs/heads/evil")
    git(other, "symbolic-ref", "refs/remotes/origin/HEAD", TRUSTED)
    refused(*attempt(other, "push", "--mirror", str(clone)))
    assert value(clone) == before
    git(other, "config", "remote.c.url", str(clone))
    git(other, "config", "remote.c.push", "+refs/heads/*:refs/remotes/origin/*")
    git(other, "branch", "-m", "evil", "main")
    refused(*attempt(other, "push", "c"))  # no refspec: main → the clone's origin/main
    assert value(clone) == before


def test_deleting_the_trusted_ref_from_outside_is_refused(server: Server) -> None:
    clone = installed_clone(server)
    before = value(clone)
    other = server.root / "other"
    git(server.root, "init", "-q", str(other))
    refused(*attempt(other, "push", str(clone), f":{TRUSTED}"))
    refused(*attempt(clone, "update-ref", "-d", TRUSTED))
    assert value(clone) == before


def test_a_fetch_from_elsewhere_is_refused(server: Server) -> None:
    clone = installed_clone(server)
    before = value(clone)
    other = other_repo(server, clone, forged_rules(clone))
    refused(*attempt(clone, "fetch", str(other), f"+refs/heads/evil:{TRUSTED}"))
    assert value(clone) == before


def test_fetches_and_pushes_to_the_remote_still_move_it(server: Server) -> None:
    """Control: the remote moves (another clone pushes), a fetch follows; an accepted push of
    this clone updates its tracking ref."""
    clone = installed_clone(server)
    teammate = server.clone("teammate")
    moved = readme_change(teammate, "from the teammate")
    assert_accepted(push(teammate, "origin", "main"))
    git(clone, "fetch", "-q", "origin")
    assert value(clone) == moved
    git(clone, "merge", "-q", "--ff-only", "origin/main")
    mine = readme_change(clone, "mine")
    assert_accepted(push(clone, "origin", "main"))
    assert value(clone) == mine
    assert server.ref("refs/heads/main") == mine


def test_an_instead_of_in_the_global_config_does_not_choose_the_remote(
    server: Server, tmp_path: Path
) -> None:
    """ATTACK F91: `url.EVIL.insteadOf = SERVER` in ~/.gitconfig sends `git fetch origin` to an
    evil repository; the hook asks the literal URL without the user's config, so the trusted ref
    stays where the real remote has it."""
    clone = installed_clone(server)
    before = value(clone)
    forged = forged_rules(clone)
    evil = tmp_path / "evil.git"
    git(tmp_path, "init", "-q", "--bare", str(evil))
    git(clone, "push", "-q", "--no-verify", str(evil), f"{forged}:refs/heads/main")
    url = git(clone, "config", "remote.origin.url").strip()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f'[url "{evil}"]\n\tinsteadOf = {url}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    proc = subprocess.run(
        ["git", "fetch", "-q", "origin"], cwd=clone, capture_output=True, env=env, check=False
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "trusted" in err and "Traceback" not in err
    assert value(clone) == before
    # the real remote still moves it
    (home / ".gitconfig").write_text("")
    other = server.clone("other")
    readme_change(other, "later")
    assert_accepted(push(other, "origin", "main"))
    proc = subprocess.run(
        ["git", "fetch", "-q", "origin"], cwd=clone, capture_output=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert value(clone) == server.ref("refs/heads/main")

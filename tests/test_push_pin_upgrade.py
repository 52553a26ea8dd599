"""A shared repository installed by an older version has no record of its protected branch
(`pin.json`, gates/push/server_pin.py), so nothing would compare it with what pushes left. The
first push its pre-receive judges makes the record, where the state is one an honest upgrade
has (the protected branch a real branch, named by a recorded `workspace-guard.rulesRef` or by a
HEAD on `main`/`master`), and from then on a move outside a push is refused. States no honest
upgrade has refuse every push with the repair to make. Real pushes to a bare repository served
by `git daemon`.
"""

from __future__ import annotations

import json
import subprocess

from conftest import git
from helpers.gitserver import push
from helpers.pushserver import Server, assert_accepted, readme_change

PIN = ("workspace-guard", "pin.json")


def older_server(server: Server, *, keep_pin: bool = False) -> None:
    """What `install --server` of a version before the pin left: no record, no rulesRef."""
    if not keep_pin:
        git(server.bare, "config", "--unset", "workspace-guard.rulesRef")
    server.bare.joinpath(*PIN).unlink()


def rules_ref(server: Server) -> str | None:
    proc = subprocess.run(
        ["git", "config", "--get", "workspace-guard.rulesRef"],
        cwd=server.bare,
        capture_output=True,
        check=False,
    )
    return proc.stdout.decode().strip() or None


def test_the_first_push_records_the_pin_and_a_later_move_is_caught(server: Server) -> None:
    older_server(server)
    clone = server.clone()
    readme_change(clone, "one")
    result = push(clone, "origin", "HEAD:refs/heads/main")
    assert_accepted(result)
    assert "no record of its protected branch" in result.stderr  # told to the pusher
    record = json.loads(server.bare.joinpath(*PIN).read_text())
    assert record["ref"] == "refs/heads/main"
    assert record["value"] == server.ref("refs/heads/main")  # the value this push gave it
    assert rules_ref(server) == "refs/heads/main"
    # from now on, a move outside a push is found at the next push
    parent = git(server.bare, "rev-parse", "main~1").strip()
    git(server.bare, "-c", "core.hooksPath=/dev/null", "update-ref", "refs/heads/main", parent)
    readme_change(clone, "two")
    result = push(clone, "origin", "HEAD:refs/heads/main")
    assert result.returncode != 0
    assert "changed outside a push" in result.stderr
    assert server.ref("refs/heads/main") == parent


def test_a_recorded_rules_ref_is_kept_and_the_record_made(server: Server) -> None:
    older_server(server, keep_pin=True)
    clone = server.clone()
    readme_change(clone, "kept")
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/main"))
    assert rules_ref(server) == "refs/heads/main"
    assert server.bare.joinpath(*PIN).exists()


def test_a_symbolic_protected_ref_without_a_record_refuses_every_push(server: Server) -> None:
    """ATTACK F93 made before the upgrade: main a symbolic ref to another branch."""
    older_server(server)
    before = server.ref("refs/heads/main")
    git(server.bare, "-c", "core.hooksPath=/dev/null", "branch", "forged", "main~1")
    git(server.bare, "symbolic-ref", "refs/heads/main", "refs/heads/forged")
    clone = server.clone()
    readme_change(clone, "blocked")
    result = push(clone, "origin", "HEAD:refs/heads/topic")
    assert result.returncode != 0
    assert "no record of its protected branch" in result.stderr
    assert "install --server" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.ref("refs/heads/topic") is None
    assert not server.bare.joinpath(*PIN).exists()
    assert before is not None


def test_head_on_an_unusual_branch_without_a_pin_is_confirmed_by_the_administrator(
    server: Server,
) -> None:
    """HEAD alone names `develop`: it may have been repointed outside a push, so the record is
    not made from it; the administrator pins the branch and pushes work again."""
    older_server(server)
    git(server.bare, "-c", "core.hooksPath=/dev/null", "branch", "develop", "main")
    git(server.bare, "symbolic-ref", "HEAD", "refs/heads/develop")
    clone = server.clone()
    readme_change(clone, "develop")
    result = push(clone, "origin", "HEAD:refs/heads/develop")
    assert result.returncode != 0
    assert "HEAD names refs/heads/develop" in result.stderr
    assert "workspace-guard.rulesRef" in result.stderr
    assert not server.bare.joinpath(*PIN).exists()
    git(server.bare, "config", "workspace-guard.rulesRef", "refs/heads/develop")
    result = push(clone, "origin", "HEAD:refs/heads/develop")
    assert_accepted(result)
    record = json.loads(server.bare.joinpath(*PIN).read_text())
    assert record["ref"] == "refs/heads/develop"
    assert isinstance(record["value"], str) and record["value"] == server.ref("refs/heads/develop")

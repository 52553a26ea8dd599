"""`workspace-guard.requireAnchor` on the server: a push that changes protected paths needs an audit
anchor accepted just before it (the installed pre-push hook sends one) or in the same push, so
`git push --no-verify` cannot skip recording the pusher's audit head. Real `git daemon` pushes."""

from __future__ import annotations

from conftest import git, run_cli
from helpers.gitserver import push
from helpers.pushserver import ARCHITECT, Server, installed_clone, main_change, readme_change


def require(server: Server, value: str = "true") -> None:
    git(server.bare, "config", "workspace-guard.requireAnchor", value)


def test_a_no_verify_push_of_a_protected_change_is_refused(server: Server) -> None:
    require(server)
    clone = installed_clone(server)
    sha = main_change(clone, ARCHITECT)
    result = push(clone, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "[anchor-missing]" in result.stderr and sha[:10] in result.stderr
    assert server.ref("refs/heads/main") != sha
    anchored = run_cli(clone, "audit", "anchor", "origin")
    assert anchored.returncode == 0, anchored.stderr
    assert push(clone, "--no-verify", "origin", "main").returncode == 0


def test_the_pre_push_hook_anchors_first(server: Server) -> None:
    require(server)
    clone = installed_clone(server)
    sha = main_change(clone, ARCHITECT)
    result = push(clone, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert server.ref("refs/heads/main") == sha


def test_unprotected_changes_need_no_anchor(server: Server) -> None:
    require(server)
    clone = installed_clone(server)
    readme_change(clone)
    assert push(clone, "--no-verify", "origin", "main").returncode == 0


def test_a_stale_anchor_does_not_count(server: Server) -> None:
    require(server, "1")
    clone = installed_clone(server)
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    (server.bare / "workspace-guard" / "anchor-received").write_text("1000.0\n")
    main_change(clone, ARCHITECT)
    assert "[anchor-missing]" in push(clone, "--no-verify", "origin", "main").stderr


def test_a_bad_setting_refuses_with_a_message(server: Server) -> None:
    require(server, "soon")
    clone = installed_clone(server)
    main_change(clone, ARCHITECT)
    result = push(clone, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "workspace-guard.requireAnchor" in result.stderr

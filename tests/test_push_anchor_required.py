"""`workspace-guard.requireAnchor` on the server: a push that changes protected paths needs an audit
anchor accepted just before it (the installed pre-push hook sends one) or in the same push, so
`git push --no-verify` cannot skip recording the pusher's audit head. Real `git daemon` pushes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git, run_cli
from helpers.gitserver import commit, push, template
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


def test_a_bad_setting_refuses_with_a_message(server: Server) -> None:
    require(server, "soon")
    clone = installed_clone(server)
    main_change(clone, ARCHITECT)
    result = push(clone, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "workspace-guard.requireAnchor" in result.stderr


# --- the anchor must be made for this push by the pushing clone -----------------------------


def _anchor_rejections(server: Server) -> list[dict[str, object]]:
    return [r for r in server.audit() if "anchor-invalid" in str(r.get("violations"))]


def test_an_anchor_made_for_another_push_does_not_count(server: Server) -> None:
    """The pre-push anchor names the tips it was made for: the next protected change, pushed
    with --no-verify inside the window, is refused and audited."""
    require(server)
    clone = installed_clone(server)
    main_change(clone, ARCHITECT)
    assert push(clone, "origin", "main").returncode == 0
    second = commit(
        clone, {"app/main.py": "app = 2\n"}, template("fix(app): two", ARCHITECT, "app/main.py")
    )
    result = push(clone, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "[anchor-missing]" in result.stderr
    assert server.ref("refs/heads/main") != second
    assert server.rejections(second), "the refusal is audited"


def test_an_anchor_is_spent_by_the_push_it_was_made_for(server: Server) -> None:
    """One anchor, one accepted push: the same tip pushed again to a branch made for the
    occasion needs an anchor of its own."""
    require(server)
    clone = installed_clone(server)
    sha = main_change(clone, ARCHITECT)
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    assert push(clone, "--no-verify", "origin", "main").returncode == 0
    git(server.bare, "-c", "core.hooksPath=/dev/null", "update-ref", "refs/heads/main", f"{sha}^")
    # the administrator records the repaired state (server_pin: the pin refuses pushes until then)
    assert run_cli(server.bare.parent, "install", "--server", str(server.bare)).returncode == 0
    result = push(clone, "--no-verify", "-f", "origin", "main")
    assert result.returncode != 0 and "[anchor-missing]" in result.stderr


def test_an_anchor_for_another_ref_does_not_count(server: Server) -> None:
    """`audit anchor` binds the current branch's tip to that branch: the same commit pushed to
    another ref is refused, then accepted on the ref the anchor names."""
    require(server)
    clone = installed_clone(server)
    sha = main_change(clone, ARCHITECT)
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    other = push(clone, "--no-verify", "origin", "main:refs/heads/side")
    assert other.returncode != 0 and "[anchor-missing]" in other.stderr
    assert server.ref("refs/heads/side") is None and server.rejections(sha)
    assert push(clone, "--no-verify", "origin", "main").returncode == 0
    assert server.ref("refs/heads/main") == sha


def _two_clones(server: Server) -> tuple[Path, Path, str]:
    """Clone A pushes a protected change through its hooks (anchored); clone B, cloned after,
    commits a protected change of its own: (A, B, B's commit)."""
    require(server)
    first = installed_clone(server, "first")
    main_change(first, ARCHITECT)
    assert push(first, "origin", "main").returncode == 0
    second = installed_clone(server, "second")
    sha = commit(
        second, {"app/main.py": "b = 1\n"}, template("fix(app): b", ARCHITECT, "app/main.py")
    )
    return first, second, sha


def test_another_clones_anchor_does_not_count(server: Server) -> None:
    """Clone A's anchor, fresh on the server, names A's tip: clone B's protected change pushed
    without an anchor of its own is refused."""
    _first, second, sha = _two_clones(server)
    result = push(second, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "[anchor-missing]" in result.stderr
    assert server.ref("refs/heads/main") != sha


def test_an_anchor_under_another_clones_id_is_refused(server: Server) -> None:
    """B takes A's `workspace-guard.cloneId` (it is public on the anchors ref): B cannot reveal
    the secret that A's last anchor committed to, so B's anchor is refused and audited, and the
    protected push that wanted it is refused too."""
    first, second, _sha = _two_clones(server)
    stolen = git(first, "config", "workspace-guard.cloneId").strip()
    git(second, "config", "workspace-guard.cloneId", stolen)
    anchored = run_cli(second, "audit", "anchor", "origin")
    assert anchored.returncode != 0 and "Traceback" not in anchored.stderr
    assert _anchor_rejections(server)
    result = push(second, "--no-verify", "origin", "main")
    assert result.returncode != 0 and "[anchor-missing]" in result.stderr


def test_a_copied_anchor_message_is_refused(server: Server) -> None:
    """B copies A's last anchor message and points it at B's own tip: the secret it reveals is
    spent already, so the anchors ref refuses it."""
    _first, second, sha = _two_clones(server)
    git(second, "fetch", "-q", "origin", "refs/workspace-guard/anchors:refs/stolen")
    body = git(second, "log", "-1", "--format=%B", "refs/stolen")
    lines = [line for line in body.strip().splitlines() if not line.startswith("push: ")]
    forged = "\n".join([*lines, f"push: {sha} refs/heads/main"]) + "\n"
    empty = git(second, "hash-object", "-t", "tree", "-w", "/dev/null").strip()
    made = subprocess.run(
        ["git", "commit-tree", empty, "-p", "refs/stolen"],
        cwd=second,
        input=forged,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    result = push(second, "--no-verify", "origin", f"{made}:refs/workspace-guard/anchors", "main")
    assert result.returncode != 0 and "[anchor-invalid]" in result.stderr
    assert server.ref("refs/heads/main") != sha and _anchor_rejections(server)


def test_an_anchor_that_moves_the_clones_chain_back_is_refused(server: Server) -> None:
    """A clone's anchored audit head only moves forward: after its log is cut back, its next
    anchor (an older head than the server holds for it) is refused and audited."""
    from workspace_guard.state.audit import append

    clone = installed_clone(server)
    state = clone / ".git" / "workspace-guard"
    assert append(str(state), [{"layer": "test", "action": "denied"} for _ in range(3)])
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    (state / "audit.jsonl").unlink()
    for head in state.glob("audit.head*"):
        head.unlink()
    again = run_cli(clone, "audit", "anchor", "origin")
    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert _anchor_rejections(server)


def test_an_anchor_accepted_too_long_ago_does_not_count(server: Server) -> None:
    """Bound to the right tip, but received before the window: refused."""
    require(server, "60")
    clone = installed_clone(server)
    main_change(clone, ARCHITECT)
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    received = server.bare / "workspace-guard" / "anchor-received"
    lines = received.read_text().splitlines()
    assert lines
    received.write_text("".join("1000.0 " + line.split(" ", 1)[1] + "\n" for line in lines))
    assert "[anchor-missing]" in push(clone, "--no-verify", "origin", "main").stderr


def test_a_ref_name_an_anchor_cannot_carry_fails_closed(server: Server) -> None:
    """A branch whose name is not UTF-8 cannot be named in an anchor: through the hooks, the
    anchor leaves it out and the server refuses the protected change, without a traceback."""
    require(server)
    clone = installed_clone(server)
    main_change(clone, ARCHITECT)
    result = push(clone, "origin", "HEAD:refs/heads/caf\udce9")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "[anchor-missing]" in result.stderr

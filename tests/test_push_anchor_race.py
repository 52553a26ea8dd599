"""`anchor-received` under concurrent pushes: each push's read-modify-write of the unspent
anchors happens under a lock, and a push whose anchor another push spent meanwhile is told so
(it must be refused: one anchor lets one push through)."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import git, run_cli
from helpers.pushserver import Server, installed_clone

from workspace_guard.gates.push.anchor_required import note_received, received
from workspace_guard.repo import Repo

A, B, C = "a" * 40, "b" * 40, "c" * 40
ANCHORS = "refs/workspace-guard/anchors"


def bare(tmp_path: Path) -> Repo:
    path = tmp_path / "shop.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    return Repo.discover(str(path))


def test_a_spent_anchor_cannot_be_spent_again(tmp_path: Path) -> None:
    repo = bare(tmp_path)
    assert note_received(repo, [A, B], set()) == set()
    assert {sha for _w, sha in received(repo)} == {A, B}
    assert note_received(repo, [], {A}) == set()  # the first push spends it
    assert note_received(repo, [C], {A}) == {A}  # the second finds it gone: refuse
    assert {sha for _w, sha in received(repo)} == {B}  # and nothing was written


def test_concurrent_arrivals_are_all_kept(tmp_path: Path) -> None:
    repo = bare(tmp_path)
    shas = [f"{n:040x}" for n in range(1, 41)]
    threads = [threading.Thread(target=note_received, args=(repo, [sha], set())) for sha in shas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {sha for _w, sha in received(repo)} == set(shas)


def test_only_enrolled_clones_anchor_when_the_server_lists_them(server: Server) -> None:
    """`workspace-guard.anchorClones` on the server: a fresh clone id cannot start a chain."""
    clone = installed_clone(server)
    git(server.bare, "config", "--add", "workspace-guard.anchorClones", "f" * 20)
    refused = run_cli(clone, "audit", "anchor", "origin")
    assert refused.returncode != 0
    assert "not enrolled" in refused.stderr
    assert server.ref(ANCHORS) is None
    own = git(clone, "config", "workspace-guard.cloneId").strip()
    git(server.bare, "config", "--add", "workspace-guard.anchorClones", own)
    done = run_cli(clone, "audit", "anchor", "origin")
    assert done.returncode == 0, done.stderr
    assert server.ref(ANCHORS) is not None

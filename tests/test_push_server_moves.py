"""The shared repository's refs move only through a push its pre-receive judged (ATTACK F88).

Where the shared bare repository lies on the same filesystem, git run *in* it writes its refs
without receive-pack, so pre-receive never runs: `git -C SERVER update-ref refs/heads/main SHA`,
`git -C SERVER fetch CLONE tag:refs/heads/main`, a bundle fetched into it, `branch -f`. `install
--server` therefore also installs a `reference-transaction` hook there that refuses every ref move
pre-receive did not accept in the same receive-pack. Pushes (git daemon, a local path, file://),
deletions by push, atomic pushes, `git gc` and `pack-refs` keep working.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from helpers.gitserver import commit, push
from helpers.pushserver import (
    BACKEND,
    Server,
    assert_accepted,
    main_change,
    readme_change,
)
from helpers.repos import git, run_cli


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _evil(server: Server) -> tuple[Path, str]:
    """A clone with a commit pre-receive refuses (a non-owner's change to app/main.py)."""
    clone = server.clone("evil")
    sha = main_change(clone)
    return clone, sha


def test_install_server_adds_the_reference_transaction_hook(server: Server) -> None:
    hook = server.bare / "hooks" / "reference-transaction"
    assert hook.exists()
    text = hook.read_text()
    assert "workspace-guard-managed" in text
    assert "WG_SERVER=1" in text
    again = run_cli(server.root, "install", "--server", str(server.bare))
    assert again.returncode == 0, again.stderr
    assert "reference-transaction" in again.stdout


@pytest.mark.parametrize(
    "how",
    [
        "update-ref",
        "update-ref-old",
        "fetch",
        "bundle",
        "branch-f",
        "stdin",
    ],
)
def test_direct_writes_of_the_protected_branch_are_refused(server: Server, how: str) -> None:
    clone, sha = _evil(server)
    bare = server.bare
    before = server.ref("refs/heads/main")
    assert before is not None
    git(clone, "tag", "lw", sha)
    if how not in ("fetch", "bundle"):
        git(bare, "fetch", "-q", str(clone), "lw")  # the objects only (FETCH_HEAD, no ref)
    if how == "update-ref":
        result = _git(bare, "update-ref", "refs/heads/main", sha)
    elif how == "update-ref-old":
        result = _git(bare, "update-ref", "refs/heads/main", sha, before)
    elif how == "fetch":
        result = _git(bare, "fetch", "-q", str(clone), "lw:refs/heads/main")
    elif how == "bundle":
        bundle = server.root / "x.bundle"
        git(clone, "bundle", "create", str(bundle), "lw")
        result = _git(bare, "fetch", "-q", str(bundle), "lw:refs/heads/main")
    elif how == "branch-f":
        result = _git(bare, "branch", "-f", "main", sha)
    else:
        result = subprocess.run(
            ["git", "update-ref", "--stdin"],
            cwd=bare,
            input=f"update refs/heads/main {sha}\n",
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "refs/heads/main" in result.stderr
    assert "pre-receive" in result.stderr
    assert server.ref("refs/heads/main") == before
    records = [r for r in server.audit() if r.get("layer") == "reference-transaction"]
    assert records and records[-1]["action"] == "blocked"
    assert records[-1]["ref"] == "refs/heads/main"


def test_new_refs_tags_deletions_and_head_are_refused(server: Server) -> None:
    clone, sha = _evil(server)
    bare = server.bare
    git(bare, "fetch", "-q", str(clone), "HEAD")  # the objects, not a ref
    main = server.ref("refs/heads/main")
    assert main is not None
    for args in (
        ["update-ref", "refs/heads/side", sha],
        ["tag", "v9", sha],
        ["update-ref", "-d", "refs/heads/main"],
        ["update-ref", "--no-deref", "HEAD", sha],
        ["update-ref", "--no-deref", "HEAD", main],  # detached at the same commit
        ["update-ref", "refs/notes/workspace-guard", sha],
        ["update-ref", "refs/workspace-guard/anchors", sha],
    ):
        result = _git(bare, *args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr
    assert server.ref("refs/heads/side") is None
    assert server.ref("refs/tags/v9") is None
    assert server.ref("refs/heads/main") == main
    assert git(bare, "symbolic-ref", "HEAD").strip() == "refs/heads/main"


def test_pushes_still_work_over_every_transport(server: Server) -> None:
    clone = server.clone()
    readme_change(clone, "daemon")
    assert_accepted(push(clone, "origin", "main"))
    readme_change(clone, "path")
    assert_accepted(push(clone, str(server.bare), "main"))
    readme_change(clone, "file")
    assert_accepted(push(clone, f"file://{server.bare}", "main"))
    head = git(clone, "rev-parse", "HEAD").strip()
    assert server.ref("refs/heads/main") == head
    # new branch, tag, atomic push of two refs, deletion of each
    assert_accepted(push(clone, "origin", "main:refs/heads/feature", "main:refs/tags/v1"))
    assert_accepted(
        push(clone, "--atomic", str(server.bare), "main:refs/heads/a", "main:refs/heads/b")
    )
    for ref in ("refs/heads/feature", "refs/tags/v1", "refs/heads/a", "refs/heads/b"):
        assert server.ref(ref) == head
    assert_accepted(push(clone, "origin", ":refs/heads/feature", ":refs/tags/v1"))
    assert_accepted(push(clone, f"file://{server.bare}", ":refs/heads/a"))
    assert server.ref("refs/heads/feature") is None
    assert server.ref("refs/tags/v1") is None
    assert server.ref("refs/heads/a") is None


def test_gc_and_pack_refs_keep_working(server: Server) -> None:
    clone = server.clone()
    readme_change(clone, "one")
    assert_accepted(push(clone, "origin", "main", "main:refs/heads/side", "main:refs/tags/t1"))
    before = server.refs()
    for args in (["pack-refs", "--all"], ["gc", "-q"], ["pack-refs", "--all", "--prune"]):
        result = _git(server.bare, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert server.refs() == before
    # a packed ref is still deleted and moved by a push
    assert_accepted(push(clone, "origin", ":refs/heads/side"))
    readme_change(clone, "two")
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == git(clone, "rev-parse", "HEAD").strip()
    assert server.ref("refs/heads/side") is None


def test_an_earlier_push_does_not_authorise_the_same_move_later(server: Server) -> None:
    """What pre-receive accepted is valid for the receive-pack that asked it, only."""
    clone = server.clone()
    head = git(clone, "rev-parse", "HEAD").strip()
    assert_accepted(push(clone, "origin", "main:refs/heads/x"))
    assert_accepted(push(clone, "origin", ":refs/heads/x"))
    again = _git(server.bare, "update-ref", "refs/heads/x", head)  # the very same (0, head, x)
    assert again.returncode != 0
    assert server.ref("refs/heads/x") is None


def test_a_refused_push_moves_nothing_and_two_pushes_at_once_pass(server: Server) -> None:
    evil, sha = _evil(server)
    result = push(evil, "origin", "main")
    assert result.returncode != 0
    assert server.ref("refs/heads/main") != sha
    first, second = server.clone("one"), server.clone("two")
    commit(first, {"docs/one.md": "1\n"}, _msg("docs/one.md"))
    commit(second, {"docs/two.md": "2\n"}, _msg("docs/two.md"))
    results: list[subprocess.CompletedProcess[str]] = []

    def go(clone: Path, ref: str) -> None:
        results.append(push(clone, "origin", f"HEAD:refs/heads/{ref}"))

    threads = [
        threading.Thread(target=go, args=(first, "one")),
        threading.Thread(target=go, args=(second, "two")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 2
    for done in results:
        assert_accepted(done)
    assert server.ref("refs/heads/one") == git(first, "rev-parse", "HEAD").strip()
    assert server.ref("refs/heads/two") == git(second, "rev-parse", "HEAD").strip()
    received = server.bare / "workspace-guard" / "received"
    assert not received.exists() or len(list(received.iterdir())) <= 2


def _msg(path: str) -> str:
    return (
        f"docs(notes): add {path}\n\nWorkspace-Check: ✅ Consultado\nArchivo: {path}\n"
        f"Agente: {BACKEND}\nProtocolo: SEGUIDO\nTests: PASSED\n"
    )


def test_uninstall_server_removes_both_hooks(server: Server) -> None:
    result = run_cli(server.root, "uninstall", "--server", str(server.bare))
    assert result.returncode == 0, result.stderr
    assert not (server.bare / "hooks" / "reference-transaction").exists()
    assert not (server.bare / "hooks" / "pre-receive").exists()


def _tampered_push(server: Server, name: str) -> subprocess.CompletedProcess[str]:
    """A good push from a fresh clone after the tampering."""
    clone = server.clone(name)
    readme_change(clone, "after the tampering")
    return push(clone, "origin", "HEAD:refs/heads/main")


@pytest.mark.parametrize("how", ["symref-main", "symref-head", "head-detached-by-file"])
def test_a_symbolic_ref_written_outside_any_transaction_refuses_every_push(
    server: Server, how: str
) -> None:
    """ATTACK F93: git < 2.46 writes `symbolic-ref` with no ref transaction, so the server's
    reference-transaction hook never sees it; pre-receive (and the transaction hook) compare
    the repository with the last value a push gave the protected branch, and refuse."""
    clone, sha = _evil(server)
    bare = server.bare
    pinned = git(bare, "config", "workspace-guard.rulesRef").strip()
    assert pinned == "refs/heads/main"  # install --server pinned it
    before = server.ref("refs/heads/main")
    git(bare, "fetch", "-q", str(clone), sha)  # objects and FETCH_HEAD only
    if how == "symref-main":
        git(bare, "symbolic-ref", "refs/heads/main", "FETCH_HEAD")
        assert git(bare, "rev-parse", "main").strip() == sha
    elif how == "symref-head":
        _git(bare, "-c", "core.hooksPath=/dev/null", "update-ref", "refs/heads/other", sha)
        git(bare, "symbolic-ref", "HEAD", "refs/heads/other")
    else:
        (bare / "HEAD").write_text(sha + "\n")
    result = _tampered_push(server, "after")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "changed outside a push" in result.stderr, result.stderr
    assert "install --server" in result.stderr
    # a direct move is refused by the transaction hook too, with the same diagnosis
    moved = _git(bare, "update-ref", "refs/heads/feature", before or sha)
    assert moved.returncode != 0
    assert "changed outside a push" in moved.stderr
    # the administrator repairs it and records the state again: pushes work again
    repair = ["-c", "core.hooksPath=/dev/null", "update-ref", "--no-deref", "refs/heads/main"]
    assert _git(bare, *repair, before or "").returncode == 0
    git(bare, "symbolic-ref", "HEAD", "refs/heads/main")
    assert run_cli(server.root, "install", "--server", str(bare)).returncode == 0
    assert_accepted(_tampered_push(server, "repaired"))


def test_a_push_records_the_protected_value_and_a_later_move_is_caught(server: Server) -> None:
    clone = server.clone("good")
    readme_change(clone, "one")
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/main"))
    now = server.ref("refs/heads/main")
    record = (server.bare / "workspace-guard" / "pin.json").read_text()
    assert now is not None and now in record
    # moved without any hook (as a process with core.hooksPath elsewhere would)
    parent = git(server.bare, "rev-parse", "main~1").strip()
    _git(server.bare, "-c", "core.hooksPath=/dev/null", "update-ref", "refs/heads/main", parent)
    readme_change(clone, "two")
    result = push(clone, "origin", "HEAD:refs/heads/main")
    assert result.returncode != 0
    assert "changed outside a push" in result.stderr


def test_a_clone_on_this_machine_refuses_the_value_a_tampered_server_holds(
    tmp_path: Path,
) -> None:
    """ATTACK F93, clone side: the server's main made a symbolic ref to a fetched commit; the
    clone's trusted ref does not take it (the server's record holds another value)."""
    from conftest import make_workspace
    from helpers.repos import shared_clone

    origin = make_workspace(tmp_path / "orig")
    clone = shared_clone(origin, tmp_path)
    server = tmp_path / "server.git"
    assert run_cli(clone, "install").returncode == 0
    assert run_cli(clone, "install", "--server", str(server)).returncode == 0
    before = git(clone, "rev-parse", "origin/main").strip()
    sha = git(clone, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "forged").strip()
    git(server, "fetch", "-q", str(clone), sha)
    git(server, "symbolic-ref", "refs/heads/main", "FETCH_HEAD")
    assert git(server, "rev-parse", "main").strip() == sha
    _git(clone, "fetch", "-q", "origin")
    assert git(clone, "rev-parse", "origin/main").strip() == before
    doctor = run_cli(clone, "doctor")
    assert doctor.returncode != 0
    assert "symbolic ref" in doctor.stdout + doctor.stderr

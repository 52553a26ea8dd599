"""Bad input at the push gate and in CI: tags of trees and blobs, branches of non-commits, shallow
pushes, grafts and replace refs, ref names with odd bytes, a range of 10,000 commits. Each gets a
clear message and a contract exit code, and nothing is accepted by accident.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, run_cli
from helpers.gitserver import fast_import, push, template
from helpers.pushserver import (
    BACKEND,
    BACKEND_OFFICE,
    Server,
    assert_accepted,
    assert_rejected,
    main_change,
    readme_change,
)

# the server's administrator moves its refs past its own hooks (docs/push-and-ci.md)
ADMIN = ("-c", "core.hooksPath=/dev/null")


def receive(bare: Path, data: bytes) -> subprocess.CompletedProcess[str]:
    """The hook as git runs it, fed by hand (the objects are already in the repository)."""
    proc = subprocess.run(
        [str(Path(os.sys.executable).parent / "workspace-guard"), "hook", "pre-receive"],
        cwd=bare,
        input=data,
        capture_output=True,
        timeout=300,
        check=False,
    )
    out = subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")
    )
    assert "Traceback" not in out.stderr
    return out


ZERO = "0" * 40


# --- tags and branches of trees and blobs ---------------------------------------------------------


def test_tags_of_trees_and_blobs_carry_no_commits_and_are_accepted(server: Server) -> None:
    clone = server.clone()
    main_change(clone)  # a bad commit: its tree and blob are what the tags point at
    tree = git(clone, "rev-parse", "HEAD^{tree}").strip()
    blob = git(clone, "rev-parse", "HEAD:app/main.py").strip()
    git(clone, "tag", "-a", "-m", "blob", "annotated-blob", blob)
    assert_accepted(push(clone, "origin", f"{tree}:refs/tags/tree", "annotated-blob"))
    assert server.ref("refs/tags/tree") == tree
    assert "refs/heads/main" in server.refs()
    # what they hold reaches a branch only through a commit, and that commit is checked
    bad = git(clone, "rev-parse", "HEAD").strip()
    assert_rejected(push(clone, "origin", "main"), server, bad)


@pytest.mark.parametrize("what", ["tree", "blob"])
def test_a_branch_pointing_at_a_tree_or_blob_is_refused_with_a_message(
    server: Server, what: str
) -> None:
    clone = server.clone()
    main_change(clone)
    oid = git(clone, "rev-parse", "HEAD^{tree}" if what == "tree" else "HEAD:app/main.py").strip()
    git(server.bare, *ADMIN, "fetch", "-q", str(clone), "HEAD:refs/tmp/objects")
    git(server.bare, *ADMIN, "update-ref", "-d", "refs/tmp/objects")
    result = receive(server.bare, f"{ZERO} {oid} refs/heads/odd\n".encode())
    assert result.returncode == 1
    assert f"would point at a {what}, not a commit" in result.stderr
    pushed = push(clone, "origin", f"{oid}:refs/heads/odd")
    assert pushed.returncode != 0
    assert server.ref("refs/heads/odd") is None


def test_a_nested_annotated_tag_of_a_bad_commit_is_checked(server: Server) -> None:
    clone = server.clone()
    bad = main_change(clone)
    git(clone, "tag", "-a", "-m", "inner", "inner", bad)
    git(clone, "tag", "-a", "-m", "outer", "outer", "inner")
    assert_rejected(push(clone, "origin", "outer"), server, bad)
    assert server.ref("refs/tags/outer") is None


# --- shallow pushes ---------------------------------------------------------------------------


def test_a_bad_commit_pushed_from_a_shallow_clone_is_rejected(server: Server) -> None:
    shallow = server.root / "shallow"
    git(server.root, "clone", "-q", "--depth=1", server.url, str(shallow))
    bad = main_change(shallow)
    assert_rejected(push(shallow, "origin", "main"), server, bad)
    good = readme_change(shallow)
    git(shallow, "reset", "-q", "--hard", "origin/main")
    good = readme_change(shallow)
    assert_accepted(push(shallow, "origin", "main"))
    assert server.ref("refs/heads/main") == good


def test_a_shallow_history_the_server_lacks_hides_nothing(server: Server) -> None:
    """A clone of a history the server never had, cut at depth 1 below a bad commit, pushes the
    commit on top. git refuses the shallow push by default; with `receive.shallowUpdate` on, the
    gate sees the commit at the cut as adding every file it holds (its parents are unknown) and
    refuses it: the hidden bad commit never reaches a branch unchecked."""
    other = server.root / "other"
    git(server.root, "clone", "-q", server.url, str(other))
    bad = main_change(other)
    readme_change(other, "on top of the bad one")
    shallow = server.root / "shallow"
    git(
        server.root, "clone", "-q", "--depth=1", "--branch", "main", f"file://{other}", str(shallow)
    )
    git(shallow, "remote", "add", "server", server.url)
    refused = push(shallow, "server", "main:refs/heads/smuggled")
    assert refused.returncode != 0
    assert "shallow update not allowed" in refused.stderr
    git(server.bare, "config", "receive.shallowUpdate", "true")
    result = push(shallow, "server", "main:refs/heads/smuggled")
    assert result.returncode != 0, result.stderr
    assert "remote: workspace-guard: push rejected" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.ref("refs/heads/smuggled") is None
    assert server.ref("refs/heads/main") != bad


# --- grafts and replace refs --------------------------------------------------------------------


def ci_history(server: Server) -> tuple[Path, str, str, str]:
    """A clone where main gets a bad commit and a good one on top (unpushed): base, bad, good."""
    clone = server.clone("ci")
    base = git(clone, "rev-parse", "HEAD").strip()
    bad = main_change(clone)
    good = readme_change(clone)
    return clone, base, bad, good


def test_grafts_cannot_hide_a_commit_from_check_commits(server: Server) -> None:
    clone, base, bad, good = ci_history(server)
    grafts = clone / ".git" / "info" / "grafts"
    grafts.parent.mkdir(exist_ok=True)
    grafts.write_text(f"{good} {base}\n")  # good's parent becomes base: bad drops out of history
    hidden = git(clone, "-c", "advice.graftFileDeprecated=false", "rev-list", f"{base}..{good}")
    assert bad not in hidden  # git itself is fooled
    result = run_cli(clone, "check-commits", f"{base}..{good}", "--base", base)
    assert result.returncode == 1, result.stdout
    assert bad[:10] in result.stdout


def test_replace_refs_cannot_disguise_a_commit_in_check_commits(server: Server) -> None:
    clone, base, bad, good = ci_history(server)
    decoy = git(clone, "rev-parse", "HEAD~2").strip()  # a commit already on main
    git(clone, "replace", bad, decoy)
    result = run_cli(clone, "check-commits", f"{base}..{good}", "--base", base)
    assert result.returncode == 1, result.stdout
    assert bad[:10] in result.stdout


def test_grafts_and_replace_refs_on_the_server_are_ignored(server: Server) -> None:
    clone, base, bad, good = ci_history(server)
    git(server.bare, *ADMIN, "fetch", "-q", str(clone), f"{good}:refs/tmp/objects")
    (server.bare / "info").mkdir(exist_ok=True)
    (server.bare / "info" / "grafts").write_text(f"{good} {base}\n")
    git(server.bare, *ADMIN, "update-ref", "refs/tmp/objects", "-d")
    result = receive(server.bare, f"{base} {good} refs/heads/main\n".encode())
    assert result.returncode == 1
    assert bad[:10] in result.stderr


# --- odd ref names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        b"refs/heads/caf\xe9",
        b"refs/heads/\xff\xfe",
        b"refs/tags/\xe2\x80\xae-rtl",
    ],
)
def test_odd_bytes_in_ref_names_are_checked_and_shown_escaped(server: Server, name: bytes) -> None:
    clone = server.clone()
    bad = main_change(clone)
    git(server.bare, *ADMIN, "fetch", "-q", str(clone), f"{bad}:refs/tmp/objects")
    git(server.bare, *ADMIN, "update-ref", "-d", "refs/tmp/objects")
    result = receive(server.bare, f"{ZERO} {bad} ".encode() + name + b"\n")
    assert result.returncode == 1
    assert bad[:10] in result.stderr
    assert name.decode("utf-8", "backslashreplace") in result.stderr


def test_a_ref_name_git_would_never_send_is_a_usage_error(server: Server) -> None:
    bad = git(server.bare, "rev-parse", "main").strip()
    result = receive(server.bare, f"{ZERO} {bad} refs/heads/a b\n".encode())
    assert result.returncode == 2
    assert "is not `<old> <new> <ref>`" in result.stderr


# --- a range of 10,000 commits ------------------------------------------------------------------


def test_ten_thousand_commits_one_bad_is_rejected_by_name(server: Server) -> None:
    clone = server.clone()
    base = git(clone, "rev-parse", "HEAD").strip()
    commits = []
    for n in range(10_000):
        path = f"{BACKEND_OFFICE}/log/{n % 500:03}.md"
        message = template(f"docs(office): entry {n}", BACKEND, path)
        if n == 6_543:
            message = "wip entry 6543\n"
        commits.append((message, {path: f"entry {n}\n"}))
    fast_import(clone, "refs/heads/long", base, commits)
    bad = git(clone, "rev-parse", "long~3456").strip()
    git(server.bare, *ADMIN, "fetch", "-q", str(clone), "long:refs/tmp/objects")
    git(server.bare, *ADMIN, "update-ref", "-d", "refs/tmp/objects")
    tip = git(clone, "rev-parse", "long").strip()
    started = time.monotonic()
    result = receive(server.bare, f"{ZERO} {tip} refs/heads/long\n".encode())
    took = time.monotonic() - started
    assert result.returncode == 1
    assert bad[:10] in result.stderr and "wip entry 6543" in result.stderr
    assert result.stderr.count("refs/heads/long ") == 1
    assert took < 120
    checked = run_cli(clone, "check-commits", f"{base}..long", "--base", base)
    assert checked.returncode == 1
    assert "10000 commits checked, 1 with violations" in checked.stdout

"""A merge that takes a protected file from an older commit is that merge's own change.

`git diff-tree --cc` hides a path whose merged content equals one parent's. When that parent is
already on the branch (or behind it), no commit the merge brings changed the path, so before
this check nothing was checked at all: a merge of (main, main~1) rolled `app/main.py` back with
no template. Each parent counts as the branch in turn, so the parents' order does not matter.
Real pushes to a bare repository behind `git daemon`.
"""

from __future__ import annotations

from pathlib import Path

from conftest import git
from helpers.gitserver import commit, push, template
from helpers.pushserver import (
    ARCHITECT,
    BACKEND,
    Server,
    assert_accepted,
    assert_rejected,
    readme_change,
)

API = "api-architect-ai"
OWNER_TEXT = 'from fastapi import FastAPI\napp = FastAPI(title="v2 by owner")\n'


def owner_change(clone: Path, text: str = OWNER_TEXT) -> str:
    message = template("fix(app): owner update", ARCHITECT, "app/main.py")
    return commit(clone, {"app/main.py": text}, message)


def tree_with(clone: Path, base: str, entries: dict[str, str | None]) -> str:
    """The tree of `base` with paths set to the blob of `rev:path` (None: removed)."""
    index = clone / ".git" / "scratch-index"
    env_git = ["-c", "core.hooksPath=/dev/null"]
    import os
    import subprocess

    env = {**os.environ, "GIT_INDEX_FILE": str(index)}

    def run(*args: str) -> str:
        return subprocess.run(
            ["git", *env_git, *args], cwd=clone, env=env, check=True, capture_output=True, text=True
        ).stdout.strip()

    run("read-tree", base)
    for path, source in entries.items():
        if source is None:
            run("update-index", "--force-remove", path)
        else:
            blob = run("rev-parse", f"{source}:{path}")
            run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    tree = run("write-tree")
    index.unlink()
    return tree


def merge_of(clone: Path, tree: str, parents: list[str], message: str) -> str:
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return git(clone, *args, "-m", message).strip()


def setup(server: Server) -> tuple[Path, str, str]:
    """The owner's update lands on main; a second clone is the attacker's."""
    owner = server.clone("owner")
    owner_change(owner)
    assert_accepted(push(owner, "origin", "main"))
    clone = server.clone("attacker")
    return clone, git(clone, "rev-parse", "HEAD").strip(), git(clone, "rev-parse", "HEAD~1").strip()


def test_merge_with_an_ancestor_rolls_back_a_protected_file(server: Server) -> None:
    clone, tip, old = setup(server)
    tree = tree_with(clone, tip, {"app/main.py": old})
    for parents in ([tip, old], [old, tip]):
        sha = merge_of(clone, tree, parents, "Merge branch 'sync'")
        assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)
        assert "v2 by owner" in git(server.bare, "show", "main:app/main.py")
    # the same merge with a template naming a non-owner is still refused on ownership
    message = template("chore(sync): merge", BACKEND, "app/main.py")
    sha = merge_of(clone, tree, [tip, old], message)
    assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)
    # and to another branch too (rules from main, nothing from the pushed ref)
    assert_rejected(push(clone, "origin", f"{sha}:refs/heads/side"), server, sha)


def test_merge_with_an_old_orphan_deletes_a_protected_file(server: Server) -> None:
    clone, tip, _old = setup(server)
    empty = git(clone, "hash-object", "-t", "tree", "-w", "/dev/null").strip()
    orphan = merge_of(clone, empty, [], template("docs(x): start", BACKEND, "-"))
    tree = tree_with(clone, tip, {"app/main.py": None})
    sha = merge_of(clone, tree, [tip, orphan], "Merge branch 'orphan'")
    assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)


def test_octopus_with_an_old_parent(server: Server) -> None:
    clone, tip, old = setup(server)
    git(clone, "checkout", "-q", "-b", "docs")
    side = readme_change(clone, "a side branch")
    git(clone, "checkout", "-q", "main")
    tree = tree_with(clone, tip, {"app/main.py": old, "README.md": side})
    sha = merge_of(clone, tree, [tip, side, old], "Merge branches 'docs' and 'sync'")
    assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)


def test_honest_merges_still_pass(server: Server) -> None:
    """A feature branch where the owner changed the file, merged cleanly either way round, and
    a criss-cross of two branches: every protected change was made by a checked commit."""
    clone, tip, _old = setup(server)
    git(clone, "checkout", "-q", "-b", "feature")
    owner_change(clone, 'from fastapi import FastAPI\napp = FastAPI(title="v3")\n')
    git(clone, "checkout", "-q", "main")
    readme_change(clone, "main moves on")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "feature")
    assert_accepted(push(clone, "origin", "main"))
    # the other way round: main merged into a branch, that branch pushed
    git(clone, "checkout", "-q", "-b", "other", tip)
    commit(clone, {"docs/other.md": "other\n"}, template("docs(o): note", BACKEND, "docs/other.md"))
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "main")
    assert_accepted(push(clone, "origin", "other"))
    # criss-cross: two branches merge each other, then one lands on main
    git(clone, "checkout", "-q", "-b", "a", "main")
    owner_change(clone, 'from fastapi import FastAPI\napp = FastAPI(title="a")\n')
    git(clone, "checkout", "-q", "-b", "b", "main")
    commit(
        clone,
        {"docs/b.md": "b\n"},
        template("docs(b): note", BACKEND, "docs/b.md"),
    )
    b_tip = git(clone, "rev-parse", "HEAD").strip()
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "a")
    git(clone, "checkout", "-q", "a")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", b_tip)
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "a", "b")
    assert_accepted(push(clone, "origin", "main", "a", "b"))


def test_an_evil_merge_of_files_whose_names_git_quotes(server: Server) -> None:
    """`diff --cc` headers quote names holding `"`, `\\`, a tab or a newline: the merge's own
    change is compared by the names themselves (ATTACK F07)."""
    clone = server.clone("attacker")
    tip = git(clone, "rev-parse", "HEAD").strip()
    git(clone, "checkout", "-q", "-b", "side")
    side = readme_change(clone, "a side change")
    for name in ('app/api/v1/deps/auth"2.py', ".github/workflows/ci\\evil.yml", "app/api/t\tab.py"):
        git(clone, "checkout", "-q", tip)
        git(clone, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-commit", side)
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("evil = True\n")
        git(clone, "add", "-A")
        git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Merge branch 'side'")
        sha = git(clone, "rev-parse", "HEAD").strip()
        assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)


def test_an_evil_edit_in_a_merge_of_a_quoted_name_both_sides_changed(server: Server) -> None:
    """Both lines changed the file (so no parent is "older"), and the merge adds its own edit:
    only `--cc` sees it, and its header quotes the name."""
    owner = server.clone("api-owner")
    name = 'app/api/q"1.py'
    lines = [f"line {n}\n" for n in range(8)]

    def owner_commit(text: list[str]) -> str:
        return commit(owner, {name: "".join(text)}, template("feat(api): q", API, name))

    owner_commit(lines)
    assert_accepted(push(owner, "origin", "main"))
    base = git(owner, "rev-parse", "HEAD").strip()
    git(owner, "checkout", "-q", "-b", "side")
    side = owner_commit(["side 0\n", *lines[1:]])
    git(owner, "checkout", "-q", "main")
    owner_commit([*lines[:7], "main 7\n"])
    assert base != side
    git(owner, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-commit", side)
    (owner / name).write_text("".join(["side 0\n", *lines[1:4], "EVIL\n", *lines[5:7], "main 7\n"]))
    git(owner, "add", "-A")
    message = template("chore(merge): side", BACKEND, "README.md")
    git(owner, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message)
    sha = git(owner, "rev-parse", "HEAD").strip()
    assert_rejected(push(owner, "origin", "main"), server, sha)


def test_hunks_mixed_from_both_sides_roll_one_side_back(server: Server) -> None:
    """Both lines changed the file; the merge takes side's first hunk and, for the last one,
    side's (the base's) text over main's change: every hunk equals some parent's, so `--cc`
    shows nothing, yet main's change is rolled back. The re-merge (`git merge-tree`) tells it
    from an honest merge of the same two commits, which is accepted."""
    owner = server.clone("api-owner")
    name = "app/api/routes.py"
    lines = [f"line {n}\n" for n in range(8)]

    def owner_commit(text: list[str]) -> str:
        return commit(owner, {name: "".join(text)}, template("feat(api): q", API, name))

    owner_commit(lines)
    assert_accepted(push(owner, "origin", "main"))
    git(owner, "checkout", "-q", "-b", "side")
    side = owner_commit(["side 0\n", *lines[1:]])
    git(owner, "checkout", "-q", "main")
    owner_commit([*lines[:7], "main 7\n"])
    main_tip = git(owner, "rev-parse", "HEAD").strip()
    git(owner, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-commit", side)
    (owner / name).write_text("".join(["side 0\n", *lines[1:]]))  # main's line 7 rolled back
    git(owner, "add", "-A")
    git(owner, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Merge branch 'side'")
    sha = git(owner, "rev-parse", "HEAD").strip()
    assert_rejected(push(owner, "origin", "main"), server, sha)
    # the honest merge of the same two commits goes through without a template
    git(owner, "reset", "-q", "--hard", main_tip)
    git(owner, "merge", "-q", "--no-ff", "--no-edit", side)
    assert "main 7" in (owner / name).read_text()
    assert_accepted(push(owner, "origin", "main"))

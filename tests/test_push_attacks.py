"""The push gate as an attacker on a crew would try it: every way round it, pushed for real.

A bare repository served by `git daemon` on 127.0.0.1 with `install --server`; an agent's clone
builds the bypass with plain git (merges made by hand or by `git commit-tree`, octopus merges,
renames, gitlinks, symlinks, orphan branches, tags, deletions, rules edited in the same push,
rewinds) and pushes it. Each must be refused — or, where the protocol allows it, accepted — and
the server must keep its refs and say why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git
from helpers.forge import commit_tree, feature_branch, rules_granting_main, tree_with
from helpers.gitserver import GitDaemon, commit, push, template
from helpers.pushserver import (
    ARCHITECT,
    BACKEND,
    BACKEND_OFFICE,
    MASTER,
    Server,
    assert_accepted,
    assert_rejected,
    main_change,
    readme_change,
    serve,
)

NEW_MAIN = "from fastapi import FastAPI\napp = FastAPI(title='taken over')\n"


# --- merges ---------------------------------------------------------------------------------------


def test_evil_merge_built_with_commit_tree_is_rejected(server: Server) -> None:
    clone = server.clone()
    side = feature_branch(clone)
    head = git(clone, "rev-parse", "HEAD").strip()
    tree = tree_with(clone, side, "app/main.py", NEW_MAIN)
    evil = commit_tree(clone, tree, [head, side], "Merge branch 'feature'\n")
    err = assert_rejected(push(clone, "origin", f"{evil}:refs/heads/main"), server, evil)
    assert "app/main.py" in err
    assert server.ref("refs/heads/main") == head


def test_evil_merge_by_merge_no_commit_and_an_edit_is_rejected(server: Server) -> None:
    clone = server.clone()
    feature_branch(clone)
    git(clone, "merge", "-q", "--no-ff", "--no-commit", "feature")
    (clone / "app" / "main.py").write_text(NEW_MAIN)
    git(clone, "add", "app/main.py")
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-edit")
    evil = git(clone, "rev-parse", "HEAD").strip()
    assert len(git(clone, "rev-parse", "HEAD^@").split()) == 2
    err = assert_rejected(push(clone, "origin", "main"), server, evil)
    assert "app/main.py" in err


def test_evil_merge_with_a_template_by_a_non_owner_is_rejected(server: Server) -> None:
    clone = server.clone()
    side = feature_branch(clone)
    head = git(clone, "rev-parse", "HEAD").strip()
    tree = tree_with(clone, side, "app/main.py", NEW_MAIN)
    message = template("fix(app): merge the feature", BACKEND, "app/main.py")
    evil = commit_tree(clone, tree, [head, side], message)
    err = assert_rejected(push(clone, "origin", f"{evil}:refs/heads/main"), server, evil)
    assert "[protocol-insufficient]" in err
    assert f"consult {ARCHITECT}" in err


def test_merge_whose_own_change_is_approved_is_accepted(server: Server) -> None:
    clone = server.clone()
    side = feature_branch(clone)
    head = git(clone, "rev-parse", "HEAD").strip()
    tree = tree_with(clone, side, "app/main.py", NEW_MAIN)
    message = template(
        "fix(app): merge the feature",
        BACKEND,
        "app/main.py",
        protocol="APROBACIÓN_OBTENIDA",
        approved_by=ARCHITECT,
    )
    merge = commit_tree(clone, tree, [head, side], message)
    assert_accepted(push(clone, "origin", f"{merge}:refs/heads/main"))


def test_clean_merge_skips_the_template_and_its_commits_are_checked(server: Server) -> None:
    clone = server.clone()
    feature_branch(clone)
    readme_change(clone)
    git(clone, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-edit", "feature")
    assert_accepted(push(clone, "origin", "main"))

    git(clone, "checkout", "-q", "-b", "bad", "origin/main")
    bad = commit(clone, {"docs/notes.md": "notes\n"}, "notes\n")
    git(clone, "checkout", "-q", "main")
    git(clone, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-edit", "bad")
    assert_rejected(push(clone, "origin", "main"), server, bad)


def test_a_merge_taking_one_sides_version_of_a_protected_file_is_clean(server: Server) -> None:
    """The architect changed app/main.py on a branch (approved and checked); the merge only
    carries that version over: no own change, no template needed."""
    clone = server.clone()
    git(clone, "checkout", "-q", "-b", "arch", "origin/main")
    main_change(clone, agent=ARCHITECT)
    git(clone, "checkout", "-q", "main")
    readme_change(clone)
    git(clone, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-edit", "arch")
    assert_accepted(push(clone, "origin", "main"))


def test_octopus_merge_with_an_own_change_is_rejected(server: Server) -> None:
    clone = server.clone()
    one = feature_branch(clone, "one")
    two = feature_branch(clone, "two")
    head = git(clone, "rev-parse", "HEAD").strip()
    base = git(clone, "rev-parse", "HEAD^{tree}").strip()
    tree = tree_with(clone, base, "app/main.py", NEW_MAIN)
    for branch in (one, two):
        tree = _merge_trees(clone, tree, branch)
    evil = commit_tree(clone, tree, [head, one, two], "Merge branches 'one' and 'two'\n")
    assert len(git(clone, "rev-parse", f"{evil}^@").split()) == 3
    err = assert_rejected(push(clone, "origin", f"{evil}:refs/heads/main"), server, evil)
    assert "app/main.py" in err


def _merge_trees(clone: Path, tree: str, commit_id: str) -> str:
    """`tree` plus the files of `commit_id` that it lacks (the office files of a branch)."""
    names = git(clone, "ls-tree", "-r", "--name-only", commit_id).split("\n")
    for name in names:
        if name.startswith(BACKEND_OFFICE):
            content = git(clone, "show", f"{commit_id}:{name}")
            tree = tree_with(clone, tree, name, content)
    return tree


def test_clean_octopus_merge_is_accepted(server: Server) -> None:
    clone = server.clone()
    feature_branch(clone, "one")
    feature_branch(clone, "two")
    git(
        clone, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-ff", "--no-edit", "one", "two"
    )
    assert len(git(clone, "rev-parse", "HEAD^@").split()) == 3
    assert_accepted(push(clone, "origin", "main"))


# --- renames, type changes, odd names -----------------------------------------------------------


def test_renaming_a_protected_file_away_is_rejected(server: Server) -> None:
    clone = server.clone()
    git(clone, "mv", "app/main.py", "app/main_old.py")
    sha = commit(clone, {}, template("refactor(app): rename", BACKEND, "app/main_old.py"))
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "app/main.py" in err


def test_renaming_a_file_onto_a_protected_path_is_rejected(server: Server) -> None:
    clone = server.clone()
    git(clone, "rm", "-q", "app/main.py")
    commit(clone, {}, template("refactor(app): drop", ARCHITECT, "app/main.py"))
    assert_accepted(push(clone, "origin", "main"))
    office = f"{BACKEND_OFFICE}/main.py"
    (clone / office).parent.mkdir(parents=True, exist_ok=True)
    (clone / office).write_text(NEW_MAIN)
    office_sha = commit(clone, {}, template("feat(office): draft", BACKEND, office))
    git(clone, "mv", office, "app/main.py")
    sha = commit(clone, {}, template("refactor(app): move the draft", BACKEND, office))
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert office_sha[:10] not in err
    assert "app/main.py" in err


def test_a_protected_file_turned_into_a_symlink_is_rejected(server: Server) -> None:
    clone = server.clone()
    (clone / "app" / "main.py").unlink()
    (clone / "app" / "main.py").symlink_to("../README.md")
    sha = commit(clone, {}, template("refactor(app): link", BACKEND, "README.md"))
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "app/main.py" in err


def test_a_protected_file_turned_into_a_gitlink_is_rejected(server: Server) -> None:
    clone = server.clone()
    head = git(clone, "rev-parse", "HEAD").strip()
    git(clone, "rm", "-q", "--cached", "app/main.py")
    git(clone, "update-index", "--add", "--cacheinfo", f"160000,{head},app/main.py")
    message = template("build(app): vendor", BACKEND, "README.md")
    git(clone, "commit", "-q", "-F", "-", input=message.encode())
    sha = git(clone, "rev-parse", "HEAD").strip()
    assert "160000" in git(clone, "ls-tree", "HEAD", "app/main.py")
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "app/main.py" in err


def test_a_non_utf8_name_inside_a_protected_directory_is_rejected(server: Server) -> None:
    clone = server.clone()
    name = os.path.join(os.fsencode(clone), b"app", b"api", b"caf\xe9.py")
    os.makedirs(os.path.dirname(name), exist_ok=True)
    with open(name, "wb") as handle:
        handle.write(b"x = 1\n")
    sha = commit(clone, {}, template("feat(api): add", BACKEND, "app/api/"))
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "[path-encoding]" in err
    assert "[protocol-insufficient]" in err


def test_a_case_variant_of_a_protected_path_is_rejected(server: Server) -> None:
    """On a case-insensitive checkout `App/Main.py` overwrites `app/main.py`."""
    clone = server.clone()
    sha = commit(
        clone,
        {"App/Main.py": NEW_MAIN},
        template("feat(app): add", BACKEND, "App/Main.py"),
    )
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert "[path-case]" in err
    assert "app/main.py" in err


# --- branches, tags, deletions, rewinds ----------------------------------------------------------


def test_orphan_branch_is_checked_against_the_protected_branchs_rules(server: Server) -> None:
    clone = server.clone()
    git(clone, "checkout", "-q", "--orphan", "loot")
    git(clone, "rm", "-q", "-rf", ".")
    sha = commit(clone, {"app/main.py": NEW_MAIN}, "take app/main.py\n")
    err = assert_rejected(push(clone, "origin", "loot"), server, sha)
    assert "refs/heads/loot" in err
    assert server.ref("refs/heads/loot") is None


def test_a_branch_pushed_as_it_was_before_adoption_is_checked(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    """A branch whose tip predates the rules gets the protected branch's rules, and merging it
    later cannot pass its commits off as already checked."""
    server = serve(tmp_path, daemon)
    clone = server.clone()
    root = git(clone, "rev-list", "--max-parents=0", "HEAD").strip()
    git(clone, "checkout", "-q", "-b", "legacy", root)
    bad = commit(clone, {"app/main.py": NEW_MAIN}, "legacy tweak\n")
    assert_rejected(push(clone, "origin", "legacy"), server, bad)

    git(server.bare, "config", "--add", "workspace-guard.checkSince", bad)
    assert_accepted(push(clone, "origin", "legacy"))


def test_new_branch_and_tag_of_a_bad_commit_are_rejected(server: Server) -> None:
    clone = server.clone()
    bad = main_change(clone)
    git(clone, "tag", "-a", "-m", "release", "v9")
    git(clone, "tag", "blob-tag", git(clone, "rev-parse", "HEAD:app/main.py").strip())
    result = push(clone, "origin", "HEAD:refs/heads/other", "v9")
    err = assert_rejected(result, server, bad)
    assert "refs/heads/other" in err and "refs/tags/v9" in err
    assert_accepted(push(clone, "origin", "blob-tag"))


def test_deleting_the_protected_branch_is_refused_and_audited(server: Server) -> None:
    git(server.bare, "config", "receive.denyDeleteCurrent", "ignore")  # git's own check off
    clone = server.clone()
    tip = server.ref("refs/heads/main")
    result = push(clone, "origin", "--delete", "main")
    assert result.returncode != 0
    assert "[ref-delete]" in result.stderr
    assert server.ref("refs/heads/main") == tip
    assert any(r.get("ref") == "refs/heads/main" for r in server.audit())


def test_every_accepted_deletion_is_audited(server: Server) -> None:
    clone = server.clone()
    assert_accepted(push(clone, "origin", "HEAD:refs/heads/scratch"))
    assert_accepted(push(clone, "origin", "--delete", "scratch"))
    (record,) = [r for r in server.audit() if r.get("ref") == "refs/heads/scratch"]
    assert record["action"] == "deleted"
    assert record["layer"] == "pre-receive"


def test_head_naming_a_missing_branch_is_no_first_push(server: Server) -> None:
    """git's default HEAD (`master`) while the team uses `main`: deleting main and pushing
    again must not turn the next push into an unchecked first push."""
    git(server.bare, "symbolic-ref", "HEAD", "refs/heads/master")
    # a server installed before the pin (no rulesRef, no record): HEAD still decides
    git(server.bare, "config", "--unset", "workspace-guard.rulesRef")
    (server.bare / "workspace-guard" / "pin.json").unlink()
    clone = server.clone()
    deleted = push(clone, "origin", "--delete", "main")
    assert deleted.returncode != 0
    assert server.ref("refs/heads/main") is not None
    git(clone, "checkout", "-q", "-b", "main", "origin/main")
    main_change(clone)
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert "refs/heads/master" in result.stderr
    assert "workspace-guard.rulesRef" in result.stderr

    git(server.bare, "config", "workspace-guard.rulesRef", "refs/heads/main")
    result = push(clone, "origin", "main")
    assert "[protocol-insufficient]" in result.stderr


def test_rewinding_the_rules_by_force_push_is_refused(server: Server) -> None:
    clone = server.clone()
    before = git(clone, "rev-parse", "HEAD").strip()
    rules = clone / ".workspace" / "rules.yaml"
    stricter = rules.read_text().replace(
        "\nresponsibilities:",
        "  - pattern: /README.md\n    owner: master-orchestrator\n    level: critical\n"
        "\nresponsibilities:",
        1,
    )
    tightened = commit(
        clone,
        {".workspace/rules.yaml": stricter},
        template("chore(rules): protect the readme", MASTER, ".workspace/rules.yaml"),
    )
    assert_accepted(push(clone, "origin", "main"))
    result = push(clone, "--force", "origin", f"{before}:refs/heads/main")
    assert result.returncode != 0
    assert "[rules-rewind]" in result.stderr
    assert server.ref("refs/heads/main") == tightened


def test_rules_edited_in_the_same_push_do_not_decide_it(server: Server) -> None:
    """One trusted rules revision per push: a grant on main and its use on another ref, pushed
    together, are both judged by the rules before the push."""
    clone = server.clone()
    commit(
        clone,
        {".workspace/rules.yaml": rules_granting_main(clone)},
        template("chore(rules): hand over", MASTER, ".workspace/rules.yaml"),
    )
    git(clone, "checkout", "-q", "-b", "use", "main")
    use = main_change(clone)
    err = assert_rejected(push(clone, "origin", "main", "use"), server, use)
    assert "refs/heads/use" in err


def test_unprotecting_a_file_by_a_non_owner_is_rejected(server: Server) -> None:
    clone = server.clone()
    rules = clone / ".workspace" / "rules.yaml"
    text = rules.read_text().replace(
        "\nresponsibilities:", "  - pattern: /app/main.py\n    level: none\n\nresponsibilities:", 1
    )
    sha = commit(
        clone,
        {".workspace/rules.yaml": text, "app/main.py": NEW_MAIN},
        template("chore(rules): relax", BACKEND, ".workspace/rules.yaml, app/main.py"),
    )
    err = assert_rejected(push(clone, "origin", "main"), server, sha)
    assert ".workspace/rules.yaml" in err and "app/main.py" in err


def test_broken_rules_at_the_tip_name_the_escalation_and_the_way_out(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    broken = EXAMPLE_RULES.read_text().replace("level: critical", "level: severe", 1)
    server = serve(tmp_path, daemon, rules_text=broken)
    clone = server.clone()
    rules = clone / ".workspace" / "rules.yaml"
    fix = commit(
        clone,
        {".workspace/rules.yaml": EXAMPLE_RULES.read_text()},
        template("fix(rules): repair", MASTER, ".workspace/rules.yaml"),
    )
    result = push(clone, "origin", "main")
    assert result.returncode != 0
    assert MASTER in result.stderr
    assert "workspace-guard.rules" in result.stderr
    assert "Traceback" not in result.stderr

    good = tmp_path / "repair.yaml"
    good.write_text(EXAMPLE_RULES.read_text())
    git(server.bare, "config", "workspace-guard.rules", str(good))
    assert_accepted(push(clone, "origin", "main"))
    assert server.ref("refs/heads/main") == fix
    assert rules.read_text() == EXAMPLE_RULES.read_text()


def test_refs_of_the_gate_itself_cannot_be_pushed(server: Server) -> None:
    clone = server.clone()
    result = push(clone, "origin", "HEAD:refs/workspace-guard/anchors")
    assert result.returncode != 0
    assert server.ref("refs/workspace-guard/anchors") is None


@pytest.mark.parametrize("name", ["refs/heads/é-branch", os.fsdecode(b"refs/heads/caf\xe9")])
def test_odd_ref_names_get_the_same_checks(server: Server, name: str) -> None:
    clone = server.clone()
    bad = main_change(clone)
    result = push(clone, "origin", f"HEAD:{name}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert bad[:10] in result.stderr
    assert len(server.refs()) == 1


def test_accepted_push_touching_a_protected_path_is_recorded(server: Server) -> None:
    clone = server.clone()
    sha = main_change(clone, protocol="APROBACIÓN_OBTENIDA", approved_by=ARCHITECT)
    assert_accepted(push(clone, "origin", "main"))
    records = [r for r in server.audit() if r.get("commit") == sha]
    assert [(r["action"], r["path"], r["agent"]) for r in records] == [
        ("accepted", "app/main.py", BACKEND)
    ]
    assert records[0]["owner"] == ARCHITECT
    lines = (server.bare / "workspace-guard" / "audit.jsonl").read_text().splitlines()
    assert all(json.loads(x)["layer"] == "pre-receive" for x in lines)

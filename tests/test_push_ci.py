"""`check-commits` the way CI checks out: detached, shallow, blobless, no local default branch.

A "forge" (a bare repository served by `git daemon`, with no hooks: hosted forges run none) holds
`main` with the rules and a pull request's branch. The runner's clone is made the way
actions/checkout makes it: `git init`, a remote, a fetch of the pull request's head sha (shallow or
whole), the base sha fetched on its own, a detached checkout, no local branch at all. Whatever the
fetch, `check-commits` must find the base's rules or exit 2: it never passes on the template alone.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.gitserver import GitDaemon, commit, template

BACKEND = "backend-framework-ai"
ARCHITECT = "system-architect-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"


@dataclass
class PullRequest:
    url: str
    base: str  # github.event.pull_request.base.sha
    head: str  # github.event.pull_request.head.sha
    bad: str  # the commit that breaks ownership (its template is fine)
    commits: int


def forge(tmp_path: Path, daemon: GitDaemon) -> tuple[Path, str]:
    """A bare repository that lets clients fetch any sha and filter blobs (as GitHub does)."""
    bare = daemon.base / "forge.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(bare, "config", "uploadpack.allowFilter", "true")
    return bare, daemon.url("forge.git")


def office(clone: Path, name: str) -> str:
    path = f"{OFFICE}/{name}"
    return commit(clone, {path: f"{name}\n"}, template(f"docs(office): {name}", BACKEND, path))


def take_main(clone: Path) -> str:
    """A well-formed commit by the backend agent to a file the architect owns (critical)."""
    message = template("fix(app): mount the router", BACKEND, "app/main.py")
    return commit(clone, {"app/main.py": "app = 'taken'\n"}, message)


@pytest.fixture
def pull(tmp_path: Path, daemon: GitDaemon) -> PullRequest:
    _bare, url = forge(tmp_path, daemon)
    seed = make_workspace(tmp_path / "seed")
    for number in range(3):
        office(seed, f"history-{number}.md")
    base = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "checkout", "-q", "-b", "pr")
    office(seed, "one.md")
    bad = take_main(seed)
    head = office(seed, "two.md")
    git(seed, "-c", "core.hooksPath=/dev/null", "push", "-q", url, "main", "pr")
    return PullRequest(url, base, head, bad, 3)


def runner(tmp_path: Path, pull: PullRequest, *, depth: int | None, base_depth: int = 1) -> Path:
    """The runner's workspace as actions/checkout leaves it: detached at the head sha, the base
    sha fetched by itself, no local branch, no origin/HEAD."""
    work = tmp_path / "runner"
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", pull.url)
    shallow = [f"--depth={depth}"] if depth else []
    fetch = ["fetch", "-q", "--no-tags", "--no-recurse-submodules", *shallow, "origin"]
    git(work, *fetch, f"+{pull.head}:refs/remotes/pull/1/merge")
    base_shallow = [f"--depth={base_depth}"] if depth else []
    git(work, "fetch", "-q", "--no-tags", *base_shallow, "origin", pull.base)
    git(work, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    assert git(work, "for-each-ref", "refs/heads/").strip() == ""
    assert git(work, "symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False) == ""
    return work


def check(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(work, "check-commits", *args)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    return result


def test_actions_job_as_documented_finds_the_ownership_violation(
    tmp_path: Path, pull: PullRequest
) -> None:
    work = runner(tmp_path, pull, depth=None)
    spec = f"{pull.base}..{pull.head}"
    result = check(work, spec, "--base", pull.base, "--format", "github")
    assert result.returncode == 1, result.stderr
    assert f"::error file=app/main.py,title=protocol-insufficient in {pull.bad[:10]}" in (
        result.stdout
    )
    data = json.loads(check(work, spec, "--base", pull.base, "--format", "json").stdout)
    assert [c["sha"] for c in data["commits"] if c["violations"]] == [pull.bad]
    assert len(data["commits"]) == pull.commits


def test_a_shallow_fetch_that_holds_the_range_is_checked(tmp_path: Path, pull: PullRequest) -> None:
    work = runner(tmp_path, pull, depth=pull.commits + 1)
    result = check(work, f"{pull.base}..HEAD")
    assert result.returncode == 1, result.stderr
    assert pull.bad[:10] in result.stdout
    assert "protocol-insufficient" in result.stdout


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_shallow_fetch_that_hides_part_of_the_range_is_exit_2(
    tmp_path: Path, pull: PullRequest, depth: int
) -> None:
    work = runner(tmp_path, pull, depth=depth)
    for args in ([f"{pull.base}..HEAD"], [f"{pull.base}..HEAD", "--base", pull.base]):
        result = check(work, *args)
        assert result.returncode == 2, result.stdout
        assert "shallow clone" in result.stderr
        assert "not fetched" in result.stderr
        assert "fetch-depth: 0" in result.stderr


def test_a_base_that_was_not_fetched_is_exit_2(tmp_path: Path, pull: PullRequest) -> None:
    work = tmp_path / "runner"
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", pull.url)
    git(work, "fetch", "-q", "--depth=1", "origin", f"+{pull.head}:refs/remotes/pull/1/merge")
    git(work, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    result = check(work, f"{pull.base}..HEAD")
    assert result.returncode == 2
    assert "shallow clone" in result.stderr


@pytest.mark.parametrize("depth", [None, 1])
def test_no_left_side_and_no_default_branch_is_exit_2_never_template_only(
    tmp_path: Path, pull: PullRequest, depth: int | None
) -> None:
    work = runner(tmp_path, pull, depth=depth)
    result = check(work, "HEAD")
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    if depth is None:
        assert "no base revision with rules" in result.stderr
        assert "--base" in result.stderr and "--rules" in result.stderr


def test_a_base_without_rules_is_exit_2_naming_it(tmp_path: Path, daemon: GitDaemon) -> None:
    _bare, url = forge(tmp_path, daemon)
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    base = commit(seed, {"README.md": "# before adoption\n"}, "initial import")
    git(seed, "checkout", "-q", "-b", "pr")
    head = take_main(seed)
    git(seed, "push", "-q", url, "main", "pr")
    work = runner(tmp_path, PullRequest(url, base, head, head, 1), depth=None)
    result = check(work, f"{base}..{head}", "--base", base)
    assert result.returncode == 2
    assert base in result.stderr and "has no .workspace/rules.yaml" in result.stderr
    assert "--rules" in result.stderr


# --- blobless partial clones --------------------------------------------------------------------


def objects(work: Path) -> tuple[int, int]:
    """(loose objects, objects in packs): any lazy fetch adds a pack."""
    counts = dict(
        line.split(": ") for line in git(work, "count-objects", "-v").splitlines() if ": " in line
    )
    return int(counts["count"]), int(counts["in-pack"])


def test_a_blobless_clone_checks_a_range_without_fetching_a_blob(
    tmp_path: Path, pull: PullRequest
) -> None:
    work = tmp_path / "blobless"
    git(tmp_path, "clone", "-q", "--no-checkout", "--filter=blob:none", pull.url, str(work))
    git(work, "checkout", "-q", "--detach", pull.base)  # fetches the base's blobs only
    missing = git(work, "rev-list", "--objects", "--missing=print", "--all")
    assert "?" in missing  # the pull request's blobs are not here
    before = objects(work)
    result = check(work, f"{pull.base}..{pull.head}", "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [c["sha"] for c in data["commits"] if c["violations"]] == [pull.bad]
    assert objects(work) == before, "check-commits fetched objects from the promisor remote"
    assert git(work, "rev-list", "--objects", "--missing=print", "--all") == missing


def test_a_blobless_clone_judges_a_merge_it_cannot_read_strictly(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    """Both sides change app/main.py and git merges them cleanly: with the blobs the merge has
    no own change; without them (never fetched) the merge is judged by every path it lists —
    a violation to fix by adding the template, never a crash, a fetch or a pass."""
    _bare, url = forge(tmp_path, daemon)
    seed = make_workspace(tmp_path / "seed")
    lines = "".join(f"line {n}\n" for n in range(20))
    approved = {"protocol": "APROBACIÓN_OBTENIDA", "approved_by": ARCHITECT}
    commit(seed, {"app/main.py": lines}, template("fix(app): lines", ARCHITECT, "app/main.py"))
    base = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "checkout", "-q", "-b", "side")
    commit(
        seed,
        {"app/main.py": lines.replace("line 1\n", "line one\n")},
        template("fix(app): one", BACKEND, "app/main.py", **approved),
    )
    git(seed, "checkout", "-q", "main")
    commit(
        seed,
        {"app/main.py": lines.replace("line 18\n", "line eighteen\n")},
        template("fix(app): eighteen", BACKEND, "app/main.py", **approved),
    )
    git(seed, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--no-edit", "side")
    merge = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "push", "-q", url, "main")
    full = check(seed, f"{base}..{merge}", "--base", base)
    assert full.returncode == 0, full.stdout
    work = tmp_path / "blobless"
    git(tmp_path, "clone", "-q", "--no-checkout", "--filter=blob:none", url, str(work))
    git(work, "checkout", "-q", "--detach", base)
    before = objects(work)
    result = check(work, f"{base}..{merge}", "--base", base)
    assert result.returncode == 1
    assert merge[:10] in result.stdout
    assert objects(work) == before


@pytest.mark.parametrize("how", ["one side", "strategy ours", "evil"])
def test_a_blobless_clone_reads_merges_by_blob_ids_where_a_parent_gave_the_result(
    tmp_path: Path, daemon: GitDaemon, how: str
) -> None:
    """Where the merge's blob of a protected path equals one parent's, git's listing (trees
    only: `--cc --name-status` lists a path only when it differs from every parent) already
    leaves it out, so a blobless clone answers exactly as a full one, with nothing fetched; the
    strict reading is kept only where telling a clean merge from an own change needs contents
    (the test above). An evil merge (a blob no parent has) is caught in both, and so is a
    `-s ours` merge that discards the other line's change to a protected file."""
    _bare, url = forge(tmp_path, daemon)
    seed = make_workspace(tmp_path / "seed")
    lines = "".join(f"line {n}\n" for n in range(20))
    approved = {"protocol": "APROBACIÓN_OBTENIDA", "approved_by": ARCHITECT}
    commit(seed, {"app/main.py": lines}, template("fix(app): lines", ARCHITECT, "app/main.py"))
    base = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "checkout", "-q", "-b", "side")
    side_text = lines.replace("line 1\n", "line one\n")
    commit(
        seed,
        {"app/main.py": side_text},
        template("fix(app): one", BACKEND, "app/main.py", **approved),
    )
    git(seed, "checkout", "-q", "main")
    if how == "one side":  # main changes another file: the merge takes side's blob whole
        commit(seed, {"README.md": "readme\n"}, template("docs(readme): add", BACKEND, "README.md"))
    else:  # both change app/main.py
        main_text = lines.replace("line 18\n", "line eighteen\n")
        commit(
            seed,
            {"app/main.py": main_text},
            template("fix(app): 18", BACKEND, "app/main.py", **approved),
        )
    quiet = ["-c", "core.hooksPath=/dev/null"]
    if how == "strategy ours":  # the merge keeps main's blob
        git(seed, *quiet, "merge", "-q", "-s", "ours", "--no-edit", "side")
    elif how == "one side":
        git(seed, *quiet, "merge", "-q", "--no-edit", "side")
    else:  # a blob neither parent has, under a clean merge's subject
        git(seed, *quiet, "merge", "-q", "--no-commit", "side")
        (seed / "app/main.py").write_text("evil\n")
        git(seed, "add", "app/main.py")
        git(seed, *quiet, "commit", "-q", "--no-edit")
    merge = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "push", "-q", url, "main")
    full = check(seed, f"{base}..{merge}", "--base", base, "--format", "json")
    work = tmp_path / "blobless"
    git(tmp_path, "clone", "-q", "--no-checkout", "--filter=blob:none", url, str(work))
    git(work, "checkout", "-q", "--detach", base)
    before = objects(work)
    blobless = check(work, f"{base}..{merge}", "--base", base, "--format", "json")
    assert objects(work) == before, "check-commits fetched objects from the promisor remote"
    # `-s ours` over a protected change the other line made discards that change: the merge's
    # own change (the re-merge differs), judged strictly in both clones
    assert blobless.returncode == full.returncode == (0 if how == "one side" else 1), full.stdout
    assert json.loads(blobless.stdout)["commits"] == json.loads(full.stdout)["commits"]

"""`workspace-guard check-commits RANGE` as CI runs it: real repositories and commits, the real CLI.

The rules always come from the base (the left side of the range; a single revision: the default
branch), never from the commits being checked.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, EXAMPLE_RULES, git, make_workspace, run_cli, run_tty
from helpers.chunks import chunked
from helpers.gitserver import commit, fast_import, template
from helpers.repos import craft_commit
from hypothesis import given
from hypothesis import strategies as st

from workspace_guard.gates.push.listing import _tokens

BACKEND = "backend-framework-ai"
ARCHITECT = "system-architect-ai"
MASTER = "master-orchestrator"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
MAIN_PY = "from fastapi import FastAPI\napp = FastAPI(title='shop')\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example workspace on `main`, with `feature` checked out at the same commit."""
    path = make_workspace(tmp_path / "ws")
    git(path, "checkout", "-q", "-b", "feature")
    return path


def check(repo: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = run_cli(cwd or repo, "check-commits", *args)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    return result


def as_json(repo: Path, *args: str) -> dict[str, object]:
    result = check(repo, *args, "--format", "json")
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    assert data["ok"] is (result.returncode == 0)
    return data


def good_readme(repo: Path, text: str = "more") -> str:
    return commit(
        repo,
        {"README.md": f"# shop\n{text}\n"},
        template("docs(readme): describe the shop", BACKEND, "README.md"),
    )


def main_by(repo: Path, agent: str = BACKEND, **fields: str) -> str:
    message = template("fix(app): set the title", agent, "app/main.py", **fields)
    return commit(repo, {"app/main.py": MAIN_PY}, message)


def grant_main_to_backend(repo: Path) -> str:
    """The superuser hands app/main.py to the backend agent (a legitimate rules change)."""
    rules = (repo / ".workspace" / "rules.yaml").read_text()
    granted = rules.replace(
        "  - pattern: /app/main.py\n    owner: system-architect-ai",
        f"  - pattern: /app/main.py\n    owner: {BACKEND}",
    )
    assert granted != rules
    return commit(
        repo,
        {".workspace/rules.yaml": granted},
        template("chore(rules): hand app/main.py over", MASTER, ".workspace/rules.yaml"),
    )


def flagged(data: dict[str, object]) -> dict[str, list[str]]:
    """sha → violation ids, for the commits that have any."""
    commits = data["commits"]
    assert isinstance(commits, list)
    return {c["sha"]: [v["id"] for v in c["violations"]] for c in commits if c["violations"]}


# --- formats and exit codes ----------------------------------------------------------------------


def test_clean_range_exits_0_with_a_table_per_agent(repo: Path) -> None:
    good_readme(repo)
    commit(
        repo,
        {f"{OFFICE}/plan.md": "plan\n"},
        template("docs(office): plan", BACKEND, f"{OFFICE}/plan.md"),
    )
    main_by(repo, ARCHITECT)  # the owner
    result = check(repo, "main..feature")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[-4:]}
    assert rows["AGENT"] == ["COMMITS", "VIOLATIONS"]
    assert rows[BACKEND] == ["2", "0"]
    assert rows[ARCHITECT] == ["1", "0"]
    assert result.stdout.rstrip().endswith("3 commits checked, 0 with violations")


def test_violations_exit_1_and_are_listed_per_commit(repo: Path) -> None:
    good_readme(repo)
    bad = main_by(repo)
    result = check(repo, "main..feature")
    assert result.returncode == 1
    out = result.stdout
    assert f"{bad[:10]} fix(app): set the title ({BACKEND})" in out
    assert "✗ [protocol-insufficient] app/main.py:" in out
    assert "✗ [approval-missing] app/main.py:" in out
    row = next(line for line in out.splitlines() if line.startswith(BACKEND))
    assert row.split() == [BACKEND, "2", "2"]
    assert "2 commits checked, 1 with violations" in out


def test_json_has_the_contract_shape(repo: Path) -> None:
    clean = good_readme(repo)
    bad = main_by(repo)
    anonymous = commit(repo, {"README.md": "# shop?\n"}, "tweak readme\n")
    data = as_json(repo, "main..feature")
    assert set(data) >= {"ok", "commits"}
    assert data["ok"] is False
    commits = data["commits"]
    assert isinstance(commits, list)
    assert [c["sha"] for c in commits] == [anonymous, bad, clean]  # every commit, clean ones too
    for item in commits:
        assert set(item) >= {"sha", "agent", "violations"}
        assert re.fullmatch(r"[0-9a-f]{40}", item["sha"])
        for violation in item["violations"]:
            assert set(violation) == {"id", "path", "message"}
            assert isinstance(violation["id"], str)
            assert isinstance(violation["message"], str)
    by_sha = {c["sha"]: c for c in commits}
    assert by_sha[clean]["agent"] == BACKEND
    assert by_sha[clean]["violations"] == []
    assert by_sha[anonymous]["agent"] is None
    paths = {v["path"] for v in by_sha[bad]["violations"]}
    assert paths == {"app/main.py"}


def test_github_format_writes_error_annotations(repo: Path) -> None:
    bad = main_by(repo)
    untemplated = commit(repo, {"docs/a,b:c.md": "x\n"}, "notes\n")
    result = check(repo, "main..feature", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    annotations = [line for line in lines if line.startswith("::error ")]
    assert annotations
    for line in annotations:
        assert re.fullmatch(r"::error (file=[^,:]+,)?title=[^:]+::.+", line), line
    main_line = next(x for x in annotations if "file=app/main.py," in x)
    assert f"title=protocol-insufficient in {bad[:10]} ({BACKEND})" in main_line
    assert any(f"{untemplated[:10]} (no agent)" in x and "file=" not in x for x in annotations)
    assert any("%0A" in x for x in annotations)  # multi-line messages stay on one line
    assert lines[-1].endswith("with violations")  # the summary follows for the log


def test_github_escapes_paths_in_properties(tmp_path: Path) -> None:
    rule = "  - pattern: /docs/\n    owner: api-architect-ai\n    level: high\n"
    rules = EXAMPLE_RULES.read_text().replace("\nresponsibilities:", f"{rule}\nresponsibilities:")
    repo = make_workspace(tmp_path / "ws", rules)
    commit(repo, {"docs/a,b:c.md": "x\n"}, template("docs(notes): add", BACKEND, "docs/a,b:c.md"))
    result = check(repo, "main~1..main", "--format", "github")
    assert result.returncode == 1
    assert "file=docs/a%2Cb%3Ac.md," in result.stdout


# --- ranges and the base they take their rules from ----------------------------------------------


def test_rules_come_from_the_left_side_never_from_the_range(repo: Path) -> None:
    grant = grant_main_to_backend(repo)
    use = main_by(repo)
    data = as_json(repo, "main..feature")
    assert flagged(data) == {use: ["protocol-insufficient", "approval-missing"]}
    assert grant not in flagged(data)
    # once the grant is the base, the new owner's change is fine
    assert as_json(repo, f"{grant}..feature")["ok"] is True


def test_three_dot_range_checks_the_branch_side_against_the_merge_base(repo: Path) -> None:
    use = main_by(repo)
    git(repo, "checkout", "-q", "main")
    grant_main_to_backend(repo)  # main moves on: with main's tip as base, `use` would pass
    assert as_json(repo, "main..feature")["ok"] is True
    data = as_json(repo, "main...feature")
    assert flagged(data) == {use: ["protocol-insufficient", "approval-missing"]}
    assert [c["sha"] for c in data["commits"]] == [use]  # main's own commits are not checked


def test_single_revision_takes_the_default_branchs_rules(repo: Path) -> None:
    grant_main_to_backend(repo)
    use = main_by(repo)
    data = as_json(repo, "feature")  # feature checked out: its own rules must not count
    assert use in flagged(data)
    assert len(data["commits"]) == 3  # the whole history, the seed commit included


def test_base_option_names_the_revision_whose_rules_decide(repo: Path) -> None:
    grant = grant_main_to_backend(repo)
    use = main_by(repo)
    assert use in flagged(as_json(repo, f"{grant}..feature", "--base", "main"))
    result = check(repo, "main..feature", "--base", "no-such-rev")
    assert result.returncode == 2
    assert "'no-such-rev' does not name a commit" in result.stderr


def test_root_commit_is_checked_against_the_empty_tree(repo: Path) -> None:
    """Even where the repository sets log.showRoot=false."""
    git(repo, "config", "log.showRoot", "false")
    git(repo, "checkout", "-q", "--orphan", "lone")
    git(repo, "rm", "-rq", "--cached", ".")
    for child in repo.iterdir():
        if child.name != ".git":
            subprocess.run(["rm", "-rf", str(child)], check=True)
    root = main_by(repo)
    data = as_json(repo, "lone")
    assert data["commits"] == [data["commits"][0]]
    assert flagged(data) == {root: ["protocol-insufficient", "approval-missing"]}


def test_full_paths_from_a_subdirectory_even_with_diff_relative(repo: Path) -> None:
    git(repo, "config", "diff.relative", "true")
    bad = main_by(repo)
    result = check(repo, "main..feature", "--format", "json", cwd=repo / "app" / "api")
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert {v["path"] for v in data["commits"][0]["violations"]} == {"app/main.py"}
    assert data["commits"][0]["sha"] == bad


def test_a_merge_subject_on_a_one_parent_commit_is_not_a_merge(repo: Path) -> None:
    fake = commit(repo, {"app/main.py": MAIN_PY}, "Merge branch 'hotfix'\n")
    ids = flagged(as_json(repo, "main..feature"))[fake]
    assert "agent-unknown" in ids  # ownership applies: app/main.py touched with no agent
    assert "field-missing" in ids  # and so does the template


def test_a_real_merge_is_exempt_but_its_commits_are_checked(repo: Path) -> None:
    good_readme(repo)
    git(repo, "checkout", "-q", "-b", "side", "main")
    bad = main_by(repo)
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    data = as_json(repo, "main..feature")
    assert merge in [c["sha"] for c in data["commits"]]
    assert flagged(data) == {bad: ["protocol-insufficient", "approval-missing"]}


def test_an_approval_in_the_state_directory_does_not_replace_the_message(repo: Path) -> None:
    """CI and the server must agree: the approval is what the commit message records."""
    approved = run_tty(
        repo, "approve", BACKEND, "app/main.py", "--by", ARCHITECT
    )  # a person at a terminal
    assert approved.returncode == 0, approved.stderr
    bad = main_by(repo)
    assert bad in flagged(as_json(repo, "main..feature"))
    main_by(repo, protocol="APROBACIÓN_OBTENIDA", approved_by=ARCHITECT)
    assert list(flagged(as_json(repo, "main..feature"))) == [bad]


def test_no_rules_at_the_base_is_a_usage_error_naming_the_options(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", commit=False)
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", template("chore(workspace): adopt", MASTER, ".workspace/"))
    result = check(repo, "main~1..main")
    assert result.returncode == 2
    assert "has no .workspace/rules.yaml" in result.stderr
    assert "--base" in result.stderr and "--rules" in result.stderr
    assert result.stdout == ""


def test_in_the_bare_server_repository(tmp_path: Path, repo: Path) -> None:
    bad = main_by(repo)
    bare = tmp_path / "srv.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    data = as_json(bare, "main..feature")
    assert list(flagged(data)) == [bad]


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["nope..feature", "main..nope", "nope...feature", "nope", "a..b..c"]
)
def test_a_range_that_does_not_resolve_is_a_usage_error(repo: Path, spec: str) -> None:
    result = check(repo, spec)
    assert result.returncode == 2
    assert "does not name a commit in this repository" in result.stderr
    assert "hint:" in result.stderr
    assert result.stdout == ""


def test_a_shallow_clone_is_refused_with_the_fetch_depth_hint(tmp_path: Path, repo: Path) -> None:
    good_readme(repo)
    shallow = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{repo}",
        str(shallow),
    )
    result = check(shallow, "HEAD~1..HEAD")
    assert result.returncode == 2
    assert "shallow clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_broken_rules_at_the_base_are_a_configuration_error(tmp_path: Path) -> None:
    broken = EXAMPLE_RULES.read_text().replace("level: critical", "level: severe", 1)
    repo = make_workspace(tmp_path / "ws", broken)
    good_readme(repo)
    result = check(repo, "main~1..main")
    assert result.returncode == 2
    assert re.search(r"\.workspace/rules\.yaml:\d+", result.stderr)
    assert result.stdout == ""


def non_utf8_commits(repo: Path) -> tuple[str, str]:
    raw = template("docs(readme): café", BACKEND, "README.md").encode("latin-1", "replace")
    message = craft_commit(repo, raw)
    directory = os.path.join(os.fsencode(repo), b"app", b"api")
    with open(os.path.join(directory, b"men\xfa.py"), "wb") as handle:
        handle.write(b"MENU = []\n")
    name = commit(repo, {}, template("feat(api): menu", BACKEND, "app/api/"))
    return message, name


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_non_utf8_messages_and_file_names_are_violations(repo: Path, fmt: str) -> None:
    message, name = non_utf8_commits(repo)
    result = check(repo, "main..feature", "--format", fmt)
    assert result.returncode == 1
    assert "message-encoding" in result.stdout
    assert "app/api/men\\xfa.py" in result.stdout.replace("\\\\", "\\")
    if fmt == "json":
        found = flagged(json.loads(result.stdout))
        assert found[message] == ["message-encoding"]
        assert "path-encoding" in found[name]
        assert "protocol-insufficient" in found[name]  # /app/api/ (high) still reaches it


def test_garbage_range_text_is_not_a_crash(repo: Path) -> None:
    for spec in ["", "-", "--all", "HEAD^{tree}", "\x01", "main..HEAD^{tree}"]:
        result = check(repo, spec)
        assert result.returncode == 2, spec


# --- the terminal --------------------------------------------------------------------------------


def test_progress_bar_only_on_a_terminal(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    entries = [
        (
            template(f"docs(office): entry {n}", BACKEND, f"{OFFICE}/{n}.md"),
            {f"{OFFICE}/{n}.md": f"{n}\n"},
        )
        for n in range(60)
    ]
    fast_import(repo, "refs/heads/feature", base, entries)
    piped = check(repo, "main..feature")
    assert piped.returncode == 0
    assert "\r" not in piped.stderr

    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [str(BIN / "workspace-guard"), "check-commits", "main..feature"],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=60,
            check=False,
        )
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(primary)
    assert proc.returncode == 0
    assert b"\r" in shown
    assert b"60/60 commits" in shown
    assert b"60 commits checked" in proc.stdout


def test_a_file_name_that_looks_like_a_log_header_is_just_a_path(repo: Path) -> None:
    """The listing's separators are bytes a file name may hold: paths are read by position."""
    fake = "\x1e" + "0" * 40 + "\x1fchore: nothing here\x1f"
    bad = commit(repo, {fake: "x\n", "app/main.py": MAIN_PY}, "chore: sneak\n")
    data = as_json(repo, "main..feature")
    assert [c["sha"] for c in data["commits"]] == [bad]
    assert "agent-unknown" in flagged(data)[bad]
    assert {v["path"] for v in data["commits"][0]["violations"]} >= {"app/main.py"}


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\0", b"")), max_size=30),
    st.lists(st.integers(min_value=1, max_value=17), min_size=1),
)
def test_tokens_survive_any_chunking(tokens: list[bytes], sizes: list[int]) -> None:
    """Pipes return short reads: a token split across reads is joined exactly once."""
    data = b"\0".join(tokens)

    expected = data.split(b"\0") if data else []
    got = list(_tokens(chunked(data, sizes)))
    assert got == (expected[:-1] if expected and expected[-1] == b"" else expected)


def test_git_stream_yields_everything_and_reports_failures(tmp_path: Path) -> None:
    """The streaming runner behind `walk`: all of git's output, in order, across many reads;
    git's own message on failure; closing early stops git instead of leaving it blocked."""
    from workspace_guard import git as wg_git
    from workspace_guard.errors import GitError

    repo = make_workspace(tmp_path / "w")
    big = bytes(range(256)) * 4096  # 1 MiB: far more than one pipe buffer
    (repo / "big.bin").write_bytes(big)
    git(repo, "add", "big.bin")
    git(repo, "commit", "-q", "--no-verify", "-m", "chore(data): big file")
    assert b"".join(wg_git.stream(["show", "HEAD:big.bin"], str(repo))) == big

    with pytest.raises(GitError, match=r"`git log` failed: .*no-such-revision"):
        list(wg_git.stream(["log", "no-such-revision", "--"], str(repo), label="log"))

    def git_children() -> list[int]:
        """Our child processes (running or zombie) that are this `git show`."""
        found = []
        for entry in os.listdir("/proc"):
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
                argv = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
            if ppid == os.getpid() and (b"HEAD:big.bin" in argv or b"(git)" in stat):
                found.append(int(entry))
        return found

    chunks = wg_git.stream(["show", "HEAD:big.bin"], str(repo))
    assert next(chunks)
    assert git_children()  # git is blocked writing the rest
    chunks.close()  # returns at once: git ends on SIGPIPE and is reaped
    assert git_children() == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "no RANGE given"),
        (["HEAD~1..HEAD", "HEAD"], "only one RANGE"),
        (["HEAD", "--format", "xml"], "--format must be one of text, json, github"),
        (["HEAD", "--colour"], "unknown option --colour"),
        (["HEAD", "--base"], "option --base needs a value"),
    ],
)
def test_check_commits_usage_errors(tmp_path: Path, args: list[str], expected: str) -> None:
    """check-commits is parsed without click (CI runs it on every pull request): its usage
    errors still exit 2 with the usage, and `--help` is still click's."""
    repo = make_workspace(tmp_path / "w")
    proc = run_cli(repo, "check-commits", *args)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    helped = run_cli(repo, "check-commits", "--help")
    assert helped.returncode == 0
    assert "--format [text|json|github]" in helped.stdout

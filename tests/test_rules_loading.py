"""Loading the rules (contract §3): positioned errors, `--rules`/`WORKSPACE_GUARD_RULES`, and the
trust rule — rules as committed at HEAD, read through the fast path (ref files + cache, no git
exec) or the slow one (`git rev-parse`), which must always agree — against real repositories."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli

from workspace_guard.core.rules import RulesError, load_rules

VALIDATOR = "agent_workspace_validator"
AGENT = "backend-framework-ai"
RULES = ".workspace/rules.yaml"

BASE = """\
version: 1
escalation: boss
agents:
  boss: {}
  alpha: {office: offices/alpha/}
"""

# (name, text, line, column, words the message must contain)
BAD_RULES = [
    ("unknown top key", BASE + "protectd: []\n", 6, 1, ["unknown key 'protectd'", "protected"]),
    (
        "unknown rule key",
        BASE + "protected:\n  - pattern: x\n    lvl: high\n",
        8,
        5,
        ["unknown key 'lvl'", "expected one of: pattern, owner, backup, level, note"],
    ),
    ("unknown agent key", BASE + "  beta: {desk: x}\n", 6, 10, ["unknown key 'desk'"]),
    (
        "agents is a list",
        "version: 1\nescalation: boss\nagents: [boss]\n",
        3,
        9,
        ["agents", "expected a mapping, found a list"],
    ),
    (
        "owner is a list",
        BASE + "protected:\n  - pattern: x\n    owner: [alpha]\n",
        8,
        12,
        ["owner", "expected a string, found a list"],
    ),
    (
        "pattern is a number",
        BASE + "protected:\n  - pattern: 5\n",
        7,
        14,
        ["pattern", "expected a string, found int 5"],
    ),
    (
        "level is unknown",
        BASE + "protected:\n  - pattern: x\n    level: medium\n",
        8,
        12,
        ["level must be one of critical, high, none", "'medium'"],
    ),
    ("version 2", BASE.replace("version: 1", "version: 2"), 1, 10, ["version", "expected 1"]),
    (
        "unregistered owner",
        BASE + "protected:\n  - pattern: x\n    owner: alpah\n",
        8,
        12,
        ["unknown agent 'alpah'", "did you mean 'alpha'", "registered under `agents:`"],
    ),
    (
        "unregistered backup",
        BASE + "protected:\n  - pattern: x\n    backup: [alpha, ghost]\n",
        8,
        21,
        ["unknown agent 'ghost'"],
    ),
    (
        "unregistered escalation",
        BASE.replace("escalation: boss", "escalation: bos"),
        2,
        13,
        ["escalation", "unknown agent 'bos'"],
    ),
    (
        "unregistered superuser",
        BASE + "superusers: [boss, root]\n",
        6,
        20,
        ["unknown agent 'root'"],
    ),
    (
        "unregistered responsible",
        BASE + "responsibilities:\n  - area: A\n    responsible: zed\n",
        8,
        18,
        ["unknown agent 'zed'"],
    ),
    (
        "unregistered main agent",
        BASE + "harness: {main_agent: zz}\n",
        6,
        23,
        ["unknown agent 'zz'"],
    ),
    ("duplicate agent", BASE + "  alpha: {}\n", 6, 3, ["duplicate key 'alpha'", "first at line 5"]),
    (
        "empty pattern",
        BASE + "protected:\n  - pattern: ''\n",
        7,
        14,
        ["pattern", "must not be empty"],
    ),
    ("blank pattern", BASE + "protected:\n  - pattern: '   '\n", 7, 14, ["must not be empty"]),
    (
        "missing pattern",
        BASE + "protected:\n  - owner: alpha\n",
        7,
        5,
        ["missing required key 'pattern'"],
    ),
    (
        "malformed pattern ***",
        BASE + "protected:\n  - pattern: 'a/***/b'\n",
        7,
        14,
        ["bad pattern 'a/***/b'", "'***'"],
    ),
    (
        "pattern ending in a lone backslash",
        BASE + "protected:\n  - pattern: 'a\\'\n",
        7,
        14,
        ["bad pattern", "escapes nothing"],
    ),
    (
        "pattern with a control character",
        BASE + 'protected:\n  - pattern: "a\\tb"\n',
        7,
        14,
        ["control character"],
    ),
    ("pattern '/' alone", BASE + "protected:\n  - pattern: /\n", 7, 14, ["bad pattern '/'"]),
    (
        "bad responsibility pattern",
        BASE + "responsibilities:\n  - area: A\n    responsible: alpha\n    patterns: ['a/***']\n",
        9,
        16,
        ["bad pattern"],
    ),
    (
        "office with a wildcard",
        "version: 1\nescalation: a\nagents:\n  a: {office: 'x/*/'}\n",
        4,
        15,
        ["office must be a plain directory path"],
    ),
    (
        "office outside the repository",
        "version: 1\nescalation: a\nagents:\n  a: {office: ../x}\n",
        4,
        15,
        ["outside the repository"],
    ),
    ("agent name with a space", BASE + "  'be ta': {}\n", 6, 3, ["invalid agent name 'be ta'"]),
    (
        "missing escalation",
        "version: 1\nagents: {a: {}}\n",
        1,
        1,
        ["missing required key 'escalation'"],
    ),
    ("empty registry", "version: 1\nescalation: a\nagents:\n", 3, 8, ["registry is empty"]),
    ("broken YAML", "version: 1\nescalation: [boss\nagents: {}\n", 3, 7, ["invalid YAML"]),
    (
        "tab indentation",
        "version: 1\nescalation: boss\nagents:\n\tboss: {}\n",
        4,
        1,
        ["invalid YAML", "tabs"],
    ),
    (
        "a YAML tag",
        BASE + "protected:\n  - pattern: !secret x\n",
        7,
        14,
        ["unsupported YAML", "tag"],
    ),
    (
        "a merge key",
        BASE + "protected:\n  - <<: {pattern: x}\n",
        7,
        5,
        ["unsupported YAML", "merge"],
    ),
    (
        "harness choice",
        BASE + "harness: {unknown_agent: allow}\n",
        6,
        26,
        ["must be one of guest, deny, main_agent"],
    ),
    ("watch value", BASE + "watch: {rescan_interval: 0}\n", 6, 26, ["rescan_interval"]),
    ("language", BASE + "language: fr\n", 6, 11, ["expected one of en, es"]),
    ("a list at the top", "- a\n", 1, 1, ["expected a mapping, found a list"]),
    ("an empty file", "", 1, 1, ["empty"]),
    ("not UTF-8", b"version: 1\n\xff\xfe\n", 1, 1, ["not UTF-8"]),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [pytest.param(t, line, col, w, id=name) for name, t, line, col, w in BAD_RULES],
)
def test_every_error_names_file_line_column_and_what_was_expected(
    text: str | bytes, line: int, column: int, words: list[str]
) -> None:
    with pytest.raises(RulesError) as caught:
        load_rules(text, "R.yaml")
    shown = [str(p) for p in caught.value.problems]
    at = [s for s in shown if s.startswith(f"R.yaml:{line}:{column}: ")]
    assert at, f"no problem at R.yaml:{line}:{column}; got {shown}"
    assert any(all(word in s for word in words) for s in at), shown


def test_all_problems_are_reported_at_once_in_file_order() -> None:
    text = BASE + "protected:\n  - pattern: ''\n    owner: ghost\n  - pattern: x\n    level: low\n"
    with pytest.raises(RulesError) as caught:
        load_rules(text, "R.yaml")
    lines = [(p.line, p.column) for p in caught.value.problems]
    assert lines == sorted(lines)
    assert len(lines) == 3
    assert "R.yaml has 3 errors" in caught.value.message


def test_a_protected_rule_without_level_is_critical_and_note_may_be_blank() -> None:
    rules = load_rules(BASE + "protected:\n  - pattern: x\n    note:\n", "R.yaml")
    assert rules.protected[0].level == "critical"
    assert rules.protected[0].note is None
    assert rules.protected[0].source == "R.yaml:7"


def test_the_example_rules_load() -> None:
    rules = load_rules(EXAMPLE_RULES.read_bytes(), "example.yaml")
    assert rules.escalation == "master-orchestrator"
    assert rules.superusers == ("master-orchestrator",)
    assert "backend-framework-ai" in rules.agents
    assert rules.harness == {"main_agent": "master-orchestrator"}


def test_an_nfd_pattern_is_stored_in_nfc() -> None:
    nfd = "docs/cafe\u0301.md"
    rules = load_rules(BASE + f"protected:\n  - pattern: '{nfd}'\n", "R.yaml")
    assert rules.protected[0].pattern == "docs/caf\u00e9.md"


# --- in real repositories -----------------------------------------------------------------------


def grant(text: str, agent: str = AGENT) -> str:
    """The example rules with `agent` made owner of app/main.py."""
    old = "  - pattern: /app/main.py\n    owner: system-architect-ai\n"
    assert old in text
    return text.replace(old, f"  - pattern: /app/main.py\n    owner: {agent}\n")


def validate(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    proc = run_cli(cwd, AGENT, *args, "--format", "json", prog=VALIDATOR, env=env)
    assert "Traceback" not in proc.stderr
    payload = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, payload, proc.stderr


def answer(cwd: Path, path: str = "app/main.py", env: dict[str, str] | None = None) -> bool:
    code, payload, stderr = validate(cwd, path, env=env)
    assert code in (0, 1), stderr
    return bool(payload["allowed"])


def commit_all(repo: Path, message: str = "chore(workspace): rules") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def cache_dir(repo: Path) -> Path:
    return repo / ".git" / "workspace-guard" / "cache"


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ("version: 1\nescalation: [x\n", f"{RULES}:3:1"),
        ("version: 1\nescalation: boss\nagents:\n\tboss: {}\n", f"{RULES}:4:1"),
        (BASE + "colour: blue\n", f"{RULES}:6:1"),
        (BASE + "protected:\n  - pattern: x\n    owner: ghost\n", f"{RULES}:8:12"),
        (BASE + "protected:\n  - pattern: ''\n", f"{RULES}:7:14"),
    ],
    ids=["broken-yaml", "tab", "unknown-key", "unknown-agent", "empty-pattern"],
)
def test_a_bad_committed_rules_file_is_exit_2_with_its_position(
    tmp_path: Path, bad: str, where: str
) -> None:
    repo = make_workspace(tmp_path / "ws", bad)
    proc = run_cli(repo, "alpha", "x.py", prog=VALIDATOR)
    assert proc.returncode == 2
    assert where in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "workspace-guard lint" in proc.stderr  # what to do next


def test_a_5_mb_rules_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    big = EXAMPLE_RULES.read_text() + "# " + "x" * (5 * 1024 * 1024) + "\n"
    repo = make_workspace(tmp_path / "ws", big)
    proc = run_cli(repo, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 2
    assert "MiB" in proc.stderr and "limited" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_rules_option_and_environment_variable_name_another_file(workspace: Path) -> None:
    alt = workspace / "alt-rules.yaml"
    alt.write_text(grant(EXAMPLE_RULES.read_text()))
    assert not answer(workspace)
    code, payload, _ = validate(workspace, "app/main.py", "--rules", "alt-rules.yaml")
    assert code == 0 and payload["results"][0]["rule"]["source"].startswith("alt-rules.yaml:")
    code, payload, _ = validate(workspace / "app", "main.py", "--rules", "../alt-rules.yaml")
    assert code == 0 and payload["results"][0]["path"] == "app/main.py"
    assert answer(workspace, env={"WORKSPACE_GUARD_RULES": str(alt)})
    assert answer(workspace / "app", "main.py", env={"WORKSPACE_GUARD_RULES": "../alt-rules.yaml"})
    proc = run_cli(workspace, AGENT, "x", "--rules", "missing.yaml", prog=VALIDATOR)
    assert proc.returncode == 2 and "missing.yaml" in proc.stderr


def test_an_explicit_rules_file_is_reread_after_a_same_size_edit(workspace: Path) -> None:
    """The cache of a rules file must follow its content, not its mtime and size."""
    agents = "agents:\n  aaaa: {}\n  bbbb: {}\n"
    one = f"version: 1\nescalation: aaaa\n{agents}protected:\n  - pattern: f.txt\n    owner: aaaa\n"
    two = one.replace("owner: aaaa", "owner: bbbb")
    assert len(one) == len(two)
    path = workspace / "r.yaml"
    path.write_text(one)
    proc = run_cli(workspace, "aaaa", "f.txt", "--rules", "r.yaml", prog=VALIDATOR)
    assert proc.returncode == 0
    stat = path.stat()
    with open(path, "r+", encoding="utf-8") as handle:  # same inode, same size
        handle.write(two)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: one timestamp tick
    proc = run_cli(workspace, "aaaa", "f.txt", "--rules", "r.yaml", prog=VALIDATOR)
    assert proc.returncode == 1, proc.stdout


def test_editing_the_working_tree_rules_grants_nothing_until_committed(workspace: Path) -> None:
    rules = workspace / RULES
    assert not answer(workspace)
    rules.write_text(grant(rules.read_text()))
    assert not answer(workspace)
    git(workspace, "add", RULES)  # staged is not committed either
    assert not answer(workspace)
    proc = run_cli(workspace, "explain", "app/main.py", "--format", "json")
    assert json.loads(proc.stdout)["results"][0]["owner"] == "system-architect-ai"
    git(workspace, "commit", "-q", "-m", "chore(workspace): grant")
    assert answer(workspace)


def test_the_warning_appears_only_where_head_has_no_rules(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", commit=False)
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "docs: readme")
    proc = run_cli(repo, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 1
    assert "not committed at HEAD" in proc.stderr and "working-tree copy" in proc.stderr
    commit_all(repo)
    proc = run_cli(repo, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 1 and "warning" not in proc.stderr


def test_a_repository_without_commits_uses_the_working_tree_with_a_warning(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", commit=False)
    code, payload, stderr = validate(repo, "app/main.py", "README.md")
    assert code == 1
    assert [r["allowed"] for r in payload["results"]] == [False, True]
    assert "not committed at HEAD" in stderr


def test_no_rules_file_at_all_is_exit_2(tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q")
    for committed in (False, True):
        if committed:
            (repo / "f").write_text("x\n")
            commit_all(repo, "chore: f")
        proc = run_cli(repo, AGENT, "f", prog=VALIDATOR)
        assert proc.returncode == 2
        assert "no rules file" in proc.stderr and "workspace-guard init" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_outside_a_git_repository_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "nowhere").mkdir()
    proc = run_cli(tmp_path / "nowhere", AGENT, "f", prog=VALIDATOR)
    assert proc.returncode == 2
    assert "not a git repository" in proc.stderr and "Traceback" not in proc.stderr


# --- fast path (ref files + cache) against slow path (git rev-parse) ----------------------------

PROBES = [
    (AGENT, "app/main.py"),
    (AGENT, "app/api/v1/endpoints/products.py"),
    ("api-architect-ai", "app/api/v1/deps/auth.py"),
    ("system-architect-ai", ".workspace/departments/backend/backend-framework-ai/x.md"),
    (AGENT, ".workspace/departments/backend/backend-framework-ai/x.md"),
    ("tdd-specialist", "tests/conftest.py"),
]


def answers(cwd: Path, env: dict[str, str] | None = None) -> list[tuple[int, str]]:
    out = []
    for agent, path in PROBES:
        proc = run_cli(cwd, agent, path, "--format", "json", prog=VALIDATOR, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        out.append((proc.returncode, proc.stdout))
    return out


def assert_fast_equals_slow(cwd: Path, common: Path) -> list[tuple[int, str]]:
    """Cold, warm, warm with git off PATH (proves no exec), and with every object packed (the
    blob id then comes from `git rev-parse` and is remembered): one answer."""
    cache = common / "workspace-guard" / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    slow = answers(cwd)
    fast = answers(cwd)
    no_git = answers(cwd, env={"PATH": str(Path(cwd, "no-such-dir"))})
    assert slow == fast == no_git
    git(cwd, "gc", "-q")  # no loose objects left: the id must come from git
    shutil.rmtree(cache)
    assert answers(cwd) == slow
    assert list(cache.glob("head-*"))
    shutil.rmtree(cache)
    proc = run_cli(cwd, AGENT, "x", prog=VALIDATOR, env={"PATH": str(Path(cwd, "no-such-dir"))})
    assert proc.returncode == 2 and "git is not installed" in proc.stderr  # cold needs git
    return slow


def granted_branch(repo: Path, branch: str = "granted") -> None:
    """A branch whose committed rules make backend-framework-ai the owner of app/main.py."""
    git(repo, "switch", "-q", "-c", branch)
    (repo / RULES).write_text(grant((repo / RULES).read_text()))
    commit_all(repo)
    git(repo, "switch", "-q", "main")


def test_fast_and_slow_paths_agree(workspace: Path) -> None:
    assert_fast_equals_slow(workspace, workspace / ".git")
    assert_fast_equals_slow(workspace / "app", workspace / ".git")


def test_a_new_commit_changing_the_rules_is_picked_up_at_once(workspace: Path) -> None:
    assert not answer(workspace)  # warms the cache for this commit
    (workspace / RULES).write_text(grant((workspace / RULES).read_text()))
    commit_all(workspace)
    assert answer(workspace)
    git(workspace, "reset", "-q", "--hard", "HEAD~1")
    assert not answer(workspace)


def test_a_branch_switch_is_picked_up(workspace: Path) -> None:
    granted_branch(workspace)
    assert not answer(workspace)
    git(workspace, "switch", "-q", "granted")
    assert answer(workspace)
    assert_fast_equals_slow(workspace, workspace / ".git")
    git(workspace, "switch", "-q", "main")
    assert not answer(workspace)


def test_a_detached_head_is_picked_up(workspace: Path) -> None:
    granted_branch(workspace)
    git(workspace, "checkout", "-q", "--detach", "granted")
    assert (workspace / ".git" / "HEAD").read_text().strip() == git(
        workspace, "rev-parse", "granted"
    ).strip()
    assert answer(workspace)
    assert_fast_equals_slow(workspace, workspace / ".git")
    git(workspace, "checkout", "-q", "--detach", "main")
    assert not answer(workspace)


def test_packed_refs_are_read(workspace: Path) -> None:
    granted_branch(workspace)
    git(workspace, "pack-refs", "--all")
    assert not (workspace / ".git" / "refs" / "heads" / "granted").exists()
    assert not answer(workspace)
    git(workspace, "switch", "-q", "granted")  # HEAD -> a ref that exists only packed
    assert answer(workspace)
    assert_fast_equals_slow(workspace, workspace / ".git")
    git(workspace, "switch", "-q", "main")
    (workspace / RULES).write_text(grant((workspace / RULES).read_text(), "tdd-specialist"))
    commit_all(workspace)  # a loose ref again, newer than the packed one
    assert (workspace / ".git" / "refs" / "heads" / "main").exists()
    assert answer(workspace, env=None) is False
    proc = run_cli(workspace, "tdd-specialist", "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 0


def test_a_linked_worktree_reads_its_own_head(workspace: Path, tmp_path: Path) -> None:
    granted_branch(workspace)
    linked = tmp_path / "linked"
    git(workspace, "worktree", "add", "-q", str(linked), "granted")
    assert (linked / ".git").is_file()
    assert answer(linked)
    assert not answer(workspace)
    assert assert_fast_equals_slow(linked, workspace / ".git") != answers(workspace)
    assert list(cache_dir(workspace).glob("head-*"))  # state is shared, in the common dir
    # a commit in the linked worktree moves only its branch
    (linked / RULES).write_text(
        (linked / RULES)
        .read_text()
        .replace(
            f"owner: {AGENT}\n    backup: [solution-architect-ai]",
            "owner: system-architect-ai\n    backup: [solution-architect-ai]",
        )
    )
    commit_all(linked)
    assert not answer(linked)
    git(linked, "reset", "-q", "--hard", "HEAD~1")
    assert answer(linked)
    assert not answer(workspace)


def test_a_corrupt_cache_is_only_a_cache(workspace: Path) -> None:
    expected = answers(workspace)
    for path in cache_dir(workspace).iterdir():
        path.write_bytes(b"\xfb\x00garbage" if path.name.startswith("rules-") else b"not-an-oid\n")
    # a head cache that names no blob must not lose the rules: it falls back to git
    result = answers(workspace)
    assert [code for code, _ in result] == [code for code, _ in expected]


def test_a_head_cache_pointing_at_the_wrong_blob_is_impossible_after_a_commit(
    workspace: Path,
) -> None:
    """The cache is keyed by the commit id: a later commit never reads an older entry."""
    assert not answer(workspace)
    before = {p.name for p in cache_dir(workspace).glob("head-*")}
    (workspace / RULES).write_text(grant((workspace / RULES).read_text()))
    commit_all(workspace)
    git(workspace, "gc", "-q")  # packed: the blob id comes from git and is remembered
    assert answer(workspace)
    after = {p.name for p in cache_dir(workspace).glob("head-*")}
    head = git(workspace, "rev-parse", "HEAD").strip()
    assert after - before == {f"head-{head}"}


def test_the_cache_does_not_grow_without_end(workspace: Path) -> None:
    """One head entry per commit ever seen would fill the disk of a long-lived repository."""
    assert not answer(workspace)
    cache = cache_dir(workspace)
    for number in range(600):
        stale = cache / f"head-{number:040x}"
        stale.write_text("-")
        os.utime(stale, (1_000_000 + number, 1_000_000 + number))
    (workspace / "new.txt").write_text("x\n")
    commit_all(workspace, "chore: a new HEAD")
    git(workspace, "gc", "-q")  # packed: the slow path runs, writes an entry and prunes
    assert not answer(workspace)
    heads = sorted(p.name for p in cache.glob("head-*"))
    assert len(heads) <= 512
    assert f"head-{git(workspace, 'rev-parse', 'HEAD').strip()}" in heads
    assert f"head-{0:040x}" not in heads  # the oldest went first
    assert not answer(workspace)

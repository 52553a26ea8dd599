"""The decision of contract §3, step by step: the pure core (`Decider`) and, for the steps that
touch the file system (normalisation, symlinks), the real validator in real repositories."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli

from workspace_guard.core.decide import Decider, office_rule, stricter
from workspace_guard.core.model import Approval, Decision
from workspace_guard.core.paths import is_under, normalize
from workspace_guard.core.rules import load_rules
from workspace_guard.errors import PathError, UnknownAgentError

VALIDATOR = "agent_workspace_validator"
BACKEND = "backend-framework-ai"
BACKEND_OFFICE = ".workspace/departments/backend/backend-framework-ai/"


@pytest.fixture(scope="module")
def example() -> Decider:
    return Decider(load_rules(EXAMPLE_RULES.read_bytes(), ".workspace/rules.yaml"))


def decider(extra_protected: str = "", agents: str = "", top: str = "") -> Decider:
    text = f"""\
version: 1
escalation: boss
superusers: [root]
agents:
  boss: {{}}
  root: {{}}
  owner-a: {{office: offices/a/}}
  owner-b: {{office: offices/b/}}
  backup-a: {{}}
  other: {{}}
{agents}{top}protected:
  - pattern: /src/
    owner: owner-a
    backup: [backup-a]
    level: high
{extra_protected}"""
    return Decider(load_rules(text, "R.yaml"))


# --- step 1: normalisation (pure part) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("app/main.py", "app/main.py"),
        ("./app/main.py", "app/main.py"),
        ("app//main.py", "app/main.py"),
        ("app/./core/../main.py", "app/main.py"),
        ("app/main.py/", "app/main.py"),
        ("/app/main.py", "app/main.py"),
        ("caf\u0065\u0301.md", "caf\u00e9.md"),
    ],
)
def test_normalize(given: str, expected: str) -> None:
    assert normalize(given) == expected


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "a\x00b", "", "  ", "bad\udcffname"])
def test_normalize_refuses(bad: str) -> None:
    with pytest.raises(PathError):
        normalize(bad)


def test_is_under() -> None:
    assert is_under("a/b/c", "a/b")
    assert is_under("a/b", "a/b/")
    assert is_under("anything", "")
    assert not is_under("a/bc", "a/b")


# --- steps 2-8 (pure) ---------------------------------------------------------------------------


def test_unknown_agent_names_the_closest(example: Decider) -> None:
    with pytest.raises(UnknownAgentError) as caught:
        example.decide("backend-framwork-ai", "app/main.py")
    assert caught.value.exit_code == 2
    assert "backend-framework-ai" in (caught.value.hint or "")
    with pytest.raises(UnknownAgentError) as caught:
        example.decide("zzz", "app/main.py")
    assert "registered agents:" in (caught.value.hint or "")


def test_superuser_may_change_anything(example: Decider) -> None:
    for path in ("app/main.py", ".workspace/rules.yaml", BACKEND_OFFICE + "x.md"):
        decision = example.decide("master-orchestrator", path)
        assert (decision.allowed, decision.reason) == (True, "superuser")


def test_own_office_is_allowed_even_under_a_protected_rule(example: Decider) -> None:
    # /.workspace/ is critical for master-orchestrator, but offices are their agents' own
    decision = example.decide(BACKEND, BACKEND_OFFICE + "deep/notes.md")
    assert (decision.allowed, decision.reason, decision.office) == (True, "office", BACKEND_OFFICE)
    assert example.decide(BACKEND, BACKEND_OFFICE.rstrip("/")).reason == "office"


def test_another_agents_office_is_a_high_rule_of_that_agent(example: Decider) -> None:
    decision = example.decide("system-architect-ai", BACKEND_OFFICE + "notes.md")
    assert not decision.allowed
    assert decision.reason == "protected"
    assert (decision.owner, decision.level, decision.backup) == (BACKEND, "high", ())
    assert decision.rule is not None and decision.rule.index == -1
    approved = example.decide("system-architect-ai", BACKEND_OFFICE + "n.md", approved_by=BACKEND)
    assert (approved.allowed, approved.reason, approved.approved_by) == (True, "approved", BACKEND)


def test_protected_rules_do_not_reach_into_offices() -> None:
    d = decider(
        "  - pattern: /offices/a/secret.txt\n    owner: other\n    level: critical\n"
        "  - pattern: '*.txt'\n    owner: other\n"
    )
    assert d.decide("owner-a", "offices/a/secret.txt").reason == "office"
    inside = d.decide("backup-a", "offices/a/secret.txt")
    assert (inside.level, inside.owner) == ("high", "owner-a")
    assert d.decide("other", "offices/a/secret.txt").allowed is False  # not the rule's owner here
    assert d.decide("other", "elsewhere/x.txt").reason == "owner"


def test_the_deepest_office_wins() -> None:
    d = decider(agents="  inner: {office: offices/a/inner/}\n")
    assert d.decide("inner", "offices/a/inner/x").reason == "office"
    decision = d.decide("owner-a", "offices/a/inner/x")
    assert (decision.allowed, decision.owner) == (False, "inner")
    assert d.decide("owner-a", "offices/a/innerx/y").reason == "office"


def test_the_last_matching_rule_decides(example: Decider) -> None:
    endpoint = example.decide(BACKEND, "app/api/v1/endpoints/products.py")
    assert (endpoint.level, endpoint.owner) == ("high", "api-architect-ai")
    assert endpoint.rule is not None and endpoint.rule.pattern == "/app/api/"
    auth = example.decide(BACKEND, "app/api/v1/deps/auth.py")
    assert (auth.level, auth.owner) == ("critical", "security-backend-ai")
    assert auth.rule is not None and auth.rule.source == ".workspace/rules.yaml:114"


def test_level_none_unprotects() -> None:
    d = decider("  - pattern: /src/generated/\n    level: none\n")
    assert d.decide("other", "src/x.py").allowed is False
    free = d.decide("other", "src/generated/x.py")
    assert (free.allowed, free.reason, free.level) == (True, "unprotected", "none")
    assert free.rule is not None and free.rule.pattern == "/src/generated/"
    assert free.to_json()["rule"] == {"pattern": "/src/generated/", "source": "R.yaml:16"}


def test_unprotected_paths(example: Decider) -> None:
    decision = example.decide(BACKEND, "app/other.py")
    assert (decision.allowed, decision.reason, decision.rule) == (True, "unprotected", None)
    assert decision.to_json()["rule"] is None


def test_the_owner_is_allowed(example: Decider) -> None:
    decision = example.decide("system-architect-ai", "app/main.py")
    assert (decision.allowed, decision.reason, decision.level) == (True, "owner", "critical")


@pytest.mark.parametrize(
    ("approver", "allowed"),
    [
        ("system-architect-ai", True),  # owner
        ("solution-architect-ai", True),  # backup
        ("master-orchestrator", True),  # superuser
        ("security-backend-ai", False),  # anyone else
        (BACKEND, False),  # oneself
    ],
)
def test_approvals(example: Decider, approver: str, allowed: bool) -> None:
    decision = example.decide(BACKEND, "app/main.py", approved_by=approver)
    assert decision.allowed is allowed
    assert decision.reason == ("approved" if allowed else "protected")
    recorded = [Approval(BACKEND, "app/", approver)]
    assert example.decide(BACKEND, "app/main.py", recorded).allowed is allowed


def test_recorded_approvals_cover_their_agent_and_path_only(example: Decider) -> None:
    approval = [Approval(BACKEND, "app/main.py", "system-architect-ai")]
    assert example.decide(BACKEND, "app/main.py", approval).approved_by == "system-architect-ai"
    assert not example.decide(BACKEND, "app/core/config.py", approval).allowed
    assert not example.decide("tdd-specialist", "app/main.py", approval).allowed
    directory = [Approval(BACKEND, "app/core/", "system-architect-ai")]
    assert example.decide(BACKEND, "app/core/config.py", directory).allowed
    assert not example.decide(BACKEND, "app/main.py", directory).allowed
    prefix = [Approval(BACKEND, "app/mai", "system-architect-ai")]
    assert not example.decide(BACKEND, "app/main.py", prefix).allowed


def test_denial_names_owner_backups_level_and_escalation(example: Decider) -> None:
    decision = example.decide(BACKEND, "app/main.py")
    assert not decision.allowed
    assert decision.reason == "protected"
    assert decision.owner == "system-architect-ai"
    assert decision.backup == ("solution-architect-ai",)
    assert decision.level == "critical"
    assert decision.escalation == "master-orchestrator"


def test_a_rule_without_owner_binds_everyone_but_superusers_and_escalation_approves() -> None:
    d = decider("  - pattern: /LICENSE\n")
    assert d.decide("owner-a", "LICENSE").allowed is False
    assert d.decide("root", "LICENSE").reason == "superuser"
    assert d.decide("owner-a", "LICENSE", approved_by="boss").reason == "approved"
    assert d.decide("owner-a", "LICENSE", approved_by="backup-a").allowed is False
    # with an owner the escalation agent is not an approver (unless a superuser)
    assert d.decide("other", "src/x", approved_by="boss").allowed is False


def test_stricter_prefers_denied_then_higher_level() -> None:
    def make(allowed: bool, level: str) -> Decision:
        return Decision("a", "p", allowed, "protected" if not allowed else "owner", level=level)

    assert stricter([make(True, "critical"), make(False, "high")]).allowed is False
    assert stricter([make(False, "high"), make(False, "critical")]).level == "critical"
    assert stricter([make(True, "none"), make(True, "high")]).level == "high"


def test_office_rule_is_high_and_owned_by_the_office_agent() -> None:
    rule = office_rule("a", "offices/a/", "R.yaml:3")
    assert (rule.level, rule.owner, rule.pattern, rule.index) == ("high", "a", "/offices/a/", -1)


# --- steps 1 with the file system: the real validator -------------------------------------------


def decide(cwd: Path, agent: str, *paths: str) -> list[dict]:
    proc = run_cli(cwd, agent, *paths, "--format", "json", prog=VALIDATOR)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["results"]


def test_spellings_of_one_path_get_one_answer(workspace: Path) -> None:
    spellings = [
        "app/main.py",
        "./app/main.py",
        "app//main.py",
        "app/core/../main.py",
        "app/./main.py",
        str(workspace / "app" / "main.py"),
        str(workspace) + "//app/../app/main.py",
    ]
    results = decide(workspace, BACKEND, *spellings)
    assert {r["path"] for r in results} == {"app/main.py"}
    assert {r["allowed"] for r in results} == {False}
    sub = decide(workspace / "app" / "core", BACKEND, "../main.py", "config.py", "../../README.md")
    assert [r["path"] for r in sub] == ["app/main.py", "app/core/config.py", "README.md"]
    assert [r["allowed"] for r in sub] == [False, False, True]


def test_nfc_and_nfd_spellings_are_one_path(tmp_path: Path) -> None:
    nfc, nfd = "docs/caf\u00e9.md", "docs/cafe\u0301.md"
    assert unicodedata.normalize("NFC", nfd) == nfc
    rules = EXAMPLE_RULES.read_text().replace(
        "protected:\n", f"protected:\n  - pattern: /{nfd}\n    owner: system-architect-ai\n", 1
    )
    repo = make_workspace(tmp_path / "ws", rules)
    results = decide(repo, BACKEND, nfc, nfd)
    assert [r["path"] for r in results] == [nfc, nfc]
    assert [r["allowed"] for r in results] == [False, False]
    assert results[0]["rule"]["pattern"] == f"/{nfc}"


def test_a_path_through_a_symlinked_repository_prefix(workspace: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(workspace)
    results = decide(workspace, BACKEND, str(alias / "app" / "main.py"))
    assert (results[0]["path"], results[0]["allowed"]) == ("app/main.py", False)


@pytest.fixture
def linked(workspace: Path) -> Path:
    """Symlinks of every kind in the example workspace."""
    links = workspace / "links"
    links.mkdir()
    (links / "free.py").symlink_to("../app/main.py")  # unprotected link -> critical file
    (links / "to-readme").symlink_to("../README.md")
    (workspace / "appalias").symlink_to("app")  # a directory link
    (links / "dangling").symlink_to("../alembic/env.py")  # target does not exist (yet)
    (links / "loop-a").symlink_to("loop-b")
    (links / "loop-b").symlink_to("loop-a")
    (links / "outside").symlink_to("/etc/hostname")
    return workspace


def test_an_unprotected_symlink_to_a_protected_file_is_denied(linked: Path) -> None:
    [result] = decide(linked, BACKEND, "links/free.py")
    assert result["path"] == "links/free.py"  # the answer is about the path asked
    assert (result["allowed"], result["reason"], result["level"]) == (
        False,
        "protected",
        "critical",
    )
    assert result["rule"]["pattern"] == "/app/main.py"
    assert result["owner"] == "system-architect-ai"
    text = run_cli(linked, BACKEND, "links/free.py", prog=VALIDATOR).stdout
    assert "symlink to app/main.py" in text
    [owner] = decide(linked, "system-architect-ai", "links/free.py")
    assert (owner["allowed"], owner["reason"]) == (True, "owner")


def test_a_directory_symlink_is_followed(linked: Path) -> None:
    [result] = decide(linked, BACKEND, "appalias/main.py")
    assert (result["allowed"], result["rule"]["pattern"]) == (False, "/app/main.py")
    [fresh] = decide(linked, BACKEND, "appalias/core/new.py")  # a new file below the link
    assert fresh["allowed"] is True


def test_a_dangling_symlink_decides_its_future_target(linked: Path) -> None:
    [result] = decide(linked, BACKEND, "links/dangling")
    assert (result["allowed"], result["level"], result["owner"]) == (
        False,
        "high",
        "database-architect-ai",
    )


def test_a_protected_symlink_pointing_elsewhere_is_denied(tmp_path: Path) -> None:
    rules = EXAMPLE_RULES.read_text().replace(
        "protected:\n",
        "protected:\n  - pattern: /links/guarded\n    owner: system-architect-ai\n",
        1,
    )
    repo = make_workspace(tmp_path / "ws", rules)
    (repo / "links").mkdir()
    (repo / "links" / "guarded").symlink_to("../README.md")
    [result] = decide(repo, BACKEND, "links/guarded")
    assert (result["allowed"], result["rule"]["pattern"]) == (False, "/links/guarded")
    assert decide(repo, BACKEND, "README.md")[0]["allowed"] is True


def test_symlink_loops_and_links_outside_do_not_crash(linked: Path) -> None:
    results = decide(linked, BACKEND, "links/loop-a", "links/outside", "links/to-readme")
    assert [r["allowed"] for r in results] == [True, True, True]


def test_a_symlinked_office_is_still_decided_by_its_target(workspace: Path) -> None:
    (workspace / "mine").symlink_to(BACKEND_OFFICE)
    results = decide(workspace, "tdd-specialist", "mine/notes.md")
    assert (results[0]["allowed"], results[0]["owner"], results[0]["level"]) == (
        False,
        BACKEND,
        "high",
    )
    assert decide(workspace, BACKEND, "mine/notes.md")[0]["allowed"] is True


def test_relative_api_refuses_nul_and_outside(workspace: Path) -> None:
    from workspace_guard.repo import Repo

    repo = Repo.discover(str(workspace))
    assert repo.relative("app/../app/main.py") == "app/main.py"
    with pytest.raises(PathError, match="NUL"):
        repo.relative("app/ma\x00in.py")
    with pytest.raises(PathError, match="outside the repository"):
        repo.relative("../elsewhere.py")
    with pytest.raises(PathError, match="repository root"):
        repo.relative(".")
    os.chdir(workspace / "app")
    assert Repo.discover().relative("main.py") == "app/main.py"


def test_git_sees_what_we_decide(workspace: Path) -> None:
    """The normalised path is the one git itself reports for the file."""
    (workspace / "app" / "caf\u00e9.py").write_text("x\n")
    git(workspace, "add", "-A")
    listed = git(workspace, "-c", "core.quotepath=off", "ls-files", "app/").splitlines()
    results = decide(workspace, BACKEND, *[str(workspace / p) for p in listed])
    assert [r["path"] for r in results] == listed


def test_decide_many_answers_like_decide_for_each_path() -> None:
    """The batch (one match per 512 paths, the agent checked once, one verdict per rule when
    no approval names a path) changes nothing."""
    d = decider(
        "  - pattern: '*.lock'\n    owner: owner-b\n    level: critical\n"
        "  - pattern: /src/public/\n    owner: owner-a\n    level: none\n"
    )
    paths = [
        f"{top}/{sub}/f{n}.{ext}"
        for top in ("src", "offices/a", "offices/b", "docs")
        for sub in ("x", "public")
        for n in range(90)
        for ext in ("py", "lock")
    ]
    approvals = [Approval("other", "src/x/", "backup-a", None, "r")]
    for agent in ("other", "owner-a", "owner-b", "root"):
        for given in (approvals, []):  # without approvals, verdicts are shared per rule
            expected = [d.decide(agent, p, given) for p in paths]
            got = list(d.decide_many(agent, paths, given))
            assert got == expected
            assert [g.path for g in got] == paths
            assert [hash(g) for g in got] == [hash(e) for e in expected]
    with pytest.raises(UnknownAgentError):
        next(d.decide_many("nobody", paths))


@pytest.mark.parametrize("agent", ["other", "owner-a", "backup-a", "root"])
@pytest.mark.parametrize(
    ("protocol", "files", "approved_by"),
    [
        ("followed", ("src/x/",), ()),
        ("consulted", ("src/", "docs/x/f1.lock"), ()),
        ("approved", ("src/", "offices/", "docs/"), ("owner-b",)),
        (None, (), ()),
    ],
)
def test_grouped_ownership_checks_equal_the_per_path_ones(
    agent: str, protocol: str | None, files: tuple[str, ...], approved_by: tuple[str, ...]
) -> None:
    """What the commit hook does for 10,000 paths (verdicts gathered, each checked once) finds
    exactly the violations of the per-path check, in the same order once sorted by path."""
    from workspace_guard.core.template import Fields as TemplateFields
    from workspace_guard.core.template import (
        TemplateConfig,
        check_ownership,
        ownership_in_order,
    )

    d = decider("  - pattern: '*.lock'\n    owner: owner-b\n    level: critical\n")
    paths = [
        f"{top}/{sub}/f{n}.{ext}"
        for top in ("src", "offices/a", "offices/b", "docs")
        for sub in ("x", "y")
        for n in range(3)
        for ext in ("py", "lock")
    ]
    fields = TemplateFields(
        agent=agent, protocol=protocol, files=files, approved_by=approved_by, protocol_raw=protocol
    )
    config = TemplateConfig()
    per_path = {p: d.decide(agent, p) for p in paths}.__getitem__
    expected = check_ownership(fields, [per_path(p) for p in paths], config)
    groups = d.decide_groups(agent, paths)
    assert [p for _, ps in groups for p in ps] != [] and len(groups) < len(paths)
    assert sorted(p for _, ps in groups for p in ps) == sorted(paths)
    decisions, got = ownership_in_order(fields, groups, paths, config)
    assert got == expected
    assert {d.path for d in decisions} == {v.path for v in expected}
    assert all(d == per_path(d.path) for d in decisions)  # copies equal a fresh decision

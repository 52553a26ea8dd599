"""`workspace-guard explain` and `workspace-guard lint` as real processes in real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli

from workspace_guard.commands.lint import lint_text

RULES = ".workspace/rules.yaml"
BACKEND_OFFICE = ".workspace/departments/backend/backend-framework-ai/"


def explain(cwd: Path, *paths: str) -> list[dict]:
    proc = run_cli(cwd, "explain", *paths, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["results"]


# --- explain ------------------------------------------------------------------------------------


def test_explain_names_the_rule_what_it_overrode_and_the_area(workspace: Path) -> None:
    [item] = explain(workspace, "app/api/v1/deps/auth.py")
    assert item["path"] == "app/api/v1/deps/auth.py"
    assert (item["protected"], item["level"], item["owner"]) == (
        True,
        "critical",
        "security-backend-ai",
    )
    assert item["backup"] == ["api-security"]
    assert item["rule"]["pattern"] == "/app/api/v1/deps/auth.py"
    assert item["rule"]["source"] == f"{RULES}:114"
    assert [r["pattern"] for r in item["overridden"]] == ["/app/api/"]
    assert [a["area"] for a in item["responsibilities"]] == ["Authentication"]
    assert item["office"] is None and item["escalation"] == "master-orchestrator"


def test_explain_text(workspace: Path) -> None:
    proc = run_cli(workspace, "explain", "app/api/v1/deps/auth.py", "README.md")
    assert proc.returncode == 0
    assert f"`/app/api/v1/deps/auth.py` at {RULES}:114 — level critical" in proc.stdout
    assert f"overrides:   `/app/api/` at {RULES}:71" in proc.stdout
    assert "Authentication — security-backend-ai" in proc.stdout
    assert "README.md\n  rule:        none — not protected" in proc.stdout


def test_explain_inside_an_office_shows_the_office_deciding(workspace: Path) -> None:
    [item] = explain(workspace, BACKEND_OFFICE + "notes.md")
    assert item["office"] == {"agent": "backend-framework-ai", "path": BACKEND_OFFICE}
    assert (item["level"], item["owner"]) == ("high", "backend-framework-ai")
    assert item["rule"]["pattern"] == "/" + BACKEND_OFFICE
    assert [r["pattern"] for r in item["overridden"]] == ["/.workspace/"]
    text = run_cli(workspace, "explain", BACKEND_OFFICE + "notes.md").stdout
    assert "protected rules do not reach into offices" in text


def test_explain_shows_a_symlink_target_and_reads_head(workspace: Path) -> None:
    (workspace / "lnk").symlink_to("app/main.py")
    [item] = explain(workspace, "lnk")
    assert item["symlink_to"] == "app/main.py"
    (workspace / RULES).write_text(
        (workspace / RULES)
        .read_text()
        .replace(
            "owner: system-architect-ai\n    backup: [solution-architect-ai]",
            "owner: tdd-specialist\n    backup: [solution-architect-ai]",
        )
    )
    assert explain(workspace, "app/main.py")[0]["owner"] == "system-architect-ai"  # HEAD


def test_explain_errors_are_exit_2(workspace: Path) -> None:
    proc = run_cli(workspace, "explain", "../elsewhere")
    assert proc.returncode == 2 and "outside the repository" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- lint ---------------------------------------------------------------------------------------

CLEAN = """\
version: 1
escalation: boss
agents:
  boss: {}
  dev: {office: offices/dev/}
  qa: {}
responsibilities:
  - area: Tests
    patterns: [tests/]
    responsible: qa
protected:
  - pattern: '*.py'
    owner: dev
    level: high
  - pattern: conftest.py
    owner: qa
  - pattern: /docs/
    owner: boss
"""  # appended rules start at line 19

TREE = [
    "app/main.py",
    "scripts/run.py",
    "tests/conftest.py",
    "docs/index.md",
    "docs/guide.md",
    "offices/dev/todo.md",
    "README.md",
]


def lint_repo(tmp_path: Path, rules: str, tree: list[str] = TREE) -> Path:
    repo = tmp_path / "ws"
    repo.mkdir()
    git(repo, "init", "-q")
    for rel in tree:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x\n")
    (repo / ".workspace").mkdir()
    (repo / RULES).write_text(rules)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chore: tree")
    return repo


def lint(repo: Path, *args: str) -> tuple[int, dict]:
    proc = run_cli(repo, "lint", "--format", "json", *args)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def ids(payload: dict) -> list[tuple[str, int]]:
    return [(f["id"], f["line"]) for f in payload["findings"]]


def test_clean_rules_and_unanchored_patterns_matching_tracked_files(tmp_path: Path) -> None:
    """`*.py` and `conftest.py` match at any depth: not "matches nothing" (a filesystem glob
    from the root would say so)."""
    repo = lint_repo(tmp_path, CLEAN)
    code, payload = lint(repo)
    assert code == 0
    assert payload == {"ok": True, "file": RULES, "findings": []}
    proc = run_cli(repo, "lint")
    assert proc.returncode == 0 and f"{RULES}: no problems" in proc.stdout


def test_lint_reads_the_working_tree_file(tmp_path: Path) -> None:
    repo = lint_repo(tmp_path, CLEAN)
    (repo / RULES).write_text(CLEAN + "colour: blue\n")  # not committed
    code, payload = lint(repo)
    assert code == 1 and payload["ok"] is False
    [finding] = payload["findings"]
    assert (finding["level"], finding["id"], finding["line"], finding["column"]) == (
        "error",
        "load",
        19,
        1,
    )
    assert "unknown key 'colour'" in finding["message"]
    text = run_cli(repo, "lint")
    assert text.returncode == 1
    assert f"{RULES}:19:1: error: rules file: unknown key 'colour'" in text.stdout


def test_warnings_and_infos_exit_0(tmp_path: Path) -> None:
    rules = CLEAN.replace("  qa: {}\n", "  qa: {}\n  idle: {}\n") + (
        "  - pattern: /nothing/here/\n    owner: boss\n"  # matches no tracked file
        "  - pattern: docs/index.md\n    owner: boss\n"  # never wins: /docs/index.md below
        "  - pattern: /docs/index.md\n    owner: qa\n"  # same meaning as the one above
    )
    repo = lint_repo(tmp_path, rules)
    code, payload = lint(repo)
    assert code == 0 and payload["ok"] is True
    found = {(f["id"], f["level"]) for f in payload["findings"]}
    assert found == {
        ("idle-agent", "info"),
        ("matches-nothing", "warning"),
        ("duplicate-pattern", "warning"),
        ("never-wins", "warning"),
    }
    assert sorted(ids(payload)) == [
        ("duplicate-pattern", 24),
        ("idle-agent", 7),
        ("matches-nothing", 20),
        ("never-wins", 22),
    ]
    text = run_cli(repo, "lint").stdout
    assert "3 warnings, 1 info" in text


def test_never_wins_for_a_rule_fully_covered_by_later_ones(tmp_path: Path) -> None:
    rules = CLEAN + "  - pattern: /app/\n    owner: qa\n  - pattern: /app/main.py\n    owner: dev\n"
    repo = lint_repo(tmp_path, rules)
    _, payload = lint(repo)
    assert ids(payload) == [("never-wins", 19)]


def test_office_reach(tmp_path: Path) -> None:
    rules = CLEAN + (
        "  - pattern: /offices/dev/todo.md\n    owner: qa\n"  # anchored, inside the office
        "  - pattern: offices/dev/plan.md\n    owner: qa\n"  # anchored by its inner '/'
        "  - pattern: todo.md\n    owner: qa\n"  # floats; tracked only inside the office
    )
    repo = lint_repo(tmp_path, rules)
    code, payload = lint(repo)
    assert code == 0
    assert ids(payload) == [("office-reach", 19), ("office-reach", 21), ("office-reach", 23)]
    assert all("office" in f["message"] for f in payload["findings"])


def test_load_errors_are_exit_1_with_positions(tmp_path: Path) -> None:
    repo = lint_repo(tmp_path, CLEAN)
    (repo / RULES).write_text(CLEAN.replace("owner: qa", "owner: qaa").replace("'*.py'", "''"))
    code, payload = lint(repo)
    assert code == 1
    assert [(f["line"], f["column"]) for f in payload["findings"]] == [(12, 14), (16, 12)]
    assert "did you mean 'qa'" in payload["findings"][1]["message"]


@pytest.mark.parametrize("text", ["version: 1\n\tbad: tab\n", "a: [\n", ""])
def test_broken_files_are_findings_not_crashes(tmp_path: Path, text: str) -> None:
    repo = lint_repo(tmp_path, CLEAN)
    (repo / RULES).write_text(text)
    code, payload = lint(repo)
    assert code == 1 and payload["findings"][0]["level"] == "error"


def test_lint_with_rules_option_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(CLEAN)
    proc = run_cli(tmp_path, "lint", "--rules", "r.yaml")
    assert proc.returncode == 0 and "no problems" in proc.stdout
    proc = run_cli(tmp_path, "lint")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_lint_without_a_rules_file(tmp_path: Path) -> None:
    repo = tmp_path / "ws"
    repo.mkdir()
    git(repo, "init", "-q")
    proc = run_cli(repo, "lint")
    assert proc.returncode == 2 and RULES in proc.stderr and "Traceback" not in proc.stderr


def test_the_example_rules_lint_without_errors(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws")
    code, payload = lint(repo)
    assert code == 0
    assert {f["level"] for f in payload["findings"]} <= {"warning", "info"}


def test_lint_text_is_pure_and_sorted() -> None:
    findings = lint_text(CLEAN.encode() + b"  - pattern: /zzz/\n    owner: qa\n", "R", ["a.py"])
    assert [(f.id, f.line) for f in findings] == [
        ("matches-nothing", 15),
        ("matches-nothing", 17),
        ("matches-nothing", 19),
    ]
    assert str(findings[0]).startswith("R:15:5: warning: pattern 'conftest.py' matches no tracked")

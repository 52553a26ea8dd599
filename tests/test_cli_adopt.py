"""`import mestore`, `import codeowners`, `export codeowners` as users run them: real processes,
real repositories. The importers themselves are tested in test_adopt_*.py; here: the command
line, the streams (rules on stdout or -o, report on stderr), exit codes, bad input, round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import git, run_cli

from workspace_guard.core.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "mestore"
WORKSPACE = FIXTURES / "workspace"
AWKWARD = FIXTURES / "awkward"

GITHUB_CODEOWNERS = """\
# owners
*                    @octocat
/app/                @backend-framework-ai
/app/main.py         @system-architect-ai @solution-architect-ai
!secret.txt          @octocat
/docs/               not-an-owner
*.lock               @org/locks
src/***/x.py         @octocat
"""

GITLAB_CODEOWNERS = """\
[Backend] @backend-framework-ai
/app/
/app/main.py @system-architect-ai

^[Docs][2] @docs-team
/docs/
"""


def ok(proc: object) -> None:
    assert "Traceback" not in getattr(proc, "stderr", ""), getattr(proc, "stderr", "")


# --- import mestore -------------------------------------------------------------------------------


def test_import_mestore_rules_on_stdout_report_on_stderr(tmp_path: Path) -> None:
    proc = run_cli(
        tmp_path, "import", "mestore", str(WORKSPACE), env={"WORKSPACE_GUARD_LANG": "en"}
    )  # the seed is Spanish
    ok(proc)
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(proc.stdout)
    assert data["escalation"] == "master-orchestrator"
    assert "system-architect-ai" in data["agents"]
    load_rules(proc.stdout, "stdout.yaml")  # a valid rules file as written
    assert proc.stdout.startswith("# workspace-guard rules imported from the protocol workspace")
    assert "# from .workspace/PROTECTED_FILES.md:" in proc.stdout
    assert re.search(r"^\d+ errors?, ", proc.stderr.splitlines()[-1])
    assert not re.search(r"\d+ errors?, \d+ warnings?", proc.stdout)


def test_import_mestore_to_a_file_with_a_json_report(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "rules.yaml"
    proc = run_cli(
        tmp_path, "import", "mestore", str(WORKSPACE), "-o", str(out), "--format", "json"
    )
    ok(proc)
    assert proc.returncode == 0
    assert proc.stdout == ""
    report = json.loads(proc.stderr)
    assert report["output"] == str(out)
    assert report["counts"]["error"] == 0
    assert report["summary"]["agents"] >= 10
    assert {"level", "source", "message", "other_source"} <= set(report["findings"][0])
    load_rules(out.read_text(), "rules.yaml")


def test_report_to_a_file(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    proc = run_cli(
        tmp_path,
        "import",
        "mestore",
        str(AWKWARD),
        "-o",
        str(tmp_path / "r.yaml"),
        "--format",
        "json",
        "--report",
        str(report),
        env={"WORKSPACE_GUARD_LANG": "en"},  # the documents are Spanish: the report would be too
    )
    ok(proc)
    assert proc.stderr == ""
    findings = json.loads(report.read_text())["findings"]
    skipped = [f for f in findings if f["message"].startswith("skipped")]
    assert skipped and all(":" in f["source"] for f in skipped)


def test_awkward_markdown_imports_what_it_can_and_names_each_skipped_line(tmp_path: Path) -> None:
    proc = run_cli(
        tmp_path, "import", "mestore", str(AWKWARD), env={"WORKSPACE_GUARD_LANG": "en"}
    )  # Spanish documents
    ok(proc)
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    assert any(
        line.startswith(".workspace/PROTECTED_FILES.md:9: warning: skipped") for line in lines
    )
    load_rules(proc.stdout, "r.yaml")


def test_markdown_in_no_known_format_never_crashes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".workspace").mkdir(parents=True)
    (ws / ".workspace" / "PROTECTED_FILES.md").write_bytes(
        b"# \xff\xfe not utf-8\n```\n\xe2\x9d\x8c \n\xe2\x9d\x8c app/a.py app/b.py\n"
        b"| broken | table\n```\n```\n\xe2\x9d\x8c ../outside.py\n"
    )
    (ws / ".workspace" / "RESPONSIBLE_AGENTS.md").write_text(
        "| a |\n|---|\n| `x` | **", encoding="utf-8"
    )
    (ws / ".claude" / "agents").mkdir(parents=True)
    (ws / ".claude" / "agents" / "x.md").write_text("---\nname: [unclosed\n", encoding="utf-8")
    proc = run_cli(tmp_path, "import", "mestore", str(ws), "-o", str(tmp_path / "r.yaml"))
    ok(proc)
    assert proc.returncode in (0, 1)
    assert ".workspace/PROTECTED_FILES.md:" in proc.stderr
    yaml.safe_load((tmp_path / "r.yaml").read_text())


def test_missing_protected_files_is_an_error_exit_1_rules_still_written(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".workspace").mkdir(parents=True)
    proc = run_cli(tmp_path, "import", "mestore", str(ws), "-o", str(tmp_path / "r.yaml"))
    ok(proc)
    assert proc.returncode == 1
    assert "error" in proc.stderr
    assert (tmp_path / "r.yaml").exists()


@pytest.mark.parametrize("target", ["not-there", "file.txt", "plain-dir"])
def test_not_a_workspace_is_a_usage_error(tmp_path: Path, target: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "plain-dir").mkdir()
    proc = run_cli(tmp_path, "import", "mestore", target)
    ok(proc)
    assert proc.returncode == 2
    assert proc.stderr.startswith(("workspace-guard:", "Error", "Usage"))


# --- import codeowners ----------------------------------------------------------------------------


def test_import_codeowners_reports_each_invalid_line(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text(GITHUB_CODEOWNERS)
    proc = run_cli(tmp_path, "import", "codeowners", "CODEOWNERS")
    ok(proc)
    assert proc.returncode == 0
    data = yaml.safe_load(proc.stdout)
    patterns = {r["pattern"]: r for r in data["protected"]}
    assert patterns["/app/main.py"]["owner"] == "system-architect-ai"
    assert patterns["/app/main.py"]["backup"] == ["solution-architect-ai"]
    assert "!secret.txt" not in patterns and "src/***/x.py" not in patterns
    assert "CODEOWNERS:5: warning: skipped '!secret.txt'" in proc.stderr
    assert "CODEOWNERS:6: warning: 'not-an-owner'" in proc.stderr
    assert "CODEOWNERS:8: warning: skipped 'src/***/x.py'" in proc.stderr
    load_rules(proc.stdout, "r.yaml")


def test_import_codeowners_options(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text(GITHUB_CODEOWNERS)
    proc = run_cli(
        tmp_path,
        "import",
        "codeowners",
        "CODEOWNERS",
        "--level",
        "critical",
        "--escalation",
        "boss",
        "--superuser",
        "boss",
        "--handle",
        "locks-team=@org/locks",
    )
    ok(proc)
    data = yaml.safe_load(proc.stdout)
    assert data["escalation"] == "boss" and data["superusers"] == ["boss"]
    assert {r["pattern"]: r for r in data["protected"]}["*.lock"]["owner"] == "locks-team"
    assert {r["level"] for r in data["protected"] if "owner" in r} == {"critical"}
    load_rules(proc.stdout, "r.yaml")


def test_gitlab_sections_are_flattened_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text(GITLAB_CODEOWNERS)
    proc = run_cli(tmp_path, "import", "codeowners", "CODEOWNERS", "--format", "json")
    ok(proc)
    report = json.loads(proc.stderr)
    assert any(
        "GitLab sections" in f["message"] and f["source"] == "CODEOWNERS:1"
        for f in report["findings"]
    )
    data = yaml.safe_load(proc.stdout)
    owners = {r["pattern"]: r.get("owner") for r in data["protected"]}
    assert owners["/app/"] == "backend-framework-ai"
    assert owners["/docs/"] == "docs-team"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "codeowners", "missing"], "cannot read missing"),
        (["import", "codeowners", "CODEOWNERS", "--handle", "nope"], "expected AGENT=OWNER"),
        (["import", "codeowners"], "Missing argument"),
    ],
)
def test_codeowners_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    proc = run_cli(tmp_path, *args)
    ok(proc)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_binary_codeowners_never_crashes(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_bytes(b"\x00\xff\xfe*.py @a\n\x80\x81 @@@\n[unclosed\n")
    proc = run_cli(tmp_path, "import", "codeowners", "CODEOWNERS")
    ok(proc)
    assert proc.returncode in (0, 1)
    yaml.safe_load(proc.stdout)


# --- export and round trip ------------------------------------------------------------------------


def test_export_codeowners_from_the_committed_rules(workspace: Path) -> None:
    proc = run_cli(workspace, "export", "codeowners", "-o", ".github/CODEOWNERS")
    ok(proc)
    assert proc.returncode == 0
    text = (workspace / ".github" / "CODEOWNERS").read_text()
    assert "/app/main.py @system-architect-ai @solution-architect-ai" in text
    assert "# Offices:" in text
    # the trust rule: an uncommitted edit of the rules is not exported
    rules = workspace / ".workspace" / "rules.yaml"
    rules.write_text(
        rules.read_text().replace("owner: system-architect-ai", "owner: git-control-ai")
    )
    again = run_cli(workspace, "export", "codeowners")
    assert "/app/main.py @system-architect-ai" in again.stdout


def test_export_with_handles(workspace: Path) -> None:
    proc = run_cli(workspace, "export", "codeowners", "--handle", "system-architect-ai=@org/arch")
    ok(proc)
    assert "/app/main.py @org/arch" in proc.stdout


def test_export_outside_a_repository_is_exit_2(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "export", "codeowners")
    ok(proc)
    assert proc.returncode == 2
    assert "not a git repository" in proc.stderr


def decisions(cwd: Path, agent: str, paths: Path, *rules: str) -> list[tuple[str, bool, str]]:
    proc = run_cli(cwd, "validate", agent, "--paths-from", str(paths), "--format", "json", *rules)
    ok(proc)
    assert proc.returncode in (0, 1), proc.stderr
    results = json.loads(proc.stdout)["results"]
    return [(r["path"], r["allowed"], r["owner"] if not r["allowed"] else "") for r in results]


def test_round_trip_keeps_every_decision(workspace: Path) -> None:
    """export codeowners → import codeowners: every agent gets the same answer for every path
    (tracked files, offices, paths under protected folders) and the same owner when denied."""
    export = run_cli(workspace, "export", "codeowners", "-o", "CODEOWNERS")
    ok(export)
    back = run_cli(workspace, "import", "codeowners", "CODEOWNERS", "-o", "back.yaml")
    ok(back)
    assert back.returncode == 0, back.stderr
    tracked = git(workspace, "ls-files").split()
    probes = [
        "alembic/versions/1.py",
        "frontend/src/components/auth/Login.tsx",
        "x/y/z.py",
        ".workspace/departments/testing/tdd-specialist/plan.md",
        ".github/CODEOWNERS",
    ]
    paths = workspace / "paths.txt"
    paths.write_text("\n".join(tracked + probes) + "\n")
    original = load_rules((workspace / ".workspace" / "rules.yaml").read_text(), "r.yaml")
    for agent in sorted(original.agents):
        before = decisions(workspace, agent, paths)
        after = decisions(workspace, agent, paths, "--rules", "back.yaml")
        assert after == before, agent

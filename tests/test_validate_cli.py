"""`agent_workspace_validator` / `workspace-guard validate` / `python -m workspace_guard validate`
as real processes: many paths, `--paths-from`, the text and JSON answers, exit codes 0/1/2/3 and
every kind of bad input (a clear message and exit 2, never a traceback)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, EXAMPLE_RULES, git, make_workspace, run_cli, run_tty

VALIDATOR = "agent_workspace_validator"
BACKEND = "backend-framework-ai"
RESULT_KEYS = ["path", "allowed", "reason", "owner", "backup", "level", "rule"]


def validator(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = run_cli(cwd, *args, input=input, env=env, prog=VALIDATOR)
    assert "Traceback" not in proc.stderr
    return proc


def as_json(cwd: Path, *args: str, input: bytes | None = None) -> tuple[int, dict]:
    proc = validator(cwd, *args, "--format", "json", input=input)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


# --- answers ------------------------------------------------------------------------------------


def test_many_paths_in_order_exit_1_when_any_is_denied(workspace: Path) -> None:
    paths = ["README.md", "app/main.py", "app/new_module.py", "docker-compose.yml", "no/such/dir/x"]
    code, payload = as_json(workspace, BACKEND, *paths)
    assert code == 1
    assert payload["allowed"] is False
    assert [r["path"] for r in payload["results"]] == paths
    assert [r["allowed"] for r in payload["results"]] == [True, False, True, False, True]


def test_exit_0_when_every_path_is_allowed(workspace: Path) -> None:
    code, payload = as_json(workspace, "system-architect-ai", "app/main.py", "app/core/config.py")
    assert code == 0 and payload["allowed"] is True
    assert [r["reason"] for r in payload["results"]] == ["owner", "owner"]


def test_json_has_exactly_the_contract_shape(workspace: Path) -> None:
    office = ".workspace/departments/backend/backend-framework-ai/n.md"
    _, payload = as_json(workspace, BACKEND, "app/main.py", "README.md", office)
    assert list(payload) == ["agent", "allowed", "results"]
    assert payload["agent"] == BACKEND
    denied, free, office = payload["results"]
    for result in payload["results"]:
        assert list(result) == RESULT_KEYS
        assert result["reason"] in (
            "superuser",
            "office",
            "owner",
            "unprotected",
            "approved",
            "protected",
        )
        assert isinstance(result["backup"], list)
    assert denied == {
        "path": "app/main.py",
        "allowed": False,
        "reason": "protected",
        "owner": "system-architect-ai",
        "backup": ["solution-architect-ai"],
        "level": "critical",
        "rule": {"pattern": "/app/main.py", "source": ".workspace/rules.yaml:94"},
    }
    assert list(denied["rule"]) == ["pattern", "source"]
    assert re.fullmatch(r"[^:]+:\d+", denied["rule"]["source"])
    assert free == {
        "path": "README.md",
        "allowed": True,
        "reason": "unprotected",
        "owner": None,
        "backup": [],
        "level": "none",
        "rule": None,
    }
    assert (office["reason"], office["allowed"]) == ("office", True)


def test_text_names_owner_backups_level_rule_and_escalation(workspace: Path) -> None:
    proc = validator(workspace, BACKEND, "app/main.py", "README.md")
    assert proc.returncode == 1
    out = proc.stdout
    assert "DENIED" in out and "app/main.py" in out
    assert "system-architect-ai" in out  # owner
    assert "solution-architect-ai" in out  # backup
    assert "critical" in out  # level
    assert ".workspace/rules.yaml:94" in out  # rule FILE:LINE
    assert "`/app/main.py`" in out
    assert "master-orchestrator" in out  # escalation
    assert "ALLOWED  README.md" in out
    assert "workspace-guard approve" in out  # what to do next


def test_the_three_doors_give_one_answer(workspace: Path) -> None:
    args = [BACKEND, "app/main.py", "README.md", "--format", "json"]
    direct = validator(workspace, *args)
    wg = run_cli(workspace, "validate", *args)
    module = subprocess.run(
        [sys.executable, "-m", "workspace_guard", "validate", *args],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert direct.returncode == wg.returncode == module.returncode == 1
    assert json.loads(direct.stdout) == json.loads(wg.stdout) == json.loads(module.stdout)


def test_approved_by_is_honoured_only_with_a_recorded_approval(workspace: Path) -> None:
    """`--approved-by X` is a word on a command line: without a live approval by X recorded in
    the ledger the answer is the one without it, and the validator says why."""
    for approver in ("system-architect-ai", "solution-architect-ai", "master-orchestrator"):
        proc = validator(workspace, BACKEND, "app/main.py", "--approved-by", approver)
        assert proc.returncode == 1, (approver, proc.stdout)
        assert f"--approved-by {approver} is not honoured for app/main.py" in proc.stderr
    code, payload = as_json(workspace, BACKEND, "app/main.py", "--approved-by=system-architect-ai")
    assert (code, payload["results"][0]["reason"]) == (1, "protected")
    assert payload["approved_by"] == {
        "approver": "system-architect-ai",
        "honoured": False,
        "unrecorded": ["app/main.py"],
    }
    recorded = run_tty(workspace, "approve", BACKEND, "app/main.py", "--by", "system-architect-ai")
    assert recorded.returncode == 0, recorded.stderr
    proc = validator(workspace, BACKEND, "app/main.py", "--approved-by", "system-architect-ai")
    assert proc.returncode == 0 and "approved by system-architect-ai" in proc.stdout
    assert "not honoured" not in proc.stderr
    code, payload = as_json(workspace, BACKEND, "app/main.py", "--approved-by=system-architect-ai")
    assert code == 0 and payload["approved_by"]["honoured"] is True
    other = validator(workspace, BACKEND, "app/main.py", "--approved-by", "solution-architect-ai")
    assert other.returncode == 0  # the recorded approval by the owner decides
    assert "--approved-by solution-architect-ai is not honoured" in other.stderr
    proc = validator(workspace, BACKEND, "app/main.py", "--approved-by", "nobody-ai")
    assert proc.returncode == 2 and "unknown agent 'nobody-ai'" in proc.stderr


def test_a_denial_is_recorded_in_the_audit_log(workspace: Path) -> None:
    validator(workspace, BACKEND, "app/main.py", "README.md")
    log = workspace / ".git" / "workspace-guard" / "audit.jsonl"
    [record] = [json.loads(line) for line in log.read_text().splitlines()]
    assert (record["agent"], record["path"], record["action"]) == (BACKEND, "app/main.py", "denied")
    assert (record["owner"], record["escalate_to"]) == (
        "system-architect-ai",
        "master-orchestrator",
    )


# --- --paths-from --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"app/main.py\nREADME.md\n",
        b"app/main.py\r\nREADME.md\r\n",
        b"app/main.py\n\n\nREADME.md",
        b"app/main.py\0README.md\0",
        b"app/main.py\0README.md",
    ],
    ids=["lines", "crlf", "blank-lines", "nul", "nul-no-trailer"],
)
def test_paths_from_a_file_and_stdin(workspace: Path, data: bytes, tmp_path: Path) -> None:
    listing = tmp_path / "paths"
    listing.write_bytes(data)
    for args, stdin in (([str(listing)], None), (["-"], data)):
        code, payload = as_json(workspace, BACKEND, "--paths-from", *args, input=stdin)
        assert code == 1
        assert [r["path"] for r in payload["results"]] == ["app/main.py", "README.md"]


def test_nul_separated_names_may_hold_newlines_and_spaces(workspace: Path) -> None:
    data = b"dir with space/a b.txt\0odd\nname.txt\0"
    code, payload = as_json(workspace, BACKEND, "--paths-from", "-", input=data)
    assert code == 0
    assert [r["path"] for r in payload["results"]] == ["dir with space/a b.txt", "odd\nname.txt"]


def test_paths_from_adds_to_positional_paths(workspace: Path) -> None:
    _, payload = as_json(
        workspace, BACKEND, "README.md", "--paths-from", "-", input=b"app/main.py\n"
    )
    assert [r["path"] for r in payload["results"]] == ["README.md", "app/main.py"]


def test_paths_from_relative_to_a_subdirectory(workspace: Path) -> None:
    _, payload = as_json(workspace / "app", BACKEND, "--paths-from", "-", input=b"main.py\n")
    assert payload["results"][0]["path"] == "app/main.py"


def test_paths_from_errors(workspace: Path) -> None:
    proc = validator(workspace, BACKEND, "--paths-from", "missing.txt")
    assert proc.returncode == 2 and "missing.txt" in proc.stderr
    proc = validator(workspace, BACKEND, "--paths-from", "-", input=b"\n\n")
    assert proc.returncode == 2 and "no path given" in proc.stderr
    proc = validator(workspace, BACKEND, "--paths-from", "-", input=b"app/\xff.py\n")
    assert proc.returncode == 2 and "not valid UTF-8" in proc.stderr


# --- exit codes 2 and 3 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "no agent given"),
        ([BACKEND], "no path given"),
        ([BACKEND, "x", "--colour", "red"], "unknown option --colour"),
        ([BACKEND, "x", "--format", "yaml"], "--format must be one of text, json"),
        ([BACKEND, "x", "--approved-by"], "needs a value"),
        (["backend-framwork-ai", "x"], "did you mean backend-framework-ai"),
        (["ghost", "x"], "registered agents:"),
        ([BACKEND, "/etc/passwd"], "outside the repository"),
        ([BACKEND, "../outside.txt"], "outside the repository"),
        ([BACKEND, "."], "repository root"),
    ],
)
def test_usage_and_configuration_errors_are_exit_2(
    workspace: Path, args: list[str], words: str
) -> None:
    proc = validator(workspace, *args)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) <= 3  # one paragraph and a hint


def test_invalid_utf8_in_a_path_argument_is_exit_2(workspace: Path) -> None:
    proc = subprocess.run(
        [os.fsencode(BIN / VALIDATOR), BACKEND.encode(), b"app/\xff\xfe.py"],
        cwd=workspace,
        capture_output=True,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2
    assert "not valid UTF-8" in stderr and "Traceback" not in stderr


def test_a_path_with_a_dash_after_double_dash(workspace: Path) -> None:
    proc = validator(workspace, BACKEND, "--format", "json", "--", "--weird-name", "--format")
    assert [r["path"] for r in json.loads(proc.stdout)["results"]] == ["--weird-name", "--format"]


def test_an_internal_error_is_exit_3_with_a_log(workspace: Path, tmp_path: Path) -> None:
    """A bug anywhere ends at the boundary: a short message, the details in a log file."""
    script = (
        "import sys\n"
        "import workspace_guard.commands.validate as v\n"
        "def boom(*args, **kwargs):\n"
        "    raise ZeroDivisionError('boom')\n"
        "v.decide_shared = boom\n"
        "from workspace_guard.entry import validator_main\n"
        f"sys.exit(validator_main([{BACKEND!r}, 'app/main.py']))\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 3
    assert "internal error: ZeroDivisionError: boom" in proc.stderr
    assert "Traceback" not in proc.stderr
    log = Path(re.search(r"written to (\S+)", proc.stderr).group(1))  # type: ignore[union-attr]
    assert log.parent == tmp_path
    assert "Traceback" in log.read_text() and "ZeroDivisionError" in log.read_text()


def test_help_is_exit_0(workspace: Path) -> None:
    proc = validator(workspace, "--help")
    assert proc.returncode == 0
    assert "--paths-from" in proc.stdout and "--approved-by" in proc.stdout


# --- bad surroundings ---------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    proc = validator(tmp_path, BACKEND, "x")
    assert proc.returncode == 2 and "not a git repository" in proc.stderr


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", commit=False)
    proc = validator(repo, BACKEND, "app/main.py")
    assert proc.returncode == 1
    assert "warning" in proc.stderr and "not committed" in proc.stderr


def test_repository_without_rules(tmp_path: Path) -> None:
    repo = tmp_path / "bare-tree"
    repo.mkdir()
    git(repo, "init", "-q")
    proc = validator(repo, BACKEND, "x")
    assert proc.returncode == 2 and "no rules file" in proc.stderr


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ("version: 1\nescalation: [a\n", "invalid YAML"),
        ("version: 1\nescalation: a\nagents:\n\ta: {}\n", "tabs"),
        ("version: 1\nescalation: a\nagents: {a: {}}\nowners: {}\n", "unknown key 'owners'"),
        (
            "version: 1\nescalation: a\nagents: {a: {}}\nprotected:\n  - {pattern: x, owner: b}\n",
            "unknown agent 'b'",
        ),
        (
            "version: 1\nescalation: a\nagents: {a: {}}\nprotected:\n  - {pattern: ''}\n",
            "must not be empty",
        ),
        ("version: 1\nescalation: a\nagents: {a: {}}\n" + "#" * (5 * 1024 * 1024) + "\n", "MiB"),
    ],
    ids=["broken-yaml", "tab", "unknown-key", "unknown-agent", "empty-pattern", "5MB"],
)
def test_bad_rules_files_are_exit_2(tmp_path: Path, rules: str, words: str) -> None:
    repo = make_workspace(tmp_path / "ws", rules)
    proc = validator(repo, "a", "x")
    assert proc.returncode == 2
    assert words in proc.stderr
    assert ".workspace/rules.yaml:" in proc.stderr


def test_language_es_in_the_rules_speaks_spanish(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", EXAMPLE_RULES.read_text() + "language: es\n")
    proc = validator(repo, BACKEND, "app/main.py")
    assert proc.returncode == 1
    assert "DENEGADO" in proc.stdout
    english = validator(repo, BACKEND, "app/main.py", env={"WORKSPACE_GUARD_LANG": "en"})
    assert "DENIED" in english.stdout  # the environment wins over the file

"""`workspace-guard init` and the validator shim it writes: real repositories, real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BIN, git, run_cli

from workspace_guard.commands.install import CLIENT_HOOKS

FIXTURES = Path(__file__).parent / "fixtures" / "mestore"
RULES = ".workspace/rules.yaml"
SHIM = ".workspace/scripts/agent_workspace_validator.py"
TEMPLATE = [
    "--trailer",
    "Workspace-Check: ✅ Consultado",
    "--trailer",
    f"Archivo: {RULES}",
    "--trailer",
    "Agente: master-orchestrator",
    "--trailer",
    "Protocolo: SEGUIDO",
    "--trailer",
    "Tests: PASSED",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "app").mkdir()
    (path / "app" / "main.py").write_text("app = None\n")
    return path


def init(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli(cwd, "init", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def hooks_dir(repo: Path) -> Path:
    return repo / git(repo, "rev-parse", "--git-path", "hooks").strip()


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git/objects" not in str(p)
    }


def test_outside_a_repository_is_exit_2(tmp_path: Path) -> None:
    proc = init(tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in proc.stderr
    assert "git init" in proc.stderr
    assert not (tmp_path / ".workspace").exists()


def test_in_a_bare_repository_is_exit_2(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "shared.git")
    proc = init(tmp_path / "shared.git")
    assert proc.returncode == 2
    assert "bare repository" in proc.stderr


def test_sets_everything_up_and_says_what_next(repo: Path) -> None:
    proc = init(repo)
    assert proc.returncode == 0, proc.stderr
    rules = yaml.safe_load((repo / RULES).read_text())
    assert rules["escalation"] == "master-orchestrator"
    for agent in rules["agents"].values():
        assert (repo / agent["office"] / ".gitkeep").exists()
    shim = repo / SHIM
    assert os.access(shim, os.X_OK)
    assert "workspace-guard-managed" in shim.read_text()
    for hook in ("commit-msg", "pre-commit"):
        assert "workspace-guard-managed" in (hooks_dir(repo) / hook).read_text()
    out = proc.stdout
    assert "written (the bundled example)" in out
    assert "Next steps:" in out and "git add .workspace && git commit" in out
    assert "17 created" in out


def test_the_suggested_commit_passes_the_installed_hooks(repo: Path) -> None:
    assert init(repo).returncode == 0
    git(repo, "add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "chore(workspace): adopt the protocol", *TEMPLATE],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    again = init(repo)
    assert "is committed at HEAD, so it is binding" in again.stdout


def test_idempotent_and_never_overwrites(repo: Path) -> None:
    assert init(repo).returncode == 0
    rules = repo / RULES
    rules.write_text(rules.read_text() + "# my edit\n")
    before = snapshot(repo)
    proc = init(repo)
    assert proc.returncode == 0
    assert snapshot(repo) == before
    assert "kept (it exists; --force replaces it)" in proc.stdout
    assert "0 created, 17 already there" in proc.stdout
    assert "up to date" in proc.stdout
    assert proc.stdout.count("already installed") == len(CLIENT_HOOKS)


def test_force_replaces_the_rules(repo: Path) -> None:
    assert init(repo).returncode == 0
    (repo / RULES).write_text("# mine\n")
    proc = init(repo, "--force")
    assert proc.returncode == 0
    assert "replaced (the bundled example)" in proc.stdout
    assert "escalation: master-orchestrator" in (repo / RULES).read_text()


def test_a_foreign_validator_is_kept_unless_forced(repo: Path) -> None:
    seed = repo / SHIM
    seed.parent.mkdir(parents=True)
    seed.write_text("# the seed's own validator\n")
    proc = init(repo)
    assert "kept (not written by workspace-guard" in proc.stdout
    assert seed.read_text() == "# the seed's own validator\n"
    proc = init(repo, "--force")
    assert "agent_workspace_validator.py.orig" in proc.stdout
    assert (repo / (SHIM + ".orig")).read_text() == "# the seed's own validator\n"
    assert "workspace-guard-managed" in seed.read_text()


def test_from_mestore(repo: Path) -> None:
    proc = init(repo, "--from-mestore", str(FIXTURES / "workspace"), "--language", "en")
    assert proc.returncode == 0, proc.stderr
    rules = yaml.safe_load((repo / RULES).read_text())
    assert rules["language"] == "en"  # asked for, though the documents are in Spanish
    assert "tdd-specialist" in rules["agents"]
    assert (repo / ".workspace/departments/testing/tdd-specialist/.gitkeep").exists()
    assert "imported from the workspace" in proc.stdout


def test_from_mestore_with_warnings_lists_them(repo: Path) -> None:
    proc = init(repo, "--from-mestore", str(FIXTURES / "awkward"), "--language", "en")
    assert proc.returncode == 0
    assert re.search(r"\d+ problems? to look at:", proc.stderr)
    assert ".workspace/PROTECTED_FILES.md:" in proc.stderr


def test_from_codeowners(repo: Path) -> None:
    (repo / "CODEOWNERS").write_text("/app/ @backend-framework-ai\n!bad @x\n")
    proc = init(repo, "--from-codeowners", "CODEOWNERS")
    assert proc.returncode == 0, proc.stderr
    rules = yaml.safe_load((repo / RULES).read_text())
    assert rules["protected"][0]["owner"] == "backend-framework-ai"
    assert "CODEOWNERS:2" in proc.stderr
    assert "offices" in proc.stdout and "none defined" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-mestore", "a", "--from-codeowners", "b"], "exclude each other"),
        (["--from-mestore", "no-such-dir"], "no such directory"),
        (["--from-codeowners", "no-such-file"], "cannot read no-such-file"),
    ],
)
def test_bad_sources_are_exit_2(repo: Path, args: list[str], message: str) -> None:
    proc = init(repo, *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not (repo / RULES).exists()


def test_broken_rules_exit_1_and_skip_the_offices(repo: Path) -> None:
    (repo / ".workspace").mkdir()
    (repo / RULES).write_text("version: 1\nagents: {a: {office: x/}}\nbogus: 1\n")
    proc = init(repo)
    assert proc.returncode == 1
    assert "skipped: the rules file has errors" in proc.stdout
    assert "bogus" in proc.stderr
    assert (repo / SHIM).exists()  # the rest is still set up


def test_language_es(repo: Path) -> None:
    assert init(repo, "--language", "es").returncode == 0
    assert yaml.safe_load((repo / RULES).read_text())["language"] == "es"


def test_claude_hooks(repo: Path) -> None:
    proc = init(repo, "--claude")
    assert proc.returncode == 0, proc.stderr
    settings = json.loads((repo / ".claude" / "settings.json").read_text())
    assert "PreToolUse" in settings["hooks"]
    assert ".claude/settings.json" in proc.stdout


# --- the shim -------------------------------------------------------------------------------------


@pytest.fixture
def adopted(repo: Path) -> Path:
    assert init(repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chore(workspace): adopt", *TEMPLATE)
    return repo


def shim(
    cwd: Path, *args: str, python: str = sys.executable, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [python, SHIM, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**full, **(env or {})},
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_shim_decides_like_the_validator(adopted: Path) -> None:
    denied = shim(adopted, "backend-framework-ai", "app/main.py")
    assert denied.returncode == 1
    assert "DENIED" in denied.stdout and "system-architect-ai" in denied.stdout
    assert shim(adopted, "system-architect-ai", "app/main.py").returncode == 0
    js = shim(adopted, "backend-framework-ai", "app/main.py", "--format", "json")
    assert json.loads(js.stdout)["results"][0]["owner"] == "system-architect-ai"
    unknown = shim(adopted, "nobody-ai", "app/main.py")
    assert unknown.returncode == 2 and "unknown agent" in unknown.stderr


def test_shim_legacy_third_argument_is_the_approver(adopted: Path) -> None:
    """Read as `--approved-by`, which is honoured only where the approver recorded an approval."""
    proc = shim(adopted, "backend-framework-ai", "app/main.py", "system-architect-ai")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "--approved-by system-architect-ai is not honoured" in proc.stderr


def test_shim_third_argument_that_is_a_path_stays_a_path(adopted: Path) -> None:
    proc = shim(adopted, "backend-framework-ai", "app/models/order.py", "app/main.py")
    assert proc.returncode == 1
    assert "app/models/order.py" in proc.stdout and "app/main.py" in proc.stdout


def test_shim_instruction_text_is_ignored_with_a_note(adopted: Path) -> None:
    proc = shim(adopted, "backend-framework-ai", "app/main.py", "Agregar un router nuevo")
    assert proc.returncode == 1
    assert "is ignored" in proc.stderr


def base_python() -> str:
    """An interpreter without workspace-guard: the one the test virtualenv was made from."""
    base = getattr(sys, "_base_executable", None)
    if not base or not os.path.exists(base):
        pytest.skip("no base interpreter outside the virtualenv")
    probe = subprocess.run(
        [base, "-I", "-c", "import workspace_guard"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        pytest.skip("the base interpreter has workspace-guard installed too")
    return base


def test_shim_finds_workspace_guard_through_path(adopted: Path) -> None:
    env = {"PATH": f"{BIN}{os.pathsep}/usr/bin:/bin"}
    proc = shim(adopted, "backend-framework-ai", "app/main.py", python=base_python(), env=env)
    assert proc.returncode == 1
    assert "DENIED" in proc.stdout


def test_shim_without_workspace_guard_says_so(adopted: Path) -> None:
    proc = shim(
        adopted,
        "backend-framework-ai",
        "app/main.py",
        python=base_python(),
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "workspace-guard is not installed" in proc.stderr
    assert "do not change protected files" in proc.stderr

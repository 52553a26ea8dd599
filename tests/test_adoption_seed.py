"""Adoption that holds (issue 15): the seed workspace adopted as the README says — `init
--from-mestore .`, commit, `install --claude` — on real git, with the fixtures that reproduce the
seed's files, and on the real seed's protocol documents when a copy is at hand
(`WG_SEED_REPO`: a clone or bare mirror of J41RO/MeStore)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, git, run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "mestore" / "workspace"
SEED_MIRROR = Path(os.environ.get("WG_SEED_REPO", "/work/.mirror/J41RO+MeStore/repo"))
RULES = ".workspace/rules.yaml"
SHIM = ".workspace/scripts/agent_workspace_validator.py"
SEED_VALIDATOR = '#!/usr/bin/env python3\nprint("✅ PUEDE PROCEDER")\n'
CLAUDE_FOOTER = (
    "\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
    "Co-Authored-By: Claude <noreply@anthropic.com>\n"
)


def message(agent: str, files: str, protocol: str = "SEGUIDO", extra: str = "") -> str:
    return (
        f"feat(api): change {files}\n\nWorkspace-Check: ✅ Consultado\nArchivo: {files}\n"
        f"Agente: {agent}\nProtocolo: {protocol}\nTests: PASSED\n{extra}"
    )


def commit(repo: Path, text: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["git", "commit", "-q", "-F", "-"],
        cwd=repo,
        input=text,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def adopt(repo: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    """The README's walk: init --from-mestore ., commit the result as the escalation agent.
    The seed is in Spanish, so init speaks Spanish; `lang` "en" reads it in English."""
    env = {"WORKSPACE_GUARD_LANG": lang} if lang else {}
    proc = run_cli(repo, "init", "--from-mestore", ".", env=env)
    assert proc.returncode == 0, proc.stderr
    git(repo, "add", ".workspace")
    done = commit(repo, message("master-orchestrator", RULES).replace("feat(api)", "chore(ws)"))
    assert done.returncode == 0, done.stderr
    return proc


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """The fixture workspace as a repository, with the seed's own (always-yes) validator."""
    repo = tmp_path / "seed"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    for rel in ("app/main.py", "app/api/v1/endpoints/auth.py", "alembic/env.py", "README.md"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(f"# {rel}\n")
    (repo / SHIM).parent.mkdir(parents=True, exist_ok=True)
    (repo / SHIM).write_text(SEED_VALIDATOR)
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed")
    return repo


@pytest.fixture
def adopted(seed: Path) -> Path:
    adopt(seed)
    return seed


# --- 1. the protocol's own files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        RULES,
        ".claude/settings.json",
        ".claude/agents/backend-framework-ai.md",
        ".workspace/PROTECTED_FILES.md",
        ".workspace/RESPONSIBLE_AGENTS.md",
        SHIM,
    ],
)
def test_protocol_files_are_protected_for_agents(adopted: Path, path: str) -> None:
    proc = run_cli(adopted, "validate", "backend-framework-ai", path, "--format", "json")
    result = json.loads(proc.stdout)["results"][0]
    assert proc.returncode == 1, proc.stdout
    assert (result["level"], result["owner"]) == ("critical", "master-orchestrator")


def test_an_agent_cannot_make_itself_owner_by_editing_the_rules(adopted: Path) -> None:
    rules = adopted / RULES
    rules.write_text(rules.read_text() + "\n# backend-framework-ai owns everything now\n")
    git(adopted, "add", RULES)
    proc = commit(adopted, message("backend-framework-ai", RULES))
    assert proc.returncode == 1
    assert "[protocol-insufficient]" in proc.stderr and "master-orchestrator" in proc.stderr


def test_init_says_what_it_protected(seed: Path) -> None:
    proc = adopt(seed)
    assert "the protocol's own files are protected at level critical" in proc.stdout
    assert "/.claude/" in proc.stdout and "/.workspace/rules.yaml" in proc.stdout


# --- 2. the seed's validator -----------------------------------------------------------------------


def test_the_seed_validator_is_replaced_and_kept_out_of_commits(adopted: Path) -> None:
    assert "workspace-guard-managed" in (adopted / SHIM).read_text()
    assert (adopted / (SHIM + ".orig")).read_text() == SEED_VALIDATOR
    git(adopted, "add", ".workspace")
    assert git(adopted, "status", "--porcelain", "--", SHIM + ".orig") == ""
    assert git(adopted, "ls-files", SHIM + ".orig") == ""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    old = subprocess.run(
        [str(BIN / "python"), SHIM, "backend-framework-ai", "app/main.py"],
        cwd=adopted,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert old.returncode == 1 and "PUEDE PROCEDER" not in old.stdout


def test_rerunning_init_keeps_the_shim(adopted: Path) -> None:
    proc = run_cli(adopted, "init", "--from-mestore", ".", env={"WORKSPACE_GUARD_LANG": "en"})
    line = next(x for x in proc.stdout.splitlines() if x.strip().startswith(SHIM))
    assert line.split()[-3:] == ["up", "to", "date"]
    assert (adopted / (SHIM + ".orig")).read_text() == SEED_VALIDATOR


# --- 3. the main thread ----------------------------------------------------------------------------


def test_import_sets_a_main_agent_and_says_what_it_may_do(seed: Path) -> None:
    proc = adopt(seed)
    assert "harness:\n  main_agent: master-orchestrator" in (seed / RULES).read_text()
    assert "is a superuser, so the main thread may change every protected file" in proc.stdout


def test_lint_and_install_warn_without_a_main_agent(adopted: Path) -> None:
    rules = adopted / RULES
    rules.write_text(rules.read_text().replace("harness:\n  main_agent: master-orchestrator\n", ""))
    git(adopted, "add", RULES)
    assert commit(adopted, message("master-orchestrator", RULES)).returncode == 0
    english = {"WORKSPACE_GUARD_LANG": "en"}  # the adopted seed speaks Spanish
    lint = run_cli(adopted, "lint", env=english)
    assert "[harness-main-agent]" in lint.stdout and "even `ls`" in lint.stdout
    install = run_cli(adopted, "install", "--claude", env=english)
    assert install.returncode == 0 and "harness: main_agent" in install.stderr


def test_lint_reports_unprotected_protocol_files(adopted: Path) -> None:
    rules = adopted / RULES
    text = rules.read_text()
    cut = text.index("  # from workspace-guard defaults")
    rules.write_text(text[:cut] + text[text.index("responsibilities:") :])
    lint = run_cli(adopted, "lint")
    assert "[protocol-unprotected]" in lint.stdout
    assert ".workspace/rules.yaml" in lint.stdout.split("[protocol-unprotected]")[0]


def test_lint_before_the_first_commit_does_not_call_the_rules_file_unmatched(seed: Path) -> None:
    """`init` then `lint`, as `init`'s next steps say, before `git add`: the rule protecting the
    rules file is not reported as matching nothing (the file binds once it is committed)."""
    english = {"WORKSPACE_GUARD_LANG": "en"}
    assert run_cli(seed, "init", "--from-mestore", ".", env=english).returncode == 0
    assert git(seed, "ls-files", RULES) == ""
    lint = run_cli(seed, "lint", env=english)
    unmatched = [line for line in lint.stdout.splitlines() if "[matches-nothing]" in line]
    assert not any("rules.yaml'" in line for line in unmatched), lint.stdout
    assert "[protocol-unprotected]" not in lint.stdout


# --- 4. owners given in prose ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("alembic/env.py", "database-architect-ai"),
        ("frontend/src/components/auth/Login.tsx", "security-backend-ai"),
        ("tests/fixtures/users.json", "tdd-specialist"),
    ],
)
def test_owners_from_prose_are_allowed(adopted: Path, path: str, owner: str) -> None:
    proc = run_cli(adopted, "validate", owner, path, "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["results"][0]["reason"] == "owner"


# --- 5. language -----------------------------------------------------------------------------------


def test_a_spanish_protocol_gets_spanish_messages(adopted: Path) -> None:
    assert "\nlanguage: es\n" in (adopted / RULES).read_text()
    proc = run_cli(adopted, "validate", "backend-framework-ai", "app/main.py")
    assert "ACCESO DENEGADO" in proc.stdout


# --- 8. the hook's explanation is never cut --------------------------------------------------------


def test_the_claude_footer_explanation_is_whole(adopted: Path) -> None:
    (adopted / "README.md").write_text("changed\n")
    git(adopted, "add", "README.md")
    text = message("backend-framework-ai", "README.md") + CLAUDE_FOOTER
    proc = commit(adopted, text)
    assert proc.returncode == 1
    assert "[fields-outside-trailers]" in proc.stderr
    assert "more characters" not in proc.stderr
    assert "Co-Authored-By: Claude <noreply@anthropic.com>" in proc.stderr  # the fixed message


# --- install --claude: the files it writes into the protected `.claude/` ----------------------------


def test_the_files_install_writes_can_be_committed(adopted: Path) -> None:
    """`install --claude` writes `.claude/settings.json`, which the adoption protects, and turns
    on requireProvenance: the commit the install asks for must still go through, as the agent
    install names, and no other agent may claim those bytes."""
    proc = run_cli(adopted, "install", "--claude", env={"WORKSPACE_GUARD_LANG": "en"})
    assert proc.returncode == 0, proc.stderr
    said = next(
        line for line in proc.stdout.splitlines() if "settings.json" in line and "protected" in line
    )
    assert "on the provenance record as written by install for master-orchestrator" in said
    assert "commit it with `Agente: master-orchestrator`" in said
    assert git(adopted, "config", "workspace-guard.requireProvenance").strip() == "true"
    git(adopted, "add", ".claude/settings.json", ".mcp.json", ".workspace/bin")
    text = message("backend-framework-ai", ".claude/settings.json").replace(
        "feat(api)", "chore(ws)"
    )
    refused = commit(adopted, text)
    assert refused.returncode == 1 and "[provenance-" in refused.stderr, refused.stderr
    done = commit(adopted, text.replace("backend-framework-ai", "master-orchestrator"))
    assert done.returncode == 0, done.stderr
    assert git(adopted, "status", "--porcelain", "--", ".claude", ".mcp.json").strip() == ""
    shown = run_cli(adopted, "provenance", ".claude/settings.json", "--format", "json")
    assert "install" in shown.stdout and "master-orchestrator" in shown.stdout, shown.stdout


def test_install_records_only_what_it_wrote(adopted: Path) -> None:
    """A second install changes nothing and records nothing; an edit made by hand afterwards is
    not blessed by another install that leaves the file as it is."""
    assert run_cli(adopted, "install", "--claude").returncode == 0
    settings = adopted / ".claude" / "settings.json"
    settings.write_text(settings.read_text().replace("{", '{"model": "x", ', 1))
    again = run_cli(adopted, "install", "--claude", env={"WORKSPACE_GUARD_LANG": "en"})
    assert again.returncode == 0 and "provenance record" not in again.stdout, again.stdout
    git(adopted, "add", ".claude/settings.json")
    text = message("master-orchestrator", ".claude/settings.json").replace("feat(api)", "chore(ws)")
    refused = commit(adopted, text)
    assert refused.returncode == 1 and "[provenance-missing]" in refused.stderr, refused.stderr


# --- 11. small frictions ---------------------------------------------------------------------------


def test_audit_refuses_an_unknown_action(adopted: Path) -> None:
    proc = run_cli(adopted, "audit", "--action", "nonsense")
    assert proc.returncode == 2 and "--action 'nonsense'" in proc.stderr
    assert "blocked" in proc.stderr and "Traceback" not in proc.stderr
    assert run_cli(adopted, "audit", "--action", "blocked").returncode == 0


def test_map_to_a_file_says_where(adopted: Path) -> None:
    proc = run_cli(adopted, "map", "-o", "out/map.html")
    assert proc.returncode == 0
    assert "out/map.html" in proc.stderr and (adopted / "out" / "map.html").is_file()


def test_uninstall_harness_has_help() -> None:
    proc = run_cli(".", "uninstall", "--help")
    assert "Remove the hooks of these agent harnesses" in proc.stdout


# --- the real seed's documents ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEED_MIRROR.exists():
        pytest.skip(f"no copy of the seed repository at {SEED_MIRROR} (set WG_SEED_REPO)")
    repo = tmp_path_factory.mktemp("real-seed")
    archive = subprocess.run(
        ["git", f"--git-dir={_git_dir(SEED_MIRROR)}", "archive", "HEAD", ".workspace", ".claude"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed")
    adopt(repo)
    return repo


def _git_dir(path: Path) -> Path:
    return path / ".git" if (path / ".git").exists() else path


@pytest.mark.parametrize(
    ("agent", "path", "code"),
    [
        ("database-architect-ai", "alembic/versions/001.py", 0),
        ("security-backend-ai", "app/api/v1/endpoints/auth.py", 0),
        ("tdd-specialist", "tests/fixtures/users.json", 0),
        ("backend-framework-ai", RULES, 1),
        ("backend-framework-ai", ".claude/settings.json", 1),
        ("backend-framework-ai", ".workspace/PROTECTED_FILES.md", 1),
        ("security-backend-ai", SHIM, 1),
    ],
)
def test_real_seed(real_seed: Path, agent: str, path: str, code: int) -> None:
    assert run_cli(real_seed, "validate", agent, path).returncode == code


def test_real_seed_settings(real_seed: Path) -> None:
    text = (real_seed / RULES).read_text()
    assert "main_agent: master-orchestrator" in text and "\nlanguage: es\n" in text
    assert "PUEDE PROCEDER" not in (real_seed / SHIM).read_text()

"""Under `language: es` nothing a user reads stays English (issue 15): usage errors (click's and
the fast parser's), `lint`'s findings, the hook lines of `init` and `install`, the importers'
findings. Each runs as a real process; the output is searched for English *sentences* (words that
only English uses, outside code, quotes, paths, metavariables and the protocol's own words), not
only for the catalogue entries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, EXAMPLE_RULES, git, make_workspace, run_cli
from helpers.repos import run_typed

SEED_FIXTURE = Path(__file__).parent / "fixtures" / "mestore" / "workspace"
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "WORKSPACE_GUARD_LANG")

# words only English uses (Spanish shares "no", "a", "error", "info", "commit", "hook")
ENGLISH = frozenset(
    [
        "the",
        "is",
        "are",
        "and",
        "of",
        "with",
        "for",
        "from",
        "this",
        "that",
        "these",
        "it",
        "its",
        "be",
        "by",
        "at",
        "which",
        "was",
        "has",
        "have",
        "would",
        "could",
        "already",
        "installed",
        "written",
        "usage",
        "try",
        "missing",
        "such",
        "option",
        "options",
        "command",
        "argument",
        "invalid",
        "value",
        "one",
        "help",
        "rules",
        "read",
        "upstream",
        "yet",
        "after",
        "again",
        "your",
        "you",
        "only",
        "any",
        "every",
        "file",
        "files",
        "warning",
        "warnings",
        "matches",
        "nothing",
        "never",
        "decides",
        "pattern",
        "agent",
        "agents",
        "owns",
        "office",
        "not",
        "but",
        "there",
        "here",
        "when",
        "where",
        "what",
        "how",
        "said",
        "see",
        "should",
        "must",
        "may",
        "set",
        "unset",
        "give",
        "gives",
        "given",
        "none",
        "recorded",
        "record",
        "problems",
        "problem",
    ]
)
CODE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\[[a-z0-9-]+\]")


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    return {**env, "LANG": "C.UTF-8", **values}


def english_lines(text: str) -> list[str]:
    """The lines of `text` that read as English prose."""
    found = []
    for line in text.splitlines():
        prose = CODE.sub(" ", line)
        words = [
            w
            for w in re.split(r"\s+", prose)
            if w and not re.search(r"[/._=@\d|]|^[-[]|[a-z]-[a-z]", w) and not w.isupper()
        ]
        english = [w for w in (re.sub(r"\W", "", x).lower() for x in words) if w in ENGLISH]
        if english:
            found.append(f"{line!r}: {english}")
    return found


def assert_spanish(proc_output: str, what: str) -> None:
    assert "\n" in proc_output or proc_output.strip(), f"{what}: no output"
    lines = english_lines(proc_output)
    assert not lines, f"{what} shows English under language: es:\n" + "\n".join(lines)


def test_the_detector_finds_english() -> None:
    assert english_lines("Try 'x --help' for help.")
    assert english_lines(".git/hooks/commit-msg: already installed")
    assert english_lines("warning: pattern 'x' matches no tracked file [matches-nothing]")
    assert not english_lines("Prueba 'x --help' para ver la ayuda.")
    assert not english_lines("Agente: backend-framework-ai · Protocolo: SEGUIDO `the file`")


@pytest.fixture(scope="module")
def spanish_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace with `language: es` committed."""
    root = tmp_path_factory.mktemp("es")
    return make_workspace(root / "ws", EXAMPLE_RULES.read_text() + "\nlanguage: es\n")


USAGE_ERRORS = [
    ["lint", "--bogus"],
    ["explain"],
    ["nosuch"],
    ["lint", "--format", "xx"],
    ["install", "--server"],
    ["lint", "extra"],
    ["check-commits", "--base"],
    ["validate", "a", "b", "--format", "x"],
    ["validate", "--nope"],
    ["check-commits"],
    ["check-commits", "HEAD~1..HEAD", "HEAD"],
    ["hook", "commit-msg"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=[" ".join(a) for a in USAGE_ERRORS])
def test_usage_errors_in_spanish(spanish_ws: Path, args: list[str]) -> None:
    proc = run_cli(spanish_ws, *args, env=clean_env())
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip()
    assert_spanish(proc.stderr, " ".join(args))
    english = run_cli(spanish_ws, *args, env=clean_env(WORKSPACE_GUARD_LANG="en"))
    assert english_lines(english.stderr), english.stderr  # the same words exist in English


def test_unknown_hook_in_spanish(spanish_ws: Path) -> None:
    proc = run_cli(spanish_ws, "hook", "nosuch", env=clean_env())
    assert proc.returncode == 2, proc.stderr
    assert "hook desconocido 'nosuch'" in proc.stderr and "hooks disponibles:" in proc.stderr
    assert_spanish(proc.stderr, "hook nosuch")
    english = run_cli(spanish_ws, "hook", "nosuch", env=clean_env(WORKSPACE_GUARD_LANG="en"))
    assert "unknown hook 'nosuch'" in english.stderr


def test_validator_usage_error_in_spanish(spanish_ws: Path) -> None:
    proc = run_cli(spanish_ws, "--bogus", env=clean_env(), prog="agent_workspace_validator")
    assert proc.returncode == 2
    assert "opción desconocida --bogus" in proc.stderr
    assert_spanish(proc.stderr, "agent_workspace_validator --bogus")


@pytest.fixture(scope="module")
def adopted_es(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The seed fixture adopted with `init --from-mestore .` (the import sets `language: es`);
    returns the repository and init's whole output."""
    repo = tmp_path_factory.mktemp("seed") / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    (repo / ".claude" / "agents").mkdir(parents=True, exist_ok=True)
    (repo / "app").mkdir()
    (repo / "app" / "main.py").write_text("app = None\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed")
    proc = run_cli(repo, "init", "--from-mestore", ".", env=clean_env())
    assert proc.returncode == 0, proc.stderr
    return repo, proc.stdout + proc.stderr


def test_init_from_mestore_in_spanish(adopted_es: tuple[Path, str]) -> None:
    _repo, out = adopted_es
    assert "instalado" in out and "aviso:" in out
    assert_spanish(out, "init --from-mestore .")


@pytest.mark.parametrize(
    "args",
    [["lint"], ["install"], ["install", "--claude"], ["uninstall", "--claude"]],
    ids=["lint", "install", "install --claude", "uninstall --claude"],
)
def test_commands_after_adoption_in_spanish(adopted_es: tuple[Path, str], args: list[str]) -> None:
    repo, _out = adopted_es
    proc = run_cli(repo, *args, env=clean_env())
    assert proc.returncode in (0, 1), proc.stderr
    assert_spanish(proc.stdout + proc.stderr, " ".join(args))
    english = run_cli(repo, *args, env=clean_env(WORKSPACE_GUARD_LANG="en"))
    assert english_lines(english.stdout + english.stderr)


RARE_PROTECTED = """
#### Raros
```
❌ app/foo bar.py
❌ https://example.com/x
❌ ../fuera.py
texto suelto sin marca
```
"""
RARE_RESPONSIBLE = """
### 🚨 MÁS ARCHIVOS

| Archivo | Agente Responsable | Backup Agent | Escalación |
|---------|-------------------|--------------|------------|
| `app/x.py` | **NoEsAgente** | | |
| `app/y.py` | solo dos |
| `con espacios aquí.py` | **tdd-specialist** | | |
"""


def test_the_importers_rarer_findings_in_spanish(tmp_path: Path) -> None:
    """Lines the importer skips or doubts, in a Spanish protocol: every finding in Spanish."""
    repo = tmp_path / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    workspace = repo / ".workspace"
    for name, extra in (
        ("PROTECTED_FILES.md", RARE_PROTECTED),
        ("RESPONSIBLE_AGENTS.md", RARE_RESPONSIBLE),
    ):
        (workspace / name).write_text((workspace / name).read_text() + extra)
    (repo / ".claude" / "agents" / "sin-nombre.md").write_text("Un agente sin frontmatter.\n")
    (workspace / "project" / "app").mkdir(parents=True, exist_ok=True)
    (workspace / "project" / "app" / "raro.py.md").write_text(
        "# METADATOS: app/raro.py\n\n## 🔒 ESTADO: INVENTADO\n"
    )
    git(repo, "init", "-q", "-b", "main")
    proc = run_cli(repo, "import", "mestore", ".", env=clean_env())
    assert proc.returncode in (0, 1), proc.stderr
    findings = proc.stderr
    for spanish in ("se omite", "contiene espacios", "es una URL", "estado desconocido"):
        assert spanish in findings, findings
    assert "valores por defecto de workspace-guard" in findings
    assert_spanish(findings, "import mestore .")
    proc = run_cli(repo, "init", "--from-mestore", ".", env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert "se omite" in proc.stderr
    assert_spanish(proc.stdout + proc.stderr, "init --from-mestore . (rare findings)")


CODEOWNERS = """\
* @acme/owners
!/negated @x
/docs/[ab].md @acme/docs
/app/ not-an-owner
/app/ @acme/app
[Optional section]
/optional/ @acme/opt
^[Optional too][2] @acme/two
/more/ @acme/more
"""


def test_the_codeowners_import_in_spanish(spanish_ws: Path) -> None:
    (spanish_ws / "CODEOWNERS").write_text(CODEOWNERS)
    proc = run_cli(spanish_ws, "import", "codeowners", "CODEOWNERS", env=clean_env())
    assert proc.returncode in (0, 1), proc.stderr
    assert "se omite" in proc.stderr and "negación" in proc.stderr, proc.stderr
    assert_spanish(proc.stderr, "import codeowners")
    english = run_cli(
        spanish_ws, "import", "codeowners", "CODEOWNERS", env=clean_env(WORKSPACE_GUARD_LANG="en")
    )
    assert "negation is not supported" in english.stderr


def test_the_adoption_commit_warns_in_spanish(tmp_path: Path) -> None:
    """The commit that adopts the rules: the hooks say where the rules were read from (the
    working-tree copy, once) in the language of those rules."""
    repo = tmp_path / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed")
    assert run_cli(repo, "init", "--from-mestore", ".", env=clean_env()).returncode == 0
    git(repo, "add", ".workspace")
    trailers = (
        "Workspace-Check: ✅ Consultado\nArchivo: .workspace/rules.yaml\n"
        "Agente: master-orchestrator\nProtocolo: SEGUIDO\nTests: PASSED\n"
    )
    env = {**clean_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["git", "commit", "-q", "-F", "-"],
        cwd=repo,
        input=f"chore(workspace): adopt the protocol\n\n{trailers}",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("no está en el commit HEAD") == 1, proc.stderr
    assert_spanish(proc.stderr, "the adoption commit")


# --- doctor ---------------------------------------------------------------------------------------


def _broken_spanish_ws(root: Path) -> Path:
    """A `language: es` workspace where many layers are off: a stale harness command, a corrupt
    claims file, a shared repository without our pre-receive hook, a worktree with no hooks."""
    ws = make_workspace(root / "ws", EXAMPLE_RULES.read_text() + "\nlanguage: es\n")
    assert run_cli(ws, "install", "--claude", env=clean_env()).returncode == 0
    git(ws, "add", "-A")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: harness")
    settings = ws / ".claude" / "settings.json"
    data = json.loads(settings.read_text())
    for groups in data["hooks"].values():
        for group in groups:
            for item in group["hooks"]:
                item["command"] = "/old/venv/bin/workspace-guard hook claude"
    settings.write_text(json.dumps(data))
    state = ws / ".git" / "workspace-guard"
    state.mkdir(exist_ok=True)
    (state / "claims.json").write_text("{broken")
    bare = root / "shared.git"
    git(root, "init", "-q", "--bare", str(bare))
    git(ws, "remote", "add", "origin", str(bare))
    other = root / "wt2"
    git(ws, "worktree", "add", "-q", str(other), "-b", "wt2")
    git(ws, "config", "extensions.worktreeConfig", "true")
    git(other, "config", "--worktree", "core.hooksPath", str(root / "agent-hooks"))
    return ws


def test_doctor_in_spanish(tmp_path: Path) -> None:
    ws = _broken_spanish_ws(tmp_path)
    proc = run_cli(ws, "doctor", env=clean_env())
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    for layer in ("reglas", "reservas", "commit", "harness", "push"):
        assert f"{layer}:" in out, out
    assert "corrección:" in out and "desfasado" in out
    assert_spanish(out, "doctor")
    english = run_cli(ws, "doctor", env=clean_env(WORKSPACE_GUARD_LANG="en"))
    assert english_lines(english.stdout), english.stdout
    # the JSON keeps its keys and layer names (identifiers), whatever the language
    data = json.loads(run_cli(ws, "doctor", "--format", "json", env=clean_env()).stdout)
    assert set(data) == {"ok", "checks"}
    keys = {"layer", "ok", "skipped", "detail", "fix", "fixed", "where"}
    assert all(set(c) == keys for c in data["checks"])
    assert {c["layer"] for c in data["checks"] if not c["ok"]} == {
        "claims",
        "commit",
        "harness",
        "push",
    }
    session = {"session_id": "s", "cwd": str(ws), "hook_event_name": "SessionStart"}
    hook = run_cli(ws, "hook", "claude", input=json.dumps(session).encode(), env=clean_env())
    assert hook.returncode == 0, hook.stderr
    told = json.loads(hook.stdout)
    assert told["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert "capas de protección" in told["systemMessage"]
    assert_spanish(told["hookSpecificOutput"]["additionalContext"], "SessionStart")
    assert_spanish(told["systemMessage"], "SessionStart")
    fixed = run_cli(ws, "doctor", "--fix", env=clean_env())
    assert "corregido:" in fixed.stdout, fixed.stdout
    assert_spanish(fixed.stdout + fixed.stderr, "doctor --fix")


# --- the standard locale variables, no `language:` in the rules (issue 15) -----------------------

LOCALES = {
    "LANG": {"LANG": "es_ES.UTF-8"},
    "LC_ALL": {"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"},
    "LANGUAGE": {"LANGUAGE": "es:en", "LANG": "en_US.UTF-8"},
}
PROTECTED = "app/core/config.py"  # critical in the example rules
# (command, exit codes a user sees in the walk); run in this order on one workspace
ADOPTION_WALK: list[tuple[list[str], tuple[int, ...]]] = [
    (["lint"], (0, 1)),
    (["install"], (0,)),
    (["install", "--claude"], (0,)),
    (["install", "--harness", "codex"], (0,)),
    (["install", "--harness", "gemini"], (0,)),
    (["install", "--harness", "codex", "--check"], (0, 1)),
    (["install", "--harness", "gemini", "--check"], (0, 1)),
    (["explain", PROTECTED], (0,)),
    (["explain", "app/models/order.py", "--format", "text"], (0, 2)),
    (["claim", "app/models/order.py", "--agent", "backend-framework-ai"], (0,)),
    (["claim", "app/models/order.py", "--agent", "api-architect-ai"], (1,)),
    (["claims"], (0,)),
    (["release", "--all", "--agent", "backend-framework-ai"], (0,)),
    (["consult", PROTECTED, "--agent", "backend-framework-ai"], (0, 1)),
    (["consult", "app/models/order.py", "--agent", "backend-framework-ai"], (0, 1, 2)),
    (["map", "-o", "map.html"], (0,)),
    (["doctor"], (0, 1)),
    (["uninstall", "--harness", "codex"], (0,)),
]


def _no_rules_text(text: str) -> str:
    """`text` without the rules file's own words (an area's name, a description): the
    project's data, shown in the language it was written in."""
    import yaml

    values: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and " " in node:
            values.append(node)

    walk(yaml.safe_load(EXAMPLE_RULES.read_text()))
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


@pytest.fixture(scope="module")
def plain_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace, committed, with no `language:`: the locale alone decides."""
    return make_workspace(tmp_path_factory.mktemp("locale") / "ws")


@pytest.mark.parametrize("variable", list(LOCALES))
def test_the_adoption_walk_speaks_the_locale(plain_ws: Path, variable: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LOCALES[variable])
    env["CODEX_HOME"] = str(plain_ws.parent / "codex-home")
    english = []  # every command's English lines, so one run shows them all
    for args, codes in ADOPTION_WALK:
        if args[0] in ("claim", "release", "consult"):  # a person typing (commands/speaker)
            proc = run_typed([str(BIN / "workspace-guard"), *args], plain_ws, base=env)
        else:
            proc = run_cli(plain_ws, *args, env=env)
        what = f"{variable}: {' '.join(args)}"
        assert proc.returncode in codes, f"{what}: {proc.returncode}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr, proc.stderr
        assert (proc.stdout + proc.stderr).strip(), f"{what}: no output"
        english += [f"{what}: {line}" for line in english_lines(_no_rules_text(proc.stdout))]
        english += [f"{what}: {line}" for line in english_lines(proc.stderr)]
    assert not english, "English under a Spanish locale:\n" + "\n".join(english)


def test_codex_and_gemini_trust_steps_in_spanish(plain_ws: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LANG="es_ES.UTF-8", CODEX_HOME=str(plain_ws.parent / "codex-home"))
    codex = run_cli(plain_ws, "install", "--harness", "codex", env=env)
    assert "siguiente paso:" in codex.stdout and "trust_level" in codex.stdout, codex.stdout
    gemini = run_cli(plain_ws, "install", "--harness", "gemini", env=env)
    assert "siguiente paso:" in gemini.stdout and "confianza" in gemini.stdout, gemini.stdout
    env["WORKSPACE_GUARD_LANG"] = "en"
    english = run_cli(plain_ws, "install", "--harness", "codex", env=env)
    assert "next step: Codex runs project hooks" in english.stdout


@pytest.mark.parametrize("variable", list(LOCALES))
def test_init_from_mestore_speaks_the_locale(tmp_path: Path, variable: str) -> None:
    repo = tmp_path / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed")
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LOCALES[variable])
    proc = run_cli(repo, "init", "--from-mestore", ".", env=env)
    assert proc.returncode == 0, proc.stderr
    assert_spanish(proc.stdout + proc.stderr, f"{variable}: init --from-mestore .")


BROKEN_RULES = """\
version: 1
escalation: master-orchestrator
agents:
  master-orchestrator: {}
  backend-framework-ai: {}
protected:
  - pattern: app/x.py
    owner: nobody-ai
    level: urgent
    colour: red
  - owner: backend-framework-ai
respnsibilities: []
protected: []
"""


@pytest.mark.parametrize("variable", list(LOCALES))
def test_a_broken_rules_file_is_explained_in_the_locale(tmp_path: Path, variable: str) -> None:
    """`lint` (and every command that loads the rules) says what is wrong in Spanish."""
    ws = make_workspace(tmp_path / "ws")
    (ws / ".workspace" / "rules.yaml").write_text(BROKEN_RULES)
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LOCALES[variable])
    proc = run_cli(ws, "lint", env=env)
    assert proc.returncode in (1, 2), proc.stderr
    out = proc.stdout + proc.stderr
    for spanish in ("clave repetida", "clave desconocida", "agente desconocido", "el nivel"):
        assert spanish in out, out
    assert_spanish(out, f"{variable}: lint (broken rules)")
    tabbed = ws / ".workspace" / "rules.yaml"
    tabbed.write_text("version: 1\nagents:\n\tx: {}\n")
    proc = run_cli(ws, "lint", env=env)
    assert "tabuladores" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert_spanish(proc.stdout + proc.stderr, f"{variable}: lint (tabs)")


@pytest.mark.parametrize("variable", list(LOCALES))
def test_install_errors_speak_the_locale(tmp_path: Path, variable: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / ".codex").mkdir(exist_ok=True)
    (ws / ".codex" / "hooks.json").write_text("{broken")
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LOCALES[variable])
    for args in (
        ["install", "--harness", "codex"],
        ["install", "--server", str(tmp_path / "nowhere")],
        ["install", "--server", str(ws)],
    ):
        proc = run_cli(ws, *args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert_spanish(proc.stderr, f"{variable}: {' '.join(args)}")

"""Under a Spanish locale the rarer errors speak Spanish too (issue 15, item 5): the rules file's
less common load errors (agents, offices, `harness:`, `watch:`, `version:`, `language:`),
every pattern reason, and the command-line errors a user can trigger. Each case runs the real
CLI; the output is searched with the English-sentence detector of test_i18n_adoption."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli
from test_i18n_adoption import LOCALE_VARS, english_lines

SPANISH = {"LANG": "es_ES.UTF-8"}


def spanish_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    return {**env, **SPANISH, **extra}


def english_env() -> dict[str, str]:
    return spanish_env(WORKSPACE_GUARD_LANG="en")


RARE_RULES = """\
version: 1
escalation: master-orchestrator
agents:
  master-orchestrator: {}
  bad name: {}
  backend-framework-ai:
    office: "app/*"
    department: 3
    colour: x
  api-ai:
    office: "../up"
protected:
  - pattern: "app/**x"
    owner: backend-framework-ai
responsibilities:
  - area: x
harness:
  main_agent: nobody-ai
  unknown_agent: maybe
  escalate_after: 0
  escalate_window: forever
  require_provenance: 3
watch:
  rescan_interval: -1
  restore: maybe
  ignore: 3
language: fr
"""

# one rules file per pattern reason (the loader stops at nothing: each is its own rule)
BAD_PATTERNS = [  # (an empty or blank pattern is refused earlier, as an empty string)
    '"a\\tb"',
    "' x'",
    "'x\\'",
    "'x '",
    "'/'",
    "'a/./b'",
    "'a/***'",
    "'app/**x'",
    "'a//b'",
    "'a\\/b'",
]


@pytest.mark.parametrize("variable", ["LANG", "LC_ALL", "LANGUAGE"])
def test_rare_load_errors_in_spanish(tmp_path: Path, variable: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / ".workspace" / "rules.yaml").write_text(RARE_RULES)
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update({"LANG": "en_US.UTF-8", variable: "es" if variable == "LANGUAGE" else "es_ES.UTF-8"})
    proc = run_cli(ws, "lint", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2), out
    for spanish in (
        "agente backend-framework-ai",
        "fuera del repositorio",
        "debe ser",
        "valor no válido",
    ):
        assert spanish in out, out
    assert not english_lines(out), "\n".join(english_lines(out))
    english = run_cli(ws, "lint", env=english_env())
    assert "agent backend-framework-ai: office must be" in english.stdout + english.stderr
    assert english_lines(english.stdout + english.stderr)


@pytest.mark.parametrize("pattern", BAD_PATTERNS)
def test_pattern_reasons_in_spanish(tmp_path: Path, pattern: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    rules = ws / ".workspace" / "rules.yaml"
    rules.write_text(
        "version: 1\nescalation: a-ai\nagents:\n  a-ai: {}\n"
        f"protected:\n  - pattern: {pattern}\n    owner: a-ai\n"
    )
    proc = run_cli(ws, "lint", env=spanish_env())
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2) and "patrón" in out, out
    assert not english_lines(out), "\n".join(english_lines(out))
    english = run_cli(ws, "lint", env=english_env())
    assert "bad pattern" in english.stdout + english.stderr


def test_an_unknown_audit_action_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    proc = run_cli(ws, "audit", "--action", "nonsense", env=spanish_env())
    assert proc.returncode == 2, proc.stderr
    assert "no es una acción" in proc.stderr, proc.stderr
    assert not english_lines(proc.stderr), "\n".join(english_lines(proc.stderr))
    english = run_cli(ws, "audit", "--action", "nonsense", env=english_env())
    assert "is not an action of the audit log" in english.stderr


# command-line errors already in Spanish: kept so (the sweep of issue 15, item 5)
CLI_ERRORS = [
    ["validate", "nosuch-ai", "app/main.py"],
    ["validate", "backend-framework-ai", "../outside.py"],
    ["explain", "../x"],
    ["consult", "app/core/config.py", "--agent", "nosuch-ai"],
    ["claim", "app/main.py", "--agent", "backend-framework-ai", "--ttl", "0"],
    ["claim", "app/main.py", "--agent", "backend-framework-ai", "--ttl", "NaN"],
    ["claim", "app/main.py", "--agent", "backend-framework-ai", "--ttl", "-1"],
    ["release", "app/main.py", "--agent", "nosuch-ai"],
    ["provenance", "../x"],
    ["approve", "nosuch", "a"],
    ["map", "--since", "2026-13-45"],
    ["audit", "--since", "xx"],
]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("errors") / "ws")


@pytest.mark.parametrize("args", CLI_ERRORS, ids=[" ".join(a) for a in CLI_ERRORS])
def test_cli_errors_in_spanish(plain: Path, args: list[str]) -> None:
    proc = run_cli(plain, *args, env=spanish_env())
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip()
    assert not english_lines(proc.stderr), "\n".join(english_lines(proc.stderr))

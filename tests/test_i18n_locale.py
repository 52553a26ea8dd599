"""The language from the standard locale variables (issue 15 item 5): LC_ALL > LC_MESSAGES > LANG,
LANGUAGE as a preference list, under WORKSPACE_GUARD_LANG and the rules' `language:`; `--help`,
`init` and `explain` in Spanish. Real processes with real environments."""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

import click
import pytest
from conftest import EXAMPLE_RULES, git, make_workspace, run_cli
from helpers.catalogue import po_messages

from workspace_guard import i18n
from workspace_guard.cli import cli
from workspace_guard.cli.localized import shorten, workspace_language

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "workspace_guard" / "locale" / "es" / "LC_MESSAGES" / "workspace_guard.po"
SEED_FIXTURE = Path(__file__).parent / "fixtures" / "mestore" / "workspace"
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "WORKSPACE_GUARD_LANG")


def clean_env(**values: str) -> dict[str, str]:
    """The test environment with exactly `values` as its language variables."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    return {**env, **values}


# --- the standard variables, as GNU gettext reads them --------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"LANG": "es_ES.UTF-8"}, "es"),
        ({"LANG": "es_MX"}, "es"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({"LANG": "fr_FR.UTF-8"}, None),  # no French catalogue: English
        ({"LC_MESSAGES": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "es_ES", "LANG": "es_ES"}, "en"),
        ({"LC_ALL": "C", "LANG": "es_ES.UTF-8"}, None),  # LC_ALL wins, even as C
        ({"LC_ALL": "", "LANG": "es_ES.UTF-8"}, "es"),  # set but empty counts as unset
        ({"LANGUAGE": "es:en", "LANG": "en_US.UTF-8"}, "es"),
        ({"LANGUAGE": "fr:pt_BR:es_ES", "LANG": "en_US.UTF-8"}, "es"),  # first supported
        ({"LANGUAGE": "en:es", "LANG": "es_ES.UTF-8"}, "en"),  # an English preference is one
        ({"LANGUAGE": "fr", "LANG": "es_ES.UTF-8"}, "es"),  # nothing usable: the locale
        ({"LANGUAGE": "es", "LANG": "C.UTF-8"}, None),  # ignored under C, as gettext does
        ({"LANGUAGE": "es"}, None),  # no locale at all is C
        ({"LANGUAGE": "::", "LANG": "es_ES"}, "es"),
    ],
)
def test_from_locale(env: dict[str, str], expected: str | None) -> None:
    assert i18n.from_locale(env) == expected


def test_precedence_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """WORKSPACE_GUARD_LANG > the rules' `language:` > the locale > English."""
    for key in LOCALE_VARS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    i18n.set_language(None)
    assert i18n.language() == "es"
    i18n.set_language("en")
    assert i18n.language() == "en"  # the project's choice beats the machine's default
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.set_language("es")
    assert i18n.language() == "es"
    monkeypatch.setenv(i18n.LANG_ENV, "en")
    i18n.set_language("es")
    assert i18n.language() == "en"
    monkeypatch.delenv(i18n.LANG_ENV)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    assert i18n.language() == "en"


# --- the validator in real processes ---------------------------------------------------------------


def rules_with(language: str | None) -> str:
    text = EXAMPLE_RULES.read_text()
    return text + f"\nlanguage: {language}\n" if language else text


@pytest.mark.parametrize(
    ("language", "env", "spanish"),
    [
        (None, {"LANG": "es_ES.UTF-8"}, True),
        (None, {"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, True),
        (None, {"LC_ALL": "C.UTF-8", "LANG": "es_ES.UTF-8"}, False),
        (None, {"LC_MESSAGES": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, True),
        (None, {"LANGUAGE": "es:en", "LANG": "en_US.UTF-8"}, True),
        (None, {"LANGUAGE": "es", "LANG": "C.UTF-8"}, False),
        (None, {"LANG": "es_ES.UTF-8", "WORKSPACE_GUARD_LANG": "en"}, False),
        ("es", {"LANG": "en_US.UTF-8"}, True),  # the rules beat the machine's locale
        ("en", {"LANG": "es_ES.UTF-8"}, False),
        ("es", {"LANG": "es_ES.UTF-8", "WORKSPACE_GUARD_LANG": "en"}, False),
    ],
)
def test_validator_speaks_the_locale(
    tmp_path: Path, language: str | None, env: dict[str, str], spanish: bool
) -> None:
    repo = make_workspace(tmp_path / "ws", rules_with(language))
    proc = run_cli(
        repo,
        "backend-framework-ai",
        "app/main.py",
        env=clean_env(**env),
        prog="agent_workspace_validator",
    )
    assert proc.returncode == 1, proc.stderr
    if spanish:
        assert "❌ ACCESO DENEGADO   app/main.py" in proc.stdout
        assert "Siguiente paso" in proc.stdout
    else:
        assert "❌ DENIED   app/main.py" in proc.stdout and "ACCESO" not in proc.stdout


def test_usage_errors_follow_the_locale_before_any_rules(tmp_path: Path) -> None:
    """Outside a repository nothing but the environment can decide."""
    proc = run_cli(tmp_path, "init", env=clean_env(LANG="es_ES.UTF-8"))
    assert proc.returncode == 2
    assert "no está dentro de un repositorio git" in proc.stderr


# --- --help ---------------------------------------------------------------------------------------


def test_help_in_spanish_from_the_locale(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "--help", env=clean_env(LANG="es_ES.UTF-8"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Uso: workspace-guard")
    assert "Opciones:" in out and "Comandos:" in out
    assert "Muestra este mensaje y termina." in out
    assert "Prepara este repositorio" in out  # a command's one-line help, cut as click cuts it
    assert "Options:" not in out and "Set up this repository" not in out


@pytest.mark.parametrize(
    ("args", "prog", "expected"),
    [
        (["init", "--help"], "workspace-guard", "Importa las reglas de este workspace"),
        (["explain", "-h"], "workspace-guard", "Muestra qué regla decide cada PATH"),
        (["watch", "start", "--help"], "workspace-guard", "Arranca el daemon"),
        (["import", "mestore", "--help"], "workspace-guard", "Lee el workspace del protocolo"),
        (["--help"], "agent_workspace_validator", "Decide, antes de tocarlos"),
    ],
)
def test_command_help_in_spanish(tmp_path: Path, args: list[str], prog: str, expected: str) -> None:
    proc = run_cli(tmp_path, *args, env=clean_env(LANG="es_ES.UTF-8"), prog=prog)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    assert "Uso:" in proc.stdout and "Opciones:" in proc.stdout


def test_help_follows_the_workspace_language(tmp_path: Path) -> None:
    """In a workspace whose rules say `language: es`, help is Spanish with no variable set —
    from a subdirectory too — and WORKSPACE_GUARD_LANG=en still gives English."""
    repo = make_workspace(tmp_path / "ws", rules_with("es"))
    sub = repo / "app"
    proc = run_cli(sub, "init", "--help", env=clean_env(LANG="C.UTF-8"))
    assert "Prepara este repositorio" in proc.stdout
    proc = run_cli(sub, "init", "--help", env=clean_env(WORKSPACE_GUARD_LANG="en"))
    assert "Set up this repository" in proc.stdout
    proc = run_cli(tmp_path, "init", "--help", env=clean_env(LANG="C.UTF-8"))
    assert "Set up this repository" in proc.stdout


def test_workspace_language_stops_at_the_repository(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / ".workspace").mkdir(parents=True)
    (outer / ".workspace" / "rules.yaml").write_text("version: 1\nlanguage: 'es'\n")
    assert workspace_language(str(outer / "a" / "b")) == "es"
    inner = outer / "inner"
    (inner / ".git").mkdir(parents=True)
    assert workspace_language(str(inner)) is None  # another repository: not its rules


def help_texts() -> list[tuple[str, str]]:
    """Every text a help page shows, keyed as the catalogue is: (where, English)."""
    found: list[tuple[str, str]] = []

    def walk(command: click.Command, name: str, ctx: click.Context) -> None:
        if command.help:
            found.append((name, inspect.cleandoc(command.help).partition("\f")[0]))
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                found.append((f"{name} {param.name}", text))
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                child = command.get_command(ctx, sub)
                if child is not None:
                    walk(child, f"{name} {sub}", ctx)

    walk(cli, "workspace-guard", click.Context(cli))
    return found


def test_every_help_text_is_translated() -> None:
    """Fix the class: a new command or option without Spanish help fails here."""
    spanish = po_messages(PO.read_bytes())
    texts = help_texts()
    assert len(texts) > 80
    missing = [f"{where}: {text!r}" for where, text in texts if text not in spanish]
    click_words = ["Usage: ", "Options", "Commands", "Show this message and exit."]
    missing += [repr(word) for word in click_words if word not in spanish]
    assert not missing, f"add Spanish for these help texts to {PO}:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short one.", 45, "Short one."),
        ("First sentence. Second one.", 45, "First sentence."),
        ("A b c d e f g h i j k l m n o p.", 12, "A b c d e..."),
        ("One.\n\nTwo.", 45, "One."),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected


# --- init and explain -----------------------------------------------------------------------------


def test_a_spanish_seed_is_adopted_in_spanish(tmp_path: Path) -> None:
    """The seed's documents are Spanish: the import sets `language: es`, says so, and init,
    explain and help speak Spanish from then on — whatever LANG the machine has."""
    repo = tmp_path / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    env = clean_env(LANG="en_US.UTF-8")
    proc = run_cli(repo, "init", "--from-mestore", ".", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "language: es" in (repo / ".workspace" / "rules.yaml").read_text()
    out = proc.stdout
    assert out.startswith("workspace-guard init en ")
    assert "el protocolo está escrito en español: se fija `language: es`" in out
    assert "los archivos propios del protocolo quedan protegidos" in out
    assert "Siguientes pasos:" in out and "Next steps" not in out
    explain = run_cli(repo, "explain", "--rules", ".workspace/rules.yaml", ".workspace/rules.yaml")
    assert "escalación:" in explain.stdout and "regla:" in explain.stdout, explain.stderr
    english = run_cli(
        repo,
        "explain",
        "--rules",
        ".workspace/rules.yaml",
        "x",
        env=clean_env(WORKSPACE_GUARD_LANG="en"),
    )
    assert "escalation:" in english.stdout


def test_init_language_en_keeps_english(tmp_path: Path) -> None:
    repo = tmp_path / "seed"
    shutil.copytree(SEED_FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    proc = run_cli(repo, "init", "--from-mestore", ".", "--language", "en", env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert "language: en" in (repo / ".workspace" / "rules.yaml").read_text()
    assert "Next steps:" in proc.stdout and "Siguientes" not in proc.stdout


def test_explain_labels_in_spanish(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", rules_with("es"))
    proc = run_cli(repo, "explain", "app/main.py", "README.md")
    assert proc.returncode == 0, proc.stderr
    assert "  regla:       `/app/main.py`" in proc.stdout
    assert "  responsable: system-architect-ai · respaldos: solution-architect-ai" in proc.stdout
    assert "ninguna — no protegido" in proc.stdout


def test_the_import_leaves_the_process_language_alone(tmp_path: Path) -> None:
    """The notes of a Spanish import are Spanish; the process speaks as before afterwards."""
    from workspace_guard.adopt.mestore import import_mestore

    assert i18n.language() == "en"
    result = import_mestore(SEED_FIXTURE)
    assert result.data["language"] == "es"
    messages = [f.message for f in result.findings]
    assert any(m.startswith("los archivos propios del protocolo") for m in messages), messages
    assert i18n.language() == "en" and not i18n.is_chosen()
    shown = "\n".join(str(f) for f in result.findings)
    assert "corresponsables backend-framework-ai, api-architect-ai" in shown
    assert "se conserva el más estricto" in shown  # written in the language of the rules
    assert "(other source: " in shown  # shown in the language of the process
    english = import_mestore(SEED_FIXTURE, "en")
    assert any(f.message.startswith("the protocol's own files") for f in english.findings)

"""The rest of what a user reads, under a Spanish locale (issue 15, item 5): git's and the
repository's errors, the system's reasons (`No such file or directory`), and each command area
that still spoke English. Every case runs the real CLI with LANG=es_ES.UTF-8 (or `language: es`)
and fails on an English sentence (the detectors of test_i18n_adoption / test_i18n_sweep), on a
traceback or on an exit code outside the contract; the same case with WORKSPACE_GUARD_LANG=en must
still read English, so the detector is known to see it."""

from __future__ import annotations

import ast
import errno
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, git, make_workspace
from test_i18n_adoption import LOCALE_VARS
from test_i18n_sweep import english
from test_map import browser, chromium  # noqa: F401 - fixtures

from workspace_guard import i18n

PACKAGE = Path(i18n.__file__).parent
PO = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "workspace_guard.po"


def env_for(lang: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env["LANG"] = "es_ES.UTF-8"
    if lang == "en":
        env["WORKSPACE_GUARD_LANG"] = "en"
    return {**env, **extra}


def run(
    cwd: Path,
    args: list[str],
    lang: str = "es",
    *,
    stdin: bytes = b"",
    **extra: str,
) -> tuple[int, str]:
    proc = subprocess.run(
        [str(BIN / "workspace-guard"), *args],
        cwd=cwd,
        env=env_for(lang, **extra),
        input=stdin,
        capture_output=True,
        check=False,
        timeout=120,
    )
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")


def both(
    cwd: Path,
    args: list[str],
    codes: tuple[int, ...],
    *,
    stdin: bytes = b"",
    en: str | None = None,
    **extra: str,
) -> str:
    """Run `args` in Spanish and in English: the Spanish output (asserted free of English), the
    English one asserted English (holding `en` when given, else by the detector)."""
    code, out = run(cwd, args, stdin=stdin, **extra)
    assert code in codes, out
    assert out.strip() and "Traceback" not in out, out
    assert not english(out), "English under LANG=es_ES.UTF-8:\n" + "\n".join(english(out))
    code, shown = run(cwd, args, "en", stdin=stdin, **extra)
    assert code in codes, shown
    assert (en in shown) if en is not None else english(shown), shown
    return out


# --- git.py, repo.py ------------------------------------------------------------------------------


def test_not_a_repository(tmp_path: Path) -> None:
    out = both(tmp_path, ["validate", "backend-framework-ai", "app/main.py"], (2,))
    assert "no es un repositorio git" in out and "git init" in out


def test_git_missing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    empty = tmp_path / "nobin"
    empty.mkdir()
    out = both(ws, ["lint"], (2,), PATH=str(empty))
    assert "git no está instalado" in out


def test_no_rules_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    out = both(repo, ["validate", "backend-framework-ai", "app/main.py"], (2,))
    assert "no hay archivo de reglas" in out and "--rules" in out


def test_bare_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "b.git")
    out = both(tmp_path / "b.git", ["validate", "backend-framework-ai", "app/main.py"], (2,))
    assert "repositorio bare" in out


def test_unreadable_rules_file_gives_the_reason_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["validate", "--rules", "nope.yaml", "backend-framework-ai", "app/x.py"], (2,))
    assert "No existe el archivo o el directorio" in out
    out = both(ws, ["lint", "--rules", "nope.yaml"], (2,))
    assert "No existe el archivo o el directorio" in out


def test_a_failing_git_command_in_spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workspace_guard import git as wg_git
    from workspace_guard.errors import GitError

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    ws = make_workspace(tmp_path / "ws")
    with i18n.speaking("es"), pytest.raises(GitError) as failed:
        wg_git.run(["rev-parse", "--verify", "nosuch"], str(ws))
    assert failed.value.message.startswith("`git rev-parse --verify nosuch` falló: ")
    with i18n.speaking("en"), pytest.raises(GitError) as failed:
        wg_git.run(["rev-parse", "--verify", "nosuch"], str(ws))
    assert failed.value.message.startswith("`git rev-parse --verify nosuch` failed: ")


def test_rules_not_at_head_read_from_git_in_any_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the rules are committed is read from what git prints on stdout, not from its
    message: under git's Spanish (LANGUAGE=es) an uncommitted rules file is still the working
    tree's, not a failure to read the repository."""
    from workspace_guard import git as wg_git

    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "commit", "-q", "--allow-empty", "-m", "x")
    monkeypatch.setenv("LANGUAGE", "es")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    info = wg_git.repo_info(str(repo), ".workspace/rules.yaml")
    assert info.head and info.rules_blob is None


@pytest.mark.parametrize(
    ("code", "spanish"),
    [
        (errno.ENOENT, "No existe el archivo o el directorio"),
        (errno.EACCES, "Permiso denegado"),
        (errno.EISDIR, "Es un directorio"),
        (errno.ENOTDIR, "No es un directorio"),
        (errno.EROFS, "Sistema de archivos de solo lectura"),
        (errno.EXDEV, "Enlace cruzado entre dispositivos no permitido"),
        (errno.EBUSY, "Dispositivo o recurso ocupado"),
        (errno.ENOTEMPTY, "El directorio no está vacío"),
        (errno.EMFILE, "Demasiados archivos abiertos"),
        (errno.ETXTBSY, "El archivo de texto está ocupado"),
    ],
)
def test_system_reasons(code: int, spanish: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    exc = OSError(code, os.strerror(code))
    with i18n.speaking("es"):
        assert i18n.strerror(exc) == spanish
    with i18n.speaking("en"):
        assert i18n.strerror(exc) == os.strerror(code)
    with i18n.speaking("es"):  # an error number no C library names keeps the text it came with
        assert i18n.strerror(OSError(100000, "Something odd")) == "Something odd"


def test_every_system_error_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each error this system's C library names reads in Spanish (not only the common ones)."""
    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    english_left = []
    for code in sorted(errno.errorcode):
        with i18n.speaking("es"):
            shown = i18n.strerror(OSError(code, os.strerror(code)))
        if shown == os.strerror(code):
            english_left.append(f"{errno.errorcode[code]}: {shown}")
    assert len(errno.errorcode) > 100 and not english_left, english_left


@pytest.mark.parametrize(
    ("data", "spanish", "python_said"),
    [
        (b"garbage", "se esperaba un valor: línea 1, columna 1 (carácter 0)", "Expecting value"),
        (b'{"a": 1,}', "se esperaba una clave entre comillas dobles: línea 1", "property name"),
        (b'{"a": 1} x', "hay más texto después del valor: línea 1, columna 10", "Extra data"),
        (b'{"a": "b', "una cadena no se cierra nunca: línea 1, columna 7", "Unterminated"),
        (b'{\n"a" 1}', "se esperaban unos `:`: línea 2, columna 5", "delimiter"),
        (b"\xff{", "no está en UTF-8 (byte 0)", "codec"),
    ],
)
def test_json_errors_in_our_words(
    data: bytes, spanish: str, python_said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's JSON parser explains itself in English whatever the locale: our reason is
    translated and keeps where the input went wrong."""
    import json

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    with pytest.raises(ValueError) as failed:
        json.loads(data)
    with i18n.speaking("es"):
        shown = i18n.json_reason(failed.value)
    assert shown.startswith(spanish) and python_said not in shown, shown
    with i18n.speaking("en"):
        assert "line" in i18n.json_reason(failed.value) or "UTF-8" in i18n.json_reason(failed.value)


def test_the_hook_says_why_its_input_is_not_json_in_spanish(hook_ws: Path) -> None:
    out = both(hook_ws, ["hook", "claude"], (0, 2), stdin=b'{"tool_name": "Edit",}')
    assert (
        "no es JSON válido (`se esperaba una clave entre comillas dobles: línea 1, columna 22"
        in out
    )
    assert "Expecting" not in out and "delimiter" not in out
    _code, shown = run(hook_ws, ["hook", "claude"], "en", stdin=b'{"tool_name": "Edit",}')
    assert "(a key in double quotes was expected: line 1, column 22 (character 21))" in shown


def test_a_claude_settings_file_that_is_not_json_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text('{"hooks": {}\n')
    out = both(ws, ["install", "--claude"], (2,))
    assert "no es JSON válido" in out and "línea 2, columna 1" in out, out
    assert "Expecting" not in out


def test_check_msg_of_a_message_that_is_not_utf8_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / "msg.txt").write_bytes(b"feat(api): caf\xe9\n")
    out = both(ws, ["parse-msg", "msg.txt"], (2,))
    assert "no se puede analizar msg.txt: " in out and "línea 1" in out, out


# --- validate --paths-from, provenance ------------------------------------------------------------


def test_paths_from_unreadable(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["validate", "backend-framework-ai", "--paths-from", "nope.txt"], (2,))
    assert "no se puede leer --paths-from nope.txt: No existe el archivo" in out
    out = both(ws, ["validate", "backend-framework-ai", "--paths-from", "app"], (2,))
    assert "Es un directorio" in out


def test_provenance_in_spanish(tmp_path: Path) -> None:
    from helpers.provenance import edit

    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["provenance"], (2,))
    assert "falta la ruta" in out
    out = both(ws, ["provenance", "app/main.py"], (0,))
    assert "ninguna escritura registrada" in out and "NO registrado" in out
    edit(ws, "app/main.py", "v1\n", "system-architect-ai")
    out = both(ws, ["provenance", "app/main.py", "--verify"], (0,))
    assert "escrito por system-architect-ai" in out and "vía claude Edit" in out
    assert "registro de procedencia intacto: 1 registro\n" in out  # one record: the singular
    ledger = ws / ".git" / "workspace-guard" / "ledger.jsonl"
    ledger.write_text(ledger.read_text().replace("system-architect-ai", "api-ai"))
    out = both(ws, ["provenance", "--verify"], (1,))
    assert "registro de procedencia alterado" in out


# --- approvals, consult, consultations ------------------------------------------------------------


def tty(ws: Path, *args: str) -> str:
    from helpers.repos import run_tty

    blank = {key: "" for key in LOCALE_VARS}
    proc = run_tty(ws, *args, env={**blank, "LANG": "es_ES.UTF-8"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not english(proc.stdout + proc.stderr), proc.stdout + proc.stderr
    return proc.stdout


def test_approvals_and_consultations_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    assert "no hay aprobaciones" in both(ws, ["approvals"], (0,), en="no approvals")
    out = both(ws, ["consultations"], (0,), en="no consultation requests")
    assert "no hay solicitudes de consulta" in out
    out = both(ws, ["approvals", "revoke", "nope"], (1,), en="no approval nope")
    assert "no existe la aprobación nope" in out
    out = both(ws, ["consult", "app/main.py"], (2,))
    assert "requiere --agent" in out and "por ejemplo: workspace-guard consult" in out
    out = both(ws, ["consult", "answer", "x"], (2,))
    assert "requiere un id de consulta" in out

    tty(ws, "approve", "backend-framework-ai", "app/main.py", "--by", "master-orchestrator")
    out = both(ws, ["approvals"], (0,), en="backend-framework-ai may change app/main.py")
    shown = (
        "backend-framework-ai puede cambiar app/main.py — aprobado por master-orchestrator, hasta"
    )
    assert shown in out

    out = tty(ws, "consult", "app/core/config.py", "--agent", "backend-framework-ai")
    assert "consulta registrada" in out, out
    ident = out.split()[0]
    tty(ws, "consult", "answer", ident, "--decline", "--by", "system-architect-ai")
    out = both(ws, ["consultations"], (0,), en="[decline by system-architect-ai]")
    assert "[rechazada por system-architect-ai]" in out


@pytest.mark.parametrize("variable", ["LANG", "LANGUAGE"])
def test_outside_any_repository_under_a_spanish_git(tmp_path: Path, variable: str) -> None:
    """With git's own discovery (GIT_CEILING_DIRECTORIES), a write outside every repository is
    none of the gate's business in any language: "not a repository" is told from git's other
    failures by what git says in English, not by the (translated) message shown to people."""
    import json

    outside = tmp_path / "outside"
    outside.mkdir()
    event = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "cwd": str(outside),
        "session_id": "s",
        "tool_input": {"file_path": str(outside / "x.txt"), "content": "a"},
    }
    value = "es" if variable == "LANGUAGE" else "es_ES.UTF-8"
    extra = {variable: value, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    code, out = run(outside, ["hook", "claude"], stdin=json.dumps(event).encode(), **extra)
    assert code == 0 and "permissionDecision" not in out, out


# --- the harness hooks' bad input, the hook server ------------------------------------------------

BAD_INPUT = {
    "garbage": (b"garbage\n", "no es JSON válido"),
    "not UTF-8": (b"\xff\xfe{", "no es JSON válido"),
    "empty": (b"", "entrada del hook vacía"),
    "huge": (b"a" * (4 << 20), "no es JSON válido"),
    "array": (b"[]", "no es un objeto JSON"),
    "no tool_name": (b'{"hook_event_name": "PreToolUse"}', "no tiene tool_name"),
    "no tool_input": (b'{"tool_name": "Edit"}', "el evento Edit no tiene tool_input"),
    "bad path": (b'{"tool_name": "Write", "tool_input": {"file_path": 3}}', "no es una cadena"),
}


@pytest.fixture(scope="module")
def hook_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("hooks") / "ws")


# (an event without a tool is no tool call to Gemini's adapter: nothing to say)
HOOK_CASES = [
    (harness, case)
    for harness in ("claude", "codex", "gemini")
    for case in sorted(BAD_INPUT)
    if (harness, case) != ("gemini", "no tool_name")
]


@pytest.mark.parametrize(("harness", "case"), HOOK_CASES)
def test_bad_hook_input_in_spanish(hook_ws: Path, harness: str, case: str) -> None:
    data, spanish = BAD_INPUT[case]
    out = both(hook_ws, ["hook", harness], (0, 2), stdin=data)
    assert "falla cerrada" in out, out
    if harness != "gemini" or case not in ("no tool_input", "bad path"):
        assert spanish in out, out  # (Gemini's own tool names: those read as MCP tools)


def test_hook_server_usage_errors_in_spanish(tmp_path: Path) -> None:
    out = both(tmp_path, ["hook", "serve"], (2,), en="usage: workspace-guard hook serve")
    assert "uso: workspace-guard hook serve STATE_DIR" in out
    out = both(tmp_path, ["hook", "serve", str(tmp_path / "nope")], (2,))
    assert "no es un directorio de estado de workspace-guard" in out
    out = both(tmp_path, ["hook", "serve", str(tmp_path), "--idle", "x"], (2,))
    assert "--idle requiere un número de segundos" in out


# --- the map page's header ------------------------------------------------------------------------


def test_map_header_in_spanish(tmp_path: Path, browser: list[str]) -> None:  # noqa: F811
    from test_map import render

    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["map", "-o", "out.html"], (0,), en="the map is in out.html")
    assert "el mapa está en out.html" in out, out
    run(ws, ["map", "-o", "es.html"])
    dom = render(browser, (ws / "es.html").as_uri())
    assert '<html lang="es">' in dom
    assert "Mapa del espacio de trabajo · ws" in dom and "escalado a master-orchestrator" in dom
    assert "críticos: " in dom and "violaciones desde el " in dom
    assert 'placeholder="Buscar por ruta o agente' in dom and ">todos los agentes<" in dom
    assert ">alto riesgo<" in dom
    run(ws, ["map", "-o", "en.html"], "en")
    dom = render(browser, (ws / "en.html").as_uri())
    assert '<html lang="en">' in dom and "Workspace map · ws" in dom
    assert " critical<" in dom and "violations since " in dom and ">every agent<" in dom


def test_map_body_in_spanish(tmp_path: Path, browser: list[str]) -> None:  # noqa: F811
    """Beyond the header: the tables, the placeholder of the details pane, the folded trees'
    rows and the counts (plural forms chosen by gettext), and a search's status line."""
    from test_map import render

    ws = make_workspace(tmp_path / "ws")
    (ws / ".venv" / "lib").mkdir(parents=True)
    for name in ("a.py", "b.py"):
        (ws / ".venv" / "lib" / name).write_text("x = 1\n")
    (ws / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    git(ws, "add", "-A")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "venv")
    run(ws, ["map", "-o", "es.html"])
    dom = render(browser, (ws / "es.html").as_uri())
    for spanish in (
        "Selecciona un archivo o una carpeta para ver quién decide sobre él.",
        ">Agentes<",
        ">Reservas vigentes<",
        ">agente<",
        ">hasta<",
        'aria-label="árbol del repositorio"',
        "3 archivos plegados en 1 árbol de terceros o ignorado: .venv/ (3)",
        ">3 archivos<",
        ">de terceros<",
        ">ninguno<",
    ):
        assert spanish in dom, spanish
    for english_words in ("Select a file", ">Agents<", "Live claims", "file(s)", " files<"):
        assert english_words not in dom, english_words
    found = render(browser, (ws / "es.html").as_uri() + "#q=app/main.py")
    assert re.search(r'id="wg-count"[^>]*>1 archivo coincide<', found), found[-2000:]
    run(ws, ["map", "-o", "en.html"], "en")
    dom = render(browser, (ws / "en.html").as_uri())
    assert "3 files folded in 1 vendored or ignored tree: .venv/ (3)" in dom and ">Agents<" in dom


def test_every_word_of_the_map_page_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each word the page shows comes from map.py's table (so the catalogue has it): no English
    text left in the template's markup or script, every key it asks for exists, and each has a
    Spanish form of its own."""
    from workspace_guard.commands.map import TEMPLATE, header_text

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    with i18n.speaking("en"):
        english_words = header_text()
    with i18n.speaking("es"):
        spanish = header_text()
    assert [k for k in english_words if english_words[k] == spanish[k]] == []
    page = Path(TEMPLATE).read_text(encoding="utf-8")
    asked = set(re.findall(r'\bt\("([a-z_]+)"', page)) | set(
        re.findall(r'data-t="([a-z_]+)"', page)
    )
    asked |= {
        k + form for k in re.findall(r'\btn\("([a-z_]+)"', page) for form in ("_one", "_other")
    }
    assert asked and asked - set(spanish) == set(), asked - set(spanish)
    # text drawn by the script as a literal (`el("div", "empty", "Nothing matches.")`)
    literal = re.findall(r'\bel\("[a-z0-9]+", [^,()]+, "([^"]*[A-Za-z]{3}[^"]*)"\)', page)
    assert literal == [], literal
    # (the <option>s are translated by drawHeader, as `kind_…` and `every_…`)
    markup = re.sub(
        r"<script.*?</script>|<style.*?</style>|<option.*?</option>", "", page, flags=re.S
    )
    bare = [
        text.strip()
        for text in re.findall(r">([^<>]+)<", markup)
        if re.search(r"[A-Za-z]{3}", text)
    ]
    tagged = re.findall(r"data-t=\"[a-z_]+\">([^<]+)<", markup)
    assert set(bare) - set(tagged) <= {"workspace map"}, set(bare) - set(tagged)


def test_map_cannot_write(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["map", "-o", "app"], (2,))
    assert "no se puede escribir app: Es un directorio" in out


# --- init, the MCP server, interruptions and internal errors --------------------------------------


def test_init_unreadable_source_in_spanish(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    out = both(repo, ["init", "--from-codeowners", "nope"], (2,))
    assert "no se puede leer nope: No existe el archivo o el directorio" in out


def test_mcp_server_without_the_sdk_in_spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from workspace_guard.commands import mcp_server
    from workspace_guard.errors import ConfigError

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    for name in ("mcp", "mcp.server", "mcp.server.fastmcp"):
        monkeypatch.setitem(sys.modules, name, None)  # an import of it fails
    with i18n.speaking("es"), pytest.raises(ConfigError) as missing:
        mcp_server._server_class()
    shown = missing.value.render()
    assert "el servidor MCP necesita el paquete `mcp`" in shown
    assert "instálalo: pip install 'workspace-guard[mcp]'" in shown


def test_interrupted_and_internal_errors_in_spanish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workspace_guard.boundary import guarded

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)

    def interrupted() -> int:
        raise KeyboardInterrupt

    def broken() -> int:
        raise RuntimeError("boom")

    with i18n.speaking("es"):
        assert guarded(interrupted) == 130
        assert guarded(broken) == 3
    err = capsys.readouterr().err
    assert "workspace-guard: interrumpido" in err
    assert "workspace-guard: error interno: RuntimeError: boom" in err
    log = err.split("los detalles se escribieron en ")[1].strip()
    assert "Traceback" in Path(log).read_text()
    Path(log).unlink()
    with i18n.speaking("en"):
        assert guarded(interrupted) == 130
    assert "workspace-guard: interrupted" in capsys.readouterr().err


# --- the narrated demo ----------------------------------------------------------------------------


def test_the_demo_narrates_in_spanish(tmp_path: Path) -> None:
    """The whole demo under LANG=es_ES.UTF-8: every step still behaves as narrated (exit 0),
    and the narration (the step titles and the indented prose, not the commands' output, which
    quotes the example's English rule descriptions and commit subjects) has no English left."""
    import re

    code, out = run(tmp_path, ["demo"])
    assert code == 0, out[-3000:]
    narration = [
        line for line in out.splitlines() if line.startswith("━━") or re.match(r"^   [^ $]", line)
    ]
    assert len(narration) > 40
    text = "\n".join(narration)
    assert not english(text), "\n".join(english(text))
    assert "━━ 1. Un espacio de trabajo" in text and "━━ Hecho" in text
    assert "Cada paso se comportó como se narró." in text


def test_watch_refuses_rules_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    out = both(ws, ["watch", "start", "--rules", "x.yaml"], (2,))
    assert "el daemon de vigilancia no acepta --rules" in out


def test_unwritable_ledger_in_spanish(tmp_path: Path) -> None:
    from helpers.provenance import event

    ws = make_workspace(tmp_path / "ws")
    state = ws / ".git" / "workspace-guard"
    state.mkdir(exist_ok=True)
    (state / "ledger.jsonl").mkdir()  # cannot be opened as a file: the append fails
    tool_input = {"file_path": str(ws / "app/main.py"), "old_string": "a", "new_string": "b"}
    (ws / "app/main.py").write_text("x\n")
    post = event(ws, "PostToolUse", "Edit", tool_input, "system-architect-ai")
    out = both(ws, ["hook", "claude"], (2,), stdin=post, en="could not write the provenance ledger")
    assert "no se pudo escribir el registro de procedencia en " in out
    assert ": Es un directorio; no se añadió nada, los registros eran:" in out


# --- the watch daemon's log lines, the demo's failure lines, plurals ------------------------------


def _package_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = str(path.relative_to(PACKAGE.parent))
        found += [(f"{rel}:{n.lineno}", n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return found


def test_daemon_log_lines_in_spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    """The daemon's JSON log says its `msg` in the user's language (the format string is
    translated, then filled in); the record's other fields stay machine-readable."""
    import json
    import logging

    from workspace_guard.gates.watch.service import JsonLines

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    record = logging.LogRecord(
        "workspace_guard.watch",
        logging.ERROR,
        "x.py",
        1,
        "could not restore %s: %s",
        ("app/main.py", "Permiso denegado"),
        None,
    )
    with i18n.speaking("es"):
        line = json.loads(JsonLines().format(record))
    assert line["msg"] == "no se pudo restaurar app/main.py: Permiso denegado"
    assert (line["level"], line["component"]) == ("error", "watch")
    with i18n.speaking("en"):
        assert json.loads(JsonLines().format(record))["msg"].startswith("could not restore ")


def test_every_daemon_log_line_is_in_the_catalogue() -> None:
    """Each format string the package logs has a Spanish translation (a new English log line
    fails here until it has one)."""
    from helpers.catalogue import po_messages

    spanish = po_messages(PO.read_bytes())
    keys = {k.split("\0")[0] for k in spanish}
    logged = [
        (where, call.args[0].value)
        for where, call in _package_calls()
        if isinstance(call.func, ast.Attribute)
        and call.func.attr in ("info", "warning", "error", "exception", "critical")
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "log"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and re.search(r"[A-Za-z]{3}", str(call.args[0].value))
    ]
    assert len(logged) > 40
    missing = [f"{where}: {text!r}" for where, text in logged if text not in keys]
    assert not missing, "\n".join(missing)


def test_the_demo_failure_lines_are_translated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that does not behave as narrated is reported in the user's language: the real
    runner with a command whose exit code differs, and no failure line written in place."""
    from workspace_guard.demo.run import Demo

    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)
    said: list[str] = []
    demo = Demo(str(tmp_path), said.append)
    (tmp_path / "shop").mkdir()
    with i18n.speaking("es"):
        demo.run(["false"], expect=0)
    assert demo.failures == ["`false` terminó con 1, se esperaba 0"]
    written_in_place = [
        where
        for where, call in _package_calls()
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "append"
        and ast.unparse(call.func.value).endswith("failures")
        and call.args
        and isinstance(call.args[0], (ast.Constant, ast.JoinedStr))
    ]
    assert written_in_place == [], written_in_place


def test_counts_use_plural_forms() -> None:
    """No message says "file(s)": a count's words come from ngettext, so Spanish gets its own
    singular and plural."""
    from test_i18n import marked_strings

    marked = marked_strings()
    assert any("\0" in text for text, _where in marked)  # ngettext calls are seen
    hedged = [f"{where}: {text!r}" for text, where in marked if re.search(r"\w\((s|es)\)", text)]
    assert hedged == [], "\n".join(hedged)
    with i18n.speaking("es"):
        assert i18n.ngettext("{n} file", "{n} files", 1) == "{n} archivo"
        assert i18n.ngettext("{n} file", "{n} files", 2) == "{n} archivos"


def test_explain_names_the_level_in_spanish(tmp_path: Path) -> None:
    """`explain` says a rule's level in the user's language, as `validate` does (the rules'
    own keyword, `critical`, only in English)."""
    ws = make_workspace(tmp_path / "ws")
    code, out = run(ws, ["explain", "app/main.py"])
    assert code == 0 and "— nivel crítico" in out and "nivel critical" not in out, out
    code, out = run(ws, ["explain", "app/main.py"], "en")
    assert code == 0 and "— level critical" in out, out

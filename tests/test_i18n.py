"""Spanish through gettext: the catalogue compiler in setup.py, the catalogue's completeness, the
installed `.mo`, and the validator and harness answers in each language."""

from __future__ import annotations

import ast
import gettext
import importlib.util
import io
import json
import os
import shutil
import string
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from conftest import EXAMPLE_RULES, make_workspace, run_cli
from helpers.catalogue import po_messages

from workspace_guard import i18n

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workspace_guard"
PO = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "workspace_guard.po"
EVENT = {
    "hook_event_name": "PreToolUse",
    "tool_name": "Edit",
    "agent_type": "backend-framework-ai",
    "session_id": "s",
    "tool_input": {"file_path": "app/main.py"},
}


@pytest.fixture(scope="module")
def build() -> ModuleType:
    """setup.py as a module (its `setup()` only runs as __main__)."""
    spec = importlib.util.spec_from_file_location("wg_setup", ROOT / "setup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def translations(mo: bytes) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(mo))


def fields(text: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


# --- the compiler (Babel, at build time) ---------------------------------------------------------


PO_SAMPLE = r"""# comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "one line"
msgstr "una línea"

msgid ""
"two "
"parts with \"quotes\"\n"
msgstr "dos partes con \"comillas\"\n"

#, fuzzy
msgid "fuzzy"
msgstr "borroso"

msgid "untranslated"
msgstr ""

msgctxt "level"
msgid "high"
msgstr "alto"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} archivo"
msgstr[1] "{n} archivos"
"""


def test_po_compiles_to_what_gettext_reads(build: ModuleType) -> None:
    catalogue = translations(build.mo_from_po(PO_SAMPLE.encode()))
    assert catalogue.gettext("one line") == "una línea"
    assert catalogue.gettext('two parts with "quotes"\n') == 'dos partes con "comillas"\n'
    assert catalogue.gettext("fuzzy") == "fuzzy"  # fuzzy entries are not used
    assert catalogue.gettext("untranslated") == "untranslated"
    assert catalogue.pgettext("level", "high") == "alto"
    assert catalogue.ngettext("{n} file", "{n} files", 1) == "{n} archivo"
    assert catalogue.ngettext("{n} file", "{n} files", 3) == "{n} archivos"


@pytest.mark.parametrize(
    ("bad", "line"),
    [("msgid x\n", 1), ("garbage\n", 1), ('msgid "a"\nmsgstr "b"\n\ngarbage\n', 4)],
)
def test_bad_po_fails_with_file_and_line(build: ModuleType, bad: str, line: int) -> None:
    with pytest.raises(build.PoError, match=rf"es\.po:{line}:"):
        build.mo_from_po(bad.encode(), "es.po")


def test_empty_catalogue(build: ModuleType) -> None:
    assert translations(build.mo_from_po(b"")).gettext("x") == "x"


# --- the catalogue --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spanish() -> dict[str, str]:
    return po_messages(PO.read_bytes())


def marked_strings() -> list[tuple[str, str]]:
    """Every literal passed to `_()`, `N_()` or `ngettext()` in the package (a plural as gettext
    keys it: singular NUL plural), with where it is."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            literals = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if node.func.id in ("_", "N_") and literals:
                found.append((literals[0], where))
            elif node.func.id == "ngettext" and len(literals) >= 2:
                found.append((f"{literals[0]}\0{literals[1]}", where))
    return found


def test_every_marked_message_is_translated(spanish: dict[str, str]) -> None:
    marked = marked_strings()
    assert len(marked) >= 15
    missing = [f"{where}: {text!r}" for text, where in marked if text not in spanish]
    assert not missing, (
        "add these to workspace_guard/locale/es/LC_MESSAGES/workspace_guard.po:\n"
        + "\n".join(missing)
    )


def test_translations_keep_every_placeholder(spanish: dict[str, str]) -> None:
    for msgid, msgstr in spanish.items():
        if msgid:
            for form in msgstr.split("\0"):
                assert fields(form) == fields(msgid.split("\0")[-1]), msgid
            assert (msgstr.strip() and msgstr != msgid) or msgid.isupper(), msgid


def test_the_installed_catalogue_is_built_from_the_sources(build: ModuleType) -> None:
    """Compiled at install time (setup.py build_py, by Babel); what the runtime reads is what
    the .po says, even after an edit of the .po (a source checkout then reads the .po)."""
    assert i18n.has_catalog("es"), "the .mo is missing: reinstall (pip install -e .)"
    loaded = i18n.load_catalog(i18n.LOCALE_DIR, "es", source_tree=True)
    fresh = translations(build.mo_from_po(PO.read_bytes()))

    def messages(catalogue: object) -> dict[object, str]:
        # the header ("") carries the compile time Babel stamps in: not a message
        found: dict[object, str] = catalogue._catalog  # type: ignore[attr-defined]
        return {key: text for key, text in found.items() if key != ""}

    assert messages(loaded) == messages(fresh)


def write_po(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'msgid "protected"\nmsgstr "{text}"\n', encoding="utf-8")


def test_a_source_checkout_reads_an_edited_po(tmp_path: Path, build: ModuleType) -> None:
    """The runtime's choice between the compiled .mo and its .po source, by age."""
    base = tmp_path / "es" / "LC_MESSAGES" / "workspace_guard"
    po, mo = base.with_suffix(".po"), base.with_suffix(".mo")
    write_po(po, "from the po")

    def shown(source_tree: bool = True) -> str:
        return i18n.load_catalog(str(tmp_path), "es", source_tree=source_tree).gettext("protected")

    assert shown() == "from the po"  # no .mo yet
    assert shown(source_tree=False) == "protected"  # installed: a .po alone is not read
    mo.write_bytes(build.mo_from_po(b'msgid "protected"\nmsgstr "from the mo"\n'))
    os.utime(po, ns=(1_000_000_000, 1_000_000_000))
    assert shown() == "from the mo"  # compiled after the last edit
    os.utime(po, ns=(2**62, 2**62))
    assert shown() == "from the po"  # edited since
    assert shown(source_tree=False) == "from the mo"
    po.write_text("garbage\n")
    assert shown() == "from the mo"  # an unreadable .po never breaks messages


def test_a_wheel_carries_the_compiled_catalogue(tmp_path: Path) -> None:
    """A real build of a copy of the source tree: the .mo is compiled into the wheel."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "*.egg-info", "build")
    shutil.copytree(PACKAGE, src / "workspace_guard", symlinks=True, ignore=ignore)
    for name in ("hooks", "rules"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=ignore)
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list((src / "workspace_guard").rglob("*.mo")), "a build leaves the sources alone"
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        mo = archive.read("workspace_guard/locale/es/LC_MESSAGES/workspace_guard.mo")
    assert translations(mo).gettext("protected") == "protegido"


# --- choosing the language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("es", "es"),
        ("ES", "es"),
        ("es_ES.UTF-8", "es"),
        ("es-MX", "es"),
        ("en_GB", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize(value: str | None, expected: str | None) -> None:
    assert i18n.normalize(value) == expected


def test_environment_wins_over_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(i18n.LANG_ENV, "en")
    i18n.set_language("es")
    assert i18n.language() == "en" and i18n._("protected") == "protected"
    monkeypatch.setenv(i18n.LANG_ENV, "es")
    i18n.set_language(None)
    assert i18n._("protected") == "protegido"
    monkeypatch.delenv(i18n.LANG_ENV)
    i18n.set_language("fr")
    assert i18n.language() == "en"


def spanish_rules() -> str:
    return EXAMPLE_RULES.read_text() + "\nlanguage: es\n"


@pytest.mark.parametrize(
    ("rules", "env", "spanish_expected"),
    [
        (None, {}, False),
        (None, {"WORKSPACE_GUARD_LANG": "es"}, True),
        ("es", {}, True),
        ("es", {"WORKSPACE_GUARD_LANG": "en"}, False),
        (None, {"WORKSPACE_GUARD_LANG": "xx"}, False),
    ],
)
def test_validator_language(
    tmp_path: Path, rules: str | None, env: dict[str, str], spanish_expected: bool
) -> None:
    repo = make_workspace(tmp_path / "ws", spanish_rules() if rules else None)
    proc = run_cli(
        repo,
        "backend-framework-ai",
        "app/main.py",
        "app/models/order.py",
        ".workspace/departments/backend/backend-framework-ai/n.md",
        env=env,
        prog="agent_workspace_validator",
    )
    assert proc.returncode == 1
    out = proc.stdout
    if spanish_expected:
        assert "❌ ACCESO DENEGADO   app/main.py" in out
        assert "nivel crítico: regla `/app/main.py`" in out
        assert "responsable: system-architect-ai · respaldo: solution-architect-ai" in out
        assert "Siguiente paso: no lo edites tú." in out
        assert "✅ PERMITIDO  app/models/order.py — backend-framework-ai (no protegido)" in out
        assert "(dentro de la oficina del propio agente)" in out
        assert "DENIED" not in out and "ALLOWED" not in out
    else:
        assert "❌ DENIED   app/main.py" in out and "level critical" in out
        assert "ALLOWED  app/models/order.py" in out
        assert "ACCESO" not in out


def test_the_json_output_stays_machine_readable(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", spanish_rules())
    proc = run_cli(repo, "validate", "backend-framework-ai", "app/main.py", "--format", "json")
    result = json.loads(proc.stdout)["results"][0]
    assert (result["reason"], result["level"]) == ("protected", "critical")


def test_harness_denial_in_spanish(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", spanish_rules())
    proc = run_cli(repo, "hook", "claude", input=json.dumps({**EVENT, "cwd": str(repo)}).encode())
    assert proc.returncode == 0, proc.stderr
    reason = json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "backend-framework-ai no puede modificar app/main.py." in reason
    assert "Siguiente paso" in reason


def test_a_symlink_note_in_spanish(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", spanish_rules())
    os.symlink("main.py", repo / "app" / "alias.py")
    proc = run_cli(
        repo,
        "backend-framework-ai",
        "app/alias.py",
        prog="agent_workspace_validator",
        env={"WORKSPACE_GUARD_LANG": "es"},
    )
    assert "es un enlace simbólico a app/main.py" in proc.stdout


@pytest.mark.slow
def test_an_editable_install_in_a_fresh_venv_gets_the_catalogue(tmp_path: Path) -> None:
    """`pip install -e` in a new virtualenv, with build isolation: pip brings the build
    requirements (Babel among them), the build compiles the .mo next to the .po."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "*.egg-info", "build")
    shutil.copytree(PACKAGE, src / "workspace_guard", symlinks=True, ignore=ignore)
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(src)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        src / "workspace_guard" / "locale" / "es" / "LC_MESSAGES" / "workspace_guard.mo"
    ).exists()
    check = (
        "from workspace_guard import i18n; import sys; "
        "i18n.set_language('es'); print(i18n._('protected')); "
        "print('babel' in sys.modules)"
    )
    out = subprocess.run(
        [str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["protegido", "False"]  # read from the compiled .mo, Babel not imported


def test_the_compiled_catalogue_is_reproducible(build: ModuleType) -> None:
    """Babel stamps the compile time into a .mo whose .po gives none; ours gives its dates, so
    two builds of the same sources give the same bytes."""
    header = translations(build.mo_from_po(PO.read_bytes()))._catalog[""]  # type: ignore[attr-defined]
    assert "POT-Creation-Date: 2026-12-06 00:00+0000" in header
    assert "PO-Revision-Date: 2026-12-06 00:00+0000" in header


# --- unmarked user-facing errors ------------------------------------------------------------------

# Every error message and hint is marked: a file may list none (it was a count per file that could
# only go down while areas were being finished; it reached zero).
UNMARKED_LEFT: dict[str, int] = {}


def guard_errors(trees: dict[Path, ast.Module]) -> set[str]:
    """The names of GuardError, GateError and every class of the package derived from them."""
    bases = {
        node.name: {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    names = {"GuardError", "GateError"}  # GateError: the harness gate's refusal of its input
    while True:
        more = {name for name, parents in bases.items() if parents & names} - names
        if not more:
            return names
        names |= more


def _prose(node: ast.expr) -> bool:
    """A message written in place: a literal with letters, an f-string, or a sum of them
    (`_("…")` and `_("…").format(…)` are calls, so they never count)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _prose(node.left) or _prose(node.right)
    return False


def unmarked_errors() -> dict[str, list[str]]:
    """file → the GuardError messages and hints in it not passed through `_()`."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}
    names = guard_errors(trees)
    found: dict[str, list[str]] = {}
    for path, tree in sorted(trees.items()):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in names:
                continue
            texts = [*node.args[:2], *(k.value for k in node.keywords if k.arg in ("hint",))]
            for text in texts:
                if _prose(text):
                    rel = str(path.relative_to(ROOT))
                    found.setdefault(rel, []).append(f"{rel}:{node.lineno}: {ast.unparse(text)}")
    return found


def test_error_messages_are_marked_for_translation() -> None:
    """A GuardError's message and hint are what a user reads: each must go through `_()`."""
    found = unmarked_errors()
    assert found == {} and not UNMARKED_LEFT, (
        "mark these with _() and add them to the .po:\n"
        + "\n".join(line for lines in found.values() for line in lines)
    )
    assert guard_errors(
        {p: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}
    ) >= {"GuardError", "UsageError", "ConfigError"}, "the scan no longer sees the package's errors"


def test_the_scan_sees_an_unmarked_error(tmp_path: Path) -> None:
    tree = ast.parse('raise UsageError(f"{x} is bad", hint="do this")\nraise UsageError(_("ok"))')
    trees = {tmp_path / "m.py": tree}
    assert "UsageError" in guard_errors(
        {
            **trees,
            PACKAGE / "errors.py": ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8")),
        }
    )
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "UsageError"
    ]
    assert [_prose(c.args[0]) for c in calls] == [True, False]
    assert _prose(calls[0].keywords[0].value)


def test_the_catalogue_defines_each_message_once() -> None:
    """A message defined twice is a fatal error for `msgfmt --check`, and which of the two
    translations wins is left to the compiler."""
    import re

    ids = re.findall(r'^msgid ((?:".*"\n)+)', PO.read_text(encoding="utf-8") + "\n", re.M)
    seen: set[str] = set()
    twice = [i for i in ids if i != '""\n' and (i in seen or seen.add(i))]
    assert not twice, twice[:3]

"""The Spanish catalogue holds exactly what the package says: every message the code marks has an
entry (test_i18n.py), and every entry is still said somewhere — a message reworded or removed
leaves no translation behind that nobody reads and that the next edit would have to keep in step."""

from __future__ import annotations

import ast
import inspect
import subprocess
from pathlib import Path

import click
import pytest
from helpers.catalogue import po_messages
from test_i18n import PACKAGE, PO, marked_strings


def literals(root: Path) -> set[str]:
    """Every string literal under `root`'s Python files, also as `inspect.cleandoc` leaves it
    (click's help texts: option `help=` literals, and command docstrings, which click cleans)."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update((node.value, inspect.cleandoc(node.value)))
    return found


def unused(catalogue: dict[str, str], marked: set[str], said: set[str]) -> list[str]:
    """The catalogue's msgids neither marked (`_()`, `N_()`, `ngettext()`) nor written as a literal
    the package or click passes through the catalogue (a plural counts by both its forms)."""
    return [
        msgid
        for msgid in catalogue
        if msgid and msgid not in marked and not set(msgid.split("\0")) <= said
    ]


def test_every_catalogue_entry_is_used() -> None:
    said = literals(PACKAGE) | literals(Path(click.__file__).parent)
    left = unused(po_messages(PO.read_bytes()), {t for t, _ in marked_strings()}, said)
    assert not left, (
        "these entries of workspace_guard/locale/es/LC_MESSAGES/workspace_guard.po are no longer "
        "said by the code (reworded or removed): delete them\n" + "\n".join(map(repr, left))
    )


def test_the_check_sees_an_unused_entry(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('_("kept")\nhelp_text = "Shown by click."\n', encoding="utf-8")
    po = (
        b'msgid "kept"\nmsgstr "guardado"\n\n'
        b'msgid "Shown by click."\nmsgstr "Mostrado por click."\n\n'
        b'msgid "{n} file(s)"\nmsgstr "{n} archivo(s)"\n\n'
        b'msgid "{n} file"\nmsgid_plural "{n} files"\n'
        b'msgstr[0] "{n} archivo"\nmsgstr[1] "{n} archivos"\n'
    )
    catalogue = po_messages(po)
    assert unused(catalogue, {"kept"}, literals(tmp_path)) == [
        "{n} file(s)",
        "{n} file\0{n} files",
    ]
    assert unused(catalogue, {"kept", "{n} file\0{n} files"}, literals(tmp_path)) == ["{n} file(s)"]


def test_a_crash_without_a_log_is_told_in_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error boundary with nowhere to write the crash log (the temp dir is a file): still
    exit 3, the message in the user's language, and no traceback."""
    import tempfile

    from workspace_guard import i18n
    from workspace_guard.boundary import crash_details, guarded

    blocked = tmp_path / "not-a-dir"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(blocked))
    monkeypatch.delenv("WORKSPACE_GUARD_LANG", raising=False)

    def broken() -> int:
        raise RuntimeError("boom")

    with i18n.speaking("es"):
        assert guarded(broken) == 3
        clause = crash_details(RuntimeError("boom"))
    err = capsys.readouterr().err
    assert "workspace-guard: error interno: RuntimeError: boom" in err
    assert "los detalles no se pudieron escribir en un registro" in err
    assert "Traceback" not in err
    assert clause.startswith("los detalles no se pudieron escribir en un registro (")


def test_passthrough_texts_in_spanish(tmp_path: Path) -> None:
    """Text printed as it was made (claims, audit, the watch options): Spanish under
    LANG=es_ES.UTF-8, through the real CLI run as a person at a terminal."""
    import os

    from conftest import make_workspace

    ws = make_workspace(tmp_path / "ws")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    base.pop("WORKSPACE_GUARD_LANG", None)
    env = {"LANG": "es_ES.UTF-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        from helpers.repos import BIN, run_typed

        return run_typed([str(BIN / "workspace-guard"), *args], ws, env=env, base=base)

    assert "no hay reservas" in run("claims").stdout
    released = run("release", "app/main.py", "--agent", "backend-framework-ai")
    assert released.returncode == 1, released.stderr
    assert "ninguna reserva coincide" in released.stderr
    assert "no hay registros de auditoría" in run("audit").stdout
    bad = run("watch", "start", "--poll-interval", "nan")
    assert bad.returncode == 2, bad.stderr
    assert "debe ser un número finito de segundos" in bad.stderr
    assert "Traceback" not in bad.stderr + released.stderr

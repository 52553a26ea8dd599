"""The watch daemon's incident reports and its log's exception field in the user's language: the
markdown a human reads is Spanish under `language: es` (paths, digests, names and rules as they
are), English otherwise, and the JSON log keeps `exc` (the traceback) with a translated `exc_text`
beside it. The audit records stay as they are (machine fields)."""

from __future__ import annotations

import errno
import json
import logging
import sys
from pathlib import Path

from test_i18n_sweep import english

from workspace_guard.core.model import ProtectedRule
from workspace_guard.gates.watch import incident
from workspace_guard.gates.watch.service import JsonLines
from workspace_guard.i18n import speaking

RULE = ProtectedRule(
    0, "app/main.py", "system-architect-ai", ("backend-ai",), "critical", None, "r:3"
)


def report(**changes: object) -> str:
    base: dict[str, object] = {
        "rel": "app/main.py",
        "rule": RULE,
        "escalation": "master-orchestrator",
        "change": "modified",
        "detected_by": "event",
        "when": 0.0,
        "head": "0123456789abcdef",
        "sha_before": "aaaa",
        "sha_after": None,
        "quarantine": "/q/app_main.py",
        "restored": True,
    }
    return incident.Incident(**{**base, **changes}).markdown()  # type: ignore[arg-type]


def test_the_incident_report_speaks_spanish() -> None:
    with speaking("es"):
        text = report()
        facts = incident.git_file_facts(
            ".git/hooks/pre-commit", "hooks", "modified", ("aa", None), restored=False, note="x"
        )
    assert english(text) == [], english(text)
    assert english("\n".join(facts)) == [], facts
    for said in ("# Incidente: cambio no autorizado en `app/main.py`", "el contenido se cambió",
                 "**Propietario:** system-architect-ai (suplente: backend-ai)", "`/q/app_main.py`",
                 "sí, se repuso la versión confirmada", "## Qué hacer", "ausente"):  # fmt: skip
        assert said in text, (said, text)
    assert "**Restaurado:** no (motivo: x)" in facts


def test_the_incident_report_stays_english_by_default() -> None:
    with speaking("en"):
        text = report(restored=False, restore_note="restore is off", change="deleted")
    assert "# Incident: unauthorised change to `app/main.py`" in text
    assert "the file was deleted (or moved away)" in text
    assert "**Restored:** no (restore is off)" in text


def test_a_note_about_the_daemon_itself_is_translated(tmp_path: Path) -> None:
    with speaking("es"):
        path = incident.note(str(tmp_path), "watch-daemon", "título", ["**Qué pasó:** x"], "jefe")
    assert path is not None
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("# Incidente: título\n") and "- **Escalado:** jefe" in text
    assert "- **Hora:** " in text and english(text) == []


def _logged(exc: BaseException) -> dict[str, str]:
    try:
        raise exc
    except BaseException:
        record = logging.LogRecord("workspace_guard.watch", logging.ERROR, __file__, 1,
                                   "could not rebuild the hook server's client: %s", ("x",),
                                   sys.exc_info())  # fmt: skip
    return dict(json.loads(JsonLines().format(record)))


def test_the_log_keeps_the_traceback_and_adds_the_error_in_the_users_language() -> None:
    with speaking("es"):
        body = _logged(OSError(errno.ENOSPC, "No space left on device", "/state/audit.jsonl"))
    assert set(body) == {"ts", "level", "component", "msg", "exc", "exc_text"}
    assert body["exc"].startswith("Traceback") and "OSError" in body["exc"]  # as Python says it
    assert body["exc_text"].startswith("error inesperado (OSError): /state/audit.jsonl: ")
    assert "No space left" not in body["exc_text"], body["exc_text"]
    with speaking("en"):
        assert _logged(ValueError("bad"))["exc_text"] == "unexpected error (ValueError): bad"

"""The ref updates of a push as pre-receive reads them (gates/push/receive.py), and the refusal of
one update (a result with a violation and no commit to blame).
"""

from __future__ import annotations

from workspace_guard.errors import UsageError
from workspace_guard.gates.push.checker import CommitResult
from workspace_guard.i18n import _

NOTES = "refs/notes/"
GATE_REFS = "refs/workspace-guard/"
ANCHORS = "refs/workspace-guard/anchors"
NOTES_PROVENANCE = "refs/notes/workspace-guard"  # the commit gate's notes (gates/push/notes.py)


class RefUpdate:
    """One line of pre-receive input."""

    def __init__(self, old: str, new: str, ref: str) -> None:
        self.old, self.new, self.ref = old, new, ref

    @property
    def deletion(self) -> bool:
        return set(self.new) == {"0"}

    @property
    def creation(self) -> bool:
        return set(self.old) == {"0"}


def parse_updates(data: bytes) -> list[RefUpdate]:
    """`old new ref` lines; anything else is a usage error (never a traceback). Ref names are
    bytes to git: undecodable ones are kept (surrogates) and shown escaped."""
    updates = []
    for number, raw in enumerate(data.splitlines(), 1):
        line = raw.decode("utf-8", "surrogateescape").strip()
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) != 3 or not all(_is_oid(p) for p in parts[:2]) or not parts[2]:
            shown = raw.decode("utf-8", "replace").strip()
            raise UsageError(
                _("pre-receive input line {number} is not `<old> <new> <ref>`: {line!r}").format(
                    number=number, line=shown[:80]
                ),
                hint=_("this hook is run by git on the receiving side of a push"),
            )
        updates.append(RefUpdate(*parts))
    return updates


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def shown_ref(ref: str) -> str:
    """A ref name for messages and JSON: bytes that are not UTF-8 escaped (`caf\\xe9`)."""
    return ref.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def refusal(update: RefUpdate, vid: str, text: str, sha: str | None = None) -> CommitResult:
    from workspace_guard.core.template import Violation

    violation: Violation = Violation(vid, text)
    subject = {"ref-delete": "(ref deletion)"}.get(vid, f"({vid})")
    return CommitResult(sha or update.old, subject, None, (violation,), (), shown_ref(update.ref))

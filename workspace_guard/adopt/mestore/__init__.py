"""Import a MeStore-style "virtual office" workspace (contract §9) into rules-file data.

The seed protocol keeps its truth in five or more Spanish-first markdown documents that disagree
with each other (notes/agent-harnesses.md §5). Rather than trusting one of them, every fact is
collected as a *claim* with its ``FILE:LINE``; the claims are then resolved with fixed, documented
preferences, and every disagreement becomes a finding naming both places:

* level: ``critical`` beats ``high`` (the stricter reading wins);
* owner: the per-file rule block (``🔍 RESPONSABLE:``) beats the responsibility table, which
  beats the per-file metadata, the ``**Responsables**:`` line under a list, and finally the
  ``path → agent`` lists copied into every agent file;
* backups: the union, in that same order.

Rules come out general first (directories, globs) and single files last, so that the file-level
owner wins under "the last matching rule decides".

The package: `model` (claims, the collector), `text` (markdown and name helpers), one reader per
document (`protected`, `responsible`, `metadata`, `agent_files`), `resolve` (claims → rules data)
and `offices` (the agents registry).
"""

from __future__ import annotations

from pathlib import Path

from workspace_guard.adopt.mestore.agent_files import read_agent_files
from workspace_guard.adopt.mestore.metadata import read_metadata
from workspace_guard.adopt.mestore.model import PROTECTED_FILES, RESPONSIBLE_AGENTS, Collector
from workspace_guard.adopt.mestore.protected import read_protected_files
from workspace_guard.adopt.mestore.resolve import resolve
from workspace_guard.adopt.mestore.responsible import read_responsible_agents
from workspace_guard.adopt.protocol import detect_language, protect_protocol_files, set_main_agent
from workspace_guard.adopt.report import ImportResult
from workspace_guard.errors import UsageError
from workspace_guard.i18n import _, speaking

__all__ = ["import_mestore"]


def import_mestore(root: Path, language: str | None = None) -> ImportResult:
    """Read the workspace at `root` and return the rules data, its provenance and the findings.

    The rules get `language: LANGUAGE` when given, else `es` when the documents are in Spanish;
    the notes about what the import set by default are written in that language
    (WORKSPACE_GUARD_LANG still wins). The process's own language is left as it was.

    Raises `UsageError` only when `root` is not a workspace at all (no ``.workspace/`` folder);
    everything wrong inside the documents is a finding.
    """
    root = Path(root)
    if not (root / ".workspace").is_dir():
        raise UsageError(
            _("{root} is not a protocol workspace: it has no .workspace/ folder").format(root=root),
            hint=_("give the repository root that holds .workspace/PROTECTED_FILES.md"),
        )
    spanish = not language and _documents_language(root) == "es"
    with speaking(language or ("es" if spanish else None)):
        col = Collector(root)
        read_protected_files(col)
        read_responsible_agents(col)
        read_metadata(col)
        read_agent_files(col)
        result = resolve(col)
        if language or spanish:
            result.data["language"] = language or "es"
        if spanish:
            result.note(
                "info",
                f"{PROTECTED_FILES}:1",
                _(
                    "the protocol is written in Spanish: `language: es` is set, so every message "
                    "of workspace-guard is in Spanish (WORKSPACE_GUARD_LANG=en shows them in "
                    "English)"
                ),
            )
        protect_protocol_files(result)
        set_main_agent(result)
    return result


def _documents_language(root: Path) -> str | None:
    """The language of the two main documents (read here without findings: the readers that
    follow report what is wrong in them, in that language)."""
    texts = []
    for rel in (PROTECTED_FILES, RESPONSIBLE_AGENTS):
        try:
            texts.append((root / rel).read_bytes().decode("utf-8", "replace"))
        except OSError:
            continue
    return detect_language(texts)

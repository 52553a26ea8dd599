"""The importer's data: the documents' paths, claims with their `FILE:LINE`, the collector."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from workspace_guard.adopt.report import ImportResult
from workspace_guard.i18n import N_

PROTECTED_FILES = ".workspace/PROTECTED_FILES.md"
RESPONSIBLE_AGENTS = ".workspace/RESPONSIBLE_AGENTS.md"
AGENTS_DIR = ".claude/agents"
PROJECT_DIR = ".workspace/project"
DEPARTMENTS_DIR = ".workspace/departments"
DEFAULT_ESCALATION = "master-orchestrator"

# Owner authority: the lower rank wins a disagreement.
RANK_RULE_BLOCK, RANK_TABLE, RANK_METADATA, RANK_RESPONSABLES, RANK_AGENT_LIST = range(5)
OWNER_SOURCE_NAMES = {  # translated where shown
    RANK_RULE_BLOCK: N_("the per-file rule block"),
    RANK_TABLE: N_("the responsibility table"),
    RANK_METADATA: N_("the per-file metadata"),
    RANK_RESPONSABLES: N_("a **Responsables** line"),
    RANK_AGENT_LIST: N_("an agent file's protected-files list"),
}

OWNER_KEYS = ("RESPONSABLE", "RESPONSIBLE", "OWNER", "PROPIETARIO")
ADVICE_KEYS = ("PERMITIDO", "PROHIBIDO", "ALLOWED", "FORBIDDEN", "NOTA", "NOTE", "MOTIVO", "RAZON")
MARKERS = {"❌": "critical", "⚠": "high"}  # after variation selectors are removed
_VARIATION = dict.fromkeys((0xFE0E, 0xFE0F))
_AGENT = re.compile(r"[a-z0-9][a-z0-9._-]*")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
_BULLET_KV = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\*\*(.+?)\*\*\s*:?\s*(?:\*\*)?\s*:?\s*(.*)$")
_RULE_LINE = re.compile(r"^\S+\s+([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ _-]*):\s*(.*)$")
_ARROW = re.compile(r"^\s*[-*+]\s+(.+?)\s*(?:→|->|=>)\s*(.+?)\s*$")
_OFFICE_LINE = re.compile(
    r"\*\*\s*(?:tu oficina|your office|oficina|office)\s*\*\*\s*:\s*`?([^`\s]+)`?", re.IGNORECASE
)
_SPECIAL = re.compile(r"^\s*[-*+]\s+[`*]*([^`*:]+?)[`*]*\s*:\s*(.+)$")
_ALL_FILES = re.compile(r"\b(todos|todo|all|everything|cualquier|any)\b", re.IGNORECASE)
_CAPS_NAMES = {
    "LICENSE",
    "README",
    "CHANGELOG",
    "AUTHORS",
    "CODEOWNERS",
    "VERSION",
    "NOTICE",
    "CONTRIBUTING",
    "COPYING",
    "INSTALL",
    "MAKEFILE",
    "DOCKERFILE",
    "PROCFILE",
}


@dataclass(frozen=True)
class Claim:
    """One statement of one document: a value, where it was read, and its authority rank."""

    value: str
    source: str
    rank: int = 0


@dataclass
class PathClaims:
    """Everything the documents say about one protected path."""

    order: int
    levels: list[Claim] = field(default_factory=list)
    owners: list[Claim] = field(default_factory=list)
    backups: list[Claim] = field(default_factory=list)
    notes: list[Claim] = field(default_factory=list)
    contexts: list[Claim] = field(default_factory=list)  # the heading each listing stands under


@dataclass
class Area:
    """One agent section of the RESPONSIBLE_AGENTS directory (an advisory responsibility)."""

    agent: str
    source: str
    text: str = ""
    files: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)
    authority: list[str] = field(default_factory=list)  # ``AUTORIDAD EXCLUSIVA`` lines
    category: str = ""  # the heading above the agent's entry (``🗄️ BASE DE DATOS``)


@dataclass(frozen=True)
class MdLine:
    """A markdown line with its context: inside which fenced block, under which headings."""

    no: int
    text: str
    block: int | None  # id of the fenced block holding the line, None in prose
    lang: str  # the block's info string ("" for an untagged block)
    headings: tuple[str, ...]  # the open headings, outermost first

    @property
    def heading(self) -> str:
        """The nearest heading above the line ('' before the first one)."""
        return self.headings[-1] if self.headings else ""


class Collector:
    """Claims gathered from every document, then resolved into rules data with findings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.result = ImportResult(data={})
        self.paths: dict[str, PathClaims] = {}
        self.defined: dict[str, str] = {}  # agent -> FILE:LINE of its definition
        self.refs: dict[str, str] = {}  # agent -> FILE:LINE of its first reference
        self.offices: dict[str, list[Claim]] = {}
        self.superusers: list[Claim] = []
        self.escalations: list[Claim] = []
        self.areas: list[Area] = []
        self.scopes: dict[str, list[Claim]] = {}  # agent -> scoped special permissions

    def claims(self, pattern: str) -> PathClaims:
        """The claims about `pattern`, created in document order (the order breaks ties)."""
        if pattern not in self.paths:
            self.paths[pattern] = PathClaims(order=len(self.paths))
        return self.paths[pattern]

    def refer(self, agent: str, source: str) -> None:
        """Remember the first place an agent is named (for agents without a definition file)."""
        self.refs.setdefault(agent, source)

    def warn(self, source: str, message: str, other: str | None = None) -> None:
        """A skipped line or a disagreement between documents."""
        self.result.note("warning", source, message, other)

    def info(self, source: str, message: str, other: str | None = None) -> None:
        """A choice made for the user (a default, something left out on purpose)."""
        self.result.note("info", source, message, other)

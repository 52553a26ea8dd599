"""What an importer hands back: the rules as plain data, where each part came from, and findings.

Importers never fail on a bad document: adoption is the moment a team learns how inconsistent its
protocol files are, so every skipped line and every disagreement between two sources becomes a
`Finding` that names the place (and, for a conflict, the other place) instead of an exception.

`ImportResult.sources` keys (values are ``FILE:LINE``):

- ``agent:<name>``: where the agent was defined (or first referenced);
- ``protected:<pattern>``: where the protected rule came from (one rule per pattern);
- ``responsibility:<area>``: where the responsibility row came from;
- ``escalation`` and ``superusers``: where those were read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from workspace_guard.i18n import _, ngettext, severity

FindingLevel = Literal["error", "warning", "info"]
FINDING_LEVELS: tuple[FindingLevel, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One thing the importer wants a human to know, anchored at ``FILE:LINE``.

    `level`: ``error`` (the result is missing something the documents require), ``warning`` (a
    line was skipped or two sources disagree and one was chosen), ``info`` (a choice was made for
    you, e.g. a default). `other_source` is the second place of a conflict.
    """

    level: FindingLevel
    source: str
    message: str
    other_source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON object (stable keys)."""
        return {
            "level": self.level,
            "source": self.source,
            "message": self.message,
            "other_source": self.other_source,
        }

    def __str__(self) -> str:
        also = ""
        if self.other_source:
            also = _(" (other source: {source})").format(source=self.other_source)
        # a source is FILE:LINE, or a label such as adopt.protocol.DEFAULT_SOURCE (translated)
        return f"{_(self.source)}: {severity(self.level)}: {self.message}{also}"


@dataclass
class ImportResult:
    """The imported rules (contract §3 schema as plain data), their provenance and the findings."""

    data: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def note(
        self, level: FindingLevel, source: str, message: str, other_source: str | None = None
    ) -> None:
        """Record a finding (the importers' only way to complain)."""
        self.findings.append(Finding(level, source, message, other_source))

    @property
    def has_errors(self) -> bool:
        """True when at least one finding is an error."""
        return any(f.level == "error" for f in self.findings)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per level, every level present (zero included)."""
    out: dict[str, int] = dict.fromkeys(FINDING_LEVELS, 0)
    for finding in findings:
        out[finding.level] += 1
    return out


def report_text(findings: Iterable[Finding]) -> str:
    """Findings one per line (``FILE:LINE: level: message``), then a one-line tally.

    Order is the importer's (document order), which keeps related findings together.
    """
    items = list(findings)
    lines = [str(f) for f in items]
    tally = counts(items)
    lines.append(
        ", ".join(
            (
                ngettext("{n} error", "{n} errors", tally["error"]).format(n=tally["error"]),
                ngettext("{n} warning", "{n} warnings", tally["warning"]).format(
                    n=tally["warning"]
                ),
                ngettext("{n} note", "{n} notes", tally["info"]).format(n=tally["info"]),
            )
        )
    )
    return "\n".join(lines) + "\n"


def report_json(result: ImportResult) -> dict[str, Any]:
    """The machine-readable report: findings, their counts per level, and a summary of the rules."""
    data = result.data
    agents = data.get("agents") or {}
    return {
        "findings": [f.to_json() for f in result.findings],
        "counts": counts(result.findings),
        "summary": {
            "agents": len(agents),
            "offices": sum(1 for a in agents.values() if isinstance(a, dict) and a.get("office")),
            "superusers": len(data.get("superusers") or []),
            "protected": len(data.get("protected") or []),
            "responsibilities": len(data.get("responsibilities") or []),
        },
    }

"""The typed model of a rules file and of a decision. Pure data: no I/O, no git, no click."""

from __future__ import annotations

from workspace_guard.core.record import Record, factory

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

LEVELS: tuple[str, ...] = ("critical", "high", "none")
LEVEL_RANK = {"none": 0, "high": 1, "critical": 2}

REASONS = ("superuser", "office", "owner", "unprotected", "approved", "protected", "claimed")


class Agent(Record):
    """One entry of the agent registry."""

    name: str
    department: str | None = None
    office: str | None = None  # repository-relative directory, always ending in "/"
    source: str = ""  # FILE:LINE


class ProtectedRule(Record):
    """One `protected:` entry; `index` is its position, the precedence (last match wins)."""

    index: int
    pattern: str
    owner: str | None
    backup: tuple[str, ...]
    level: str
    note: str | None
    source: str  # FILE:LINE


class Responsibility(Record):
    """One row of the advisory responsibility matrix."""

    area: str
    patterns: tuple[str, ...]
    responsible: str
    backup: tuple[str, ...]
    source: str


class Rules(Record):
    """A loaded, validated rules file."""

    path: str  # the name shown in messages, e.g. ".workspace/rules.yaml"
    version: int
    escalation: str
    superusers: tuple[str, ...]
    agents: Mapping[str, Agent]
    protected: tuple[ProtectedRule, ...]
    responsibilities: tuple[Responsibility, ...] = ()
    commit: Mapping[str, Any] = factory(default_factory=dict)
    harness: Mapping[str, Any] = factory(default_factory=dict)
    watch: Mapping[str, Any] = factory(default_factory=dict)
    language: str | None = None  # None: not set (the locale variables decide, else English)
    handles: Mapping[str, str] = factory(default_factory=dict)  # agent -> CODEOWNERS owner (export)

    def office_of(self, path: str) -> Agent | None:
        """The agent whose office contains `path` (deepest office wins), or None."""
        best: Agent | None = None
        for agent in self.agents.values():
            office = agent.office
            if (
                office
                and (path + "/").startswith(office)
                and (best is None or len(office) > len(best.office or ""))
            ):
                best = agent
        return best


class Approval(Record):
    """A recorded approval: `approver` lets `agent` change `path` until `until` (epoch seconds)."""

    agent: str
    path: str
    approver: str
    until: float | None = None
    id: str = ""


class Decision(Record):
    """The answer of contract §3 for one agent and one path."""

    agent: str
    path: str  # repository-relative, normalised
    allowed: bool
    reason: str  # one of REASONS
    owner: str | None = None
    backup: tuple[str, ...] = ()
    level: str = "none"
    rule: ProtectedRule | None = None
    escalation: str = ""
    office: str | None = None  # the office the path lies in, if any
    approved_by: str | None = None
    via: str | None = None  # "link" or "target" when a symlink decided, "case" a case variant
    target: str | None = None  # where the symlink `path` points (repository-relative), if it is one
    claimed_by: str | None = None  # reason `claimed`: the agent whose live claim holds the path
    claim_until: float | None = None  # … and when that claim expires (epoch seconds)
    claim_id: str | None = None

    def for_path(self, path: str) -> Decision:
        """The same decision for another path (a copy that skips `__init__`: a commit may
        stage 10,000 paths that share a handful of verdicts)."""
        copy = object.__new__(Decision)
        fields = copy.__dict__  # the new instance's own dict, filled in place
        fields.update(self.__dict__)
        fields["path"] = path
        return copy

    @property
    def rank(self) -> int:
        """Strictness for comparing two decisions (denied beats allowed, then level)."""
        return (0 if self.allowed else 10) + LEVEL_RANK.get(self.level, 0)

    def to_json(self) -> dict[str, Any]:
        """The per-path object of `validate --format json` (contract §6)."""
        rule = None
        if self.rule is not None:
            rule = {"pattern": self.rule.pattern, "source": self.rule.source}
        return {
            "path": self.path,
            "allowed": self.allowed,
            "reason": self.reason,
            "owner": self.owner,
            "backup": list(self.backup),
            "level": self.level,
            "rule": rule,
            **(self._claim_json() if self.claimed_by is not None else {}),
        }

    def _claim_json(self) -> dict[str, Any]:
        """Reason `claimed`: who holds the path and until when (extra fields of §6's object)."""
        return {
            "claimed_by": self.claimed_by,
            "claim_until": self.claim_until,
            "claim_id": self.claim_id,
        }

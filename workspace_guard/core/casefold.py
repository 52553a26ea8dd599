"""The rules read without regard to letter case (ATTACK F81): where a protected path lies on a
case-insensitive file system (macOS APFS, Windows NTFS), `APP/MAIN.PY` opens `app/main.py`.

The push gate already refuses names that differ only in case; the other layers ask this view as
well as the rules themselves and keep the stricter answer (`decide.stricter`), on every
platform: a name that differs from a protected path only in letter case is that path. The view
only ever adds denials — an office or an allowed path is never wider for it. Pure: no I/O.
"""

from __future__ import annotations

import weakref

from workspace_guard.core.decide import Decider, office_rule
from workspace_guard.core.patterns import PatternError, PatternIndex, check_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from workspace_guard.core.model import Agent, Approval, Decision, ProtectedRule


class FoldedRules:
    """The protected patterns and offices of a `Decider`, case-folded, built once per rules."""

    def __init__(self, decider: Decider) -> None:
        self.decider = decider
        rules = decider.rules
        patterns = [rule.pattern for rule in rules.protected]
        offices = [a for a in rules.agents.values() if a.office]
        folded = [_folded(p) for p in patterns]
        #: nothing to fold in the rules: a path already in folded form decides the same way
        self.plain = folded == patterns and all(
            (a.office or "") == (a.office or "").casefold() for a in offices
        )
        self._patterns = folded
        self._index: PatternIndex | None = None
        self._offices = {(a.office or "").rstrip("/").casefold(): a for a in offices}

    def same_as_rules(self, path: str) -> bool:
        """True when this view answers for `path` exactly as the rules do."""
        return self.plain and path.casefold() == path

    def locate(self, path: str) -> tuple[Agent | None, ProtectedRule | None]:
        """(the office, the governing rule) of `path` compared without regard to case."""
        folded = path.casefold()
        office = self._office_of(folded)
        if office is not None:
            return office, office_rule(office.name, office.office or "", office.source)
        if self._index is None:
            self._index = PatternIndex(self._patterns)
        found = self._index.match(folded)
        return None, self.decider.rules.protected[found] if found >= 0 else None

    def _office_of(self, folded: str) -> Agent | None:
        """The deepest office holding `folded` (a dict lookup per directory level)."""
        candidate = folded
        while candidate:
            agent = self._offices.get(candidate)
            if agent is not None:
                return agent
            candidate = candidate.rpartition("/")[0]
        return None

    def decide(self, agent: str, path: str, approvals: Iterable[Approval] = ()) -> Decision:
        """The decision for a registered `agent` and `path` under the folded rules."""
        office, rule = self.locate(path)
        return self.decider.verdict(agent, path, office, rule, approvals=approvals)


def _folded(pattern: str) -> str:
    """`pattern` case-folded, or as it is where folding would make it invalid."""
    folded = pattern.casefold()
    if folded == pattern:
        return pattern
    try:
        check_pattern(folded)
    except PatternError:
        return pattern
    return folded


_VIEWS: weakref.WeakKeyDictionary[Decider, FoldedRules] = weakref.WeakKeyDictionary()


def folded_rules(decider: Decider) -> FoldedRules:
    """The folded view of `decider`'s rules (one per decider: a hook server reuses it)."""
    view = _VIEWS.get(decider)
    if view is None:
        view = _VIEWS[decider] = FoldedRules(decider)
    return view

"""The rules read without regard to letter case (ATTACK F81): where a protected path lies on a
case-insensitive file system (macOS APFS, Windows NTFS), `APP/MAIN.PY` opens `app/main.py`.

Each file system has its own notion of "the same name", none of them Python's `str.casefold()`
(ATTACK F97): NTFS upper-cases every UTF-16 code unit through its `$UpCase` table (a simple 1:1
mapping: `ı` U+0131 is `I`, `ß` stays `ß`); APFS case-folds and ignores the normalisation form
(`é` and `e` + U+0301 are one name); others lower-case. So the rules are read under each
comparison (`canon.KEYS`: case folding, simple upper case, simple lower case, canonical caseless
matching) and a name that any of them maps onto a protected path is that path. Compatibility
forms (fullwidth `ａｐｐ`) are other names everywhere and stay so.

The push gate already refuses names that differ only in case; the other layers ask this view as
well as the rules themselves and keep the stricter answer (`decide.stricter`), on every
platform. The view only ever adds denials — an office or an allowed path is never wider for it.
Pure string work, built once per rules: no I/O.
"""

from __future__ import annotations

import weakref

from workspace_guard.core.canon import KEYS, casefold
from workspace_guard.core.decide import Decider, office_rule
from workspace_guard.core.patterns import PatternError, PatternIndex, check_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from workspace_guard.core.model import Agent, Approval, Decision, ProtectedRule

    Located = tuple[Agent | None, ProtectedRule | None]


class _View:
    """The rules under one or more comparisons giving the same patterns and offices."""

    def __init__(
        self, keys: list[Callable[[str], str]], patterns: list[str], offices: dict[str, Agent]
    ):
        self.keys = keys
        self.patterns = patterns
        self.offices = offices
        self.index: PatternIndex | None = None


class FoldedRules:
    """The protected patterns and offices of a `Decider` under each comparison of :data:`KEYS`,
    built once per rules."""

    def __init__(self, decider: Decider) -> None:
        self.decider = decider
        rules = decider.rules
        patterns = [rule.pattern for rule in rules.protected]
        offices = [a for a in rules.agents.values() if a.office]
        views: dict[tuple[tuple[str, ...], tuple[str, ...]], _View] = {}
        for key in KEYS:
            folded = [_folded(p, key) for p in patterns]
            by_office = {key((a.office or "").rstrip("/")): a for a in offices}
            shape = (tuple(folded), tuple(by_office))
            if shape in views:
                views[shape].keys.append(key)
            else:
                views[shape] = _View([key], folded, by_office)
        self._views = list(views.values())
        #: nothing to fold in the rules: a path every comparison leaves as it is decides the same
        self.plain = len(self._views) == 1 and self._views[0].patterns == patterns
        self.plain = self.plain and all(
            (a.office or "").rstrip("/") in self._views[0].offices for a in offices
        )

    def same_as_rules(self, path: str) -> bool:
        """True when this view answers for `path` exactly as the rules do."""
        if not self.plain:
            return False
        if path.isascii():
            return path.lower() == path
        return all(key(path) == path for key in KEYS)

    def locations(self, path: str) -> list[Located]:
        """(the office, the governing rule) of `path` under each comparison that reads it as
        another name (or under rules it reads otherwise)."""
        out: list[Located] = []
        for view in self._views:
            for name in dict.fromkeys(key(path) for key in view.keys):
                if name == path and self.plain:
                    continue
                found = self._locate(view, name)
                if found not in out:
                    out.append(found)
        return out

    def locate(self, path: str) -> Located:
        """(the office, the governing rule) of `path` compared by case folding."""
        return self._locate(self._views[0], casefold(path))

    def _locate(self, view: _View, name: str) -> Located:
        office = _office_of(view.offices, name)
        if office is not None:
            return office, office_rule(office.name, office.office or "", office.source)
        if view.index is None:
            view.index = PatternIndex(view.patterns)
        found = view.index.match(name)
        return None, self.decider.rules.protected[found] if found >= 0 else None

    def decide(self, agent: str, path: str, approvals: Iterable[Approval] = ()) -> Decision:
        """The strictest decision for a registered `agent` and `path` under the comparisons."""
        approvals = list(approvals)
        found = [
            self.decider.verdict(agent, path, office, rule, approvals=approvals)
            for office, rule in self.locations(path) or [self.locate(path)]
        ]
        return max(found, key=lambda d: d.rank)


def _office_of(offices: dict[str, Agent], name: str) -> Agent | None:
    """The deepest office holding `name` (a dict lookup per directory level)."""
    candidate = name
    while candidate:
        agent = offices.get(candidate)
        if agent is not None:
            return agent
        candidate = candidate.rpartition("/")[0]
    return None


def _folded(pattern: str, key: Callable[[str], str]) -> str:
    """`pattern` under `key`, or as it is where that would make it invalid."""
    folded = key(pattern)
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

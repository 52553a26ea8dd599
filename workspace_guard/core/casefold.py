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
from workspace_guard.core.model import LEVEL_RANK
from workspace_guard.core.patterns import PatternError, PatternIndex, check_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

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


def stricter_by_case(
    decider: Decider, agent: str, paths: Sequence[str], approvals: Iterable[Approval] = ()
) -> dict[int, Decision]:
    """The paths (by index) that a file system's comparison of names reads as a path the rules
    protect more strictly than the path as written, each with that stricter decision (its
    `path` the one written): `App/Main.py` where `app/main.py` is protected. For a registered
    `agent`. The validator, the commit hooks and the watch daemon ask it beside the rules, as
    the harness gate (`path_identity.decide`) and the push gate (`path-case`) do, on every
    platform (ATTACK F81). Empty in the common case (nothing in the rules or the path folds),
    at one string test per path."""
    view = folded_rules(decider)
    approvals = tuple(approvals)
    made: dict[tuple[str | None, str | None, int], Decision] = {}
    out: dict[int, Decision] = {}
    for at, path in enumerate(paths):
        if not path or view.same_as_rules(path):
            continue
        office = decider.office_of(path)
        plain = (
            office,
            office_rule(office.name, office.office or "", office.source)
            if office
            else decider.rule_for(path),
        )
        best: Decision | None = None
        first = True
        for where, rule in [plain, *view.locations(path)]:
            key = (
                where.name if where else None,
                rule.source if rule else None,
                rule.index if rule else -9,
            )
            decision = None if approvals else made.get(key)
            if decision is None:
                decision = decider.verdict(agent, path, where, rule, approvals=approvals)
                if not approvals:
                    made[key] = decision
            if first:
                plain_rank, first = decision.rank, False
            if best is None or decision.rank > best.rank:
                best = decision
        if best is not None and best.rank > plain_rank:
            out[at] = best if best.path == path else best.for_path(path)
    return out


def protecting(decider: Decider, path: str) -> ProtectedRule | None:
    """The strictest rule that protects `path` as a file system's comparison of names reads it
    (`APP/MAIN.PY` → `app/main.py`'s rule), or None: for the layers that ask whether a path is
    protected at all, whoever writes it."""
    view = folded_rules(decider)
    if not path or view.same_as_rules(path):
        return None
    found = [r for _office, r in view.locations(path) if r is not None and r.level != "none"]
    return max(found, key=lambda r: LEVEL_RANK.get(r.level, 0)) if found else None


def case_note(path: str, rule: ProtectedRule | None) -> str:
    """Why `path` is judged as the protected path it differs from only in letter case."""
    from workspace_guard.i18n import _

    if rule is None:
        return ""
    return _(
        "{path} differs only in letter case from {protected} (rule at {source}): on macOS and "
        "Windows it is that file, so it is judged as protected on every platform."
    ).format(path=path, protected=rule.pattern.lstrip("/"), source=rule.source)

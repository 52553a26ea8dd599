"""The one decision every layer asks (contract §3): may agent A change path P?

Pure: paths arrive normalised and repository-relative, approvals arrive as data. Symlinks are the
caller's business (it decides both names and keeps the stricter answer with `stricter`).
"""

from __future__ import annotations

from workspace_guard.core.model import Agent, Approval, Decision, ProtectedRule, Rules
from workspace_guard.core.patterns import PatternIndex
from workspace_guard.errors import UnknownAgentError

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence


# A compiled index is a function of its patterns alone (its caches of directories asked are too,
# and it may be shared between threads): the hook server, which answers call after call with the
# same rules, builds it once instead of once per call. Bounded: 4 sets of patterns, each index
# rebuilt once its caches pass `_INDEX_ENTRIES` directories.
_INDEXES: dict[tuple[str, ...], PatternIndex] = {}
_INDEX_ENTRIES = 200_000


# The Decider of each `Rules` object this process asked `shared` for (held with it, so an id is
# never reused while listed): the hook server gets the very `Rules` object back from the rules
# cache while its bytes stay the same (`rules_cache._LOADED`), and so keeps one Decider — and the
# views built per Decider (`casefold.folded_rules`) — across calls. Bounded like `_INDEXES`.
_SHARED: dict[int, Decider] = {}
_DIRS_MAX = 100_000  # directories a shared Decider remembers before it forgets them all


def shared(rules: Rules) -> Decider:
    """The Decider of `rules` this process already built, else a new one (remembered)."""
    decider = _SHARED.get(id(rules))
    if decider is None or decider.rules is not rules:
        if len(_SHARED) >= 4:
            _SHARED.clear()
        decider = _SHARED[id(rules)] = Decider(rules)
    elif len(decider._dir_office) > _DIRS_MAX:
        decider._dir_office.clear()
    return decider


class Decider:
    """Rules plus their compiled pattern index; build once, ask many times."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._index: PatternIndex | None = None
        self._offices: dict[str, Agent] | None = None
        self._office_rules: dict[str, ProtectedRule] = {}
        self._dir_office: dict[str, Agent | None] = {}

    def office_of(self, path: str) -> Agent | None:
        """The agent whose office holds `path` (the deepest office wins): dict lookups per
        directory level, cached per directory, since hooks ask for thousands of paths."""
        offices = self._office_table()
        if not offices:
            return None
        own = offices.get(path)
        if own is not None:
            return own
        directory = path.rpartition("/")[0]
        if directory in self._dir_office:
            return self._dir_office[directory]
        found, candidate = None, directory
        while candidate:
            found = offices.get(candidate)
            if found is not None:
                break
            candidate = candidate.rpartition("/")[0]
        self._dir_office[directory] = found
        return found

    def _office_table(self) -> dict[str, Agent]:
        """Office folder (without its trailing `/`) → its agent, built on first use."""
        if self._offices is None:
            agents = self.rules.agents.values()
            self._offices = {a.office.rstrip("/"): a for a in agents if a.office}
        return self._offices

    def _office_rule(self, office: Agent) -> ProtectedRule:
        """The implicit rule of an agent's office (built once per office)."""
        rule = self._office_rules.get(office.name)
        if rule is None:
            rule = office_rule(office.name, office.office or "", office.source)
            self._office_rules[office.name] = rule
        return rule

    @property
    def index(self) -> PatternIndex:
        """The compiled protected patterns, built on first use (a call may never need them), or
        the index this process already built from the same patterns (`_INDEXES`)."""
        if self._index is None:
            patterns = tuple(rule.pattern for rule in self.rules.protected)
            index = _INDEXES.get(patterns)
            if index is None or len(index._dirs) + len(index._files) > _INDEX_ENTRIES:
                if len(_INDEXES) >= 4:
                    _INDEXES.clear()
                index = _INDEXES[patterns] = PatternIndex(patterns)
            self._index = index
        return self._index

    def check_agent(self, agent: str) -> None:
        """Raise `UnknownAgentError` naming the closest registered agents."""
        if agent in self.rules.agents:
            return
        raise self.unknown_agent(agent)

    def unknown_agent(self, agent: str) -> UnknownAgentError:
        """The error for an agent the rules do not register, with the closest names."""
        import difflib

        from workspace_guard.i18n import _

        close = difflib.get_close_matches(agent, list(self.rules.agents), n=3, cutoff=0.5)
        hint = _("did you mean {names}?").format(names=", ".join(close)) if close else None
        known = ", ".join(sorted(self.rules.agents)[:12])
        return UnknownAgentError(
            _("unknown agent {agent!r}: it is not registered in {rules}").format(
                agent=agent, rules=self.rules.path
            ),
            hint=hint or _("registered agents: {names}").format(names=known),
        )

    def rule_for(self, path: str) -> ProtectedRule | None:
        """The last matching protected rule, or None."""
        found = self.index.match(path)
        return self.rules.protected[found] if found >= 0 else None

    def governing_rule(self, path: str) -> ProtectedRule | None:
        """The rule governing `path` for a non-owner: an office's implicit rule, or `rule_for`."""
        return self.governing_rules([path])[0]

    def governing_rules(self, paths: Sequence[str]) -> list[ProtectedRule | None]:
        """`governing_rule` for each path, the paths matched in batches (without offices in the
        rules, no office is looked up: the matched rule decides every path)."""
        if not self._office_table():
            protected = self.rules.protected
            return [protected[i] if i >= 0 else None for i in self.index.match_many(paths)]
        return [self._rule_at(office, index) for _, office, index in self._located(paths)]

    def _located(self, paths: Sequence[str]) -> Iterator[tuple[str, Agent | None, int]]:
        """(path, its office, the index of its last matching protected rule) for each path,
        matched in batches of 512 (a caller may stop early; a commit may stage 10,000)."""
        match_many, office_of = self.index.match_many, self.office_of
        for start in range(0, len(paths), 512):
            batch = paths[start : start + 512]
            for path, index in zip(batch, match_many(batch), strict=True):
                yield path, office_of(path), index

    def _rule_at(self, office: Agent | None, index: int) -> ProtectedRule | None:
        """The governing rule from what `_located` found: the office's, else the matched one."""
        if office is not None:
            return self._office_rule(office)
        return self.rules.protected[index] if index >= 0 else None

    def decide(
        self,
        agent: str,
        path: str,
        approvals: Iterable[Approval] = (),
        approved_by: str | None = None,
    ) -> Decision:
        """Steps 2–8 of contract §3 for one normalised path."""
        self.check_agent(agent)
        office = self.office_of(path)
        rule = self._office_rule(office) if office is not None else self.rule_for(path)
        return self.verdict(agent, path, office, rule, approvals=approvals, approved_by=approved_by)

    def decide_many(
        self,
        agent: str,
        paths: Sequence[str],
        approvals: Iterable[Approval] = (),
        approved_by: str | None = None,
    ) -> Iterator[Decision]:
        """`decide` for each path, in order, lazily: the agent is checked once and the paths
        are matched in one batch (a commit may stage 10,000 of them)."""
        for path, decision in self._verdicts(agent, paths, approvals, approved_by):
            yield decision if decision.path is path else decision.for_path(path)

    def shared_verdicts(
        self,
        agent: str,
        paths: Sequence[str],
        approvals: Iterable[Approval] = (),
        approved_by: str | None = None,
    ) -> list[Decision]:
        """`decide_many` without the copies: paths that share a verdict share one `Decision`
        object (whose `path` is the first of them), which the caller pairs with each path
        (`Decision.for_path` makes the per-path copy when one is needed). The validator's bulk
        path: 100,000 paths, a few hundred verdicts, no Python step per path but the match."""
        approvals = tuple(approvals)
        if approvals:  # they name paths: every path its own verdict
            return list(self.decide_many(agent, paths, approvals, approved_by))
        self.check_agent(agent)
        matched = self.index.match_many(paths)
        offices: list[Agent | None] | None = list(map(self.office_of, paths))
        keys: Sequence[object] = matched
        if offices is not None and any(office is not None for office in offices):
            keys = list(zip(map(id, offices), matched, strict=True))
        else:
            offices = None
        first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
        made = {}
        for key, at in first.items():
            office = offices[at] if offices is not None else None
            rule = self._rule_at(office, matched[at])
            made[key] = self.verdict(agent, paths[at], office, rule, approved_by=approved_by)
        return list(map(made.__getitem__, keys))

    def _verdicts(
        self,
        agent: str,
        paths: Sequence[str],
        approvals: Iterable[Approval],
        approved_by: str | None,
    ) -> Iterator[tuple[str, Decision]]:
        """(path, its verdict) in order; one verdict object per (office, rule) when no recorded
        approval names paths."""
        self.check_agent(agent)
        approvals = tuple(approvals)
        # Without recorded approvals (which name paths) a decision depends on the path only
        # through its office and rule: one verdict per (office, rule), copied for each path.
        made: dict[tuple[str | None, int], Decision] | None = None if approvals else {}
        for path, office, index in self._located(paths):
            key = (office.name, -2) if office is not None else (None, index)
            if made is not None and key in made:
                yield path, made[key]
                continue
            rule = self._rule_at(office, index)
            decision = self.verdict(
                agent, path, office, rule, approvals=approvals, approved_by=approved_by
            )
            if made is not None:
                made[key] = decision
            yield path, decision

    def decide_groups(
        self,
        agent: str,
        paths: Sequence[str],
        approvals: Iterable[Approval] = (),
        approved_by: str | None = None,
    ) -> list[tuple[Decision, list[str]]]:
        """`decide_many` with the paths that share a verdict gathered: (the decision for the
        first of them, all of them in order), groups in order of first appearance. Recorded
        approvals name paths, so with any, every path is its own group."""
        approvals = tuple(approvals)
        if approvals:
            return [(d, [d.path]) for d in self.decide_many(agent, paths, approvals, approved_by)]
        self.check_agent(agent)
        groups: dict[tuple[str | None, int], tuple[Decision, list[str]]] = {}
        for path, office, index in self._located(paths):
            key = (office.name, -2) if office is not None else (None, index)
            group = groups.get(key)
            if group is not None:
                group[1].append(path)
                continue
            rule = self._rule_at(office, index)
            groups[key] = (self.verdict(agent, path, office, rule, approved_by=approved_by), [path])
        return list(groups.values())

    def verdict(
        self,
        agent: str,
        path: str,
        office: Agent | None,
        rule: ProtectedRule | None,
        *,
        approvals: Iterable[Approval] = (),
        approved_by: str | None = None,
    ) -> Decision:
        """The decision for a path whose office (`office_of`) and governing rule
        (`governing_rule`: the office's, else the last matching one) are already known: for
        callers that match paths in batches or remember them across commits."""
        rules = self.rules
        where = office.office if office else None
        escalation = rules.escalation
        if agent in rules.superusers or (office is not None and office.name == agent):
            reason = "superuser" if agent in rules.superusers else "office"
            return Decision(agent, path, True, reason, escalation=escalation, office=where)
        if rule is None or rule.level == "none":
            return Decision(
                agent, path, True, "unprotected", rule=rule, escalation=escalation, office=where
            )
        if agent == rule.owner:
            verdict, reason, approver = True, "owner", None
        else:
            approver = self._approver(rule, agent, path, approvals, approved_by)
            verdict, reason = (True, "approved") if approver else (False, "protected")
        return Decision(
            agent,
            path,
            verdict,
            reason,
            rule.owner,
            rule.backup,
            rule.level,
            rule,
            escalation,
            where,
            approver,
        )

    def may_approve(self, rule: ProtectedRule, approver: str) -> bool:
        """Owner, backups and superusers may approve a change under `rule`; under a rule with no
        owner the escalation agent approves (contract §3: "no owner: approvals by escalation")."""
        if approver == rule.owner or approver in rule.backup or approver in self.rules.superusers:
            return True
        return rule.owner is None and approver == self.rules.escalation

    def approves_itself(self, agent: str, approver: str) -> bool:
        """`approver` would approve its own change: never an approval (the commit gate's rule,
        applied by every layer); a superuser needs none, so it is not refused one."""
        return approver == agent and agent not in self.rules.superusers

    def _approver(
        self,
        rule: ProtectedRule,
        agent: str,
        path: str,
        approvals: Iterable[Approval],
        approved_by: str | None,
    ) -> str | None:
        if approved_by is not None and approved_by != agent and self.may_approve(rule, approved_by):
            return approved_by
        for approval in approvals:
            if (
                approval.agent == agent
                and approval.approver != agent
                and _covers(approval.path, path)
                and self.may_approve(rule, approval.approver)
            ):
                return approval.approver
        return None


def office_rule(agent: str, office: str, source: str) -> ProtectedRule:
    """The implicit `high` rule owned by an office's agent (contract §3 step 4)."""
    return ProtectedRule(
        index=-1,
        pattern="/" + office,
        owner=agent,
        backup=(),
        level="high",
        note=f"office of {agent}",
        source=source,
    )


def _covers(approved: str, path: str) -> bool:
    """An approval names a file, or a directory (trailing '/') covering everything below it."""
    if approved.endswith("/"):
        return path.startswith(approved) or path == approved.rstrip("/")
    return approved == path


def stricter(decisions: Sequence[Decision]) -> Decision:
    """Of the decisions for a symlink and its target, the stricter one (contract §3 step 1)."""
    return max(decisions, key=lambda d: d.rank)

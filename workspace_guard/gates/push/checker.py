"""The check of one commit (gates/push/range.py runs it over a range).

A commit's own change: against its parent (a root commit: the empty tree); for a merge, what its
tree holds that none of its parents gave it (`--cc`: octopus merges too, conflict resolutions
included). Each path is matched against the rules once and each (agent, rule) verdict is made once.
"""

from __future__ import annotations

from workspace_guard import git
from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision, ProtectedRule, Rules
    from workspace_guard.core.template import Fields, TemplateConfig, Violation
    from workspace_guard.gates.push.listing import Commit
    from workspace_guard.repo import Repo


class CommitResult(Record):
    """What was found in one commit."""

    sha: str
    subject: str
    agent: str | None
    violations: tuple[Violation, ...]
    decisions: tuple[Decision, ...] = ()
    ref: str | None = None
    # the protected paths of its own change with their rules (audit records, summary)
    touched: tuple[tuple[str, ProtectedRule], ...] = ()


class Checker:
    """Checks commits against one set of trusted rules (or the default template without rules).

    The message is the record of the protocol (§5): a critical change passes on its
    `Aprobado-por`, not on an approval that happens to be recorded in some state directory at
    check time — so the pre-receive hook and CI give the same answer for the same commits.

    Work is shared across the range: each path is normalised and matched against the rules once
    (`_facts`), only protected paths are decided (an unprotected one is allowed to everyone, and
    the ownership checks skip it), and each (agent, rule) verdict is made once. Both caches are
    bounded (emptied when full), so memory does not grow with the length of the range.
    """

    MAX_FACTS = 1 << 15
    MAX_DECISIONS = 1 << 13

    def __init__(self, repo: Repo, rules: Rules | None) -> None:
        from workspace_guard.core.decide import Decider
        from workspace_guard.core.template import (
            TemplateConfig,
            check_message_bytes,
            ownership_in_order,
        )
        from workspace_guard.core.template.config import TRUSTED_REASONS
        from workspace_guard.core.template.ownership import level_met

        self.repo = repo
        self._trusted_reasons, self._level_met = TRUSTED_REASONS, level_met  # asked per rule
        # asked per commit: an import statement in `check` is a lookup in the import system
        self._check_message, self._ownership_in_order = check_message_bytes, ownership_in_order
        self.decider: Decider | None = Decider(rules) if rules else None
        self.agents: list[str] | None = list(rules.agents) if rules else None
        self.config: TemplateConfig = TemplateConfig.from_mapping(rules.commit if rules else None)
        self._facts: dict[str, tuple[str, ProtectedRule | None, Violation | None]] = {}
        self._decided: dict[tuple[str, int], Decision] = {}  # (agent, id(rule))
        # (agent, protocol, approvers) → {id(rule): TRUSTED | LISTED | FAILS}: what a
        # commit's message must still show for a path under that rule (see `_settled`)
        self._standing: dict[tuple[str, str | None, tuple[str, ...]], dict[int, int]] = {}
        self._strict: TemplateConfig | None = None
        self._folded: Decider | None = None

    def check(self, commit: Commit) -> CommitResult:
        """Template and ownership of one commit's own change (a merge's included)."""
        check_message_bytes = self._check_message
        paths, violations, touched = self._paths_touched(commit.paths)
        merge = len(commit.parents) > 1
        if merge and paths:
            paths = self._merge_own(commit.sha, paths, commit.parents)
            touched = self._touched(paths)
        if merge and self.decider is not None:
            from workspace_guard.gates.push.merges import taken_unchanged

            taken = taken_unchanged(
                self.repo.cwd, commit.sha, commit.parents, paths, self._protected_name
            )
            if taken:
                paths = [*paths, *taken]
                touched = self._touched(paths)
        strict = merge and bool(touched)
        config = self._no_merge_skip() if strict else self.config
        result = check_message_bytes(
            commit.message,
            config,
            parents=len(commit.parents),
            agents=self.agents,
            paths=paths,
        )
        if result.kind == "merge" and not merge:
            # a "Merge branch …" subject on a one-parent commit is not a merge: no exemption
            result = check_message_bytes(
                commit.message, self._no_merge_skip(), parents=1, agents=self.agents, paths=paths
            )
        violations[:0] = result.violations
        decisions: list[Decision] = []
        if (strict or not merge) and self.decider is not None:
            reported = any(v.id == "agent-unknown" for v in result.violations)
            decisions, owned = self._ownership(result.fields, paths, touched, reported)
            violations += owned
        return CommitResult(
            commit.sha,
            _subject(commit.message),
            result.fields.agent,
            tuple(violations),
            tuple(decisions),
            touched=tuple(touched),
        )

    def _touched(self, paths: list[str]) -> list[tuple[str, ProtectedRule]]:
        """The protected paths among `paths`, in order, with their rules."""
        found = []
        for path in paths:
            rule = self._rule(path)
            if rule is not None:
                found.append((path, rule))
        return found

    def _merge_own(self, sha: str, paths: list[str], parents: Sequence[str] = ()) -> list[str]:
        """A merge's own change, narrowed for protected paths to what `git diff-tree --cc`
        shows: a file both sides changed and git merged cleanly differs from every parent, yet
        holds nothing that no parent gave it. Unprotected paths are kept as listed (nothing to
        decide for them); where the patch cannot be read (a blobless clone), every listed path
        stays: strict, never lax."""
        protected = [p for p in paths if self._rule(p) is not None]
        if not protected:
            return paths
        args = ["--no-replace-objects", "--literal-pathspecs", "-c", "core.quotePath=true"]
        args += ["diff-tree", "--cc", "-p", "--no-renames", "--no-ext-diff", "--no-color"]
        args += ["--ignore-submodules=none", "--no-textconv", sha, "--", *protected]
        proc = git.run(args, self.repo.cwd, check=False)
        if proc.returncode != 0:
            return paths
        from workspace_guard.gates.push.merges import unquote

        shown = set()
        for line in proc.stdout.split(b"\n"):
            if line.startswith(b"diff --cc "):
                shown.add(unquote(line[10:]))
            elif line.startswith(b"diff --combined "):
                shown.add(unquote(line[16:]))
        # a name that is not ASCII stays (its listing form may differ from git's: NFC)
        kept = [p for p in paths if p in shown or not p.isascii() or self._rule(p) is None]
        dropped = [p for p in protected if p not in shown and p.isascii()]
        if dropped and len(parents) == 2:  # hunks each equal to some parent: re-merge them
            from workspace_guard.gates.push.merges import remerged_own

            kept += remerged_own(self.repo.cwd, sha, parents, dropped)
        return kept

    def _protected_name(self, name: str) -> str | None:
        """The normalised path of `name` (as git wrote it) when a rule protects it."""
        paths, _bad, touched = self._paths_touched([name])
        return paths[0] if touched else None

    def _paths(self, raw: Sequence[str]) -> tuple[list[str], list[Violation]]:
        """The commit's paths, normalised, each once; a violation per name that is not UTF-8
        (the commit hooks ask this of a merge they are about to record)."""
        paths, bad, _touched = self._paths_touched(raw)
        return paths, bad

    def _paths_touched(
        self, raw: Sequence[str]
    ) -> tuple[list[str], list[Violation], list[tuple[str, ProtectedRule]]]:
        """The commit's paths, normalised, each once; a violation per name that is not UTF-8;
        the protected ones with their rules (`_touched`, read from the same facts)."""
        facts = self._facts
        new = [name for name in raw if name not in facts]
        if len(facts) + 2 * len(new) >= self.MAX_FACTS:
            facts.clear()  # bounded: memory must not grow with the range
            new = list(raw)
        if new:
            self._learn(new)
        seen: dict[str, None] = {}
        bad: list[Violation] = []
        touched: list[tuple[str, ProtectedRule]] = []
        for name in raw:
            path, rule, problem = facts[name]
            if path not in seen:
                seen[path] = None
                if rule is not None:
                    touched.append((path, rule))
            if problem is not None:
                bad.append(problem)
        return list(seen), bad, touched

    def _learn(self, names: Sequence[str]) -> None:
        """Normalise and match names not seen before, in one batch (the case variants of the
        unprotected ones in a second batch)."""
        normalised = [(name, None) if name.isascii() else _unicode_path(name) for name in names]
        paths = [path for path, _ in normalised]
        found = self.decider.governing_rules(paths) if self.decider else [None] * len(paths)
        facts = self._facts
        unprotected: list[tuple[str, str]] = []
        for name, (path, problem), rule in zip(names, normalised, found, strict=True):
            if rule is not None and rule.level != "none":
                facts[name] = facts[path] = (path, rule, problem)
            elif problem is None and self.decider is not None:
                unprotected.append((name, path))
            else:
                facts[name] = facts[path] = (path, None, problem)
        if unprotected:
            variants = self._case_variants([path for _, path in unprotected])
            for (name, path), (rule, problem) in zip(unprotected, variants, strict=True):
                facts[name] = facts[path] = (path, rule, problem)

    def _case_variants(
        self, paths: Sequence[str]
    ) -> list[tuple[ProtectedRule | None, Violation | None]]:
        """`_case_variant` for unprotected paths, matched in one batch."""
        folded = self._folded_decider().governing_rules([path.lower() for path in paths])
        return [
            (None, None) if rule is None or rule.level == "none" else self._case_variant(path, rule)
            for path, rule in zip(paths, folded, strict=True)
        ]

    def _case_variant(
        self, path: str, rule: ProtectedRule
    ) -> tuple[ProtectedRule | None, Violation | None]:
        """A path that differs from a protected one only in letter case (`App/Main.py`): on a
        case-insensitive checkout (macOS, Windows) it replaces the protected file, so it is
        decided under that file's rule (`rule`, matched in lower case) and reported
        (`path-case`)."""
        from workspace_guard.core.template import Violation

        assert self.decider is not None
        protected = self.decider.rules.protected
        original = protected[rule.index] if 0 <= rule.index < len(protected) else rule
        if original.pattern.lower() != rule.pattern:
            original = rule  # an office's rule: no pattern of the rules file
        text = (
            f"{path} differs only in letter case from a path protected by `{original.pattern}` "
            f"({original.source or 'office'}, owner {original.owner or '-'}): on a "
            "case-insensitive checkout it replaces that file; rename it"
        )
        return original, Violation("path-case", text, path)

    def _folded_decider(self) -> Decider:
        """The rules with every pattern and office in lower case (built once, on first use)."""
        if self._folded is None:
            from workspace_guard.core.decide import Decider
            from workspace_guard.core.record import replace

            assert self.decider is not None
            rules = self.decider.rules
            protected = tuple(replace(r, pattern=r.pattern.lower()) for r in rules.protected)
            agents = {
                name: replace(a, office=a.office.lower()) if a.office else a
                for name, a in rules.agents.items()
            }
            self._folded = Decider(replace(rules, protected=protected, agents=agents))
        return self._folded

    def _rule(self, path: str) -> ProtectedRule | None:
        """The rule protecting a normalised path (offices included), or None."""
        if path not in self._facts:
            if len(self._facts) >= self.MAX_FACTS:
                self._facts.clear()
            self._learn([path])
        return self._facts[path][1]

    def _ownership(
        self,
        fields: Fields,
        paths: list[str],
        touched: list[tuple[str, ProtectedRule]],
        reported: bool = False,
    ) -> tuple[list[Decision], list[Violation]]:
        """The ownership violations of one commit, and the decisions of the paths at fault.

        Paths are gathered by the rule that protects them: with no recorded approvals in play
        (see the class), the verdict for an agent depends on the path only through that rule,
        so it is made once per (agent, rule) for the whole range and checked once per commit.
        """
        assert self.decider is not None
        agent = fields.agent
        if not agent:
            return [], self._unattributed(touched)
        if agent not in self.decider.rules.agents:
            # the template reports `agent-unknown` — unless it skipped the message (`fixup!`,
            # `Revert "…"`): an unknown agent is still nobody who may change a protected path
            return [], [] if reported else self._unattributed(touched, agent)
        if self._settled(agent, fields, touched):
            return [], []
        groups: dict[int, tuple[Decision, list[str]]] = {}
        for path, rule in touched:
            group = groups.get(id(rule))
            if group is None:
                groups[id(rule)] = (self._verdict(agent, path, rule), [path])
            else:
                group[1].append(path)
        if not groups:
            return [], []
        superusers = self.decider.rules.superusers
        return self._ownership_in_order(
            fields, list(groups.values()), paths, self.config, superusers=superusers
        )

    TRUSTED, LISTED, FAILS = 0, 1, 2

    def _settled(
        self, agent: str, fields: Fields, touched: list[tuple[str, ProtectedRule]]
    ) -> bool:
        """Whether `ownership_in_order` would find nothing, decided from a table per (agent,
        protocol, approvers) — the only parts of a message a verdict's level depends on — so a
        commit that passes builds no groups. For each rule: the agent is trusted there (owner,
        office, superuser), or the level is met and only `Archivo` must name the path, or the
        level fails. False sends the commit through `ownership_in_order` for the violations."""
        key = (agent, fields.protocol, fields.approved_by)
        table = self._standing.get(key)
        if table is None:
            if len(self._standing) >= self.MAX_DECISIONS:
                self._standing.clear()
            table = self._standing[key] = {}
        exact = folders = None
        for path, rule in touched:
            standing = table.get(id(rule))
            if standing is None:
                standing = table[id(rule)] = self._standing_of(agent, fields, path, rule)
            if standing == self.TRUSTED:
                continue
            if standing == self.FAILS:
                return False
            if exact is None:
                exact = {f for f in fields.files if not f.endswith("/")}
                folders = tuple(f for f in fields.files if f.endswith("/"))
            if not (path in exact or path.startswith(folders or ())):
                return False
        return True

    def _standing_of(self, agent: str, fields: Fields, path: str, rule: ProtectedRule) -> int:
        """TRUSTED, LISTED or FAILS for `agent` under `rule` with this message's protocol and
        approvers: the two questions `check_ownership_groups` asks of a verdict before
        `Archivo`."""
        assert self.decider is not None
        decision = self._verdict(agent, path, rule)
        if decision.reason in self._trusted_reasons:
            return self.TRUSTED
        superusers = self.decider.rules.superusers
        met = self._level_met(decision, fields, self.config, superusers=superusers)
        return self.LISTED if met else self.FAILS

    def _verdict(self, agent: str, path: str, rule: ProtectedRule) -> Decision:
        """The decision for `agent` under `rule` (an office's rule included), made once."""
        key = (agent, id(rule))
        decision = self._decided.get(key)
        if decision is None:
            assert self.decider is not None
            if len(self._decided) >= self.MAX_DECISIONS:
                self._decided.clear()
            office = self.decider.office_of(path)
            decision = self.decider.verdict(agent, path, office, rule)
            self._decided[key] = decision
        return decision

    def _no_merge_skip(self) -> TemplateConfig:
        if self._strict is None:
            from workspace_guard.core.record import replace

            skip = tuple(kind for kind in self.config.skip if kind != "merge")
            self._strict = replace(self.config, skip=skip)
        return self._strict

    def _unattributed(
        self, touched: list[tuple[str, ProtectedRule]], unknown: str | None = None
    ) -> list[Violation]:
        """A commit with no agent (or one the rules do not know) that touches protected paths:
        nobody can be allowed."""
        from workspace_guard.core.template import Violation

        out = []
        for path, rule in touched:
            text = f"{path} is protected ({rule.level}, owner {rule.owner or '-'}) and the " + (
                "commit names no `Agente`"
                if unknown is None
                else f"commit's `Agente` {unknown!r} is not registered in the rules"
            )
            out.append(Violation("agent-unknown", text, path))
        return out


def _unicode_path(path: str) -> tuple[str, Violation | None]:
    """A path as git wrote it → NFC (contract §3 step 1; an ASCII name is as it is). A name
    that is not UTF-8 cannot be named in the rules, in `Archivo` or in JSON: it is decided by
    its escaped spelling (`caf\\xe9.py`, so directory rules still reach it) and reported."""
    from workspace_guard.core.paths import nfc
    from workspace_guard.core.template import Violation

    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        text = (
            f"the file name {shown} is not valid UTF-8: rename it (git mv) so rules, `Archivo` "
            "and reviewers can name it"
        )
        return shown, Violation("path-encoding", text, shown)
    return nfc(path), None


def _subject(message: bytes) -> str:
    for line in message.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return ""

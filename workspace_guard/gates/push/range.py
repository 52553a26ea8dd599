"""The push and CI gate (contract §3 trust, §5, §6): `check-commits RANGE` and `hook pre-receive`.

Nothing local can skip this layer: `git commit --no-verify` and agents that commit without hooks
are caught when they push. Every commit is checked as the commit gate would have checked it —
its template, and the ownership of its own change for its `Agente` — with the rules of the
trusted base (gates/push/trust.py), never from the commits being checked.

A commit's own change: against its parent (a root commit: the empty tree); for a merge, what its
tree holds that none of its parents gave it (`--cc`: octopus merges too, conflict resolutions
included). Renames are not detected: both sides of a rename are two paths already, so a rename
cannot launder a protected path, and no blob is read (blobless partial clones work). One
streaming `git log` lists every commit and its changes (its options pin the listing against the
repository's configuration: see LOG_OPTIONS); each path is matched against the rules once and
each (agent, rule) verdict is made once.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.core.record import Record
from workspace_guard.errors import GuardError, UsageError
from workspace_guard.i18n import _
from workspace_guard.speed.gitread import is_oid

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Iterator, Sequence

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision, ProtectedRule, Rules
    from workspace_guard.core.template import Fields, TemplateConfig, Violation
    from workspace_guard.gates.push.trust import Settings
    from workspace_guard.repo import Repo

LOG_FORMAT = "%x1e%H %P%x1f%B%x1f"


class Commit(Record):
    """One commit of the range: id, parents, raw message bytes, and the paths its change
    touches against the first parent (both sides of a rename; as git wrote them)."""

    sha: str
    parents: tuple[str, ...]
    message: bytes
    paths: tuple[str, ...]


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


# `git log` options that make the listing independent of the repository's configuration: every
# root commit against the empty tree (`log.showRoot`), full paths from any directory
# (`diff.relative`), submodule changes shown (`diff.ignoreSubmodules`), messages in UTF-8
# (`i18n.logOutputEncoding`), no rename detection whatever `diff.renames` says (it reads blobs
# and would pair a protected path away), merges by their own change (`--cc`), and no
# replacement objects — a pushed `refs/replace/<bad>` would otherwise make git show a good
# commit in place of the bad one.
LOG_OPTIONS = (
    "--root",
    "--no-relative",
    "--ignore-submodules=none",
    "--encoding=UTF-8",
    "--no-renames",
    "--cc",
    "--name-status",
    "-z",
    "--no-color",
    "--no-ext-diff",
    "--no-notes",
    f"--format={LOG_FORMAT}",
)


def walk(
    cwd: str, rev_args: Sequence[str], listing: Generator[bytes, None, None] | None = None
) -> Iterator[Commit]:
    """Stream the commits of `git rev-list REV_ARGS` with their changes (one git process;
    `listing`: that process started already by `start_listing`).

    Offline while it runs (`OFFLINE`): in a partial clone a missing blob is never fetched from
    the promisor remote — the listing reads trees only, and the one reader of blobs (a merge's
    own change, `Checker._merge_own`) falls back to the strict answer instead."""
    saved = _set_env(OFFLINE)
    try:
        chunks = (
            listing if listing is not None else git.stream(_log_argv(rev_args), cwd, label="log")
        )
        try:
            yield from _parse_chunks(chunks)
        finally:
            chunks.close()
    finally:
        _set_env(saved)


def start_listing(cwd: str, rev_args: Sequence[str]) -> Generator[bytes, None, None]:
    """git's listing for `walk`, started now: git lists on another core while the caller loads
    the rules. Hand it to `check_range` (which closes it), or close it."""
    saved = _set_env(OFFLINE)
    try:
        return git.started(_log_argv(rev_args), cwd, label="log")
    finally:
        _set_env(saved)


def _log_argv(rev_args: Sequence[str]) -> list[str]:
    args = ["--no-replace-objects", "-c", "log.showSignature=false", "log", *LOG_OPTIONS]
    return [*args, *rev_args, "--"]


def _set_env(values: dict[str, str | None] | dict[str, str]) -> dict[str, str | None]:
    """Set (None: remove) environment variables; their previous values, to set them back."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return saved


# History as stored: replacement objects (`refs/replace/*`, which anyone can push) and grafts
# (`info/grafts`, which anyone with the clone can write) would let git show a good commit in place
# of a bad one, or hide a commit between two others. Shallow boundaries are handled apart
# (`clone_range`).
AS_STORED = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.path.join(os.devnull, "no-grafts")}

# No lazy fetch in a partial clone: git ≥ 2.44 reads GIT_NO_LAZY_FETCH; on older git the lazy
# fetch is a `git fetch` child that inherits the environment, and a protocol allow-list that
# names no real transport makes it fail at once (the caller then takes the strict answer).
OFFLINE = {"GIT_NO_LAZY_FETCH": "1", "GIT_ALLOW_PROTOCOL": "workspace-guard-offline"}


def _tokens(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """NUL-separated tokens from a stream of byte chunks (memory stays flat; a token longer
    than a chunk is joined once, not re-scanned per chunk)."""
    partial: list[bytes] = []
    for chunk in chunks:
        parts = chunk.split(b"\0")
        if len(parts) == 1:
            partial.append(chunk)
            continue
        partial.append(parts[0])
        yield b"".join(partial)
        yield from parts[1:-1]
        partial = [parts[-1]]
    tail = b"".join(partial)
    if tail:
        yield tail


def _parse_chunks(chunks: Iterator[bytes]) -> Iterator[Commit]:  # noqa: PLR0915 - one flat loop
    """`_parse_log(_tokens(chunks))` in one pass (the listing of a long range is ~22 tokens a
    commit; a generator step per token cost more than the rest of the parsing): each chunk is
    split once and its tokens are read by index. A change whose names continue in the next
    chunk is carried over whole; at the end, missing names read as empty, as in `_parse_log`."""
    header: tuple[str, tuple[str, ...], bytes] | None = None
    paths: list[str] = []
    partial: list[bytes] = []  # the unfinished last token, as in `_tokens`
    carry: list[bytes] = []  # complete tokens of a change whose names are not all here yet
    final = False
    chunks = iter(chunks)
    while not final:
        chunk = next(chunks, None)
        if chunk is None:
            final = True
            tail = b"".join(partial)
            parts = [*carry, tail] if tail else carry
        else:
            parts = chunk.split(b"\0")
            if len(parts) == 1:
                partial.append(chunk)
                continue
            partial.append(parts[0])
            parts[0] = b"".join(partial)
            partial = [parts.pop()]
            if carry:
                parts[:0] = carry
        carry = []
        i, n = 0, len(parts)
        while i < n:
            token = parts[i]
            if token[:1] == b"\x1e":
                if header is not None:
                    yield Commit(*header, tuple(paths))
                meta, _, body = token[1:].partition(b"\x1f")
                sha, *parents = meta.decode("ascii").split()
                header = (sha, tuple(parents), body[:-1] if body[-1:] == b"\x1f" else body)
                paths = []
                i += 1
                continue
            status = token.lstrip(b"\n")[:1]
            if not status:
                i += 1
                continue
            width = 3 if status in (b"R", b"C") else 2  # the status token and its names
            if i + width > n:
                if not final:
                    carry = parts[i:]
                    break
                parts += [b""] * (i + width - n)
                n = i + width
            if width == 2:
                paths.append(parts[i + 1].decode("utf-8", "surrogateescape"))
            elif status == b"R":
                paths.append(parts[i + 1].decode("utf-8", "surrogateescape"))
                paths.append(parts[i + 2].decode("utf-8", "surrogateescape"))
            else:  # a copy leaves its source as is
                paths.append(parts[i + 2].decode("utf-8", "surrogateescape"))
            i += width
    if header is not None:
        yield Commit(*header, tuple(paths))


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Commit]:
    """`%x1e<sha> <parents>%x1f<message>%x1f` then `<status>\\0<path>\\0` (two paths for R
    and C) per change. Paths are taken by position, so no file name can pass for a header.
    (The reference reading of the listing; `walk` uses `_parse_chunks`, which must agree.)"""
    header: tuple[str, tuple[str, ...], bytes] | None = None
    paths: list[str] = []
    for token in tokens:
        if token[:1] == b"\x1e":
            if header is not None:
                yield Commit(*header, tuple(paths))
            meta, _, body = token[1:].partition(b"\x1f")
            sha, *parents = meta.decode("ascii").split()
            header, paths = (sha, tuple(parents), body[:-1] if body[-1:] == b"\x1f" else body), []
            continue
        status = token.lstrip(b"\n")[:1]
        if not status:
            continue
        if status in (b"R", b"C"):
            old, new = next(tokens, b""), next(tokens, b"")
            names = (old, new) if status == b"R" else (new,)  # a copy leaves its source as is
        else:
            names = (next(tokens, b""),)
        paths += [name.decode("utf-8", "surrogateescape") for name in names]
    if header is not None:
        yield Commit(*header, tuple(paths))


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


# --- ranges, bases, shallow clones --------------------------------------------------------------


def resolve(repo: Repo, rev: str) -> str:
    """A revision's commit id, or a usage error naming it."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{rev}^{{commit}}"], repo.cwd, check=False)
    if proc.returncode != 0:
        raise UsageError(
            _("{rev!r} does not name a commit in this repository").format(rev=rev),
            hint=_("fetch it first (CI: `git fetch origin <branch>`), or check the spelling"),
        )
    return proc.stdout.decode("ascii").strip()


def range_args(repo: Repo, spec: str) -> tuple[list[str], str | None]:
    """`A..B`, `A...B` or `B` → rev-list arguments and the base whose rules decide."""
    if "..." in spec:
        left, right = spec.split("...", 1)
        left, right = resolve(repo, left or "HEAD"), resolve(repo, right or "HEAD")
        base = git.out(["merge-base", left, right], repo.cwd)
        return [right, f"^{base}"], base
    if ".." in spec:
        left, right = spec.split("..", 1)
        left, right = resolve(repo, left or "HEAD"), resolve(repo, right or "HEAD")
        return [right, f"^{left}"], left
    return [resolve(repo, spec)], None


def is_shallow(repo: Repo) -> bool:
    return git.out(["rev-parse", "--is-shallow-repository"], repo.cwd) == "true"


def _shallow_error(detail: str = "") -> UsageError:
    return UsageError(
        _("this is a shallow clone: commits of the range may be missing") + detail,
        hint=_(
            "fetch the whole history (`git fetch --unshallow`; GitHub Actions: "
            "actions/checkout with fetch-depth: 0), or at least the whole range and its base"
        ),
    )


def clone_range(repo: Repo, spec: str) -> tuple[list[str], str | None]:
    """`range_args` for a clone that may be shallow (CI checkouts often are). A shallow clone is
    checked only when it holds the whole range: no commit of the range may be a shallow boundary
    (a commit whose parents were not fetched), since what lies behind it would pass unseen. A
    range side that is not in a shallow clone is the same refusal, with the same hint."""
    quick = _resolved_range(repo, spec)
    if quick is not None:
        shallow, rev_args, base = quick
    else:
        shallow = is_shallow(repo)
        try:
            rev_args, base = range_args(repo, spec)
        except GuardError as exc:  # a side that is not here, or no merge base in what was fetched
            if shallow:
                raise _shallow_error(f" ({exc.message})") from exc
            raise
    if shallow:
        hidden = _shallow_commits(repo) & set(_rev_list(repo, rev_args))
        if hidden:
            first = sorted(hidden)[0][:10]
            raise _shallow_error(
                _(
                    ": {n} commit(s) of the range, {first} among them, have parents "
                    "that were not fetched"
                ).format(n=len(hidden), first=first)
            )
    return rev_args, base


def _resolved_range(repo: Repo, spec: str) -> tuple[bool, list[str], str | None] | None:
    """`is_shallow` and `range_args` from one `git rev-parse` where every side of the range
    resolves plainly to one commit (the usual `BASE..TIP`); None — ask the usual way, one
    side at a time, with its own messages — for anything else: a side that does not resolve,
    that starts with `-`, or whose answer is not exactly one commit id (`^X`, `A..B`)."""
    if "..." in spec:
        sides = [side or "HEAD" for side in spec.split("...", 1)]
    elif ".." in spec:
        sides = [side or "HEAD" for side in spec.split("..", 1)]
    else:
        sides = [spec]
    if any(side.startswith("-") for side in sides):
        return None
    args = ["rev-parse", "--is-shallow-repository", *(f"{side}^{{commit}}" for side in sides)]
    proc = git.run([*args, "--"], repo.cwd, check=False)
    lines = proc.stdout.decode("ascii", "replace").split("\n")
    if proc.returncode != 0 or lines[-2:] != ["--", ""] or len(lines) != len(sides) + 3:
        return None
    shallow, *oids = lines[: len(sides) + 1]
    if shallow not in ("true", "false") or not all(map(is_oid, oids)):
        return None
    if len(oids) == 1:
        return shallow == "true", [oids[0]], None
    left, right = oids
    if "..." in spec:
        try:
            base = git.out(["merge-base", left, right], repo.cwd)
        except GuardError:
            return None  # no merge base: `range_args` says so, shallow or not
        return shallow == "true", [right, f"^{base}"], base
    return shallow == "true", [right, f"^{left}"], left


def _shallow_commits(repo: Repo) -> set[str]:
    path = git.out(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], repo.cwd)
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return {line.strip() for line in handle if line.strip()}
    except FileNotFoundError:
        return set()


def _rev_list(repo: Repo, rev_args: Sequence[str]) -> list[str]:
    out = git.run(["--no-replace-objects", "rev-list", *rev_args, "--"], repo.cwd)
    return out.stdout.decode("ascii", "replace").split()


def default_branch(repo: Repo, settings: Settings | None = None) -> str | None:
    """The protected branch as this repository knows it, if it exists: the configured
    `workspace-guard.rulesRef`; in a bare repository the branch HEAD names; in a clone the
    remote's default (`origin/HEAD`). Never the branch checked out: usually the very branch
    being checked, which must not supply its own rules. (`settings`: the `workspace-guard.*`
    config values, when read already — `trust.gate_settings`.)"""
    for ref in _default_candidates(repo, settings):
        if git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False).returncode == 0:
            return ref
    return None


def _default_candidates(repo: Repo, settings: Settings | None = None) -> Iterator[str]:
    from workspace_guard.gates.push.trust import setting

    configured = setting(repo, settings, "workspace-guard.rulesRef")
    if configured:
        yield configured.strip()
    names = ["HEAD"] if repo.info.bare else ["refs/remotes/origin/HEAD"]
    for name in names:
        proc = git.run(["symbolic-ref", "-q", name], repo.cwd, check=False)
        ref = proc.stdout.decode("utf-8", "replace").strip()
        if ref:
            yield ref


def local_default_branch(repo: Repo) -> str | None:
    """The local branch `init.defaultBranch` names (a clone without a remote), if it exists."""
    configured = git.config_get("init.defaultBranch", repo.cwd)
    if not configured:
        return None
    ref = f"refs/heads/{configured.strip()}"
    proc = git.run(["rev-parse", "--verify", "-q", ref], repo.cwd, check=False)
    return ref if proc.returncode == 0 else None


def ci_base(
    repo: Repo, explicit: str | None, range_base: str | None, settings: Settings | None = None
) -> tuple[str, str]:
    """(revision whose rules decide, how it was found) for `check-commits`: `--base`, else the
    protected branch (`workspace-guard.rulesRef`, `origin/HEAD`; HEAD in a bare repository),
    else the left side of the range, else the local default branch. None of them: a usage error
    naming what was tried — a CI run must never pass on the template alone."""
    if explicit:
        return resolve(repo, explicit), "--base"
    branch = default_branch(repo, settings)
    if branch:
        return branch, _("protected branch")
    if range_base:
        return range_base, _("left side of the range")
    local = local_default_branch(repo)
    if local:
        return local, _("default branch")
    raise UsageError(
        _no_base_message(repo),
        hint=_(
            "name the revision whose rules decide with --base REV (in CI: the pull request's "
            "base sha), or a rules file with --rules FILE; or check a range BASE..HEAD"
        ),
    )


def _no_base_message(repo: Repo) -> str:
    tried = ["workspace-guard.rulesRef", "HEAD" if repo.info.bare else "origin/HEAD"]
    tried.append("init.defaultBranch")
    return _(
        "no base revision with rules was found for this check (tried {tried}; the range has no "
        "left side): checking the template alone would pass commits that break the ownership rules"
    ).format(tried=", ".join(tried))


def load_base_rules(repo: Repo, base: str | None) -> Rules | None:
    """Rules at the base revision; a broken file raises (the push is refused, never accepted)."""
    if base is None:
        branch = default_branch(repo)
        if branch is None:
            return repo.load_rules() if repo.rules_option else None
        base = branch
    return repo.rules_at(base)


def print_progress(done: int, total: int | None) -> None:
    """A one-line progress indicator on a terminal (stderr)."""
    if total:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} commits")
    else:
        sys.stderr.write(f"\r{done} commits")
    sys.stderr.flush()


def count_commits(repo: Repo, rev_args: Sequence[str]) -> int:
    """How many commits a range holds (for the progress bar)."""
    return int(git.out(["rev-list", "--count", *rev_args], repo.cwd) or 0)


def check_range(
    repo: Repo,
    rev_args: Sequence[str],
    rules: Rules | None,
    *,
    progress: bool = False,
    ref: str | None = None,
    listing: Generator[bytes, None, None] | None = None,
) -> Iterator[CommitResult]:
    """Check every commit `git rev-list REV_ARGS` lists (`listing`: from `start_listing`)."""
    try:
        checker = Checker(repo, rules)
        total = count_commits(repo, rev_args) if progress else None
    except BaseException:
        if listing is not None:
            listing.close()
        raise
    done = 0
    for commit in walk(repo.cwd, rev_args, listing):
        result = checker.check(commit)
        yield result if ref is None else _with_ref(result, ref)
        done += 1
        if progress and done % 25 == 0:
            print_progress(done, total)
    if progress and done:
        print_progress(done, total)
        sys.stderr.write("\n")


def _with_ref(result: CommitResult, ref: str) -> CommitResult:
    from workspace_guard.core.record import replace

    return replace(result, ref=ref)


def is_tty() -> bool:
    return os.isatty(sys.stderr.fileno()) if hasattr(sys.stderr, "fileno") else False


def pre_receive_hook(repo: Repo) -> int:
    """`hook pre-receive`: see gates/push/receive.py (it reads stdin and talks to pushers)."""
    from workspace_guard.gates.push.receive import pre_receive

    os.environ.update(AS_STORED)  # a pushed refs/replace/* must not disguise a commit
    return pre_receive(repo, sys.stdin.buffer.read())

"""What the daemon protects and what it compares against: the files committed at HEAD.

The baseline is `git ls-tree -r HEAD` (one exec, ~35 ms for 50k files), never the index: an
agent's `git add` must not make its own change look committed. A path is *protected* for the
daemon when its governing rule (the same `Decider.governing_rule` every layer asks, offices
included) has level critical or high, and the operator did not exclude it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

from workspace_guard import git
from workspace_guard.core.casefold import protecting
from workspace_guard.core.decide import Decider
from workspace_guard.core.model import ProtectedRule, Rules
from workspace_guard.core.patterns import PatternIndex, literal_prefix
from workspace_guard.gates.watch.fs import entry_signature

PROTECTING = ("critical", "high")
DEFAULT_INCIDENTS = ".workspace/incidents/"
DEFAULT_RESCAN = 60.0
# Untracked editor and tool scratch files: a swap file next to a protected file is not a new
# protected file, and quarantining it would pull it from under the editor.
SCRATCH = ("*.swp", "*.swo", "*.swx", "*~", ".#*", "#*#", "4913", "*.tmp", "*.orig.tmp")


@dataclass(frozen=True)
class Options:
    """What the command line may override (None: the rules decide)."""

    rescan_interval: float | None = None
    restore: bool | None = None
    poll_interval: float = 1.0
    max_watches: int | None = None  # WORKSPACE_GUARD_MAX_WATCHES: a cap below the kernel's
    ledger_wait: float = 2.0  # seconds an unrecorded change waits for the harness's ledger record


@dataclass(frozen=True)
class Settings:
    """The daemon's configuration: rules `watch:` section, command-line options win."""

    rescan_interval: float = DEFAULT_RESCAN
    restore: bool = False
    incidents_dir: str = ""  # absolute
    ignore: tuple[str, ...] = ()
    poll_interval: float = 1.0
    max_watches: int | None = None

    @classmethod
    def build(cls, rules: Rules, root: str, options: Options) -> Settings:
        section = rules.watch or {}
        interval = options.rescan_interval or float(section.get("rescan_interval", DEFAULT_RESCAN))
        restore = options.restore if options.restore is not None else bool(section.get("restore"))
        incidents = str(section.get("incidents_dir") or DEFAULT_INCIDENTS)
        return cls(
            rescan_interval=max(interval, 0.5),
            restore=restore,
            incidents_dir=os.path.normpath(os.path.join(root, incidents)),
            ignore=tuple(str(p) for p in section.get("ignore") or ()),
            poll_interval=options.poll_interval,
            max_watches=options.max_watches,
        )


class Protection:
    """Which paths the daemon guards: rules at level critical/high, minus its own output."""

    def __init__(self, decider: Decider, settings: Settings, root: str) -> None:
        self.decider = decider
        self.root = root
        self._ignore = PatternIndex(list(settings.ignore)) if settings.ignore else None
        self._scratch = PatternIndex(list(SCRATCH))
        incidents = os.path.relpath(settings.incidents_dir, root)
        own = () if incidents.startswith(os.pardir) else (incidents + "/",)
        self._excluded: tuple[str, ...] = (".git/", *own)
        offices = [a.office for a in decider.rules.agents.values() if a.office]
        self._office_heads = frozenset(o.split("/", 1)[0] for o in offices)
        self._prefixes = _prefixes([r.pattern for r in decider.rules.protected], offices)
        from workspace_guard.core.casefold import folded_rules

        # the rules as each file system compares names: `APP/MAIN.PY` is `app/main.py` on
        # macOS and Windows (core/casefold.py, as the harness and push gates read them)
        self._folded = folded_rules(decider)

    def excluded(self, rel: str) -> bool:
        """The daemon's own output and `.git` are never protected."""
        return rel == ".git" or rel.startswith(self._excluded)

    def rule(self, rel: str, *, tracked: bool = False) -> ProtectedRule | None:
        """The protecting rule for one path, or None."""
        return self.rules_many([rel], tracked=tracked)[0]

    def protected(self, paths: list[str], *, tracked: bool) -> dict[str, ProtectedRule]:
        """The protected ones among `paths`, with their rules."""
        picked = self._candidates(paths)
        rules = self.rules_many([paths[i] for i in picked], tracked=tracked)
        return {paths[i]: rule for i, rule in zip(picked, rules, strict=True) if rule is not None}

    def _candidates(self, paths: list[str]) -> list[int]:
        """Indexes of the paths any rule could match. Without a floating pattern, a path that
        starts with no rule's literal prefix (`core.patterns.literal_prefix`, made for narrowing
        listings) matches none: one C-level `startswith` per path instead of the index."""
        prefixes = self._prefixes
        if prefixes is None:
            return list(range(len(paths)))
        same = self._folded.same_as_rules  # another letter case of a prefix (F81)
        return [i for i, path in enumerate(paths) if path.startswith(prefixes) or not same(path)]

    def rules_many(self, paths: list[str], *, tracked: bool) -> list[ProtectedRule | None]:
        """The protecting rule of each path: `match_many` plus an office pre-filter.

        Same answer as `Decider.governing_rule` (an office rule when the path lies in an office,
        else the last matching rule), at a fraction of the cost: a path whose first segment no
        office starts with cannot be in an office, so `office_of` is asked for the few others.
        Untracked editor scratch files are never protected.
        """
        protected = self.decider.rules.protected
        matches = self.decider.index.match_many(paths)
        skip = self._ignore.match_many(paths) if self._ignore is not None else None
        scratch = None if tracked else self._scratch.match_many(paths)
        out: list[ProtectedRule | None] = []
        for i, rel in enumerate(paths):
            ignored = (skip and skip[i] >= 0) or (scratch and scratch[i] >= 0)
            if ignored or self.excluded(rel):
                ignored = True
                out.append(None)
            elif rel.split("/", 1)[0] in self._office_heads:
                out.append(_protecting(self.decider.governing_rule(rel)))
            else:
                found = matches[i]
                out.append(_protecting(protected[found] if found >= 0 else None))
            if out[-1] is None and not ignored:
                out[-1] = _protecting(protecting(self.decider, rel))  # `APP/MAIN.PY` (F81)
        return out

    def active_rules(self) -> list[ProtectedRule]:
        """Rules that protect something, office rules included (for planning watches)."""
        from workspace_guard.core.decide import office_rule

        rules = [r for r in self.decider.rules.protected if r.level in PROTECTING]
        for agent in self.decider.rules.agents.values():
            if agent.office:
                rules.append(office_rule(agent.name, agent.office, agent.source))
        return rules


def _prefixes(patterns: list[str], offices: list[str]) -> tuple[str, ...] | None:
    """Every rule's literal prefix (offices included), or None when one floats."""
    out = []
    for pattern in patterns:
        prefix = literal_prefix(pattern)
        if prefix is None:
            return None
        out.append(prefix)
    return tuple(out + offices)


def _protecting(rule: ProtectedRule | None) -> ProtectedRule | None:
    return rule if rule is not None and rule.level in PROTECTING else None


class Entry(NamedTuple):
    """One protected file as committed."""

    signature: str
    rule: ProtectedRule
    mode: str
    oid: str


@dataclass
class Baseline:
    """The committed state of every protected file at one HEAD."""

    head: str
    algorithm: str
    entries: dict[str, Entry]
    tracked_dirs: frozenset[str]
    rules_blob: str | None = None
    by_oid: dict[str, list[str]] = field(default_factory=dict)

    def under(self, directory: str) -> list[str]:
        """Protected tracked paths at or below `directory` (a removed or moved folder)."""
        prefix = directory.rstrip("/") + "/"
        return [p for p in self.entries if p.startswith(prefix) or p == directory]


def read_tree(root: str, head: str) -> tuple[list[str], list[str]]:
    """(paths, records) of every blob committed at `head` (submodules left out).

    The records stay unparsed (`<mode> blob <oid>\t<path>`): only the few protected ones are
    ever split, which keeps 50,000 entries at ~10 ms of Python.
    """
    text = git.run(["ls-tree", "-r", "-z", "--full-tree", head], root).stdout.decode(
        "utf-8", "surrogateescape"
    )
    records = [r for r in text.split("\0") if r[7:12] == "blob "]
    if not records:
        return [], []
    start = records[0].index("\t") + 1  # "100644 blob " + oid + "\t": the same for every blob
    return [r[start:] for r in records], records


def load_baseline(root: str, head: str, protection: Protection, rules_path: str) -> Baseline:
    """The baseline at `head`: protected entries, the folders holding tracked files, rules blob."""
    paths, records = read_tree(root, head)
    protected = protection.protected(paths, tracked=True)
    entries: dict[str, Entry] = {}
    by_oid: dict[str, list[str]] = {}
    for record, path in zip(records, paths, strict=True):
        rule = protected.get(path)
        if rule is not None:
            mode, _, oid = record[: record.index("\t")].split(" ")
            entries[path] = Entry(entry_signature(mode, oid), rule, mode, oid)
            by_oid.setdefault(oid, []).append(path)
    rules_blob = next(
        (_oid(r) for p, r in zip(paths, records, strict=True) if p == rules_path), None
    )
    dirs = {path.rpartition("/")[0] for path in paths}
    algorithm = "sha256" if records and len(_oid(records[0])) == 64 else "sha1"
    return Baseline(head, algorithm, entries, frozenset(dirs), rules_blob, by_oid)


def _oid(record: str) -> str:
    return record[12 : record.index("\t")]

"""The push gate's fast paths give exactly the answers of the plain code they replace.

Each shortcut taken for speed (benchmarks/bench_push.py) is checked here against the reading it
stands for, over generated inputs: the one-pass log parser against `_parse_log(_tokens(...))`,
the `Archivo` normaliser's skipped steps against running every step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.chunks import chunked
from helpers.gitserver import fast_import
from helpers.repos import git, make_workspace
from hypothesis import given, settings
from hypothesis import strategies as st

from workspace_guard.commands.check_commits import Summary
from workspace_guard.core.model import ProtectedRule
from workspace_guard.core.template import Violation
from workspace_guard.core.template import fields as template_fields
from workspace_guard.errors import GitError
from workspace_guard.gates.push.checker import CommitResult
from workspace_guard.gates.push.listing import (
    _parse_chunks,
    _parse_log,
    _tokens,
    start_listing,
    walk,
)

SHA = "a" * 40
HEADER = st.builds(
    lambda parents, body: ("\x1e" + " ".join([SHA, *parents]) + "\x1f").encode() + body + b"\x1f",
    st.lists(st.sampled_from(["b" * 40, "c" * 40]), max_size=2),
    st.binary(max_size=30).map(lambda b: b.replace(b"\0", b"")),
)
STATUS = st.sampled_from([b"M", b"\nM", b"A", b"D", b"T", b"R100", b"C075", b"\nR050", b"\n", b""])
NAME = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b""))
TOKEN = st.one_of(HEADER, STATUS, NAME, st.just(b"\x1e"), st.just(b"\x1e" + SHA.encode()))


def _read(commits: Iterator[object]) -> list[object]:
    """The commits read, then the error that stopped the reading (a malformed header), if any."""
    out: list[object] = []
    try:
        out.extend(commits)
    except ValueError as exc:
        out.append(type(exc))
    return out


@settings(max_examples=200)
@given(
    st.lists(st.one_of(HEADER, TOKEN), max_size=40),
    st.lists(st.integers(min_value=1, max_value=23), min_size=1),
    st.booleans(),
)
def test_one_pass_parser_reads_the_listing_like_the_token_parser(
    tokens: list[bytes], sizes: list[int], trailing_nul: bool
) -> None:
    """Any token stream, any chunking: the same commits, parents, messages and paths — names
    taken by position (a name that looks like a header stays a name), missing names empty."""
    data = b"\0".join(tokens) + (b"\0" if trailing_nul and tokens else b"")
    expected = _read(_parse_log(_tokens(chunked(data, sizes))))
    assert _read(_parse_chunks(chunked(data, sizes))) == expected
    assert _read(_parse_chunks(iter([data] if data else []))) == expected


def _every_step(entry: str) -> str:
    """`Archivo` normalisation with every step run unconditionally (the plain reading)."""
    path = entry.strip()
    while len(path) > 1 and path[0] == path[-1] and path[0] in "`'\"":
        path = path[1:-1].strip()
    path = re.sub(r"\s+\([^()/]*\)$", "", path)
    path = unicodedata.normalize("NFC", re.sub(r"/{2,}", "/", path))
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


PATHISH = st.text(alphabet=st.sampled_from(list("ab/.()` '\"\t\u0301é\u00a0x")), max_size=20)


@given(st.one_of(PATHISH, st.text(max_size=20)))
def test_archivo_normaliser_skips_only_steps_that_change_nothing(entry: str) -> None:
    assert template_fields._normalize_path(entry) == _every_step(entry)


SUBJECTS = [
    "feat(api): add it",
    "feat(api):add it",
    "feat: no area",
    "feat(): empty area",
    "feat( ): blank area",
    "feat(web): x",
    "nope(api): unknown type",
    "feat(api):",
    "feat(api)!: breaking",
    "Merge branch 'x'",
    "fixup! feat(api): add it",
    'Revert "feat(api): add it"',
    "wip",
    "",
]
TRAILERS = [
    "Workspace-Check: ✅ Consultado",
    "Workspace-Check: consultado",
    "Workspace-Check: nope",
    "Archivo: app/main.py",
    "Archivo: app/a.py, ./app//b.py (NEW), `c.py`",
    "Archivo: , ,",
    "File: app/",
    "Agente: backend-framework-ai",
    "Agent: nobody-ai",
    "Agente:",
    "Protocolo: SEGUIDO",
    "Protocolo: APROBACIÓN_OBTENIDA",
    "Protocol: approval_obtained",
    "Protocolo: maybe",
    "Tests: PASSED",
    "Tests: FAILED",
    "Tests: passed, failed",
    "Aprobado-por: system-architect-ai",
    "Approved-by: , ",
    "Ticket: 42",
    "Co-Authored-By: someone",
    "Release: 1",
]


def _configs() -> list[object]:
    from workspace_guard.core.template import TemplateConfig

    custom = {
        "require_area": False,
        "areas": ["api", "auth"],
        "skip": ["revert"],
        "fields": {
            "tests": {"required": False, "multiple": True},
            "release": {"keys": ["Release"], "values": ["1", "2"]},
            "ticket": {"keys": ["Ticket"], "required": False},
        },
    }
    return [TemplateConfig.from_mapping(None), TemplateConfig.from_mapping(custom)]


CONFIGS = _configs()


@settings(max_examples=300)
@given(
    st.sampled_from(SUBJECTS),
    st.sampled_from(["", "Body text.\n\n"]),
    st.lists(st.sampled_from(TRAILERS), max_size=9),
    st.sampled_from([None, ("backend-framework-ai", "system-architect-ai")]),
    st.sampled_from(range(len(CONFIGS))),
    st.sampled_from([1, 2]),
)
def test_template_shortcut_for_passing_messages_agrees_with_every_check(
    subject: str,
    body: str,
    trailers: list[str],
    agents: tuple[str, ...] | None,
    which: int,
    parents: int,
) -> None:
    """`_passes` lets a passing message skip the checks: the result must be the checks' own,
    for passing and failing messages alike (warnings, fields and kind included)."""
    from workspace_guard.core.template import checks

    config = CONFIGS[which]
    text = f"{subject}\n\n{body}" + "\n".join(trailers) + "\n"
    quick = checks.check_message_bytes(text.encode(), config, parents=parents, agents=agents)
    saved = checks._passes
    checks._passes = lambda *args: False
    try:
        full = checks.check_message_bytes(text.encode(), config, parents=parents, agents=agents)
    finally:
        checks._passes = saved
    assert quick == full


def _fields_plain(found: Any, config: Any) -> object:
    """The template fields read with a helper per field (the plain reading `_fields_from`
    writes out flat)."""
    from workspace_guard.core.template import Fields

    def first(name: str) -> str | None:
        trailers = found.get(name)
        return trailers[0].value if trailers else None

    def items(name: str) -> list[str]:
        trailers = found.get(name)
        if not trailers:
            return []
        spec = config.field(name)
        return [i for t in trailers for i in spec.items(t.value)]

    protocol_raw = first("protocol")
    protocol = None if protocol_raw is None else config.field("protocol").meaning(protocol_raw)
    files = [template_fields.normalize_path(entry) for entry in items("file")]
    from workspace_guard.core.template.config import CANONICAL as canonical

    other = tuple((n, t.value) for n, ts in found.items() if n not in canonical for t in ts)
    return Fields(
        agent=first("agent") or None,
        protocol=protocol,
        protocol_raw=protocol_raw,
        approved_by=tuple(a.strip("`@ ") for a in items("approved-by")),
        files=tuple(p for p in files if p),
        workspace_check=first("workspace-check"),
        tests=first("tests"),
        other=other,
    )


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(TRAILERS), max_size=9),
    st.sampled_from(range(len(CONFIGS))),
)
def test_fields_read_flat_are_the_fields_read_per_field(trailers: list[str], which: int) -> None:
    """`_fields_from` (one flat pass) reads the same fields as a helper per field."""
    from workspace_guard.core.message import parse_message

    msg = parse_message("feat(api): x\n\n" + "\n".join(trailers) + "\n")
    config: Any = CONFIGS[which]
    found = template_fields._collect(msg.trailers, config)
    assert template_fields._fields_from(found, config) == _fields_plain(found, config)


def _warnings_plain(config: Any, found: Any) -> list[Violation]:
    """The warnings with every field's meanings looked at (`_warnings` skips the fields that
    report none)."""
    out = []
    for name, trailers in found.items():
        spec = config.field(name)
        for t in trailers:
            meaning = spec.meaning(t.value) if spec.values else None
            if meaning in spec.warn:
                text = f"`{t.key}: {t.value}`: accepted, and reported"
                out.append(Violation(f"{name}-{meaning}", text))
    return out


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from(TRAILERS), max_size=9),
    st.sampled_from(range(len(CONFIGS))),
)
def test_warnings_skip_only_fields_that_report_nothing(trailers: list[str], which: int) -> None:
    from workspace_guard.core.message import parse_message
    from workspace_guard.core.template import checks

    msg = parse_message("feat(api): x\n\n" + "\n".join(trailers) + "\n")
    config: Any = CONFIGS[which]
    found = template_fields._collect(msg.trailers, config)
    assert checks._warnings(config, found) == _warnings_plain(config, found)


LINES = [
    "feat(api): add it",
    "feat(api): add it  ",
    "",
    "Body text.",
    "  indented body",
    "\tcontinued",
    "# a comment",
    "; other comment",
    "---",
    "--- a/x",
    "Conflicts:",
    "\tapp/main.py",
    "Agente: backend-framework-ai",
    "Agente:  spaced value\t",
    "Archivo: a.py, b.py",
    "Key : spaced key",
    ": no key",
    "Not a trailer line",
    "Signed-off-by: Someone <s@example.com>",
    "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
    "Área: área",
    "Tests: PASSED\r",
    "\v",
    "# ------------------------ >8 ------------------------",
]


@settings(max_examples=400)
@given(
    st.lists(st.sampled_from(LINES), max_size=10),
    st.sampled_from(["", "\n", "\n\n"]),
    st.sampled_from(["strip", "whitespace", "verbatim", "scissors", "default"]),
    st.sampled_from(["#", ";"]),
    st.sampled_from([(), ("Agente",)]),
)
def test_plain_message_shortcut_parses_like_the_general_path(
    lines: list[str], ending: str, mode: str, comment: str, known: tuple[str, ...]
) -> None:
    """`_plain_message` may only answer what the general cleanup-and-trailers path answers."""
    from workspace_guard.core import message

    text = "\n".join(lines) + ending
    quick = message.parse_message(text, cleanup_mode=mode, comment=comment, known_keys=known)
    saved = message._plain_message
    message._plain_message = lambda *args: None
    try:
        full = message.parse_message(text, cleanup_mode=mode, comment=comment, known_keys=known)
    finally:
        message._plain_message = saved
    assert quick == full


OWNERSHIP_RULES = """\
version: 1
escalation: master-orchestrator
superusers: [master-orchestrator]
agents:
  master-orchestrator: {}
  backend-framework-ai:
    office: .workspace/departments/backend/
  system-architect-ai: {}
  solution-architect-ai: {}
  security-backend-ai: {}
protected:
  - pattern: app/
    owner: system-architect-ai
    backup: [solution-architect-ai]
    level: high
  - pattern: app/main.py
    owner: system-architect-ai
    backup: [solution-architect-ai]
    level: critical
  - pattern: app/core/
    level: critical
  - pattern: app/free/
    level: none
  - pattern: "*.pem"
    owner: security-backend-ai
    level: critical
"""
OWN_PATHS = [
    "app/main.py",
    "app/x.py",
    "app/core/db.py",
    "app/free/y.py",
    "keys/a.pem",
    "README.md",
    ".workspace/departments/backend/plan.md",
]
OWN_AGENTS = [
    "master-orchestrator",
    "backend-framework-ai",
    "system-architect-ai",
    "solution-architect-ai",
    "security-backend-ai",
]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(OWN_AGENTS),
            st.sampled_from([None, "followed", "consulted", "approved"]),
            st.lists(st.sampled_from(OWN_AGENTS), max_size=2).map(tuple),
            st.lists(st.sampled_from([*OWN_PATHS, "app/", "keys/"]), max_size=4).map(tuple),
            st.lists(st.sampled_from(OWN_PATHS), min_size=1, max_size=5, unique=True),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_settled_table_answers_like_the_grouped_ownership_checks(
    commits: list[tuple[str, str | None, tuple[str, ...], tuple[str, ...], list[str]]],
) -> None:
    """A commit the (agent, protocol, approvers) table passes is one `ownership_in_order`
    passes, and one it does not pass gets `ownership_in_order`'s own answer — over a sequence
    of commits sharing one checker, as a pushed range does."""
    from workspace_guard.core.rules import load_rules
    from workspace_guard.core.template import Fields
    from workspace_guard.gates.push.checker import Checker

    rules = load_rules(OWNERSHIP_RULES, "rules.yaml")
    quick, plain = Checker(None, rules), Checker(None, rules)  # type: ignore[arg-type]
    plain._settled = lambda *args: False  # type: ignore[method-assign]
    for agent, protocol, approvers, files, changed in commits:
        fields = Fields(agent=agent, protocol=protocol, approved_by=approvers, files=files)
        answers = []
        for checker in (quick, plain):
            paths, _bad, touched = checker._paths_touched(changed)
            answers.append(checker._ownership(fields, paths, touched))
        assert answers[0] == answers[1]


# --- git's listing started before the rules are read ------------------------------------------


def _listing_repo(tmp_path: Path, commits: int) -> Path:
    repo = make_workspace(tmp_path / "ws")
    base = git(repo, "rev-parse", "HEAD").strip()
    made = [
        (f"feat(app): change {n}\n\nbody {n}\n", {f"app/f{n % 7}.py": "x" * (n * 97 % 4000)})
        for n in range(commits)
    ]
    fast_import(repo, "refs/heads/long", base, made)
    return repo


def test_a_listing_started_early_reads_like_one_started_on_demand(tmp_path: Path) -> None:
    """`start_listing` + `walk` (git started before the rules load, a 1 MiB pipe) gives the
    commits that `walk` alone gives, and the same `GitError` for a bad range."""
    repo = _listing_repo(tmp_path, 400)
    args = ["long", "--not", "main"]
    cwd = str(repo)
    assert list(walk(cwd, args, start_listing(cwd, args))) == list(walk(cwd, args))
    with pytest.raises(GitError) as early:
        list(walk(cwd, ["no-such-ref"], start_listing(cwd, ["no-such-ref"])))
    with pytest.raises(GitError) as plain:
        list(walk(cwd, ["no-such-ref"]))
    assert str(early.value) == str(plain.value)


def test_a_started_listing_closed_unread_stops_and_reaps_git(tmp_path: Path) -> None:
    """A listing abandoned before its first read (the rules failed to load) leaves no git
    process behind, blocked or defunct."""
    repo = _listing_repo(tmp_path, 50)
    before = _children()
    listing = start_listing(str(repo), ["long"])
    listing.close()
    assert _children() == before


def test_check_commits_reports_are_those_of_the_on_demand_listing(tmp_path: Path) -> None:
    """The whole command, text and JSON, with the early listing and with the listing started
    where it used to be (inside `check_range`)."""
    repo = _listing_repo(tmp_path, 120)
    script = (
        "import sys\n"
        "from workspace_guard.gates.push import range as r\n"
        "if sys.argv[1] == 'late':\n"
        "    r.start_listing = lambda cwd, args: None\n"
        "    import workspace_guard.commands.check_commits as c\n"
        "    c.start_listing = r.start_listing\n"
        "from workspace_guard.entry import main\n"
        "sys.argv = ['workspace-guard', 'check-commits', 'main..long', *sys.argv[2:]]\n"
        "sys.exit(main())\n"
    )
    for fmt in ("text", "json"):
        early = subprocess.run(
            [sys.executable, "-c", script, "early", "--format", fmt],
            cwd=repo,
            capture_output=True,
            check=False,
        )
        late = subprocess.run(
            [sys.executable, "-c", script, "late", "--format", fmt],
            cwd=repo,
            capture_output=True,
            check=False,
        )
        assert early.returncode == late.returncode == 1
        assert early.stdout == late.stdout and early.stdout


def _children() -> set[int]:
    """This process's child processes (any state, zombies included)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found.add(int(entry))
    return found


# --- the summary per rule and agent -----------------------------------------------------------


class _PlainSummary:
    """The summary's counting as first written (one mutable row per rule, counted through
    `str`/`int`), kept as the reference for `Summary.add`."""

    def __init__(self) -> None:
        self.per_agent: dict[str, list[int]] = {}
        self.per_rule: dict[tuple[str, str], list[object]] = {}
        self.per_id: dict[str, int] = {}
        self.failures: list[CommitResult] = []

    def add(self, result: CommitResult) -> None:
        counts = self.per_agent.setdefault(result.agent or "(no agent)", [0, 0])
        counts[0] += 1
        counts[1] += len(result.violations)
        for violation in result.violations:
            self.per_id[violation.id] = self.per_id.get(violation.id, 0) + 1
        faults = {v.path for v in result.violations if v.path}
        for path, rule in result.touched:
            entry = self.per_rule.setdefault(
                (rule.pattern, rule.source), [rule.owner, rule.level, 0, 0]
            )
            entry[2] = int(str(entry[2])) + 1
            if path in faults:
                entry[3] = int(str(entry[3])) + 1
        if result.violations:
            self.failures.append(result)

    def rules(self) -> list[dict[str, object]]:
        ordered = sorted(
            self.per_rule.items(),
            key=lambda item: (-int(str(item[1][3])), -int(str(item[1][2])), item[0]),
        )
        return [
            {"pattern": p, "source": s, "owner": o, "level": lv, "commits": c, "violations": v}
            for (p, s), (o, lv, c, v) in ordered
        ]


def _rule(number: int, owner: str) -> ProtectedRule:
    return ProtectedRule(number, f"app/p{number}/", owner, (), "high", None, f"rules:{number}")


RESULTS = st.lists(
    st.builds(
        lambda agent, touched, faults, ids: CommitResult(
            "a" * 40,
            "subject",
            agent,
            tuple(
                Violation(i, "m", f"p{f}" if f >= 0 else None)
                for i, f in zip(ids, faults, strict=False)
            ),
            touched=tuple((f"p{n}", _rule(n % 4, f"o{n % 3}")) for n in touched),
        ),
        st.sampled_from([None, "a1", "a2"]),
        st.lists(st.integers(0, 6), max_size=5),
        st.lists(st.integers(-1, 6), max_size=4),
        st.lists(st.sampled_from(["x", "y", "protected"]), max_size=4),
    ),
    max_size=30,
)


@settings(max_examples=150)
@given(RESULTS)
def test_summary_counts_like_the_plain_counting(results: list[CommitResult]) -> None:
    """Counts per agent, per rule (its owner and level from the first commit that touched it)
    and per violation id, the failing commits and the rules' order: those of the plain code."""
    plain, summary = _PlainSummary(), Summary()
    for result in results:
        plain.add(result)
        summary.add(result)
    data = summary.as_json()
    assert data["rules"] == plain.rules()
    assert data["violations"] == dict(sorted(plain.per_id.items()))
    agents = {a: {"commits": c, "violations": v} for a, (c, v) in sorted(plain.per_agent.items())}
    assert data["agents"] == agents
    assert summary.failures == plain.failures
    assert data["commits"] == len(results) and data["failed"] == len(plain.failures)


# --- fewer git processes before the listing ------------------------------------------------------


def _range_answer(repo: Path, spec: str, quick: bool) -> object:
    """`clone_range`'s answer for `spec` (the error's type and text when it refuses), with the
    one-call resolution or without it."""
    from workspace_guard.errors import GuardError
    from workspace_guard.gates.push import range as push_range
    from workspace_guard.repo import Repo

    saved = push_range._resolved_range
    if not quick:
        push_range._resolved_range = lambda *args: None
    try:
        return push_range.clone_range(Repo.discover(str(repo)), spec)
    except GuardError as exc:
        return type(exc).__name__, exc.message, exc.hint
    finally:
        push_range._resolved_range = saved


RANGE_SPECS = [
    "main..side",
    "main...side",
    "side",
    "side..main",
    "..side",
    "main..",
    "HEAD~1..HEAD",
    "v1..side",
    "main..v1",
    "nope..side",
    "main..nope",
    "main...nope",
    "main...lonely",
    "^main..side",
    "main..side..main",
    "HEAD^!",
    "main^{tree}..side",
    "main:README.md",
    "-n..side",
    "--all",
    "",
    "main..side^@",
]


@pytest.mark.parametrize("shallow", [False, True])
def test_one_rev_parse_resolves_ranges_like_one_call_per_side(
    tmp_path: Path, shallow: bool
) -> None:
    """`_resolved_range` (is-shallow and both sides in one `git rev-parse`) answers every range
    as `is_shallow` + `range_args` do, refusals included — in a full and a shallow clone."""
    repo = make_workspace(tmp_path / "ws")
    git(repo, "checkout", "-q", "-b", "side")
    for n in range(3):
        (repo / f"f{n}.txt").write_text(f"{n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"feat(app): {n}")
    git(repo, "tag", "-a", "-m", "one", "v1", "side~1")
    git(repo, "checkout", "-q", "--orphan", "lonely")
    git(repo, "commit", "-q", "--allow-empty", "-m", "feat(app): alone")
    git(repo, "checkout", "-q", "side")
    if shallow:
        clone = tmp_path / "shallow"
        git(tmp_path, "clone", "-q", "--depth", "2", "--no-local", "-b", "side", str(repo), "clone")
        (tmp_path / "clone").rename(clone)
        git(clone, "branch", "-q", "main", "origin/side")
        repo = clone
    for spec in RANGE_SPECS:
        assert _range_answer(repo, spec, True) == _range_answer(repo, spec, False), spec


RULES_REF_CONFIGS: list[list[tuple[str, str]]] = [
    [],
    [("workspace-guard.rulesRef", "refs/heads/main")],
    [("Workspace-Guard.RULESREF", "refs/heads/side")],
    [("workspace-guard.rulesRef", "refs/heads/side"), ("workspace-guard.rulesref", "main")],
    [("workspace-guard.rulesRef", "refs/heads/nope")],
    [("workspace-guard.rulesRef", "  refs/heads/main  ")],
    [("workspace-guard.requireProvenance", "report")],
]


@pytest.mark.parametrize("entries", RULES_REF_CONFIGS)
def test_settings_read_once_answer_like_git_config_get(
    tmp_path: Path, entries: list[tuple[str, str]]
) -> None:
    """The base check-commits finds and its provenance mode, from one `git config
    --get-regexp` (`gate_settings`), are those of a `git config --get` per key."""
    from workspace_guard.gates.push.notes import mode
    from workspace_guard.gates.push.range import ci_base
    from workspace_guard.gates.push.trust import gate_settings
    from workspace_guard.repo import Repo

    repo = make_workspace(tmp_path / "ws")
    git(repo, "branch", "side")
    for key, value in entries:
        git(repo, "config", "--add", key, value)
    found = Repo.discover(str(repo))
    settings = gate_settings(found)
    rules = found.rules_at("HEAD")
    assert ci_base(found, None, None, settings) == ci_base(found, None, None)
    assert mode(found, rules, settings) == mode(found, rules)


# --- rules without offices ------------------------------------------------------------------------

NO_OFFICE_RULES = OWNERSHIP_RULES.replace("    office: .workspace/departments/backend/\n", "")
GOVERNED = st.lists(
    st.sampled_from(
        [*OWN_PATHS, "app/free/z/w.py", "x.pem", "App/Main.py", "", ".workspace/departments"]
    ),
    max_size=12,
)


@settings(max_examples=200)
@given(GOVERNED, st.booleans())
def test_governing_rules_without_offices_are_those_of_the_office_walk(
    paths: list[str], offices: bool
) -> None:
    """`governing_rules` skips the office lookup when no agent has an office: the answers are
    those of looking up each path's office and then its matched rule."""
    from workspace_guard.core.decide import Decider
    from workspace_guard.core.rules import load_rules

    rules = load_rules(OWNERSHIP_RULES if offices else NO_OFFICE_RULES, "rules.yaml")
    quick, plain = Decider(rules), Decider(rules)
    walked = [plain._rule_at(office, index) for _p, office, index in plain._located(paths)]
    assert quick.governing_rules(paths) == walked
    assert bool(quick._offices) == offices

"""`import codeowners` / `export codeowners`: GitHub (and GitLab) CODEOWNERS ↔ rules.

The round-trip tests compare *decisions*, not text: for many paths, the owner that governs the
path and whether it is protected at all must be the same before and after export → import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workspace_guard.adopt.codeowners import export_codeowners, import_codeowners, split_tokens
from workspace_guard.adopt.emit import dump_rules
from workspace_guard.adopt.mestore import import_mestore
from workspace_guard.adopt.report import ImportResult
from workspace_guard.core.model import Agent, ProtectedRule, Rules
from workspace_guard.core.patterns import PatternIndex
from workspace_guard.core.rules import load_rules

WORKSPACE = Path(__file__).parent / "fixtures" / "mestore" / "workspace"

GITHUB = """\
# Default owners
*                       @octocat

/docs/                  @org/docs-team jane.doe@example.com   # docs and their reviewers
*.py                    @Python-Owner
apps/                   @octocat @org/apps
build/logs/
!secret.txt             @octocat
[abc].cfg               @octocat
\\#notes.md              @octocat
src/***/x.py            @octocat
*.lock                  not-an-owner
LICENSE                 @legal @legal
"""


def imported(text: str, **kwargs: Any) -> ImportResult:
    return import_codeowners(text, filename="CODEOWNERS", **kwargs)


def by_pattern(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {r["pattern"]: r for r in result.data["protected"]}


def messages(result: ImportResult, line: int) -> list[str]:
    return [f.message for f in result.findings if f.source == f"CODEOWNERS:{line}"]


# --- import -------------------------------------------------------------------------------------


def test_owners_become_agents_first_owner_is_the_owner() -> None:
    rules = by_pattern(imported(GITHUB))
    assert rules["*"] == {"pattern": "*", "owner": "octocat", "level": "high"}
    assert rules["/docs/"]["owner"] == "org-docs-team"
    assert rules["/docs/"]["backup"] == ["jane.doe"]
    assert rules["apps/"]["backup"] == ["org-apps"]
    assert rules["build/logs/"] == {"pattern": "build/logs/", "level": "none"}
    assert rules["LICENSE"] == {"pattern": "LICENSE", "owner": "legal", "level": "high"}


def test_handles_keep_what_the_names_lose() -> None:
    data = imported(GITHUB).data
    assert data["handles"] == {
        "jane.doe": "jane.doe@example.com",
        "org-apps": "@org/apps",
        "org-docs-team": "@org/docs-team",
        "python-owner": "@Python-Owner",
    }
    assert "octocat" not in data["handles"]  # '@octocat' is simply '@' + the agent
    assert set(data["agents"]) >= {"octocat", "jane.doe", "org-docs-team", "master-orchestrator"}


def test_handle_map_is_read_in_reverse() -> None:
    result = imported(
        GITHUB, handle_map={"docs-writer-ai": "@org/docs-team", "py-ai": "@python-owner"}
    )
    rules = by_pattern(result)
    assert rules["/docs/"]["owner"] == "docs-writer-ai"
    assert rules["*.py"]["owner"] == "py-ai"  # handles compare case-insensitively
    assert "docs-writer-ai" not in result.data.get("handles", {})


def test_level_option_and_escalation() -> None:
    result = imported("*.py @a\n", level="critical", escalation="lead-ai")
    assert by_pattern(result)["*.py"]["level"] == "critical"
    assert result.data["escalation"] == "lead-ai"
    assert "lead-ai" in result.data["agents"]
    assert not messages(result, 1)
    default = imported("*.py @a\n")
    assert default.data["escalation"] == "master-orchestrator"
    assert "names no escalation agent" in messages(default, 1)[0]


@pytest.mark.parametrize(
    ("line", "level", "text"),
    [
        (8, "warning", "'!' negation"),
        (9, "warning", "character ranges are not supported"),
        (10, "warning", "'\\#' escapes"),
        (11, "warning", "'***'"),
        (12, "warning", "is not a user, team or e-mail"),
        (12, "warning", "none of its owners is valid"),
    ],
)
def test_invalid_lines_are_reported_with_file_and_line(line: int, level: str, text: str) -> None:
    result = imported(GITHUB)
    found = [f for f in result.findings if f.source == f"CODEOWNERS:{line}" and f.level == level]
    assert any(text in f.message for f in found), messages(result, line)


def test_what_is_skipped_and_what_is_kept() -> None:
    rules = by_pattern(imported(GITHUB))
    assert "!secret.txt" not in rules and "src/***/x.py" not in rules and "*.lock" not in rules
    assert rules["[abc].cfg"]["owner"] == "octocat"  # kept, brackets literal
    assert rules["\\#notes.md"]["owner"] == "octocat"


def test_inline_comments_and_escapes() -> None:
    assert split_tokens("a/b @x # c @y") == ["a/b", "@x"]
    assert split_tokens("a#b @x") == ["a#b", "@x"]
    assert split_tokens("my\\ file.txt @x") == ["my\\ file.txt", "@x"]
    assert split_tokens("\\#x @y") == ["\\#x", "@y"]


def test_repeated_pattern_keeps_the_last() -> None:
    result = imported("*.js @a\ndocs/ @d\n*.js @b\n", escalation="lead-ai")
    assert [r["pattern"] for r in result.data["protected"]] == ["docs/", "*.js"]
    assert by_pattern(result)["*.js"]["owner"] == "b"
    assert messages(result, 1) == ["'*.js' is repeated at CODEOWNERS:3, which wins: dropped"]


def test_crlf_and_bom() -> None:
    plain = imported(GITHUB)
    windows = imported("\ufeff" + GITHUB.replace("\n", "\r\n"))
    assert windows.data == plain.data


GITLAB = """\
* @everyone

[Documentation] @docs-lead
docs/
README.md @writer

^[Optional review][2] @ops
ops/
"""


def test_gitlab_sections_are_flattened_with_a_warning() -> None:
    result = imported(GITLAB)
    rules = by_pattern(result)
    assert rules["docs/"]["owner"] == "docs-lead"  # the section's default owner
    assert rules["README.md"]["owner"] == "writer"
    assert rules["ops/"]["owner"] == "ops"
    warned = messages(result, 3)
    assert any("GitLab sections are flattened" in m for m in warned)
    assert any("optional" in m for m in messages(result, 7))
    assert any("2 approvals" in m for m in messages(result, 7))


def test_sources_and_yaml() -> None:
    result = imported(GITHUB)
    assert result.sources["protected:/docs/"] == "CODEOWNERS:4"
    text = dump_rules(result, header="from CODEOWNERS")
    assert yaml.safe_load(text) == result.data
    assert "  # from CODEOWNERS:4\n  - pattern: /docs/\n" in text
    load_rules(text, "rules.yaml")


# --- export -------------------------------------------------------------------------------------


def rules_of(protected: list[tuple[str, str | None, tuple[str, ...], str]], **extra: Any) -> Rules:
    agents = {n: Agent(n, source="r.yaml:1") for n in ("lead", "a", "b", "c")}
    agents.update(extra.pop("agents", {}))
    return Rules(
        path="r.yaml",
        version=1,
        escalation="lead",
        superusers=("lead",),
        agents=agents,
        protected=tuple(
            ProtectedRule(i, p, o, b, lvl, None, f"r.yaml:{10 + i}")
            for i, (p, o, b, lvl) in enumerate(protected)
        ),
        **extra,
    )


def test_export_lines() -> None:
    rules = rules_of(
        [
            ("*", "a", ("b",), "high"),
            ("build/", None, (), "none"),
            ("/secret/", None, (), "critical"),
        ],
        agents={"c": Agent("c", "ops", ".workspace/departments/ops/c/", "r.yaml:5")},
        handles={"b": "@org/bees"},
    )
    text = export_codeowners(rules, handles={"a": "alice@example.com"})
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == [
        "* alice@example.com @org/bees",
        "build/",
        "/secret/ @lead",
        "/.workspace/departments/ops/c @c",
    ]
    assert "# r.yaml:10: level high" in text
    assert "# no owner in the rules: lead (escalation) approves" in text
    assert "# r.yaml:5: office of c" in text


def test_offices_come_last_deepest_last() -> None:
    rules = rules_of(
        [("*", "a", (), "high")],
        agents={
            "b": Agent("b", None, "x/y/", "r:1"),
            "c": Agent("c", None, "x/", "r:2"),
        },
    )
    owned = [line for line in export_codeowners(rules).splitlines() if line.startswith("/x")]
    assert owned == ["/x @c", "/x/y @b"]


# --- round trip ---------------------------------------------------------------------------------

SEGMENTS = ["app", "docs", "src", "x.py", "y.md", "README", "a.lock"]


def paths() -> list[str]:
    """Every path of depth 1–3 over a small vocabulary (343 + 49 + 7), plus office paths."""
    out = list(SEGMENTS)
    out += [f"{a}/{b}" for a in SEGMENTS for b in SEGMENTS]
    out += [f"{a}/{b}/{c}" for a in SEGMENTS for b in SEGMENTS for c in SEGMENTS]
    return out


def decision(rules: Rules, path: str) -> tuple[str | None, bool]:
    """(who owns, protected?) as our decision sees it: offices first, then the last rule."""
    office = rules.office_of(path)
    if office is not None:
        return office.name, True
    index = PatternIndex([r.pattern for r in rules.protected]).match(path)
    if index < 0 or rules.protected[index].level == "none":
        return None, False
    rule = rules.protected[index]
    return rule.owner or rules.escalation, True


def round_trip(rules: Rules, handles: dict[str, str] | None = None) -> Rules:
    text = export_codeowners(rules, handles=handles)
    result = import_codeowners(
        text, filename="CODEOWNERS", handle_map=handles, escalation=rules.escalation
    )
    return load_rules(dump_rules(result, header="round trip"), "back.yaml")


def test_round_trip_of_the_imported_workspace() -> None:
    original = load_rules(dump_rules(import_mestore(WORKSPACE), header="x"), "rules.yaml")
    back = round_trip(original)
    probes = [
        "app/main.py",
        "app/core/config.py",
        "alembic/env.py",
        "docker-compose.yml",
        "x/docker-compose.yml",
        "tests/fixtures/a.json",
        "tests/conftest.py",
        "frontend/src/components/auth/A.tsx",
        ".workspace/departments/testing/tdd-specialist/notes.md",
        ".workspace/departments/backend/sections/x.md",
        *paths(),
    ]
    for path in probes:
        assert decision(back, path) == decision(original, path), path


PATTERN_PIECES = st.sampled_from(
    [
        "*",
        "*.py",
        "app",
        "/app",
        "docs/",
        "/docs/",
        "src/**",
        "**/x.py",
        "app/*",
        "README",
        "a.lock",
    ]
)
RULE = st.tuples(
    PATTERN_PIECES,
    st.sampled_from([None, "a", "b", "c"]),
    st.sampled_from([(), ("b",), ("c", "a")]),
    st.sampled_from(["critical", "high", "none"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(RULE, max_size=8))
def test_round_trip_preserves_every_decision(protected: list[Any]) -> None:
    rules = rules_of(
        protected,
        agents={"b": Agent("b", "d", "src/", "r:1")},
        handles={"c": "@org/cats"},
    )
    back = round_trip(rules, handles={"c": "@org/cats", "a": "@alice"})
    for path in paths():
        assert decision(back, path) == decision(rules, path), path

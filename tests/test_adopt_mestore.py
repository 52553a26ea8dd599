"""`import mestore`: the seed workspace's markdown → rules, with provenance and conflicts.

Fixtures (tests/fixtures/mestore/) are small workspaces written in the real formats of the seed
project (notes/agent-harnesses.md §5): `workspace/` is a consistent one, `awkward/` collects the
shapes that break naive parsers (CRLF + BOM, fake paths, short table rows, duplicated agents,
conflicting owners, owners without an agent file, an unclosed fence).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workspace_guard.adopt.emit import dump_rules
from workspace_guard.adopt.mestore import import_mestore
from workspace_guard.adopt.protocol import DEFAULT_SOURCE, PROTOCOL_FILES
from workspace_guard.adopt.report import ImportResult, report_json, report_text
from workspace_guard.core.decide import Decider
from workspace_guard.core.patterns import PatternIndex, check_pattern
from workspace_guard.core.rules import load_rules
from workspace_guard.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures" / "mestore"
WORKSPACE = FIXTURES / "workspace"
AWKWARD = FIXTURES / "awkward"
PF = ".workspace/PROTECTED_FILES.md"
RA = ".workspace/RESPONSIBLE_AGENTS.md"


@pytest.fixture(scope="module", autouse=True)
def _english_module() -> Iterator[None]:
    """The fixtures are Spanish, so the importer would write its findings in Spanish; these
    tests read them in English (tests/test_i18n_locale.py reads them in Spanish)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKSPACE_GUARD_LANG", "en")
        yield


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSPACE_GUARD_LANG", "en")


@pytest.fixture(scope="module")
def clean() -> ImportResult:
    return import_mestore(WORKSPACE)


@pytest.fixture(scope="module")
def awkward() -> ImportResult:
    return import_mestore(AWKWARD)


def rule(result: ImportResult, pattern: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in result.data["protected"] if r["pattern"] == pattern]
    assert len(found) == 1, f"{pattern} appears {len(found)} times"
    return found[0]


def findings(result: ImportResult, source: str, level: str | None = None) -> list[str]:
    return [
        f.message
        for f in result.findings
        if f.source == source and (level is None or f.level == level)
    ]


def governing(result: ImportResult, path: str) -> tuple[str | None, str]:
    """(owner, level) of the last matching rule, 'none' when nothing matches."""
    rules = result.data["protected"]
    index = PatternIndex([r["pattern"] for r in rules]).match(path)
    if index < 0:
        return None, "none"
    return rules[index].get("owner"), rules[index]["level"]


# --- the consistent workspace ---------------------------------------------------------------------


def test_agents_come_from_frontmatter_with_their_offices(clean: ImportResult) -> None:
    agents = clean.data["agents"]
    assert set(agents) == {
        "master-orchestrator",
        "system-architect-ai",
        "solution-architect-ai",
        "security-backend-ai",
        "api-security",
        "backend-framework-ai",
        "api-architect-ai",
        "database-architect-ai",
        "tdd-specialist",
        "unit-testing-ai",
        "cloud-infrastructure-ai",
        "devops-integration-ai",
    }
    assert agents["system-architect-ai"] == {
        "department": "architecture",
        "office": ".workspace/departments/architecture/system-architect-ai/",
    }
    assert agents["tdd-specialist"]["department"] == "testing"
    # documented in RESPONSIBLE_AGENTS.md but no folder yet: kept, with a note
    assert agents["database-architect-ai"]["office"] == (
        ".workspace/departments/architecture/database-architect-ai/"
    )
    assert agents["api-architect-ai"] == {}
    assert clean.sources["agent:tdd-specialist"] == ".claude/agents/tdd-specialist.md:2"


def test_superusers_are_the_agents_with_every_permission(clean: ImportResult) -> None:
    assert clean.data["superusers"] == ["master-orchestrator"]
    assert clean.data["escalation"] == "master-orchestrator"
    scoped = findings(clean, f"{PF}:86", "info")
    assert scoped and "scoped special permission" in scoped[0]


@pytest.mark.parametrize(
    ("pattern", "owner", "backup", "level"),
    [
        ("app/main.py", "system-architect-ai", ["solution-architect-ai"], "critical"),
        ("/docker-compose.yml", "cloud-infrastructure-ai", ["devops-integration-ai"], "critical"),
        ("app/api/v1/deps/auth.py", "security-backend-ai", ["backend-framework-ai"], "critical"),
        ("app/services/auth_service.py", "security-backend-ai", ["api-security"], "critical"),
        ("app/models/user.py", "database-architect-ai", ["backend-framework-ai"], "critical"),
        ("tests/conftest.py", "tdd-specialist", ["unit-testing-ai"], "critical"),
        ("app/core/config.py", None, None, "critical"),
        ("/alembic/", "database-architect-ai", None, "critical"),  # prose: "Solo DB expert"
        ("frontend/src/components/auth/", "security-backend-ai", None, "critical"),
        ("app/services/payment_service.py", None, None, "high"),
        ("app/api/v1/endpoints/productos.py", "backend-framework-ai", ["api-architect-ai"], "high"),
        ("app/api/v1/endpoints/pagos.py", "backend-framework-ai", ["api-architect-ai"], "high"),
        ("tests/fixtures/", "tdd-specialist", None, "high"),
        ("/Dockerfile", None, None, "high"),
        ("/.env.example", None, None, "high"),
    ],
)
def test_protected_rules(
    clean: ImportResult, pattern: str, owner: str | None, backup: list[str] | None, level: str
) -> None:
    got = rule(clean, pattern)
    assert got.get("owner") == owner
    assert got.get("backup") == backup
    assert got["level"] == level


def documented(result: ImportResult) -> list[str]:
    """The protected patterns the documents give (the protocol-file defaults left out)."""
    patterns = [r["pattern"] for r in result.data["protected"]]
    return [p for p in patterns if result.sources[f"protected:{p}"] != DEFAULT_SOURCE]


def test_only_fenced_lists_make_rules(clean: ImportResult) -> None:
    patterns = documented(clean)
    assert len(patterns) == 16
    assert "app/legacy.py" not in patterns  # mentioned in prose only
    assert not any("git" in p for p in patterns)  # the ```bash block is code, not a list


def test_notes_come_from_the_list_comments(clean: ImportResult) -> None:
    assert rule(clean, "app/main.py")["note"] == "Entrada FastAPI"
    assert "note" not in rule(clean, "app/services/payment_service.py")


def test_directories_first_files_last(clean: ImportResult) -> None:
    patterns = documented(clean)
    dirs = [i for i, p in enumerate(patterns) if p.endswith("/")]
    files = [i for i, p in enumerate(patterns) if not p.endswith("/")]
    assert max(dirs) < min(files)
    assert patterns[0] == "/alembic/"  # shallowest directory first


@pytest.mark.parametrize(
    ("path", "owner", "level"),
    [
        ("app/main.py", "system-architect-ai", "critical"),
        ("docker-compose.yml", "cloud-infrastructure-ai", "critical"),
        ("services/docker-compose.yml", None, "none"),  # bare names mean the root file
        ("Dockerfile", None, "high"),
        ("frontend/Dockerfile", None, "none"),
        ("alembic/versions/001_init.py", "database-architect-ai", "critical"),
        ("frontend/src/components/auth/Login.tsx", "security-backend-ai", "critical"),
        ("frontend/src/components/payments/Card.tsx", None, "high"),
        ("tests/conftest.py", "tdd-specialist", "critical"),
        ("tests/fixtures/users.json", "tdd-specialist", "high"),
        ("tests/test_users.py", None, "none"),
        ("app/api/v1/endpoints/pagos.py", "backend-framework-ai", "high"),
        ("README.md", None, "none"),
    ],
)
def test_paths_decide_as_the_documents_say(
    clean: ImportResult, path: str, owner: str | None, level: str
) -> None:
    assert governing(clean, path) == (owner, level)


def test_decider_on_the_loaded_rules(clean: ImportResult) -> None:
    rules = load_rules(dump_rules(clean, header="imported"), ".workspace/rules.yaml")
    decider = Decider(rules)
    denied = decider.decide("backend-framework-ai", "app/main.py")
    assert (denied.allowed, denied.owner, denied.level) == (
        False,
        "system-architect-ai",
        "critical",
    )
    assert decider.decide("system-architect-ai", "app/main.py").reason == "owner"
    assert decider.decide("master-orchestrator", "app/main.py").reason == "superuser"
    office = ".workspace/departments/testing/tdd-specialist/notes.md"
    assert decider.decide("tdd-specialist", office).reason == "office"
    approved = decider.decide("api-security", "app/main.py", approved_by="solution-architect-ai")
    assert approved.reason == "approved"


def test_responsibilities_resolve_bare_file_names(clean: ImportResult) -> None:
    rows = {r["responsible"]: r for r in clean.data["responsibilities"]}
    assert rows["security-backend-ai"]["patterns"] == [
        "app/api/v1/deps/auth.py",
        "app/services/auth_service.py",
    ]
    assert rows["security-backend-ai"]["backup"] == ["api-security"]
    assert rows["database-architect-ai"]["patterns"] == ["app/models/user.py"]
    assert "solution-architect-ai" not in rows  # "Backup para …" names no file


def test_level_conflict_is_reported_with_both_sources(clean: ImportResult) -> None:
    conflict = [f for f in clean.findings if "tests/conftest.py: level" in f.message]
    assert len(conflict) == 1
    assert conflict[0].level == "warning"
    assert conflict[0].other_source == f"{PF}:45"
    assert "critical" in conflict[0].message
    assert not clean.has_errors


def test_ownerless_rules_get_a_note(clean: ImportResult) -> None:
    notes = findings(clean, f"{PF}:11", "info")
    assert any("no document names a responsible agent" in n for n in notes)


def test_folders_that_are_not_offices_are_summarised(clean: ImportResult) -> None:
    notes = findings(clean, ".workspace/departments/:1", "info")
    assert notes and ".workspace/departments/backend/sections/" in notes[0]


def test_every_pattern_is_valid(clean: ImportResult, awkward: ImportResult) -> None:
    for result in (clean, awkward):
        for item in result.data["protected"]:
            check_pattern(item["pattern"])
        for row in result.data.get("responsibilities", []):
            for pattern in row["patterns"]:
                check_pattern(pattern)


# --- emitting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["clean", "awkward"])
def test_yaml_round_trips_and_loads(which: str, request: pytest.FixtureRequest) -> None:
    result: ImportResult = request.getfixturevalue(which)
    text = dump_rules(result, header="imported by workspace-guard\nfrom a test")
    assert yaml.safe_load(text) == result.data
    assert text.startswith("# imported by workspace-guard\n# from a test\n")
    rules = load_rules(text, "rules.yaml")  # what `lint` checks: every agent registered, …
    assert len(rules.protected) == len(result.data["protected"])


def test_each_rule_is_preceded_by_its_source(clean: ImportResult) -> None:
    lines = dump_rules(clean, header="x").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("  - pattern: "):
            assert lines[index - 1].startswith(
                ("  # from .workspace/", f"  # from {DEFAULT_SOURCE}")
            ), line
    assert f"  # from {PF}:9" in lines


ANY_TEXT = st.text(max_size=20)
SCALARS = st.one_of(ANY_TEXT, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    name=ANY_TEXT,
    pattern=ANY_TEXT,
    note=ANY_TEXT,
    backup=st.lists(ANY_TEXT, max_size=3),
    extra=st.dictionaries(ANY_TEXT, st.lists(SCALARS, max_size=3), max_size=3),
)
def test_any_string_round_trips(
    name: str, pattern: str, note: str, backup: list[str], extra: dict[str, Any]
) -> None:
    data: dict[str, Any] = {
        "version": 1,
        "escalation": name,
        "agents": {name: {"department": note}, note: {}},
        "protected": [{"pattern": pattern, "owner": name, "backup": backup, "note": note}],
        "zz": extra,
    }
    text = dump_rules(ImportResult(data=data), header=note)
    loaded = yaml.safe_load(text)
    assert loaded == data


def test_output_is_stable() -> None:
    first = dump_rules(import_mestore(WORKSPACE), header="h")
    second = dump_rules(import_mestore(WORKSPACE), header="h")
    assert first == second


# --- awkward shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (f"{PF}:9", "contains spaces"),
        (f"{PF}:10", "several paths on one line"),
        (f"{PF}:11", "a URL"),
        (f"{PF}:12", "all-capitals"),
        (f"{PF}:13", "'***'"),
        (f"{PF}:14", "'..'"),
        (f"{PF}:15", "must start with ❌ or ⚠️"),
        (f"{PF}:37", "is not a path"),
        (f"{PF}:40", "never closed"),
        (f"{PF}:42", "neither a path nor a known rule line"),
        (f"{RA}:9", "3 cells (the header has 4)"),
        (f"{RA}:11", "'nadie' has no agent file"),
        (".claude/agents/nombre-raro.md:2", "not an agent name"),
        (".claude/agents/sin-frontmatter.md:1", "no 'name:'"),
        (".workspace/project/app/models/order.py.md:1", "the heading is used"),
        (".workspace/project/app/core/security.py.md:3", "unknown state"),
    ],
)
def test_skipped_lines_are_findings(awkward: ImportResult, source: str, text: str) -> None:
    messages = findings(awkward, source, "warning")
    assert any(text in m for m in messages), (source, messages)


def test_bom_crlf_and_emoji_variants(awkward: ImportResult) -> None:
    assert rule(awkward, "app/main.py")["level"] == "critical"  # line 7, after a BOM, CRLF
    assert rule(awkward, "app/core/security.py")["level"] == "critical"  # ❌ + U+FE0F
    assert rule(awkward, "app/models/order.py")["level"] == "high"  # ⚠ without U+FE0F
    assert rule(awkward, "/LICENSE")["level"] == "high"  # an all-caps file name that is one
    assert "windows-agent" in awkward.data["agents"]  # CRLF + BOM agent file


def test_two_owners_conflict_names_both_places(awkward: ImportResult) -> None:
    assert rule(awkward, "app/main.py")["owner"] == "system-architect-ai"
    conflict = [f for f in awkward.findings if "app/main.py: two owners" in f.message]
    assert len(conflict) == 1
    assert (conflict[0].source, conflict[0].other_source) == (f"{PF}:32", f"{RA}:7")


def test_two_levels_conflict(awkward: ImportResult) -> None:
    conflict = [f for f in awkward.findings if "app/main.py: level" in f.message]
    assert (conflict[0].source, conflict[0].other_source) == (f"{PF}:7", f"{PF}:25")


def test_backup_lists(awkward: ImportResult) -> None:
    assert rule(awkward, "app/main.py")["backup"] == ["solution-architect-ai", "api-security"]
    security = rule(awkward, "app/core/security.py")
    assert security["owner"] == "security-backend-ai"  # written `security-backend-ai`
    assert security["backup"] == ["api-security", "backend-framework-ai"]  # "a + b"


def test_duplicated_agent_keeps_the_first(awkward: ImportResult) -> None:
    dup = [f for f in awkward.findings if "defined twice" in f.message]
    assert len(dup) == 1
    assert dup[0].source == ".claude/agents/tdd-specialist-v2.md:2"
    assert dup[0].other_source == ".claude/agents/tdd-specialist.md:2"
    assert awkward.sources["agent:tdd-specialist"] == ".claude/agents/tdd-specialist.md:2"


def test_near_duplicate_agents_are_noted(awkward: ImportResult) -> None:
    notes = findings(awkward, ".claude/agents/api-security-ai.md:2", "info")
    assert any("the same agent twice?" in n for n in notes)


def test_owner_without_agent_file_is_registered_with_a_warning(awkward: ImportResult) -> None:
    assert rule(awkward, "frontend/src/contexts/AuthContext.tsx")["owner"] == "security-frontend-ai"
    assert awkward.data["agents"]["security-frontend-ai"] == {}
    assert any("has no agent file" in m for m in findings(awkward, f"{RA}:10", "warning"))


def test_escalation_is_the_most_common_when_no_master(awkward: ImportResult) -> None:
    assert awkward.data["escalation"] == "cto-agent"
    assert "superusers" not in awkward.data
    other = findings(awkward, f"{RA}:10", "warning")
    assert any("escalation to ceo-agent" in m for m in other)


def test_two_office_folders(awkward: ImportResult) -> None:
    office = awkward.data["agents"]["backend-framework-ai"]["office"]
    assert office == ".workspace/departments/backend/backend-framework-ai/"
    assert any("2 office folders" in f.message for f in awkward.findings)


def test_crlf_and_bom_everywhere_change_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(WORKSPACE, copy)
    for path in copy.rglob("*.md"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    plain, windows = import_mestore(WORKSPACE), import_mestore(copy)
    assert windows.data == plain.data
    assert [str(f) for f in windows.findings] == [str(f) for f in plain.findings]


# --- robustness and errors ----------------------------------------------------------------------

PIECES = [*"ab/.*#|`-:_ \n\r\t\\", "❌ ", "⚠️ ", "🔍 RESPONSABLE: ", "```\n", "**", "| x |", "- "]
PIECES += ["#### ", "---\n", "name: ", " → ", "x-ai", "app/", "Responsables", "ESTADO: "]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protected=MARKDOWNISH, responsible=MARKDOWNISH, agent=MARKDOWNISH)
def test_garbage_never_crashes_and_still_loads(
    protected: str, responsible: str, agent: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".claude/agents").mkdir(parents=True)
        (root / ".workspace").mkdir()
        (root / PF).write_text(protected, encoding="utf-8")
        (root / RA).write_text(responsible, encoding="utf-8")
        (root / ".claude/agents/x-ai.md").write_text(agent, encoding="utf-8")
        result = import_mestore(root)
        text = dump_rules(result, header="fuzz")
        assert yaml.safe_load(text) == result.data
        load_rules(text, "rules.yaml")


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no \.workspace/ folder"):
        import_mestore(tmp_path)


def test_missing_protected_files_is_an_error_finding(tmp_path: Path) -> None:
    (tmp_path / ".workspace").mkdir()
    result = import_mestore(tmp_path)
    assert result.has_errors
    assert findings(result, f"{PF}:1", "error") == ["file not found: nothing imported from it"]
    assert documented(result) == []  # only the protocol's own files are protected
    assert [r["pattern"] for r in result.data["protected"]] == [p for p, _ in PROTOCOL_FILES]
    assert result.data["escalation"] == "master-orchestrator"
    load_rules(dump_rules(result, header="empty"), "rules.yaml")


def test_reports(awkward: ImportResult) -> None:
    text = report_text(awkward.findings)
    assert f"{PF}:9: warning: skipped" in text
    assert "(other source: .claude/agents/tdd-specialist.md:2)" in text
    assert re.search(r"\d+ errors?, \d+ warnings?, \d+ notes?$", text.rstrip().splitlines()[-1])
    data = report_json(awkward)
    assert data["counts"]["warning"] == sum(1 for f in awkward.findings if f.level == "warning")
    assert data["counts"]["error"] == 0
    assert data["summary"]["protected"] == len(awkward.data["protected"])
    assert set(data["findings"][0]) == {"level", "source", "message", "other_source"}

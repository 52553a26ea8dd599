"""The names a file system opens for a path as written (core/canon.py) and the rules read without
regard to letter case (core/casefold.py): pure, table-driven (ATTACK F81, F83)."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import EXAMPLE_RULES

from workspace_guard.core.canon import short_name_at, spellings, windows_name
from workspace_guard.core.casefold import folded_rules
from workspace_guard.core.decide import Decider
from workspace_guard.core.rules import load_rules

WINDOWS = [
    ("app/main.py", "app/main.py"),
    ("app\\main.py", "app/main.py"),
    ("app/main.py.", "app/main.py"),
    ("app/main.py . .", "app/main.py"),
    ("app./main.py", "app/main.py"),
    ("app/main.py::$DATA", "app/main.py"),
    ("app/main.py:stream:$DATA", "app/main.py"),
    ("app::$INDEX_ALLOCATION/main.py", "app/main.py"),
    ("/abs/ws\\app\\main.py", "/abs/ws/app/main.py"),
    ("C:\\ws\\app\\main.py", "C:/ws/app/main.py"),
    ("app\\..\\app\\main.py", "app/../app/main.py"),
    ("app/.../main.py", "app/./main.py"),
    ("./app/main.py", "./app/main.py"),
    ("../x", "../x"),
]


@pytest.mark.parametrize("written,opened", WINDOWS)
def test_windows_name(written: str, opened: str) -> None:
    assert windows_name(written) == opened


def test_spellings_add_only_a_different_name() -> None:
    assert spellings("app/main.py") == ["app/main.py"]
    assert spellings("app/main.py.") == ["app/main.py.", "app/main.py"]


@pytest.mark.parametrize(
    "path,at",
    [
        ("app/MAIN~1.PY", 1),
        ("APP~1/main.py", 0),
        ("WORKSP~12", 0),
        ("app/main.py", -1),
        ("a~b/c", -1),
    ],
)
def test_short_name_at(path: str, at: int) -> None:
    assert short_name_at(path) == at


def _decider() -> Decider:
    return Decider(load_rules(EXAMPLE_RULES.read_text(), ".workspace/rules.yaml"))


@pytest.mark.parametrize("path", ["APP/MAIN.PY", "App/Main.py", ".WORKSPACE/RULES.YAML"])
def test_the_folded_view_finds_the_protected_rule(path: str) -> None:
    decider = _decider()
    view = folded_rules(decider)
    assert not view.same_as_rules(path)
    decision = view.decide("backend-framework-ai", path)
    assert not decision.allowed and decision.rule is not None
    assert decision.path == path  # the name as written, judged by the protected path's rule
    assert decider.decide("backend-framework-ai", path).allowed  # the rules alone miss it


def test_the_folded_view_never_widens_an_office() -> None:
    decider = _decider()
    view = folded_rules(decider)
    office = ".workspace/departments/architecture/system-architect-ai/"
    assert not view.decide("backend-framework-ai", office.upper() + "x.md").allowed
    assert view.decide("system-architect-ai", office + "X.md").allowed


# --- F97: the file systems' own name comparisons --------------------------------------------------
# NTFS compares names upper-cased one code unit at a time (its $UpCase table: `ı` is `I`), APFS
# case-folds and ignores the Unicode normalisation form (`é` and `e` + U+0301 are one name):
# a name any of them reads as a protected path is that path.

EXTRA_RULES = """
  - pattern: /app/staff.py
    owner: system-architect-ai
    level: critical
  - pattern: /docs/λόγος.md
    owner: system-architect-ai
    level: critical
  - pattern: /app/café.py
    owner: system-architect-ai
    level: critical
  - pattern: /app/nai\u0308ve.py
    owner: system-architect-ai
    level: critical
"""

UNICODE_DENIED = [
    ("app/ma\u0131n.py", "/app/main.py"),  # dotless ı: NTFS upper-cases it to I
    ("APP/MA\u0131N.PY", "/app/main.py"),
    ("app/serv\u0131ces/auth_serv\u0131ce.py", "/app/services/auth_service.py"),
    ("alemb\u0131c/env.py", "/alembic/"),
    (".g\u0131thub/workflows/ci.yml", "/.github/workflows/"),
    (".claude/\u017fettings.json", "/.claude/"),  # long s: S upper-cased, s case-folded
    ("doc\u212aer-compose.yml", "/docker-compose.yml"),  # Kelvin sign: k lower-cased
    ("APP/MA\u0130N.PY", "/app/main.py"),  # İ: simple lowercase i
    ("app/sta\ufb00.py", "/app/staff.py"),  # ﬀ ligature: case-folded ff
    ("docs/λόγοσ.md", "/docs/λόγος.md"),  # final sigma: σ case-folded, Σ upper-cased
    ("DOCS/ΛΌΓΟΣ.MD", "/docs/λόγος.md"),
    ("docs/λο\u0301γος.md", "/docs/λόγος.md"),  # NFD of ό: one name on APFS
    ("app/cafe\u0301.py", "/app/café.py"),  # NFD written, NFC in the rules
    ("APP/CAFE\u0301.PY", "/app/café.py"),
    ("APP/NA\u00cfVE.PY", "/app/nai\u0308ve.py"),  # NFC written, NFD in the rules
]
UNICODE_ALLOWED = [
    "\uff41\uff50\uff50/\uff4d\uff41\uff49\uff4e.\uff50\uff59",  # fullwidth: another name everywhere
    "app/\uff4dain.py",
    "app/MAIN.PY\u0301",
    "app/cafe.py",  # no accent: another name
    "app/staf.py",
]


def _unicode_decider() -> Decider:
    text = EXAMPLE_RULES.read_text().replace(
        "\nresponsibilities:", EXTRA_RULES + "\nresponsibilities:"
    )
    return Decider(load_rules(text, ".workspace/rules.yaml"))


@pytest.mark.parametrize("path,pattern", UNICODE_DENIED)
def test_the_file_systems_name_comparisons_find_the_protected_rule(path: str, pattern: str) -> None:
    decider = _unicode_decider()
    view = folded_rules(decider)
    assert not view.same_as_rules(path)
    decision = view.decide("backend-framework-ai", path)
    assert not decision.allowed and decision.rule is not None, path
    assert decision.rule.pattern == unicodedata.normalize("NFC", pattern)  # rules are read NFC


@pytest.mark.parametrize("path", UNICODE_ALLOWED)
def test_names_no_file_system_reads_as_protected_stay_allowed(path: str) -> None:
    decider = _unicode_decider()
    assert folded_rules(decider).decide("backend-framework-ai", path).allowed, path
    assert decider.decide("backend-framework-ai", path).allowed


def test_ascii_lower_case_paths_keep_the_quick_answer() -> None:
    view = folded_rules(_decider())
    assert view.same_as_rules("app/main.py")
    assert view.same_as_rules("notes/x.md")
    assert not view.same_as_rules("app/ma\u0131n.py")


def test_the_unicode_view_never_widens_an_office() -> None:
    decider = _unicode_decider()
    view = folded_rules(decider)
    office = ".workspace/departments/bac\u212aend/backend-framework-ai/x.md"
    # its own office under the Kelvin sign: the view may say so, the rules still decide
    assert not decider.decide("backend-framework-ai", office).allowed
    other = ".workspace/departments/architecture/system-architect-\u0131/x.md"
    assert not view.decide("backend-framework-ai", other).allowed

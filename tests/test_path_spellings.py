"""The names a file system opens for a path as written (core/canon.py) and the rules read without
regard to letter case (core/casefold.py): pure, table-driven (ATTACK F81, F83)."""

from __future__ import annotations

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

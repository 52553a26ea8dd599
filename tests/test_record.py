"""`Record`, the frozen value class that replaces dataclasses on the hot paths: it must behave
like a frozen dataclass where the model relies on it, and keep the validator's imports lean."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import run_cli

from workspace_guard.core.model import Agent, Decision, ProtectedRule, Rules
from workspace_guard.core.record import Record, Struct, asdict, derived, factory, replace


class Point(Record):
    x: int
    y: int = 0
    tags: list[str] = factory(default_factory=list)
    kind: ClassVar[str] = "point"


class Point3(Point):
    z: int = 0
    y: int = 5  # a redefined field keeps its place, takes the new default


def test_init_positional_keyword_and_defaults() -> None:
    assert Point(1).y == 0
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2)
    assert Point.__fields__ == ("x", "y", "tags")
    assert Point.kind == "point"  # a ClassVar is not a field


def test_init_errors() -> None:
    # the generated __init__ reports like any Python function (and like a dataclass)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'w'"):
        Point(1, w=2)
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="positional arguments but 5 were given"):
        Point(1, 2, [], 4)


def test_factory_defaults_are_per_instance() -> None:
    a, b = Point(1), Point(2)
    a.tags.append("x")
    assert b.tags == []


def test_frozen() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="frozen"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del point.x  # type: ignore[misc]


def test_equality_and_hash() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != Point3(1)  # different classes are never equal
    assert Point(1) != (1, 0, [])
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["a"]))
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_hash_of_nested_containers() -> None:
    rules = Rules(
        path="R",
        version=1,
        escalation="a",
        superusers=("a",),
        agents={"a": Agent("a")},
        protected=(),
        commit={"types": ["feat", "fix"], "fields": {"x": {"y": [1]}}},
    )
    assert hash(rules) == hash(replace(rules))


def test_inheritance() -> None:
    assert Point3.__fields__ == ("x", "y", "tags", "z")
    assert Point3(1).y == 5
    assert Point3(1, 2, [], 3).z == 3


def test_repr_replace_asdict() -> None:
    point = Point(1, 2)
    assert repr(point) == "Point(x=1, y=2, tags=[])"
    moved = replace(point, y=9)
    assert (moved, point.y) == (Point(1, 9), 2)
    assert asdict(point) == {"x": 1, "y": 2, "tags": []}
    with pytest.raises(TypeError):
        replace(point, w=1)


def test_pickle_and_copy_round_trip() -> None:
    decision = Decision(
        "a",
        "p",
        False,
        "protected",
        owner="o",
        backup=("b",),
        level="high",
        rule=ProtectedRule(0, "/p", "o", ("b",), "high", None, "R:3"),
    )
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(decision, protocol=protocol)) == decision
    assert copy.copy(decision) == decision
    assert copy.deepcopy(decision) == decision


def test_pickles_are_rebuilt_by_field_name() -> None:
    """A cached pickle must never put a value in the wrong field after fields are reordered."""
    _, (cls, values) = Point(1, 2).__reduce__()
    assert cls is Point
    assert values == {"x": 1, "y": 2, "tags": []}


def test_match_statement() -> None:
    match Point(1, 2):
        case Point(x, y):
            assert (x, y) == (1, 2)
        case _:
            pytest.fail("no match")


class Cursor(Struct):
    text: str
    position: int = 0
    upper: str = derived(init=False)

    def __post_init__(self) -> None:
        self.upper = self.text.upper()


class Gappy(Record):
    first: int = 1
    second: int  # no default after a default: no signature can say that; the generic init can


def test_struct_is_mutable_unhashable_and_runs_post_init() -> None:
    cursor = Cursor("ab")
    assert (cursor.upper, cursor.position) == ("AB", 0)
    cursor.position += 1
    assert cursor == Cursor("ab", 1)
    assert Cursor.__fields__ == ("text", "position")  # a derived field is not a parameter
    with pytest.raises(TypeError):
        hash(cursor)
    with pytest.raises(TypeError):
        Cursor("ab", 0, "AB")  # type: ignore[call-arg]


def test_fields_without_a_possible_signature_use_the_generic_init() -> None:
    assert Gappy(second=2) == Gappy(1, 2)
    with pytest.raises(TypeError, match="missing argument 'second'"):
        Gappy()


def test_the_model_is_records() -> None:
    assert issubclass(Decision, Record) and issubclass(Rules, Record)
    assert Decision("a", "p", True, "owner").to_json()["rule"] is None


def test_the_warm_validator_imports_neither_yaml_click_nor_dataclasses(workspace: Path) -> None:
    """The reason `Record` exists: the hot path must stay lean (allowed path, warm cache)."""
    run_cli(workspace, "backend-framework-ai", "README.md", prog="agent_workspace_validator")
    script = (
        "import sys\n"
        "from workspace_guard.entry import validator_main\n"
        "code = validator_main(['backend-framework-ai', 'README.md', 'app/other.py'])\n"
        "heavy = [m for m in ('yaml', 'click', 'dataclasses', 'inspect', 'subprocess', 'argparse',"
        " 'git', 'typing') if m in sys.modules]\n"
        "print(code, ','.join(heavy) or '-', file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=workspace, capture_output=True, text=True, check=False
    )
    assert proc.stderr.strip().splitlines()[-1] == "0 -", proc.stderr

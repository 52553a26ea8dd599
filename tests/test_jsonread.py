"""speed/jsonread.loads is json.loads: same values, same errors (it reads the claims file on the
validator's path without importing json)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from workspace_guard.speed.jsonread import loads

GOOD = [
    b"[]",
    b"  [1, 2.5, -3e2, true, false, null]  \n",
    '[{"a": "é\\u00e9\\n", "b": {"c": [1, {"d": "x"}]}}]'.encode(),
    b'{"k": 1, "k": 2}',
    b'"text"',
    b"12",
    b"[1e400, -0.0]",
    "\ufeff[1]".encode(),
    "[1]".encode("utf-16"),
]
BAD = [b"", b"   ", b"{broken", b"[1] x", b"[1,]", b"[NaN", b"\xff[]", b'["\x01"]', b"[01]"]


@pytest.mark.parametrize("data", GOOD)
def test_values_equal_json_loads(data: bytes) -> None:
    assert repr(loads(data)) == repr(json.loads(data))


def test_constants() -> None:
    value = loads(b"[NaN, Infinity, -Infinity]")
    assert math.isnan(value[0]) and value[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize("data", BAD)
def test_errors_equal_json_loads(data: bytes) -> None:
    with pytest.raises(Exception) as expected:
        json.loads(data)
    with pytest.raises(type(expected.value)) as got:
        loads(data)
    assert str(got.value) == str(expected.value)


def test_reading_claims_does_not_import_json() -> None:
    code = (
        "import sys; from workspace_guard.speed.jsonread import loads; "
        "loads(b'[{\"a\": 1}]'); print('json' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

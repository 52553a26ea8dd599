"""`loads`: `json.loads` for small state files read on the hot paths, without `import json`.

`import json` costs ~1.8 ms here (its decoder and encoder compile six regexes at import), which
is most of what a claims file adds to a validator call that prints text. The C scanner that
`json.loads` itself uses (`_json.make_scanner`) is reached directly, with the same settings as
`json.JSONDecoder()`; anything it does not take whole (other encodings, a BOM, bad JSON, extra
data, a Python without `_json`) goes to `json.loads`, which gives the same value or raises its
own error, so values and error messages stay exactly `json.loads`'s.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SPACE = " \t\n\r"  # JSON's white space
_scan: Callable[[str, int], tuple[Any, int]] | None = None


class _Settings:
    """What `json.JSONDecoder()` passes its scanner by default."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


def loads(data: bytes) -> Any:
    """`json.loads(data)`."""
    try:
        text = data.decode("utf-8")
        scan = _scanner()
    except (UnicodeDecodeError, ImportError):
        return _slow(data)
    start = len(text) - len(text.lstrip(_SPACE))
    if text.startswith("\ufeff") or start == len(text):
        return _slow(data)
    try:
        value, end = scan(text, start)
    except (StopIteration, ValueError, RecursionError):
        return _slow(data)
    if text[end:].strip(_SPACE):
        return _slow(data)
    return value


def _scanner() -> Callable[[str, int], tuple[Any, int]]:
    global _scan  # noqa: PLW0603 - built once per process
    if _scan is None:
        from _json import make_scanner  # the C scanner `json` itself uses

        _scan = make_scanner(_Settings())  # type: ignore[arg-type]  # duck-typed: the fields
    return _scan


def _slow(data: bytes) -> Any:
    import json

    return json.loads(data)

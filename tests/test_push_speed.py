"""The push gate's fast paths give exactly the answers of the plain code they replace.

Each shortcut taken for speed (benchmarks/bench_push.py) is checked here against the reading it
stands for, over generated inputs: the one-pass log parser against `_parse_log(_tokens(...))`,
the `Archivo` normaliser's skipped steps against running every step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from workspace_guard.core.template import fields as template_fields
from workspace_guard.gates.push.range import _parse_chunks, _parse_log, _tokens

SHA = "a" * 40
HEADER = st.builds(
    lambda parents, body: ("\x1e" + " ".join([SHA, *parents]) + "\x1f").encode() + body + b"\x1f",
    st.lists(st.sampled_from(["b" * 40, "c" * 40]), max_size=2),
    st.binary(max_size=30).map(lambda b: b.replace(b"\0", b"")),
)
STATUS = st.sampled_from([b"M", b"\nM", b"A", b"D", b"T", b"R100", b"C075", b"\nR050", b"\n", b""])
NAME = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b""))
TOKEN = st.one_of(HEADER, STATUS, NAME, st.just(b"\x1e"), st.just(b"\x1e" + SHA.encode()))


def _chunked(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    pos = turn = 0
    while pos < len(data):
        size = sizes[turn % len(sizes)]
        turn += 1
        yield data[pos : pos + size]
        pos += size


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
    expected = _read(_parse_log(_tokens(_chunked(data, sizes))))
    assert _read(_parse_chunks(_chunked(data, sizes))) == expected
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

"""Byte streams cut the way pipes cut them: short reads of varying sizes."""

from __future__ import annotations

from collections.abc import Iterator


def chunked(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    """`data` in pieces of the given sizes, taken in turn (a token may be split anywhere)."""
    pos = turn = 0
    while pos < len(data):
        size = sizes[turn % len(sizes)]
        turn += 1
        yield data[pos : pos + size]
        pos += size

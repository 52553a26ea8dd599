"""The listing of a range for the push gate: one streaming `git log` lists every commit and its
changes (its options pin the listing against the repository's configuration: see LOG_OPTIONS).

Renames are not detected: both sides of a rename are two paths already, so a rename cannot
launder a protected path, and no blob is read (blobless partial clones work).
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Iterator, Sequence

LOG_FORMAT = "%x1e%H %P%x1f%B%x1f"


class Commit(Record):
    """One commit of the range: id, parents, raw message bytes, and the paths its change
    touches against the first parent (both sides of a rename; as git wrote them)."""

    sha: str
    parents: tuple[str, ...]
    message: bytes
    paths: tuple[str, ...]


# `git log` options that make the listing independent of the repository's configuration: every
# root commit against the empty tree (`log.showRoot`), full paths from any directory
# (`diff.relative`), submodule changes shown (`diff.ignoreSubmodules`), messages in UTF-8
# (`i18n.logOutputEncoding`), no rename detection whatever `diff.renames` says (it reads blobs
# and would pair a protected path away), merges by their own change (`--cc`), and no
# replacement objects — a pushed `refs/replace/<bad>` would otherwise make git show a good
# commit in place of the bad one.
LOG_OPTIONS = (
    "--root",
    "--no-relative",
    "--ignore-submodules=none",
    "--encoding=UTF-8",
    "--no-renames",
    "--cc",
    "--name-status",
    "-z",
    "--no-color",
    "--no-ext-diff",
    "--no-notes",
    f"--format={LOG_FORMAT}",
)


def walk(
    cwd: str, rev_args: Sequence[str], listing: Generator[bytes, None, None] | None = None
) -> Iterator[Commit]:
    """Stream the commits of `git rev-list REV_ARGS` with their changes (one git process;
    `listing`: that process started already by `start_listing`).

    Offline while it runs (`OFFLINE`): in a partial clone a missing blob is never fetched from
    the promisor remote — the listing reads trees only, and the one reader of blobs (a merge's
    own change, `Checker._merge_own`) falls back to the strict answer instead."""
    saved = _set_env(OFFLINE)
    try:
        chunks = (
            listing if listing is not None else git.stream(_log_argv(rev_args), cwd, label="log")
        )
        try:
            yield from _parse_chunks(chunks)
        finally:
            chunks.close()
    finally:
        _set_env(saved)


def start_listing(cwd: str, rev_args: Sequence[str]) -> Generator[bytes, None, None]:
    """git's listing for `walk`, started now: git lists on another core while the caller loads
    the rules. Hand it to `check_range` (which closes it), or close it."""
    saved = _set_env(OFFLINE)
    try:
        return git.started(_log_argv(rev_args), cwd, label="log")
    finally:
        _set_env(saved)


def _log_argv(rev_args: Sequence[str]) -> list[str]:
    args = ["--no-replace-objects", "-c", "log.showSignature=false", "log", *LOG_OPTIONS]
    return [*args, *rev_args, "--"]


def _set_env(values: dict[str, str | None] | dict[str, str]) -> dict[str, str | None]:
    """Set (None: remove) environment variables; their previous values, to set them back."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return saved


# History as stored: replacement objects (`refs/replace/*`, which anyone can push) and grafts
# (`info/grafts`, which anyone with the clone can write) would let git show a good commit in place
# of a bad one, or hide a commit between two others. Shallow boundaries are handled apart
# (`clone_range`).
AS_STORED = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.path.join(os.devnull, "no-grafts")}

# No lazy fetch in a partial clone: git ≥ 2.44 reads GIT_NO_LAZY_FETCH; on older git the lazy
# fetch is a `git fetch` child that inherits the environment, and a protocol allow-list that
# names no real transport makes it fail at once (the caller then takes the strict answer).
OFFLINE = {"GIT_NO_LAZY_FETCH": "1", "GIT_ALLOW_PROTOCOL": "workspace-guard-offline"}


def _tokens(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """NUL-separated tokens from a stream of byte chunks (memory stays flat; a token longer
    than a chunk is joined once, not re-scanned per chunk)."""
    partial: list[bytes] = []
    for chunk in chunks:
        parts = chunk.split(b"\0")
        if len(parts) == 1:
            partial.append(chunk)
            continue
        partial.append(parts[0])
        yield b"".join(partial)
        yield from parts[1:-1]
        partial = [parts[-1]]
    tail = b"".join(partial)
    if tail:
        yield tail


def _parse_chunks(chunks: Iterator[bytes]) -> Iterator[Commit]:  # noqa: PLR0915 - one flat loop
    """`_parse_log(_tokens(chunks))` in one pass (the listing of a long range is ~22 tokens a
    commit; a generator step per token cost more than the rest of the parsing): each chunk is
    split once and its tokens are read by index. A change whose names continue in the next
    chunk is carried over whole; at the end, missing names read as empty, as in `_parse_log`."""
    header: tuple[str, tuple[str, ...], bytes] | None = None
    paths: list[str] = []
    partial: list[bytes] = []  # the unfinished last token, as in `_tokens`
    carry: list[bytes] = []  # complete tokens of a change whose names are not all here yet
    final = False
    chunks = iter(chunks)
    while not final:
        chunk = next(chunks, None)
        if chunk is None:
            final = True
            tail = b"".join(partial)
            parts = [*carry, tail] if tail else carry
        else:
            parts = chunk.split(b"\0")
            if len(parts) == 1:
                partial.append(chunk)
                continue
            partial.append(parts[0])
            parts[0] = b"".join(partial)
            partial = [parts.pop()]
            if carry:
                parts[:0] = carry
        carry = []
        i, n = 0, len(parts)
        while i < n:
            token = parts[i]
            if token[:1] == b"\x1e":
                if header is not None:
                    yield Commit(*header, tuple(paths))
                meta, _, body = token[1:].partition(b"\x1f")
                sha, *parents = meta.decode("ascii").split()
                header = (sha, tuple(parents), body[:-1] if body[-1:] == b"\x1f" else body)
                paths = []
                i += 1
                continue
            status = token.lstrip(b"\n")[:1]
            if not status:
                i += 1
                continue
            width = 3 if status in (b"R", b"C") else 2  # the status token and its names
            if i + width > n:
                if not final:
                    carry = parts[i:]
                    break
                parts += [b""] * (i + width - n)
                n = i + width
            if width == 2:
                paths.append(parts[i + 1].decode("utf-8", "surrogateescape"))
            elif status == b"R":
                paths.append(parts[i + 1].decode("utf-8", "surrogateescape"))
                paths.append(parts[i + 2].decode("utf-8", "surrogateescape"))
            else:  # a copy leaves its source as is
                paths.append(parts[i + 2].decode("utf-8", "surrogateescape"))
            i += width
    if header is not None:
        yield Commit(*header, tuple(paths))


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Commit]:
    """`%x1e<sha> <parents>%x1f<message>%x1f` then `<status>\\0<path>\\0` (two paths for R
    and C) per change. Paths are taken by position, so no file name can pass for a header.
    (The reference reading of the listing; `walk` uses `_parse_chunks`, which must agree.)"""
    header: tuple[str, tuple[str, ...], bytes] | None = None
    paths: list[str] = []
    for token in tokens:
        if token[:1] == b"\x1e":
            if header is not None:
                yield Commit(*header, tuple(paths))
            meta, _, body = token[1:].partition(b"\x1f")
            sha, *parents = meta.decode("ascii").split()
            header, paths = (sha, tuple(parents), body[:-1] if body[-1:] == b"\x1f" else body), []
            continue
        status = token.lstrip(b"\n")[:1]
        if not status:
            continue
        if status in (b"R", b"C"):
            old, new = next(tokens, b""), next(tokens, b"")
            names = (old, new) if status == b"R" else (new,)  # a copy leaves its source as is
        else:
            names = (next(tokens, b""),)
        paths += [name.decode("utf-8", "surrogateescape") for name in names]
    if header is not None:
        yield Commit(*header, tuple(paths))

"""Append-only, hash-chained JSON-lines logs (the audit log and the provenance ledger).

Appends from concurrent processes are serialised by an exclusive `flock`; each record carries the
hash of the one before, so `verify` detects an edited, inserted or removed line. The chain alone
cannot see lines cut from the *end*, so every append also writes the last seq and hash to a head
file: `verify` compares, and an append after a cut chains from the head, which leaves the break
visible. An append made with `durable=False` (claims changes only: see state/claims_log) is
written without an `fsync` and leaves the head file alone; its records say `"durable": false`,
and `verify` accepts a head that names the last durable record when only such records follow it,
so a power loss that takes them leaves the chain verifiable. A failed write (full disk,
read-only state) is reported on stderr with the record itself: never lost silently.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from json.encoder import encode_basestring as _encode_str

from workspace_guard.core.record import Record
from workspace_guard.fsutil import rewrite_in_place
from workspace_guard.i18n import _, strerror
from workspace_guard.state import ensure_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from typing import Any

GENESIS = "0" * 64


class Log(Record):
    """One chained log: its file, its head file and what messages call it."""

    file: str
    head: str
    label: str


_SHA256: list[Any] = []


def _sha256(data: bytes) -> str:
    """The hex SHA-256 of `data` (see `_sha256_type`)."""
    return str(_sha256_type()(data).hexdigest())


OPENSSL_FROM = 2000  # records from which OpenSSL's SHA-256 pays for loading it


def _sha256_type(*, many: bool = False) -> Any:
    """SHA-256 from CPython's built-in module where there is one: `hashlib` loads OpenSSL
    (3-4 ms idle, 18 ms loaded), paid by every denial that writes an audit record. Looked up
    once: a failed import is not cached by Python, and a commit may check 1,000 records.
    With `many` (thousands of records to hash), OpenSSL's where it loads: ~2 µs a record
    less (a 600-byte record: 2.2 µs against 4 µs)."""
    if many:
        try:
            from _hashlib import openssl_sha256  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            pass
        else:
            return openssl_sha256
    if not _SHA256:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            try:
                from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ImportError:
                from hashlib import sha256  # type: ignore[assignment,unused-ignore]
        _SHA256.append(sha256)
    return _SHA256[0]


# the encoders `json.dumps` would build afresh for every call with these options (a bulk
# validator call appends 50,000 records: one per denied path)
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_LINE = json.JSONEncoder(ensure_ascii=False).encode


def _digest(prev: str, body: Mapping[str, Any]) -> str:
    return _sha256((prev + _CANONICAL(body)).encode("utf-8"))


def _last_hash(fd: int, size: int) -> tuple[str, int, bool]:
    """Hash and seq of the last record (reads only the file's tail); False: no record there."""
    if size == 0:
        return GENESIS, 0, True
    chunk = min(size, 65536)
    tail = os.pread(fd, chunk, size - chunk).rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        last = json.loads(tail)
        return str(last["hash"]), int(last.get("seq", 0)), True
    except (ValueError, KeyError, TypeError):
        return _sha256(tail), 0, False


def _read_head(state_dir: str, log: Log) -> tuple[str, int] | None:
    """(hash, seq) of the last record ever appended, as `audit.head` remembers it."""
    for attempt in (1, 2):  # rewritten in place: a read that met the write reads again
        try:
            with open(os.path.join(state_dir, log.head), encoding="ascii") as handle:
                data = json.load(handle)
            return str(data["hash"]), int(data["seq"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            if attempt == 2:
                break
    return "unreadable", -1


def _write_head(state_dir: str, log: Log, prev: str, seq: int) -> None:
    rewrite_in_place(os.path.join(state_dir, log.head), json.dumps({"seq": seq, "hash": prev}))


# Where an append's `fsync` goes. None (a one-shot process): before `append` returns. A list (the
# hook server, gates/harness/serve.py): the log's path is noted and the caller syncs it with
# `sync_deferred` once its answer is out. Either way the lines are `write()`n and the head file
# replaced before `append` returns, so every reader sees the record as soon as the caller answers;
# only the disk flush, which guards against a power loss, moves off the answer's path.
DEFERRED: list[str] | None = None


def sync_deferred() -> None:
    """`fsync` the logs appended to since the last call (each once); errors are the disk's."""
    if not DEFERRED:
        return
    paths = list(dict.fromkeys(DEFERRED))
    DEFERRED.clear()
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError as exc:
            text = _("workspace-guard: error: could not sync {path}: {error}")
            print(text.format(path=path, error=strerror(exc)), file=sys.stderr)
        finally:
            os.close(fd)


def append(
    state_dir: str, log: Log, records: Sequence[Mapping[str, Any]], *, durable: bool = True
) -> bool:
    """Append records atomically with respect to other writers; False (and stderr) on failure.

    All or nothing: the lines and the head file are written under the lock, and when either
    fails (a full disk, a file size limit, a read-only state dir) the log is cut back to where
    it was, so a failed append leaves neither a partial line nor a head that disagrees.
    `durable=False`: no `fsync` and no head update; the records are marked `durable: false`."""
    if not records:
        return True
    if not durable:
        records = [{**record, "durable": False} for record in records]
    return _append(
        state_dir,
        log,
        lambda prev, seq, now: _encode(records, prev, seq, now),
        records,
        durable=durable,
    )


def append_alike(
    state_dir: str, log: Log, bases: Sequence[Mapping[str, Any]], paths: Sequence[str]
) -> bool:
    """`append(state_dir, log, [{**bases[i], "path": paths[i]} ...])`, the same bytes, where
    many records share one base object (the validator's bulk path: 50,000 denials of a few
    verdicts): each distinct base is encoded once, and the records are written without a dict
    each, in one tight loop of string joins and SHA-256."""
    if not paths:
        return True

    def records() -> list[dict[str, Any]]:
        return [{**base, "path": path} for base, path in zip(bases, paths, strict=True)]

    def encode(prev: str, seq: int, now: str) -> tuple[str, str, int]:
        return _encode_alike(bases, paths, prev, seq, now) or _encode(records(), prev, seq, now)

    return _append(state_dir, log, encode, records)


class _Stale(Exception):
    """`append_if`'s condition did not hold under the lock."""


def append_if(
    state_dir: str,
    log: Log,
    records: Sequence[Mapping[str, Any]],
    fresh: Callable[[], bool],
    *,
    durable: bool = True,
) -> bool | None:
    """`append`, made only when `fresh()`, called under the lock (so after every append that
    finished before), is true: a check and its record, atomic with respect to other writers.
    None when `fresh()` was false (nothing written), False when the log cannot be written."""
    if not durable:
        records = [{**record, "durable": False} for record in records]

    def encode(prev: str, seq: int, now: str) -> tuple[str, str, int]:
        if not fresh():
            raise _Stale
        return _encode(records, prev, seq, now)

    try:
        return _append(state_dir, log, encode, records, durable=durable)
    except _Stale:
        return None


def _append(
    state_dir: str,
    log: Log,
    encode: Callable[[str, int, str], tuple[str, str, int]],
    records: Sequence[Mapping[str, Any]] | Callable[[], Sequence[Mapping[str, Any]]],
    *,
    durable: bool = True,
) -> bool:
    """Lock, encode (the lines, the last hash and seq) from the log's end, write; on failure
    say so on stderr with the records (`records`, or a callable that builds them)."""
    try:
        ensure_dir(state_dir)
        path = os.path.join(state_dir, log.file)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _append_locked(state_dir, log, fd, encode, durable)
        finally:
            os.close(fd)  # releases the lock
        return True
    except OSError as exc:
        text = _(
            "workspace-guard: error: could not write the {log} in {state_dir}: {error}; nothing "
            "was appended, the records were:"
        )
        print(
            text.format(log=_(log.label), state_dir=state_dir, error=strerror(exc)),
            file=sys.stderr,
        )
        for record in records() if callable(records) else records:
            print(json.dumps(record, ensure_ascii=False), file=sys.stderr)
        return False


def _append_locked(
    state_dir: str,
    log: Log,
    fd: int,
    encode: Callable[[str, int, str], tuple[str, str, int]],
    durable: bool = True,
) -> None:
    size = os.fstat(fd).st_size
    prev, seq, ok = _last_hash(fd, size)
    head = _read_head(state_dir, log)
    if head is not None and head[1] > seq:
        if ok:  # lines were cut from the end: chain from the head, keeping the gap seen
            prev, seq = head
        else:  # a damaged last line: chain on from it (verify reports it), count on
            seq = head[1]
    # one moment per append: its records were decided together
    text, prev, seq = encode(prev, seq, _now())
    view = memoryview(text.encode("utf-8"))
    try:
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            if DEFERRED is None:
                os.fsync(fd)
            else:
                DEFERRED.append(os.path.join(state_dir, log.file))
            _write_head(state_dir, log, prev, seq)
    except OSError:
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError:
            pass
        raise


def _encode(
    records: Sequence[Mapping[str, Any]], prev: str, seq: int, now: str
) -> tuple[str, str, int]:
    """The lines of `records` chained on from `prev` and `seq`; (text, last hash, last seq)."""
    lines: list[str] = []
    shapes: dict[tuple[Any, ...], _Shape] = {}
    for record in records:
        seq += 1
        key = _shape_key(record) if len(records) >= SHAPED_FROM else None
        if key is not None and key not in shapes:
            shapes[key] = _Shape(record, now)
        shape = None if key is None else shapes[key]
        if shape is not None and shape.ok:
            prev, line = shape.line(record["path"], prev, seq)
            lines.append(line)
            continue
        body = {"seq": seq, "ts": now, **record, "prev": prev}
        prev = _digest(prev, body)
        body["hash"] = prev
        lines.append(_LINE(body) + "\n")
    return "".join(lines), prev, seq


def _encode_alike(
    bases: Sequence[Mapping[str, Any]], paths: Sequence[str], prev: str, seq: int, now: str
) -> tuple[str, str, int] | None:
    """`_encode` of `{**bases[i], "path": paths[i]}` with one `_Shape` per distinct base; None
    when a base does not lend itself to one (the caller then takes the plain way)."""
    shapes: dict[int, tuple[str, ...]] = {}
    for base in bases:
        if id(base) in shapes:
            continue
        record = {**base, "path": ""}
        shape = _Shape(record, now) if _shape_key(record) is not None else None
        if shape is None or not shape.ok:
            return None
        shapes[id(base)] = (*shape.canonical, *shape.text)
    sha256, name_of = _sha256_type(many=len(paths) >= OPENSSL_FROM), _encode_str
    lines: list[str] = []
    add = lines.append
    for path, (c0, c1, c2, c3, t0, t1, t2, t3, t4) in zip(
        paths, map(shapes.__getitem__, map(id, bases)), strict=True
    ):
        seq += 1
        name, number = name_of(path), str(seq)
        digest = sha256(f'{prev}{c0}{name}{c1}"{prev}"{c2}{number}{c3}'.encode()).hexdigest()
        add(f'{t0}{number}{t1}{name}{t2}"{prev}"{t3}"{digest}"{t4}\n')
        prev = digest
    return "".join(lines), prev, seq


SHAPED_FROM = 64  # records in one append from which records alike but for `path` share an encoding
_SLOT = "\x00slot\x00"  # a placeholder no record holds: its encoding is found and split on
_SLOT_JSON = _LINE(_SLOT)
_SCALARS = (str, int, float, bool, type(None))


def _shape_key(record: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What records alike but for their `path` have in common (types included: 1 == True), or
    None where the record does not lend itself (no string `path`, a list, a chain field)."""
    if not isinstance(record.get("path"), str) or {"seq", "prev", "hash"} & record.keys():
        return None
    key: list[object] = []
    for name, value in record.items():
        if name == "path":
            key.append(name)
        elif type(value) in _SCALARS:
            key.append((name, type(value), value))
        else:
            return None
    return tuple(key)


class _Shape:
    """The encodings of a record with its path, prev, seq and hash left open: filling them in
    gives the bytes `_CANONICAL` and `_LINE` give for the whole record (a bulk validator call
    appends 50,000 denials of a few verdicts; encoding each record cost ~10 µs, filling ~3)."""

    def __init__(self, record: Mapping[str, Any], now: str) -> None:
        body = {"seq": _SLOT, "ts": now, **record, "prev": _SLOT}
        body["path"] = _SLOT
        self.canonical = _CANONICAL(body).split(_SLOT_JSON)  # keys sorted: path, prev, seq
        body["hash"] = _SLOT
        self.text = _LINE(body).split(_SLOT_JSON)  # as written: seq, path, prev, hash
        self.ok = len(self.canonical) == 4 and len(self.text) == 5

    def line(self, path: str, prev: str, seq: int) -> tuple[str, str]:
        """(this record's hash, its line)."""
        name, number = _encode_str(path), str(seq)
        c = self.canonical
        canonical = f'{c[0]}{name}{c[1]}"{prev}"{c[2]}{number}{c[3]}'
        digest = _sha256((prev + canonical).encode("utf-8"))
        t = self.text
        return digest, f'{t[0]}{number}{t[1]}{name}{t[2]}"{prev}"{t[3]}"{digest}"{t[4]}\n'


def _now() -> str:
    """One reading of the clock: seconds and milliseconds read apart could make `…:50.000` of a
    moment at 50.999 (a write then seems to precede an approval recorded just before it)."""
    moment = time.time()
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
        + f".{int(moment * 1000) % 1000:03d}Z"
    )


class Broken(Record):
    """Where the chain breaks."""

    line: int
    reason: str


def read(state_dir: str, log: Log) -> Iterator[dict[str, Any]]:
    """Every record, oldest first (unparseable lines are skipped here; `verify` reports them)."""
    try:
        handle = open(os.path.join(state_dir, log.file), "rb")  # noqa: SIM115
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def verify(state_dir: str, log: Log) -> tuple[int, list[Broken]]:
    """Recompute the chain and compare its end with `audit.head`; (records checked, problems)."""
    problems: list[Broken] = []
    prev, count, seq = GENESIS, 0, 0
    anchor = (prev, seq)  # the last durable record: where the head may rightly stop
    try:
        handle = open(os.path.join(state_dir, log.file), "rb")  # noqa: SIM115
    except FileNotFoundError:
        handle = None
    if handle is not None:
        with handle:
            for number, raw in enumerate(handle, 1):
                count += 1
                problem, prev, seq = _check_line(raw, prev, seq)
                if problem:
                    problems.append(Broken(number, problem))
                if problem or VOLATILE not in raw:
                    anchor = (prev, seq)
    head = _read_head(state_dir, log)
    if head is not None and head not in {(prev, seq), anchor}:
        if head[1] > seq:
            reason = _(
                "the log ends at record {seq} but record {written} was written "
                "(lines were removed from its end, or the log was replaced)"
            ).format(seq=seq, written=head[1])
        else:
            reason = _("the log's end does not match {head} (record {seq})").format(
                head=log.head, seq=head[1]
            )
        problems.append(Broken(count + 1, reason))
    return count, problems


# how `_LINE` writes the mark of a record appended with `durable=False` (a string value holding
# these bytes is written with escaped quotes, so only the key itself can match)
VOLATILE = b'"durable": false'


def _check_line(raw: bytes, prev: str, seq: int) -> tuple[str | None, str, int]:
    """(problem, this line's hash, its seq) for one line that should follow `prev`."""
    try:
        record = json.loads(raw)
        stated = str(record.pop("hash"))
        number = int(record.get("seq", 0))
    except (ValueError, KeyError, AttributeError, TypeError):
        return _("not a valid record"), _sha256(raw.rstrip(b"\n")), seq
    if record.get("prev") != prev:
        reason = _(
            "does not follow the previous record (a line was removed, inserted or reordered)"
        )
        return reason, stated, number
    if _digest(prev, record) != stated:
        return _("content does not match its hash (the line was edited)"), stated, number
    return None, stated, number

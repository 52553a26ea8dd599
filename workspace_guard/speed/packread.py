"""git objects read in process, loose or packed, without running git.

The other-worktree warning (speed/worktree_index.py) compares an index entry's blob id with
HEAD's. HEAD's commit and trees are loose right after a commit, but packed after `git gc`,
a clone or a fetch; a cache-tree (the index's `TREE` extension) cannot stand in for them, since
after `git reset --soft` it describes a tree that is no longer HEAD's. So objects are read from
the pack files too: the `.idx` (version 2) gives the object's offset (its fan-out table and the
slice of sorted ids for the first byte, read with `pread`, never the whole file), the pack entry
is inflated, and a delta (`OFS_DELTA`, `REF_DELTA`) is applied to its base, recursively up to
`MAX_DEPTH`. Anything else (an `.idx` of version 1, alternates, a missing object, a damaged
pack) gives None, and the caller asks git.
"""

from __future__ import annotations

import os

from workspace_guard.speed.gitread import _tree_entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

KINDS = {1: b"commit", 2: b"tree", 3: b"blob", 4: b"tag"}
OFS_DELTA, REF_DELTA = 6, 7
MAX_DEPTH = 64  # git's own default `pack.depth` is 50
CHUNK = 65536
IDX_MAGIC = b"\377tOc\0\0\0\2"


class Objects:
    """One repository's object store (its common dir), loose objects first, then packs."""

    def __init__(self, common: str) -> None:
        self.objects = os.path.join(common, "objects")
        self._packs: list[tuple[str, str]] | None = None
        self._fds: dict[str, int] = {}

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def read(self, oid: str, depth: int = 0) -> tuple[bytes, bytes] | None:
        """(type, body) of the object `oid`, or None when it cannot be read here."""
        found = self._loose(oid)
        if found is not None:
            return found
        raw = bytes.fromhex(oid)
        for idx, pack in self._pack_files():
            offset = self._offset(idx, raw)
            if offset is not None:
                return self._entry(pack, offset, len(raw), depth)
        return None

    # --- loose ---------------------------------------------------------------------------

    def _loose(self, oid: str) -> tuple[bytes, bytes] | None:
        import zlib

        try:
            with open(os.path.join(self.objects, oid[:2], oid[2:]), "rb") as handle:
                data = zlib.decompress(handle.read())
        except (OSError, zlib.error):
            return None
        header, _, body = data.partition(b"\0")
        kind, _, size = header.partition(b" ")
        return (kind, body) if size.isdigit() and int(size) == len(body) else None

    # --- packs ---------------------------------------------------------------------------

    def _pack_files(self) -> list[tuple[str, str]]:
        if self._packs is None:
            folder = os.path.join(self.objects, "pack")
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                names = []
            self._packs = [
                (os.path.join(folder, n), os.path.join(folder, n[:-4] + ".pack"))
                for n in names
                if n.endswith(".idx") and n[:-4] + ".pack" in names
            ]
        return self._packs

    def _fd(self, path: str) -> int:
        fd = self._fds.get(path)
        if fd is None:
            fd = self._fds[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        return fd

    def _offset(self, idx: str, raw: bytes) -> int | None:
        """The object's offset in the pack of `idx` (version 2), or None."""
        try:
            fd = self._fd(idx)
            head = os.pread(fd, 8 + 1024, 0)
        except OSError:
            return None
        if len(head) != 8 + 1024 or head[:8] != IDX_MAGIC:
            return None
        fanout = [int.from_bytes(head[8 + 4 * i : 12 + 4 * i], "big") for i in (raw[0] - 1, raw[0])]
        low = fanout[0] if raw[0] else 0
        high, total, width = fanout[1], int.from_bytes(head[-4:], "big"), len(raw)
        ids = os.pread(fd, (high - low) * width, 8 + 1024 + low * width)
        position = _search(ids, raw, width)
        if position is None:
            return None
        at = 8 + 1024 + total * (width + 4) + 4 * (low + position)
        offset = int.from_bytes(os.pread(fd, 4, at), "big")
        if offset & 0x80000000:  # an index into the table of 8-byte offsets
            at = 8 + 1024 + total * (width + 8) + 8 * (offset & 0x7FFFFFFF)
            offset = int.from_bytes(os.pread(fd, 8, at), "big")
        return offset

    def _entry(self, pack: str, offset: int, width: int, depth: int) -> tuple[bytes, bytes] | None:
        if depth > MAX_DEPTH:
            return None
        try:
            fd = self._fd(pack)
            head = os.pread(fd, 32 + width, offset)
        except OSError:
            return None
        kind, size, at = _entry_header(head)
        if kind == OFS_DELTA:
            distance, at = git_varint(head, at)
            base = self._entry(pack, offset - distance, width, depth + 1)
        elif kind == REF_DELTA:
            base = self.read(head[at : at + width].hex(), depth + 1)
            at += width
        elif kind in KINDS:
            body = self._inflate(fd, offset + at, size)
            return None if body is None else (KINDS[kind], body)
        else:
            return None
        if base is None:
            return None
        delta = self._inflate(fd, offset + at, size)
        made = None if delta is None else apply_delta(base[1], delta)
        return None if made is None else (base[0], made)

    @staticmethod
    def _inflate(fd: int, at: int, size: int) -> bytes | None:
        import zlib

        stream, out = zlib.decompressobj(), []
        try:
            while not stream.eof:
                chunk = os.pread(fd, max(CHUNK, size + 64), at)
                if not chunk:
                    return None
                at += len(chunk)
                out.append(stream.decompress(chunk))
        except (OSError, zlib.error):
            return None
        body = b"".join(out)
        return body if len(body) == size else None


def _search(ids: bytes, raw: bytes, width: int) -> int | None:
    low, high = 0, len(ids) // width
    while low < high:
        middle = (low + high) // 2
        found = ids[middle * width : (middle + 1) * width]
        if found == raw:
            return middle
        if found < raw:
            low = middle + 1
        else:
            high = middle
    return None


def _entry_header(head: bytes) -> tuple[int, int, int]:
    """(type, inflated size, where the rest starts) of a pack entry."""
    byte = head[0]
    kind, size, shift, at = (byte >> 4) & 7, byte & 15, 4, 1
    while byte & 0x80 and at < len(head):
        byte = head[at]
        size |= (byte & 0x7F) << shift
        shift, at = shift + 7, at + 1
    return kind, size, at


def git_varint(data: bytes, at: int) -> tuple[int, int]:
    """git's offset varint (an `OFS_DELTA`'s distance, a version 4 index's name strip):
    (value, where the next field starts)."""
    byte = data[at]
    value, at = byte & 0x7F, at + 1
    while byte & 0x80 and at < len(data):
        byte = data[at]
        value = ((value + 1) << 7) | (byte & 0x7F)
        at += 1
    return value, at


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while at < len(data):
        byte = data[at]
        value |= (byte & 0x7F) << shift
        shift, at = shift + 7, at + 1
        if not byte & 0x80:
            break
    return value, at


def apply_delta(base: bytes, delta: bytes) -> bytes | None:
    """git's delta format: the base's size, the result's, then copy and insert instructions."""
    size, at = _varint(delta, 0)
    if size != len(base):
        return None
    wanted, at = _varint(delta, at)
    out = bytearray()
    while at < len(delta):
        op = delta[at]
        at += 1
        if op & 0x80:
            start = length = 0
            for bit, shift in _bits(op, 0x01, 4):
                start |= delta[at] << shift if bit else 0
                at += 1 if bit else 0
            for bit, shift in _bits(op, 0x10, 3):
                length |= delta[at] << shift if bit else 0
                at += 1 if bit else 0
            length = length or 0x10000
            if start + length > len(base):
                return None
            out += base[start : start + length]
        elif op:
            out += delta[at : at + op]
            at += op
        else:
            return None
    return bytes(out) if len(out) == wanted else None


def _bits(op: int, first: int, count: int) -> Iterator[tuple[bool, int]]:
    for n in range(count):
        yield bool(op & (first << n)), 8 * n


def blob_at(objects: Objects, commit: str, path: str) -> str | None:
    """The blob id of `path` at `commit` ("-" when the commit has no such file), or None when
    it cannot be told here (an object not readable, a symbolic link or submodule there)."""
    width = len(commit) // 2
    found = objects.read(commit)
    if found is None or found[0] != b"commit" or not found[1].startswith(b"tree "):
        return None
    oid = found[1][5 : 5 + 2 * width].decode("ascii", "replace")
    parts = path.split("/")
    for number, part in enumerate(parts):
        tree = objects.read(oid)
        if tree is None or tree[0] != b"tree":
            return None
        entry = _tree_entry(tree[1], part.encode("utf-8", "surrogateescape"), width)
        if entry is None:
            return "-"
        mode, oid = entry
        if number == len(parts) - 1:
            return oid if mode in (b"100644", b"100755") else None
        if mode != b"40000":
            return "-"
    return None


def tree_of(objects: Objects, commit: str) -> str | None:
    """The root tree id of `commit`, or None."""
    found = objects.read(commit)
    if found is None or found[0] != b"commit" or not found[1].startswith(b"tree "):
        return None
    return found[1][5 : 5 + len(commit)].decode("ascii", "replace")

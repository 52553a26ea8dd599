"""The compiled-rules cache in the state directory, which no entry can poison.

Two kinds of entry, both immutable facts once verified:

- `head-<commit>`: the blob id of the rules file at that commit ("-": none), so the hot paths
  skip `git rev-parse`;
- `rules-…-blob-<blob id>.marshal` (and `…-file-…` for an explicit file): the loaded rules, so
  they skip YAML (70 ms of imports).

The state directory is writable by whoever can write `.git/` — possibly an agent. A forged entry
(rules written by hand under the trusted blob's name, a `head-` entry naming the agent's own blob)
must not change a decision, so every entry carries a keyed BLAKE2 tag over its key and content,
made with a random key kept beside the cache (`cache/key`, mode 0600). An entry without a valid
tag is a miss: the rules are read from git again and the entry rewritten. This makes forging an
entry a deliberate act (read the key, compute the tag) rather than a file write; the key is
readable by the same user, so it is tamper-evident, not tamper-proof (docs/trust-root.md).

`marshal` rather than `pickle`: built in (pickle costs 1-2 ms of import), and it is only decoded
after the tag matched. `_blake2` rather than `hashlib`/`hmac`: a built-in module of 0.2 ms.
"""

from __future__ import annotations

import os

from workspace_guard import __version__
from workspace_guard.core.model import Agent, ProtectedRule, Responsibility, Rules
from workspace_guard.core.record import asdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CACHE_KEEP = {"head-": 256, "rules-": 32}  # entries kept per kind once the cache grows past 2x
TAG_BYTES = 16
_KEYS: dict[str, bytes | None] = {}


def _key(state_dir: str, create: bool = False) -> bytes | None:
    """The cache's tag key; with `create`, a new one (0600) where there is none or it is
    damaged (the entries tagged with the old one then miss once and are rewritten)."""
    path = os.path.join(state_dir, "cache", "key")
    known = _KEYS.get(path)
    if known is not None or (path in _KEYS and not create):
        return known
    key: bytes | None = None
    try:
        with open(path, "rb") as handle:
            key = handle.read(64)
    except OSError:
        pass
    if key is not None and len(key) != 32:
        key = None
    if key is None and create:
        key = os.urandom(32)
        from workspace_guard.fsutil import atomic_write

        try:
            atomic_write(path, key, mode=0o600)
        except OSError:
            key = None
    _KEYS[path] = key
    return key


def _tag(key: bytes, data: bytes) -> bytes:
    import _blake2

    return _blake2.blake2b(data, digest_size=TAG_BYTES, key=key).digest()


def _verified(state_dir: str, data: bytes, label: bytes) -> bytes | None:
    """The body of a tagged entry (`tag + body`), or None when the tag does not match."""
    key = _key(state_dir)
    if key is None or len(data) < TAG_BYTES:
        return None
    from _operator import _compare_digest

    body = data[TAG_BYTES:]
    return body if _compare_digest(data[:TAG_BYTES], _tag(key, label + body)) else None


def _write(state_dir: str, path: str, body: bytes, label: bytes) -> None:
    """Best effort: a read-only state dir only costs speed."""
    key = _key(state_dir, create=True)
    if key is None:
        return
    from workspace_guard.fsutil import atomic_write

    try:
        atomic_write(path, _tag(key, label + body) + body)
        _prune(os.path.dirname(path))
    except OSError:
        pass


# --- commit → rules blob ------------------------------------------------------------------------


def head_path(common_dir: str, commit: str) -> str:
    return os.path.join(common_dir, "workspace-guard", "cache", f"head-{commit}")


def blob_at(common_dir: str, commit: str) -> str | None:
    """The remembered rules blob at `commit` ("-": none), or None when unknown or forged."""
    state_dir = os.path.join(common_dir, "workspace-guard")
    try:
        with open(head_path(common_dir, commit), "rb") as handle:
            data = handle.read(256)
    except OSError:
        return None
    body = _verified(state_dir, data, f"head:{commit}:".encode())
    blob = body.decode("ascii", "replace") if body is not None else None
    return blob if blob == "-" or (blob and is_oid(blob)) else None


def remember_blob(common_dir: str, commit: str, blob: str | None) -> None:
    """Remember "commit → rules blob" (an immutable fact) for the next call's fast path."""
    state_dir = os.path.join(common_dir, "workspace-guard")
    if blob in (None, "-") and not os.path.isdir(state_dir):
        # "no rules here" never creates the state dir: a repository only read (a usage
        # message's language lookup, `--help`, a command failing for want of rules) must not
        # come to look like one under workspace-guard, which the harness gate judges by that
        # dir (gates/harness/discover.py)
        return
    path = head_path(common_dir, commit)
    _write(state_dir, path, (blob or "-").encode("ascii"), f"head:{commit}:".encode())


def is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


# --- loaded rules ---------------------------------------------------------------------------------


def cache_path(state_dir: str, key: str) -> str:
    """The cache file of `key`. The name carries the version and the shape of the model classes,
    so an entry written by other code (an upgrade, a checkout mid-change) is never read back."""
    kind, _, rest = key.partition(":")
    name = rest if kind == "blob" else _digest(rest)
    shape = _digest(repr([c.__fields__ for c in (Rules, Agent, ProtectedRule, Responsibility)]))
    return os.path.join(state_dir, "cache", f"rules-{__version__}-{shape}-{kind}-{name}.marshal")


def _digest(text: str) -> str:
    """A stable short name for `text` with no import; it only names a file, whose content is
    checked against the full key."""
    return f"{hash(tuple(text.encode('utf-8', 'surrogateescape'))) & 0xFFFFFFFFFFFF:012x}"


# The entries this process decoded: cache file -> (its bytes, the tag key, `content`, the rules).
# The file and the key are read on every call as before; only when both are byte for byte the
# ones already verified and decoded is that same `Rules` object returned (the tag check and the
# decoding are functions of those bytes alone), so a process answering call after call (the
# hook server) keeps one `Rules` — and one `Decider` (`decide.shared`) with its compiled views —
# instead of decoding and rebuilding them per call. Any other byte: decoded and checked afresh.
_LOADED: dict[str, tuple[bytes, bytes, bytes | None, Rules]] = {}
_LOADED_MAX = 8


def cached(state_dir: str, key: str, content: bytes | None = None) -> Rules | None:
    """The cached rules for `key`; with `content`, only when they were loaded from those bytes.
    The file is read whole, then decoded (`marshal.load` on a file reads in small pieces)."""
    import marshal

    try:
        path = cache_path(state_dir, key)
        with open(path, "rb") as handle:
            data = handle.read()
        tag_key = _key(state_dir)
        known = _LOADED.get(path)
        if known is not None and tag_key is not None and known[:3] == (data, tag_key, content):
            return known[3]
        body = _verified(state_dir, data, f"rules:{key}:".encode())
        if body is None:
            return None
        stored_key, stored_content, plain = marshal.loads(body)
        if stored_key != key or stored_content != content:
            return None
        rules = _from_plain(plain)
        if tag_key is not None:
            if len(_LOADED) >= _LOADED_MAX:
                _LOADED.clear()
            _LOADED[path] = (data, tag_key, content, rules)
        return rules
    except Exception:  # a cache: anything unreadable is a miss, never a failure
        return None


def store(state_dir: str, key: str, rules: Rules, content: bytes | None = None) -> None:
    """Best effort: a value marshal cannot hold only costs speed."""
    import marshal

    try:
        body = marshal.dumps((key, content, _to_plain(rules)))
    except ValueError:
        return
    _write(state_dir, cache_path(state_dir, key), body, f"rules:{key}:".encode())


def _to_plain(rules: Rules) -> dict[str, Any]:
    plain = asdict(rules)
    plain["agents"] = {name: asdict(agent) for name, agent in rules.agents.items()}
    plain["protected"] = [asdict(rule) for rule in rules.protected]
    plain["responsibilities"] = [asdict(area) for area in rules.responsibilities]
    return plain


def _from_plain(plain: dict[str, Any]) -> Rules:
    agents = {name: Agent(**fields) for name, fields in plain.pop("agents").items()}
    protected = tuple(ProtectedRule(**fields) for fields in plain.pop("protected"))
    areas = tuple(Responsibility(**fields) for fields in plain.pop("responsibilities"))
    return Rules(**plain, agents=agents, protected=protected, responsibilities=areas)


def _prune(directory: str) -> None:
    """Forget the oldest entries (one per commit ever seen would grow without end); only on
    writes, which follow a slow path that has just run git or YAML anyway."""
    entries: dict[str, list[tuple[float, str]]] = {kind: [] for kind in CACHE_KEEP}
    with os.scandir(directory) as found:
        for entry in found:
            kind = next((k for k in CACHE_KEEP if entry.name.startswith(k)), None)
            if kind is not None:
                entries[kind].append((entry.stat().st_mtime, entry.path))
    for kind, items in entries.items():
        if len(items) > 2 * CACHE_KEEP[kind]:
            for _, path in sorted(items)[: len(items) - CACHE_KEEP[kind]]:
                os.unlink(path)

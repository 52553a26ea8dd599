"""The rules cache's entries, judged by what they say and not only by their tag.

The keyed tag (rules_cache.py) makes forging an entry a deliberate act; whoever reads the key
(the same user) can still tag rules of their own under the trusted blob's name. So a loaded-
rules entry is checked against its source too: a `…-blob-<id>` entry must hold exactly the rules
git's blob `<id>` loads to, a `…-file-…` entry (an explicit rules file) exactly the rules its own
recorded bytes load to. The key of a file entry (its path) is not in the file name (a digest),
so it is read from the entry's first marshal field by a parser that reads nothing else;
`marshal.loads` runs only once the tag verified.
"""

from __future__ import annotations

import os

HEAD, BLOB, FILE = "head", "blob", "file"


def label(name: str, data: bytes) -> tuple[bytes | None, str | None, str | None]:
    """(tag label, commit of a `head-` entry, kind) of a cache entry; (None, None, None) for
    what is not an entry (the key, a temporary file, another version's entry)."""
    if name.startswith("head-") and "." not in name:
        commit = name[5:]
        return f"head:{commit}:".encode(), commit, HEAD
    if not (name.startswith("rules-") and name.endswith(".marshal")):
        return None, None, None
    if "-blob-" in name:
        blob = name[: -len(".marshal")].rsplit("-blob-", 1)[1]
        return f"rules:blob:{blob}:".encode(), None, BLOB
    if "-file-" in name:
        key = first_string(data[16:])  # rules_cache.TAG_BYTES
        return (f"rules:{key}:".encode("utf-8", "surrogatepass") if key else b"-"), None, FILE
    return None, None, None


def first_string(body: bytes) -> str | None:
    """The first field of a marshalled 3-tuple when it is a string, else None."""
    if len(body) < 3 or body[0] & 0x7F != ord(")") or body[1] != 3:
        return None
    code, at = chr(body[2] & 0x7F), 3
    if code in "zZ":
        size, at = body[at] if len(body) > at else -1, at + 1
    elif code in "aAut" and len(body) >= at + 4:
        size, at = int.from_bytes(body[at : at + 4], "little"), at + 4
    else:
        return None
    if size < 0 or len(body) < at + size:
        return None
    try:
        raw = body[at : at + size]
        return raw.decode("utf-8", "surrogatepass") if code in "ut" else raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def untrue(state_dir: str, root: str, path: str, kind: str, body: bytes) -> str | None:
    """Why a tagged loaded-rules entry does not hold what its source loads to; None when it
    does (or when it is not what this code would read)."""
    import marshal

    from workspace_guard import rules_cache

    try:
        key, content, plain = marshal.loads(body)
    except Exception:
        return "the entry does not decode"
    if not isinstance(key, str) or rules_cache.cache_path(state_dir, key) != path:
        return None  # not where this code looks for that key: never read back by it
    try:
        data, name = _source(root, kind, key, content, plain)
        from workspace_guard.core.rules import load_rules

        rules = load_rules(data, name)
    except Exception:
        return "its source does not load to rules"
    same = marshal.loads(marshal.dumps(rules_cache._to_plain(rules))) == plain
    return None if same else "the rules it holds are not what its source loads to"


def _source(root: str, kind: str, key: str, content: object, plain: object) -> tuple[bytes, str]:
    from workspace_guard import git
    from workspace_guard.repo import DEFAULT_RULES

    if kind == BLOB and key.startswith("blob:") and content is None:
        return git.cat_blob(key[5:], root), DEFAULT_RULES
    if kind == FILE and key.startswith("file:") and isinstance(content, bytes):
        name = plain.get("path") if isinstance(plain, dict) else None
        return content, name if isinstance(name, str) else os.path.basename(key[5:])
    raise ValueError(key)

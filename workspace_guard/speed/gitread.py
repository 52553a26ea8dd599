"""Reading git's own files without running git: where the repository is, what HEAD points to,
and the blob id of a path at a fresh commit from its loose objects.

The validator and the harness hook run on every agent edit. Resolving HEAD by reading the ref
files (what git itself does) lets a cached "commit → rules blob" answer skip `git` entirely; the
cache is content-addressed by the commit id, so it can never be stale. Anything unusual (GIT_*
discovery variables, reftable, a repository owned by someone else, packed or alternate objects)
returns None and the caller asks git (`workspace_guard.git`, which re-exports these names).
"""

from __future__ import annotations

import os

HEX = frozenset("0123456789abcdef")


def is_oid(text: str) -> bool:
    """A full object id (SHA-1 or SHA-256, lowercase hex)."""
    return len(text) in (40, 64) and set(text) <= HEX


_DISCOVERY_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)


def locate(cwd: str) -> tuple[str, str] | None:
    """(worktree root, git dir) found by walking up from `cwd`, or None when git must decide."""
    if any(name in os.environ for name in _DISCOVERY_ENV):
        return None
    current = cwd
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.isdir(dot_git):
            return current, dot_git
        if os.path.isfile(dot_git):
            return _gitfile(current, dot_git)
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _gitfile(root: str, path: str) -> tuple[str, str] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    return root, os.path.normpath(os.path.join(root, text[7:].strip()))


def read_head(git_dir: str) -> tuple[str, str] | None:
    """(common dir, commit id of HEAD) from the ref files, or None when git must be asked."""
    try:
        if os.stat(git_dir).st_uid != os.getuid():
            return None  # let git apply its safe.directory rules
        common = git_dir
        if os.path.exists(os.path.join(git_dir, "commondir")):
            with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
                common = os.path.normpath(os.path.join(git_dir, handle.read().strip()))
        if os.path.isdir(os.path.join(common, "reftable")):
            return None
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if is_oid(head):
        return common, head
    if not head.startswith("ref: refs/"):
        return None
    commit = _resolve_ref(common, head[5:].strip())
    return (common, commit) if commit else None


def _resolve_ref(common: str, ref: str) -> str | None:
    try:
        with open(os.path.join(common, ref), encoding="utf-8") as handle:
            value = handle.read().strip()
        return value if is_oid(value) else None
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return None
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                oid, _, name = line.rstrip("\n").partition(" ")
                if name == ref and is_oid(oid):
                    return oid
    except (OSError, UnicodeDecodeError):
        return None
    return None


resolve_ref_file = _resolve_ref  # the trust root reads remote-tracking refs the same way


# --- reading a path's blob id from loose objects -------------------------------------------------
# A commit hook runs right after HEAD moved, so the "commit → rules blob" cache misses every time.
# The objects of a fresh commit are loose: reading the commit and the trees on the path (zlib, no
# exec) gives the blob id that `git rev-parse HEAD:PATH` would. Anything packed, alternate or odd
# returns None and git is asked instead.


def _loose(common: str, oid: str) -> tuple[bytes, bytes] | None:
    """(type, body) of a loose object, or None when it is not a readable loose object."""
    import zlib

    try:
        with open(os.path.join(common, "objects", oid[:2], oid[2:]), "rb") as handle:
            data = zlib.decompress(handle.read())
    except (OSError, zlib.error):
        return None
    header, _, body = data.partition(b"\0")
    kind, _, size = header.partition(b" ")
    return (kind, body) if size.isdigit() and int(size) == len(body) else None


def _tree_entry(body: bytes, name: bytes, width: int) -> tuple[bytes, str] | None:
    """(mode, oid) of `name` in a tree object's body."""
    pos = 0
    while pos < len(body):
        space = body.find(b" ", pos)
        nul = body.find(b"\0", space)
        if space < 0 or nul < 0:
            return None
        if body[space + 1 : nul] == name:
            return body[pos:space], body[nul + 1 : nul + 1 + width].hex()
        pos = nul + 1 + width
    return None


def blob_from_loose(common: str, commit: str, path: str) -> str | None:
    """The blob id of `path` at `commit` ("-" when the commit has no such file), or None."""
    width = len(commit) // 2
    found = _loose(common, commit)
    if found is None or found[0] != b"commit" or not found[1].startswith(b"tree "):
        return None
    oid = found[1][5 : 5 + 2 * width].decode("ascii", "replace")
    parts = path.split("/")
    for index, part in enumerate(parts):
        tree = _loose(common, oid)
        if tree is None or tree[0] != b"tree":
            return None
        entry = _tree_entry(tree[1], part.encode("utf-8"), width)
        if entry is None:
            return "-"
        mode, oid = entry
        last = index == len(parts) - 1
        if last:
            return oid if mode in (b"100644", b"100755") else None  # a link: let git answer
        if mode != b"40000":
            return "-"
    return None

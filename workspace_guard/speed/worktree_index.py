"""Is a path modified and not committed in another worktree? Read from its index, without git.

The harness gate and the validator warn when an agent writes a file that another worktree of the
same repository has changed (gates/harness/elsewhere.py, commands/validate.py). Running one
`git status` per other worktree costs a process each (5-10 ms) on every edit. For a file path
git's own answer can be read from that worktree's files:

- *modified, not staged*: the index entry's stat data (mtime, ctime, size, inode, the exec bit)
  against the file's `lstat`; where they differ, or the entry is racily clean (its mtime is not
  older than the index file's), the file's blob id is computed here and compared with the entry's;
  a missing file is a deletion;
- *staged*: the entry's blob id against HEAD's, read from loose or packed objects
  (speed/packread: pack index, deltas). Shortcut: where the index's cache-tree (`TREE`
  extension) has a valid root whose tree id is HEAD's tree, nothing is staged anywhere. A valid
  cache-tree alone proves nothing: after `git reset --soft` it is the old commit's tree;
- *deleted and staged*: no entry, and HEAD has the path (a file there or not).

- *untracked*: no entry, a file there, and no ignore source that could reach it (a `.gitignore`
  in its folders, patterns in `info/exclude`, an excludes file, a nested repository);
- an index in version 4: its prefix-compressed names are walked once.

What is not read here is left to git (`git.uncommitted`, the old way), which answers for the
one path with literal pathspecs (one `git status`, 5-10 ms; never a wrong answer): a folder
asked for (its files, untracked ones under git's ignore rules, and deletions below it), an
untracked file an ignore source may reach (gitignore semantics are git's to apply), a split
index (`core.splitIndex`: entries in a shared file plus EWAH-coded changes) or a sparse one, a
file that attributes or `core.autocrlf` may filter, a symbolic link or submodule, an object
not readable here (alternates, a damaged pack). The answer only warns; it never blocks.
"""

from __future__ import annotations

import os
import stat as _stat

from workspace_guard.speed import gitread, packread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

UNSURE = None  # an answer this module cannot give: git is asked
VERSIONS = (b"\0\0\0\2", b"\0\0\0\3", b"\0\0\0\4")


def uncommitted(root: str, targets: Sequence[str]) -> set[str]:
    """The targets (repository-relative; "" or a folder covers what is under it) that the
    worktree at `root` has modified and not committed, or created and not added: the same
    answer as `git.uncommitted(root, targets, untracked=True)`, running git only for what
    this module cannot read (see above)."""
    from workspace_guard import git

    found: set[str] = set()
    ask: list[str] = []
    index = _Index.open(root)
    for target in sorted(set(targets)):
        answer = UNSURE if index is None else index.changed(target)
        if answer is UNSURE:
            ask.append(target)
        elif answer:
            found.add(target)
    if ask:
        found |= git.uncommitted(root, ask, untracked=True)
    return found


def _sha(width: int) -> Callable[[bytes], Any]:
    """The hash constructor for oids of `width` bytes, from CPython's built-in modules where
    there are some (`hashlib` loads OpenSSL: 3-4 ms on the hook's path)."""
    try:
        if width == 20:
            from _sha1 import sha1 as made  # type: ignore[import-not-found,unused-ignore]
        else:
            from _sha2 import sha256 as made  # type: ignore[import-not-found,unused-ignore,no-redef]
    except ImportError:
        import hashlib

        made = hashlib.sha1 if width == 20 else hashlib.sha256
    return made  # type: ignore[no-any-return,unused-ignore]


def blob_oid(data: bytes, width: int) -> str:
    """git's id of a blob with this content (`git hash-object`)."""
    digest = _sha(width)(b"blob %d\0" % len(data))
    digest.update(data)
    return str(digest.hexdigest())


class _Index:
    """One worktree's index file, read whole (one `read`), looked up by path with `find`."""

    def __init__(self, root: str, git_dir: str, data: bytes, mtime_ns: int, width: int) -> None:
        self.root, self.git_dir, self.data = root, git_dir, data
        self.mtime_ns, self.width = mtime_ns, width
        self.fixed = 40 + width + 2  # stat fields, oid, flags
        self._same_as_head: bool | None = None
        self._objects: packread.Objects | None = None
        self.config = self.common = self.head = ""
        self.version = 2
        self._names: dict[bytes, list[int]] | None = None  # version 4: name → entry starts

    @classmethod
    def open(cls, root: str) -> _Index | None:
        found = gitread.locate(root)
        if found is None or os.path.realpath(found[0]) != os.path.realpath(root):
            return None
        git_dir = found[1]
        path = os.path.join(git_dir, "index")
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                data = handle.read()
        except OSError:
            return None
        if len(data) < 12 or data[:4] != b"DIRC" or data[4:8] not in VERSIONS:
            return None  # anything odd: git reads it
        head = gitread.read_head(git_dir)  # (common dir, HEAD's commit); None: git decides
        if head is None:
            return None
        config = _config_text(git_dir, head[0])
        if config is None or "autocrlf" in config or "[filter" in config:
            return None  # the file's bytes may differ from its blob when nothing changed
        width = 32 if "objectformat=sha256" in config.replace(" ", "") else 20
        index = cls(root, git_dir, data, stat.st_mtime_ns, width)
        index.config, index.common, index.head = config, head[0], head[1]
        index.version = data[7]
        if index.version == 4:
            index._names = _v4_names(data, width)
            if index._names is None:
                return None  # an entry that does not parse: git reads it
        if index._extension(b"link") is not None or index._extension(b"sdir") is not None:
            return None  # a split index (partial here) or a sparse one (folders as entries)
        return index

    # --- one path ----------------------------------------------------------------------------

    def changed(self, rel: str) -> bool | None:
        """True: modified and not committed there; False: not; UNSURE: ask git."""
        if not rel or rel.endswith("/") or os.path.isdir(os.path.join(self.root, rel)):
            return UNSURE
        if _attributes(self.root, self.common, self.config, rel):
            return UNSURE
        entry = self._entry(rel)
        if entry is None:
            return self._no_entry(rel)
        if isinstance(entry, str):
            return True  # an unmerged path is modified
        mode, oid, stat_key, flags = entry
        if mode not in (0o100644, 0o100755) or flags & 0x6000:  # link, submodule, skip, i-t-a
            return UNSURE if not flags & 0x2000 else True  # intent-to-add: new there
        worktree = self._worktree_differs(rel, mode, oid, stat_key)
        if worktree is not False:
            return worktree
        return self._staged(rel, oid)

    def _worktree_differs(
        self, rel: str, mode: int, oid: str, stat_key: tuple[int, ...]
    ) -> bool | None:
        path = os.path.join(self.root, rel)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return True  # deleted there
        except OSError:
            return UNSURE
        if not _stat.S_ISREG(st.st_mode):
            return True  # a file became a link or something else
        if bool(st.st_mode & 0o100) != (mode == 0o100755) and self._file_mode():
            return True
        mtime_ns, ctime_ns, ino, size = stat_key
        same = (
            st.st_size == size
            and st.st_mtime_ns == mtime_ns
            and (st.st_ctime_ns == ctime_ns or not self._trust_ctime())
            and (st.st_ino & 0xFFFFFFFF) == ino
        )
        racy = mtime_ns >= self.mtime_ns
        if same and not racy:
            return False
        if st.st_size != size and not racy and size != 0:
            return True  # git would say so without reading (size 0: smudged by git when racy)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return UNSURE
        return blob_oid(data, self.width) != oid

    def _staged(self, rel: str, oid: str) -> bool | None:
        if self._index_is_head():
            return False  # nothing staged anywhere
        committed = self._head_blob(rel)
        return UNSURE if committed is None else committed != oid  # "-": added, not in HEAD

    def _no_entry(self, rel: str) -> bool | None:
        committed = "-" if self._index_is_head() else self._head_blob(rel)  # index = HEAD: none
        if committed is None:
            return UNSURE
        if committed != "-":
            return True  # in HEAD, not in the index: deleted and staged (a file there or not)
        if os.path.lexists(os.path.join(self.root, rel)):
            return UNSURE if self._may_be_ignored(rel) else True  # untracked there
        return False

    def _may_be_ignored(self, rel: str) -> bool:
        """Whether git's ignore rules could apply to the untracked file `rel` (then git is
        asked): a `.gitignore` in one of its folders, patterns in `info/exclude`, an excludes
        file (`core.excludesFile`, or the default `git/ignore` under XDG_CONFIG_HOME), or a
        folder above it that is a repository of its own (git shows that folder instead).
        Without any, git lists the file as untracked: no rule can say otherwise."""
        folders = rel.split("/")[:-1]
        for n in range(len(folders) + 1):
            here = os.path.join(self.root, *folders[:n])
            if os.path.lexists(os.path.join(here, ".gitignore")):
                return True
            if n and os.path.lexists(os.path.join(here, ".git")):
                return True
        if "excludesfile" in self.config:
            return True
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        if os.path.lexists(os.path.join(xdg, "git", "ignore")):
            return True
        try:
            with open(os.path.join(self.common, "info", "exclude"), "rb") as handle:
                lines = handle.read().splitlines()
        except FileNotFoundError:
            return False
        except OSError:
            return True
        return any(line.strip() and not line.startswith(b"#") for line in lines)

    def _head_blob(self, rel: str) -> str | None:
        """HEAD's blob id for `rel` ("-": none), from loose or packed objects; None: ask git."""
        if self._objects is None:
            self._objects = packread.Objects(self.common)
        try:
            return packread.blob_at(self._objects, self.head, rel)
        finally:
            self._objects.close()

    # --- the index file --------------------------------------------------------------------

    def _entry(self, rel: str) -> tuple[int, str, tuple[int, ...], int] | str | None:
        """(mode, oid, (mtime_ns, ctime_ns, ino, size), extended flags) of stage 0; "conflict"
        for an unmerged path; None when there is no entry."""
        name = rel.encode("utf-8", "surrogateescape")
        if self.version == 4:
            return self._entry_v4(name)
        data, needle = self.data, name + b"\0"
        start = data.find(needle, 12)
        while start >= 0:
            entry = self._entry_at(start, len(name))
            if entry is not None:
                return entry
            start = data.find(needle, start + 1)
        return None

    def _entry_at(
        self, name_at: int, length: int
    ) -> tuple[int, str, tuple[int, ...], int] | str | None:
        data = self.data
        for extended in (False, True):
            flags_at = name_at - (4 if extended else 2)
            begin = flags_at - 40 - self.width
            if begin < 12:
                continue
            flags = int.from_bytes(data[flags_at : flags_at + 2], "big")
            if min(length, 0xFFF) != flags & 0xFFF or bool(flags & 0x4000) != extended:
                continue
            if flags & 0x3000:
                return "conflict"
            ext = int.from_bytes(data[name_at - 2 : name_at], "big") if extended else 0
            return self._fields(begin, ext)
        return None

    def _entry_v4(self, name: bytes) -> tuple[int, str, tuple[int, ...], int] | str | None:
        """A version 4 index: names are prefix-compressed (each entry says how many bytes of
        the previous name to drop, then the rest), so the entries are walked once, in order."""
        found = None
        for begin in (self._names or {}).get(name, []):
            flags_at = begin + 40 + self.width
            flags = int.from_bytes(self.data[flags_at : flags_at + 2], "big")
            if flags & 0x3000:
                return "conflict"
            ext = int.from_bytes(self.data[flags_at + 2 : flags_at + 4], "big")
            found = self._fields(begin, ext if flags & 0x4000 else 0)
        return found

    def _fields(self, begin: int, ext: int) -> tuple[int, str, tuple[int, ...], int]:
        data = self.data
        field = [_u32(data, begin + 4 * i) for i in range(10)]
        ctime_ns = field[0] * 1_000_000_000 + field[1]
        mtime_ns = field[2] * 1_000_000_000 + field[3]
        oid = data[begin + 40 : begin + 40 + self.width].hex()
        return field[6], oid, (mtime_ns, ctime_ns, field[5], field[9]), ext

    def _extension(self, signature: bytes) -> int | None:
        """Where the extension `signature` starts, found from the end: a candidate counts only
        when the extensions from it chain exactly up to the trailing checksum."""
        data, end = self.data, len(self.data) - self.width
        at = data.find(signature, 12)
        while 0 <= at < end:
            if _chains(data, at, end):
                return at
            at = data.find(signature, at + 1)
        return None

    def _index_is_head(self) -> bool:
        """Whether the index is exactly HEAD's tree: the cache-tree's root is valid and its tree
        id is HEAD's. Only then does a valid cache-tree say "nothing staged": after `git reset
        --soft` it stays valid for the tree the index holds, which is no longer HEAD's."""
        if self._same_as_head is None:
            self._same_as_head = False
            at = self._extension(b"TREE")
            if at is not None:
                size = int.from_bytes(self.data[at + 4 : at + 8], "big")
                root = _cache_tree_root(self.data[at + 8 : at + 8 + size], self.width)
                if root is not None:
                    objects = packread.Objects(self.common)
                    try:
                        self._same_as_head = root == packread.tree_of(objects, self.head)
                    finally:
                        objects.close()
        return self._same_as_head

    # --- config that changes how git compares -------------------------------------------------

    def _file_mode(self) -> bool:
        return _config_bool(self.config, "filemode")

    def _trust_ctime(self) -> bool:
        return _config_bool(self.config, "trustctime")


def _v4_names(data: bytes, width: int) -> dict[bytes, list[int]] | None:
    """name → where its entries start, for a version 4 index; None when an entry does not
    parse (then the whole index is left to git: a name missing from a half-read table would
    wrongly say "no entry")."""
    out: dict[bytes, list[int]] = {}
    at, name = 12, b""
    for _ in range(_u32(data, 8)):
        begin = at
        flags_at = begin + 40 + width
        if flags_at + 2 > len(data):
            return None
        flags = int.from_bytes(data[flags_at : flags_at + 2], "big")
        at = flags_at + (4 if flags & 0x4000 else 2)
        strip, at = packread.git_varint(data, at)
        end = data.find(b"\0", at)
        if end < 0 or strip > len(name):
            return None
        name = name[: len(name) - strip] + data[at:end]
        out.setdefault(name, []).append(begin)
        at = end + 1
    return out


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _chains(data: bytes, at: int, end: int) -> bool:
    while at < end:
        if at + 8 > end:
            return False
        at += 8 + int.from_bytes(data[at + 4 : at + 8], "big")
    return at == end


def _cache_tree_root(body: bytes, width: int) -> str | None:
    """The root's tree id in the `TREE` extension (its first entry: an empty name), or None
    when the root is invalidated (entry count -1) or the extension is odd."""
    nul = body.find(b"\0")
    newline = body.find(b"\n", nul)
    if nul != 0 or newline < 0:
        return None
    count = body[1:newline].partition(b" ")[0]
    if not count.isdigit():  # "-1": invalidated
        return None
    tree = body[newline + 1 : newline + 1 + width]
    return tree.hex() if len(tree) == width else None


def _config_text(git_dir: str, common: str) -> str | None:
    """The config files git would read for that worktree, joined (lower case, no blanks
    around `=`); None when one cannot be read."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    paths = [
        "/etc/gitconfig",
        os.path.join(xdg, "git", "config"),
        os.path.join(home, ".gitconfig"),
        os.path.join(common, "config"),
        os.path.join(git_dir, "config.worktree"),
    ]
    texts = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                texts.append(handle.read())
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError):
            return None
    return "\n".join(texts).lower().replace("\t", " ").replace(" = ", "=").replace(" =", "=")


def _config_bool(config: str, key: str) -> bool:
    """A `core` boolean that defaults to true (any `key=false|no|off|0` in the config: false)."""
    text = config.replace("= ", "=")
    return not any(f"{key}={value}" in text for value in ("false", "no", "off", "0"))


def _attributes(root: str, common: str, config: str, rel: str) -> bool:
    """Whether an attributes file may apply to `rel` (its filters or eol would make the file's
    bytes differ from its blob): `.gitattributes` in its folders, `info/attributes`, the global
    one. Then git is asked."""
    folders = rel.split("/")[:-1]
    for n in range(len(folders) + 1):
        if os.path.exists(os.path.join(root, *folders[:n], ".gitattributes")):
            return True
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    if os.path.exists(os.path.join(common, "info", "attributes")):
        return True
    return os.path.exists(os.path.join(xdg, "git", "attributes")) or "attributesfile" in config

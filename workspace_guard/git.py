"""The one module that runs git for per-call work (subprocess, NUL-separated output).

Long-lived processes (daemon, push gate) may use GitPython through `workspace_guard.gitbatch`;
everything a hook does on its hot path goes through here, so its cost stays one or two execs.
"""

from __future__ import annotations

import os

from workspace_guard.core.record import Record
from workspace_guard.errors import GitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from typing import BinaryIO

HEX = frozenset("0123456789abcdef")


class Result(Record):
    """What a git process returned (the fields of `subprocess.CompletedProcess` we use)."""

    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes


def run(
    args: Sequence[str],
    cwd: str | None = None,
    *,
    input: bytes | None = None,
    check: bool = True,
) -> Result:
    """Run `git ARGS`; with `check`, a failure raises `GitError` carrying git's own message.

    Without `input` the process is started with `os.posix_spawnp` and read through two pipes:
    importing `subprocess` costs ~5 ms, a fifth of a hook's own budget.
    """
    argv = ("git", *(("-C", cwd) if cwd else ()), *args)
    try:
        result = _spawn(argv) if input is None else _subprocess(argv, input)
    except FileNotFoundError as exc:
        raise _no_git() from exc
    if check and result.returncode != 0:
        raise _failed(" ".join(args[:3]), result.stderr, result.returncode)
    return result


def _no_git() -> GitError:
    return GitError("git is not installed or not on PATH", hint="install git ≥ 2.30")


def _failed(command: str, stderr: bytes, code: int) -> GitError:
    """git's own message for a failed command (its exit code when it said nothing)."""
    message = stderr.decode("utf-8", "replace").strip() or f"exit {code}"
    return GitError(f"`git {command}` failed: {message}")


def _spawn(argv: tuple[str, ...]) -> Result:
    import select

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
        (os.POSIX_SPAWN_CLOSE, out_r),
        (os.POSIX_SPAWN_CLOSE, err_r),
    ]
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    except BaseException:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        raise
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    open_fds = [out_r, err_r]
    try:
        while open_fds:
            ready, _, _ = select.select(open_fds, [], [])
            for fd in ready:
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.remove(fd)
                    os.close(fd)
    finally:
        for fd in open_fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return Result(argv, code, b"".join(chunks[out_r]), b"".join(chunks[err_r]))


def stream(
    args: Sequence[str], cwd: str | None = None, *, label: str = ""
) -> Generator[bytes, None, None]:
    """Run `git ARGS` and yield its standard output in chunks as git writes it (memory stays
    flat however long the output). A failure raises `GitError` with git's message once the
    output is read (`label` names the command in it); closing the iterator early stops git.

    git's stderr goes to an anonymous file, not a pipe: warnings (rename limits over thousands
    of commits) would fill a pipe nobody reads until the end and stall git.
    """
    argv = ("git", *(("-C", cwd) if cwd else ()), *args)
    err = _scratch_file()
    out_r, out_w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        (os.POSIX_SPAWN_CLOSE, out_r),
    ]
    try:
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
        except FileNotFoundError as exc:
            os.close(out_r)
            raise _no_git() from exc
        finally:
            os.close(out_w)
        try:
            while chunk := os.read(out_r, 1 << 16):
                yield chunk
        finally:
            os.close(out_r)  # git, if still writing, ends on SIGPIPE
            code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if code != 0:
            err.seek(0)
            raise _failed(label or " ".join(args[:3]), err.read(4096), code)
    finally:
        err.close()


def _scratch_file() -> BinaryIO:
    """An anonymous read-write file: memfd on Linux (no tempfile import, no disk)."""
    if hasattr(os, "memfd_create"):
        return open(os.memfd_create("workspace-guard-git-stderr"), "w+b")
    import tempfile

    return tempfile.TemporaryFile()


def _subprocess(argv: tuple[str, ...], data: bytes) -> Result:
    import subprocess

    proc = subprocess.run(list(argv), input=data, capture_output=True, check=False)
    return Result(argv, proc.returncode, proc.stdout, proc.stderr)


def out(args: Sequence[str], cwd: str | None = None) -> str:
    """Standard output of a git command that must succeed, decoded, stripped."""
    return run(args, cwd).stdout.decode("utf-8", "surrogateescape").strip()


def zsplit(data: bytes) -> list[str]:
    """NUL-separated git output → paths (undecodable bytes kept as surrogates, never lost)."""
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


class RepoInfo(Record):
    """Where a repository lives, from one `git rev-parse` call."""

    root: str | None  # worktree top level; None for a bare repository
    common_dir: str  # absolute; holds the state directory (shared by linked worktrees)
    git_dir: str  # absolute
    bare: bool
    prefix: str  # cwd relative to the root ("" at the top), without trailing "/"
    rules_blob: str | None  # blob id of the rules file at HEAD, when asked for and present
    has_head: bool
    head: str | None = None  # the commit id HEAD points to


def repo_info(cwd: str, rules_path: str | None = None) -> RepoInfo:
    """Describe the repository containing `cwd`; optionally the rules blob at HEAD (same exec)."""
    args = ["rev-parse", "--is-bare-repository", "--git-common-dir", "--absolute-git-dir"]
    args += ["--show-prefix", "--show-toplevel"]
    args.append("HEAD")
    if rules_path:
        args.append(f"HEAD:{rules_path}")
    proc = run(args, cwd, check=False)
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 and "not a git repository" in err:
        raise GitError(
            f"not a git repository: {cwd}",
            hint="run this inside the repository (or `git init` first)",
        )
    if len(lines) < 4:
        raise GitError(f"cannot read the repository at {cwd}: {err.strip()}")
    bare = lines[0] == "true"
    common_dir = os.path.normpath(os.path.join(cwd, lines[1]))
    prefix = lines[3].rstrip("/")
    root = None if bare or len(lines) < 5 else lines[4]
    has_head = "invalid object name 'HEAD'" not in err and "bad revision 'HEAD'" not in err
    tail = lines[4:] if bare else lines[5:]
    head = tail[0] if tail and _is_oid(tail[0]) else None
    blob = tail[1] if rules_path and len(tail) > 1 and _is_oid(tail[1]) else None
    if rules_path and head and blob is None and "does not exist in" not in err:
        raise GitError(f"cannot read the rules at HEAD: {err.strip()}")
    return RepoInfo(root, common_dir, lines[2], bare, prefix, blob, has_head, head)


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= HEX


def cat_blob(blob: str, cwd: str) -> bytes:
    """The content of a blob (or `REV:PATH`)."""
    return run(["cat-file", "blob", blob], cwd).stdout


def ls_files(cwd: str) -> list[str]:
    """Every tracked path of the worktree (index), NUL-safe."""
    return zsplit(run(["ls-files", "-z", "--full-name"], cwd).stdout)


def config_get(key: str, cwd: str, default: str | None = None) -> str | None:
    """A git config value, or `default` when unset."""
    proc = run(["config", "--get", key], cwd, check=False)
    if proc.returncode != 0:
        return default
    return proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")


# --- reading HEAD without an exec ---------------------------------------------------------------
# The validator and the harness hook run on every agent edit. Resolving HEAD by reading the ref
# files (what git itself does) lets a cached "commit → rules blob" answer skip `git` entirely; the
# cache is content-addressed by the commit id, so it can never be stale. Anything unusual (GIT_*
# discovery variables, reftable, a repository owned by someone else) falls back to git.

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
    if _is_oid(head):
        return common, head
    if not head.startswith("ref: refs/"):
        return None
    commit = _resolve_ref(common, head[5:].strip())
    return (common, commit) if commit else None


def _resolve_ref(common: str, ref: str) -> str | None:
    try:
        with open(os.path.join(common, ref), encoding="utf-8") as handle:
            value = handle.read().strip()
        return value if _is_oid(value) else None
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return None
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                oid, _, name = line.rstrip("\n").partition(" ")
                if name == ref and _is_oid(oid):
                    return oid
    except (OSError, UnicodeDecodeError):
        return None
    return None


resolve_ref_file = _resolve_ref  # the trust root reads remote-tracking refs the same way


# --- changes and configuration ------------------------------------------------------------------


class Change(Record):
    """One entry of `--name-status -z`: status letter and the path(s) it touches."""

    status: str  # A M D T R C U X …
    paths: tuple[str, ...]  # both sides of a rename; only the new side of a copy


def parse_name_status(data: bytes) -> list[Change]:
    """`git diff --name-status -z` output → changes (renames give both paths)."""
    items = zsplit(data)
    changes = []
    i = 0
    while i < len(items):
        status = items[i]
        letter = status[:1]
        if letter in ("R", "C") and i + 2 < len(items):
            old, new = items[i + 1], items[i + 2]
            changes.append(Change(letter, (old, new) if letter == "R" else (new,)))
            i += 3
        elif i + 1 < len(items):
            changes.append(Change(letter, (items[i + 1],)))
            i += 2
        else:
            break
    return changes


def name_status_paths(data: bytes) -> list[str]:
    """Every path `--name-status -z` output names (both sides of a rename, the new side of a
    copy), each once, in order, NFC (see core.paths.nfc). What `parse_name_status` gives, without
    an object per change: a commit may stage 10,000 files."""
    from workspace_guard.core.paths import nfc

    text = data.decode("utf-8", "surrogateescape")
    items = text.split("\0")
    if items and items[-1] == "":
        items.pop()
    statuses = items[0::2]
    if len(items) % 2 or any(s[:1] in ("R", "C") for s in statuses):
        paths = [p for change in parse_name_status(data) for p in change.paths]
    else:
        paths = items[1::2]
    unique = list(dict.fromkeys(paths))
    return unique if text.isascii() else list(dict.fromkeys(map(nfc, unique)))


STAGED_DIFF = ("diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff")


def staged_paths(cwd: str, base: str | None = None) -> list[str]:
    """The paths the commit being made changes: the index against HEAD (also before the first
    commit), or against `base`."""
    args = [*STAGED_DIFF, "--ignore-submodules=none", *((base, "--") if base else ())]
    return name_status_paths(run(args, cwd).stdout)


def config_values(cwd: str, regexp: str) -> dict[str, list[str]]:
    """All config values whose key matches `regexp` (one exec, -z safe), keys lower-cased."""
    proc = run(["config", "-z", "--get-regexp", regexp], cwd, check=False)
    out: dict[str, list[str]] = {}
    for item in proc.stdout.split(b"\0"):
        if not item:
            continue
        key, _, value = item.decode("utf-8", "surrogateescape").partition("\n")
        out.setdefault(key.lower(), []).append(value)
    return out


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

"""The one module that runs git for per-call work (subprocess, NUL-separated output).

Long-lived processes (daemon, push gate) may use GitPython through `workspace_guard.gitbatch`;
everything a hook does on its hot path goes through here, so its cost stays one or two execs.
"""

from __future__ import annotations

import os

from workspace_guard.core.record import Record
from workspace_guard.errors import GitError, NotARepository
from workspace_guard.i18n import _

# the no-exec machinery lives in the speed room; these names stay importable from here
# (`X as X`: an explicit re-export for type checkers)
from workspace_guard.speed.gitread import _DISCOVERY_ENV as _DISCOVERY_ENV  # noqa: PLC0414
from workspace_guard.speed.gitread import HEX as HEX  # noqa: PLC0414
from workspace_guard.speed.gitread import blob_from_loose as blob_from_loose  # noqa: PLC0414
from workspace_guard.speed.gitread import is_oid
from workspace_guard.speed.gitread import locate as locate  # noqa: PLC0414
from workspace_guard.speed.gitread import read_head as read_head  # noqa: PLC0414
from workspace_guard.speed.gitread import resolve_ref_file as resolve_ref_file  # noqa: PLC0414
from workspace_guard.speed.spawn import Result as Result  # noqa: PLC0414
from workspace_guard.speed.spawn import scratch_file, spawn

_is_oid = is_oid

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from typing import Any


def run(
    args: Sequence[str],
    cwd: str | None = None,
    *,
    input: bytes | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> Result:
    """Run `git ARGS`; with `check`, a failure raises `GitError` carrying git's own message.

    Without `input` the process is started with `os.posix_spawnp` and read through two pipes:
    importing `subprocess` costs ~5 ms, a fifth of a hook's own budget.
    """
    argv = ("git", *(("-C", cwd) if cwd else ()), *args)
    try:
        result = spawn(argv, env) if input is None else _subprocess(argv, input)
    except FileNotFoundError as exc:
        raise _no_git() from exc
    if check and result.returncode != 0:
        raise _failed(" ".join(args[:3]), result.stderr, result.returncode)
    return result


def _no_git() -> GitError:
    return GitError(_("git is not installed or not on PATH"), hint=_("install git ≥ 2.30"))


def _failed(command: str, stderr: bytes, code: int) -> GitError:
    """git's own message for a failed command (its exit code when it said nothing)."""
    message = stderr.decode("utf-8", "replace").strip()
    if not message:
        return GitError(
            _("`git {command}` failed with exit code {code}").format(command=command, code=code)
        )
    return GitError(_("`git {command}` failed: {message}").format(command=command, message=message))


PIPE_SIZE = 1 << 20  # git's listing runs ahead of the reader by up to this much
_F_SETPIPE_SZ = 1031  # Linux; elsewhere the pipe keeps its default size


def stream(
    args: Sequence[str], cwd: str | None = None, *, label: str = ""
) -> Generator[bytes, None, None]:
    """Run `git ARGS` and yield its standard output in chunks as git writes it (memory stays
    flat however long the output). A failure raises `GitError` with git's message once the
    output is read (`label` names the command in it); closing the iterator early stops git.

    git's stderr goes to an anonymous file, not a pipe: warnings (rename limits over thousands
    of commits) would fill a pipe nobody reads until the end and stall git.
    """
    yield from started(args, cwd, label=label)


def started(
    args: Sequence[str], cwd: str | None = None, *, label: str = ""
) -> Generator[bytes, None, None]:
    """`stream`, with git started now rather than at the first read: git lists while the
    caller gets ready to read (on a second core). The caller must read or close the result,
    or git is left blocked on a full pipe."""
    argv = ("git", *(("-C", cwd) if cwd else ()), *args)
    err = scratch_file()
    out_r, out_w = os.pipe()
    _widen(out_w)
    actions = [
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        (os.POSIX_SPAWN_CLOSE, out_r),
    ]
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    except FileNotFoundError as exc:
        os.close(out_r)
        err.close()
        raise _no_git() from exc
    except BaseException:
        os.close(out_r)
        err.close()
        raise
    finally:
        os.close(out_w)
    reading = _read(pid, out_r, err, label or " ".join(args[:3]))
    next(reading)  # into its `try`: from here on, closing it stops and reaps git
    return reading


def _widen(fd: int) -> None:
    """A larger pipe, so git does not stop each time the reader is busy with a chunk."""
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError):
        pass


def _read(pid: int, out_r: int, err: Any, label: str) -> Generator[bytes, None, None]:
    try:
        try:
            yield b""  # taken by `started`
            while chunk := os.read(out_r, PIPE_SIZE):
                yield chunk
        finally:
            os.close(out_r)  # git, if still writing, ends on SIGPIPE
            code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if code != 0:
            err.seek(0)
            raise _failed(label, err.read(4096), code)
    finally:
        err.close()


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


def untranslated() -> dict[str, str]:
    """This environment with git's messages in English (`LANGUAGE`, `LC_ALL`): for the calls
    whose stderr is read, not shown."""
    env = {key: value for key, value in os.environ.items() if key != "LANGUAGE"}
    env["LC_ALL"] = "C"
    return env


def repo_info(cwd: str, rules_path: str | None = None) -> RepoInfo:
    """Describe the repository containing `cwd`; optionally the rules blob at HEAD (same exec)."""
    args = ["rev-parse", "--is-bare-repository", "--git-common-dir", "--absolute-git-dir"]
    args += ["--show-prefix", "--show-toplevel"]
    args.append("HEAD")
    if rules_path:
        args.append(f"HEAD:{rules_path}")
    # git's messages are read below: in its own words, whatever language the user reads
    proc = run(args, cwd, check=False, env=untranslated())
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 and "not a git repository" in err:
        raise NotARepository(
            _("not a git repository: {path}").format(path=cwd),
            hint=_("run this inside the repository (or `git init` first)"),
        )
    if len(lines) < 4:
        raise GitError(
            _("cannot read the repository at {path}: {error}").format(path=cwd, error=err.strip())
        )
    bare = lines[0] == "true"
    common_dir = os.path.normpath(os.path.join(cwd, lines[1]))
    prefix = lines[3].rstrip("/")
    root = None if bare or len(lines) < 5 else lines[4]
    has_head = "invalid object name 'HEAD'" not in err and "bad revision 'HEAD'" not in err
    tail = lines[4:] if bare else lines[5:]
    head = tail[0] if tail and _is_oid(tail[0]) else None
    blob = tail[1] if rules_path and len(tail) > 1 and _is_oid(tail[1]) else None
    # git echoes an argument it cannot resolve: the rules file is not at HEAD (read so, not from
    # git's message, which follows the user's locale)
    missing = f"HEAD:{rules_path}" in tail or "does not exist in" in err
    if rules_path and head and blob is None and not missing:
        raise GitError(_("cannot read the rules at HEAD: {error}").format(error=err.strip()))
    return RepoInfo(root, common_dir, lines[2], bare, prefix, blob, has_head, head)


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


# --- other worktrees ----------------------------------------------------------------------------


def other_worktrees(common_dir: str, root: str) -> list[str]:
    """The roots of the repository's other worktrees, from git's own files (`<common
    dir>/worktrees/*/gitdir`; the main worktree beside `<common dir>` named `.git`); anything
    else (a separate git dir, a bare common dir) is asked of `git worktree list`. No exec and
    nothing to read when there is no linked worktree, the common case."""
    linked = os.path.join(common_dir, "worktrees")
    if not os.path.isdir(linked):
        return []
    if os.path.basename(os.path.normpath(common_dir)) != ".git":
        return _listed_worktrees(root)
    roots = [os.path.dirname(os.path.normpath(common_dir))]
    for name in sorted(os.listdir(linked)):
        try:
            with open(os.path.join(linked, name, "gitdir"), encoding="utf-8") as handle:
                dot_git = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            continue
        roots.append(os.path.dirname(os.path.normpath(dot_git)))
    mine = os.path.realpath(root)
    return [r for r in roots if os.path.isdir(r) and os.path.realpath(r) != mine]


def _listed_worktrees(root: str) -> list[str]:
    proc = run(["worktree", "list", "--porcelain", "-z"], root, check=False)
    roots, found, bare = [], "", False
    for field in [*proc.stdout.split(b"\0"), b""]:
        if field.startswith(b"worktree "):
            found = field[9:].decode("utf-8", "surrogateescape")
        elif field == b"bare":
            bare = True
        elif not field and found:
            if not bare and os.path.isdir(found):
                roots.append(found)
            found, bare = "", False
    mine = os.path.realpath(root)
    return [r for r in roots if os.path.realpath(r) != mine]


PATHSPEC_LIMIT = 64  # more asked paths than this: one status of the whole worktree instead


def uncommitted(
    root: str, paths: Sequence[str] | None = None, *, untracked: bool = False
) -> set[str]:
    """Tracked paths of the worktree at `root` that differ from its HEAD (staged or not); both
    sides of a rename; with `untracked`, also the files created there and not added (git's
    ignore rules apply: an ignored file is not reported). `paths` (repository-relative, ""
    for the root) limits git's work to them, literally: no pattern meaning. `--no-optional-locks`:
    never take that worktree's index lock, which an agent working there may need; an unreadable
    worktree, or no git on PATH, gives nothing (this only warns)."""
    args = ["--literal-pathspecs", "--no-optional-locks", "status", "--porcelain", "-z"]
    args.append("-uall" if untracked else "-uno")
    if paths is not None and 0 < len(paths) <= PATHSPEC_LIMIT:
        args += ["--", *sorted({p or "." for p in paths})]
    try:
        proc = run(args, root, check=False)
    except GitError:  # no git to ask: nothing to warn about
        return set()
    if proc.returncode != 0:
        return set()
    found: set[str] = set()
    fields = proc.stdout.split(b"\0")
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        found.add(entry[3:].decode("utf-8", "surrogateescape"))
        if entry[:1] in (b"R", b"C") and index < len(fields):
            found.add(fields[index].decode("utf-8", "surrogateescape"))
            index += 1
    return found


# --- git versions without reference-transaction ------------------------------------------------

REFERENCE_TRANSACTION_SINCE = (2, 28)


def parse_git_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of `git version` output (`git version 2.39.5`, `2.27.0.windows.1`,
    `2.37.1 (Apple Git-137.1)`, `2.28.0.rc1`), or None when it says no version."""
    import re

    found = re.match(r"\s*git version (\d+)\.(\d+)", text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def without_reference_transaction(cwd: str) -> str | None:
    """This git's version as a warning names it when it runs no `reference-transaction` hook
    (older than 2.28, or a version it does not say); None when it runs one. `install` warns in a
    clone and on a server, each in its own words."""
    proc = run(["version"], cwd, check=False)
    version = parse_git_version(proc.stdout.decode("utf-8", "replace"))
    if version is not None and version >= REFERENCE_TRANSACTION_SINCE:
        return None
    return ".".join(map(str, version)) if version else _("of an unknown version")

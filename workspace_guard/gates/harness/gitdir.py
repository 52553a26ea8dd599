"""Git's own directory is out of every tool's reach (contract §8: "the harness gate denies every
tool write into `.git/`").

Hooks, config, objects, refs and workspace-guard's state (audit log, ledger, caches) all live
there; a tool that could write them could install its own hook, point `core.hooksPath` elsewhere,
forge a ledger line or poison a cache. Git commands themselves are not tool writes to these
paths (the shell analysis names their work-tree targets only), so `git commit` keeps working.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Decision
    from workspace_guard.repo import Repo

GIT_DIRNAME = ".git"


def _real(path: str) -> str:
    """`realpath` of the longest existing prefix (a new file's directory decides). Raises
    OSError where a link on the way cannot be read (`/proc/PID/cwd` of a process this user may
    not trace: EACCES): where the path leads is then unknown (`unresolvable`)."""
    head, tail = path, ""
    while head and not os.path.lexists(head):
        head, part = os.path.split(head)
        tail = os.path.join(part, tail) if tail else part
        if head in ("", os.sep):
            break
    real = os.path.realpath(head) if head else head
    return os.path.join(real, tail) if tail else real


def _below(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def is_git_internal(repo: Repo, absolute: str) -> bool:
    """True for a path in the repository's git dir, its common dir, any `.git` component (a
    submodule's, a nested repository's, a worktree's `.git` file itself), the hooks directory
    git really runs (`core.hooksPath`, wherever it points: husky's `.husky/_` lies in the work
    tree, ATTACK F72), or a file that is one of those under another name (a hard link, F68)."""
    parts = os.path.normpath(absolute).split(os.sep)
    if GIT_DIRNAME in parts:
        return True
    try:
        real = _real(os.path.normpath(absolute))
    except (OSError, ValueError):  # it may lead anywhere, git's directory too: fail closed
        return True
    hooks = _hooks_dir(repo)
    for directory in {repo.info.git_dir, repo.info.common_dir, hooks}:
        if directory and _below(real, os.path.realpath(directory)):
            return True
    root = repo.info.root
    if hooks and root:  # a folder holding it, below the root (`rm -rf .husky`, `mv .husky x`)
        top = os.path.realpath(root)
        if real != top and _below(real, top) and _below(os.path.realpath(hooks), real):
            return True
    return _hidden_names(repo, real)


_HOOKS: dict[tuple[str, tuple[int, ...]], str | None] = {}


def _hooks_dir(repo: Repo) -> str | None:
    """The folder `core.hooksPath` names in the repository's own config (relative to the work
    tree, as git reads it); None when unset (then the hooks are in the git dir, above).
    Remembered per version of the config file: the hook server lives across config changes."""
    common = repo.info.common_dir
    config = os.path.join(common, "config")
    try:
        st = os.stat(config)
        version: tuple[int, ...] = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        version = ()
    key = (common, version)
    if key in _HOOKS:
        return _HOOKS[key]
    from workspace_guard.speed.gitconfig import parse_simple

    found = parse_simple(config, ("core",))
    if found is None:  # a config only git can read
        from workspace_guard import git

        proc = git.run(["config", "--local", "--get", "core.hooksPath"], repo.cwd, check=False)
        value = proc.stdout.decode("utf-8", "surrogateescape").strip() or None
    else:
        value = found.get("core.hookspath") or None
    hooks = None
    if value:
        base = repo.info.root or common
        hooks = os.path.normpath(os.path.join(base, os.path.expanduser(value)))
        if hooks in (os.sep, os.path.normpath(base)):  # `.` or `/`: not a folder of hooks alone
            hooks = None
    if len(_HOOKS) > 64:
        _HOOKS.clear()
    _HOOKS[key] = hooks
    return hooks


def _hidden_names(repo: Repo, real: str) -> bool:
    """A file with more than one link that is also a file of git's directory or of the hooks
    folder (config, a hook, the ledger, a ref…) under another name. Found by inode over those
    folders (git's objects aside: read-only, and checked by their hash), only for a file with
    more than one link; a walk past its bound counts as found (fail closed)."""
    import stat

    try:
        st = os.lstat(real)
    except (OSError, ValueError):
        return False
    if st.st_nlink < 2 or not stat.S_ISREG(st.st_mode):
        return False
    wanted = (st.st_dev, st.st_ino)
    seen = 0
    todo = [d for d in {repo.info.git_dir, repo.info.common_dir, _hooks_dir(repo)} if d]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        seen += len(entries)
        if seen > _MAX_ENTRIES:
            return True
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in ("objects", "lfs"):
                        todo.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    other = entry.stat(follow_symlinks=False)
                    if other.st_nlink > 1 and (other.st_dev, other.st_ino) == wanted:
                        return True
            except OSError:
                continue
    return False


_MAX_ENTRIES = 50_000  # entries of git's directory a hard-link search may read


def unresolvable(absolute: str) -> str | None:
    """Why `absolute` cannot be followed to where it leads (a link on the way that this process
    may not read), or None when it can."""
    try:
        _real(os.path.normpath(absolute))
    except (OSError, ValueError) as exc:
        from workspace_guard.i18n import strerror

        where = getattr(exc, "filename", None) or absolute
        reason = strerror(exc) if isinstance(exc, OSError) else str(exc)
        return f"{where}: {reason}"
    return None


def unresolvable_note(why: list[str]) -> str:
    """Why a write through a link the gate cannot read is refused (appended to the reason)."""
    from workspace_guard.i18n import _

    return _(
        "The gate cannot tell where the path leads: a link on the way may not be read ({why}). "
        "The write could land anywhere, git's directory and protected files included, so it is "
        "refused; write to the file by a path that names it directly."
    ).format(why="; ".join(why))


def denial(repo: Repo, agent: str, absolute: str, escalation: str) -> Decision:
    """The denial of a write into git's directory (no owner: nobody's tool may write there)."""
    from workspace_guard.core.model import Decision

    shown = absolute
    root = repo.info.root
    if root is not None:
        rel = os.path.relpath(absolute, root)
        if not rel.startswith(os.pardir):
            shown = rel
    return Decision(
        agent=agent,
        path=shown,
        allowed=False,
        reason="protected",
        level="critical",
        escalation=escalation,
    )


def note() -> str:
    """Why: appended to the harness's deny reason."""
    from workspace_guard.i18n import _

    return _(
        "Git's own directory (.git/: hooks, config, objects, refs and workspace-guard's state) "
        "and the hooks folder git runs are written by git and workspace-guard only: no tool call "
        "may write there, whatever the agent, nor through a hard link to a file there; use git "
        "commands for git's data."
    )

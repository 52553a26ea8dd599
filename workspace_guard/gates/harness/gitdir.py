"""Git's own directory is out of every tool's reach (contract §8: "the harness gate denies every
tool write into `.git/`").

Hooks, config, objects, refs and workspace-guard's state (audit log, ledger, caches) all live
there; a tool that could write them could install its own hook, point `core.hooksPath` elsewhere,
forge a ledger line or poison a cache. Git commands themselves are not tool writes to these
paths (the shell analysis names their work-tree targets only), so `git commit` keeps working.
"""

from __future__ import annotations

import os

from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

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
    real = _real_path(head) if head else head
    return os.path.join(real, tail) if tail else real


def _realpath(path: str) -> str:
    """`realpath`, or the path as written where a link on the way cannot be read."""
    try:
        return _real_path(path)
    except (OSError, ValueError):
        return os.path.normpath(path)


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
    hooks = _hooks_dirs(repo)
    for directory in {repo.info.git_dir, repo.info.common_dir, *hooks}:
        if directory and _below(real, _realpath(directory)):
            return True
    included = include_targets(repo)
    if real in included or any(_below(t, real) for t in included if real != os.sep):
        return True  # a file git's config includes, or a folder holding one
    for root, _git_dir in _worktrees(repo) if hooks else ():
        # a folder holding one, below a root (`rm -rf .husky`, `mv .husky x`)
        top = _realpath(root)
        for folder in hooks:
            if real != top and _below(real, top) and _below(_realpath(folder), real):
                return True
    if _hidden_names(repo, real):
        return True
    from workspace_guard.gates.harness.server_repos import holds  # the shared repository (F88)

    return holds(repo, real)


def collect(repo: Repo, path: str, cwd: str, found: list[str]) -> bool:
    """True (and `found` gets the absolute path) when `path`, as a tool in `cwd` names it,
    lies in git's own directory or a hooks folder (:func:`is_git_internal`)."""
    absolute = absolute_path(path, cwd)
    if is_git_internal(repo, absolute):
        found.append(absolute)
        return True
    return False


# common dir → (environment, files watched, their versions, hooks folders, include targets)
_HOOKS: dict[str, tuple[object, tuple[str, ...], object, tuple[str, ...], tuple[str, ...]]] = {}
# the variables that change which config git reads, or what it finds there
_ENV_NAMES = (
    "HOME",
    "XDG_CONFIG_HOME",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_DIR",
    "GIT_COMMON_DIR",
    "GIT_WORK_TREE",
    "GIT_CONFIG",
)


def _environment() -> tuple[str | None, ...]:
    """The values of the variables that change git's reading of its config (with every
    `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` that `GIT_CONFIG_COUNT` brings in)."""
    get = os.environ.get
    out = [get(name) for name in _ENV_NAMES]
    count = get("GIT_CONFIG_COUNT", "")
    if count.strip().isdigit():
        for n in range(min(int(count), 1024)):
            out += [get(f"GIT_CONFIG_KEY_{n}"), get(f"GIT_CONFIG_VALUE_{n}")]
    return tuple(out)


def _hooks_dirs(repo: Repo) -> tuple[str, ...]:
    """Every folder git may run this repository's hooks from, besides `<git dir>/hooks`: each
    value of `core.hooksPath` as git itself reads it in each worktree of the repository — the
    system file, the global files (`$HOME/.gitconfig`, XDG, `GIT_CONFIG_GLOBAL`), the
    repository's `config`, a worktree's `config.worktree`, what `include.path`/`includeIf`
    name, and `GIT_CONFIG_COUNT`/`GIT_CONFIG_PARAMETERS` of this environment. Every value set,
    not only the one that wins (stricter: an overridden value is still refused). Relative
    values are taken from each worktree's root, where git runs hooks.

    Asking git costs a process per worktree, so the answer is remembered per version (inode,
    size, mtime) of every file git read or could read (including the ones an include names
    that do not exist yet, and each worktree's HEAD for `includeIf "onbranch:"`) and of the
    environment: the resident hook server outlives any change of them."""
    return _known(repo)[3]


def include_targets(repo: Repo) -> tuple[str, ...]:
    """Every file git's configuration includes for this repository (`include.path` and every
    `includeIf.*.path`, whatever its condition: `gitdir:`, `onbranch:`, `hasconfig:` may become
    true later; transitively, through files whose condition is false today too; whether or not
    the file exists yet), each as `realpath` gives it. Such a file is part of git's config —
    `core.hooksPath`, `core.fsmonitor`, `alias.*` — so it is protected like `.git/config`
    (ATTACK F87's follow-up, issue 13). Remembered like the hooks folders."""
    return _known(repo)[4]


def _known(
    repo: Repo,
) -> tuple[object, tuple[str, ...], object, tuple[str, ...], tuple[str, ...]]:
    common = repo.info.common_dir
    known = _HOOKS.get(common)
    env = _environment()
    if known is not None and known[0] == env and known[2] == _versions(known[1]):
        return known
    watched, hooks, includes = _ask_git(repo)
    if len(_HOOKS) > 64:
        _HOOKS.clear()
    known = _HOOKS[common] = (env, watched, _versions(watched), hooks, includes)
    return known


def _versions(paths: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            out.append(())
    return tuple(out)


def _ask_git(repo: Repo) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(the files whose versions decide the answer, the hooks folders, the include targets)
    from git."""
    from workspace_guard.speed import gitconfig

    common = repo.info.common_dir
    watched: set[str] = {
        os.path.join(common, "config"),
        os.path.join(common, "worktrees"),
        *gitconfig.global_files(),
    }
    system = gitconfig.system_file()
    if system:
        watched.add(system)
    hooks: list[str] = []
    includes: dict[str, None] = {}
    origins: set[str] = set()  # the files git did read
    for root, git_dir in _worktrees(repo):
        watched.update(os.path.join(git_dir, name) for name in ("config.worktree", "HEAD"))
        found = _config_of(root)
        if found is None:  # git cannot read the config here (then it runs no hook either)
            found = _simple_config(common), []
        (files, values), targets = found
        watched.update(files)
        includes.update(dict.fromkeys(targets))
        origins.update(set(files) - set(targets))
        for value in values:
            named = os.path.expanduser(value) if value.startswith("~") else value
            folder = os.path.normpath(os.path.join(root, named))
            if folder not in (os.sep, os.path.normpath(root)):  # `.` or `/`: not a hooks folder
                hooks.append(folder)
    for target in _unread_includes(list(includes), origins):
        includes[target] = None
        watched.add(target)
    return tuple(sorted(watched)), tuple(dict.fromkeys(hooks)), tuple(_reals(includes))


MAX_INCLUDES = 64  # include files followed past the ones git read (each one git process)


def _unread_includes(named: list[str], read: set[str]) -> list[str]:
    """What the include files git did not read today (a condition false now: `onbranch:` of
    another branch…) include in turn, transitively and whatever their conditions: a condition
    may become true later. Bounded; each file read with `git config --file --no-includes`."""
    from workspace_guard import git
    from workspace_guard.speed.gitconfig import includes

    out: list[str] = []
    todo = [t for t in named if t not in read]
    seen = set(read) | set(named)
    while todo and len(out) < MAX_INCLUDES:
        path = todo.pop()
        if not os.path.isfile(path):
            continue
        proc = git.run(["config", "--file", path, "--no-includes", "--list", "-z"], None,
                       check=False)  # fmt: skip
        values: dict[str, list[str]] = {}
        for item in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
            key, _sep, value = item.partition("\n")
            values.setdefault(key.lower(), []).append(value)
        for target in includes(path, values):
            if target not in seen:
                seen.add(target)
                out.append(target)
                todo.append(target)
    return out


def _reals(paths: dict[str, None]) -> list[str]:
    out = []
    for path in paths:
        try:
            out.append(_real(path))
        except (OSError, ValueError):
            out.append(os.path.normpath(path))
    return out


def _worktrees(repo: Repo) -> list[tuple[str, str]]:
    """(root, git dir) of every worktree whose root exists (the calling one first)."""
    out: list[tuple[str, str]] = []
    if repo.info.root:
        out.append((repo.info.root, repo.info.git_dir))
    common = repo.info.common_dir
    if os.path.basename(os.path.normpath(common)) == GIT_DIRNAME:
        main = os.path.dirname(os.path.normpath(common))
        if os.path.isdir(main) and os.path.normpath(main) not in {
            os.path.normpath(r) for r, _ in out
        }:
            out.append((main, common))
    folder = os.path.join(common, "worktrees")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    for name in names:
        git_dir = os.path.join(folder, name)
        try:
            with open(os.path.join(git_dir, "gitdir"), encoding="utf-8") as handle:
                root = os.path.dirname(handle.read().strip())
        except (OSError, UnicodeDecodeError):
            continue
        seen = {os.path.normpath(r) for r, _ in out}
        if root and os.path.isdir(root) and os.path.normpath(root) not in seen:
            out.append((root, git_dir))
    return out


def _config_of(root: str) -> tuple[tuple[list[str], list[str]], list[str]] | None:
    """((every config file git read in the worktree at `root` and every file an include there
    names, the `core.hooksPath` values), the files the includes name) from `git config --list
    --show-origin`; None when git cannot read it."""
    from workspace_guard import git

    proc = git.run(["config", "--list", "--show-origin", "-z"], root, check=False)
    if proc.returncode != 0:
        return None
    files: list[str] = []
    values: list[str] = []
    named: list[str] = []
    items = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    for origin, item in zip(items[::2], items[1::2], strict=False):
        key, _sep, value = item.partition("\n")
        key = key.lower()
        where = None
        if origin.startswith("file:"):
            where = os.path.normpath(os.path.join(root, origin[5:]))
            files.append(where)
        if key == "core.hookspath" and value:
            values.append(value)
        elif (
            where
            and value
            and (key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")))
        ):
            target = os.path.expanduser(value) if value.startswith("~") else value
            files.append(os.path.normpath(os.path.join(os.path.dirname(where), target)))
            named.append(files[-1])
    return (files, values), named


def _simple_config(common: str) -> tuple[list[str], list[str]]:
    """The repository's own config read here (what git cannot read it does not run hooks
    from; the stricter reading keeps what the file says)."""
    from workspace_guard.speed.gitconfig import parse_simple

    config = os.path.join(common, "config")
    found = parse_simple(config, ("core",)) or {}
    value = found.get("core.hookspath")
    return [config], [value] if value else []


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
    from workspace_guard.fsutil import same_file_below

    wanted = (st.st_dev, st.st_ino)
    for target in include_targets(repo):
        try:
            other = os.stat(target)
        except (OSError, ValueError):
            continue
        if (other.st_dev, other.st_ino) == wanted:
            return True
    tops = [d for d in {repo.info.git_dir, repo.info.common_dir, *_hooks_dirs(repo)} if d]
    found = same_file_below(tops, wanted, _MAX_ENTRIES, ("objects", "lfs"), first=True)
    return found is None or bool(found)


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


def notes(internal: list[str]) -> str:
    """Why the writes of `internal` are refused: git's directory, or a link the gate cannot
    follow (:func:`unresolvable`), or both."""
    unknown = [w for w in map(unresolvable, dict.fromkeys(internal)) if w]
    said = [note()] if len(unknown) < len(set(internal)) else []
    return " ".join([*said, unresolvable_note(unknown)] if unknown else said)


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
        "Git's own directory (.git/: hooks, config, objects, refs and workspace-guard's state), "
        "the files its config includes (include.path, includeIf) and the hooks folder git runs "
        "are written by git and workspace-guard only: no tool call may write there, whatever the "
        "agent, nor through a hard link to a file there; use git commands for git's data."
    )


def config_includes(repo: Repo) -> tuple[str, ...]:
    """:func:`include_targets`, without asking git where no config file git reads here names
    an include (the usual case: a few small reads, no process). For the validator, which asks
    once per call and has no resident cache."""
    from workspace_guard.speed import gitconfig

    if any(os.environ.get(n) for n in ("GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS")):
        return include_targets(repo)
    common = repo.info.common_dir
    files = [p for _scope, p in gitconfig.files(common, repo.info.git_dir, system=False)]
    files += [os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"]
    files += [os.path.join(g, "config.worktree") for _root, g in _worktrees(repo)]
    for path in files:
        try:
            with open(path, "rb") as handle:
                if b"include" in handle.read().lower():
                    return include_targets(repo)
        except (OSError, ValueError):
            continue
    return ()


def include_denial(agent: str, shown: str, escalation: str) -> Decision:
    """The denial of a write of a file git's config includes (no owner: like `.git/config`)."""
    from workspace_guard.core.model import Decision

    return Decision(
        agent=agent,
        path=shown,
        allowed=False,
        reason="protected",
        level="critical",
        escalation=escalation,
        via="config",
    )


def include_note(path: str) -> str:
    """Why a file git's config includes is protected (the validator's line under it)."""
    from workspace_guard.i18n import _

    return _(
        "{path} is part of git's configuration: a config file git reads includes it "
        "(include.path or includeIf), so it may set core.hooksPath, core.fsmonitor or aliases. "
        "Like .git/config, no agent's tool may write it; a person edits it, or removes the "
        "include."
    ).format(path=path)

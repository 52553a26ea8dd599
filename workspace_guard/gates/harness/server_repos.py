"""The shared repository on this machine is written only by pushes (ATTACK F88, harness half).

Where the clone's remote is a bare repository on the same filesystem, git run *in* it (`git -C
SERVER update-ref …`, `cd SERVER && git fetch …`, `GIT_DIR=SERVER git branch -f …`, `--git-dir`,
`--work-tree`) moves its refs or changes its config and hooks without a push, so its pre-receive
never judges anything. A shared repository here is one of this clone's remotes given as a path or
`file://` URL (symlinks resolved), or any repository carrying workspace-guard's server hooks
(`install --server`). Non-superusers' git commands that may write there (bash/gitwhere.py) are
refused; reads (`git -C SERVER log`) are not. Every tool's writes into such a bare repository's
directory are refused like writes into `.git/` (gitdir.py). Its own `reference-transaction` hook
(gates/push/server_moves.py) is the layer behind this one.

A place the analysis cannot read (`-C "$(…)"`, `d=…; git -C $d`, a loop variable, the `{}` of
xargs/find/parallel, `find -execdir`) may be the shared repository: while this clone has one on
this machine such git that may write is refused too (ATTACK F94, fail closed); `~` and `..` are
resolved first. Clones whose remotes all lie on other machines are not affected.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash import Analysis
    from workspace_guard.repo import Repo

_MAX_UP = 64  # directories walked up from a path to find its repository


def _real(path: str) -> str:
    from workspace_guard.gates.harness.gitdir import _real as real

    try:
        return real(os.path.normpath(path))
    except (OSError, ValueError):
        return os.path.normpath(path)


def _bare(directory: str) -> bool:
    return (
        os.path.isfile(os.path.join(directory, "HEAD"))
        and os.path.isdir(os.path.join(directory, "objects"))
        and os.path.isdir(os.path.join(directory, "refs"))
    )


def git_dir_of(path: str) -> tuple[str, bool] | None:
    """(git directory, bare) of the repository `path` lies in, found by walking up from it as
    git does (a bare repository's own directory, or a `.git` directory); None: none."""
    here = _real(path)
    for _ in range(_MAX_UP):
        if _bare(here):
            return here, os.path.basename(here) != ".git"
        dot = os.path.join(here, ".git")
        if os.path.isdir(dot) and _bare(dot):
            return dot, False
        up = os.path.dirname(here)
        if up == here:
            return None
        here = up
    return None


def remote_git_dirs(repo: Repo) -> set[str]:
    """The git directories of this clone's remotes on this machine (paths and `file://` URLs,
    relative ones from the work tree), as `realpath`s."""
    found: set[str] = set()
    base = repo.info.root or repo.info.common_dir
    for key, value in repo.config.items():
        lowered = key.lower()
        if not (lowered.startswith("remote.") and lowered.endswith((".url", ".pushurl"))):
            continue
        path = _local_path(value)
        located = git_dir_of(os.path.join(base, path)) if path else None
        if located is not None:
            found.add(located[0])
    return found


def _local_path(url: str) -> str | None:
    url = url.strip()
    if url.startswith("file://"):
        return url[len("file://") :] or None
    if "://" in url or (":" in url.split("/", 1)[0] and not url.startswith("/")):
        return None  # another machine (ssh, https, host:path)
    return url or None


def has_server_hooks(git_dir: str) -> bool:
    """Whether `install --server` put its hooks in this repository."""
    from workspace_guard.commands.install import is_ours

    hooks = os.path.join(git_dir, "hooks")
    if is_ours(os.path.join(hooks, "pre-receive")):
        return True
    try:
        with open(os.path.join(hooks, "reference-transaction"), encoding="utf-8") as handle:
            return "WG_SERVER=1" in handle.read(8192)
    except (OSError, UnicodeDecodeError):
        return False


def _own(repo: Repo) -> set[str]:
    return {_real(p) for p in (repo.info.git_dir, repo.info.common_dir) if p}


def shared(repo: Repo, git_dir: str) -> bool:
    """Whether `git_dir` is a shared repository: a remote of this clone here, or one with our
    server hooks; never this repository itself."""
    if git_dir in _own(repo):
        return False
    return git_dir in remote_git_dirs(repo) or has_server_hooks(git_dir)


def holds(repo: Repo, absolute: str) -> bool:
    """Whether a tool writing `absolute` writes into a shared bare repository's directory."""
    located = git_dir_of(absolute)
    return located is not None and located[1] and shared(repo, located[0])


def refusal(repo: Repo, analysis: Analysis, superuser: bool) -> str:
    """Why a non-superuser's command is refused: a git command that may write a shared
    repository of this machine; "" when none."""
    if superuser:
        return ""
    from workspace_guard.gates.harness.bash.gitwhere import GIT_AT
    from workspace_guard.i18n import _

    for finding in analysis.of_kind(GIT_AT):
        place = _resolved(finding.cwd)
        if not place:
            continue
        if "$" in place or place.startswith("~"):  # known at run time only: any directory
            if not remote_git_dirs(repo):
                continue  # no shared repository of this clone on this machine
            return _(
                '`{command}` may write a repository known only at run time (`-C "$(…)"`, a '
                "variable, xargs, find -execdir…) while this clone has a shared repository on "
                "this machine: it could be that one, whose refs, config and hooks change only "
                "through a push its pre-receive judges, so it is refused; write the directory "
                "literally, push instead, or ask a superuser"
            ).format(command=finding.detail[:120])
        located = git_dir_of(place)
        if located is None or not shared(repo, located[0]):
            continue
        return _(
            "`{command}` writes in {path}, the shared repository on this machine (a remote of "
            "this clone, or a repository with workspace-guard's server hooks): its refs, config, "
            "hooks and files change only through a push its pre-receive judges, so git that "
            "writes there is refused (reads such as `git -C {path} log` stay allowed); push "
            "instead, or ask a superuser"
        ).format(command=finding.detail[:120], path=located[0])
    return ""


def _resolved(place: str) -> str:
    """`place` with a leading `~`/`~user` resolved as the shell does, `..` folded; what stays
    unknown keeps its `$` (an unknown user's `~name` stays `~`: unknown too)."""
    if place.startswith("~") and "$" not in place:
        expanded = os.path.expanduser(place)
        if not expanded.startswith("~"):
            place = expanded
    return os.path.normpath(place) if place.startswith("/") else place

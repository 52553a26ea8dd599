"""Every git config file git reads for this repository, and how a change of one is judged.

Beside the repository's `config` (and this worktree's `config.worktree`) git reads, in order:
the system file (`GIT_CONFIG_SYSTEM`, else `$(prefix)/etc/gitconfig`), the global files
(gitconfig.global_files), every other linked worktree's `config.worktree` (each worktree's
git reads its own), and whatever `include.path` / `includeIf.*.path` in any of them names
(followed to any depth, whatever the condition: a condition an agent can make true is no
protection). A change of an enforcement key in any of them redirects the hooks exactly as one in
`.git/config` does, so each is judged the same way (gitconfig.violations); what differs is the
record (`config_file`: `system`, `global`, `include`, `worktree`, `repository`) and what can be
put back: a file the user cannot write (the system file, usually) is reported only, and says so.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from workspace_guard.gates.watch import gitconfig
from workspace_guard.i18n import _, strerror
from workspace_guard.speed import gitconfig as gitconfig_files

if TYPE_CHECKING:
    from workspace_guard.gates.watch.internals import Snap

INCLUDE_DEPTH = 10  # git's own limit


def system_file(env: dict[str, str] | None = None) -> str | None:
    """The system config file git reads (None with `GIT_CONFIG_NOSYSTEM`): the one reader's
    answer (`speed/gitconfig.py`, which asks git for the path compiled into it)."""
    return gitconfig_files.system_file(env)


def worktree_files(common_dir: str) -> list[str]:
    """Every worktree's `config.worktree`: the main one's and each linked one's."""
    out = [os.path.join(common_dir, "config.worktree")]
    folder = os.path.join(common_dir, "worktrees")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    return out + [os.path.join(folder, n, "config.worktree") for n in names]


def includes(path: str, values: dict[str, list[str]]) -> list[str]:
    """The files `include.path` and every `includeIf.*.path` of this file name."""
    return gitconfig_files.includes(path, values)


def writable(path: str) -> bool:
    """Whether this user can put a key back in (or re-create) the file."""
    if os.path.exists(path):
        return os.access(path, os.W_OK)
    return os.access(os.path.dirname(path) or ".", os.W_OK)


class Files:
    """The config files judged, each with the name the lifecycle records use for it."""

    def __init__(self, common_dir: str, git_dir: str) -> None:
        self.common_dir = common_dir
        self.own = [os.path.join(common_dir, "config"), os.path.join(git_dir, "config.worktree")]
        self.globals = gitconfig.global_files()  # ~/.gitconfig, XDG, GIT_CONFIG_GLOBAL
        self.system = system_file()
        self.kind: dict[str, str] = {}  # path → system | global | include | worktree | repository
        for path in self.own:
            self.kind[path] = "repository"
        for path in worktree_files(common_dir):
            self.kind.setdefault(path, "worktree")
        for path in self.globals:
            self.kind.setdefault(path, "global")
        if self.system:
            self.kind.setdefault(self.system, "system")
        self._worktrees = _key(os.path.join(common_dir, "worktrees"))

    def name(self, path: str) -> str:
        """The key in `started`/`stopped` records' `internals`."""
        kind = self.kind.get(path, "repository")
        if path in self.own:
            return os.path.basename(path)
        if kind == "worktree":
            return f"worktree:{os.path.relpath(path, self.common_dir)}"
        return f"{kind}:{path}"

    def outside(self, path: str) -> bool:
        return self.kind.get(path) in ("system", "global", "include")

    def new_worktrees(self) -> list[str]:
        """`config.worktree` paths of worktrees added since the last look (a `stat`)."""
        key = _key(os.path.join(self.common_dir, "worktrees"))
        if key == self._worktrees:
            return []
        self._worktrees = key
        fresh = [p for p in worktree_files(self.common_dir) if p not in self.kind]
        for path in fresh:
            self.kind[path] = "worktree"
        return fresh

    def follow(self, path: str, data: bytes | None, depth: int = 0) -> list[str]:
        """Include files reached from `path` not judged yet (they become judged)."""
        if data is None or depth >= INCLUDE_DEPTH or b"path" not in data.lower():
            return []
        fresh = []
        for target in includes(path, gitconfig.values(data)):
            if target not in self.kind:
                self.kind[target] = "include"
                fresh.append(target)
                try:
                    with open(target, "rb") as handle:
                        more = handle.read()
                except OSError:
                    more = None
                fresh += self.follow(target, more, depth + 1)
        return fresh

    def where(self, path: str) -> dict[str, Any]:
        """The record's fields naming the file."""
        kind = self.kind.get(path, "repository")
        return {"config_file": kind, "global_config": path if kind == "global" else None}


def _key(path: str) -> tuple[int, ...] | None:
    from workspace_guard.gates.watch.fs import stat_key

    return stat_key(path)


def undo(
    path: str, old: Snap, found: Snap, before: dict[str, list[str]], bad: list[str]
) -> str | None:
    """Put the keys back (or re-create a deleted file whole); None when done, else why not."""
    if not writable(path):
        return "the file is not writable by this user: reported only"
    if found.data is not None:
        return gitconfig.put_back(path, before, bad)
    if old.data is None:
        return "the file was deleted and its previous bytes are not known; not re-created"
    from workspace_guard.fsutil import atomic_write

    try:
        atomic_write(path, old.data, mode=old.mode & 0o666)
    except OSError as exc:
        return _("could not re-create the file: {error}").format(error=strerror(exc))
    return None

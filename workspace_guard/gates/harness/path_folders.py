"""The folders on the PATH the hook runs with are code the next call runs (ATTACK F86).

A program written to `~/.local/bin/git` (Claude Code's native installer puts `claude` there and
asks users to add it to their PATH), `~/bin`, `~/.cargo/bin` or an activated virtual
environment's `bin` runs at the next `git status`, in the agent's shell and in the hooks. So a
tool write of a file in such a folder, of the folder itself or of a folder holding it, is refused
to every agent but a superuser, when the folder lies outside the repository (there, the rules
decide) and the user may write it. No disk walk: a `stat` per PATH entry, on every call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path


def _folders(search: str, home: str) -> tuple[str, ...]:
    """The absolute folders of `search` (a PATH value) the user may write, or that do not exist
    yet (creating one plants its programs), each in its written and resolved spelling. A
    system folder (owned by root, outside the home folder: /usr/bin for root) is left out.

    Read afresh on every call (the hook server outlives any change of these folders: one made,
    given away, or replaced by a link): a `stat` per entry and an `lstat` per distinct folder on
    the way, the resolved spelling computed only where one of them is a link."""
    from workspace_guard.fsutil import link_on_the_way

    links: dict[str, bool] = {}
    out: list[str] = []
    for entry in search.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue  # a relative entry names the shell's cwd: the rules judge that
        folder = os.path.normpath(entry)
        try:
            owner = os.stat(folder).st_uid
        except OSError:
            owner = -1  # not made yet
        if owner >= 0 and not os.access(folder, os.W_OK):
            continue
        if owner == 0 and not _within(folder, home):
            continue
        out.append(folder)
        if link_on_the_way(folder, links):
            out.append(_real_path(folder))
    return tuple(dict.fromkeys(out))


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def on_path(root: str, path: str, cwd: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether writing `path` (as a tool or the shell analysis names it, from `cwd`) writes a
    program in a user-writable folder on the PATH outside the repository `root`, that folder, or
    a folder holding it (not the home folder or `/` themselves)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    home = os.path.normpath(env.get("HOME") or os.path.expanduser("~"))
    folders = _folders(env.get("PATH", ""), home)
    if not folders:
        return False
    absolute = absolute_path(path, cwd)
    parent = _real_path(os.path.dirname(absolute))
    tops = dict.fromkeys([os.path.normpath(root), _real_path(root)])
    spared = {home, _real_path(home), os.sep}
    for candidate in dict.fromkeys([absolute, os.path.join(parent, os.path.basename(absolute))]):
        for folder in folders:
            if any(_within(folder, top) for top in tops):
                continue
            if os.path.dirname(candidate) == folder:
                return True  # a program in it
            if _within(folder, candidate) and candidate not in spared:
                return True  # the folder itself or one holding it (moved, removed, replaced)
    return False

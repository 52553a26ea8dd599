"""`workspace-guard.requireProvenance` as git's config files say it, read without `git -c`.

The commit gate's identity cross-check is on when the trusted rules say `harness:
require_provenance: true`, or — where they do not say — when this key is true. The key is read
from the config files git itself reads, in git's order (the last value wins): the system file
(unless `GIT_CONFIG_NOSYSTEM`), the global files (`GIT_CONFIG_GLOBAL`, else
`$XDG_CONFIG_HOME/git/config` and `~/.gitconfig`), the repository's `config` and the worktree's
`config.worktree`. Never from `git -c …` or `GIT_CONFIG_COUNT`/`GIT_CONFIG_PARAMETERS`: whoever
runs git sets those, and they must not switch the check off.

The `reference-transaction` hook asks on every branch update, so the files are read without
starting git where that is safe: a file that does not mention the key nor any `include` adds
nothing; one that names the key in the simple form git writes is parsed here. A file with an
`include`/`includeIf` section, or anything the small reader is unsure of, is asked of `git config
--<scope> --includes` (which never applies `-c`); where git cannot read it either, the answer is
*required* (fail closed).
"""

from __future__ import annotations

import os

from workspace_guard import git

KEY = "workspace-guard.requireprovenance"  # as git_settings and trust_root report keys
TRUE = ("true", "yes", "on", "1")
_NAME = b"requireprovenance"


class Unreadable(Exception):
    """A config file neither this reader nor git can read: the check is required."""


def config_files(common_dir: str, git_dir: str) -> list[tuple[str, str]]:
    """(scope, path) of the config files git reads, in its order."""
    env = os.environ
    files: list[tuple[str, str]] = []
    if env.get("GIT_CONFIG_NOSYSTEM", "").strip().lower() not in TRUE:
        files.append(("system", env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    if "GIT_CONFIG_GLOBAL" in env:
        if env["GIT_CONFIG_GLOBAL"]:
            files.append(("global", env["GIT_CONFIG_GLOBAL"]))
    else:
        home = env.get("HOME", "")
        xdg = env.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else "")
        if xdg:
            files.append(("global", os.path.join(xdg, "git", "config")))
        if home:
            files.append(("global", os.path.join(home, ".gitconfig")))
    files.append(("local", os.path.join(common_dir, "config")))
    files.append(("worktree", os.path.join(git_dir, "config.worktree")))
    return files


def values(common_dir: str, git_dir: str, cwd: str) -> list[str]:
    """Every value of the key, in git's order; raises `Unreadable` (fail closed)."""
    from workspace_guard.trust_root import _parse_config

    found: list[str] = []
    asked: set[str] = set()
    for scope, path in config_files(common_dir, git_dir):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        except OSError:
            data = b"include"  # unreadable here: git decides
        lowered = data.lower()
        if b"include" in lowered or (scope == "worktree" and data.strip()):
            if scope not in asked:  # git reads every file of the scope, includes followed
                asked.add(scope)
                found += _ask_git(scope, cwd)
            continue
        if _NAME not in lowered:
            continue
        parsed = _parse_config(path)
        if parsed is None:
            if scope not in asked:
                asked.add(scope)
                found += _ask_git(scope, cwd)
            continue
        if KEY in parsed:
            found.append(parsed[KEY])
    return found


def _ask_git(scope: str, cwd: str) -> list[str]:
    """`git config --SCOPE --includes --get-all KEY`: a scope never applies `-c`."""
    argv = [
        "config",
        f"--{scope}",
        "--includes",
        "-z",
        "--type=bool-or-str",  # a key with no value is true, as git reads booleans
        "--get-all",
        "workspace-guard.requireProvenance",
    ]
    proc = git.run(argv, cwd, check=False)
    if proc.returncode == 1 and not proc.stderr.strip():
        return []  # the key is not set there
    if proc.returncode != 0:
        raise Unreadable(proc.stderr.decode("utf-8", "replace").strip() or f"git config --{scope}")
    return [v.decode("utf-8", "surrogateescape") for v in proc.stdout.split(b"\0") if v]


def required(common_dir: str, git_dir: str, cwd: str) -> bool:
    """Whether the config files turn the cross-check on (True when they cannot be read)."""
    try:
        found = values(common_dir, git_dir, cwd)
    except Unreadable:
        return True
    return bool(found) and found[-1].strip().lower() in TRUE

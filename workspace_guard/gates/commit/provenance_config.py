"""`workspace-guard.requireProvenance` as git's config files say it, read without `git -c`.

The commit gate's identity cross-check is on when the trusted rules say `harness:
require_provenance: true`, or — where they do not say — when this key is true. The key is read
from the config files git itself reads, in git's order (the last value wins), as the one reader
(`speed/gitconfig.py`) lists them: the system file, the global files, the repository's `config`
and — only with `extensions.worktreeConfig`, as in git — the worktree's `config.worktree`. Never
from `git -c …` or `GIT_CONFIG_COUNT`/`GIT_CONFIG_PARAMETERS`: whoever runs git sets those, and
they must not switch the check off.

The `reference-transaction` hook asks on every branch update, so the files are read without
starting git where that is safe: a file that does not mention the key nor any `include` adds
nothing; one that names the key in the simple form git writes is parsed here. A file with an
`include`/`includeIf` section, or anything the small reader is unsure of, is asked of `git config
--<scope> --includes` (which never applies `-c`); where git cannot read it either, the answer is
*required* (fail closed). The system file's path is compiled into git, so that scope is asked of
git — only when no later file sets the key (a later value wins anyway).
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.speed import gitconfig

KEY = "workspace-guard.requireprovenance"  # as git_settings and trust_root report keys
TRUE = gitconfig.TRUE
_NAME = b"requireprovenance"


class Unreadable(Exception):
    """A config file neither this reader nor git can read: the check is required."""


def config_files(common_dir: str, git_dir: str) -> list[tuple[str, str]]:
    """(scope, path) of the config files git reads, in its order."""
    return gitconfig.files(common_dir, git_dir)


def values(common_dir: str, git_dir: str, cwd: str) -> list[str]:
    """Every value of the key, in git's order; raises `Unreadable` (fail closed)."""
    found: list[str] = []
    asked: set[str] = set()
    for scope, path in gitconfig.files(common_dir, git_dir, system=False):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        except OSError:
            data = b"include"  # unreadable here: git decides
        lowered = data.lower()
        if b"include" in lowered:
            if scope not in asked:  # git reads every file of the scope, includes followed
                asked.add(scope)
                found += _ask_git(scope, cwd)
            continue
        if _NAME not in lowered:
            continue
        parsed = gitconfig.parse_simple(path)
        if parsed is None:
            if scope not in asked:
                asked.add(scope)
                found += _ask_git(scope, cwd)
            continue
        if KEY in parsed:
            found.append(parsed[KEY])
    if found or gitconfig.nosystem():
        return found
    return _system(cwd)


def _system(cwd: str) -> list[str]:
    """The system file's values: read directly when `GIT_CONFIG_SYSTEM` names it, else asked of
    git (only git knows the path compiled into it)."""
    named = os.environ.get("GIT_CONFIG_SYSTEM")
    if named is not None:
        parsed = gitconfig.parse_simple(named) if named not in ("", os.devnull) else {}
        try:
            with open(named, "rb") as handle:
                simple = b"include" not in handle.read().lower()
        except OSError:
            simple = True  # no file: nothing (an unreadable one: parse_simple said None)
        if parsed is not None and simple:
            return [parsed[KEY]] if KEY in parsed else []
    return _ask_git("system", cwd)


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

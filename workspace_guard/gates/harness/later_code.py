"""Files that become code on a later call are out of every tool's reach, except a superuser's.

Why (ATTACK F59, F86 follow-ups): a file the gate allows today may run as code tomorrow, outside
any tool call the gate judges — `ProxyCommand`/`LocalCommand` of `~/.ssh/config` at the next `git
fetch`/`push` over ssh (also `~/.ssh/rc`, `~/.ssh/environment`), `node-options`/`script-shell` of
an `.npmrc` at the next `npm`, fish's `config.fish` and direnv's `direnvrc` when a shell starts,
an `.env.local`/`.env.production` a dev server loads, the `PYTHONSTARTUP` file, a `.pth` or
`sitecustomize.py` in a Python's site-packages at every interpreter start, `$BASH_ENV` in every
bash script, and (as root) `/etc/profile.d/*`, `/etc/bash.bashrc`, `/etc/environment`,
`/etc/ld.so.preload`. The table is computed from the environment the hook runs with (`HOME`,
`XDG_CONFIG_HOME`, `ZDOTDIR`, and the variables that name such a file), not a list of paths: a
variable moves the file, and the file moves with it. A folder holding one (`rm -rf ~/.ssh`) counts.
git attributes name filters and diff drivers whose commands come from git's settings, which
`harness_settings.py` already refuses; they are no code by themselves. No disk access: the check
runs on every path a call names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

# below the home folder: files, then folders whose every file is code
HOME_FILES = (
    ".ssh/config",
    ".ssh/rc",
    ".ssh/environment",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".pythonrc",
    ".pythonrc.py",
    ".pythonstartup",
    ".vimrc",
    ".exrc",
    ".gvimrc",
    ".emacs",
)
HOME_FOLDERS = (".ssh/config.d", ".vim/plugin", ".emacs.d", ".bashrc.d")
# below $XDG_CONFIG_HOME (default ~/.config): files, then folders
CONFIG_FILES = (
    "fish/config.fish",
    "direnv/direnvrc",
    "direnv/direnv.toml",
    "nvim/init.vim",
    "nvim/init.lua",
    "npm/npmrc",
)
CONFIG_FOLDERS = ("fish/conf.d", "fish/functions", "direnv/lib", "nvim/plugin")
# below $ZDOTDIR, when set (zsh reads its start-up files there instead of the home folder)
ZDOT_FILES = (".zshrc", ".zshenv", ".zprofile", ".zlogin")
# variables that name such a file themselves
FILE_VARIABLES = (
    "PYTHONSTARTUP",
    "BASH_ENV",
    "ENV",
    "NPM_CONFIG_USERCONFIG",
    "NPM_CONFIG_GLOBALCONFIG",
    "npm_config_userconfig",
    "npm_config_globalconfig",
)
SYSTEM_FILES = (
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/ld.so.preload",
    "/etc/zshenv",
    "/etc/zshrc",
    "/etc/zsh/zshenv",
    "/etc/zsh/zshrc",
    "/etc/zsh/zprofile",
    "/etc/ssh/ssh_config",
    "/etc/npmrc",
    "/usr/etc/npmrc",
    "/usr/local/etc/npmrc",
    "/etc/fish/config.fish",
    "/etc/security/pam_env.conf",
    "/etc/vim/vimrc",
)
SYSTEM_FOLDERS = (
    "/etc/profile.d",
    "/etc/ssh/ssh_config.d",
    "/etc/ld.so.conf.d",
    "/etc/fish/conf.d",
)
# names code in any folder (the repository's included): npm's and yarn's project settings, and the
# `.env` variants dev servers and dotenv-flow load (`.env` itself: install_files/harness_settings)
NAMES = (".npmrc", ".yarnrc", ".yarnrc.yml")
_ENV_VARIANT = re.compile(r"\.env\.(?!(?:example|sample|template|dist)$)[^/]+")
_SAMPLES = (".npmrc", ".yarnrc.yml", ".env.local", ".env.production")  # what a glob is tried on
# a Python's site-packages (outside the repository): a `.pth` line runs at every start, as does
# `sitecustomize`/`usercustomize`, and every module there runs when imported
_SITE = re.compile(
    r"/lib/python3[^/]*/(?:site|dist)-packages(?:/|$)|/lib/python3/dist-packages(?:/|$)"
)
_SITE_HOLDER = re.compile(r"/lib/python3[^/]*(?:/(?:site|dist)-packages)?$")
_GLOB = frozenset("*?[")


def _variables(path: str, env: Mapping[str, str], home: str) -> list[str]:
    """`path` with a leading `$NAME`/`${NAME}` of the variables this module reads expanded (the
    default of `XDG_CONFIG_HOME`); a variable that names such a file counts even when unset."""
    out = [path]
    for name in (*FILE_VARIABLES, "XDG_CONFIG_HOME", "ZDOTDIR", "HOME"):
        for spelling in (f"${name}", f"${{{name}}}"):
            if path != spelling and not path.startswith(spelling + "/"):
                continue
            value = env.get(name) or (os.path.join(home, ".config") if name[0] == "X" else "")
            if not value and name in FILE_VARIABLES and path == spelling:
                return ["\x00named"]  # `> "$PYTHONSTARTUP"`: that file, wherever it is
            if value:
                out.append(value + path[len(spelling) :])
    return out


# `table` per the values it reads (a pure function of them; a hook server's calls repeat them)
_TABLES: dict[tuple[str | None, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def table(env: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(files, folders) that become code, as absolute paths, for this environment."""
    home = os.path.normpath(env.get("HOME") or os.path.expanduser("~"))
    key = (home, env.get("XDG_CONFIG_HOME"), env.get("ZDOTDIR"), *map(env.get, FILE_VARIABLES))
    known = _TABLES.get(key)
    if known is None:
        if len(_TABLES) >= 16:
            _TABLES.clear()
        known = _TABLES[key] = _table(env, home)
    return known


def _table(env: Mapping[str, str], home: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # both: a later shell may run without the variable (harness shells start afresh)
    configs = dict.fromkeys([env.get("XDG_CONFIG_HOME") or "", os.path.join(home, ".config")])
    files = [os.path.join(home, rel) for rel in HOME_FILES]
    files += [os.path.join(c, rel) for c in configs if c for rel in CONFIG_FILES]
    folders = [os.path.join(home, rel) for rel in HOME_FOLDERS]
    folders += [os.path.join(c, rel) for c in configs if c for rel in CONFIG_FOLDERS]
    zdot = env.get("ZDOTDIR")
    if zdot:
        files += [os.path.join(zdot, rel) for rel in ZDOT_FILES]
    files += [env[name] for name in FILE_VARIABLES if os.path.isabs(env.get(name) or "")]
    files += SYSTEM_FILES
    folders += SYSTEM_FOLDERS
    return tuple(map(os.path.normpath, files)), tuple(map(os.path.normpath, folders))


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def becomes_code(root: str, path: str, cwd: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether writing `path` (as a tool or the shell analysis names it, from `cwd`) writes a
    file that becomes code on a later call, or a folder holding one (see the module)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    home = os.path.normpath(env.get("HOME") or os.path.expanduser("~"))
    spellings = _variables(path, env, home)
    if spellings == ["\x00named"]:
        return True
    files, folders = table(env)
    spared = {home, _real_path(home), os.sep, "/etc", "/usr", "/usr/local"}
    tops = {os.path.normpath(root), _real_path(root)}
    for written in spellings:
        absolute = absolute_path(written, cwd)
        parent = _real_path(os.path.dirname(absolute))
        for candidate in dict.fromkeys(
            [absolute, os.path.join(parent, os.path.basename(absolute))]
        ):
            if _named(os.path.basename(candidate)):
                return True
            if candidate in files or any(_within(candidate, f) for f in folders):
                return True
            if candidate not in spared and any(_within(t, candidate) for t in (*files, *folders)):
                return True  # a folder holding one (moved, removed, replaced)
            if _site(candidate, tops):
                return True
    return False


def _site(candidate: str, tops: set[str]) -> bool:
    """A site-packages file or folder of another Python outside the repository (the gate's own
    interpreter's are `program_files.py`'s, refused to everyone)."""
    if not (_SITE.search(candidate) or _SITE_HOLDER.search(candidate)):
        return False
    from workspace_guard.gates.harness.program_files import _own

    roots = (*tops, *_own())
    return not any(_within(candidate, top) for top in roots)


def _named(name: str) -> bool:
    """A name that is code in any folder; a glob that may match one."""
    if any(c in name for c in _GLOB):
        import fnmatch

        return name.startswith(".") and any(fnmatch.fnmatchcase(s, name) for s in _SAMPLES)
    return name in NAMES or bool(_ENV_VARIANT.fullmatch(name))

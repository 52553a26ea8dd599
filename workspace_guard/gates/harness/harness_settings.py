"""The harnesses' own settings outside the repository are out of every tool's reach, except a
superuser's.

`~/.claude/settings.json` (its `env`, its `hooks`, `disableAllHooks`), `~/.codex/config.toml`,
`~/.gemini/settings.json`, `~/.cursor/hooks.json` and the managed settings decide whether the
repository's hooks run at all, and with which environment; so do the start-up files the harnesses
load into that environment (`~/.env`, `~/.gemini/.env`, `~/.codex/.env` or `$CODEX_HOME/.env`, an
`.env`/`.envrc` in the working folder or above it) or source in the shell of their Bash tool
(`~/.bashrc`, `~/.profile`, …) (a `WORKSPACE_GUARD`, a `PATH`, an
`LD_PRELOAD` for every hook). The repository's own copies are protected by its rules; these lie
outside it, so the gate denies a tool call (a file tool or a shell command, whatever path
spelling: `~`, `$HOME`, `$CLAUDE_CONFIG_DIR`, `$CODEX_HOME`, a relative path) that would write
one of them, or a folder that holds them. A person edits them by hand; a superuser's call may.
So are the user-scope instructions and definitions every session of a harness loads (ATTACK
F111): `~/.claude/agents/**` (a subagent's system prompt and hooks, used where the project
defines no agent of that name), `~/.claude/{commands,skills,output-styles,plugins}/**`,
`~/.claude/CLAUDE.md`, `~/.codex/AGENTS.md`, `~/.codex/{prompts,skills}/**`, `~/.gemini/GEMINI.md`,
`~/.gemini/{commands,agents,extensions}/**`, `~/.cursor/mcp.json` (and below `$CLAUDE_CONFIG_DIR`,
`$CODEX_HOME`): the project's own are instruction_files.py's.
"""

from __future__ import annotations

import os

from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

# user-scope instructions, definitions and MCP registrations (ATTACK F111, F103): every session
# of that harness loads them, as the project's own (instruction_files.py)
DEFINITION_FILES = (
    ".claude/CLAUDE.md",
    ".codex/AGENTS.md",
    ".codex/AGENTS.override.md",
    ".gemini/GEMINI.md",
    ".cursor/mcp.json",
    ".config/claude/claude_desktop_config.json",
    ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    ".config/Code/User/mcp.json",
    ".config/Code/User/settings.json",
    ".config/Code/User/tasks.json",
)
# files below the home folder; then below the folder a variable names (when set, else the default)
HOME_FILES = (
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".claude.json",
    ".codex/config.toml",
    ".codex/hooks.json",
    ".gemini/settings.json",
    ".cursor/hooks.json",
    # start-up files: loaded into the environment the hooks inherit (an `LD_PRELOAD=` line
    # switches the hook command off) or sourced by the shell a harness's Bash tool starts
    ".env",
    ".envrc",
    ".gemini/.env",
    ".codex/.env",
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".bash_aliases",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    # git's own settings (ATTACK F87): `core.hooksPath = /dev/null` there switches the commit and
    # push hooks of every clone off; the shell analysis refuses them already (gitdir.py)
    ".gitconfig",
    ".config/git/config",
    *DEFINITION_FILES,
)
# folders below the home folder whose every file is such a definition (subagents, commands,
# skills, plugins with their hooks and MCP servers, Gemini's extensions)
HOME_FOLDERS = (
    ".claude/agents",
    ".claude/commands",
    ".claude/skills",
    ".claude/output-styles",
    ".claude/plugins",
    ".codex/prompts",
    ".codex/skills",
    ".gemini/commands",
    ".gemini/agents",
    ".gemini/extensions",
)
VARIABLE_FILES = {
    "CLAUDE_CONFIG_DIR": ("settings.json", "settings.local.json", ".claude.json", "CLAUDE.md"),
    "CODEX_HOME": ("config.toml", "hooks.json", ".env", "AGENTS.md", "AGENTS.override.md"),
    "XDG_CONFIG_HOME": ("git/config", "claude/claude_desktop_config.json"),
}
VARIABLE_FOLDERS = {
    "CLAUDE_CONFIG_DIR": ("agents", "commands", "skills", "output-styles", "plugins"),
    "CODEX_HOME": ("prompts", "skills"),
}
# variables that name a git settings file itself
GIT_CONFIG_VARIABLES = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM")
# Gemini CLI loads the first `.gemini/.env` or `.env` from its cwd upward, direnv an `.envrc`:
# such a file in the event's cwd or any folder above it is a start-up file
ENV_NAMES = (".env", ".envrc")
SYSTEM_FILES = (
    "/etc/claude-code/managed-settings.json",
    "/etc/gemini-cli/settings.json",
    "/etc/codex/config.toml",
    "/etc/gitconfig",
)


def _real(path: str) -> str:
    from workspace_guard.gates.harness.gitdir import _real

    return _real(path)


# `_files` per the values it reads (a pure function of them; a hook server's calls repeat them)
_FILES: dict[tuple[str | None, ...], tuple[str, ...]] = {}


def _files(environ: os._Environ[str] | dict[str, str]) -> list[str]:
    home = environ.get("HOME") or os.path.expanduser("~")
    key = (home, *map(environ.get, VARIABLE_FILES), *map(environ.get, GIT_CONFIG_VARIABLES))
    known = _FILES.get(key)
    if known is None:
        if len(_FILES) >= 16:
            _FILES.clear()
        known = _FILES[key] = tuple(_made_files(environ, home))
    return list(known)


def _made_files(environ: os._Environ[str] | dict[str, str], home: str) -> list[str]:
    out = [os.path.join(home, rel) for rel in HOME_FILES] + list(SYSTEM_FILES)
    for name, files in VARIABLE_FILES.items():
        folder = environ.get(name)
        if folder:
            out += [os.path.join(folder, rel) for rel in files]
    for name in GIT_CONFIG_VARIABLES:
        named = environ.get(name)
        if named and named != os.devnull and os.path.isabs(named):
            out.append(named)
    return out


def _folders(environ: os._Environ[str] | dict[str, str]) -> list[str]:
    """The folders of definitions (HOME_FOLDERS, VARIABLE_FOLDERS) for this environment."""
    home = environ.get("HOME") or os.path.expanduser("~")
    out = [os.path.join(home, rel) for rel in HOME_FOLDERS]
    for name, folders in VARIABLE_FOLDERS.items():
        folder = environ.get(name)
        if folder:
            out += [os.path.join(folder, rel) for rel in folders]
    return out


def _expand(path: str, environ: os._Environ[str] | dict[str, str]) -> str | None:
    """The path with `~` and the harness variables expanded; None when a harness variable that
    is not set here names its folder (then it is one of those files by name alone)."""
    for name in VARIABLE_FILES:
        for spelling in (f"${name}", f"${{{name}}}"):
            if path == spelling or path.startswith(spelling + "/"):
                folder = environ.get(name)
                if not folder:
                    return None
                path = folder + path[len(spelling) :]
    return os.path.expanduser(path)


def is_settings(
    path: str, cwd: str, environ: os._Environ[str] | dict[str, str] | None = None
) -> bool:
    """Whether writing `path` (as a tool or the shell analysis names it) writes a harness's
    settings file outside the repository, or a folder holding one (below the home folder)."""
    env = os.environ if environ is None else environ
    expanded = _expand(path, env)
    if expanded is None:
        rest = path.rstrip("/").split("/", 1)[1] if "/" in path.rstrip("/") else ""
        name = rest.rsplit("/", 1)[-1]
        named = any(name in files for files in VARIABLE_FILES.values())
        return not rest or named or any(_within(rest, f) for f in _all_variable_folders())
    absolute = absolute_path(expanded, cwd)  # `lnk/../x` as the kernel opens it (F110)
    if _env_file_above(absolute, cwd):
        return True
    home = os.path.normpath(env.get("HOME") or os.path.expanduser("~"))
    spellings = _spellings(_files(env))
    folders = [name for names in _spellings(_folders(env)) for name in names]
    if any(c in absolute for c in "*?["):  # `tar -C ~/.claude -x`: `~/.claude/*` (ATTACK F123)
        base = os.path.dirname(absolute[: min(absolute.find(c) % 65536 for c in "*?[")])
        if any(_within(base, folder) for folder in folders):
            return True  # in a folder of definitions
        return _glob_reaches(absolute, [*(n for ns in spellings for n in ns), *folders])
    for candidate in dict.fromkeys([absolute, _real(absolute)]):
        if any(_within(candidate, folder) for folder in folders):
            return True  # a definition in a folder of them (a subfolder too)
        for names in [*spellings, tuple(folders)]:
            for spelling in names:
                if candidate == spelling:
                    return True
                holder = spelling.startswith(candidate.rstrip(os.sep) + os.sep)
                if holder and candidate not in (home, os.sep, "/etc"):
                    return True  # a folder that holds it (moved, removed, replaced)
    return False


def _glob_reaches(pattern: str, targets: list[str]) -> bool:
    """A glob target (an extractor's or a recursive copy's `DEST/*`: any path below DEST) may be
    one of `targets` or a folder holding one (`*` spans folders here: the program writes names
    the command does not give)."""
    import fnmatch

    for target in targets:
        node = target
        while node not in ("", os.sep):
            if fnmatch.fnmatchcase(node, pattern):
                return True
            node = os.path.dirname(node)
    return False


def _definition(path: str) -> bool:
    """`path` (as a denial names it) is a user-scope definition or instruction file."""
    env = os.environ
    expanded = _expand(path, env)
    if expanded is None:
        return False
    home = env.get("HOME") or os.path.expanduser("~")
    absolute = os.path.normpath(expanded)
    files = [os.path.join(home, rel) for rel in DEFINITION_FILES]
    for name, rels in VARIABLE_FILES.items():
        if env.get(name):
            files += [os.path.join(env[name], r) for r in rels if r[0].isupper()]
    return absolute in files or any(_within(absolute, f) for f in _folders(env))


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _all_variable_folders() -> list[str]:
    return [f for folders in VARIABLE_FOLDERS.values() for f in folders]


def _spellings(targets: list[str]) -> list[tuple[str, ...]]:
    """Each target as written (normalised) and as `_real` resolves it. A target written absolute
    and normalised none of whose existing folders (nor itself) is a symbolic link resolves to
    itself: that is seen from one `lstat` per distinct folder (the targets share a few), instead
    of a `realpath` (an `lstat` per component, in Python) per target on every call."""
    from workspace_guard.fsutil import link_on_the_way

    links: dict[str, bool] = {}
    out: list[tuple[str, ...]] = []
    for target in targets:
        plain = os.path.normpath(target)
        if plain == target and os.path.isabs(plain) and not link_on_the_way(plain, links):
            out.append((plain,))
        else:
            out.append(tuple(dict.fromkeys([plain, _real(target)])))
    return out


def _env_file_above(absolute: str, cwd: str) -> bool:
    """`absolute` is (or, as a glob, may be) an `.env`/`.envrc` in `cwd` or a folder above it,
    or in the `.gemini` folder of one of them: a file Gemini CLI or direnv loads at start-up."""
    import fnmatch

    folder, name = os.path.split(absolute)
    if not any(fnmatch.fnmatchcase(env, name) for env in ENV_NAMES if name.startswith(".")):
        return False
    if os.path.basename(folder) == ".gemini":
        folder = os.path.dirname(folder)
    here = os.path.normpath(cwd)
    for base in dict.fromkeys([here, _real(here)]):
        for top in dict.fromkeys([folder, _real(folder)]):
            if base == top or base.startswith(top.rstrip(os.sep) + os.sep):
                return True
    return False


def note(found: list[str] | None = None) -> str:
    """Why: appended to the harness's deny reason (the user-scope definitions' own reason when
    every path of `found` is one of them)."""
    from workspace_guard.i18n import _

    if found and all(_definition(path) for path in found):
        return _(
            "The user-scope instructions and definitions every session of a harness loads "
            "(~/.claude/agents/, ~/.claude/commands/, ~/.claude/skills/, ~/.claude/plugins/, "
            "~/.claude/CLAUDE.md, ~/.codex/AGENTS.md, ~/.codex/prompts/, ~/.gemini/GEMINI.md, "
            "~/.gemini/commands/, ~/.cursor/mcp.json and the like) lie outside the repository, "
            "where no rule reaches: no tool call may write them except a superuser's; a person "
            "edits them by hand."
        )
    return _(
        "The harnesses' own settings and start-up files outside the repository "
        "(~/.claude/settings.json, ~/.claude.json, ~/.codex/config.toml, ~/.codex/.env, "
        "~/.gemini/settings.json, ~/.gemini/.env, ~/.env, ~/.cursor/hooks.json, the shell's "
        "~/.bashrc, ~/.profile and the like, an .env or .envrc above the working folder, the "
        "managed settings) and git's own settings (~/.gitconfig, ~/.config/git/config, "
        "/etc/gitconfig, GIT_CONFIG_GLOBAL) and the programs in a folder on the PATH outside "
        "the repository (~/.local/bin, ~/bin and the like) decide whether and how the hooks "
        "run, and files that become code on a later call (~/.ssh/config, .npmrc, .env.local, "
        "fish and direnv start-up files, PYTHONSTARTUP, a Python's site-packages, "
        "/etc/profile.d) run outside any call the gate judges: no tool call may write them "
        "except a superuser's; a person edits them by hand."
    )


def claimed(path: str, cwd: str, found: list[str], superuser: bool, root: str) -> bool:
    """True (and `found` gets the path) when `path` is a harness's settings file outside the
    repository (harness_settings.py), a program in a folder on the PATH outside it
    (path_folders.py) or a file that becomes code later (later_code.py); a superuser's call is
    judged as any other write."""
    if superuser or "\x00" in path:
        return False
    from workspace_guard.gates.harness.disk_links import linked_outside
    from workspace_guard.gates.harness.later_code import becomes_code
    from workspace_guard.gates.harness.path_folders import on_path

    if (
        is_settings(path, cwd)
        or on_path(root, path, cwd)
        or linked_outside(path, cwd)[0]
        or becomes_code(root, path, cwd)  # ~/.ssh/config, .npmrc, site-packages… (later_code.py)
    ):
        found.append(path)
        return True
    return False

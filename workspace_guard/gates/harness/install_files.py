"""The hook configuration `install` writes in the repository is out of every tool's reach, except
a superuser's, whatever the rules protect.

`.claude/settings.json` (and `settings.local.json`, which can switch hooks off), `.codex/hooks.json`
and `.codex/config.toml`, `.gemini/settings.json`, `.cursor/hooks.json`, the `.clinerules/hooks/`
scripts Cline runs on every call, `.mcp.json` and the launcher in `.workspace/bin/` decide whether
a harness runs the gate at all; so do the start-up files loaded into the hooks' environment (an
`.env` or `.envrc` in any folder, `.gemini/.env`: an `LD_PRELOAD=` line there turns the gate
off). An agent that empties one of them switches its harness's gate off (for Cline at once: the
hook file is read on every call). So a tool write (a file tool, a shell
command, an MCP write) that names one of them, a folder holding one (`rm -rf .cursor`), or a glob
that may match one, is denied for every agent but a superuser; a person runs `install` again.
"""

from __future__ import annotations

import fnmatch
import os

from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

FILES = (
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    ".gemini/settings.json",
    ".cursor/hooks.json",
    ".mcp.json",
    ".gemini/.env",
    # MCP registrations the gate reads (mcp_registry.py, ATTACK F103): Cursor starts what it names
    ".cursor/mcp.json",
)
FOLDERS = (".clinerules/hooks", ".workspace/bin")
# start-up files, at any depth: Gemini CLI loads the first `.env` (or `.gemini/.env`) from its
# cwd upward into the environment its hooks inherit, direnv an `.envrc` (`LD_PRELOAD=` there
# switches the hook command off)
NAMES = (".env", ".envrc")
HOLDERS = (".gemini",)  # replacing the folder makes its `.env` (that need not exist yet)
_GLOB = frozenset("*?[")


def _relative(root: str, absolute: str) -> str | None:
    """`absolute` relative to the repository root (either spelling of it), None when outside."""
    for top in dict.fromkeys([os.path.normpath(root), _real_path(root)]):
        if absolute == top:
            return ""
        if absolute.startswith(top.rstrip(os.sep) + os.sep):
            return absolute[len(top.rstrip(os.sep)) + 1 :]
    return None


def _reaches(root: str, rel: str) -> bool:
    """`rel` is an installation file (made or replaced), lies in an installation folder, or is a
    folder holding one that exists (the root itself included: `rm -rf .`)."""
    if rel.rsplit("/", 1)[-1] in NAMES or rel in HOLDERS:
        return True
    for target in (*FILES, *FOLDERS):
        if rel == target:
            return True
        holder = rel in ("", ".") or target.startswith(rel + "/")
        if holder and os.path.lexists(os.path.join(root, target)):
            return True
    return any(rel.startswith(folder + "/") for folder in FOLDERS)


def _lexical(rel: str) -> bool:
    """`rel` names an installation file or lies in an installation folder, by name alone."""
    if rel.rsplit("/", 1)[-1] in NAMES or rel in FILES:
        return True
    return any(rel == f or rel.startswith(f + "/") for f in FOLDERS)


def _match(name: str, pattern: str) -> bool:
    """One path component against one glob component, as the shell matches it: a leading `.`
    is matched only by a leading `.` (every installation path starts with a dot folder or file,
    so `*` and `**` alone reach none of them)."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def _glob_reaches(rel: str) -> bool:
    """A glob that may match an installation file, or a folder holding one (component-wise)."""
    parts = [p for p in rel.split("/") if p]
    if parts and any(_match(name, parts[-1]) for name in NAMES):
        return True
    for target in (*FILES, *FOLDERS):
        names = target.split("/")
        if "**" in parts:
            cut = parts.index("**")
            fixed = parts[:cut]
            if (
                fixed
                and len(fixed) <= len(names)
                and all(_match(n, p) for p, n in zip(fixed, names, strict=False))
            ):
                return True
            continue
        own = parts[: len(names)] if target in FOLDERS else parts  # a file in the folder
        if len(own) <= len(names) and all(_match(n, p) for p, n in zip(own, names, strict=False)):
            return True
    return False


def installation_file(root: str, path: str, cwd: str) -> str | None:
    """The repository-relative path when writing `path` (as a tool or the shell analysis names
    it, from `cwd`) writes hook configuration `install` makes, or a folder holding it."""
    absolute = absolute_path(path, cwd)
    parent = _real_path(os.path.dirname(absolute))  # the link itself, not where it points
    spellings = [
        absolute,
        _real_path(absolute),
        os.path.join(parent, os.path.basename(absolute)),
    ]
    for candidate in dict.fromkeys(spellings):
        rel = _relative(root, candidate)
        if rel is None:
            continue
        if any(c in rel for c in _GLOB) and _glob_reaches(rel):
            return rel
        if _reaches(root, rel):
            return rel
    return None


def note(found: list[str] | None = None) -> str:
    """Why: appended to the harness's deny reason (for the paths `found`, when given: the
    instruction files' own reason for those that are only that)."""
    from workspace_guard.gates.harness import instruction_files
    from workspace_guard.i18n import _

    own = [rel for rel in found or () if not instruction_files.named(rel) or _lexical(rel)]
    if found and not own:
        return instruction_files.note()
    return _(
        "The hook configuration `workspace-guard install` writes in the repository "
        "(.claude/settings.json, .claude/settings.local.json, .codex/hooks.json, "
        ".codex/config.toml, .gemini/settings.json, .cursor/hooks.json, .clinerules/hooks/, "
        ".mcp.json, .workspace/bin/) and the start-up files the harnesses load (.env, .envrc, "
        ".gemini/.env, in any folder) decide whether the harnesses run the gate: no tool call "
        "may write them except a superuser's; a person runs `workspace-guard install` again."
    )

"""Where an MCP server is registered, and what that registration runs: how the harness gate knows
our server under any name (and a foreign program under ours).

Claude Code and Codex name an MCP call `mcp__<server>__<tool>` and say nothing about what the
server runs, so the gate reads the registrations those harnesses read: the project's `.mcp.json`
and `~/.claude.json` (user scope `mcpServers`, local scope `projects.<root>.mcpServers`) for Claude
Code, `.codex/config.toml` and `$CODEX_HOME/config.toml` (`[mcp_servers.<name>]`) for Codex,
`.gemini/settings.json` and `~/.gemini/settings.json`, `.cursor/mcp.json` and `~/.cursor/mcp.json`.
A server is ours when every registration of its name found there runs `mcp` of the program
`install` recorded (by file identity: mcp_program.py; coord.our_server); a name registered
nowhere the gate reads is ours only when it is our own name (a server the harness was given
another way, e.g. Claude Code's `--mcp-config`, keeps that rule: those sources are not read, and
Cline's MCP settings neither). Every source read here is refused to tool writes (install_files.py,
harness_settings.py). A registration source the gate cannot read (bad JSON or TOML) makes no
server ours: the call is judged as an unknown MCP tool (mcp_tools.classify), which fails closed.
"""

from __future__ import annotations

import functools
import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def registrations(cwd: str, server: str) -> list[tuple[object, object, object]] | None:
    """(command, args, cwd) of every registration of `server` in the sources the harnesses read
    for the project at `cwd` (a name registered in two scopes counts twice); None when one of
    the sources cannot be read."""
    root = _project_root(cwd)
    found: list[tuple[object, object, object]] = []
    for kind, path in _sources(root):
        entries = _entries(kind, path, root)
        if entries is None:
            return None
        found += [_command(entry) for name, entry in entries if name == server]
    return found


def _command(entry: object) -> tuple[object, object, object]:
    """(command, args, cwd) of one registration: `command` + `args` (stdio), nothing (a URL, or
    an `env` that changes which program or code runs: mcp_program.risky_env)."""
    from workspace_guard.gates.harness.mcp_program import risky_env

    if not isinstance(entry, dict) or risky_env(entry.get("env")):
        return None, None, None
    return entry.get("command"), entry.get("args"), entry.get("cwd")


def _project_root(cwd: str) -> str:
    """The worktree holding `cwd` (where the project's files are), else `cwd`."""
    from workspace_guard.speed import gitread

    found = gitread.locate(cwd) if os.path.isdir(cwd) else None
    return os.path.realpath(found[0] if found else cwd)


def _sources(root: str) -> list[tuple[str, str]]:
    home = os.path.expanduser("~")
    codex_home = os.environ.get("CODEX_HOME") or os.path.join(home, ".codex")
    return [
        ("json", os.path.join(root, ".mcp.json")),
        ("claude-user", os.path.join(home, ".claude.json")),
        ("toml", os.path.join(root, ".codex", "config.toml")),
        ("toml", os.path.join(codex_home, "config.toml")),
        ("json", os.path.join(root, ".gemini", "settings.json")),
        ("json", os.path.join(home, ".gemini", "settings.json")),
        ("json", os.path.join(root, ".cursor", "mcp.json")),
        ("json", os.path.join(home, ".cursor", "mcp.json")),
    ]


def _entries(kind: str, path: str, root: str) -> list[tuple[str, Any]] | None:
    """(name, registration) of one source ([] when the file is absent or names none; None
    when it cannot be read)."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    return _parsed(kind, path, root, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _parsed(
    kind: str, path: str, root: str, _mtime: int, _size: int
) -> list[tuple[str, Any]] | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        if kind == "toml":
            data = _toml(raw)
            scopes = [data.get("mcp_servers", {}) if isinstance(data, dict) else None]
        else:
            data = json.loads(raw)
            if not isinstance(data, dict):
                return None
            scopes = [data.get("mcpServers", {})]
            if kind == "claude-user":  # user scope, and the local scope of this project
                projects = data.get("projects")
                project = projects.get(root) if isinstance(projects, dict) else None
                scopes.append(project.get("mcpServers", {}) if isinstance(project, dict) else {})
    except (OSError, ValueError, ImportError):
        return None
    if not all(isinstance(scope, dict) for scope in scopes):
        return None
    return [(str(name), entry) for scope in scopes if scope for name, entry in scope.items()]


def _toml(raw: bytes) -> Any:
    """TOML as `tomllib` reads it (`tomli` on Python 3.10; neither: ImportError, unreadable)."""
    import importlib

    try:
        module = importlib.import_module("tomllib")
    except ImportError:  # Python 3.10
        module = importlib.import_module("tomli")
    return module.loads(raw.decode("utf-8"))

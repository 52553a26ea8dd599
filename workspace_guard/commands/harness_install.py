"""`install --claude` / `--harness NAME`: merge our hooks into each harness's project settings,
keeping every key and hook already there; idempotent; `uninstall` removes only ours.

Our entries are recognised by their command (`… workspace-guard hook <harness>`), so a moved
virtualenv is updated in place rather than duplicated.
"""

from __future__ import annotations

import json
import os
import sys

from workspace_guard import git
from workspace_guard.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CLAUDE_MATCHER = "Edit|Write|MultiEdit|NotebookEdit|Bash"
CODEX_MATCHER = "Bash|apply_patch|Edit|Write"
GEMINI_MATCHER = "write_file|replace|edit|run_shell_command"
CURSOR_EVENTS = ("preToolUse", "afterFileEdit", "afterShellExecution")
SETTINGS: dict[str, tuple[str, dict[str, str | None]]] = {
    "claude": (
        ".claude/settings.json",
        {"PreToolUse": CLAUDE_MATCHER, "PostToolUse": CLAUDE_MATCHER, "SubagentStart": None},
    ),
    "codex": (
        ".codex/hooks.json",
        {"PreToolUse": CODEX_MATCHER, "PostToolUse": CODEX_MATCHER},
    ),
    "gemini": (
        ".gemini/settings.json",
        {"BeforeTool": GEMINI_MATCHER, "AfterTool": GEMINI_MATCHER},
    ),
}
CURSOR_FILE = ".cursor/hooks.json"
CLINE_FILE = ".clinerules/hooks/PreToolUse"


def command(harness: str) -> str:
    """The absolute command a harness runs (our console script next to this interpreter)."""
    script = os.path.join(os.path.dirname(sys.executable), "workspace-guard")
    quoted = f'"{script}"' if " " in script else script
    return f"{quoted} hook {harness}"


def _ours(entry: Any, harness: str) -> bool:
    text = entry.get("command", "") if isinstance(entry, dict) else ""
    return isinstance(text, str) and "workspace-guard" in text and f"hook {harness}" in text


def _root(cwd: str) -> str:
    info = git.repo_info(cwd)
    if info.root is None:
        raise ConfigError("harness hooks belong in a repository with a working tree")
    return info.root


def _read(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except ValueError as exc:
        raise ConfigError(
            f"{path} is not valid JSON ({exc}); it was left unchanged",
            hint="fix the file, then install again",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object; it was left unchanged")
    return data


def _write(path: str, data: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def _merge_events(data: dict[str, Any], harness: str, events: dict[str, str | None]) -> bool:
    """Claude-shaped `hooks: {event: [{matcher, hooks: [{type, command}]}]}`; True if changed."""
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError("the settings' `hooks` is not an object; it was left unchanged")
    before = json.dumps(data, sort_keys=True)
    for event, matcher in events.items():
        groups = [g for g in hooks.get(event, []) if isinstance(g, dict)]
        for group in groups:
            group["hooks"] = [h for h in group.get("hooks", []) if not _ours(h, harness)]
        groups = [g for g in groups if g.get("hooks")]
        ours: dict[str, Any] = {
            "hooks": [{"type": "command", "command": command(harness), "timeout": 30}]
        }
        if matcher:
            ours = {"matcher": matcher, **ours}
        hooks[event] = [*groups, ours]
    return json.dumps(data, sort_keys=True) != before


def _remove_events(data: dict[str, Any], harness: str) -> bool:
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return False
    before = json.dumps(data, sort_keys=True)
    for event in list(hooks):
        groups = (
            [g for g in hooks[event] if isinstance(g, dict)]
            if isinstance(hooks[event], list)
            else []
        )
        for group in groups:
            group["hooks"] = [h for h in group.get("hooks", []) if not _ours(h, harness)]
        kept = [g for g in groups if g.get("hooks")]
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    if not hooks:
        del data["hooks"]
    return json.dumps(data, sort_keys=True) != before


def install(cwd: str, harness: str) -> list[tuple[str, str]]:
    """Install the hooks of one harness in the repository at `cwd`."""
    root = _root(cwd)
    if harness == "cursor":
        return [_cursor(os.path.join(root, CURSOR_FILE), install=True)]
    if harness == "cline":
        return [_cline(os.path.join(root, CLINE_FILE), install=True)]
    rel, events = SETTINGS[harness]
    path = os.path.join(root, rel)
    data = _read(path)
    if not _merge_events(data, harness, events):
        return [(path, "already installed")]
    _write(path, data)
    return [(path, f"{harness} hooks installed ({', '.join(events)})")]


def uninstall(cwd: str, harness: str) -> list[tuple[str, str]]:
    """Remove only our entries."""
    root = _root(cwd)
    if harness == "cursor":
        return [_cursor(os.path.join(root, CURSOR_FILE), install=False)]
    if harness == "cline":
        return [_cline(os.path.join(root, CLINE_FILE), install=False)]
    path = os.path.join(root, SETTINGS[harness][0])
    data = _read(path)
    if not _remove_events(data, harness):
        return [(path, "not installed")]
    if data:
        _write(path, data)
    else:
        os.remove(path)  # it held nothing but our hooks
    return [(path, f"{harness} hooks removed")]


def _cursor(path: str, *, install: bool) -> tuple[str, str]:
    """`.cursor/hooks.json`: `{"version": 1, "hooks": {"preToolUse": [{"command"}]}}`."""
    data = _read(path)
    hooks = data.setdefault("hooks", {})
    before = json.dumps(data, sort_keys=True)
    for event in CURSOR_EVENTS:
        entries = [e for e in hooks.get(event, []) if not _ours(e, "cursor")]
        if install:
            data.setdefault("version", 1)
            entries.append({"command": command("cursor")})
        if entries:
            hooks[event] = entries
        else:
            hooks.pop(event, None)
    if json.dumps(data, sort_keys=True) == before:
        return path, "already installed" if install else "not installed"
    _write(path, data)
    events = ", ".join(CURSOR_EVENTS)
    return path, f"cursor hooks installed ({events})" if install else "cursor hook removed"


def _cline(path: str, *, install: bool) -> tuple[str, str]:
    """`.clinerules/hooks/PreToolUse`: an executable that runs ours (a foreign one is kept)."""
    marker = "# workspace-guard-managed"
    exists = os.path.exists(path)
    mine = False
    if exists:
        with open(path, encoding="utf-8", errors="replace") as handle:
            mine = marker in handle.read()
    if not install:
        if exists and mine:
            os.remove(path)
            return path, "cline hook removed"
        return path, "not installed"
    if exists and not mine:
        raise ConfigError(
            f"{path} exists and is not ours; it was left unchanged",
            hint=f"call `{command('cline')}` from it yourself",
        )
    content = f"#!/bin/sh\n{marker}\nexec {command('cline')}\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, 0o755)
    return path, "cline hook installed (PreToolUse)"

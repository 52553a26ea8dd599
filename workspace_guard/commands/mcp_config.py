"""`.mcp.json`: register the workspace-guard MCP server for Claude Code (`install --claude`).

The file is committed and shared, so the command must resolve on every clone. Like the hook
launcher (`resources/launcher/wg-hook`) it runs the program `install` recorded for this machine in
the git common dir, else `workspace-guard` on PATH; `$WORKSPACE_GUARD` from the harness's
environment is honoured only when it names that very recorded file (anything else ends the launch
with exit 2: a program named in the environment is never run on its own say), and `PYTHON*`
variables are dropped before the program starts. Nothing found: exit 2 with a message, never 127.
Every other server in the file is kept.
"""

from __future__ import annotations

import json
import os

from workspace_guard.errors import ConfigError
from workspace_guard.i18n import _, json_reason, strerror

MCP_FILE = ".mcp.json"
SERVER = "workspace-guard"
SCRIPT = (
    'c=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null); p=""; '
    '[ -n "$c" ] && [ -r "$c/workspace-guard/program" ] && '
    'IFS= read -r p < "$c/workspace-guard/program"; '
    '[ -n "$p" ] && [ -x "$p" ] || p=""; '
    'if [ -n "${WORKSPACE_GUARD:-}" ]; then '
    '{ [ -n "$p" ] && [ "$WORKSPACE_GUARD" -ef "$p" ]; } || { '
    "echo \"workspace-guard mcp: WORKSPACE_GUARD names '$WORKSPACE_GUARD', which is not the "
    "workspace-guard \\`install\\` recorded for this repository on this machine${p:+ ($p)}: "
    'a program named in the environment is run only when it is that one (unset it)" >&2; '
    "exit 2; }; fi; "
    '[ -n "$p" ] || p=$(command -v workspace-guard 2>/dev/null) || p=""; '
    '[ -n "$p" ] && [ -x "$p" ] || { echo "workspace-guard mcp: workspace-guard was not found '
    '(run \\`workspace-guard install --claude\\` on this machine, or put it on PATH)" >&2; '
    "exit 2; }; "
    "for v in $(env | sed -n 's/^\\(PYTHON[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset \"$v\"; done; "
    'unset WORKSPACE_GUARD; exec "$p" mcp'
)


def entry() -> dict[str, object]:
    """Our server's entry in `mcpServers`."""
    return {"type": "stdio", "command": "sh", "args": ["-c", SCRIPT]}


def _read(path: str) -> dict[str, object]:
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            _("{path} is not valid JSON ({error}); not touching it").format(
                path=path,
                error=json_reason(exc) if isinstance(exc, ValueError) else strerror(exc),
            ),
            hint=_("fix or remove it, then run `workspace-guard install --claude` again"),
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(_("{path} is not a JSON object; not touching it").format(path=path))
    return data


def _write(path: str, data: dict[str, object]) -> None:
    from workspace_guard.state import announce

    announce.write_file(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def install(root: str) -> tuple[str, str]:
    """Add (or refresh) our server; idempotent."""
    path = os.path.join(root, MCP_FILE)
    data = _read(path)
    servers = data.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError(
            _("{path}: `mcpServers` is not an object; not touching it").format(path=path)
        )
    if servers.get(SERVER) == entry():
        return path, _("MCP server already registered")
    servers[SERVER] = entry()
    _write(path, data)
    return path, _("MCP server `{name}` registered (commit it)").format(name=SERVER)


def uninstall(root: str) -> tuple[str, str]:
    """Remove our server only (the file too when nothing else is left)."""
    path = os.path.join(root, MCP_FILE)
    data = _read(path)
    servers = data.get("mcpServers")
    if not isinstance(servers, dict) or SERVER not in servers:
        return path, _("MCP server not registered")
    del servers[SERVER]
    if not servers and set(data) == {"mcpServers"}:
        from workspace_guard.state import announce

        announce.remove_file(path)
    else:
        _write(path, data)
    return path, _("MCP server removed")


def registered(root: str) -> bool:
    """Whether `.mcp.json` has our server with the current command."""
    try:
        servers = _read(os.path.join(root, MCP_FILE)).get("mcpServers")
    except ConfigError:
        return False
    return isinstance(servers, dict) and servers.get(SERVER) == entry()

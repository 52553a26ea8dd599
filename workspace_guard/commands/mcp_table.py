"""The MCP server's handshake and listings as plain data, readable without the MCP SDK.

`mcp_prelude` answers `initialize` and the listings (tools, resources, prompts) from this table
while the SDK is still loading (the SDK costs ~0.8 s of CPU to import, and a client such as
Claude Code waits 5 s for a server's tools, then goes on without them). The SDK server is built
with the same descriptions, and `tests/test_mcp_start.py` checks that the SDK answers these
requests exactly as this table does, for every protocol version listed here: change a tool
there and here together.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SERVER_NAME = "workspace-guard"

# handshake-era protocol versions the prelude answers itself (the SDK echoes each of them);
# any other version, or a first message that is not `initialize`, goes straight to the SDK
HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")

CAPABILITIES: dict[str, Any] = {
    "prompts": {"listChanged": False},
    "resources": {"listChanged": False, "subscribe": False},
    "tools": {"listChanged": False},
}
SERVER_INFO: dict[str, Any] = {"name": SERVER_NAME, "version": ""}

DESCRIPTIONS = {
    "validate": "May AGENT change each path? The contract's validate JSON (reason one of "
    "superuser, office, owner, unprotected, approved, protected, claimed). Ask before every "
    "write.",
    "explain": "Which rule decides each path, its owner, backups, level, office and live claims.",
    "claim": "Claim paths or patterns for AGENT (yourself): other agents' writes there are "
    "denied until the claim ends or is released. A claim never grants a write the rules deny.",
    "release": "Release AGENT's claims on paths (or all of them, with everything=true).",
    "claims": "The live claims of every agent, in every worktree.",
    "consult": "File a consultation with the owners of paths AGENT may not change alone.",
    "briefing": "What AGENT is told at start: its office, its files, what it must not touch.",
}


def _text(title: str, default: str | None = None) -> dict[str, Any]:
    field: dict[str, Any] = {"title": title, "type": "string"}
    if default is not None:
        field = {"default": default, **field}
    return field


def _flag(title: str) -> dict[str, Any]:
    return {"default": False, "title": title, "type": "boolean"}


PATHS: dict[str, Any] = {"items": {"type": "string"}, "title": "Paths", "type": "array"}
AGENT = _text("Agent")

# tool name -> (properties, required), in the order the tools are listed
_ARGUMENTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "validate": ({"agent": AGENT, "paths": PATHS}, ["agent", "paths"]),
    "explain": ({"paths": PATHS}, ["paths"]),
    "claim": (
        {
            "agent": AGENT,
            "note": _text("Note", ""),
            "paths": PATHS,
            "shared": _flag("Shared"),
            "ttl": _text("Ttl", "30m"),
        },
        ["agent", "paths"],
    ),
    "release": (
        {
            "agent": AGENT,
            "everything": _flag("Everything"),
            "paths": {
                "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                "default": None,
                "title": "Paths",
            },
        },
        ["agent"],
    ),
    "claims": ({}, []),
    "consult": (
        {"agent": AGENT, "paths": PATHS, "reason": _text("Reason", "")},
        ["agent", "paths"],
    ),
    "briefing": ({"agent": AGENT}, ["agent"]),
}


def _tool(name: str) -> dict[str, Any]:
    properties, required = _ARGUMENTS[name]
    schema: dict[str, Any] = {"properties": properties}
    if required:
        schema["required"] = required
    schema.update(title=f"{name}Arguments", type="object")
    output = {"additionalProperties": True, "title": f"{name}DictOutput", "type": "object"}
    return {
        "description": DESCRIPTIONS[name],
        "inputSchema": schema,
        "name": name,
        "outputSchema": output,
    }


def tools() -> list[dict[str, Any]]:
    """The `tools/list` result's tools, as the SDK lists them."""
    return [_tool(name) for name in _ARGUMENTS]


RESOURCES: list[dict[str, Any]] = [
    {
        "description": "The rules as committed at the trusted revision.",
        "mimeType": "application/yaml",
        "name": "rules",
        "uri": "workspace-guard://rules",
    },
    {
        "description": "The live claims (JSON).",
        "mimeType": "application/json",
        "name": "live_claims",
        "uri": "workspace-guard://claims",
    },
]


def listing(method: str) -> dict[str, Any] | None:
    """The result of a listing request the table answers (its first page), else None."""
    if method == "tools/list":
        return {"tools": tools()}
    if method == "resources/list":
        return {"resources": RESOURCES}
    if method == "prompts/list":
        return {"prompts": []}
    if method == "resources/templates/list":
        return {"resourceTemplates": []}
    return None


def initialize_result(version: str) -> dict[str, Any]:
    """The `initialize` result for a client asking for `version` (one of HANDSHAKE_VERSIONS)."""
    return {"capabilities": CAPABILITIES, "protocolVersion": version, "serverInfo": SERVER_INFO}

"""A tiny stdio MCP server of our own with a filesystem-style write tool (`write_file`) and a
write tool the gate cannot know (`save_note`, its path in `where`), for the real-client tests:
newline-delimited JSON-RPC, no SDK, nothing but what the CLIs call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TOOLS = [
    {
        "name": "write_file",
        "description": "Write CONTENT to the file at PATH.",
        "inputSchema": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
    {
        "name": "save_note",
        "description": "Save the note TEXT where asked.",
        "inputSchema": {
            "type": "object",
            "properties": {"where": {"type": "string"}, "text": {"type": "string"}},
            "required": ["where", "text"],
        },
    },
]


def _answer(request: dict[str, Any]) -> dict[str, Any] | None:
    method, params = request.get("method"), request.get("params") or {}
    if "id" not in request:
        return None  # a notification
    result: dict[str, Any]
    if method == "initialize":
        result = {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "fs", "version": "1.0"},
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call" and params.get("name") == "write_file":
        args = params.get("arguments") or {}
        Path(args["path"]).write_text(args["content"])
        result = {"content": [{"type": "text", "text": f"wrote {args['path']}"}]}
    elif method == "tools/call" and params.get("name") == "save_note":
        args = params.get("arguments") or {}
        Path(args["where"]).write_text(args["text"])
        result = {"content": [{"type": "text", "text": f"saved {args['where']}"}]}
    elif method in ("resources/list", "prompts/list", "resources/templates/list"):
        key = method.split("/")[0] if "templates" not in method else "resourceTemplates"
        result = {key: []}
    else:
        return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "no"}}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = _answer(json.loads(line))
        if reply is not None:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

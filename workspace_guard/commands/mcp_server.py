"""`workspace-guard mcp`: a stdio MCP server exposing the protocol to agents (official `mcp` SDK,
the optional extra `workspace-guard[mcp]`).

Agents speak MCP natively; asking "may I write this?" as a tool call is what they do instead of
shelling out to a validator they might skip. Identity: a call to `claim`, `release` or `consult`
passes through the harness's PreToolUse like any tool, and the harness gate refuses one whose
`agent` is not the caller's (gates/harness/coord). Read-only tools answer for any agent.
"""

from __future__ import annotations

import os
from typing import Any  # at run time: the SDK reads the tools' annotations for their schemas

from workspace_guard.commands import mcp_table
from workspace_guard.commands import mcp_tools as tools
from workspace_guard.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

SERVER_NAME = mcp_table.SERVER_NAME


def _server_class() -> Any:
    """MCPServer (SDK 2.x), else FastMCP (1.x): the same decorators either way."""
    try:
        from mcp.server import MCPServer

        return MCPServer
    except ImportError:
        pass
    try:
        from mcp.server.fastmcp import FastMCP  # type: ignore[attr-defined,unused-ignore]

        return FastMCP
    except ImportError as exc:
        from workspace_guard.i18n import _

        raise ConfigError(
            _("the MCP server needs the `mcp` package (the official MCP Python SDK)"),
            hint=_("install it: {command}").format(command="pip install 'workspace-guard[mcp]'"),
        ) from exc


def _repo(cwd: str) -> Repo:
    from workspace_guard.repo import Repo

    return Repo.discover(cwd)


def build(cwd: str | None = None) -> Any:
    """The server with its tools and resources, for the repository at `cwd`."""
    where = os.path.abspath(cwd or os.getcwd())
    server = _server_class()(SERVER_NAME)

    def validate(agent: str, paths: list[str]) -> dict[str, Any]:
        """May AGENT change each path? The contract's validate JSON (reason one of superuser,
        office, owner, unprotected, approved, protected, claimed). Ask before every write."""
        return tools.answer(lambda: tools.validate(_repo(where), agent, paths))

    def explain(paths: list[str]) -> dict[str, Any]:
        """Which rule decides each path, its owner, backups, level, office and live claims."""
        return tools.answer(lambda: tools.explain(_repo(where), paths))

    def claim(
        agent: str, paths: list[str], ttl: str = "30m", shared: bool = False, note: str = ""
    ) -> dict[str, Any]:
        """Claim paths or patterns for AGENT (yourself): other agents' writes there are denied
        until the claim ends or is released. A claim never grants a write the rules deny."""
        return tools.answer(
            lambda: tools.claim(_repo(where), agent, paths, ttl=ttl, shared=shared, note=note)
        )

    def release(
        agent: str, paths: list[str] | None = None, everything: bool = False
    ) -> dict[str, Any]:
        """Release AGENT's claims on paths (or all of them, with everything=true)."""
        return tools.answer(
            lambda: tools.release(_repo(where), agent, list(paths or []), everything)
        )

    def claims() -> dict[str, Any]:
        """The live claims of every agent, in every worktree."""
        return tools.answer(lambda: tools.claims(_repo(where)))

    def consult(agent: str, paths: list[str], reason: str = "") -> dict[str, Any]:
        """File a consultation with the owners of paths AGENT may not change alone."""
        return tools.answer(lambda: tools.consult(_repo(where), agent, paths, reason))

    def briefing(agent: str) -> dict[str, Any]:
        """What AGENT is told at start: its office, its files, what it must not touch."""
        return tools.answer(lambda: tools.briefing(_repo(where), agent))

    def rules() -> str:
        """The rules as committed at the trusted revision."""
        return tools.rules_text(_repo(where))

    def live_claims() -> str:
        """The live claims (JSON)."""
        import json

        return json.dumps(tools.answer(lambda: tools.claims(_repo(where))), ensure_ascii=False)

    for tool in (validate, explain, claim, release, claims, consult, briefing):
        server.tool(description=mcp_table.DESCRIPTIONS[tool.__name__])(tool)
    for entry, read in zip(mcp_table.RESOURCES, (rules, live_claims), strict=True):
        server.resource(
            entry["uri"],
            name=entry["name"],
            description=entry["description"],
            mime_type=entry["mimeType"],
        )(read)
    return server


def _sdk_present() -> None:
    from importlib.util import find_spec

    if find_spec("mcp") is None:
        _server_class()  # raises the ConfigError that says how to install it


def _serve_sdk(server: Any, stdin: Any, stdout: Any) -> None:
    """The SDK's own stdio transport and server loop, on the prelude's streams."""
    import anyio
    from mcp.server.stdio import stdio_server

    low = getattr(server, "_lowlevel_server", None) or server._mcp_server

    async def main() -> None:
        async with stdio_server(anyio.wrap_file(stdin), anyio.wrap_file(stdout)) as streams:
            await low.run(*streams, low.create_initialization_options())

    anyio.run(main)


def run(cwd: str | None = None) -> int:
    """Serve on stdin/stdout until the client closes the session (mcp_prelude: the
    handshake is answered while the SDK loads)."""
    from workspace_guard.commands import mcp_prelude

    where = os.path.abspath(cwd or os.getcwd())
    _sdk_present()
    _repo(where).decider()  # fail early on unusable rules
    mcp_prelude.serve(lambda: build(where), _serve_sdk)
    return 0

"""`workspace-guard mcp`: the stdio MCP server."""

from __future__ import annotations

import click


@click.command()
def command() -> int:
    """Serve the protocol to agents over MCP (stdio): validate, explain, claim, release,
    claims, consult, briefing; resources workspace-guard://rules and workspace-guard://claims.

    Needs the `mcp` package: pip install 'workspace-guard[mcp]'.
    """
    from workspace_guard.commands.mcp_server import run

    return run()

"""`workspace-guard demo`"""

from __future__ import annotations

import click


@click.command()
@click.option("--keep", metavar="DIR", help="Build the workspace in DIR and keep it afterwards.")
def command(keep: str | None) -> int:
    """Show the whole protocol, layer by layer, on a throwaway workspace (real git, real hooks)."""
    from workspace_guard.commands import demo

    return demo.run(keep)

"""`workspace-guard demo [--keep DIR]`: the whole protocol, layer by layer, on a throwaway
workspace (real git, real hooks). The show itself lives in the `demo` package."""

from __future__ import annotations

from workspace_guard.demo import run as show


def run(keep: str | None) -> int:
    """Play the demo; with `keep`, build the workspace in that folder and leave it there."""
    return show.main(keep)

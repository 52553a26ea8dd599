"""`workspace-guard hook NAME …` as seen by `--help` (the hooks themselves run without click)."""

from __future__ import annotations

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument(
    "name",
    type=click.Choice(
        ["commit-msg", "pre-commit", "pre-receive", "claude", "codex", "gemini", "cursor", "cline"]
    ),
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(name: str, args: tuple[str, ...]) -> int:
    """What git and agent harnesses call: commit-msg FILE, pre-commit, pre-receive (stdin),
    claude/codex/gemini/cursor/cline (the harness's JSON event on stdin)."""
    from workspace_guard.hooks_entry import hook_main

    return hook_main([name, *args])

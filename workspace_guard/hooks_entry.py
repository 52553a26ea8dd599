"""`workspace-guard hook …`: what installed git hooks and agent harnesses run (no click)."""

from __future__ import annotations

from collections.abc import Sequence

from workspace_guard.errors import UsageError

HOOKS = ("commit-msg", "pre-commit", "pre-receive", "claude", "codex", "gemini", "cursor", "cline")


def hook_main(args: Sequence[str]) -> int:
    """Dispatch to one hook; every hook owns its error policy (harness hooks fail closed)."""
    from workspace_guard.boundary import guarded

    def run() -> int:
        if not args or args[0] not in HOOKS:
            raise UsageError(
                f"unknown hook {args[0] if args else ''!r}", hint=f"hooks: {', '.join(HOOKS)}"
            )
        raise UsageError(f"the {args[0]} hook is not available in this version")

    return guarded(run)

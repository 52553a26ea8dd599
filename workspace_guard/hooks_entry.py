"""`workspace-guard hook …`: what installed git hooks and agent harnesses run (no click).

Git hooks map errors to exit codes like every command (a broken rules file refuses the commit:
fail closed). Harness hooks speak their harness's protocol and fail closed too
(see gates/harness/gate).
"""

from __future__ import annotations

import os

from workspace_guard.errors import GuardError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

GIT_HOOKS = ("commit-msg", "pre-commit", "pre-receive", "reference-transaction", "pre-push")
HARNESS_HOOKS = ("claude", "codex", "gemini", "cursor", "cline")
HOOKS = GIT_HOOKS + HARNESS_HOOKS


def hook_main(args: Sequence[str]) -> int:
    """Dispatch to one hook."""
    from workspace_guard.boundary import guarded

    name = args[0] if args else ""
    if name in HARNESS_HOOKS:
        from workspace_guard.gates.harness.gate import harness_main

        return harness_main(name, list(args[1:]))
    return guarded(lambda: _git_hook(name, list(args[1:])))


def _git_hook(name: str, args: list[str]) -> int:
    from workspace_guard.argparsing import parse

    if name not in GIT_HOOKS:
        raise UsageError(f"unknown hook {name!r}", hint=f"hooks: {', '.join(HOOKS)}")
    positionals, opts = parse(args, {"--rules": None}, f"workspace-guard hook {name} …")
    from workspace_guard.gates.commit import hooks as commit
    from workspace_guard.repo import Repo

    repo = None
    try:
        repo = Repo.discover(rules_option=opts.get("--rules"))
        if name == "commit-msg":
            if len(positionals) != 1:
                raise UsageError(
                    "the commit-msg hook takes the message file",
                    hint="workspace-guard hook commit-msg .git/COMMIT_EDITMSG",
                )
            return commit.commit_msg_hook(repo, os.path.join(repo.cwd, positionals[0]))
        if name == "pre-commit":
            return commit.pre_commit_hook(repo)
        if name in ("reference-transaction", "pre-push"):
            import sys

            from workspace_guard.gates.push import local

            data = sys.stdin.buffer.read()
            if name == "pre-push":
                return local.pre_push(repo, positionals[0] if positionals else "", data)
            return local.reference_transaction(repo, positionals[0] if positionals else "", data)
        from workspace_guard.gates.push.range import pre_receive_hook

        return pre_receive_hook(repo)
    except GuardError as exc:
        from_head = repo is not None and not repo.rules_option and bool(repo.info.rules_blob)
        return commit.fail_closed(exc, name, committed_rules=from_head)

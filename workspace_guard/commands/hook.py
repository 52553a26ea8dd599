"""`workspace-guard hook NAME …`: what installed git hooks run (harness hooks: `entry.hook_main`).

A git hook maps errors to exit codes like every command, but says what it refused and how to get
out: a broken rules file refuses the commit (fail closed), and when the broken file is the one
committed at HEAD, the hint says how to commit the fix.
"""

from __future__ import annotations

import os

from workspace_guard.entry import GIT_HOOKS, HOOKS
from workspace_guard.errors import UsageError

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from workspace_guard.entry import Values
    from workspace_guard.errors import GuardError
    from workspace_guard.repo import Repo


def main(values: Values) -> int:
    """Run one git hook with the values the hook table parsed."""
    name: str = values["name"] or ""
    if name not in GIT_HOOKS:
        from workspace_guard.i18n import _, choose_for_workspace

        choose_for_workspace(os.getcwd())  # no rules are loaded yet: speak as `--help` does
        raise UsageError(
            _("unknown hook {name!r}").format(name=name),
            hint=_("hooks: {names}").format(names=", ".join(HOOKS)),
        )
    from workspace_guard.boundary import guarded

    found: list[Repo] = []

    def refuse(exc: GuardError) -> int:
        from workspace_guard.gates.commit.hooks import fail_closed
        from workspace_guard.i18n import choose_for_workspace

        choose_for_workspace(os.getcwd())  # a refusal before the rules chose: the workspace's
        repo = found[0] if found else None
        from_head = repo is not None and not repo.rules_option and bool(repo.info.rules_blob)
        return fail_closed(exc, name, committed_rules=from_head)

    return guarded(lambda: run(name, values["args"], values["rules"], found), refuse=refuse)


# One commit runs pre-commit, commit-msg and reference-transaction, each a process of its own:
# only commit-msg (the one that always reads the rules) says where they were read from
# (`Repo.notes`: an upstream without rules yet, no upstream at all; the working-tree copy).
QUIET_NOTES = ("pre-commit", "reference-transaction")


def run(name: str, args: list[str], rules: str | None, found: list[Repo]) -> int:
    """Discover the repository (kept in `found` for the refusal message) and run the hook."""
    from workspace_guard.gates.commit import hooks as commit
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    found.append(repo)
    repo.quiet = name in QUIET_NOTES
    if name == "commit-msg":
        if len(args) != 1:
            from workspace_guard.i18n import _, choose_for_workspace

            choose_for_workspace(repo.cwd)
            raise UsageError(
                _("the commit-msg hook takes the message file"),
                hint=_("for example: {command}").format(
                    command="workspace-guard hook commit-msg .git/COMMIT_EDITMSG"
                ),
            )
        return commit.commit_msg_hook(repo, os.path.join(repo.cwd, args[0]))
    if name == "pre-commit":
        return commit.pre_commit_hook(repo)
    if name in ("reference-transaction", "pre-push"):
        import sys

        from workspace_guard.gates.push import local

        data = sys.stdin.buffer.read()
        first = args[0] if args else ""
        if name == "pre-push":
            return local.pre_push(repo, first, data)
        from workspace_guard.gates.push import server_moves

        if server_moves.server_role():  # the shared repository's refs (ATTACK F88)
            return server_moves.check(repo, first, data)
        code = local.reference_transaction(repo, first, data)
        if first == "prepared" and code == 0:  # commits made without commit-msg (cherry-pick…)
            from workspace_guard.gates.commit.rewrite import prepare_notes

            prepare_notes(repo, data)
        if first == "committed":  # the provenance note of a commit just made (gates/commit)
            from workspace_guard.gates.commit.provenance import attach_notes

            attach_notes(repo, data)
        return code
    if name == "post-rewrite":  # amend and rebase: notes for the rewritten commits
        import sys

        from workspace_guard.gates.commit.rewrite import post_rewrite

        return post_rewrite(repo, sys.stdin.buffer.read())
    from workspace_guard.gates.push.range import pre_receive_hook

    return pre_receive_hook(repo)

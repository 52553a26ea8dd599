"""The gate's Bash door: from the analysis of a command to the repository paths it may write.

The analysis (``gates/harness/bash``) is pure; this module adds what needs the repository:
tracked paths for globs and directories (matched by the analysis's own :func:`could_write`),
git's answer for commands that rewrite the work tree (``worktree_ops``), the
``harness: unknown_code`` policy, and the refusals that need no path at all (a command too large
or unparsable, a hook bypass). See docs/bash-analysis.md.
"""

from __future__ import annotations

import os

from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from workspace_guard.core.decide import Decider
    from workspace_guard.gates.harness.bash import Analysis, Target
    from workspace_guard.repo import Repo

    _Inside = Callable[[str], str | None]

DEFAULT_UNKNOWN_CODE = "paths"
# Target kinds the analysis gives code it cannot read ("any file"); `unknown_code: allow`
# drops them.
_UNKNOWN_CODE_KINDS = frozenset(
    {
        "dynamic-command",
        "dynamic-output",
        "eval",
        "interpreter",
        "stdin-script",
        "git-exec",
        "script-written-here",
    }
)
# ... and `unknown_code: paths` (the default) drops a command named by a variable from the
# harness's environment (`$PAGER file`, `"$PYTHON" -m pytest`): its arguments are judged like an
# unknown command's, its name is not "every file" (harness shells start each call afresh, so no
# earlier call can have set it). A variable this command assigns or reads stays "any file".
_PATHS_POLICY_DROPS = frozenset({"dynamic-command"})


class ShellJudgement(Record):
    """What the gate needs from a Bash command: paths to decide, words to add, a refusal."""

    paths: tuple[str, ...]  # repository-relative
    note: str  # added to a denial's reason
    refusal: str  # non-empty: deny the command whatever its paths
    self_cli: str = ""  # the gate's own CLI under a resolved name: the verb (superusers only)


def judge(
    repo: Repo,
    decider: Decider,
    agent: str,
    command: str,
    *,
    cwd: str,
    inside: _Inside,
    skip: Callable[[str], bool] | None = None,
) -> ShellJudgement:
    """Analyse ``command`` (run in ``cwd``) for ``agent``; ``inside(path)`` is the gate's
    repository-relative path (None outside the repository)."""
    from workspace_guard.gates.harness.command_size import oversize

    detail = oversize(command)
    if detail:  # refused unread: the analysis is not even loaded, no path to name
        return ShellJudgement((), "", too_large(detail))
    from workspace_guard.gates.harness.bash import ANY_PATH, analyze
    from workspace_guard.gates.harness.git_commands import expand

    analysis, git_notes = expand(repo, analyze(command, cwd))  # `git ALIAS`, `git lfs`…
    policy = (decider.rules.harness or {}).get("unknown_code", DEFAULT_UNKNOWN_CODE)
    refusal = _refusal(analysis, policy, agent in decider.rules.superusers)
    from workspace_guard.gates.harness import computed_targets
    from workspace_guard.gates.harness.path_identity import spelled_targets

    targets = list(analysis.targets)
    restored = _restored_paths(analysis, inside)
    if restored is not None:  # git said which named paths differ: those, not every one named
        targets = [t for t in targets if t.kind not in _RESTORE_KINDS]
    if agent not in decider.rules.superusers:  # `cp F $(echo .git)/config` (ATTACK F99)
        targets, unknown = computed_targets.known(targets, command, cwd)
        unknown += computed_targets.listed(analysis.findings, inside, command)  # `$(grep -l P DIR)`
        if unknown:
            refusal = " ".join(filter(None, [refusal, computed_targets.refusal(unknown)]))
    # `app/main.py.`, `'app\main.py'`, `APP~1` under Git Bash: judged as Windows opens them too
    targets = spelled_targets(targets, cwd)
    targets = [t for t in targets if skip is None or not skip(t.path)]
    dropped = _UNKNOWN_CODE_KINDS if policy == "allow" else frozenset()
    dropped = _PATHS_POLICY_DROPS if policy == DEFAULT_UNKNOWN_CODE else dropped
    targets = [t for t in targets if not (t.path == ANY_PATH and t.kind in dropped)]
    tracked = _Tracked(repo)
    paths = _target_paths(repo, [*targets], inside, tracked)
    worktree, note = _worktree_paths(analysis, inside, tracked)
    paths += restored or []
    from workspace_guard.gates.harness.trusted_refs import rules_ref_writes

    rules, ref_note = rules_ref_writes(repo, analysis)
    if not refusal:
        from workspace_guard.gates.harness.state_refs import refusal as state_refusal

        refusal = state_refusal(repo, analysis)
    if not refusal:  # git writing the shared repository on this machine (ATTACK F88)
        from workspace_guard.gates.harness.server_repos import refusal as server_refusal

        refusal = server_refusal(repo, analysis, agent in decider.rules.superusers)
    from workspace_guard.gates.harness.bash.linkmakers import note as made_here

    made = made_here(analysis.targets)  # a link made earlier in the command (F102, F105)
    note = " ".join(n for n in (note, ref_note, made, *dict.fromkeys(git_notes)) if n)
    from workspace_guard.gates.harness.bash.syntax import SELF_CLI

    verbs = [finding.detail for finding in analysis.of_kind(SELF_CLI)]
    found = tuple(dict.fromkeys([*paths, *worktree, *rules]))
    return ShellJudgement(found, note, refusal, self_cli=verbs[0] if verbs else "")


class _Tracked:
    """The tracked paths, listed once per call and only when a glob or directory needs them."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._paths: list[str] | None = None

    def all(self) -> list[str]:
        if self._paths is None:
            from workspace_guard import git

            self._paths = git.ls_files(self.repo.root)
        return list(self._paths)


def _target_paths(
    repo: Repo, targets: list[Target], inside: _Inside, tracked: _Tracked
) -> list[str]:
    """Repository paths of the targets: a glob or a directory covers every tracked path it
    could reach (the analysis's :func:`could_write`, directories above included)."""
    from workspace_guard.gates.harness.bash import ANY_PATH, could_write
    from workspace_guard.gates.harness.disk_links import linked_paths

    out: list[str] = []
    for target in targets:
        if target.path == ANY_PATH:
            out += tracked.all()
            continue
        out += linked_paths(target, repo.root, tracked.all, inside)  # links made earlier
        if target.glob:
            root = repo.root
            out += [p for p in tracked.all() if could_write(target, os.path.join(root, p))]
            continue
        rel = inside(target.path)
        if rel is None:
            continue
        if rel:
            out.append(rel)
        if rel == "" or os.path.isdir(os.path.join(repo.root, rel)):
            prefix = rel + "/" if rel else ""
            out += [p for p in tracked.all() if p.startswith(prefix)]
    return out


def _worktree_paths(
    analysis: Analysis, inside: _Inside, tracked: _Tracked
) -> tuple[list[str], str]:
    """Paths git says each work-tree command would change; every tracked path where it cannot."""
    from workspace_guard.gates.harness.bash.syntax import GIT_WORKTREE
    from workspace_guard.gates.harness.worktree_ops import changed_paths
    from workspace_guard.i18n import _, ngettext

    out: list[str] = []
    notes: list[str] = []
    for finding in analysis.of_kind(GIT_WORKTREE):
        changed = changed_paths(finding)
        if changed is None and finding.detail.startswith(("apply_patch", "applypatch")):
            out += tracked.all()
            notes.append(
                _(
                    "(`{command}`: the patch is not in the command (a file may change between "
                    "this check and its use; a pipe or an expansion is only known when it runs), "
                    "so it counts as changing every file; give the patch as text in the "
                    "command: apply_patch <<'EOF' … EOF)"
                ).format(command=finding.detail[:120])
            )
            continue
        if changed is None and finding.detail.startswith(("git apply", "git am")):
            out += tracked.all()
            notes.append(
                _(
                    "(`{command}`: the patch is not in the command (a file may change between "
                    "this check and its use; a pipe or an expansion is only known when it runs), "
                    "so it counts as changing every file; give the patch as text in the "
                    "command: git apply <<'EOF' … EOF)"
                ).format(command=finding.detail[:120])
            )
            continue
        if changed is None:
            out += tracked.all()
            notes.append(
                _(
                    "(`{command}`: which files it changes cannot be known before it runs, so it "
                    "counts as changing every file; fetch first, then merge or switch to a named "
                    "ref, which can be checked)"
                ).format(command=finding.detail[:120])
            )
            continue
        rels = [rel for rel in (inside(p) for p in changed) if rel]
        out += rels
        if rels and finding.args[:1] == ("pull",):
            notes.append(
                ngettext(
                    "(`{command}`: what a pull brings from the configured remote cannot be known "
                    "without the network, and it passed the server's gate; it is judged by the "
                    "{count} local change it would carry along or overwrite. Commit or stash "
                    "it first, or ask its owner)",
                    "(`{command}`: what a pull brings from the configured remote cannot be known "
                    "without the network, and it passed the server's gate; it is judged by the "
                    "{count} local changes it would carry along or overwrite. Commit or stash "
                    "them first, or ask their owner)",
                    len(rels),
                ).format(command=finding.detail[:120], count=len(rels))
            )
        elif rels:
            notes.append(
                ngettext(
                    "(`{command}` would change {count} file in the work tree)",
                    "(`{command}` would change {count} files in the work tree)",
                    len(rels),
                ).format(command=finding.detail[:120], count=len(rels))
            )
    return out, " ".join(notes)


# Targets named by commands that put files back (`git checkout -- P`, `git restore P`, `git stash
# push -- P`): git knows which of them differ, so the gate asks it (`_restored_paths`) and, when
# every such command could be asked, decides what git answered instead of what was named.
_RESTORE_KINDS = frozenset({"git-checkout", "git-restore", "git-stash"})


def _restored_paths(analysis: Analysis, inside: _Inside) -> list[str] | None:
    """Repository paths the command's restores would rewrite; None when git cannot say for one
    of them (an argument known only at run time): then the named paths are decided."""
    from workspace_guard.gates.harness.bash.syntax import GIT_RESTORE
    from workspace_guard.gates.harness.worktree_ops import changed_paths

    out: list[str] = []
    for finding in analysis.of_kind(GIT_RESTORE):
        changed = changed_paths(finding)
        if changed is None:
            return None
        out += [rel for rel in (inside(p) for p in changed) if rel]
    return out


def too_large(detail: str) -> str:
    """The refusal of a command over the size limit (`command_size.py`)."""
    from workspace_guard.i18n import _

    return _(
        "The command is too large to check ({detail}): split it, or write file contents "
        "with the Write tool."
    ).format(detail=detail)


def _refusal(analysis: Analysis, policy: str, superuser: bool) -> str:
    """Why the command is refused whatever it writes, or ""."""
    from workspace_guard.gates.harness.bash.syntax import (
        BYPASS,
        HARNESS_CLI,
        TOO_LARGE,
        UNKNOWN_CODE,
        UNPARSABLE,
    )
    from workspace_guard.i18n import _

    reasons = [too_large(finding.detail) for finding in analysis.of_kind(TOO_LARGE)]
    for finding in analysis.of_kind(UNPARSABLE)[:1]:
        reasons.append(
            _(
                "The command could not be parsed ({detail}), and a command the gate cannot read "
                "is refused: rewrite it in plain shell."
            ).format(detail=finding.detail)
        )
    from workspace_guard.gates.harness.bypass_reasons import bypass_reason

    seen: set[str] = set()
    for finding in analysis.of_kind(BYPASS):
        cls = finding.args[0] if finding.args else ""
        if cls not in seen and len(seen) < 3:
            seen.add(cls)
            reasons.append(bypass_reason(finding))
    for finding in analysis.of_kind(HARNESS_CLI)[:1] if not superuser else ():
        reasons.append(
            _(
                "The command starts an agent harness ({detail}): its hooks would judge its "
                "calls as the rules' main agent, or as the agent its --agent flag names, not as "
                "you. Only a superuser starts agents; ask the escalation agent."
            ).format(detail=finding.detail)
        )
    unknown = analysis.of_kind(UNKNOWN_CODE)
    if unknown and policy == "deny" and not superuser:
        reasons.append(
            _(
                "The command runs code the gate cannot read ({detail}), and the rules say "
                "`harness: unknown_code: deny`: ask a superuser to run it, or edit files with "
                "the Edit/Write tools."
            ).format(detail=unknown[0].detail)
        )
    return " ".join(reasons)

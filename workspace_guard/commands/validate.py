"""`agent_workspace_validator` / `workspace-guard validate`: the decision for each path, in the
protocol's voice, before an agent touches a file. This is a hot path: no click, no YAML on a cache
hit, one git exec."""

from __future__ import annotations

import os
import sys

from workspace_guard.core.decide import Decider, stricter
from workspace_guard.core.record import replace
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, UsageError

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from workspace_guard.core.claims import ClaimSet
    from workspace_guard.core.model import Approval, Decision
    from workspace_guard.entry import Values
    from workspace_guard.repo import Repo


SYMLINK_NOTE = {
    "link": "{path} is a symlink to {target}; both were decided and the link's answer is the "
    "stricter",
    "target": "{path} is a symlink to {target}; both were decided and the target's answer is the "
    "stricter",
}


def read_paths_from(source: str) -> list[str]:
    """`--paths-from FILE|-`: NUL-separated when the data has a NUL, else one path per line."""
    from workspace_guard.i18n import _, strerror

    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise UsageError(
            _("cannot read --paths-from {source}: {error}").format(
                source=source, error=strerror(exc)
            )
        ) from exc
    sep = "\0" if b"\0" in data else "\n"
    text = data.decode("utf-8", "surrogateescape")  # the separators are never part of a character
    items = text.split(sep)
    if sep == "\n" and "\r" in text:
        items = [item.rstrip("\r") for item in items]
    return [item for item in items if item.strip(ASCII_SPACE)]


ASCII_SPACE = " \t\n\r\x0b\x0c"  # what `bytes.strip` strips: a name of only these is no name


def decide_paths(
    repo: Repo,
    agent: str,
    paths: Iterable[str],
    *,
    approved_by: str | None = None,
    approvals: Sequence[Approval] = (),
) -> list[Decision]:
    """Decide every user-supplied path; a symlink is decided as link and target, stricter wins."""
    rels, verdicts = decide_shared(
        repo, agent, list(paths), approved_by=approved_by, approvals=approvals
    )
    return _per_path(rels, verdicts)


def decide_shared(
    repo: Repo,
    agent: str,
    paths: Sequence[str],
    *,
    approved_by: str | None = None,
    approvals: Sequence[Approval] = (),
) -> tuple[list[str], list[Decision]]:
    """The repository-relative paths and, for each, its decision — shared between paths with the
    same verdict (`Decider.shared_verdicts`): 100,000 paths make a handful of objects. Errors
    come in the plain order: unknown agent, unknown approver, then the first bad path."""
    from workspace_guard.speed.bulk import linked, relative_many

    decider = repo.decider()
    decider.check_agent(agent)
    if approved_by is not None:
        decider.check_agent(approved_by)
    rels = relative_many(paths, repo.root, repo.cwd, repo.relative)
    # `approved_by` is only checked to name an agent: the decision takes recorded approvals,
    # never the word on the command line (run, `_unrecorded`, says where it was not honoured)
    verdicts = decider.shared_verdicts(agent, rels, approvals, None)
    from workspace_guard.core.casefold import stricter_by_case
    from workspace_guard.core.record import replace

    for index, folded in stricter_by_case(decider, agent, rels, approvals).items():
        verdicts[index] = replace(folded, via="case")  # `App/Main.py` is `app/main.py` (F81)
    for index in linked(repo.root, rels):
        rel = rels[index]
        target = repo.link_target(rel)
        if target is not None:
            own = verdicts[index]
            own = own if own.path == rel else own.for_path(rel)
            verdicts[index] = _via_link(decider, own, target, approvals, None)
    _config_included(repo, agent, rels, verdicts)
    from workspace_guard.state.claims import live

    claims = live(repo.state_dir)
    if claims:
        _apply_claims(rels, verdicts, claims)
    return rels, verdicts


def _config_included(repo: Repo, agent: str, rels: Sequence[str], verdicts: list[Decision]) -> None:
    """A file git's configuration includes is git's configuration: refused like `.git/config`
    to every agent (gates/harness/gitdir.include_targets)."""
    from workspace_guard.gates.harness.gitdir import config_includes, include_denial

    targets = frozenset(config_includes(repo))
    if not targets:
        return
    escalation = repo.decider().rules.escalation
    for index, rel in enumerate(rels):
        if os.path.realpath(os.path.join(repo.root, rel)) in targets:
            verdicts[index] = include_denial(agent, rel, escalation)


def _apply_claims(rels: Sequence[str], verdicts: list[Decision], claims: ClaimSet) -> None:
    """`core.claims.apply` for each path, in place; a shared verdict is copied only for a path
    that a claim blocks, so the rest keep sharing it."""
    from workspace_guard.core.claims import apply

    for index, rel in enumerate(rels):
        verdict = verdicts[index]
        if not verdict.allowed:
            continue
        if verdict.path == rel:
            verdicts[index] = apply(verdict, claims)
        elif claims.blocking(verdict.agent, rel) is not None:
            verdicts[index] = apply(verdict.for_path(rel), claims)


def _result_json(decision: Decision) -> dict[str, Any]:
    return decision.to_json()


def _per_path(rels: Sequence[str], verdicts: Sequence[Decision]) -> list[Decision]:
    """Each path's own `Decision` from the shared verdicts."""
    return [v if v.path == rel else v.for_path(rel) for rel, v in zip(rels, verdicts, strict=True)]


def _via_link(
    decider: Decider,
    decision: Decision,
    target: str,
    approvals: Sequence[Approval],
    approved_by: str | None,
) -> Decision:
    """A symlink's decision: the link's and the target's, the stricter one."""
    via_target = decider.decide(decision.agent, target, approvals, approved_by)
    winner = stricter([decision, via_target])
    # The answer is about the path that was asked (results line up with the input); the rule,
    # owner and level are those of whichever side was stricter.
    return replace(
        winner,
        path=decision.path,
        via="link" if winner is decision else "target",
        target=target,
    )


def main(values: Values) -> int:
    """The command as the front door calls it (`entry.VALIDATE` declares the values)."""
    from workspace_guard.i18n import _

    usage = _("usage: {prog} {usage}").format(prog=values["prog"], usage=values["usage"])
    if not values["agent"]:
        raise UsageError(_("no agent given"), hint=usage)
    if not values["paths"] and values["paths_from"] is None:
        raise UsageError(_("no path given"), hint=usage)
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=values["rules"])
    return run(
        repo,
        values["agent"],
        values["paths"],
        paths_from=values["paths_from"],
        approved_by=values["approved_by"],
        fmt=values["format"],
    )


def run(
    repo: Repo,
    agent: str,
    paths: Sequence[str],
    *,
    paths_from: str | None = None,
    approved_by: str | None = None,
    fmt: str = "text",
) -> int:
    """The command: print each decision; exit 0 when every path is allowed, 1 otherwise."""
    every = list(paths) + (read_paths_from(paths_from) if paths_from else [])
    if not every:
        from workspace_guard.i18n import _

        usage = _("usage: {prog} {usage}").format(
            prog="agent_workspace_validator", usage="AGENT PATH…"
        )
        raise UsageError(_("no path given"), hint=usage)
    from workspace_guard.speed.bulk import distinct
    from workspace_guard.state.approvals import live_approvals

    approvals = live_approvals(repo.state_dir)
    rels, verdicts = decide_shared(repo, agent, every, approved_by=approved_by, approvals=approvals)
    unrecorded = _unrecorded(agent, approved_by, approvals, rels, verdicts)
    kinds = distinct(verdicts)
    allowed = all(v.allowed for v in kinds)
    if fmt == "json":
        from workspace_guard.speed.bulk import render_results

        head: dict[str, Any] = {"agent": agent, "allowed": allowed}
        if approved_by is not None:
            head["approved_by"] = {
                "approver": approved_by,
                "honoured": not unrecorded,
                "unrecorded": unrecorded[:MAX_NAMED],
            }
        print(render_results(head, verdicts, rels, _result_json))
    else:
        from workspace_guard.i18n import _
        from workspace_guard.messages import decision_text

        lines = []  # one write, not one per path (100,000 paths print 200,000 lines)
        for decision in _per_path(rels, verdicts):
            lines.append(decision_text(decision))
            if decision.via == "config":
                from workspace_guard.gates.harness.gitdir import include_note

                lines.append("   " + include_note(decision.path))
            elif decision.via == "case":
                from workspace_guard.core.casefold import case_note

                lines.append("   " + case_note(decision.path, decision.rule))
            elif decision.target is not None:
                note = _(SYMLINK_NOTE[decision.via or "link"])
                lines.append("   " + note.format(path=decision.path, target=decision.target))
        print("\n".join(lines))
    _warn_uncommitted_elsewhere(repo, rels)
    if not allowed:
        from itertools import compress

        from workspace_guard.state.audit import record_shared

        refused = {id(v) for v in kinds if not v.allowed}
        denied = [id(v) in refused for v in verdicts]
        paths, shared = list(compress(rels, denied)), list(compress(verdicts, denied))
        record_shared(repo.state_dir, "validator", "denied", paths, shared)
    return EXIT_OK if allowed else EXIT_VIOLATION


MAX_NAMED = 20  # paths named where `--approved-by` was not honoured


def _unrecorded(
    agent: str,
    approved_by: str | None,
    approvals: Sequence[Approval],
    rels: Sequence[str],
    verdicts: Sequence[Decision],
) -> list[str]:
    """The protected paths for which `--approved-by X` was not honoured: the provenance ledger
    holds no live approval by X for `agent` covering them (the word on a command line grants
    nothing, as `Aprobado-por` at commit). Their decisions were made without it (`decide_shared`)
    and a warning says why."""
    if approved_by is None:
        return []
    from workspace_guard.core.decide import _covers

    mine = [a.path for a in approvals if a.approver == approved_by and a.agent == agent]
    found: list[str] = []
    for rel, verdict in zip(rels, verdicts, strict=True):
        if verdict.reason not in ("protected", "approved"):
            continue
        if not any(_covers(path, rel) for path in mine):
            found.append(rel)
    if found:
        from workspace_guard.i18n import _

        text = _(
            "workspace-guard: --approved-by {approver} is not honoured for {paths}: the "
            "provenance ledger records no live approval by {approver} for {agent} there, so the "
            "answer is the one without it; an approval is recorded by the approver itself "
            "(`workspace-guard approve {agent} PATH --by {approver}`, run by {approver})"
        )
        shown = ", ".join(found[:MAX_NAMED]) + (" …" if len(found) > MAX_NAMED else "")
        print(text.format(approver=approved_by, paths=shown, agent=agent), file=sys.stderr)
    return found


def _warn_uncommitted_elsewhere(repo: Repo, rels: Sequence[str]) -> None:
    """A warning (never a denial) for each path another worktree of the repository has modified
    and not committed: two agents are about to make changes that will collide. Costs nothing
    without linked worktrees; with them, each other worktree's index is read in process
    (speed/worktree_index: no git process for a file path it can decide). A failure while
    looking gives no warning, as in the harness gate (gates/harness/elsewhere.py)."""
    from workspace_guard import git
    from workspace_guard.errors import GuardError
    from workspace_guard.speed import worktree_index

    info = repo.info
    if info.root is None:
        return
    try:
        others = git.other_worktrees(info.common_dir, info.root)
    except (GuardError, OSError, ValueError):
        return
    if not others:
        return
    from workspace_guard.i18n import _

    asked = set(rels)
    for tree in others:
        try:
            changed = worktree_index.uncommitted(tree, rels)
        except (GuardError, OSError, ValueError):
            continue
        for path in sorted(asked & changed):
            repo.warn(
                _(
                    "{path} is modified and not committed in the worktree {worktree}: another "
                    "agent may be changing it; agree who does (`workspace-guard claim`) before "
                    "you edit it"
                ).format(path=path, worktree=tree)
            )

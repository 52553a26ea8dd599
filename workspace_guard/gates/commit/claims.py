"""Claims at commit time: a staged path under another agent's live exclusive claim is refused
(`claimed`), and after a commit the committing agent's claims on what it committed end."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision
    from workspace_guard.core.template import Violation
    from workspace_guard.repo import Repo


def claimed_violations(
    repo: Repo, decider: Decider, agent: str, paths: Sequence[str]
) -> tuple[list[Violation], list[Decision]]:
    """One `claimed` violation (and its decision, for the audit) per staged path another agent
    holds. The decision is the claim's, on top of whatever the rules said."""
    from workspace_guard.state.claims import live

    claims = live(repo.state_dir)
    if not claims:
        return [], []
    from workspace_guard.core.claims import apply
    from workspace_guard.core.model import Decision
    from workspace_guard.core.template import Violation
    from workspace_guard.messages import claim_lines

    violations, decisions = [], []
    for path in paths:
        if claims.blocking(agent, path) is None:
            continue
        base = Decision(agent, path, True, "unprotected", escalation=decider.rules.escalation)
        rule = decider.governing_rule(path)
        if rule is not None:
            base = Decision(
                agent,
                path,
                True,
                "unprotected",
                rule.owner,
                rule.backup,
                rule.level,
                rule,
                decider.rules.escalation,
            )
        held = apply(base, claims)
        violations.append(Violation("claimed", " ".join(claim_lines(held)), path))
        decisions.append(held)
    return violations, decisions


def release_after_commit(repo: Repo, agent: str | None) -> None:
    """The commit is accepted: the agent's plain-path claims on what it commits end (unless
    made with --keep-after-commit). Costs nothing when the agent holds no such claim."""
    if agent is None:
        return
    from workspace_guard.state.claims import ClaimsCorrupt, live

    try:
        held = [c for c in live(repo.state_dir).claims if c.agent == agent]
    except ClaimsCorrupt:
        return  # the commit was checked against the claims already; doctor reports the file
    if not any(c.release_on_commit for c in held):
        return
    from workspace_guard.commands.claims import release_committed
    from workspace_guard.gates.commit.hooks import staged_paths

    release_committed(repo, agent, staged_paths(repo))

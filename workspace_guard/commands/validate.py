"""`agent_workspace_validator` / `workspace-guard validate`: the decision for each path, in the
protocol's voice, before an agent touches a file. This is a hot path: no click, no YAML on a cache
hit, one git exec."""

from __future__ import annotations

import sys

from workspace_guard.core.decide import Decider, stricter
from workspace_guard.core.record import replace
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

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
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read --paths-from {source}: {exc.strerror}") from exc
    sep = b"\0" if b"\0" in data else b"\n"
    items = [item.rstrip(b"\r") if sep == b"\n" else item for item in data.split(sep)]
    return [item.decode("utf-8", "surrogateescape") for item in items if item.strip()]


def decide_paths(
    repo: Repo,
    agent: str,
    paths: Iterable[str],
    *,
    approved_by: str | None = None,
    approvals: Sequence[Approval] = (),
) -> list[Decision]:
    """Decide every user-supplied path; a symlink is decided as link and target, stricter wins."""
    decider = repo.decider()
    decider.check_agent(agent)
    if approved_by is not None:
        decider.check_agent(approved_by)
    results = []
    for raw in paths:
        rel = repo.relative(raw)
        results.append(
            _decide_one(repo, decider, agent, rel, approved_by=approved_by, approvals=approvals)
        )
    from workspace_guard.core.claims import apply_all
    from workspace_guard.state.claims import live

    return apply_all(results, live(repo.state_dir))


def _decide_one(
    repo: Repo,
    decider: Decider,
    agent: str,
    rel: str,
    *,
    approved_by: str | None,
    approvals: Sequence[Approval],
) -> Decision:
    decision = decider.decide(agent, rel, approvals, approved_by)
    target = repo.link_target(rel)
    if target is None:
        return decision
    via_target = decider.decide(agent, target, approvals, approved_by)
    winner = stricter([decision, via_target])
    # The answer is about the path that was asked (results line up with the input); the rule,
    # owner and level are those of whichever side was stricter.
    return replace(winner, path=rel, via="link" if winner is decision else "target", target=target)


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
        raise UsageError("no path given", hint="agent_workspace_validator AGENT PATH…")
    from workspace_guard.state.approvals import live_approvals

    decisions = decide_paths(
        repo, agent, every, approved_by=approved_by, approvals=live_approvals(repo.state_dir)
    )
    allowed = all(d.allowed for d in decisions)
    if fmt == "json":
        import json

        payload = {"agent": agent, "allowed": allowed, "results": [d.to_json() for d in decisions]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        from workspace_guard.i18n import _
        from workspace_guard.messages import decision_text

        for decision in decisions:
            print(decision_text(decision))
            if decision.target is not None:
                print(
                    "   "
                    + _(SYMLINK_NOTE[decision.via or "link"]).format(
                        path=decision.path, target=decision.target
                    )
                )
    if not allowed:
        from workspace_guard.state.audit import record_denials

        record_denials(repo, "validator", [d for d in decisions if not d.allowed], "denied")
    return EXIT_OK if allowed else EXIT_VIOLATION

"""A HEAD move to commits nobody judged is an edit of the protected paths they change.

The baseline follows HEAD, so switching branches is never mistaken for an edit. But a commit
made with allowed plumbing (`hash-object -w`, `update-index --cacheinfo`, `commit-tree`: no ref
moves, no hook runs) and then checked out — by a script, an MCP git tool, `git checkout
--detach` — would put any bytes into a protected file with the daemon following along. So when
HEAD moves while there is a trusted ref, the commits HEAD now has that the trusted revision and
the heads already accepted do not (`git rev-list HEAD ^TRUSTED ^ACCEPTED…`) are checked with the
push gate's own checker (template and ownership, merges by their own change), and a commit
touching a protected path must name an agent the rules know (the template skips `fixup!`,
`squash!`, `amend!` and `Revert "…"` subjects; a skip is no reason to follow). Where one fails,
the protected paths its own change touches keep their previous accepted content in the
baseline: the next rescan finds the file differing from it — a violation like any edit,
recorded and, with `--restore`, put back. One `detected` record (`change: unjudged_head`) names
the head, the failing commits and the paths.

Without a trusted ref (no upstream yet: HEAD itself decides the rules), this check is off: any
commit can change the rules there, so there is nothing to judge the commits against.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.gates.watch.baseline import Baseline, Entry, Protection
    from workspace_guard.gates.watch.trusted import Seen

log = logging.getLogger("workspace_guard.watch")
MAX_COMMITS = 2000  # judged per HEAD move (newest first); beyond, the rest are logged as unjudged
KEEP_ACCEPTED = 32


class Judged:
    """Heads accepted so far, and the pins of heads that were not (one engine's)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.pins: dict[str, dict[str, Entry | None]] = {}  # head → path → accepted entry

    def apply(
        self,
        root: str,
        repo: Any,
        rules: Rules,
        baseline: Baseline,
        *,
        seen: Seen | None,
        previous: Baseline | None,
        protection: Protection,
    ) -> dict[str, Any] | None:
        """Pin what unjudged commits changed; the audit record to append (None: nothing new)."""
        head = baseline.head
        if seen is None or seen.ref is None or seen.commit is None:
            return None
        if head in self.pins:
            _pin(baseline, self.pins[head])
            return None
        if head == seen.commit or head in self.accepted:
            return None
        excluded = [f"^{seen.commit}", *(f"^{h}" for h in self.accepted[-KEEP_ACCEPTED:])]
        failed, paths = _judge(root, repo, rules, [head, *excluded])
        if not paths:
            self._accept(head)
            return None
        if previous is not None and previous.head != head:
            reference = previous.entries
        else:
            from workspace_guard.gates.watch.baseline import load_baseline

            reference = load_baseline(
                root, seen.commit, protection, ".workspace/rules.yaml"
            ).entries
        pins = {path: reference.get(path) for path in paths}
        self.pins[head] = pins
        _pin(baseline, pins)
        log.error(
            "HEAD moved to %s, whose commits %s fail the push gate's checks: %s keep their "
            "accepted content (a change there is a violation)",
            head[:12],
            ", ".join(c[:12] for c in failed[:5]),
            ", ".join(sorted(paths)[:5]),
        )
        return {
            "layer": "watch",
            "action": "detected",
            "agent": None,
            "path": sorted(paths)[0],
            "owner": None,
            "level": "critical",
            "escalate_to": rules.escalation,
            "change": "unjudged_head",
            "detected_by": "head",
            "head": head,
            "commits": failed[:20],
            "paths": sorted(paths)[:100],
        }

    def _accept(self, head: str) -> None:
        self.accepted.append(head)
        del self.accepted[:-KEEP_ACCEPTED]


def _judge(root: str, repo: Any, rules: Rules, rev_args: list[str]) -> tuple[list[str], set[str]]:
    """(failing commits, the protected paths their own changes touch)."""
    from workspace_guard.gates.push.range import Checker, walk

    checker = Checker(repo, rules)
    failed: list[str] = []
    paths: set[str] = set()
    count = 0
    for commit in walk(root, [f"--max-count={MAX_COMMITS}", *rev_args]):
        count += 1
        result = checker.check(commit)
        # a protected change needs a known agent, whatever the template skips (`fixup!`,
        # `Revert "…"` with `Agente: nobody`): the push gate's skips are no reason to follow
        unknown = result.agent is None or result.agent not in rules.agents
        if (result.violations or unknown) and result.touched:
            failed.append(result.sha)
            paths.update(path for path, _rule in result.touched)
    if count >= MAX_COMMITS:
        log.error(
            "HEAD moved past more than %d unjudged commits: only the newest were judged", count
        )
    return failed, paths


def _pin(baseline: Baseline, pins: dict[str, Entry | None]) -> None:
    for path, entry in pins.items():
        if entry is None:
            baseline.entries.pop(path, None)
        else:
            baseline.entries[path] = entry

"""Claims (pure): "agent A is working on these paths until T", checked by every layer.

A live exclusive claim by A denies every other agent's write to the paths it covers (reason
`claimed`); a shared claim only tells others someone is there. A claim never grants: it turns an
allowed decision into a denial, never the reverse. Claims arrive as data (state/claims reads
them); this module only matches and decides.
"""

from __future__ import annotations

from workspace_guard.core.record import Record, replace

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from workspace_guard.core.model import Decision

GLOB_CHARS = ("*", "?")


class Claim(Record):
    """One claim: `pattern` is anchored at the repository root (CODEOWNERS syntax, e.g.
    `/app/main.py`, `/app/api/`, `/app/**/*.py`)."""

    id: str
    agent: str
    pattern: str
    until: float  # epoch seconds
    shared: bool = False
    note: str = ""
    created: float = 0.0
    worktree: str = ""  # the working tree the claim was made in (shown, not enforced)
    release_on_commit: bool = True

    def live(self, now: float) -> bool:
        """Not expired at `now`."""
        return self.until > now

    def to_json(self) -> dict[str, object]:
        """The object stored in the claims file and printed by `claims --format json`."""
        return {
            "id": self.id,
            "agent": self.agent,
            "pattern": self.pattern,
            "until": self.until,
            "shared": self.shared,
            "note": self.note,
            "created": self.created,
            "worktree": self.worktree,
            "release_on_commit": self.release_on_commit,
        }


def is_glob(pattern: str) -> bool:
    """A pattern with wildcards (it must match something when claimed)."""
    return any(char in pattern for char in GLOB_CHARS)


def anchored(rel: str, directory: bool) -> str:
    """The claim pattern of a repository-relative path (a directory ends in `/`)."""
    body = rel.strip("/")
    return "/" + body + ("/" if directory else "")


class ClaimSet:
    """Live claims with their patterns compiled; build once per call, ask per path."""

    def __init__(self, claims: Iterable[Claim], now: float) -> None:
        self.now = now
        self.claims = [claim for claim in claims if claim.live(now)]
        self._tests: list[Callable[[str], bool]] | None = None

    def __bool__(self) -> bool:
        return bool(self.claims)

    def covering(self, path: str) -> list[Claim]:
        """Every live claim whose pattern covers `path` (repository-relative, normalised)."""
        if not self.claims:
            return []
        if self._tests is None:
            self._tests = [claim_test(claim.pattern) for claim in self.claims]
        return [c for c, test in zip(self.claims, self._tests, strict=True) if test(path)]

    def blocking(self, agent: str, path: str) -> Claim | None:
        """The live exclusive claim of another agent on `path` (the one expiring last)."""
        found = [c for c in self.covering(path) if not c.shared and c.agent != agent]
        return max(found, key=lambda c: c.until) if found else None

    def others(self, agent: str, path: str) -> list[Claim]:
        """Live claims of other agents on `path`, shared or exclusive."""
        return [c for c in self.covering(path) if c.agent != agent]


def claim_test(pattern: str) -> Callable[[str], bool]:
    """Whether a claim pattern covers a path: what `pattern_regex(pattern).fullmatch` answers,
    by string comparison for a plain anchored path (`/a/b`, `/a/b/`: what `claim` writes), so a
    call compiles no regex (~70 µs each in a fresh process) for them."""
    body = pattern[1:]
    plain = (
        pattern.startswith("/")
        and body.strip("/")
        and not body.startswith("/")
        and "//" not in body
        and "\\" not in body
        and not is_glob(body)
    )
    if plain and body.endswith("/"):
        return lambda path: len(path) > len(body) and path.startswith(body)
    if plain:
        under = body + "/"
        return lambda path: path == body or (len(path) > len(under) and path.startswith(under))
    from workspace_guard.core.patterns import pattern_regex

    regex = pattern_regex(pattern)
    return lambda path: regex.fullmatch(path) is not None


def apply(decision: Decision, claims: ClaimSet) -> Decision:
    """An allowed decision becomes `claimed` when another agent holds the path; a denial stays
    (it already needs more than the claim's end)."""
    if not decision.allowed or not claims:
        return decision
    claim = claims.blocking(decision.agent, decision.path)
    if claim is None and decision.target is not None:
        claim = claims.blocking(decision.agent, decision.target)
    if claim is None:
        return decision
    return replace(
        decision,
        allowed=False,
        reason="claimed",
        claimed_by=claim.agent,
        claim_until=claim.until,
        claim_id=claim.id,
    )


def apply_all(decisions: Sequence[Decision], claims: ClaimSet) -> list[Decision]:
    """`apply` for each decision."""
    if not claims:
        return list(decisions)
    return [apply(d, claims) for d in decisions]


def conflicts(
    agent: str, shared: bool, pattern: str, paths: Sequence[str], existing: Iterable[Claim]
) -> list[Claim]:
    """Other agents' live claims a new claim would collide with: exclusive against anything,
    shared against exclusive. `paths` are the files the new pattern covers now; a plain-path
    claim of another agent that the new pattern covers collides too."""
    from workspace_guard.core.patterns import pattern_regex

    mine = pattern_regex(pattern)
    out = []
    for other in existing:
        if other.agent == agent or (shared and other.shared):
            continue
        theirs = pattern_regex(other.pattern)
        plain = other.pattern.strip("/")
        if (
            any(theirs.fullmatch(p) for p in paths)
            or (not is_glob(other.pattern) and mine.fullmatch(plain))
            or _nested(pattern, other.pattern)
        ):
            out.append(other)
    return out


def _nested(first: str, second: str) -> bool:
    """Two plain directory or file claims where one lies inside the other."""
    if is_glob(first) or is_glob(second):
        return False
    a, b = first.rstrip("/") + "/", second.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)

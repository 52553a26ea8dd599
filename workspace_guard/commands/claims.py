"""`claim`, `release` and `claims`: an agent says which paths it is working on.

The claiming agent is the acting agent: the harness gate refuses a `claim --agent X` run by any
other subagent (gates/harness/coord), and the command itself believes `--agent` /
WORKSPACE_AGENT only under the rule `approve --by` follows (commands/speaker, `speaking_agent`):
the harness gate saw that agent run this very command, or a person types it at a terminal. A
script naming an agent — an agent's own code the gate cannot read — is refused and audited,
since a release for the owner would lift the owner's claim. A claim only restricts others; it
never grants a write the rules deny.
"""

from __future__ import annotations

import math
import os
import secrets
import time

from workspace_guard.core.claims import Claim, anchored, conflicts, is_glob
from workspace_guard.errors import Denied, UsageError
from workspace_guard.i18n import _, ngettext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from workspace_guard.repo import Repo

AGENT_ENV = "WORKSPACE_AGENT"
DEFAULT_TTL = 30 * 60.0
MAX_TTL = 7 * 86400.0
UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_ttl(text: str | None) -> float:
    """`--ttl`: 90s, 30m, 8h, 2d, or seconds; positive, finite and at most 7 days."""
    if text is None:
        return DEFAULT_TTL
    raw = text.strip().lower()
    unit = UNITS.get(raw[-1:], 0.0)
    number = raw[:-1] if unit else raw
    try:
        seconds = float(number) * (unit or 1.0)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_TTL:
        raise UsageError(
            _(
                "--ttl {ttl!r} is not a usable duration: a claim must expire, after more than zero "
                "seconds and within 7 days"
            ).format(ttl=text),
            hint=_("use e.g. 90s, 30m, 8h or 2d"),
        )
    return seconds


def claiming_agent(repo: Repo, agent: str | None) -> str:
    """`--agent`, else WORKSPACE_AGENT; both given and different is refused."""
    env = os.environ.get(AGENT_ENV, "").strip() or None
    if agent and env and agent != env:
        raise UsageError(
            _("--agent {agent} but {env}={actor}: an agent claims only for itself").format(
                agent=agent, env=AGENT_ENV, actor=env
            )
        )
    who = agent or env
    if not who:
        raise UsageError(
            _("no claiming agent"), hint=_("pass --agent AGENT or set {env}").format(env=AGENT_ENV)
        )
    repo.decider().check_agent(who)
    return who


def speaking_agent(
    repo: Repo, agent: str | None, verb: str, action: dict[str, Any] | None = None
) -> str:
    """The claiming agent of a `claim`/`release` command line (`claiming_agent`), believed only
    when it is the one speaking (commands/speaker.identify: an `authorise` record the harness
    gate left for exactly this invocation — `action`, default the running command's
    (commands/invocation) — or a person at a terminal); `Denied` and audited otherwise. The
    harness's record is spent (a `spoken` ledger record)."""
    from workspace_guard.commands.invocation import current
    from workspace_guard.commands.speaker import identify, spend

    who = claiming_agent(repo, agent)
    how = identify(
        repo,
        who,
        action or current(),
        f"`{verb} --agent`",
        layer="identity",
        hint=_(
            "{agent} runs it itself through its harness (`workspace-guard {verb} … --agent "
            "{agent}`, nothing else in the command), or a person runs it at a terminal"
        ).format(agent=who, verb=verb),
    )
    spend(repo, who, how, verb)
    return who


SERVICE_PREFIX = "service:"


def service_identity(repo: Repo, name: str, agent: str | None) -> str:
    """`--as-service NAME`: the claims holder `service:NAME`, for a script that no harness runs
    and no person types (a CI job, cron). The name must be one of the rules' `harness:
    services` (committed, so no agent adds one); the process must have no harness in its
    environment or up its parent chain (commands/speaker); `--agent` / WORKSPACE_AGENT with it is
    a usage error. A service is never an agent: its claims restrict every agent, it releases
    only its own, it breaks none. Refused: exit 1, audited (`layer: identity`)."""
    from workspace_guard.commands.speaker import harness_ancestor, harness_env

    if agent:
        raise UsageError(_("--as-service and --agent name two speakers: give one"))
    services = repo.decider().rules.harness.get("services") or []
    if name not in services or SERVICE_PREFIX + name in repo.decider().rules.agents:
        _service_denied(repo, name, "unknown")
        raise Denied(
            _("{name} is not a service of the rules (`harness: services`)").format(name=name),
            hint=_("a superuser adds it to `harness: services:` in the rules and commits them"),
        )
    harness = ", ".join(harness_env()) or harness_ancestor()
    if harness:
        _service_denied(repo, name, "harness")
        raise Denied(
            _(
                "--as-service is for scripts no agent harness runs, and this one runs under a "
                "harness ({harness})"
            ).format(harness=harness),
            hint=_("an agent claims as itself: `workspace-guard claim PATH… --agent AGENT`"),
        )
    return SERVICE_PREFIX + name


def _service_denied(repo: Repo, name: str, why: str) -> None:
    from workspace_guard.state.audit import append

    record = {
        "layer": "identity",
        "agent": os.environ.get(AGENT_ENV) or None,
        "path": None,
        "owner": SERVICE_PREFIX + name,
        "level": None,
        "action": "denied",
        "escalate_to": repo.decider().rules.escalation,
        "claimed_by": SERVICE_PREFIX + name,
        "command": "`--as-service`",
        "why": why,
    }
    append(repo.state_dir, [record])


def claim(
    repo: Repo,
    agent: str,
    targets: Sequence[str],
    *,
    ttl: float,
    shared: bool = False,
    note: str = "",
    release_on_commit: bool = True,
) -> list[Claim]:
    """Record the claims (all or none); `Denied` naming the holder when another agent's claim
    is in the way."""
    if not targets:
        usage = _("usage: {prog} {usage}").format(
            prog="workspace-guard claim", usage="PATH… --agent AGENT"
        )
        raise UsageError(_("no path given"), hint=usage)
    now = time.time()
    wanted = [_pattern(repo, raw) for raw in targets]
    tracked = _files(repo) if any(is_glob(p) for p, _d in wanted) else []
    new = []
    for pattern, raw in wanted:
        covered = _covered(pattern, tracked, raw)
        new.append(
            (_new_claim(repo, agent, pattern, now + ttl, shared, note, release_on_commit), covered)
        )

    def change(current: list[Claim]) -> list[Claim]:
        kept = list(current)
        for fresh, covered in new:
            clash = conflicts(agent, shared, fresh.pattern, covered, kept)
            if clash:
                raise _taken(fresh, clash[0])
            kept = [c for c in kept if not (c.agent == agent and c.pattern == fresh.pattern)]
            kept.append(fresh)
        return kept

    from workspace_guard.state.claims import update

    claims = [fresh for fresh, _covered in new]
    update(repo.state_dir, change, lambda: _records(repo, [(c, "claimed") for c in claims]))
    return claims


def _pattern(repo: Repo, raw: str) -> tuple[str, str]:
    """(the anchored claim pattern, the argument as given); paths outside the repository are
    refused by `repo.relative`."""
    rel = repo.relative(raw)
    directory = raw.endswith("/") or os.path.isdir(os.path.join(repo.root, rel))
    return anchored(rel, directory and not is_glob(rel)), raw


def _files(repo: Repo) -> list[str]:
    """Tracked and untracked (not ignored) files: what a pattern can name now."""
    from workspace_guard import git

    out = git.run(["ls-files", "-z", "-co", "--exclude-standard", "--full-name"], repo.root)
    return git.zsplit(out.stdout)


def _covered(pattern: str, files: list[str], raw: str) -> list[str]:
    """The files a glob pattern covers now (none is an error); a plain path covers itself."""
    if not is_glob(pattern):
        return [pattern.strip("/")]
    from workspace_guard.core.patterns import pattern_regex

    regex = pattern_regex(pattern)
    found = [f for f in files if regex.fullmatch(f)]
    if not found:
        raise UsageError(
            _("the pattern {raw!r} ({pattern}) matches no file of the repository").format(
                raw=raw, pattern=pattern
            ),
            hint=_("claim existing files, a directory, or a new file by its plain path"),
        )
    return found


def _new_claim(  # noqa: PLR0917 - one call site, the fields of a claim in order
    repo: Repo,
    agent: str,
    pattern: str,
    until: float,
    shared: bool,
    note: str,
    release_on_commit: bool,
) -> Claim:
    return Claim(
        id=secrets.token_hex(4),
        agent=agent,
        pattern=pattern,
        until=until,
        shared=shared,
        note=note,
        created=time.time(),
        worktree=repo.root,
        release_on_commit=release_on_commit,
    )


def _taken(fresh: Claim, holder: Claim) -> Denied:
    kind = _("a shared") if holder.shared else _("an exclusive")
    return Denied(
        _(
            "{path} is already claimed: {holder} holds {kind} claim on {pattern} until {until}"
            "{note}"
        ).format(
            path=fresh.pattern,
            holder=holder.agent,
            kind=kind,
            pattern=holder.pattern,
            until=when(holder.until),
            note=f" ({holder.note})" if holder.note else "",
        ),
        hint=_(
            "coordinate with {holder}, wait for the claim to end, or claim with --shared "
            "when you only read"
        ).format(holder=holder.agent),
    )


def when(until: float) -> str:
    """An expiry as people read it (local time)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(until))


def release(
    repo: Repo,
    agent: str,
    targets: Sequence[str],
    *,
    everything: bool = False,
    force: bool = False,
) -> list[Claim]:
    """Drop `agent`'s claims on `targets` (or all of them). With `force` a superuser breaks
    another agent's claims on `targets` (audited as `broken`)."""
    if not targets and not everything:
        raise UsageError(_("name the paths to release, or --all"))
    if force and agent not in repo.decider().rules.superusers:
        raise Denied(
            _("{agent} may not break other agents' claims: only a superuser may").format(
                agent=agent
            ),
            hint=_("ask {escalation}").format(escalation=repo.decider().rules.escalation),
        )
    patterns = {_pattern(repo, raw)[0] for raw in targets}
    dropped: list[Claim] = []

    def change(current: list[Claim]) -> list[Claim]:
        kept = []
        for claim in current:
            mine = claim.agent == agent or force
            if mine and (everything or _names(claim, patterns)):
                dropped.append(claim)
            else:
                kept.append(claim)
        return kept

    from workspace_guard.state.claims import update

    def records() -> list[dict[str, Any]]:
        actions = [(c, "broken" if c.agent != agent else "released") for c in dropped]
        return _records(repo, actions, agent)

    update(repo.state_dir, change, records)
    return dropped


def _names(claim: Claim, patterns: set[str]) -> bool:
    """A release names a claim by its pattern, or by a path the claim's pattern covers."""
    if claim.pattern in patterns or claim.pattern.rstrip("/") in {p.rstrip("/") for p in patterns}:
        return True
    from workspace_guard.core.patterns import pattern_regex

    regex = pattern_regex(claim.pattern)
    return any(not is_glob(p) and regex.fullmatch(p.strip("/")) for p in patterns)


def release_committed(repo: Repo, agent: str, paths: Sequence[str]) -> list[Claim]:
    """After `agent`'s commit: drop its plain-path claims (kept only with --keep-after-commit)
    on the paths the commit changed. Directory and pattern claims stay until they end."""
    changed = {"/" + p for p in paths}
    dropped: list[Claim] = []

    def change(current: list[Claim]) -> list[Claim]:
        kept = []
        for claim in current:
            if claim.agent == agent and claim.release_on_commit and claim.pattern in changed:
                dropped.append(claim)
            else:
                kept.append(claim)
        return kept

    from workspace_guard.state.claims import claims_path, update

    if not os.path.exists(claims_path(repo.state_dir)):
        return []
    update(
        repo.state_dir,
        change,
        lambda: _records(repo, [(c, "released") for c in dropped], agent, why="committed"),
    )
    return dropped


def _records(
    repo: Repo, items: list[tuple[Claim, str]], actor: str | None = None, why: str = ""
) -> list[dict[str, Any]]:
    """The audit records of a claims change (state/claims seals and appends them)."""
    if not items:
        return []
    escalation = repo.decider().rules.escalation
    return [
        {
            "layer": "claims",
            "agent": actor or claim.agent,
            "path": claim.pattern,
            "owner": claim.agent,
            "level": None,
            "action": action,
            "escalate_to": escalation if action == "broken" else None,
            "id": claim.id,
            "until": claim.until,
            **({"why": why} if why else {}),
            **({"via": "service"} if (actor or claim.agent).startswith(SERVICE_PREFIX) else {}),
        }
        for claim, action in items
    ]


def listing(repo: Repo) -> list[Claim]:
    """The live claims, soonest expiry first."""
    from workspace_guard.state.claims import live

    return sorted(live(repo.state_dir).claims, key=lambda c: c.until)


def describe(claim: Claim) -> str:
    """One line for `claims`, the briefing and `explain`."""
    kind = _("shared") if claim.shared else _("exclusive")
    text = _("{id}  {agent} claims {pattern} ({kind}) until {until}").format(
        id=claim.id, agent=claim.agent, pattern=claim.pattern, kind=kind, until=when(claim.until)
    )
    return text + (f" — {claim.note}" if claim.note else "")


def verify(repo: Repo) -> tuple[list[str], list[str]]:
    """(problems, notes) of `claims --verify`: the claims file against the audit log's sealed
    claims records (state/claims_log.judge), and the restores a claims write recorded. A file
    that no recorded change wrote, now or at a restore, is how records cut from the log's end
    show: they were written without an `fsync`."""
    from workspace_guard.state import claims_log
    from workspace_guard.state.claims import ClaimsCorrupt, claims_path, parse, read_shared

    path = claims_path(repo.state_dir)
    try:
        current: bytes | None = read_shared(path)
    except FileNotFoundError:
        current = None
    standing, later = claims_log.judge(repo.state_dir, current)
    problems: list[str] = []
    notes: list[str] = []
    if standing == "behind":
        notes.append(
            ngettext(
                "the claims file misses the last {count} recorded claims change (a crash "
                "between a record and the file); the next claims write puts it in",
                "the claims file misses the last {count} recorded claims changes (a crash "
                "between a record and the file); the next claims write puts them in",
                len(later),
            ).format(count=len(later))
        )
    elif standing == "ahead" and current is not None:
        try:
            items = [c.to_json() for c in parse(current, path)]
        except ClaimsCorrupt as exc:
            problems.append(str(exc))
            items = []
        problems.append(_ahead(path, claims_log.unrecorded(repo.state_dir, items)))
    for record in claims_log.sealed_records(repo.state_dir):
        if record.get("action") == "restored" and record.get("why") == "ahead_of_log":
            problems.append(
                _(
                    "{ts}: the claims file was ahead of the audit log and was put back to the "
                    "logged claims (claims without a record: {ids}): records had been cut from "
                    "the log's end"
                ).format(
                    ts=record.get("ts", "?"), ids=", ".join(record.get("unrecorded") or []) or "-"
                )
            )
    return problems, notes


def _ahead(path: str, ids: list[str]) -> str:
    return _(
        "the claims file {path} is not what any recorded claims change wrote (claims without a "
        "record: {ids}): the records of later changes were cut from the audit log's end (they "
        "are written without an fsync, so a power loss may take them) or the file was written "
        "outside workspace-guard; the next claims write puts back the logged claims"
    ).format(path=path, ids=", ".join(ids) or "-")

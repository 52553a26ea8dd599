"""The commit gate (contract §5): the `commit-msg` and `pre-commit` hooks and `check-msg`.

The message is checked exactly as git will store it (its cleanup, comment character and trailer
rules); the staged paths are decided for the `Agente` with the rules as committed at HEAD, so a
commit cannot grant its own author a file by editing the rules. The user's message file is only
ever read.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision
    from workspace_guard.core.template import CheckResult, TemplateConfig, Violation
    from workspace_guard.repo import Repo

AGENT_ENV = "WORKSPACE_AGENT"
AGENT_CONFIG = "workspace-guard.agent"
CONFIG_KEYS = r"^(core\.comment(char|string)|commit\.cleanup|trailer\..*|workspace-guard\.agent)$"


class MessageCheck:
    """Everything the commit-msg hook learned: the template result and the ownership violations."""

    def __init__(self, result: CheckResult, ownership: list[Violation],
                 decisions: list[Decision], agent: str | None) -> None:
        self.result = result
        self.ownership = ownership
        self.decisions = decisions
        self.agent = agent

    @property
    def violations(self) -> list[Violation]:
        return [*self.result.violations, *self.ownership]

    @property
    def ok(self) -> bool:
        return not self.violations


def read_message(path: str) -> bytes:
    """The message file's bytes (never modified)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read the commit message {path}: {exc.strerror}") from exc


def git_settings(cwd: str) -> dict[str, list[str]]:
    """The config that changes how git cleans a message and which trailers it knows."""
    return git.config_values(cwd, CONFIG_KEYS)


def cleanup_mode(settings: dict[str, list[str]]) -> str:
    """`commit.cleanup` as the hook must assume it (the CLI flag is invisible to hooks)."""
    mode = (settings.get("commit.cleanup") or ["strip"])[-1].strip().lower()
    return "strip" if mode in ("", "default") else mode


def comment_setting(settings: dict[str, list[str]]) -> str | None:
    """`core.commentString` wins over `core.commentChar` (git ≥ 2.45); `auto` is resolved later."""
    for key in ("core.commentstring", "core.commentchar"):
        if settings.get(key):
            return settings[key][-1]
    return None


def known_trailer_keys(settings: dict[str, list[str]]) -> list[str]:
    """Trailer tokens configured with `trailer.<token>.*` count as git-known (the 25 % rule)."""
    keys = set()
    for key, values in settings.items():
        parts = key.split(".")
        if key.startswith("trailer.") and len(parts) >= 3:
            keys.add(".".join(parts[1:-1]))
            if parts[-1] == "key":
                keys.update(v.rstrip(":").strip() for v in values)
    return sorted(k for k in keys if k)


def acting_agent(settings: dict[str, list[str]]) -> str | None:
    """The agent the environment names (a harness or the user), if any."""
    env = os.environ.get(AGENT_ENV, "").strip()
    if env:
        return env
    configured = settings.get(AGENT_CONFIG)
    return configured[-1].strip() if configured and configured[-1].strip() else None


def template_config(decider: Decider) -> TemplateConfig:
    """The rules' `commit:` section (validated when the rules were loaded)."""
    from workspace_guard.core.template import TemplateConfig

    return TemplateConfig.from_mapping(decider.rules.commit or None)


def merge_in_progress(repo: Repo) -> bool:
    """A commit that concludes a merge (MERGE_HEAD) has two parents."""
    return os.path.exists(os.path.join(repo.info.git_dir, "MERGE_HEAD"))


def changed_paths(changes: Sequence[git.Change]) -> list[str]:
    """Every path a commit touches, in order, each once (both sides of renames)."""
    seen: dict[str, None] = {}
    for change in changes:
        for path in change.paths:
            seen.setdefault(path, None)
    return list(seen)


def check_message(repo: Repo, raw: bytes, *, staged: bool) -> MessageCheck:
    """Template checks, and (with `staged`) ownership of the index against HEAD."""
    from workspace_guard.core.template import check_message_bytes

    settings = git_settings(repo.cwd)
    decider = repo.decider()
    config = template_config(decider)
    paths = changed_paths(git.staged_changes(repo.root)) if staged else []
    parents = 2 if staged and merge_in_progress(repo) else 1
    result = check_message_bytes(
        raw,
        config,
        cleanup_mode=cleanup_mode(settings),
        comment=comment_setting(settings),
        known_keys=known_trailer_keys(settings),
        parents=parents,
        agents=list(decider.rules.agents),
        paths=paths,
    )
    if not staged or result.kind == "merge":
        return MessageCheck(result, [], [], result.fields.agent)
    return _ownership(repo, decider, result, paths, acting_agent(settings), config)


def _ownership(repo: Repo, decider: Decider, result: CheckResult, paths: list[str],
               env_agent: str | None, config: TemplateConfig) -> MessageCheck:
    from workspace_guard.core.template import Violation, check_ownership
    from workspace_guard.state.approvals import live_approvals

    agent = result.fields.agent
    extra: list[Violation] = []
    if env_agent and agent and env_agent != agent:
        extra.append(Violation(
            "agent-mismatch",
            f"the message says `Agente: {agent}` but this commit is made by {env_agent} "
            f"(from {AGENT_ENV} or git config {AGENT_CONFIG}); write `Agente: {env_agent}`",
        ))
    who = env_agent or agent
    if who is None or who not in decider.rules.agents:
        return MessageCheck(result, extra, [], who)
    approvals = live_approvals(repo.state_dir)
    decisions = [decider.decide(who, path, approvals) for path in paths]
    superusers = decider.rules.superusers
    extra += check_ownership(result.fields, decisions, config, superusers=superusers)
    return MessageCheck(result, extra, decisions, who)


# --- reporting ------------------------------------------------------------------------------------


def report(check: MessageCheck, source: str, *, stream: TextIO | None = None) -> None:
    """Violations and warnings on stderr, in the protocol's voice."""
    out = stream or sys.stderr
    violations = check.violations
    for warning in check.result.warnings:
        print(f"workspace-guard: warning [{warning.id}]: {warning.message}", file=out)
    if not violations:
        return
    count = len(violations)
    print(f"workspace-guard: commit refused — {count} problem{'s' if count > 1 else ''} "
          f"in {source}:", file=out)
    for violation in violations:
        where = f" {violation.path}:" if violation.path else ""
        text = violation.message.replace("\n", "\n    ")
        print(f"  ✗ [{violation.id}]{where} {text}", file=out)


def audit_blocked(repo: Repo, check: MessageCheck, layer: str = "commit") -> None:
    """One audit record per path at fault (template problems: one record without a path)."""
    from workspace_guard.state.audit import append, violation_records

    escalation = repo.decider().rules.escalation
    append(repo.state_dir, violation_records(layer, "blocked", check.agent, check.violations,
                                             check.decisions, escalation))


# --- the hooks ------------------------------------------------------------------------------------


def commit_msg_hook(repo: Repo, path: str) -> int:
    """`hook commit-msg FILE`: refuse the commit on any violation (the file stays as written)."""
    if repo.info.bare:
        raise UsageError("commit-msg runs in a repository with a working tree, not a bare one")
    raw = read_message(path)
    check = check_message(repo, raw, staged=True)
    shown = os.path.relpath(path, repo.root) if os.path.isabs(path) else path
    report(check, shown)
    if check.ok:
        return EXIT_OK
    audit_blocked(repo, check)
    print(f"Your message is kept in {shown}; edit it and commit again: "
          f"git commit -e -F {shown}", file=sys.stderr)
    return EXIT_VIOLATION


def pre_commit_hook(repo: Repo) -> int:
    """`hook pre-commit`: with a known agent, check it exists and show what the message needs.

    Ownership is enforced by commit-msg (the message carries the protocol and the approval), so
    this hook refuses only what no message can fix: an unknown agent or unusable rules.
    """
    settings = git_settings(repo.cwd)
    agent = acting_agent(settings)
    if agent is None:
        return EXIT_OK
    decider = repo.decider()
    decider.check_agent(agent)
    from workspace_guard.state.approvals import live_approvals

    approvals = live_approvals(repo.state_dir)
    paths = changed_paths(git.staged_changes(repo.root))
    denied = [d for d in (decider.decide(agent, p, approvals) for p in paths) if not d.allowed]
    for decision in denied:
        print(_needs(decision), file=sys.stderr)
    return EXIT_OK


def _needs(decision: Decision) -> str:
    owner = decision.owner or decision.escalation
    if decision.level == "critical":
        need = f"`Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: {owner}`"
    else:
        need = "`Protocolo: CONSULTA_PREVIA` (after consulting) or `APROBACIÓN_OBTENIDA`"
    return (f"workspace-guard: {decision.path} is protected ({decision.level}, owner {owner}); "
            f"the commit message must name it in `Archivo:` and carry {need}")


def fail_closed(exc: GuardError, hook: str) -> int:
    """A configuration problem refuses the commit, with the reason and a way out."""
    print(exc.render(), file=sys.stderr)
    print(f"workspace-guard: the {hook} hook refuses the commit until this is fixed "
          "(nothing was committed; your message file is unchanged)", file=sys.stderr)
    return exc.exit_code or EXIT_VIOLATION

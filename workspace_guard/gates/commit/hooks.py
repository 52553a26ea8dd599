"""The commit gate (contract §5): the `commit-msg` and `pre-commit` hooks and `check-msg`.

The message is checked exactly as git will store it (its cleanup, comment character and trailer
rules); the staged paths are decided for the `Agente` with the rules as committed at HEAD, so a
commit cannot grant its own author a file by editing the rules. The user's message file is only
ever read.
"""

from __future__ import annotations

import os
import sys
from itertools import islice

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError, UsageError
from workspace_guard.gates.commit.report import MAX_SHOWN, audit_blocked, report
from workspace_guard.i18n import _, strerror

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision
    from workspace_guard.core.template import CheckResult, TemplateConfig, Violation
    from workspace_guard.repo import Repo

AGENT_ENV = "WORKSPACE_AGENT"
AGENT_CONFIG = "workspace-guard.agent"
REWORD = "(reword)"  # GIT_REFLOG_ACTION of `git rebase -i` rewording a commit
CONFIG_KEYS = (
    r"^(core\.comment(char|string)|commit\.cleanup|trailer\..*|workspace-guard\.agent"
    r"|workspace-guard\.requireprovenance)$"
)


class MessageCheck:
    """Everything the commit-msg hook learned: the template result, the ownership violations
    and the decisions of the paths at fault (what the audit log records)."""

    def __init__(
        self,
        result: CheckResult,
        ownership: list[Violation],
        decisions: list[Decision],
        agent: str | None,
    ) -> None:
        self.result = result
        self.ownership = ownership
        self.decisions = decisions
        self.agent = agent
        self.provenance: list[dict[str, object]] = []  # gates/commit/provenance, when required

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
        text = _("cannot read the commit message {path}: {error}")
        raise UsageError(text.format(path=path, error=strerror(exc))) from exc


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


def staged_paths(repo: Repo) -> list[str]:
    """The paths the commit being made changes, each once, NFC like every path the core decides
    (a decomposed "é" from macOS must not dodge a rule).

    Normally the index against HEAD. An amend replaces HEAD, so its message answers for HEAD's
    own changes too: the index against HEAD's parent. That is `git commit --amend` (see
    gates/commit/amend) and a `reword` in `git rebase -i`, which amends the already picked commit.
    """
    from workspace_guard.gates.commit.amend import amending

    if REWORD not in os.environ.get("GIT_REFLOG_ACTION", "") and not amending(repo.root):
        return git.staged_paths(repo.root)
    parent = git.run(["rev-parse", "-q", "--verify", "HEAD^"], repo.root, check=False)
    base = parent.stdout.decode("ascii", "replace").strip()
    if parent.returncode != 0 or not base:
        empty = git.run(["hash-object", "-t", "tree", "--stdin"], repo.root, input=b"")
        base = empty.stdout.decode("ascii").strip()
    return git.staged_paths(repo.root, base)


def check_message(repo: Repo, raw: bytes, *, staged: bool) -> MessageCheck:
    """Template checks, and (with `staged`) ownership of the index against HEAD."""
    from workspace_guard.core.template import check_message_bytes

    settings = git_settings(repo.cwd)
    decider = repo.decider()
    config = template_config(decider)
    own = _merge_own(repo, decider) if staged else None
    merging = own is not None
    paths = (own if own is not None else staged_paths(repo)) if staged else []
    encoding: list[Violation] = []
    if not all(p.isascii() for p in paths):
        paths, encoding = _encodable(paths)
    parents = 2 if merging else 1
    if staged and (own is None or any(r is not None for r in _protecting(decider, paths))):
        # a merge whose own change touches a protected path answers like any commit, and a
        # `Merge …` subject without MERGE_HEAD is no merge (§5; the push gate says the same)
        from workspace_guard.core.record import replace

        config = replace(config, skip=frozenset(k for k in config.skip if k != "merge"))
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
    if not staged or (result.kind == "merge" and "merge" in config.skip):
        return MessageCheck(result, encoding, [], result.fields.agent)
    check = _ownership(
        repo, decider, result, paths, env_agent=acting_agent(settings), config=config
    )
    who = check.agent
    if who is not None and who in decider.rules.agents and paths:
        from workspace_guard.gates.commit import provenance

        if provenance.required(decider, settings, repo):
            found, at_fault, entries = provenance.cross_check(
                repo, decider, result.fields, who, paths
            )
            check.ownership += found
            check.decisions += at_fault
            check.provenance = entries
    check.ownership = encoding + check.ownership
    return check


def _merge_own(repo: Repo, decider: Decider) -> list[str] | None:
    """The own change of the merge being committed (gates/commit/merge), None when not one."""
    from workspace_guard.gates.commit.amend import amending
    from workspace_guard.gates.commit.merge import own_paths

    if not merge_in_progress(repo):
        rewording = REWORD in os.environ.get("GIT_REFLOG_ACTION", "")
        if not rewording and not amending(repo.root):
            return None
        return own_paths(repo, decider.rules, amending=True)
    return own_paths(repo, decider.rules)


def _protecting(decider: Decider, paths: list[str]) -> list[object]:
    """The rule protecting each path (offices included, and as another letter case reads it:
    `core.casefold.protecting`), None where none does."""
    from workspace_guard.core.casefold import protecting

    return [
        r if r is not None and r.level != "none" else protecting(decider, p)
        for p, r in zip(paths, decider.governing_rules(paths), strict=True)
    ]


def _encodable(paths: list[str]) -> tuple[list[str], list[Violation]]:
    """A name that is not UTF-8 is decided, reported and audited as git prints it escaped
    (`caf\\xe9.py`, so directory rules still reach it), and refused like the push gate does."""
    from workspace_guard.core.template import Violation

    out, found = [], []
    for path in paths:
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            text = _(
                "the file name {path} is not valid UTF-8: rename it (git mv) so rules, `Archivo` "
                "and reviewers can name it"
            ).format(path=shown)
            found.append(Violation("path-encoding", text, shown))
            out.append(shown)
            continue
        out.append(path)
    return out, found


def _ownership(
    repo: Repo,
    decider: Decider,
    result: CheckResult,
    paths: list[str],
    *,
    env_agent: str | None,
    config: TemplateConfig,
) -> MessageCheck:
    from workspace_guard.core.template import Violation, ownership_in_order

    agent = result.fields.agent
    extra: list[Violation] = []
    if env_agent and env_agent not in decider.rules.agents:
        extra.append(_unknown_env_agent(decider, env_agent))
    elif env_agent and agent and env_agent != agent:
        text = _(
            "the message says `Agente: {agent}` but this commit is made by {actor} (from {env} "
            "or git config {config}); write `Agente: {actor}`"
        ).format(agent=agent, actor=env_agent, env=AGENT_ENV, config=AGENT_CONFIG)
        extra.append(Violation("agent-mismatch", text))
    who = env_agent or agent
    if who is None or who not in decider.rules.agents:
        if result.kind != "normal":  # the template was skipped, so nothing else says it
            extra += _unknown_actor(decider, paths, who)
        return MessageCheck(result, extra, [], who)
    # The message's own trailers decide, as on the server (contract §5): a recorded approval
    # waives nothing here, or the branch update would refuse what commit-msg let through. The
    # ledger only cross-checks the trailers (gates/commit/provenance), and where a recorded
    # approval would make the message pass, the refusal says which trailers to write.
    groups = case_groups(decider, who, paths, decider.decide_groups(who, paths))
    superusers = decider.rules.superusers
    decisions, found = ownership_in_order(
        result.fields, groups, paths, config, superusers=superusers
    )
    if found:
        from workspace_guard.gates.commit.approvals import with_recorded_approvals

        found = with_recorded_approvals(repo, decider, who, found, config)
    from workspace_guard.gates.commit.claims import claimed_violations

    held, held_decisions = claimed_violations(repo, decider, who, paths)
    return MessageCheck(result, extra + found + held, decisions + held_decisions, who)


def case_groups(
    decider: Decider, agent: str, paths: list[str], groups: list[tuple[Decision, list[str]]]
) -> list[tuple[Decision, list[str]]]:
    """`groups` with each staged path that another letter case makes a protected path
    (`APP/MAIN.PY` for `app/main.py`: the same file on macOS and Windows, F81) in a group of its
    own, decided as that path, as the harness and push gates decide it (`core/casefold.py`)."""
    from workspace_guard.core.casefold import stricter_by_case

    folded = stricter_by_case(decider, agent, paths)
    if not folded:
        return groups
    moved = {paths[at] for at in folded}
    kept = [(d, [p for p in ps if p not in moved]) for d, ps in groups]
    return [(d, ps) for d, ps in kept if ps] + [(d, [d.path]) for d in folded.values()]


def _unknown_env_agent(decider: Decider, env_agent: str) -> Violation:
    """The environment names an agent the rules do not know (a typo, usually)."""
    from workspace_guard.core.template import Violation

    error = decider.unknown_agent(env_agent)
    text = _("{problem} (from {env} or git config {config})").format(
        problem=error.message, env=AGENT_ENV, config=AGENT_CONFIG
    )
    return Violation("agent-unknown", f"{text}; {error.hint}" if error.hint else text)


def _unknown_actor(decider: Decider, paths: list[str], who: str | None) -> list[Violation]:
    """A revert/fixup/squash/amend commit still answers for the protected paths it changes
    (contract §5), which takes knowing who makes it."""
    from workspace_guard.core.casefold import protecting
    from workspace_guard.core.template import Violation

    out = []
    for path in paths:
        rule = decider.governing_rule(path)
        if rule is None or rule.level == "none":
            rule = protecting(decider, path)  # `APP/MAIN.PY` (core/casefold.py)
        if rule is None:
            continue
        owner = rule.owner or decider.rules.escalation
        if who is None:
            text = _(
                "`{path}` is protected ({level}, owner {owner}) and this commit does not say "
                "which agent makes it: add `Agente: <your-agent-name>` to the message or set {env}"
            ).format(path=path, level=_(rule.level), owner=owner, env=AGENT_ENV)
            out.append(Violation("agent-missing", text, path))
        else:
            text = _(
                "`{path}` is protected ({level}, owner {owner}) and `{agent}` is not an agent of "
                "the rules"
            ).format(path=path, level=_(rule.level), owner=owner, agent=who)
            out.append(Violation("agent-unknown", text, path))
    return out


# --- the hooks ------------------------------------------------------------------------------------


def _staged_if_gone(repo: Repo) -> list[str]:
    """The staged paths, read only when the daemon's lock names one that is gone or stalled
    (the rare path: a running daemon costs nothing here)."""
    from workspace_guard.gates.watch import alive

    if alive.gone(repo.state_dir) is None and alive.stalled(repo.state_dir) is None:
        return []
    return staged_paths(repo)


def commit_msg_hook(repo: Repo, path: str) -> int:
    """`hook commit-msg FILE`: refuse the commit on any violation (the file stays as written)."""
    if repo.info.bare:
        raise UsageError(_("commit-msg runs in a repository with a working tree, not a bare one"))
    from workspace_guard.gates.watch.alive import block  # a killed daemon is noticed at once

    refused = block(repo.state_dir, "commit", _staged_if_gone(repo), repo.decider())
    if refused:  # tampering detected: fail closed for the paths the daemon guards
        print(refused, file=sys.stderr)
        return EXIT_VIOLATION
    raw = read_message(path)
    check = check_message(repo, raw, staged=True)
    shown = os.path.relpath(path, repo.root) if os.path.isabs(path) else path
    report(check, shown)
    if check.ok:
        from workspace_guard.gates.commit.claims import release_after_commit

        release_after_commit(repo, check.agent)
        if check.provenance and check.agent:
            from workspace_guard.gates.commit import provenance

            provenance.audit_accepted(repo, check.agent, check.provenance)
            approvers = check.result.fields.approved_by
            provenance.keep_pending(repo, check.agent, check.provenance, approvers)
        return EXIT_OK
    audit_blocked(repo, check)
    kept = _("Your message is kept in {file}; edit it and commit again: git commit -e -F {file}")
    print(kept.format(file=shown), file=sys.stderr)
    return EXIT_VIOLATION


def pre_commit_hook(repo: Repo) -> int:
    """`hook pre-commit`: with a known agent, check it exists and show, before the message is
    written, what it will need.

    Ownership is enforced by commit-msg (the message carries the protocol and the approval), so
    this hook refuses only what no message can fix: an unknown agent or unusable rules. When no
    editor will open (`GIT_EDITOR=:`, which git sets for `-m`, `-F`, `-C`), the message exists
    already and commit-msg, run next, reports all of it: nothing is done twice.
    """
    if os.environ.get("GIT_EDITOR") == ":":
        return EXIT_OK
    env_agent = os.environ.get(AGENT_ENV, "").strip()  # the installed hook exports the agent
    agent = env_agent or acting_agent(git_settings(repo.cwd))
    if not agent:
        return EXIT_OK
    decider = repo.decider()
    decider.check_agent(agent)
    from workspace_guard.gates.commit.approvals import preview_note
    from workspace_guard.state.approvals import live_approvals

    # what the message must carry, as commit-msg and the server decide it: without approvals
    staged = staged_paths(repo)
    from workspace_guard.core.casefold import stricter_by_case

    folded = stricter_by_case(decider, agent, staged)
    decisions = (folded.get(at) or d for at, d in enumerate(decider.decide_many(agent, staged)))
    # what it shows is a preview (commit-msg decides every path), so it stops at what it shows
    denied = list(islice((d for d in decisions if not d.allowed), MAX_SHOWN + 1))
    approvals = live_approvals(repo.state_dir) if denied else []
    for decision in denied[:MAX_SHOWN]:
        note = preview_note(decider, approvals, agent, decision.path) if approvals else ""
        print(_needs(decision) + note, file=sys.stderr)
    if len(denied) > MAX_SHOWN:
        more = _(
            "workspace-guard: … and more protected paths (an `Archivo:` entry ending in `/` "
            "names a whole directory; the commit-msg hook lists every path it finds missing)"
        )
        print(more, file=sys.stderr)
    return EXIT_OK


def _needs(decision: Decision) -> str:
    owner = decision.owner or decision.escalation
    if decision.level == "critical":
        need = _("`Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: {owner}`").format(owner=owner)
    else:
        need = _("`Protocolo: CONSULTA_PREVIA` (after consulting) or `APROBACIÓN_OBTENIDA`")
    return _(
        "workspace-guard: {path} is protected ({level}, owner {owner}); the commit message must "
        "name it in `Archivo:` and carry {need}"
    ).format(path=decision.path, level=_(decision.level), owner=owner, need=need)


def fail_closed(exc: GuardError, hook: str, *, committed_rules: bool = False) -> int:
    """A configuration problem refuses the operation, with the reason and a way out.

    `committed_rules`: the rules came from HEAD. A broken rules file at HEAD refuses every commit,
    the fix included, so the way out must be said: commit the fix with the fixed file named as
    the rules, which still checks that commit (instead of `--no-verify`, which checks nothing).
    """
    from workspace_guard.errors import ConfigError

    print(exc.render(), file=sys.stderr)
    if hook == "pre-receive":
        print(
            _("workspace-guard: the pre-receive hook refuses the push until this is fixed"),
            file=sys.stderr,
        )
        return exc.exit_code or EXIT_VIOLATION
    if hook == "commit-msg":
        refused = _(
            "workspace-guard: the {hook} hook refuses the commit until this is fixed (nothing was "
            "committed; your message file is unchanged)"
        )
    else:
        refused = _(
            "workspace-guard: the {hook} hook refuses the commit until this is fixed (nothing was "
            "committed)"
        )
    print(refused.format(hook=hook), file=sys.stderr)
    if committed_rules and isinstance(exc, ConfigError):
        from workspace_guard.repo import DEFAULT_RULES

        hint = _(
            "the committed rules the hooks trust are unusable, so every commit is refused until a "
            "fix is committed: fix {rules} (`workspace-guard lint`), stage it, and commit it "
            "checked against the fixed file: git config {key} {rules}; git commit …; "
            "git config --unset {key}"
        ).format(rules=DEFAULT_RULES, key="workspace-guard.rules")
        print(_("hint: {hint}").format(hint=hint), file=sys.stderr)
    return exc.exit_code or EXIT_VIOLATION

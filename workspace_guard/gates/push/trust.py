"""Which rules decide a push, and which history counts as already checked (contract §3, revised).

One trusted rules revision per push: the current tip of the repository's protected branch — the
server's `workspace-guard.rulesRef`, else the branch HEAD names — for every ref updated. Never the
commits being pushed, never the updated ref's own old tip: an orphan branch or a branch that
predates adoption gets the same rules as everything else, and a ref update that edits the rules is
judged by the rules before it.

"Already checked" means reachable from that tip (and from the revisions listed in
`workspace-guard.checkSince`, the explicit cut-off for history that predates adoption): a commit
that becomes reachable from the protected branch through a merge was checked when it was pushed,
or is checked now.
"""

from __future__ import annotations

import os
import re

from workspace_guard import git
from workspace_guard.core.record import Record
from workspace_guard.errors import ConfigError, GuardError
from workspace_guard.i18n import _
from workspace_guard.repo import DEFAULT_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules
    from workspace_guard.repo import Repo

RULES_REF_KEY = "workspace-guard.rulesRef"
RULES_FILE_KEY = "workspace-guard.rules"
CHECK_SINCE_KEY = "workspace-guard.checkSince"


class Base(Record):
    """The trusted side of a push: the protected branch, its tip, its rules."""

    ref: str | None  # the protected branch (None: the repository has no refs at all)
    tip: str | None  # its commit before the push
    rules: Rules | None
    checked: tuple[str, ...]  # revisions whose history counts as checked


Settings = dict[str, list[str]]


def gate_settings(repo: Repo) -> Settings:
    """Every `workspace-guard.*` value as `git config` reads them (all scopes), in one call: a
    push asks for several (rulesRef, rules, checkSince, denyDeletes, …) and each `git config`
    is a process."""
    return git.config_values(repo.cwd, r"^workspace-guard\.")


def setting(repo: Repo, settings: Settings | None, key: str) -> str | None:
    """`git config --get KEY` (the last value), from `settings` when they were read."""
    if settings is None:
        return git.config_get(key, repo.cwd)
    values = settings.get(key.lower())
    return values[-1].rstrip("\n") if values else None


def protected_ref(repo: Repo, settings: Settings | None = None) -> str | None:
    """The protected branch's full ref name as configured: `workspace-guard.rulesRef`, else the
    branch HEAD names (a bare repository's default branch). It may not exist."""
    configured = setting(repo, settings, RULES_REF_KEY)
    if configured:
        name = configured.strip()
        return name if name.startswith("refs/") else f"refs/heads/{name}"
    proc = git.run(["symbolic-ref", "-q", "HEAD"], repo.cwd, check=False)
    return proc.stdout.decode("utf-8", "surrogateescape").strip() or None


def tip_of(repo: Repo, ref: str) -> str | None:
    """The commit a ref points to now, or None when it does not exist."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"], repo.cwd, check=False)
    return proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else None


def has_refs(repo: Repo) -> bool:
    """Whether the repository has any ref at all (first-push mode is only for none)."""
    return bool(git.out(["for-each-ref", "--count=1", "--format=%(refname)"], repo.cwd))


def server_base(repo: Repo, settings: Settings | None = None) -> Base:
    """The base of a push to this (server) repository. A missing protected branch in a
    repository that has refs is a configuration error (exit 2): the rules are unknowable, and
    treating the push as a first push would let anything through."""
    ref = protected_ref(repo, settings)
    tip = tip_of(repo, ref) if ref else None
    if ref is None or tip is None:
        if has_refs(repo):
            raise ConfigError(
                _(
                    "the default branch ({branch}) does not exist, so the rules that decide this "
                    "push cannot be read"
                ).format(branch=ref or "HEAD"),
                hint=_(
                    "name the branch that holds the rules on the shared repository: "
                    "git config {key} refs/heads/main (or git symbolic-ref HEAD refs/heads/main)"
                ).format(key=RULES_REF_KEY),
            )
        return Base(None, None, None, ())
    rules = rules_at_tip(repo, ref, tip, settings)
    return Base(ref, tip, rules, (tip, *check_since(repo, settings)))


def rules_at_tip(repo: Repo, ref: str, tip: str, settings: Settings | None = None) -> Rules:
    """The rules at the protected tip; an override file named in the server's config (the way
    out when they are broken) wins. No rules, or broken rules, refuse the push (fail closed)."""
    override = repo.rules_option or setting(repo, settings, RULES_FILE_KEY)
    if override:
        from workspace_guard.repo import Repo as RepoClass

        return RepoClass(repo.info, repo.cwd, override).load_rules()
    try:
        rules = repo.rules_at(tip)
    except GuardError as exc:
        raise broken_rules(repo, ref, tip, exc) from exc
    if rules is None:
        raise ConfigError(
            _("{ref} has no {rules}: nothing says which files are protected").format(
                ref=ref, rules=DEFAULT_RULES
            ),
            hint=_(
                "commit the rules on {ref} before installing the pre-receive hook, or name a "
                "rules file on the server: git config {key} /path/to/rules.yaml"
            ).format(ref=ref, key=RULES_FILE_KEY),
        )
    return rules


def broken_rules(repo: Repo, ref: str, tip: str, exc: GuardError) -> ConfigError:
    """The loader's message, the escalation agent (read from the raw text where the file no
    longer parses) and the way out: an override file on the server while the fix is pushed."""
    escalation = _escalation_in_text(repo, tip) or _("the escalation agent")
    message = _(
        "{error}\nThe rules at {ref} ({sha}) cannot be loaded, so every push is refused until "
        "{escalation} repairs them."
    ).format(error=exc.message, ref=ref, sha=tip[:10], escalation=escalation)
    hint = _(
        "on the shared repository, point the gate at a good copy while the fix is pushed: "
        "git config {key} /path/to/fixed-rules.yaml; push the repair to {ref}; then "
        "git config --unset {key}"
    ).format(key=RULES_FILE_KEY, ref=ref)
    return ConfigError(message, hint=hint)


def _escalation_in_text(repo: Repo, tip: str) -> str | None:
    proc = git.run(["cat-file", "blob", f"{tip}:{DEFAULT_RULES}"], repo.cwd, check=False)
    text = proc.stdout[:65536].decode("utf-8", "replace")
    found = re.search(r"^escalation:\s*[\"']?([A-Za-z0-9._-]+)", text, re.MULTILINE)
    return found.group(1) if found else None


def check_since(repo: Repo, settings: Settings | None = None) -> tuple[str, ...]:
    """`workspace-guard.checkSince` revisions (multi-valued): their history predates adoption
    and counts as checked. A value that names no commit is an error, not a silent no-op."""
    if settings is None:
        settings = git.config_values(repo.cwd, f"^{re.escape(CHECK_SINCE_KEY.lower())}$")
    found = []
    for value in settings.get(CHECK_SINCE_KEY.lower(), []):
        sha = tip_of(repo, value.strip())
        if sha is None:
            raise ConfigError(
                _("{key} names {value!r}, which is not a commit of this repository").format(
                    key=CHECK_SINCE_KEY, value=value
                ),
                hint=_("git config --unset-all {key}, or name a commit id").format(
                    key=CHECK_SINCE_KEY
                ),
            )
        found.append(sha)
    return tuple(found)


def rules_blob(repo: Repo, rev: str) -> str | None:
    """The blob id of the rules file at `rev` (None: no rules file)."""
    proc = git.run(["rev-parse", "--verify", "-q", f"{rev}:{DEFAULT_RULES}"], repo.cwd, check=False)
    return proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else None


def is_ancestor(repo: Repo, old: str, new: str) -> bool:
    """Whether `new` contains `old` (a fast-forward)."""
    args = ["merge-base", "--is-ancestor", old, new]
    return git.run(args, repo.cwd, check=False).returncode == 0


def no_replace() -> None:
    """Objects as stored: a pushed `refs/replace/<bad>` must not disguise a commit."""
    os.environ["GIT_NO_REPLACE_OBJECTS"] = "1"

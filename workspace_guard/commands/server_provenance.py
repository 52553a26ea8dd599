"""The shared repository must require provenance when the clones do (ATTACK F57/F69).

A clone where a harness is installed (`install --claude`, `init --claude`…) checks identities at
commit against the provenance ledger; but plumbing (`commit-tree`, `push SHA:main`) makes a commit
that never meets the commit hooks, so only the server can refuse a commit whose `Agente` the
ledger does not prove — and it does so only when it requires provenance (the rules' `harness:
require_provenance`, else its own `workspace-guard.requireProvenance`). `install --server` sets
the server's key when the clone it runs in requires provenance and the server says nothing;
`doctor` reports a clone that requires it against a server on this machine that does not.
"""

from __future__ import annotations

from workspace_guard import git
from workspace_guard.errors import GuardError
from workspace_guard.i18n import _

KEY = "workspace-guard.requireProvenance"
_ON = ("true", "yes", "on", "1", "refuse", "report")


def clone_requires(cwd: str) -> bool:
    """Whether the commit gate of the repository at ``cwd`` requires provenance (the trusted
    rules, else git's config files); no repository or unreadable rules: no."""
    try:
        from workspace_guard.gates.commit.provenance import required
        from workspace_guard.repo import Repo

        repo = Repo.discover(cwd)
        return required(repo.decider(), {}, repo)
    except (GuardError, OSError):  # not a workspace: nothing to carry over
        return False


def server_value(bare: str) -> str | None:
    """The server's own ``workspace-guard.requireProvenance`` (None: unset)."""
    proc = git.run(["config", "--get", KEY], bare, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip().lower()


def install(cwd: str, bare: str) -> str:
    """Set the server's key when the clone at ``cwd`` requires provenance; what was done."""
    value = server_value(bare)
    if not clone_requires(cwd):
        return _(
            "{key} left as it is on the server ({value}): this clone does not require provenance"
        ).format(key=KEY, value=value or _("unset"))
    if value is None:
        git.run(["config", KEY, "true"], bare)
        return _(
            "{key} = true on the server: this clone requires provenance, so the server refuses "
            "new commits touching protected paths whose provenance note is missing or disagrees "
            "with their Agente (commits built with plumbing never meet the commit hooks)"
        ).format(key=KEY)
    if value in _ON:
        return _("{key} = {value} on the server (provenance required)").format(key=KEY, value=value)
    return _(
        "warning: {key} = {value} on the server while this clone requires provenance: a commit "
        "built with plumbing (commit-tree, push SHA:main) naming another Agente is accepted "
        "there; `git -C {path} config {key} true` closes it"
    ).format(key=KEY, value=value, path=bare)


def mismatch(cwd: str, bare: str) -> str:
    """The problem when the clone at ``cwd`` requires provenance and the server ``bare`` does
    not (its rules do not say and its config is not on); "" otherwise."""
    value = server_value(bare)
    if value in _ON or not clone_requires(cwd):
        return ""
    return _(
        "this clone requires provenance but the shared repository {path} does not "
        "({key} = {value}): commits built with plumbing naming another Agente are accepted there"
    ).format(path=bare, key=KEY, value=value or _("unset"))

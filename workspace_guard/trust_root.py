"""Which revision's rules the local layers trust (contract §3, revised: the trust root is not HEAD).

An agent that can run `git commit` (hooks bypassed, or with `hash-object -w` and
`update-index --cacheinfo`) can move HEAD. So the validator, the harness hooks, the commit hooks
and the daemon read the rules as committed at the tip of the *upstream of the protected branch*,
which only a push the server accepted (and a fetch) can move:

1. `workspace-guard.rulesRef` in the repository's own config file (what `install` records), which
   must exist: a configured ref that is gone refuses to decide (fail closed), because falling back
   to HEAD is exactly what deleting it would buy;
2. else the tracking ref of the remote's own default branch, as the remote says over the wire,
   of the remote `install` recorded by name and URL (remote_head.py: `origin/HEAD`, the
   upstreams of `main`/`master` and the name `origin` never choose it; a recorded remote that is
   gone, renamed over or whose URL changed is undetermined: fail closed with the repair);
3. else HEAD: the repository has no upstream yet.

A repository with no rules anywhere (work tree, index, HEAD, the upstream refs) is not governed:
nothing is recorded in it, nothing is asked of its remote, and the upstream is found as before
(`origin/HEAD`, else the upstream of `main`/`master`).

Where the trusted revision has no rules file yet (the rules are committed but not pushed), HEAD's
rules are read, and without any committed rules the working-tree copy (with a warning).

Only the repository's config file counts (as `git config --local` reads it): `git -c …`,
`GIT_CONFIG_*` and include files are set by whoever runs git, i.e. possibly the agent. It is read
without starting git (the hot paths run on every edit); anything this small reader is unsure of
is asked of `git config --local`.
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.core.record import Record
from workspace_guard.errors import ConfigError
from workspace_guard.i18n import _
from workspace_guard.speed import gitconfig

RULES_REF_KEY = "workspace-guard.rulesref"  # config keys as git reports them: lower-case
RULES_FILE_KEY = "workspace-guard.rules"
PROTECTED_BRANCHES = ("main", "master")
RULES_PATH = ".workspace/rules.yaml"  # repo.DEFAULT_RULES (repo imports this module)
_RELEVANT = ("workspace-guard", "branch", "remote", "url")


class Trusted(Record):
    """The revision whose rules decide, and how it was found."""

    ref: str | None  # the full ref name; None: HEAD (no upstream yet)
    commit: str | None  # its commit id (None: an unborn HEAD)
    source: str  # "rulesRef" | "upstream" | "HEAD" | "watch" (the daemon's view: trust_root.held)


Config = dict[str, str]


def read_config(common_dir: str, cwd: str) -> Config:
    """The repository's config file (`git config --local`): `section[.subsection].key` (section
    and key lower-case, as git prints them) → the last value."""
    found = _parse_config(os.path.join(common_dir, "config"))
    return found if found is not None else _git_config(cwd)


def _git_config(cwd: str) -> Config:
    """`git config --local --list`; a config git cannot read either is an error, not an empty
    config (that would drop a recorded `workspace-guard.rulesRef`)."""
    proc = git.run(["config", "--local", "-z", "--list"], cwd, check=False)
    if proc.returncode != 0:
        raise ConfigError(
            _("cannot read the repository's git config: {error}").format(
                error=proc.stderr.decode("utf-8", "replace").strip()
            ),
            hint=_("fix it with `git config --local --list` until it reads cleanly"),
        )
    out: Config = {}
    for item in proc.stdout.split(b"\0"):
        if item:
            key, _sep, value = item.decode("utf-8", "surrogateescape").partition("\n")
            out[key] = value
    return out


def _parse_config(path: str) -> Config | None:
    """The simple config files git writes itself (the one reader: `speed/gitconfig.py`); None
    (ask git) for anything else."""
    return gitconfig.parse_simple(path, _RELEVANT)


def installed_rules_file(config: Config, base: str) -> str | None:
    """The rules file `install --rules` recorded (`workspace-guard.rules`), absolute."""
    value = config.get(RULES_FILE_KEY)
    return os.path.join(base, value) if value else None


class _Raw:
    """`with trust_root.raw:` — the ref itself, not the watch daemon's view (the daemon only:
    it judges the moves that the view holds back)."""

    def __enter__(self) -> None:
        _RAW[0] += 1

    def __exit__(self, *exc: object) -> None:
        _RAW[0] -= 1


_RAW = [0]
raw = _Raw()


def find(
    common_dir: str, cwd: str, head: str | None, config: Config, *, record: bool = False
) -> Trusted:
    """The trusted revision (see the module's docstring): the ref, unless the watch daemon
    holds another revision in force (`held`). With `record` (an installed layer judging a
    call), the trusted remote is recorded where an older install left nothing."""
    try:
        found = _find(common_dir, cwd, head, config, record)
    except Undetermined:
        if _RAW[0]:
            raise
        kept = held(common_dir, Trusted(None, None, "undetermined"))
        if kept.source == "watch":
            return kept  # the daemon holds a revision in force: it still decides
        raise
    return found if _RAW[0] else held(common_dir, found)


class Undetermined(ConfigError):
    """The trusted remote is not the one recorded, or its default branch cannot be told."""


def held(common_dir: str, found: Trusted) -> Trusted:
    """The revision the watch daemon holds in force where it published one
    (state/trusted_view.py): a move of the trusted ref the daemon refused, or has not judged
    yet, is not followed. Fails closed (ConfigError) when it cannot be told."""
    from workspace_guard.state import trusted_view

    state_dir = os.path.join(common_dir, "workspace-guard")
    try:
        view = trusted_view.read(state_dir)
    except trusted_view.Unverified as exc:
        raise ConfigError(
            _(
                "the watch daemon's record of the trusted revision ({path}) cannot be trusted: "
                "{why}; which rules are in force cannot be told"
            ).format(path=trusted_view.path_of(state_dir), why=exc),
            hint=_(
                "the running daemon writes it back within a second; otherwise restart it "
                "(workspace-guard watch stop; workspace-guard watch start) and look at the "
                "audit log for who changed it"
            ),
        ) from None
    if view is None:
        if trusted_view.daemon_running(state_dir):
            raise ConfigError(
                _(
                    "the watch daemon runs but its record of the trusted revision ({path}) is "
                    "missing; which rules are in force cannot be told"
                ).format(path=trusted_view.path_of(state_dir)),
                hint=_("wait a second and retry (the daemon writes it back), or restart it"),
            )
        return found
    ref, commit = view
    if ref is None or commit is None or (ref == found.ref and commit == found.commit):
        return found  # the daemon trusts HEAD or a file, or follows the ref: the same answer
    return Trusted(ref, commit, "watch")


def _find(common_dir: str, cwd: str, head: str | None, config: Config, record: bool) -> Trusted:
    from workspace_guard import remote_head

    configured = config.get(RULES_REF_KEY)
    if configured:
        found = remote_head.recorded(config)
        why = remote_head.mismatch(config, *found) if found else None
        if why:
            raise _changed(found[0] if found else "", why)
        if record and found is None:
            _record_pinned(cwd, config, configured.strip())
        for ref in _spellings(configured.strip()):
            commit = _commit(common_dir, cwd, ref)
            if commit:
                return Trusted(ref, commit, "rulesRef")
        raise ConfigError(
            _(
                "{key} names {ref!r}, which does not exist in this repository, so the rules "
                "that decide cannot be read"
            ).format(key="workspace-guard.rulesRef", ref=configured),
            hint=_(
                "fetch it (git fetch), or name the protected branch's upstream: "
                "git config {key} refs/remotes/origin/main"
            ).format(key="workspace-guard.rulesRef"),
        )
    from workspace_guard.remote_head import from_remote

    return from_remote(common_dir, cwd, head, config, record)


def local_upstream(common_dir: str, cwd: str, head: str | None, config: Config) -> Trusted:
    """Where a repository that is not governed finds its upstream (as before the remote was
    asked): `origin/HEAD`, else the upstream of `main`/`master`, else HEAD."""
    for ref in _pointers(common_dir, config):
        commit = _commit(common_dir, cwd, ref)
        if commit:
            return Trusted(ref, commit, "upstream")
    return Trusted(None, head, "HEAD")


def _record_pinned(cwd: str, config: Config, configured: str) -> None:
    """A rulesRef naming a remote-tracking ref, and no trusted remote recorded (an older
    install): record that remote's name and URL, so that a changed URL is seen."""
    from workspace_guard import remote_head

    name = next(
        (n for n in remote_head.remotes(config) if configured.startswith(f"refs/remotes/{n}/")),
        None,
    )
    if name:
        url = config[f"remote.{name}.url"]
        remote_head.keep(cwd, {remote_head.NAME_KEY: name, remote_head.URL_KEY: url})


def _changed(name: str, why: str) -> Undetermined:
    """The recorded trusted remote is not the one configured now: fail closed, with the repair."""
    return Undetermined(
        _(
            "the remote the rules are trusted from is not the one recorded ({why}), so which "
            "rules decide cannot be told"
        ).format(why=why),
        hint=_(
            "check the remotes (git remote -v); if the change is yours, run `workspace-guard "
            "install` to record the remote {name} as it is now (`workspace-guard doctor` says "
            "what is trusted)"
        ).format(name=name or "origin"),
    )


def has_remote(config: Config) -> bool:
    """Whether any remote is configured (then a missing upstream deserves a note)."""
    return any(key.startswith("remote.") and key.endswith(".url") for key in config)


def upstream_candidates(common_dir: str, config: Config) -> list[str]:
    """The refs that say an upstream exists (and that the hooks guard): the recorded remote's
    default branch (else its `main` and `master`), where `origin/HEAD` points, the upstreams
    of local `main` / `master`. Which one decides is `_find`'s."""
    from workspace_guard import remote_head

    found = []
    mine = remote_head.recorded(config)
    if mine:
        branch = config.get(remote_head.HEAD_KEY, "").removeprefix("refs/heads/")
        names = [branch] if branch else list(PROTECTED_BRANCHES)
        found += [f"refs/remotes/{mine[0]}/{b}" for b in names]
    return found + _pointers(common_dir, config)


def _pointers(common_dir: str, config: Config) -> list[str]:
    """The remote's default branch as the clone says, then the upstreams of `main`/`master`."""
    found = []
    target = _symref(common_dir, "refs/remotes/origin/HEAD")
    if target and target.startswith("refs/remotes/origin/"):  # not a local branch in disguise
        found.append(target)
    for branch in PROTECTED_BRANCHES:
        remote = config.get(f"branch.{branch}.remote")
        merge = config.get(f"branch.{branch}.merge", "")
        if remote and remote != "." and merge.startswith("refs/heads/"):
            found.append(f"refs/remotes/{remote}/{merge[len('refs/heads/') :]}")
    return found


def _spellings(name: str) -> list[str]:
    """A configured ref as git would resolve it (tags aside: a tag is no branch)."""
    if name.startswith("refs/"):
        return [name]
    return [f"refs/{name}", f"refs/heads/{name}", f"refs/remotes/{name}"]


def _symref(common_dir: str, ref: str) -> str | None:
    try:
        with open(os.path.join(common_dir, ref), encoding="utf-8") as handle:
            text = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text[5:].strip() if text.startswith("ref: refs/") else None


def _commit(common_dir: str, cwd: str, ref: str) -> str | None:
    """The commit a ref points to: from the ref files, else (reftable, odd refs) from git."""
    if os.path.isdir(os.path.join(common_dir, "reftable")):
        proc = git.run(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"], cwd, check=False)
        out = proc.stdout.decode("ascii", "replace").strip()
        return out if proc.returncode == 0 and out else None
    return git.resolve_ref_file(common_dir, ref)


def describe(trusted: Trusted) -> str:
    """How `install` and the notes name the trusted revision."""
    if trusted.ref is None:
        return "HEAD"
    short = trusted.ref
    for prefix in ("refs/remotes/", "refs/heads/"):
        if short.startswith(prefix):
            short = short[len(prefix) :]
    return short


def record(cwd: str, rules_file: str | None) -> list[str]:
    """What `install` records in the repository's config, as report lines: the trusted branch
    (`workspace-guard.rulesRef`, when an upstream exists, has rules and none is recorded yet)
    and, with `--rules`, the file installed layers read instead of the committed rules."""
    from workspace_guard.state import announce

    info = git.repo_info(cwd)
    config = read_config(info.common_dir, cwd)
    lines = []
    if rules_file:
        path = os.path.abspath(rules_file)
        announce.git_config(cwd, "workspace-guard.rules", path)  # the daemon accepts it
        lines.append(
            _("workspace-guard.rules: {path} (installed hooks read this file)").format(path=path)
        )
        return lines
    from workspace_guard import remote_head

    if remote_head.governed(info.common_dir, cwd, info.head, config):
        lines += remote_head.install_record(info.common_dir, cwd, config)
        config = read_config(info.common_dir, cwd)
    trusted = find(info.common_dir, cwd, info.head, config)
    if trusted.source == "upstream" and trusted.ref and not _has_rules(cwd, trusted.commit):
        lines.append(
            _(
                "rules: {ref} has no {rules} yet, so {key} is not recorded: the rules are read "
                "as committed at HEAD until they are pushed; after the push and a fetch, run "
                "install again to record {ref}"
            ).format(ref=describe(trusted), rules=RULES_PATH, key="workspace-guard.rulesRef")
        )
    elif trusted.source == "upstream" and trusted.ref:
        announce.git_config(cwd, "workspace-guard.rulesRef", trusted.ref)
        lines.append(
            _("workspace-guard.rulesRef: {ref} (the rules are read as pushed there)").format(
                ref=trusted.ref
            )
        )
    elif trusted.source == "HEAD":
        lines.append(
            _(
                "rules: read as committed at HEAD (no upstream yet); after the first push and "
                "fetch, run install again to trust the upstream instead"
            )
        )
    elif not _has_rules(cwd, trusted.commit):  # a recorded rulesRef without rules
        lines.append(
            _(
                "rules: {key} is {ref}, which has no {rules}, so the rules are read as "
                "committed at HEAD, which any agent that can commit can change; push the rules "
                "to {ref}, or record the branch that holds them: git config {key} REF"
            ).format(key="workspace-guard.rulesRef", ref=trusted.ref, rules=RULES_PATH)
        )
    else:
        lines.append(_("rules: read as committed at {ref}").format(ref=trusted.ref))
    return lines


def _has_rules(cwd: str, commit: str | None) -> bool:
    """Whether `commit` has a rules file (`install` records no branch whose rules do not exist)."""
    if not commit:
        return False
    proc = git.run(["cat-file", "-e", f"{commit}:{RULES_PATH}"], cwd, check=False)
    return proc.returncode == 0

"""Which revision's rules the local layers trust (contract §3, revised: the trust root is not HEAD).

An agent that can run `git commit` (hooks bypassed, or with `hash-object -w` and
`update-index --cacheinfo`) can move HEAD. So the validator, the harness hooks, the commit hooks
and the daemon read the rules as committed at the tip of the *upstream of the protected branch*,
which only a push the server accepted (and a fetch) can move:

1. `workspace-guard.rulesRef` in the repository's own config file (what `install` records), which
   must exist: a configured ref that is gone refuses to decide (fail closed), because falling back
   to HEAD is exactly what deleting it would buy;
2. else the remote's default branch (`refs/remotes/origin/HEAD`, set by `git clone`);
3. else the upstream of a local `main` or `master` branch (`git push -u origin main`);
4. else HEAD: the repository has no upstream yet.

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

RULES_REF_KEY = "workspace-guard.rulesref"  # config keys as git reports them: lower-case
RULES_FILE_KEY = "workspace-guard.rules"
PROTECTED_BRANCHES = ("main", "master")
RULES_PATH = ".workspace/rules.yaml"  # repo.DEFAULT_RULES (repo imports this module)
_RELEVANT = ("workspace-guard", "branch", "remote")


class Trusted(Record):
    """The revision whose rules decide, and how it was found."""

    ref: str | None  # the full ref name; None: HEAD (no upstream yet)
    commit: str | None  # its commit id (None: an unborn HEAD)
    source: str  # "rulesRef" | "upstream" | "HEAD"


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
    """The simple config files git writes itself; None (ask git) for anything else: quoting,
    escapes, continuation lines or the old `[section.sub]` form where it could matter."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    out: Config = {}
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            return None
        if line[0] == "[":
            parsed = _section(line)
            if parsed is None:
                return None
            section = parsed
            continue
        name, eq, value = line.partition("=")
        name = name.strip().lower()
        if section.partition(".")[0] not in _RELEVANT:
            continue
        if not eq or any(c in value for c in '"\\#;') or not name.replace("-", "").isalnum():
            return None
        out[f"{section}.{name}"] = value.strip()
    return out


def _section(line: str) -> str | None:
    """`[name]` → "name"; `[name "sub"]` → "name.sub" (sub kept as written); else None."""
    if not line.endswith("]"):
        return None
    body = line[1:-1].strip()
    name, _, sub = body.partition(" ")
    if not name.replace("-", "").isalnum():
        return None  # `[section.sub]` and other rarities: git knows
    name = name.lower()
    sub = sub.strip()
    if not sub:
        return name
    if len(sub) < 2 or sub[0] != '"' or sub[-1] != '"' or '"' in sub[1:-1] or "\\" in sub:
        return None
    return f"{name}.{sub[1:-1]}"


def installed_rules_file(config: Config, base: str) -> str | None:
    """The rules file `install --rules` recorded (`workspace-guard.rules`), absolute."""
    value = config.get(RULES_FILE_KEY)
    return os.path.join(base, value) if value else None


def find(common_dir: str, cwd: str, head: str | None, config: Config) -> Trusted:
    """The trusted revision (see the module's docstring)."""
    configured = config.get(RULES_REF_KEY)
    if configured:
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
    for ref in upstream_candidates(common_dir, config):
        commit = _commit(common_dir, cwd, ref)
        if commit:
            return Trusted(ref, commit, "upstream")
    return Trusted(None, head, "HEAD")


def has_remote(config: Config) -> bool:
    """Whether any remote is configured (then a missing upstream deserves a note)."""
    return any(key.startswith("remote.") and key.endswith(".url") for key in config)


def upstream_candidates(common_dir: str, config: Config) -> list[str]:
    """The remote's default branch, then the upstreams of local `main` / `master`."""
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

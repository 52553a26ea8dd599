"""The remote whose own default branch is the protected one, as recorded: the trust root without a
rulesRef (trust_root.py, ATTACK F104).

Where `workspace-guard.rulesRef` is not recorded (an install made before the rules were pushed,
or by an older version), the protected branch is the branch the remote's HEAD names, asked of the
remote itself over the wire (`git ls-remote --symref URL HEAD` at the literal URL, without the
user's or the system's git config: ATTACK F91) — never the clone's `origin/HEAD` or a branch's
upstream, which one git command repoints. Which remote is asked is not chosen by a name the agent
can give (`git remote add o URL && git remote rename o origin`): `install` records the remote's
name and URL (`workspace-guard.trustRemote`, `.trustRemoteUrl`) and the remote's answer
(`.trustRemoteHead`), and the first judged use records them where an older install left nothing
(as the server's pin does: `gates/push/server_pin.record_missing`). A recorded remote that is gone,
whose URL changed, or whose URL an `insteadOf` in the repository's config rewrites is
"undetermined": the caller fails closed and names the repair (`workspace-guard install`). Other
remotes, however many, change nothing.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
NAME_KEY = "workspace-guard.trustremote"  # config keys as git reports them: lower-case
URL_KEY = "workspace-guard.trustremoteurl"
HEAD_KEY = "workspace-guard.trustremotehead"
SPELLED = {
    NAME_KEY: "workspace-guard.trustRemote",
    URL_KEY: "workspace-guard.trustRemoteUrl",
    HEAD_KEY: "workspace-guard.trustRemoteHead",
}
ORIGIN = "origin"
FALLBACK = ("main", "master")  # where the remote's HEAD names no branch it has


RETRY_AFTER = 30.0  # seconds a process (the daemon polls) waits before asking a failed remote again
_ASKED: dict[str, tuple[float, str | None, str]] = {}  # URL → (when, branch, git's error)


class Unreachable(Exception):
    """The remote could not be asked (git's message)."""


def remotes(config: dict[str, str]) -> dict[str, str]:
    """Every configured remote: name → URL as the config file writes it."""
    out = {}
    for key, value in config.items():
        if key.startswith("remote.") and key.endswith(".url") and key.count(".") >= 2:
            out[key[len("remote.") : -len(".url")]] = value
    return out


def recorded(config: dict[str, str]) -> tuple[str, str] | None:
    """(name, URL) as recorded; None where nothing is (an older install)."""
    name = config.get(NAME_KEY, "").strip()
    return (name, config.get(URL_KEY, "")) if name else None


def choose(config: dict[str, str]) -> str | None:
    """The remote an honest clone trusts, where none is recorded yet: the upstream of `main`
    (else `master`), else `origin`, else the only remote; None: several and none of those."""
    found = remotes(config)
    for branch in FALLBACK:
        name = config.get(f"branch.{branch}.remote", "")
        if name in found:
            return name
    if ORIGIN in found:
        return ORIGIN
    return next(iter(found)) if len(found) == 1 else None


def mismatch(config: dict[str, str], name: str, url: str) -> str | None:
    """Why the recorded remote is no longer the one recorded (None: it is): gone, another URL,
    or a URL an `insteadOf` of the repository's config sends elsewhere."""
    from workspace_guard.i18n import _

    now = config.get(f"remote.{name}.url")
    if not url:
        return _("the URL of {name} was never recorded").format(name=name)
    if now is None:
        return _("the remote {name} ({url}) is gone").format(name=name, url=url)
    if now != url:
        return _("the URL of {name} is now {now}, not {url} as recorded").format(
            name=name, now=now, url=url
        )
    for key, value in config.items():  # what a fetch reads (a push's own rewrite does not)
        if (
            key.startswith("url.")
            and key.endswith(".insteadof")
            and value
            and url.startswith(value)
        ):
            base = key[len("url.") : key.rindex(".")]
            return _("{key} sends {url} to {base}").format(
                key=f"url.{base}.insteadOf", url=url, base=base
            )
    return None


def literal_url(common_dir: str, url: str) -> str:
    """The URL as the config file writes it; a relative path from the work tree (the question
    is asked from outside any repository)."""
    if "://" in url or url.startswith(os.sep) or ":" in url.split("/", 1)[0]:
        return url
    base = os.path.dirname(common_dir) if os.path.basename(common_dir) == ".git" else common_dir
    return os.path.normpath(os.path.join(base, url))


def asked(url: str) -> str | None:
    """`ask`, once per process for an answer and once per `RETRY_AFTER` for a failure (the
    daemon's quarter-second poll must not ask the remote each time)."""
    import time

    known = _ASKED.get(url)
    now = time.monotonic()
    if known and (not known[2] or 0 <= now - known[0] < RETRY_AFTER):
        if known[2]:
            raise Unreachable(known[2])
        return known[1]
    try:
        branch = ask(url)
    except Unreachable as exc:
        _ASKED[url] = (now, None, str(exc) or url)
        raise
    _ASKED[url] = (now, branch, "")
    return branch


def ask(url: str) -> str | None:
    """The branch the remote's HEAD names (`refs/heads/B`), or where that is unborn its `main`,
    else its `master`; None: neither. Asked at the literal URL, without the caller's `GIT_*`
    environment and without the user's or the system's config (no `insteadOf` rewrite)."""
    from workspace_guard import git
    from workspace_guard.gates.push.trusted_move import (
        _clean_env,
        _credentials_may_help,
        _no_user_config,
    )

    args = ["ls-remote", "--symref", "--", url, "HEAD", *(f"refs/heads/{b}" for b in FALLBACK)]
    quiet = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"}
    proc = git.run(args, os.sep, check=False, env={**_no_user_config(), **quiet})
    if proc.returncode != 0 and _credentials_may_help(url):
        proc = git.run(args, os.sep, check=False, env={**_clean_env(), **quiet})
    if proc.returncode != 0:
        raise Unreachable(proc.stderr.decode("utf-8", "replace").strip() or url)
    held = set()
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        target, _tab, name = line.partition("\t")
        if name == "HEAD" and target.startswith("ref: refs/heads/"):
            return target[len("ref: ") :].strip()
        held.add(name)
    # an unborn HEAD (a bare repository made with git's default `master`, the team pushing
    # `main`): the remote's own main, else its master — still the remote's answer
    return next((f"refs/heads/{b}" for b in FALLBACK if f"refs/heads/{b}" in held), None)


def keep(cwd: str, values: dict[str, str]) -> None:
    """Record `values` (lower-case keys) in the repository's config, announced on the audit
    chain first (the watch daemon accepts workspace-guard's own writes); a write that fails
    (a concurrent one holds the config's lock) is made by a later call."""
    from workspace_guard.errors import GuardError
    from workspace_guard.state import announce

    for key, value in values.items():
        try:
            announce.git_config(cwd, SPELLED.get(key, key), value or None)
        except (GuardError, OSError):
            return


def install_record(common_dir: str, cwd: str, config: dict[str, str]) -> list[str]:
    """What `install` records (and repairs): the trusted remote's name and URL as configured
    now, and its default branch asked again; as report lines."""
    from workspace_guard.i18n import _

    found = remotes(config)
    if not found:
        return []
    mine = recorded(config)
    pinned = config.get("workspace-guard.rulesref", "").strip()
    name = next((n for n in found if pinned.startswith(f"refs/remotes/{n}/")), None)
    if name is None:
        name = mine[0] if mine and mine[0] in found else choose(config)
    if name is None:
        return [
            _(
                "{key}: not recorded: there are several remotes and none is the upstream of "
                "main or named origin; record the one the team pushes to (git config {key} "
                "NAME), then run install again"
            ).format(key=SPELLED[NAME_KEY])
        ]
    url = found[name]
    values = {NAME_KEY: name, URL_KEY: url}
    try:
        branch = ask(literal_url(common_dir, url))
    except Unreachable:
        branch = config.get(HEAD_KEY) if mine == (name, url) else None
    if branch:
        values[HEAD_KEY] = branch
    elif config.get(HEAD_KEY):
        keep(cwd, {HEAD_KEY: ""})
    keep(cwd, {k: v for k, v in values.items() if config.get(k) != v})
    return [
        _(
            "{key}: {name} ({url}), default branch {branch}: without {pin}, the rules are read "
            "at this remote's default branch; another remote in its place or a changed URL "
            "stops every layer until install runs again"
        ).format(
            key=SPELLED[NAME_KEY],
            name=name,
            url=url,
            branch=(branch or "-").removeprefix("refs/heads/"),
            pin="workspace-guard.rulesRef",
        )
    ]


# --- the trusted revision without a rulesRef (trust_root._find) -----------------------------------

if TYPE_CHECKING:
    from workspace_guard.trust_root import Trusted


def from_remote(
    common_dir: str, cwd: str, head: str | None, config: dict[str, str], record: bool
) -> Trusted:
    """No rulesRef: the tracking ref of the recorded remote's own default branch (the remote
    recorded now where an older install left nothing and `record`), else HEAD where nothing
    names an upstream yet. A repository without rules anywhere is not governed: its upstream as
    the clone says (`trust_root.local_upstream`), nothing asked, nothing written."""
    from workspace_guard import trust_root as tr
    from workspace_guard.i18n import _

    writes: dict[str, str] = {}
    mine = recorded(config)
    if mine is None:
        if not remotes(config):
            return tr.Trusted(None, head, "HEAD")
        if not governed(common_dir, cwd, head, config):
            return tr.local_upstream(common_dir, cwd, head, config)
        name = choose(config)
        if name is None:
            raise undetermined(
                _("several remotes, none recorded, none the upstream of main nor named origin")
            )
        url = config[f"remote.{name}.url"]
        writes = {NAME_KEY: name, URL_KEY: url}
        branch = None
    else:
        name, url = mine
        why = mismatch(config, name, url)
        if why:
            raise tr._changed(name, why)
        branch = config.get(HEAD_KEY) or None
    if branch is None and _points(common_dir, cwd, config, name):
        try:
            branch = asked(literal_url(common_dir, url))
        except Unreachable as exc:
            if mine is not None and not governed(common_dir, cwd, head, config):
                return tr.local_upstream(common_dir, cwd, head, config)
            raise undetermined(str(exc)) from None
        if branch:
            writes[HEAD_KEY] = branch
    if record and writes:
        keep(cwd, writes)
    if branch is None or not branch.startswith("refs/heads/"):
        return tr.Trusted(None, head, "HEAD")  # nothing names an upstream, or the remote is empty
    ref = f"refs/remotes/{name}/{branch[len('refs/heads/') :]}"
    commit = tr._commit(common_dir, cwd, ref)
    if commit:
        return tr.Trusted(ref, commit, "upstream")
    raise tr.Undetermined(
        _(
            "the remote's default branch is {branch}, but {ref} is missing (or is a symbolic "
            "ref) in this clone, so the rules that decide cannot be read"
        ).format(branch=branch[len("refs/heads/") :], ref=ref),
        hint=_("fetch it (git fetch {remote}), then run `workspace-guard install`").format(
            remote=name
        ),
    )


def _points(common_dir: str, cwd: str, config: dict[str, str], name: str) -> bool:
    """Whether anything in the clone says the remote has a branch (else: no upstream yet, and
    the remote is not asked on every call)."""
    from workspace_guard import trust_root as tr

    if os.path.lexists(os.path.join(common_dir, "refs", "remotes", name, "HEAD")):
        return True
    if any(config.get(f"branch.{b}.remote") == name for b in tr.PROTECTED_BRANCHES):
        return True
    return any(tr._commit(common_dir, cwd, f"refs/remotes/{name}/{b}") for b in FALLBACK)


def governed(common_dir: str, cwd: str, head: str | None, config: dict[str, str]) -> bool:
    """A repository under the protocol: workspace-guard's state or record, or a rules file in
    the work tree, the index, HEAD or one of the refs an upstream may be read from."""
    from workspace_guard import git
    from workspace_guard import trust_root as tr

    if os.path.isdir(os.path.join(common_dir, "workspace-guard")) or recorded(config):
        return True
    main_tree = os.path.dirname(common_dir)  # the main work tree (the index says the rest)
    if os.path.basename(common_dir) == ".git" and os.path.isfile(
        os.path.join(main_tree, tr.RULES_PATH)
    ):
        return True
    refs = tr._pointers(common_dir, config)
    refs += [f"refs/remotes/{n}/{b}" for n in remotes(config) for b in FALLBACK]
    commits = [head, *(tr._commit(common_dir, cwd, ref) for ref in refs)]
    specs = [f"{c}:{tr.RULES_PATH}" for c in dict.fromkeys(c for c in commits if c)]
    specs.append(f":{tr.RULES_PATH}")  # the index
    proc = git.run(
        ["cat-file", "--batch-check"], cwd, check=False, input="\n".join(specs).encode() + b"\n"
    )
    return any(line and not line.endswith(b" missing") for line in proc.stdout.splitlines())


def undetermined(why: str) -> Exception:
    """The remote's default branch cannot be asked and was never recorded: fail closed."""
    from workspace_guard import trust_root as tr
    from workspace_guard.i18n import _

    return tr.Undetermined(
        _(
            "the protected branch cannot be determined: {key} is not recorded and the remote's "
            "default branch could not be asked ({why}); origin/HEAD and branch upstreams are "
            "not trusted for this, since any git command can repoint them"
        ).format(key="workspace-guard.rulesRef", why=why),
        hint=_(
            "make the remote reachable, then run `workspace-guard install` (it records the "
            "trusted remote and its default branch; `workspace-guard doctor` says what is "
            "trusted)"
        ),
    )

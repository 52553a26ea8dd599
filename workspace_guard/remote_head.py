"""The remote's own default branch, asked over the wire: the protected branch without a rulesRef.

Where `workspace-guard.rulesRef` is not recorded (an install made before the rules were pushed,
or by an older version), the trust root (trust_root.py) used to take the protected branch from
the clone's `refs/remotes/origin/HEAD` and the upstreams of `main`/`master`. Each of those is
repointed with one git command (`git remote set-head origin X`, `git symbolic-ref
refs/remotes/origin/HEAD …`, `git branch -u origin/X main`), and git older than 2.46 writes
symbolic refs outside any ref transaction, so no hook sees the change: the agent chose the base
whose rules every local layer reads. The branch is now the one the remote's HEAD names, asked of
the remote itself (`git ls-remote --symref URL HEAD`, at the literal URL of the clone's own config
file, without the user's or the system's git config: ATTACK F91), and kept in the state dir keyed
by that URL (`remote-head.json`), so the hot paths ask at most once per URL and an unreachable
remote changes nothing later. Where it was never asked and cannot be, the caller fails closed.
"""

from __future__ import annotations

import json
import os
import time

CACHE_FILE = "remote-head.json"  # in the state dir: {URL: "refs/heads/B"}
ORIGIN = "origin"
FALLBACK = ("main", "master")  # where the remote's HEAD names no branch it has
RETRY_AFTER = 30.0  # seconds a process waits before asking an unreachable remote again
_FAILED: dict[str, tuple[float, str]] = {}


class Unreachable(Exception):
    """The remote could not be asked (git's message)."""


def remote_name(config: dict[str, str]) -> str | None:
    """The remote whose default branch is the protected one: `origin` when configured, else the
    only remote; None when there is none or several without an `origin` (the caller then trusts
    no local pointer)."""
    names = [k[len("remote.") : -len(".url")] for k in config if _is_url_key(k)]
    if ORIGIN in names:
        return ORIGIN
    return names[0] if len(set(names)) == 1 else None


def _is_url_key(key: str) -> bool:
    return key.startswith("remote.") and key.endswith(".url") and key.count(".") >= 2


def literal_url(common_dir: str, url: str) -> str:
    """The URL as the config file writes it; a relative path from the work tree (the question
    is asked from outside any repository)."""
    if "://" in url or url.startswith(os.sep) or ":" in url.split("/", 1)[0]:
        return url
    base = os.path.dirname(common_dir) if os.path.basename(common_dir) == ".git" else common_dir
    return os.path.normpath(os.path.join(base, url))


def cached(common_dir: str, url: str) -> str | None:
    """The branch (`refs/heads/B`) the remote at `url` named as its HEAD when last asked."""
    value = _read(common_dir).get(url)
    return value if isinstance(value, str) and value.startswith("refs/heads/") else None


def default_branch(common_dir: str, url: str) -> str | None:
    """`refs/heads/B` of the remote's default branch (`ask`; kept once asked); None when it
    has none. Raises Unreachable when it cannot be asked and was never asked before."""
    known = cached(common_dir, url)
    if known:
        return known
    failed = _FAILED.get(url)
    if failed and 0 <= time.monotonic() - failed[0] < RETRY_AFTER:
        raise Unreachable(failed[1])  # a long-running process (the daemon) does not ask each poll
    try:
        found = ask(url)
    except Unreachable as exc:
        _FAILED[url] = (time.monotonic(), str(exc))
        raise
    if found:
        _keep(common_dir, url, found)
    return found


def ask(url: str) -> str | None:
    """The branch the remote's HEAD names (`git ls-remote --symref URL HEAD`), or where that
    is unborn its `main`, else its `master`; None: neither. Asked at the literal URL, without
    the caller's `GIT_*` environment and without the user's or the system's config (no
    `insteadOf` rewrite)."""
    from workspace_guard import git
    from workspace_guard.gates.push.trusted_move import (
        _clean_env,
        _credentials_may_help,
        _no_user_config,
    )

    args = ["ls-remote", "--symref", "--", url, "HEAD", *(f"refs/heads/{b}" for b in FALLBACK)]
    proc = git.run(args, os.sep, check=False, env=_no_user_config())
    if proc.returncode != 0 and _credentials_may_help(url):
        proc = git.run(args, os.sep, check=False, env=_clean_env())
    if proc.returncode != 0:
        raise Unreachable(proc.stderr.decode("utf-8", "replace").strip())
    held = set()
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        target, _tab, name = line.partition("\t")
        if name == "HEAD" and target.startswith("ref: refs/heads/"):
            return target[len("ref: ") :].strip()
        held.add(name)
    # an unborn HEAD (a bare repository made with git's default `master`, the team pushing
    # `main`): the remote's own main, else its master — still the remote's answer, not the clone's
    return next((f"refs/heads/{b}" for b in FALLBACK if f"refs/heads/{b}" in held), None)


def _read(common_dir: str) -> dict[str, object]:
    try:
        with open(_path(common_dir), encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _keep(common_dir: str, url: str, branch: str) -> None:
    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    known = _read(common_dir)
    known[url] = branch
    try:
        ensure_dir(os.path.dirname(_path(common_dir)))
        atomic_write(_path(common_dir), json.dumps(known, sort_keys=True) + "\n")
    except OSError:
        pass  # asked again next time


def refresh(common_dir: str, url: str) -> None:
    """`install` asks again (the remote's default branch may have changed since); what was
    learnt before stays when the remote cannot be asked now."""
    try:
        found = ask(url)
    except Unreachable:
        return
    if found:
        _keep(common_dir, url, found)


def _path(common_dir: str) -> str:
    return os.path.join(common_dir, "workspace-guard", CACHE_FILE)

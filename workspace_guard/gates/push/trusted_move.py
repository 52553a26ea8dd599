"""The trusted ref of a clone moves only to what the real remote holds (`reference-transaction`).

Every local layer reads the rules at the trusted revision (trust_root.py): the upstream of the
protected branch, `refs/remotes/origin/main` in a usual clone. Only a fetch from the remote, or
the tracking-ref update of a push the server accepted, may move it. Yet receive-pack writes any
ref another repository pushes into the clone (`git -C OTHER push /path/to/clone
SHA:refs/remotes/origin/main`, a remote of the clone's own configuration whose URL is `.`, a
`--mirror` or `--all` push, `push.default` and branch upstreams), and `update-ref` or a fetch
from somewhere else write it as well: the command line that drives them says nothing reliable.

So the hook judges the ref update itself, whoever makes it: an update of a trusted ref (the
configured `workspace-guard.rulesRef`, the remote's default branch, the upstreams of `main` and
`master`) is allowed only when its new value is the value the remote — the URL in the clone's
own config file — holds for that branch now, asked of the remote (`git ls-remote`); a deletion
only when the remote no longer has the branch. The remote is asked at its literal URL, without
the user's or the system's git config (no `insteadOf` rewrite, ATTACK F91). Anything else is
refused in the `prepared` state, so the ref does not move. Remote-tracking refs that are not
trusted are left alone.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from workspace_guard.repo import Repo

REMOTES = "refs/remotes/"
ABSENT = "0" * 40


def check(repo: Repo, moves: Sequence[tuple[str, str, str]]) -> int:
    """`moves`: (old, new, ref) of the remote-tracking refs this transaction changes. Refuse
    (exit 1) when a trusted one would take a value the remote does not hold."""
    try:
        trusted = trusted_refs(repo)
        wrong = [(new, ref) for _old, new, ref in moves if ref in trusted]
        if not wrong:
            return EXIT_OK
        remotes = _remote_config(repo)
        bad = [(new, ref) for new, ref in wrong if not _remote_holds(repo, remotes, ref, new)]
    except GuardError as exc:
        print(exc.render(), file=sys.stderr)
        bad = [(new, ref) for _old, new, ref in moves]
    if not bad:
        return EXIT_OK
    _report(repo, bad)
    return EXIT_VIOLATION


def trusted_refs(repo: Repo) -> set[str]:
    """Every ref the trust root may read the rules from (trust_root.find): the configured
    `workspace-guard.rulesRef` in each of its spellings, the remote's default branch, and the
    upstreams of local `main` and `master` — those under refs/remotes/."""
    from workspace_guard import trust_root

    common = repo.info.common_dir
    config = trust_root.read_config(common, repo.cwd)
    found = set(trust_root.upstream_candidates(common, config))
    configured = (config.get(trust_root.RULES_REF_KEY) or "").strip()
    if configured:
        found.update(trust_root._spellings(configured))
    return {ref for ref in found if ref.startswith(REMOTES)}


def _remote_config(repo: Repo) -> dict[str, list[str]]:
    """`remote.*` keys of the repository's own config file (`--local`: never a `git -c` or an
    environment the command that moves the ref was given), every value kept."""
    args = ["config", "--local", "-z", "--get-regexp", r"^remote\."]
    proc = git.run(args, repo.cwd, check=False, env=_clean_env())
    found: dict[str, list[str]] = {}
    for item in proc.stdout.split(b"\0"):
        key, _nl, value = item.decode("utf-8", "surrogateescape").partition("\n")
        if key:  # git prints section and key in lower case, the remote's name as it is
            found.setdefault(key, []).append(value)
    return found


def _source(remotes: dict[str, list[str]], ref: str) -> tuple[str, str] | None:
    """(URL, remote branch) a remote-tracking ref follows, by the fetch refspecs of the remote
    it belongs to (`+refs/heads/*:refs/remotes/NAME/*` usually); None: no remote fetches it."""
    for key, urls in remotes.items():
        if not key.endswith(".url") or not urls:
            continue
        name = key[len("remote.") : -len(".url")]
        for spec in remotes.get(f"remote.{name}.fetch", []):
            src, colon, dst = spec.lstrip("+").partition(":")
            if not colon:
                continue
            branch = _mapped(src, dst, ref)
            if branch is not None:
                return urls[-1], branch
    return None


def _mapped(src: str, dst: str, ref: str) -> str | None:
    """The source ref a refspec `src:dst` fetches into `ref`, or None."""
    if "*" not in dst:
        return src if dst == ref and "*" not in src else None
    head, _star, tail = dst.partition("*")
    if not (ref.startswith(head) and ref.endswith(tail)) or len(ref) < len(head) + len(tail):
        return None
    middle = ref[len(head) : len(ref) - len(tail)]
    return src.replace("*", middle, 1) if "*" in src else None


def _remote_holds(repo: Repo, remotes: dict[str, list[str]], ref: str, new: str) -> bool:
    """Whether the remote holds `new` for the branch `ref` follows (absent, for a deletion)."""
    found = _source(remotes, ref)
    if found is None:
        return False
    url, branch = found
    literal = _literal(repo, url)
    args = ["ls-remote", "--", literal, branch]
    proc = git.run(args, os.sep, check=False, env=_no_user_config())
    if proc.returncode != 0 and _credentials_may_help(literal):
        proc = git.run(args, os.sep, check=False, env=_clean_env())
    if proc.returncode != 0:
        return False
    held = ABSENT
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        oid, _tab, name = line.partition("\t")
        if name == branch:
            held = oid
    if held == new and not set(new) <= {"0"}:
        from workspace_guard.gates.push.server_pin import local_server_refuses

        return not local_server_refuses(literal, branch, new)  # tampered outside a push (F93)
    return held == new or (set(new) <= {"0"} and set(held) <= {"0"})


def _literal(repo: Repo, url: str) -> str:
    """The URL as the clone's config file writes it; a relative path from the work tree (git
    resolves it from where it runs: the hook asks from outside any repository)."""
    if "://" in url or url.startswith(os.sep):
        return url
    if ":" in url.split("/", 1)[0]:
        return url  # host:path (scp-like ssh)
    return os.path.join(repo.info.root or repo.info.common_dir, url)


def _credentials_may_help(url: str) -> bool:
    """An https remote that refused the question without the user's config may need its
    credential helper: asked again with that config, but only when it rewrites no URL (`git
    ls-remote --get-url` gives the URL back unchanged; TLS still checks the server)."""
    if not url.startswith("https://"):
        return False
    proc = git.run(["ls-remote", "--get-url", url], os.sep, check=False, env=_clean_env())
    return proc.returncode == 0 and proc.stdout.decode("utf-8", "replace").strip() == url


def _no_user_config() -> dict[str, str]:
    """`_clean_env` without the user's and the system's git config either (ATTACK F91): a
    `url.X.insteadOf` (or `pushInsteadOf`, `core.sshCommand`, an include) in `~/.gitconfig`,
    the XDG file or `/etc/gitconfig` would send `ls-remote` to another repository, which then
    "holds" whatever the agent wants the trusted ref to be. Run from outside any repository,
    the clone's own config is not read either: only the literal URL counts."""
    env = _clean_env()
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    env["GIT_CEILING_DIRECTORIES"] = os.sep
    return env


def _clean_env() -> dict[str, str]:
    """This environment without git's per-command settings (`GIT_*`: a `git -c` of the command
    that moves the ref, an ssh command, a config file of its choosing, a quarantine)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env["LC_ALL"] = "C"
    return env


def _report(repo: Repo, bad: Sequence[tuple[str, str]]) -> None:
    from workspace_guard.state.audit import append

    for new, ref in bad:
        deleted = set(new) <= {"0"}
        text = (
            _(
                "workspace-guard: {ref} is the trusted ref (the rules every local layer reads): "
                "it is deleted only when the remote no longer has its branch; refused"
            )
            if deleted
            else _(
                "workspace-guard: {ref} is the trusted ref (the rules every local layer reads): "
                "it moves only to what the remote holds, and the remote does not hold {sha}; "
                "refused (the ref did not move)"
            )
        )
        print(text.format(ref=ref, sha=new[:10]), file=sys.stderr)
    print(
        _("hint: update it with `git fetch` from the remote; nothing else may move it"),
        file=sys.stderr,
    )
    append(
        repo.state_dir,
        [
            {
                "layer": "reference-transaction",
                "agent": None,
                "path": None,
                "owner": None,
                "level": None,
                "action": "blocked",
                "escalate_to": None,
                "violations": ["trusted-ref"],
                "ref": ref,
                "commit": None if set(new) <= {"0"} else new,
            }
            for new, ref in bad
        ],
    )

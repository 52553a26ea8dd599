"""A Bash command that may write the trusted rules ref writes the rules (docs/trust-root.md).

The analysis (``bash/refs.py``) says which refs a command may write; this module knows which
refs decide where the rules are read from: the trusted ref itself, every ref `trust_root.find`
would consult (``workspace-guard.rulesRef``'s spellings, ``refs/remotes/origin/HEAD``, the
upstreams of ``main``/``master``) and the ones it would fall back to once created. A command that
may write one of them is judged as a write of the rules file: denied unless the agent may
change the rules.
"""

from __future__ import annotations

import fnmatch
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash import Analysis
    from workspace_guard.repo import Repo

_ALWAYS = ("refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master")


def trusted_refs(repo: Repo) -> list[str]:
    """The refs whose value decides which rules the local layers read."""
    from workspace_guard import trust_root

    refs: list[str] = []
    if repo.trusted is not None and repo.trusted.ref:
        refs.append(repo.trusted.ref)
    configured = repo.config.get(trust_root.RULES_REF_KEY, "").strip()
    if configured:
        refs += trust_root._spellings(configured)
    refs += trust_root.upstream_candidates(repo.info.common_dir, repo.config)
    refs += _ALWAYS
    return list(dict.fromkeys(refs))


def rules_ref_writes(repo: Repo, analysis: Analysis) -> tuple[list[str], str]:
    """(the rules file's path, a note) when the command may write a trusted ref; else ([], "")."""
    from workspace_guard.gates.harness.bash.refs import ANY_REF, REMOTE_MARK
    from workspace_guard.gates.harness.bash.syntax import REF_WRITE
    from workspace_guard.i18n import _
    from workspace_guard.trust_root import RULES_PATH

    findings = analysis.of_kind(REF_WRITE)
    if not findings:
        return [], ""
    trusted = trusted_refs(repo)
    for finding in findings:
        refs = list(finding.args)
        if refs and refs[0].startswith(REMOTE_MARK):  # a push: where does it land?
            if not _is_this_repo(repo, refs[0][len(REMOTE_MARK) :], finding.cwd):
                continue
            refs = refs[1:]
        elif not _here(repo, finding.cwd):
            continue  # `git -C other-repo …` writing its own refs: that repository's gate
        refs = _resolve(repo, refs, finding.cwd, trusted, 0)
        hit = next(
            (t for t in trusted for ref in refs if ref == ANY_REF or fnmatch.fnmatchcase(t, ref)),
            None,
        )
        if hit is not None:
            note = _(
                "(`{command}` may move {ref}, the ref the local layers read the rules from, so it "
                "counts as a change of {rules}: only an agent that may change the rules may run "
                "it; a plain `git fetch` or `git pull` of the configured remote stays allowed)"
            ).format(command=finding.detail[:120], ref=hit, rules=RULES_PATH)
            return [RULES_PATH], note
    return [], ""


def _resolve(repo: Repo, refs: list[str], cwd: str, trusted: list[str], depth: int) -> list[str]:
    """The analysis's markers (``bash/refs.py``) as refs of this repository: the branch HEAD
    points to (in the worktree the command runs in), whether its upstream is one the rules may
    come from, every branch when ``rebase.updateRefs`` is set, and
    whether a fetch's configured refspecs may write a trusted ref (what an alias runs is
    expanded before: ``git_commands.py``)."""
    from workspace_guard.gates.harness.bash.refs import (
        ALL_BRANCHES,
        ANY_REF,
        CONFIGURED_MARK,
        CURRENT,
        CURRENT_UPSTREAM,
        UPDATE_REFS_CONFIG,
    )
    from workspace_guard.trust_root import PROTECTED_BRANCHES

    if not any(r.startswith("@") for r in refs):
        return refs
    out: list[str] = []
    for ref in refs:
        if ref.startswith(CONFIGURED_MARK):
            out += _configured(repo, ref[len(CONFIGURED_MARK) :], cwd, trusted)
            continue
        if ref == UPDATE_REFS_CONFIG:
            if any(t.startswith("refs/heads/") for t in trusted) and _update_refs(repo, cwd):
                out.append(ALL_BRANCHES)
            continue
        if ref not in (CURRENT, CURRENT_UPSTREAM):
            out.append(ref)
            continue
        if ref == CURRENT and not any(t.startswith("refs/heads/") for t in trusted):
            continue  # no local branch is trusted: moving one changes no rules
        branch = _current_branch(repo, cwd)
        if branch is None:
            out += [ALL_BRANCHES] if ref == CURRENT else [ANY_REF]  # unknown: any branch
        elif ref == CURRENT:
            out.append(branch)
        elif branch.removeprefix("refs/heads/") in PROTECTED_BRANCHES or branch in trusted:
            out.append(ANY_REF)  # main's upstream may be the trusted ref
    return out


# The fetch refspecs `git clone` and `git remote add` write (all branches, or one with
# `--single-branch`): the remote's own branches into its own remote-tracking refs.
_DEFAULT_SPEC = ("refs/heads/*", "refs/remotes/{name}/*")


def _configured(repo: Repo, name: str, cwd: str, trusted: list[str]) -> list[str]:
    """A fetch with the configured refspecs of remote ``name`` ("": every remote): any ref when
    one of them writes a trusted ref and is not the default shape for its remote
    (``+refs/notes/x:refs/remotes/origin/main``, another remote's ``…:refs/remotes/origin/*``,
    a mirror's ``+refs/*:refs/*``); unreadable configuration: any ref."""
    from workspace_guard import git
    from workspace_guard.gates.harness.bash.refs import ANY_REF

    where = _where(repo, cwd)
    if where is None:
        return [ANY_REF]
    proc = git.run(
        ["config", "--get-regexp", r"^(remotes?\..*|fetch\.prunetags)$"], where, check=False
    )
    if proc.returncode not in (0, 1):
        return [ANY_REF]
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    names = _members(name, lines)
    if any(t.startswith("refs/tags/") for t in trusted) and _prunes_tags(lines, names):
        return [ANY_REF]  # a pruned tag namespace may hold the trusted ref
    for line in lines:
        key, _, spec = line.partition(" ")
        if not (key.startswith("remote.") and key.endswith(".fetch")):
            continue
        remote = key[len("remote.") : -len(".fetch")]
        if names is not None and remote not in names:
            continue
        src, _, dst = spec.strip().lstrip("+").partition(":")
        if src.startswith("^") or not dst:
            continue  # a negative refspec, or one that writes only FETCH_HEAD
        if not any(fnmatch.fnmatchcase(t, dst) for t in trusted):
            continue
        if _default_spec(remote, src, dst):
            continue
        return [ANY_REF]
    return []


def _members(name: str, lines: list[str]) -> set[str] | None:
    """The remotes a fetch of ``name`` reaches: the remote itself and, for a group
    (``remotes.NAME``), every member, groups in groups followed; None: every remote."""
    if not name:
        return None
    groups: dict[str, list[str]] = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if key.startswith("remotes."):
            groups.setdefault(key[len("remotes.") :], []).extend(value.split())
    out: set[str] = set()
    todo = [name]
    while todo:
        item = todo.pop()
        if item in out:
            continue
        out.add(item)
        todo += groups.get(item, [])
    return out


def _prunes_tags(lines: list[str], names: set[str] | None) -> bool:
    """Whether ``fetch.pruneTags`` or a reached remote's ``pruneTags`` is set (any value but
    false: the configuration is read as written)."""
    for line in lines:
        key, _, value = line.partition(" ")
        if not key.lower().endswith(".prunetags") or value.strip().lower() in (
            "false",
            "no",
            "off",
            "0",
        ):
            continue
        remote = key[len("remote.") : -len(".prunetags")] if key.startswith("remote.") else None
        if remote is None or names is None or remote in names:
            return True
    return False


def _default_spec(remote: str, src: str, dst: str) -> bool:
    if (src, dst) == (_DEFAULT_SPEC[0], _DEFAULT_SPEC[1].format(name=remote)):
        return True
    branch = src.removeprefix("refs/heads/")
    return (
        src.startswith("refs/heads/")
        and "*" not in src
        and dst == f"refs/remotes/{remote}/{branch}"
    )


def _where(repo: Repo, cwd: str) -> str | None:
    if cwd and not cwd.startswith(("$", "~")) and os.path.isdir(cwd):
        return cwd
    return repo.info.root


def _update_refs(repo: Repo, cwd: str) -> bool:
    """Whether git's configuration (any level) sets ``rebase.updateRefs``; unreadable: yes."""
    from workspace_guard import git

    where = _where(repo, cwd)
    if where is None:
        return True
    proc = git.run(["config", "--type=bool", "--get", "rebase.updateRefs"], where, check=False)
    return proc.returncode not in (0, 1) or proc.stdout.strip() == b"true"


def _current_branch(repo: Repo, cwd: str) -> str | None:
    """The branch HEAD points to where ``cwd`` is (``refs/heads/…``); "" when detached; None
    when it cannot be known (a directory made at run time elsewhere)."""
    from workspace_guard import git

    where = _where(repo, cwd)
    if where is None:
        return None
    proc = git.run(["symbolic-ref", "-q", "HEAD"], where, check=False)
    if proc.returncode == 1:
        return ""  # detached: no branch moves with HEAD
    text = proc.stdout.decode("utf-8", "replace").strip()
    return text if proc.returncode == 0 and text.startswith("refs/heads/") else None


def _here(repo: Repo, cwd: str) -> bool:
    """Whether git run in ``cwd`` works on this repository (unknown at run time: yes)."""
    root = repo.info.root
    if not cwd or cwd.startswith(("$", "~")) or root is None:
        return True
    real, mine = os.path.realpath(cwd), os.path.realpath(root)
    return real == mine or real.startswith(mine + os.sep) or not os.path.isdir(real)


def _is_this_repo(repo: Repo, remote: str, cwd: str) -> bool:
    """Whether a push to the remote named ``remote`` lands in this repository: its URL is a path
    to it, or it is not configured yet (added by the same command, perhaps)."""
    base = repo.info.root or repo.info.common_dir
    if _here(repo, cwd):
        url = repo.config.get(f"remote.{remote}.url")
    else:  # a push run in another repository (ATTACK F73): its remotes, insteadOf applied
        from workspace_guard import git

        proc = git.run(["ls-remote", "--get-url", remote], cwd, check=False)
        if proc.returncode != 0:
            return True  # unknown: it may be this one
        url, base = proc.stdout.decode("utf-8", "replace").strip(), cwd
    if url is None and (":" in remote or "/" in remote):
        url = remote  # a URL or a path named on the command line
    if url is None:
        return True
    if "://" in url and not url.startswith("file://"):
        return False
    if ":" in url.split("/", 1)[0] and not url.startswith("file:"):
        return False  # host:path
    path = url.removeprefix("file://")
    real = os.path.realpath(os.path.join(base, path))
    mine = {os.path.realpath(base), os.path.realpath(repo.info.common_dir)}
    return real in mine or os.path.realpath(os.path.join(real, ".git")) in mine

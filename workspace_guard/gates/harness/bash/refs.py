"""git commands that write refs: the trusted rules ref is the rules (docs/trust-root.md).

Why: the local layers read the rules as committed at the upstream of the protected branch
(``refs/remotes/origin/main`` or ``workspace-guard.rulesRef``). Whoever moves that ref chooses the
rules: ``git fetch /tmp/clone +main:refs/remotes/origin/main``, ``git update-ref …``,
``git push . X:refs/remotes/origin/main``, ``git replace``… This module says, without I/O, which
refs a command may write: a :data:`REF_WRITE` finding whose ``args`` are the ref names or
patterns (``*`` in a pattern matches anything, ``/`` included; the lone ``*`` is "any ref"). The
gate (``shell.py``) knows the trusted ref and counts a finding that may write it as a write of the
rules file. A plain ``git fetch``/``git pull`` of a configured remote with its configured refspec
makes no finding: that is how the team's accepted rules arrive.
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _join
from workspace_guard.gates.harness.bash.notesrefs import RENAMED_MARK, config_notes, notes_refs
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import REF_WRITE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

ANY_REF = "*"
REMOTE_MARK = "remote="  # first of a push's refs: they land only if that remote is this repo
# Subcommands whose refs come from input the analysis cannot read (a stream, a pack protocol on
# stdin, a history rewrite, an import from another system, a server taking pushes, a GUI): any ref.
ANY_REF_SUBS = _opts(
    "fast-import filter-branch filter-repo receive-pack send-pack replay http-fetch http-push"
    " shell daemon http-backend subtree svn p4 cvsimport archimport cvsserver citool gui history"
    " for-each-repo remote-ext remote-fd remote-ftp remote-ftps remote-http remote-https"
    " fetch-pack quiltimport"
)
# Every git subcommand (``git --list-cmds=main``, plus newer ones): a name outside it is an alias
# or a ``git-NAME`` program, resolved by the gate (``trusted_refs.py``).
BUILTINS = (
    _opts(
        "add add--interactive am annotate apply archive backfill bisect bisect--helper blame branch"
        " bugreport bundle cat-file check-attr check-ignore check-mailmap check-ref-format checkout"
        " checkout--worker checkout-index cherry cherry-pick clean clone column commit commit-graph"
        " commit-tree config count-objects credential credential-cache credential-cache--daemon"
        " credential-store daemon describe diagnose diff diff-files diff-index diff-pairs diff-tree"
        " difftool difftool--helper env--helper fast-export fast-import fetch fetch-pack"
        " filter-branch fmt-merge-msg for-each-ref for-each-repo format-patch fsck fsck-objects"
        " fsmonitor--daemon gc get-tar-commit-id grep hash-object help hook http-backend http-fetch"
        " http-push imap-send index-pack init init-db instaweb interpret-trailers last-modified log"
        " ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge merge-base merge-file"
        " merge-index merge-octopus merge-one-file merge-ours merge-recursive merge-recursive-ours"
        " merge-recursive-theirs merge-resolve merge-subtree merge-tree mergetool mktag mktree"
        " multi-pack-index mv name-rev notes pack-objects pack-redundant pack-refs patch-id pickaxe"
        " prune prune-packed pull push quiltimport range-diff read-tree rebase receive-pack refs"
        " reflog remote remote-ext remote-fd remote-ftp remote-ftps remote-http remote-https repack"
        " replace replay repo request-pull rerere reset restore rev-list rev-parse revert rm"
        " send-email send-pack sh-i18n--envsubst shell shortlog show show-branch show-index"
        " show-ref sparse-checkout stage stash status stripspace submodule submodule--helper"
        " subtree switch"
        " symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info"
        " upload-archive upload-archive--writer upload-pack var verify-commit verify-pack"
        " verify-tag version web--browse whatchanged worktree write-tree"
    )
    | ANY_REF_SUBS
)
REF_SUBS = (
    _opts(
        "fetch pull push update-ref symbolic-ref branch replace remote tag checkout switch"
        " reset rebase merge cherry-pick revert am worktree notes bundle"
    )
    | ANY_REF_SUBS
)
# A fetch of configured remotes: the gate reads their fetch refspecs (``remote.NAME.fetch``);
# one that is not the default shape and writes a trusted ref makes the fetch a move of it.
CONFIGURED_MARK = "@configured="
# Markers the gate resolves against the repository (``trusted_refs.py``): the branch HEAD points
# to is moved; its upstream (``branch.<name>.remote/merge``) changes; every branch pointing into
# a rebased range moves if the repository sets ``rebase.updateRefs``.
CURRENT = "@HEAD"
CURRENT_UPSTREAM = "@upstream"
UPDATE_REFS_CONFIG = "@rebase.updateRefs"
ALL_BRANCHES = "refs/heads/*"
_BRANCH_VAR = "\0BRANCH"  # what an earlier `git switch`/`checkout` in this command made current
# `-c` keys that change where a fetch comes from or where it writes (`remote.X.fetch`, `.url`,
# `url.X.insteadOf`): the fetch is no longer the configured one.
_REMOTE_KEY = re.compile(r"(?:remote\..+\.(?:fetch|url|pushurl|mirror)|url\..+\.insteadof)", re.I)
_FETCH_TAKES = _opts(
    "--depth --deepen --shallow-since --shallow-exclude --upload-pack --refmap -j --jobs"
    " --recurse-submodules-default --submodule-prefix --server-option -o --negotiation-tip"
    " --filter --rebase -s --strategy -X --strategy-option --log -m"
)
_PUSH_TAKES = _opts("--repo --receive-pack --exec --push-option -o --signed --force-with-lease")


GIT_DIR_VAR = "\0GIT_DIR"  # `GIT_DIR=… git …` for this command only (no shell name collides)


def git_dirs(env: _Env, option: str) -> list[str]:
    """Where a git command may write refs: ``--git-dir``, else the cwd's repository, and a
    ``GIT_DIR`` from the command's prefix or the shell (exported or not: both are judged)."""
    found = [option]
    for name in (GIT_DIR_VAR, "GIT_DIR", "GIT_COMMON_DIR"):
        value = env.ctx.vars.get(name)
        if value:
            found.append(_join(env.ctx.cwd, value))
    return list(dict.fromkeys(found))


def ref_command(env: _Env, sub: str, args: list[_Word], keys: list[str]) -> None:
    """Record the refs ``git [-c KEY=…] SUB ARGS`` may write (``keys``: the ``-c`` keys)."""
    handler = _HANDLERS.get(sub) or (_any_ref if sub in ANY_REF_SUBS else None)
    if handler is not None:
        refs = _current(env, handler(args, keys))
        if sub in ("checkout", "switch"):
            _switched(env, sub, args)
        if refs:
            words = " ".join(["git", sub, *(w.text for w in args)])
            env.out.find(REF_WRITE, words, env.ctx.cwd, tuple(dict.fromkeys(refs)))


def config_refs(env: _Env, key: str, value: str | None) -> None:
    """A kept write of ``remote.NAME.fetch|url|pushurl|mirror`` (any scope: the global file
    applies here too) changes where NAME's refs come from or go: those refs, and what the value
    (a fetch refspec) writes, may move (``value`` None: unknown, any ref)."""
    if config_notes(env, key, value):
        return
    match = _REMOTE_KEY.fullmatch(key.strip())
    if match is None or not key.strip().lower().startswith("remote."):
        return
    name = key.strip()[len("remote.") :].rpartition(".")[0]
    refs = [f"refs/remotes/{name}/*"]
    if value is None or "$" in value or "`" in value:
        refs.append(ANY_REF)
    elif key.strip().lower().endswith(".fetch"):
        refs += _dst(value, fetch=True)
    env.out.find(REF_WRITE, f"git config {key} {value or ''}", env.ctx.cwd, tuple(refs))


def _any_ref(args: list[_Word], keys: list[str]) -> list[str]:
    return [ANY_REF]


def _bundle(args: list[_Word], keys: list[str]) -> list[str]:
    return [ANY_REF] if args and args[0].text == "unbundle" else []


def _current(env: _Env, refs: list[str]) -> list[str]:
    """The markers for the current branch, once an earlier switch in this command chose it."""
    switched = env.ctx.vars.get(_BRANCH_VAR)
    if switched is None:
        return refs
    out: list[str] = []
    for ref in refs:
        if ref == CURRENT:
            out += switched.split()
        elif ref == CURRENT_UPSTREAM:
            names = [n.removeprefix("refs/heads/") for n in switched.split()]
            out += [CURRENT_UPSTREAM] if CURRENT in names else []
            out += [ANY_REF] if any(n in _PROTECTED or "*" in n for n in names) else []
        else:
            out.append(ref)
    return out


_CREATES = ("-b", "-B", "-c", "-C", "--create", "--force-create", "--orphan")


def _switched(env: _Env, sub: str, args: list[_Word]) -> None:
    """``git switch B`` / ``git checkout B`` / ``-b/-B/-c/-C NEW``: B is current afterwards
    (``checkout X`` may name a path instead: HEAD may stay where it was)."""
    pos, values, flags = _split(
        args, _opts("-b -B -c -C --create --force-create --orphan --conflict")
    )
    if "--" in (w.text for w in args) and sub == "checkout" and not values:
        return  # `checkout -- PATHS`: no switch
    made = [values[k] for k in _CREATES if k in values]
    named = made or pos[:1]
    if "--detach" in flags or (sub == "switch" and "-d" in flags):
        env.ctx.vars[_BRANCH_VAR] = ""  # detached: no branch moves with HEAD
        return
    if not named:
        return
    text = _literal(named[0])
    branch = ALL_BRANCHES if text is None or text == "-" else "refs/heads/" + text
    keep = sub == "checkout" and not made  # a path, perhaps: the old branch stays current
    old = env.ctx.vars.get(_BRANCH_VAR, CURRENT)
    env.ctx.vars[_BRANCH_VAR] = f"{old} {branch}" if keep else branch


def _literal(word: _Word) -> str | None:
    return word.text if word.literal and "$" not in word.text and "`" not in word.text else None


def _dst(spec: str, *, fetch: bool) -> list[str]:
    """The refs one refspec writes (git's DWIM spellings of a short name, over-approximated)."""
    spec = spec.lstrip("+")
    if spec.startswith("^"):
        return []  # a negative refspec writes nothing
    if ":" not in spec:
        return [] if fetch else _spellings(spec)  # fetch: FETCH_HEAD only; push: same name
    dst = spec.split(":", 1)[1]
    if dst in ("HEAD", "@"):
        return [CURRENT]  # the branch HEAD points to, in the repository written
    return _spellings(dst) if dst else []


def _spellings(name: str) -> list[str]:
    if not name or name == "HEAD":
        return []
    if name.startswith("refs/"):
        return [name]
    return [f"refs/heads/{name}", f"refs/remotes/{name}", f"refs/{name}", f"refs/tags/{name}"]


def _fetch(args: list[_Word], keys: list[str]) -> list[str]:
    pos, values, flags = _split(args, _FETCH_TAKES)
    refs: list[str] = []
    if any(_REMOTE_KEY.fullmatch(k.strip()) for k in keys) or "--stdin" in flags:
        refs.append(ANY_REF)  # the refspec or the source is not the configured one
    if "--refmap" in values:
        refmap = _literal(values["--refmap"])
        refs += [ANY_REF] if refmap is None else _dst(refmap, fetch=True)
    specs = pos[1:]
    if "--multiple" in flags or "--all" in flags:
        specs = []  # every positional is a remote: configured refspecs
    for word in specs:
        text = _literal(word)
        if text == "tag":
            continue
        refs += [ANY_REF] if text is None else _dst(text, fetch=True)
    if flags & {"-P", "--prune-tags"}:
        refs.append("refs/tags/*")  # tags the remote does not have are deleted
    if pos and _literal(pos[0]) is None:
        refs.append(ANY_REF)  # a remote named at run time: may be a path with a mirror refspec
    elif "--all" in flags or not pos:
        refs.append(CONFIGURED_MARK)  # every configured remote (or the default one)
    elif "--multiple" in flags:  # every positional is a remote or a group
        names = [_literal(w) for w in pos]
        refs += [ANY_REF] if None in names else [CONFIGURED_MARK + (n or "") for n in names]
    else:
        name = _literal(pos[0]) or ""
        if not _local(name) and ":" not in name:  # a path or URL has no configured refspec
            refs.append(CONFIGURED_MARK + name)  # a remote, or a group (`remotes.NAME`)
    return refs


def _push(args: list[_Word], keys: list[str]) -> list[str]:
    """A push to the repository itself (``.``, or a path: it may be this one) writes its refs."""
    pos, values, flags = _split(args, _PUSH_TAKES)
    remote = _literal(values["--repo"]) if "--repo" in values else None
    rest = pos
    if remote is None and "--repo" not in values:
        if not pos:
            return []
        remote, rest = _literal(pos[0]), pos[1:]
    refs: list[str] = []
    if remote is not None and ":" in remote and not _local(remote):
        refs.append(REMOTE_MARK + remote)  # a URL: another repository (the gate checks)
    elif remote is not None and not _local(remote):  # a name: the gate looks at its URL
        if any(_REMOTE_KEY.fullmatch(k.strip()) for k in keys):
            return [ANY_REF]
        refs.append(REMOTE_MARK + remote)
    if flags & {"-u", "--set-upstream"} and _moves_upstream(rest):
        return [ANY_REF]  # `push -u origin main:other`: main's upstream (maybe trusted) changes
    if flags & {"--all", "--mirror", "--tags", "--branches"} or not rest:
        return [*refs, ANY_REF]
    for word in rest:
        text = _literal(word)
        if text is None:
            refs += [ANY_REF, RENAMED_MARK + ANY_REF]
            continue
        refs += _dst(text, fetch=False)
        src, colon, dst = text.lstrip("+").partition(":")
        if colon and dst and src != dst:
            refs += [RENAMED_MARK + r for r in _dst(text, fetch=False)]
    return refs


def _moves_upstream(specs: list[_Word]) -> bool:
    """Whether ``push -u`` would give main/master an upstream other than their namesake."""
    for word in specs:
        text = _literal(word)
        if text is None:
            return True
        src, _, dst = text.lstrip("+").partition(":")
        src = src.removeprefix("refs/heads/")
        if src in _PROTECTED and dst and dst.removeprefix("refs/heads/") != src:
            return True
    return False


def _local(remote: str) -> bool:
    """``.``, a path or a ``file://`` URL; a remote name is decided by the gate (its URL)."""
    if remote.startswith("file:") or remote in (".", "..") or "/" in remote.split(":", 1)[0]:
        return True
    return ":" not in remote and not remote.replace("-", "").replace("_", "").isalnum()


def _update_ref(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-m"))
    if "--stdin" in flags or not pos:
        return [ANY_REF]
    text = _literal(pos[0])
    if text in ("HEAD", "@"):  # through the symbolic ref to the branch it names
        return [] if "--no-deref" in flags else [CURRENT]
    return [ANY_REF] if text is None else _spellings(text) or [text]


def _symbolic_ref(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-m"))
    if len(pos) < 2 and not flags & {"-d", "--delete"}:
        return []  # reads it
    text = _literal(pos[0]) if pos else None
    refs = [ANY_REF] if text is None else _spellings(text) or [text]
    target = _literal(pos[1]) if len(pos) > 1 else ""
    if target is None or (target or "").startswith("refs/notes/"):
        refs.append(ANY_REF if target is None else target)  # writes through it reach the target
    return refs


_BRANCH_MOVES = _opts("-f --force -m -M -c -C -d -D --delete --move --copy")


_PROTECTED = ("main", "master")  # trust_root.PROTECTED_BRANCHES: their upstream may be trusted


def _branch(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-u --set-upstream-to --contains --points-at"))
    if flags & {"-u", "--set-upstream-to", "--unset-upstream"}:
        if not pos:
            return [CURRENT_UPSTREAM]  # no branch named: the current one's upstream
        named = [_literal(w) for w in pos[-1:]]
        if any(n is None or n.removeprefix("refs/heads/") in _PROTECTED for n in named):
            return [ANY_REF]  # main's upstream is the trusted ref when nothing else is recorded
        return []
    if not flags & _BRANCH_MOVES or "--list" in flags or "-l" in flags:
        return []  # a new branch, a listing, `-u`: not a move of an existing one
    renames = flags & {"-m", "-M", "--move", "-c", "-C", "--copy"}
    if renames:
        dst = _literal(pos[-1]) if pos else None
        if dst is None or dst.removeprefix("refs/heads/") in _PROTECTED:
            return [ANY_REF]  # the branch's upstream settings go with it: main's may change
        if len(pos) == 1 and flags & {"-m", "-M", "--move"}:
            return [CURRENT, *_heads(pos)]  # renames the current branch away
    moved = _heads(pos[:1] if flags & {"-f", "--force"} else pos)
    if flags & {"-r", "--remotes", "-a", "--all"}:  # `branch -dr origin/main`: remote-tracking
        moved += [r.replace("refs/heads/", "refs/remotes/", 1) for r in moved]
    return moved


def _heads(words: list[_Word]) -> list[str]:
    out: list[str] = []
    for word in words:
        text = _literal(word)
        out.append(ANY_REF if text is None else "refs/heads/" + text.removeprefix("refs/heads/"))
    return out


def _checkout(args: list[_Word], keys: list[str]) -> list[str]:
    """``git checkout -B NAME`` / ``git switch -C NAME``: resets an existing branch."""
    _, values, _ = _split(args, _opts("-b -B -c -C --force-create --orphan --conflict"))
    return _heads([values[k] for k in ("-B", "-C", "--force-create") if k in values])


def _worktree(args: list[_Word], keys: list[str]) -> list[str]:
    """``git worktree add -B NAME PATH``: resets an existing branch, like ``checkout -B``."""
    if not args or args[0].text != "add":
        return []
    _, values, _ = _split(args[1:], _opts("-b -B --reason"))
    return _heads([values["-B"]] if "-B" in values else [])


# Commands that move the branch HEAD points to (a fast-forward, a reset, a rewrite), unless only
# asked to stop or show. `commit` is left to the commit hooks, which judge what it records.
_STOPS = _opts("--abort --quit --show-current-patch --edit-todo")
_MOVES_TAKES = _opts(
    "-s --strategy -X --strategy-option -m --mainline --onto -x --exec -S --gpg-sign"
    " --pathspec-from-file --rebase-merges -C --whitespace --patch-format --directory -p"
    " --depth --upload-pack --rebase -o --server-option"
)


def _moves_current(args: list[_Word], keys: list[str]) -> list[str]:
    _, _, flags = _split(args, _MOVES_TAKES)
    if flags & _STOPS or (flags & {"-n", "--no-commit"} and not flags & {"--continue"}):
        return []
    return [CURRENT]


def _reset(args: list[_Word], keys: list[str]) -> list[str]:
    """``git reset [MODE] COMMIT``: moves the current branch; ``reset [--] PATHS`` does not
    (a word before ``--`` may be either: it counts)."""
    texts = [w.text for w in args]
    before = args[: texts.index("--")] if "--" in texts else args
    pos, _, _ = _split(before, _opts("--pathspec-from-file"))
    return [CURRENT] if pos else []


def _rebase(args: list[_Word], keys: list[str]) -> list[str]:
    """A rebase moves the current branch, and with ``--update-refs`` (or ``rebase.updateRefs``)
    every branch that points into the rebased range: main too."""
    refs = _moves_current(args, keys)
    _, _, flags = _split(args, _MOVES_TAKES)
    if flags & _STOPS:
        return []
    if "--no-update-refs" in flags:
        return refs
    if "--update-refs" in flags or any(k.strip().lower() == "rebase.updaterefs" for k in keys):
        return [*refs, ALL_BRANCHES]
    return [*refs, UPDATE_REFS_CONFIG]


def _pull(args: list[_Word], keys: list[str]) -> list[str]:
    """A pull fetches (see :func:`_fetch`), then merges or rebases into the current branch (a
    rebase, perhaps chosen by ``pull.rebase``, with ``--update-refs`` or ``rebase.updateRefs``
    moves other branches too)."""
    refs = _fetch(args, keys)
    if {w.text for w in args} & _STOPS:
        return refs
    updates = "--update-refs" in {w.text for w in args}
    if updates or any(k.strip().lower() == "rebase.updaterefs" for k in keys):
        return [*refs, CURRENT, ALL_BRANCHES]
    return [*refs, CURRENT, UPDATE_REFS_CONFIG]


def _tag(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-m -F -u --local-user --cleanup --format"))
    if not flags & {"-f", "--force", "-d", "--delete"}:
        return []
    out: list[str] = []
    for word in pos[:1] if flags & {"-f", "--force"} else pos:
        text = _literal(word)
        out.append(ANY_REF if text is None else "refs/tags/" + text.removeprefix("refs/tags/"))
    return out


def _replace(args: list[_Word], keys: list[str]) -> list[str]:
    _, _, flags = _split(args, _opts("--format"))
    if flags & {"-l", "--list"} or (not args):
        return []
    return [ANY_REF]  # a replacement object changes what every ref's commit reads as


def _remote(args: list[_Word], keys: list[str]) -> list[str]:
    """``git remote set-url/set-branches/rename/update``: where the trusted ref comes from."""
    pos, _, _ = _split(args, _opts("-t -m"))  # --add, --push, --delete: flags
    if not pos:
        return []
    action = pos[0].text
    if action == "add" and len(pos) > 1:  # `-m main` sets NAME/HEAD; `-f` fetches into NAME/*
        name = _literal(pos[1])
        return [ANY_REF] if name is None else [f"refs/remotes/{name}/*"]
    if action in ("set-url", "set-branches", "rename", "set-head", "remove", "rm") and len(pos) > 1:
        # `rename X NAME` moves X's refs and settings onto NAME: a write of both (F104)
        names = [_literal(w) for w in pos[1 : 3 if action == "rename" else 2]]
        return [ANY_REF] if None in names else [f"refs/remotes/{n}/*" for n in names]
    if action in ("update", "prune") and any(_REMOTE_KEY.fullmatch(k.strip()) for k in keys):
        return [ANY_REF]
    if action in ("update", "prune"):  # remotes or groups (`remotes.NAME`); prune deletes refs
        names = [_literal(w) for w in pos[1:]]
        if None in names:
            return [ANY_REF]
        return [CONFIGURED_MARK + (n or "") for n in names] or [CONFIGURED_MARK]
    return []


_HANDLERS = {
    "fetch": _fetch,
    "push": _push,
    "update-ref": _update_ref,
    "symbolic-ref": _symbolic_ref,
    "branch": _branch,
    "replace": _replace,
    "remote": _remote,
    "tag": _tag,
    "checkout": _checkout,
    "switch": _checkout,
    "worktree": _worktree,
    "reset": _reset,
    "rebase": _rebase,
    "pull": _pull,
    "merge": _moves_current,
    "cherry-pick": _moves_current,
    "revert": _moves_current,
    "am": _moves_current,
    "notes": notes_refs,
    "bundle": _bundle,
}

"""Which work-tree files a git command would change, asked of git before it runs.

Why: ``git switch B``, ``git stash``, ``git reset --hard`` or ``git merge B`` rewrite files that
no argument names. Counting them as writes of *every* file made the gate deny them even on a
clean tree and answer with every protected path; ignoring them let a branch switch replace a
protected file. The Bash analysis reports such a command as a ``git-worktree`` finding (its
subcommand, its literal arguments, where it runs); here git itself says what would change
(``git diff --name-only HEAD B``, the stash's own diff, the untracked files ``git clean`` sees…).

``changed_paths`` answers absolute paths, or None when git cannot say in advance (a ``git pull``
from a place that is neither the trusted remote nor a local clone, ``rebase --continue``, an
argument only known at run time): the caller then
treats the command as writing every tracked file. Refs are resolved to commit ids before they
reach another git command, and a word that looks like an option is never passed as a ref.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from workspace_guard.gates.harness.bash.syntax import Finding

    _Resolver = Callable[["_Git", list[str]], "list[str] | None"]


class _Git:
    """git run in one work tree (the command's own cwd), answering top-relative names."""

    def __init__(self, cwd: str, top: str) -> None:
        self.cwd, self.top = cwd, top

    def names(self, *args: str, here: bool = False) -> list[str] | None:
        """NUL-separated names from a git command; None when git fails."""
        from workspace_guard import git

        result = git.run(args, self.cwd if here else self.top, check=False)
        if result.returncode != 0:
            return None
        return [n for n in git.zsplit(result.stdout) if n]

    def commit(self, ref: str) -> str | None:
        """The commit id ``ref`` names, or None (never an option, never a failure)."""
        from workspace_guard import git

        if not ref or ref.startswith("-"):
            return None
        result = git.run(["rev-parse", "--verify", "-q", ref + "^{commit}"], self.top, check=False)
        text = result.stdout.decode("ascii", "replace").strip()
        return text if result.returncode == 0 and text else None

    def tree(self, ref: str) -> str | None:
        """The tree id ``ref`` names (a commit, a tree, ``HEAD:dir``), or None."""
        from workspace_guard import git

        if not ref or ref.startswith("-"):
            return None
        result = git.run(["rev-parse", "--verify", "-q", ref + "^{tree}"], self.cwd, check=False)
        text = result.stdout.decode("ascii", "replace").strip()
        return text if result.returncode == 0 and text else None

    def diff(self, a: str, b: str) -> list[str] | None:
        """Paths that differ between two commits (no rename pairing: both sides count)."""
        return self.names("diff", "--name-only", "-z", "--no-renames", a, b, "--")

    def local(self) -> list[str]:
        """Tracked paths whose work-tree or index content differs from HEAD."""
        return self.names("diff", "--name-only", "-z", "--no-renames", "HEAD", "--") or []

    def tracked(self) -> list[str]:
        return self.names("ls-files", "-z", "--full-name") or []


def changed_paths(finding: Finding) -> list[str] | None:
    """Absolute paths the finding's git command would change; None when git cannot tell."""
    from workspace_guard import git

    if not finding.args or not os.path.isdir(finding.cwd):
        return None
    result = git.run(["rev-parse", "--show-toplevel"], finding.cwd, check=False)
    top = result.stdout.decode("utf-8", "surrogateescape").strip()
    if result.returncode != 0 or not top:
        return None
    resolver = _RESOLVERS.get(finding.args[0])
    names = resolver(_Git(finding.cwd, top), list(finding.args[1:])) if resolver else None
    if names is None:
        return None
    return [os.path.join(top, name) for name in dict.fromkeys(names)]


def _parse(args: Sequence[str], takes: str) -> tuple[list[str], set[str], list[str]]:
    """(positionals, flags, pathspecs after ``--``); values of ``takes`` options skipped."""
    takes_set = set(takes.split())
    pos: list[str] = []
    flags: set[str] = set()
    i = 0
    while i < len(args):
        text = args[i]
        i += 1
        if text == "--":
            return pos, flags, list(args[i:])
        if text.startswith("--"):
            flags.add(text.partition("=")[0])
            i += 1 if text in takes_set else 0
        elif text.startswith("-") and len(text) > 1:
            flags.update("-" + c for c in text[1:])
            i += 1 if text in takes_set else 0
        else:
            pos.append(text)
    return pos, flags, []


def _target(g: _Git, ref: str | None, force: bool) -> list[str] | None:
    """Switching the work tree from HEAD to ``ref`` (``-f``: local changes are dropped too)."""
    if ref is None:
        return g.local() if force else []
    commit = g.commit("@{-1}" if ref == "-" else ref)
    if commit is None:
        return [] if g.commit("HEAD") else None  # git refuses an unknown ref: nothing changes
    changed = g.diff("HEAD", commit)
    if changed is None:
        return None
    return [*changed, *(g.local() if force else [])]


def _switch(g: _Git, args: list[str]) -> list[str] | None:
    if _clustered(args, "cC"):
        return None
    pos, flags, _ = _parse(args, "-c -C --create --force-create --orphan --conflict")
    if "--orphan" in flags:
        return g.tracked()  # an orphan branch starts from an empty tree
    force = bool(flags & {"-f", "--force", "--discard-changes"})
    return _target(g, pos[0] if pos else None, force)


def _clustered(args: list[str], letters: str) -> bool:
    """A short-option cluster holding an option that takes a value (``-fb NEW``, ``-Ws REV``):
    which word is its value is not worth guessing, so git is not asked (None: fail closed)."""
    for text in args:
        if text == "--":
            return False
        cluster = text.startswith("-") and not text.startswith("--") and len(text) > 2
        if cluster and any(c in text[1:] for c in letters):
            return True
    return False


def _checkout(g: _Git, args: list[str]) -> list[str] | None:
    if _clustered(args, "bB"):
        return None
    pos, flags, paths = _parse(args, "-b -B --orphan --conflict --pathspec-from-file")
    from_file = "--pathspec-from-file" in flags
    force = bool(flags & {"-f", "--force"})
    if flags & {"-p", "--patch"} and not paths and not from_file:
        source = pos[0] if pos and g.tree(pos[0]) else None
        return _restored(g, source, pos[1:] if source else pos, False, patch=True)
    if not pos and not paths and not from_file:
        return _target(g, None, force)
    first = pos[0] if pos and pos[0] != "-" else "@{-1}" if pos else ""
    if not paths and not from_file and len(pos) == 1 and g.commit(first):
        return _target(g, pos[0], force)  # a branch switch
    if paths or from_file or (pos and g.tree(first)):  # `checkout [TREE] [--] PATHS`
        source = pos[0] if pos else None
        return _restored(g, source, [*pos[1:], *paths], from_file)
    return _restored(g, None, pos, from_file)  # `git checkout FILE…`: from the index


def _restore(g: _Git, args: list[str]) -> list[str] | None:
    if _clustered(args, "s"):
        return None
    pos, flags, paths = _parse(args, "-s --source --pathspec-from-file --conflict")
    staged, worktree = flags & {"-S", "--staged"}, flags & {"-W", "--worktree"}
    if staged and not worktree:
        return []  # the index only
    source = _value(args, "-s", "--source") or ("HEAD" if staged else None)
    from_file = "--pathspec-from-file" in flags
    patch = bool(flags & {"-p", "--patch"})
    return _restored(g, source, [*pos, *paths], from_file, patch=patch)


def _value(args: list[str], short: str, long: str) -> str | None:
    """The value of an option given as ``-s V``, ``-sV``, ``--long V`` or ``--long=V``."""
    for k, text in enumerate(args):
        if text == "--":
            break
        if text in (short, long) and k + 1 < len(args):
            return args[k + 1]
        if text.startswith(long + "="):
            return text.partition("=")[2]
        if text.startswith(short) and len(text) > len(short) and not text.startswith("--"):
            return text[len(short) :]
    return None


def _restored(
    g: _Git, source: str | None, specs: list[str], from_file: bool, *, patch: bool = False
) -> list[str] | None:
    """Tracked paths matching ``specs`` whose work-tree file differs from ``source`` (a tree-ish)
    or, without one, from the index: exactly the files a restore of those paths rewrites. Paths
    read from a file are not known here: every path that differs counts (so does ``-p`` without
    paths: it offers every change)."""
    if not specs and not from_file:
        if not patch:
            return []
        specs = ["."]
    base = []
    if source is not None:
        tree = g.tree(source)
        if tree is None:
            return [] if g.commit("HEAD") else None  # git refuses an unknown source
        base.append(tree)
    return g.names(
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--no-relative",  # names from the top whatever `diff.relative` says
        *base,
        "--",
        *([] if from_file else specs),
        here=True,
    )


def _stash(g: _Git, args: list[str]) -> list[str] | None:
    action = args[0] if args and not args[0].startswith("-") else "push"
    rest = args[1:] if args and action == args[0] else args
    pos, flags, _ = _parse(rest, "-m --message --pathspec-from-file")
    if action in ("push", "save"):
        changed = (
            g.names("diff", "--name-only", "-z", "--cached", "HEAD", "--") or []
            if flags & {"-S", "--staged"}
            else g.local()
        )
        if flags & {"-u", "--include-untracked", "-a", "--all"}:
            ignored = [] if flags & {"-u", "--include-untracked"} else ["--ignored"]
            changed += g.names("ls-files", "-z", "--others", *ignored, "--exclude-standard") or []
        return changed
    if action in ("pop", "apply", "branch"):
        ref = (pos[1:] if action == "branch" else pos)[:1] or ["stash@{0}"]
        commit = g.commit(ref[0])
        if commit is None:
            return []
        changed = g.diff(commit + "^1", commit) or []
        changed += g.names("ls-tree", "-r", "-z", "--name-only", commit + "^3") or []
        if action == "branch":
            changed += g.diff("HEAD", commit + "^1") or []
        return changed
    return []  # list, show, drop, clear, create, store


def _reset(g: _Git, args: list[str]) -> list[str] | None:
    pos, flags, _ = _parse(args, "--pathspec-from-file")
    if not flags & {"--hard", "--merge", "--keep"}:
        return []
    commit = g.commit(pos[0] if pos else "HEAD")
    if commit is None:
        return []
    return g.names("diff", "--name-only", "-z", "--no-renames", commit, "--")


def _merged(g: _Git, refs: list[str]) -> list[str] | None:
    """What merging ``refs`` into HEAD brings: each one's changes since the merge base."""
    out: list[str] = []
    for ref in refs or ["@{upstream}"]:
        commit = g.commit(ref)
        if commit is None:
            return None
        changed = g.names("diff", "--name-only", "-z", "--no-renames", "HEAD..." + commit, "--")
        if changed is None:
            return None
        out += changed
    return out


def _abort(g: _Git) -> list[str]:
    """``--abort``: local changes are dropped and HEAD goes back to ORIG_HEAD."""
    orig = g.commit("ORIG_HEAD")
    return [*g.local(), *((g.diff("HEAD", orig) or []) if orig else [])]


def _sequence(flags: set[str]) -> str | None:
    for flag in ("--abort", "--quit", "--continue", "--skip", "--edit-todo", "--resolved"):
        if flag in flags:
            return flag
    return None


def _merge(g: _Git, args: list[str]) -> list[str] | None:
    pos, flags, _ = _parse(args, "-m -F -s -X --strategy --strategy-option --into-name --cleanup")
    step = _sequence(flags)
    if step == "--abort":
        return g.local()
    if step is not None:
        return [] if step in ("--quit", "--continue") else None
    return _merged(g, pos)


def _rebase(g: _Git, args: list[str]) -> list[str] | None:
    takes = "--onto -s --strategy -X --strategy-option -x --exec -C --whitespace"
    pos, flags, _ = _parse(args, takes)
    step = _sequence(flags)
    if step == "--abort":
        return _abort(g)
    if step is not None or "--root" in flags:
        return [] if step == "--quit" else None
    onto = [a for k, a in enumerate(args[1:]) if args[k] == "--onto"]
    onto += [a.partition("=")[2] for a in args if a.startswith("--onto=")]
    upstream = pos
    changed = _merged(g, [*upstream[:1], *onto])
    if changed is not None and len(upstream) > 1:
        switched = _target(g, upstream[1], False)
        return None if switched is None else [*changed, *switched]
    return changed


def _picks(g: _Git, args: list[str]) -> list[str] | None:
    pos, flags, _ = _parse(args, "-m --mainline -s --strategy -X --strategy-option")
    step = _sequence(flags)
    if step == "--abort":
        return _abort(g)
    if step is not None or not pos:
        return [] if step == "--quit" else None
    if any(p.startswith("-") for p in pos):
        return None
    return g.names("log", "--no-walk", "--format=", "--name-only", "-z", "--no-renames", *pos)


def _patches(g: _Git, args: list[str]) -> list[str] | None:
    """``git am`` / ``git apply`` of a file or stdin: every file (``_stdin_patch``: inline)."""
    _, flags, _ = _parse(args, "-p -C --directory --exclude --include --whitespace --patch-format")
    step = _sequence(flags)
    if step == "--abort":
        return _abort(g)
    if step is not None:
        return [] if step in ("--quit",) else None
    if flags & {"--check", "--stat", "--numstat", "--summary", "--cached"}:
        return []
    return None  # a patch file or stdin: never read, it may change before git reads it (F92)


def _stdin_patch(g: _Git, args: list[str]) -> list[str] | None:
    """``git apply|am <<'EOF'``: the paths the text names (``bash/patch_input.py``), from the
    top (how git reads them) and from where it runs, ``-pN`` and ``--directory`` applied."""
    from workspace_guard.gates.harness.patch_text import patch_paths

    if len(args) != 3 or not args[0].isdigit():
        return None
    strip, prefix, text = int(args[0]), args[1], args[2]
    out: list[str] = []
    for name in patch_paths(text):
        parts = name.lstrip("/").split("/")
        for k in range(min(strip, len(parts) - 1) + 1):
            rel = os.path.join(prefix, "/".join(parts[k:]))
            here = os.path.relpath(os.path.join(g.cwd, rel), g.top)
            out += [os.path.normpath(rel), here]
    return [n for n in out if n != "." and not n.startswith("../")] or []


def _clean(g: _Git, args: list[str]) -> list[str] | None:
    """``git clean``: only untracked files go (``-x`` ignored ones too, ``-X`` only those)."""
    pos, flags, paths = _parse(args, "-e --exclude")
    if flags & {"-n", "--dry-run"}:
        return []
    which = (
        ["--others"]
        if "-x" in flags
        else ["--others", "--ignored", "--exclude-standard"]
        if "-X" in flags
        else ["--others", "--exclude-standard"]
    )
    specs = [*pos, *paths]
    return g.names("ls-files", "-z", "--full-name", *which, "--", *specs, here=True)


_PULL_TAKES = (
    "--depth --deepen --shallow-since --shallow-exclude --upload-pack -j --jobs"
    " --recurse-submodules -s --strategy -X --strategy-option --log --rebase -o"
    " --server-option --negotiation-tip --cleanup -S --gpg-sign"
)


def _pull(g: _Git, args: list[str]) -> list[str] | None:
    """``git pull [REMOTE [REF…]]``: a fetch, then a merge or rebase.

    From the trusted remote (``origin``, or the one in ``workspace-guard.rulesRef``), named or as
    the branch's upstream, the incoming paths are not known without the network, and what is
    there passed the server's gate: the local changes it would carry along or overwrite decide
    (a clean tree: none). From a local repository sharing our history (a path, or another
    remote whose URL is one): what its refs bring (``HEAD...THEIRS`` there). Else: None."""
    pos, flags, _ = _parse(args, _PULL_TAKES)
    if flags & {"--abort", "--quit"}:
        return _abort(g)
    if any(":" in ref for ref in pos[1:]):
        return None  # an explicit refspec: it may write refs the merge then uses
    remote = pos[0] if pos else _upstream_remote(g)
    if remote is None:
        return g.local()  # no upstream: git refuses to pull, only local changes could matter
    if remote == _trusted_remote(g):
        return g.local()
    url = _config(g, f"remote.{remote}.url") if _NAME.fullmatch(remote) else None
    return _pulled_from_path(g, url or remote, pos[1:])


_NAME = re.compile(r"[A-Za-z0-9][\w.-]*")


def _config(g: _Git, key: str) -> str | None:
    from workspace_guard import git

    result = git.run(["config", "--get", key], g.top, check=False)
    text = result.stdout.decode("utf-8", "surrogateescape").strip()
    return text if result.returncode == 0 and text else None


def _trusted_remote(g: _Git) -> str:
    """The remote whose refs the rules come from (what it holds passed the server's gate)."""
    from workspace_guard.core.gitconfig_keys import trusted_remote

    return trusted_remote(_config(g, "workspace-guard.rulesRef"))


def _upstream_remote(g: _Git) -> str | None:
    """The remote of the current branch's upstream, or None (no upstream, detached)."""
    from workspace_guard import git

    result = git.run(["symbolic-ref", "-q", "--short", "HEAD"], g.cwd, check=False)
    branch = result.stdout.decode("utf-8", "surrogateescape").strip()
    if result.returncode != 0 or not branch:
        return None
    return _config(g, f"branch.{branch}.remote")


def _pulled_from_path(g: _Git, source: str, refs: list[str]) -> list[str] | None:
    """What pulling ``refs`` from the local repository ``source`` brings, asked of git there."""
    path = source.removeprefix("file://")
    path = path if os.path.isabs(path) else os.path.join(g.cwd, path)
    head = g.commit("HEAD")
    if head is None or not os.path.isdir(path) or any(r.startswith("-") for r in refs):
        return None
    there = _Git(path, path)
    if there.commit(head) is None:
        return None  # no shared history there: what it brings cannot be computed here
    out: list[str] = []
    for ref in refs or ["HEAD"]:
        theirs = there.commit(ref.lstrip("+").partition(":")[0])
        if theirs is None:
            return None
        changed = there.names("diff", "--name-only", "-z", "--no-renames", f"{head}...{theirs}")
        if changed is None:
            return None
        out += changed
    return [*out, *g.local()]


_RESOLVERS: dict[str, _Resolver] = {
    "switch": _switch,
    "checkout": _checkout,
    "restore": _restore,
    "stash": _stash,
    "reset": _reset,
    "merge": _merge,
    "rebase": _rebase,
    "cherry-pick": _picks,
    "revert": _picks,
    "am": _patches,
    "apply": _patches,
    "clean": _clean,
    "pull": _pull,
    "\x00stdin-patch": _stdin_patch,  # bash/patch_input.STDIN_PATCH
}

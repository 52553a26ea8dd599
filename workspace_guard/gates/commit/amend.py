"""Is the commit being made `git commit --amend`? Git does not tell its commit hooks.

An amend replaces HEAD, so its message answers for HEAD's own changes as well as the staged ones:
the commit-msg hook must check the index against HEAD's parent, not against HEAD. The only trace
of `--amend` is the command line of the git process running the hook, so it is read from
`/proc` (Linux; elsewhere the answer is "no", and the push gate still checks the real commit) and
parsed the way git's option parser reads `git commit`'s options: values of options that take one
are skipped (`-m --amend` is a message), clustered short options (`-am MSG`), unambiguous
abbreviations of long options (`--am`), `--no-amend`, and `--` (pathspecs follow).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# `git commit -h` (git 2.39): options taking a value in the next argument, then the others.
_VALUED = (
    "file",
    "author",
    "date",
    "message",
    "reedit-message",
    "reuse-message",
    "fixup",
    "squash",
    "trailer",
    "template",
    "cleanup",
    "pathspec-from-file",
)
_FLAGS = (
    "quiet",
    "verbose",
    "reset-author",
    "signoff",
    "edit",
    "status",
    "gpg-sign",
    "all",
    "include",
    "interactive",
    "patch",
    "only",
    "verify",
    "no-verify",
    "dry-run",
    "short",
    "branch",
    "ahead-behind",
    "porcelain",
    "long",
    "null",
    "amend",
    "post-rewrite",
    "no-post-rewrite",
    "untracked-files",
    "pathspec-file-nul",
    "allow-empty",
    "allow-empty-message",
)
_NEGATED = (f"no-{name}" for name in _FLAGS if not name.startswith("no-"))
_LONG = tuple(dict.fromkeys((*_VALUED, *_FLAGS, *_NEGATED)))  # each once: `--no-ver` is unique
_SHORT_VALUED = "FmcCt"  # -F FILE, -m MSG, -c/-C COMMIT, -t FILE
_SHORT_OPTIONAL = "Su"  # -S[KEYID], -u[MODE]: a value only when attached
# git's own options before the subcommand that take the next argument as their value
_GIT_VALUED = ("-c", "-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix")
# git commands that run the commit hooks themselves (and cannot be aliases): no lookup for them
_BUILTINS = frozenset(("rebase", "merge", "cherry-pick", "revert", "am", "pull", "stash", "notes"))
MAX_ANCESTORS = 6  # hook ← (sh) ← (pre-commit framework, its sh) ← git


def amending(cwd: str | None = None) -> bool:
    """Whether the git process running this hook is a `git commit --amend` (aliases of
    `commit` are looked up in the git config of `cwd`)."""
    argv = _git_command_line()
    return argv is not None and amends(argv, lambda name: _alias(name, cwd))


def amends(argv: Sequence[str], alias: Callable[[str], str | None] | None = None) -> bool:
    """Whether `argv`, a git command line, is a `git commit` that amends. `alias` gives the
    definition of a git alias (`git config alias.NAME`), if any."""
    rest = _commit_options(argv, alias)
    if rest is None:
        return False
    amend = False
    items = iter(rest)
    for arg in items:
        if arg == "--":
            break
        if arg.startswith("--"):
            name, eq, _ = arg[2:].partition("=")
            option = _resolve(name)
            if option == "amend":
                amend = True
            elif option == "no-amend":
                amend = False
            elif option in _VALUED and not eq:
                next(items, None)
        elif arg.startswith("-") and len(arg) > 1:
            for index, letter in enumerate(arg[1:], start=1):
                if letter in _SHORT_VALUED:
                    if index == len(arg) - 1:
                        next(items, None)  # the value is the next argument
                    break  # the rest of the cluster is the value
                if letter in _SHORT_OPTIONAL:
                    break
    return amend


def _resolve(name: str) -> str | None:
    """A long option as git's parser reads it: exact, or the one option it abbreviates."""
    if name in _LONG:
        return name
    found = [option for option in _LONG if option.startswith(name)]
    return found[0] if len(found) == 1 else None


def _commit_options(
    argv: Sequence[str], alias: Callable[[str], str | None] | None = None
) -> list[str] | None:
    """The arguments after `commit` in a git command line, or None when it is not `git commit`
    (an alias standing for `commit …` is expanded, as git does, up to a few levels)."""
    if not argv:
        return None
    program = os.path.basename(argv[0])
    if program == "git-commit":
        return list(argv[1:])
    if program != "git":
        return None
    items = iter(argv[1:])
    for arg in items:
        if arg in _GIT_VALUED:
            next(items, None)
        elif arg.startswith("-"):
            continue  # --no-pager, --git-dir=…, -p, …
        elif arg == "commit":
            return list(items)
        else:
            return _expand(arg, list(items), alias)
    return None


def _expand(
    name: str, rest: list[str], alias: Callable[[str], str | None] | None
) -> list[str] | None:
    """`commit` options from an alias (`ci = commit --amend`); a shell alias (`!…`) runs its own
    git process, which is the one found as the hook's ancestor."""
    import shlex

    if name in _BUILTINS:
        return None  # git never lets an alias shadow a command of its own
    for _ in range(5):
        definition = alias(name) if alias is not None else None
        if not definition or definition.startswith("!"):
            return None
        try:
            words = shlex.split(definition)
        except ValueError:
            return None
        if not words:
            return None
        if words[0] == "commit":
            return [*words[1:], *rest]
        name, rest = words[0], [*words[1:], *rest]
    return None


def _alias(name: str, cwd: str | None) -> str | None:
    """`git config alias.NAME` (one exec, only when the command was not `commit` itself)."""
    from workspace_guard import git

    if name.startswith("-") or "\0" in name:
        return None
    proc = git.run(["config", "--get", f"alias.{name}"], cwd, check=False)
    text = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return text if proc.returncode == 0 and text else None


def _git_command_line() -> list[str] | None:
    """The command line of the nearest `git` ancestor of this process (Linux /proc)."""
    pid = os.getppid()
    for _ in range(MAX_ANCESTORS):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                raw = handle.read()
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            return None
        argv = [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0")[:-1]]
        if argv and os.path.basename(argv[0]) in ("git", "git-commit"):
            return argv
        # the parent pid is the 2nd field after the command name, which is in parentheses
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) < 2 or not fields[1].isdigit() or int(fields[1]) <= 1:
            return None
        pid = int(fields[1])
    return None

"""Where a git command writes its repository: `-C`, `--git-dir`, `GIT_DIR`, `cd`, `--work-tree`.

The gate judges a git command's work-tree paths and refs in the repository it guards. A command run
*in another repository* writes that one: when it is the shared repository on this machine (a
remote of the clone given as a path), refs moved there never meet pre-receive (ATTACK F88). So
every git command that may write the repository it runs in (refs, config, hooks, objects, its
work tree) is reported with each place it may write, as a `git-at` finding; the gate
(`gates/harness/server_repos.py`) refuses the ones that land in a shared repository. Plain reads
(`log`, `show`, `config --get`, `branch --list`…) are not reported.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _Env, _join
from workspace_guard.gates.harness.bash.gitconfig import known
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.refs import git_dirs
from workspace_guard.gates.harness.bash.syntax import _Word

GIT_AT = "git-at"  # args: (subcommand,); cwd: a place the command may write
UNKNOWN_PLACE = "$UNKNOWN_PLACE"  # a place only known at run time (`-C "$(…)"`, xargs' `{}`)

_READS = _opts(
    "status diff log show blame grep ls-files ls-tree ls-remote rev-parse rev-list describe"
    " cat-file shortlog show-ref for-each-ref whatchanged name-rev merge-base check-ignore"
    " check-attr check-ref-format count-objects fsck help version var cherry range-diff annotate"
    " format-patch request-pull verify-pack verify-commit verify-tag show-branch diff-tree"
    " diff-index diff-files archive get-tar-commit-id column difftool"
)
_CONFIG_READS = _opts(
    "--get --get-all --get-regexp --get-urlmatch --get-color --get-colorbool -l --list get list"
)
_CONFIG_WRITES = _opts(
    "--add --unset --unset-all --replace-all --rename-section --remove-section -e --edit"
    " set unset edit rename-section remove-section"
)
_BRANCH_WRITES = _opts(
    "-d -D --delete -m -M --move -c -C --copy -f --force -u --set-upstream-to"
    " --unset-upstream --edit-description --track --no-track"
)
_BRANCH_LISTS = _opts("-l --list --show-current --contains --no-contains --merged --no-merged")
_TAG_WRITES = _opts("-d --delete -a --annotate -s --sign -u --local-user -m --message -F --file -f")
_TAG_LISTS = _opts("-l --list -n --contains --no-contains --merged --no-merged --points-at -v")
_SUBCOMMAND_READS = {
    "remote": {"", "show", "get-url", "-v", "--verbose"},
    "notes": {"", "list", "show", "get-ref"},
    "reflog": {"", "show", "exists"},
    "worktree": {"list"},
    "stash": {"list", "show"},
    "bundle": {"create", "verify", "list-heads"},
    "hook": set(),
    "maintenance": set(),
    "symbolic-ref": set(),
}


def writes(sub: str, args: list[_Word]) -> bool:
    """Whether `git SUB ARGS` may write the repository it runs in (unknown: yes)."""
    if sub in _READS:
        return False
    texts = [w.text for w in args]
    if not all(w.literal for w in args):
        return True
    if sub == "config":
        return not (set(texts) & _CONFIG_READS) and (
            bool(set(texts) & _CONFIG_WRITES) or len(_positionals(args)) > 1
        )
    if sub == "branch":
        if set(texts) & _BRANCH_WRITES:
            return True
        return not (set(texts) & _BRANCH_LISTS) and bool(_positionals(args))
    if sub == "tag":
        if set(texts) & _TAG_WRITES:
            return True
        return not (set(texts) & _TAG_LISTS) and bool(_positionals(args))
    if sub == "symbolic-ref":
        return "-d" in texts or "--delete" in texts or len(_positionals(args)) > 1
    if sub == "hash-object":
        return "-w" in texts
    if sub in _SUBCOMMAND_READS:
        first = next((t for t in texts if not t.startswith("-")), "")
        return first not in _SUBCOMMAND_READS[sub]
    return True


def _positionals(args: list[_Word]) -> list[_Word]:
    pos, _values, _flags = _split(args, _opts("-f --file --blob --type --default --comment"))
    return pos


def _options(env: _Env, options: list[_Word]) -> tuple[str, str]:
    """(`--git-dir`, `--work-tree`) of git's own options, from the cwd `-C` chose."""
    found = {"--git-dir": "", "--work-tree": ""}
    for at, word in enumerate(options):
        name, eq, value = word.text.partition("=")
        if name not in found:
            continue
        given = options[at + 1] if not eq and at + 1 < len(options) else word
        if not eq:
            value = given.text if given is not word else ""
        found[name] = _join(env.ctx.cwd, value) if value else ""
        if value and _unknown_word(given):
            found[name] = UNKNOWN_PLACE
    return found["--git-dir"], found["--work-tree"]


def _unknown_word(word: _Word) -> bool:
    """A path the shell only fixes at run time: an expansion, a glob, an item of xargs/find."""
    return not known(word) or word.alts is not None or word.uncertain


def _unknown_chdir(options: list[_Word]) -> bool:
    """Whether one of git's `-C DIR` is known only at run time (`-C "$(…)"`, `-C {}`)."""
    return any(
        word.text == "-C" and at + 1 < len(options) and _unknown_word(options[at + 1])
        for at, word in enumerate(options)
    )


def note(env: _Env, sub: str, args: list[_Word], options: list[_Word]) -> None:
    """Report each place `git OPTIONS SUB ARGS` may write (the cwd `-C`/`cd` chose,
    `--git-dir`, a `GIT_DIR`/`GIT_COMMON_DIR` of its environment, `--work-tree`/`GIT_WORK_TREE`)
    when it may write there; `git clone … DIR` writes DIR."""
    git_dir, work_tree = _options(env, options)
    detail = " ".join(["git", sub, *(w.text for w in args)])
    if sub == "clone":
        pos, _values, _flags = _split(
            args,
            _opts(
                "-o --origin -b --branch -u --upload-pack --reference --reference-if-able"
                " --separate-git-dir --depth --shallow-since --shallow-exclude -c --config"
                " --filter --server-option --template -j --jobs --bundle-uri"
            ),
        )
        if len(pos) > 1:
            env.out.find(GIT_AT, detail, _join(env.ctx.cwd, pos[1].text), (sub,))
        return
    if not writes(sub, args):
        return
    cwd = UNKNOWN_PLACE if _unknown_chdir(options) else env.ctx.cwd
    places = [cwd, *git_dirs(env, git_dir), work_tree]
    tree = env.ctx.vars.get("GIT_WORK_TREE")
    if tree:
        places.append(_join(env.ctx.cwd, tree))
    for place in dict.fromkeys(p for p in places if p):
        env.out.find(GIT_AT, detail, place, (sub,))

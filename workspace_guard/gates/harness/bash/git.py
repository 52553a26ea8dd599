"""git subcommands: which read, which write named paths, which rewrite the work tree."""

from __future__ import annotations

import fnmatch
import re

from workspace_guard.gates.harness.bash.env import _Env, _join
from workspace_guard.gates.harness.bash.files import _each, _output_option
from workspace_guard.gates.harness.bash.gitconfig import (
    EDIT,
    HOOKS_PATH,
    NO_OP_EDITORS,
    NO_VERIFY,
    RUNTIME,
    SECTION,
    SECTIONS,
    known,
    no_verify,
    remote_url,
    setting,
)
from workspace_guard.gates.harness.bash.gitnames import MAX_ALIASES, git_command
from workspace_guard.gates.harness.bash.gitprograms import (
    environment,
    global_options,
    program_options,
)
from workspace_guard.gates.harness.bash.gitwhere import note as note_place
from workspace_guard.gates.harness.bash.linkmakers import cloned, work_tree
from workspace_guard.gates.harness.bash.mentions import _unknown
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.patch_input import git_stdin_patch
from workspace_guard.gates.harness.bash.refs import (
    ANY_REF,
    BUILTINS,
    REF_SUBS,
    config_refs,
    git_dirs,
    ref_command,
)
from workspace_guard.gates.harness.bash.syntax import (
    BYPASS,
    GIT_RESTORE,
    GIT_WORKTREE,
    REF_WRITE,
    UNKNOWN_CODE,
    _lit,
    _Word,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Handler

_GIT_READ = _opts(
    "status diff log show blame grep ls-files ls-tree ls-remote rev-parse rev-list describe branch"
    " tag remote fetch cat-file shortlog reflog show-ref for-each-ref whatchanged name-rev"
    " merge-base check-ignore check-attr count-objects fsck help version var add commit push notes"
    " gc prune repack verify-pack show-branch range-diff cherry difftool init clone bundle annotate"
    " format-patch request-pull credential hash-object update-index symbolic-ref update-ref"
)
_GIT_BROAD = _opts(
    "am cherry-pick revert merge rebase pull bisect read-tree checkout-index sparse-checkout"
    " filter-branch filter-repo mergetool"
)


def _git(env: _Env, name: str, args: list[_Word], aliases: int = 0) -> None:
    i = 0
    keys: list[str] = []  # `-c` keys: a fetch with its own refspec or URL writes other refs
    git_dir = ""  # `--git-dir`: the repository whose refs are written
    inline: dict[str, str] = {}  # `-c alias.NAME=VALUE`: expanded here when NAME is run
    while i < len(args) and args[i].text.startswith("-"):
        text = args[i].text
        i += 1
        if text == "-C" and i < len(args):
            env = env.at(_join(env.ctx.cwd, args[i].text))
            i += 1
        elif text in ("-c", "--config-env") and i < len(args):
            key, _, value = args[i].text.partition("=")
            keys.append(key)
            if text == "-c" and _ALIAS_KEY.match(args[i].text) and _plain(args[i], value):
                inline[key.partition(".")[2].lower()] = value  # judged by what it expands to
            else:
                setting(env, key, value, "git " + text, known=known(args[i], "="))
            i += 1
        elif text.startswith("--config-env="):
            key = text.partition("=")[2].partition("=")[0]
            setting(env, key, "", "git --config-env", known=known(args[i - 1], "="))
        elif text in ("--git-dir", "--work-tree", "--namespace", "--super-prefix") and i < len(
            args
        ):
            if text == "--git-dir":  # refs written there: judged by that repository
                git_dir = _join(env.ctx.cwd, args[i].text)
            i += 1
        elif text.startswith("--git-dir="):
            git_dir = _join(env.ctx.cwd, text.partition("=")[2])
    if i >= len(args):
        return
    sub, rest, env = args[i].text, args[i + 1 :], _work_tree_option(env, args[:i])
    if not known(args[i]):  # `git $c core.hooksPath …`: may be `config` writing any key
        env.out.find(
            BYPASS, f"git {sub}: the git subcommand is only known at run time", args=(RUNTIME,)
        )
        _unknown(env, rest)
        return
    _bypasses(env, sub, rest, args[:i])
    if sub == "config":
        _git_config(env, rest)
    elif sub in _GIT_READ:
        _git_read(env, sub, rest)
    elif sub in _GIT_BROAD:
        _worktree_op(env, sub, rest)
    elif sub in _GIT_HANDLERS:
        _GIT_HANDLERS[sub](env, sub, rest)
    elif sub.lower() in inline:  # `git -c alias.x=commit x -n`: judged as `git commit -n`
        _inline_alias(env, args[:i], sub, inline[sub.lower()], rest, aliases=aliases)
        return
    elif sub in BUILTINS:
        _unknown(env, rest)
    else:  # an alias, a `git-NAME` program or nothing: the gate resolves it (git_commands.py)
        git_command(env, sub, args[:i], rest, aliases)
        return
    if sub in REF_SUBS:
        for where in git_dirs(env, git_dir):
            ref_command(env.at(where) if where else env, sub, rest, keys)
    env.out.fetched = env.out.fetched or sub in ("fetch", "pull", "remote")


def _work_tree_option(env: _Env, options: list[_Word]) -> _Env:
    """``--work-tree DIR``: the work tree git writes (linkmakers.work_tree), for this git only."""
    texts = [w.text for w in options]
    for k, text in enumerate(texts):
        value = texts[k + 1] if text == "--work-tree" and k + 1 < len(texts) else None
        value = text.partition("=")[2] if text.startswith("--work-tree=") else value
        if value is not None:
            env = env.at(env.ctx.cwd)
            env.ctx.vars["GIT_WORK_TREE"] = value
    return env


def _bypasses(env: _Env, sub: str, rest: list[_Word], options: list[_Word]) -> None:
    """Hooks skipped, programs run: what ``git OPTIONS SUB REST`` does besides its own work."""
    global_options(env, options)
    note_place(env, sub, rest, options)  # where it writes: the shared repository? (F88)
    program_options(env, sub, rest)
    environment(env, sub, options)
    if sub == "remote":
        remote_url(env, rest)
    skip = no_verify(sub, [w.text for w in rest])
    if skip is not None:
        env.out.find(BYPASS, f"git {sub} {skip}: the commit hooks would not run", args=(NO_VERIFY,))


def _plain(word: _Word, value: str) -> bool:
    """A ``-c alias.NAME=VALUE`` the analysis expands: literal, not a shell alias (``!``)."""
    return known(word) and not value.startswith("!")


def _inline_alias(
    env: _Env, options: list[_Word], sub: str, value: str, rest: list[_Word], *, aliases: int
) -> None:
    words = split_alias(value) if aliases < MAX_ALIASES else None
    if not words:  # unbalanced quotes, or a loop (git refuses it): anything
        env.out.find(UNKNOWN_CODE, f"git -c alias.{sub}: an alias git may not run as read")
        env.add_any("git-exec")
        env.out.find(REF_WRITE, f"git -c alias.{sub}", env.ctx.cwd, (ANY_REF,))
        return
    _git(env, "git", [*options, *[_lit(w, "q") for w in words], *rest], aliases + 1)


_ALIAS_KEY = re.compile(r"alias\.[^=]+=", re.I)


def split_alias(value: str) -> list[str] | None:
    """The words git splits a (non-``!``) alias into (``split_cmdline``: quotes, no expansion);
    None when unbalanced."""
    import shlex

    try:
        return shlex.split(value, posix=True)
    except ValueError:
        return None


def _worktree_op(env: _Env, sub: str, args: list[_Word], kind: str = GIT_WORKTREE) -> None:
    """A command that rewrites work-tree files git chooses: the gate asks git which ones."""
    if git_stdin_patch(env, sub, args):  # `git apply <<'EOF'` (patch_input.py, ATTACK F92)
        _from_objects(env, sub, kind)
        return
    words = " ".join(["git", sub, *(w.text for w in args)])
    fetched = env.out.fetched and sub != "pull"  # a pull is judged by what its source holds
    literal = all(w.literal for w in args) and "$" not in env.ctx.cwd and not fetched
    literal = literal and not (sub in ("am", "apply") and _written_here(env, args))
    env.out.find(kind, words, env.ctx.cwd, (sub, *(w.text for w in args)) if literal else ())
    _from_objects(env, sub, kind)
    if sub == "rebase":
        _, values, flags = _split(
            args, _opts("-x --exec --onto -s --strategy -X --strategy-option")
        )
        interactive = flags & {"-i", "--interactive"} or any(
            w.text.startswith("-") and not w.text.startswith("--") and "i" in w.text[1:]
            for w in args
        )
        editor = env.ctx.vars.get("GIT_SEQUENCE_EDITOR") or env.ctx.vars.get("GIT_EDITOR")
        if interactive and editor not in NO_OP_EDITORS:
            env.out.find(UNKNOWN_CODE, "git rebase -i: the todo list's editor and `exec` lines")
            env.add_any("git-exec")
        for key in ("-x", "--exec"):
            if key in values:
                env.out.find(UNKNOWN_CODE, f"git rebase {key}: runs a command after each commit")
                env.analyze_text(values[key])


def _from_objects(env: _Env, sub: str, kind: str) -> None:
    """Work-tree files written from git's objects may be links (mode 120000): the whole work
    tree for a command git chooses the files of (F105; a restore's named paths: their kind)."""
    if kind == GIT_WORKTREE and sub != "clean":
        work_tree(env)


def _written_here(env: _Env, args: list[_Word]) -> bool:
    """Whether a file this command wrote earlier may be one of ``args`` (a patch the gate would
    read before it exists, or before it is replaced): git is not asked, every file counts."""
    written = [t for t in env.out.targets if t.path != env.ctx.cwd]
    if not written:
        return False
    for word in args:
        for path, _, _ in env.paths(word):
            for target in written:
                if target.path == path or (target.glob and fnmatch.fnmatchcase(path, target.path)):
                    return True
    return False


def _git_config(env: _Env, args: list[_Word]) -> None:
    """``git config KEY VALUE`` (or ``set``/``--add``/``--unset``): a setting kept for later.

    What is only known at run time (a key, a value splitting into more words, the file) may be
    ``core.hooksPath``: refused like it, unless the command plainly only reads."""
    pos, values, flags = _split(args, _opts("-f --file --blob --type --default --comment"))
    texts = [w.text for w in pos]
    action = texts[0] if texts and pos[0].literal and texts[0] in _CONFIG_ACTIONS else ""
    words = pos[1:] if action else pos
    explicit = action in ("get", "list") or bool(flags & _CONFIG_READS)
    if not action:
        action = "set" if len(words) > 1 or flags & _CONFIG_WRITES else "get"
    reads = explicit or (action == "get" and all(known(w) for w in words))
    reads = reads and not flags & _CONFIG_WRITES
    for key in ("-f", "--file"):
        if key in values and not reads:
            env.add(values[key], "git-config")
    shown = " ".join(w.text for w in args)
    files = [values[k] for k in ("-f", "--file") if k in values]
    if not reads and not all(known(w) for w in [*words[:1], *files]):
        env.out.find(
            BYPASS, f"git config {shown}: the setting is only known at run time", args=(RUNTIME,)
        )
        return
    if flags & {"-e", "--edit"} or action == "edit":
        env.out.find(UNKNOWN_CODE, "git config --edit: any setting may change")
        env.add_any("git-exec")
        env.out.find(
            BYPASS, "git config --edit: any setting may change, core.hooksPath too", args=(EDIT,)
        )
    elif action in ("rename-section", "remove-section") or flags & _SECTION_WRITES:
        for word in words[:2]:
            if word.text.lower().startswith("remote."):  # the remote's refspecs and URL go too
                config_refs(env, word.text + ".fetch", None)
        if any(w.text.partition(".")[0].lower() in SECTIONS for w in words):
            env.out.find(
                BYPASS,
                f"git config {shown}: a section that matters to enforcement",
                args=(SECTION,),
            )
    elif action in ("set", "unset") and words:
        value = words[1].text if len(words) > 1 and action == "set" else ""
        sure = all(w.literal for w in words[1:])  # else judged as any value
        setting(env, words[0].text, value, "git config", kept=True, value_known=sure)
        config_refs(env, words[0].text, value if sure and action == "set" else None)


_CONFIG_WRITES = _opts("--add --unset --unset-all --replace-all --rename-section --remove-section")
_SECTION_WRITES = _opts("--rename-section --remove-section")
_CONFIG_READS = _opts(
    "--get --get-all --get-regexp --get-urlmatch --get-color --get-colorbool -l --list"
)
_CONFIG_ACTIONS = frozenset(
    ["set", "unset", "get", "list", "edit", "rename-section", "remove-section"]
)


def _git_read(env: _Env, sub: str, rest: list[_Word]) -> None:
    """Read-only for the work tree, except the few options that write a named file."""
    if sub == "clone":  # the new work tree, links and all (linkmakers.py)
        cloned(env, rest)
    if sub == "bundle" and len(rest) > 1 and rest[0].text == "create":
        env.add(rest[1], "git-bundle")
    _, values, _ = _split(rest, _opts("-o --output --output-directory"))
    for key in ("-o", "--output", "--output-directory"):
        # `--output=F` is a diff/log option every subcommand that shows changes takes
        # (`stash show`, `whatchanged`, `reflog show`, `shortlog`, `range-diff`…: ATTACK F75);
        # `-o` means something else elsewhere (`ls-files -o`, `grep -o`)
        if key in values and (key == "--output" or sub in ("format-patch", "archive")):
            env.add(values[key], "git-output")  # not a restore kind: git is not asked (shell.py)


def _git_paths(args: list[_Word], takes: str) -> tuple[list[_Word], list[_Word], set[str]]:
    """(positionals before ``--``, pathspecs after it, flags)."""
    texts = [w.text for w in args]
    if "--" in texts:
        cut = texts.index("--")
        before, _, flags = _split(args[:cut], _opts(takes))
        return before, args[cut + 1 :], flags
    pos, _, flags = _split(args, _opts(takes))
    return pos, [], flags


def _git_checkout(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "-b -B --orphan --conflict --pathspec-from-file -U")
    for word in paths:
        env.add(word, "git-checkout")
    if paths or _from_file(env, args, "git-checkout"):
        _worktree_op(env, sub, args, GIT_RESTORE)  # git says which named paths really change
        return
    if not flags & {"-b", "-B", "--orphan"}:
        for k, word in enumerate(before):  # `git checkout X`: a branch, or a path: unknown here
            env.add(word, "git-checkout", certain=k > 0)
    if "--orphan" not in flags and (before or not flags & {"-b", "-B"}):
        _worktree_op(env, sub, args)  # not `checkout -b NEW`: that stays where it is


def _git_restore(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "-s --source --pathspec-from-file --conflict")
    if flags & {"-S", "--staged"} and not flags & {"-W", "--worktree"}:
        return
    for word in [*before, *paths]:
        env.add(word, "git-restore")
    _from_file(env, args, "git-restore")
    _worktree_op(env, sub, args, GIT_RESTORE)  # git says which named paths really change


def _from_file(env: _Env, args: list[_Word], kind: str) -> bool:
    """``--pathspec-from-file``: the paths are in a file; until git says which differ, any."""
    if any(w.text.startswith("--pathspec-from-file") for w in args):
        env.add_any(kind)
        return True
    return False


def _git_rm(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "--pathspec-from-file")
    if "--cached" in flags:
        return
    for word in [*before, *paths]:
        env.add(word, "git-" + sub)


def _git_stash(env: _Env, sub: str, args: list[_Word]) -> None:
    action = args[0].text if args and not args[0].text.startswith("-") else "push"
    if action in ("list", "show", "drop", "clear", "create", "store", "branch"):
        _git_read(env, sub, args[1:])  # `stash show -p --output=F` (F75)
        return
    _, paths, _ = _git_paths(args, "-m --message")
    for word in paths:
        env.add(word, "git-stash")
    _worktree_op(env, sub, args)


def _git_reset(env: _Env, sub: str, args: list[_Word]) -> None:
    if {w.text for w in args} & {"--hard", "--merge", "--keep"}:
        _worktree_op(env, sub, args)


def _git_clean(env: _Env, sub: str, args: list[_Word]) -> None:
    _, _, flags = _git_paths(args, "-e --exclude")
    if flags & {"-n", "--dry-run"}:
        return
    _worktree_op(env, sub, args)  # only untracked files go: git lists them


def _git_apply(env: _Env, sub: str, args: list[_Word]) -> None:
    if {w.text for w in args} & {"--check", "--stat", "--numstat", "--summary", "--cached"}:
        return
    _worktree_op(env, sub, args)


def _git_switch(env: _Env, sub: str, args: list[_Word]) -> None:
    pos, _, flags = _split(args, _opts("-c -C --create --force-create --orphan --conflict"))
    if pos or not flags & _opts("-c -C --create --force-create"):
        _worktree_op(env, sub, args)  # not `switch -c NEW`: that stays where it is


def _git_submodule(env: _Env, sub: str, args: list[_Word]) -> None:
    pos, _, _ = _split(args, _opts("--name --reference -b --branch --depth --jobs -j"))
    if not pos or pos[0].text not in ("status", "summary"):
        env.add_any("git-submodule")  # update, add, deinit, foreach…: checkouts and commands
    if pos and pos[0].text == "foreach":  # the command runs in every submodule: read it too
        start = args.index(pos[0]) + 1
        words = [w.text for w in args[start:] if w.text not in ("--recursive", "-q", "--quiet")]
        env.analyze_text(" ".join(words))


def _git_worktree(env: _Env, sub: str, args: list[_Word]) -> None:
    if args and args[0].text == "add":
        pos, _, _ = _split(args[1:], _opts("-b -B --reason"))
        if pos:
            env.add(pos[0], "git-worktree")


_GIT_HANDLERS: dict[str, _Handler] = {
    "checkout": _git_checkout,
    "restore": _git_restore,
    "rm": _git_rm,
    "mv": _each("git-mv", "--pathspec-from-file"),
    "stash": _git_stash,
    "reset": _git_reset,
    "clean": _git_clean,
    "apply": _git_apply,
    "switch": _git_switch,
    "worktree": _git_worktree,
    "submodule": _git_submodule,
    "archive": _output_option("-o", "--output", takes="--format --prefix --remote"),
}


_GLOBAL_OPTIONS = (
    "-c",
    "-C",
    "--git-dir",
    "--work-tree",
    "--config-env",
    "--namespace",
    "--exec-path",
)
_SUBS = (
    _GIT_READ
    | _GIT_BROAD
    | frozenset(_GIT_HANDLERS)
    | REF_SUBS
    | _opts("config worktree notes mv rm reflog maintenance hook")
)


def maybe_git(env: _Env, args: list[_Word]) -> None:
    """A command named at run time (``"$GIT" config …``, ``$(command -v git) …``) whose
    arguments read as git's: judged as git too, so a bypass or a ref move through it counts.
    What it really runs stays unknown code (the caller's finding)."""
    head = args[0] if args else None
    if head is None:
        return
    text = head.text
    git_like = head.literal and (
        text in _SUBS or text.partition("=")[0] in _GLOBAL_OPTIONS or text in ("-p", "-P")
    )
    git_like = git_like or any(  # `"$GIT" $SUB core.hooksPath x`, `$G $S --no-verify`
        w.literal and (HOOKS_PATH.search(w.text) or _no_verify_option(w.text)) for w in args
    )
    if git_like:
        _git(env, "git", args)


def _no_verify_option(text: str) -> bool:
    return len(text) >= 6 and "--no-verify".startswith(text)

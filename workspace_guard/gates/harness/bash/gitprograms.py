"""git running a program named on its own command line or chosen by the environment.

Why: ``git ls-remote --upload-pack='CMD; :' .``, ``git push --receive-pack=CMD``, ``git
difftool -x CMD``, ``git grep -OCMD``, ``git bisect run CMD``, ``git merge -s NAME`` (runs
``git-merge-NAME``), ``git fetch NAME::x`` or ``NAME://x`` (runs ``git-remote-NAME``), ``git
--exec-path=DIR …``, ``EDITOR=CMD git commit`` each run a program the agent chose, through a git
command that otherwise only reads or writes refs. Such a program is code the analysis cannot read
(``unknown-code``, every file, shell text analysed where it is one). What git reads its settings
from — ``GIT_CONFIG_GLOBAL``, ``HOME``… — and where git and its hooks find programs (``PATH``)
changed by the command are refused like a setting only known at run time (``gitconfig.py``).
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.gitconfig import RUNTIME
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.refs import GIT_DIR_VAR
from workspace_guard.gates.harness.bash.syntax import BYPASS, UNKNOWN_CODE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

# options whose value is a program or shell text git runs, per subcommand
_PROGRAM_OPTIONS: dict[str, frozenset[str]] = {
    "fetch": _opts("--upload-pack"),
    "pull": _opts("--upload-pack"),
    "clone": _opts("-u --upload-pack"),
    "ls-remote": _opts("-u --upload-pack"),
    "fetch-pack": _opts("--upload-pack --exec"),
    "push": _opts("--receive-pack --exec"),
    "send-pack": _opts("--receive-pack --exec"),
    "archive": _opts("--exec"),
    "difftool": _opts("-x --extcmd"),
    "grep": _opts("-O --open-files-in-pager"),
    "send-email": _opts("--to-cmd --cc-cmd --sendmail-cmd --header-cmd --smtp-server"),
    "instaweb": _opts("--httpd -d --browser -b"),
    "filter-branch": _opts(
        "--env-filter --tree-filter --index-filter --parent-filter --msg-filter --commit-filter"
        " --tag-name-filter"
    ),
    "help": _opts("-w --web"),
}
# merge strategies git has built in; any other `-s NAME` runs `git-merge-NAME`
_STRATEGIES = _opts("ort recursive resolve octopus ours subtree")
_STRATEGY_SUBS = _opts("merge pull rebase cherry-pick revert")
# transports git speaks itself; another `NAME::` or `NAME://` runs `git-remote-NAME`
_TRANSPORTS = _opts("ssh git http https ftp ftps file git+ssh ssh+git ext fd")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)(?:::|://)")
_URL_SUBS = _opts("fetch pull clone ls-remote push remote archive submodule fetch-pack send-pack")
# what this command may change before git runs: where git reads its global settings, where git
# and its hooks find programs
_SETTINGS_ENV = _opts("HOME XDG_CONFIG_HOME")


def program_options(env: _Env, sub: str, args: list[_Word]) -> None:
    """Judge the programs ``git SUB ARGS`` would run that its arguments name."""
    takes = _PROGRAM_OPTIONS.get(sub, frozenset())
    for k, word in enumerate(args):
        text = word.text
        if text == "--":
            break
        name, eq, value = text.partition("=")
        full = _full_option(sub, name, takes) if (eq or text == name) else None
        if full is not None:
            has_value = eq or full not in ("-w", "--web", "-O", "--open-files-in-pager")
            if not eq and has_value:
                value = args[k + 1].text if k + 1 < len(args) else ""
            _runs(env, f"git {sub} {full}", value)
        elif text.startswith("-O") and sub == "grep" and len(text) > 2:
            _runs(env, f"git {sub} -O", text[2:])
        elif sub in _STRATEGY_SUBS and (text in ("-s", "--strategy") or name == "--strategy"):
            strategy = value if eq else (args[k + 1].text if k + 1 < len(args) else "")
            if strategy not in _STRATEGIES:
                _runs(env, f"git {sub} -s {strategy}: runs git-merge-{strategy}", "")
        elif sub in _STRATEGY_SUBS and text.startswith("-s") and len(text) > 2:
            if text[2:] not in _STRATEGIES:
                _runs(env, f"git {sub} {text}: runs git-merge-{text[2:]}", "")
        elif sub in _URL_SUBS and not text.startswith("-"):
            match = _URL.match(text)
            if match and match.group(1).lower() not in _TRANSPORTS:
                _runs(env, f"git {sub} {text}: runs git-remote-{match.group(1)}", "")
    if sub == "bisect" and args and args[0].text == "run":
        _runs(env, "git bisect run", " ".join(w.text for w in args[1:]))


def _full_option(sub: str, name: str, takes: frozenset[str]) -> str | None:
    """The program option ``name`` is or abbreviates: git (parse-options) and send-email
    (Getopt::Long) take any unambiguous prefix of a long option (``--upload-pa``, ``--rece``,
    ``--exe``); an ambiguous one is an error, so a prefix of a program option counts as it
    unless it is another option of the subcommand in full (``send-email --to``)."""
    if name in takes:
        return name
    if not name.startswith("--") or len(name) < 3 or name in _FULL_OTHERS.get(sub, ()):
        return None
    return next((o for o in sorted(takes) if o.startswith(name)), None)


# options spelled in full that are also prefixes of a program option of the same subcommand
_FULL_OTHERS: dict[str, frozenset[str]] = {"send-email": _opts("--to --cc")}


def global_options(env: _Env, options: list[_Word]) -> None:
    """``git --exec-path=DIR``: every program git runs that is no builtin comes from DIR."""
    for word in options:
        if word.text.startswith("--exec-path="):
            _runs(env, f"git {word.text}: git's own programs come from there", "")


def environment(env: _Env, sub: str, options: list[_Word]) -> None:
    """``HOME``/``XDG_CONFIG_HOME`` (git's global settings) or ``PATH`` (the programs git and
    its hooks run) changed in this command: refused like a setting known only at run time.
    Another repository, work tree, index or object store (``--git-dir``, ``--work-tree``,
    ``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE``…) for a command that writes the work
    tree: which files it writes is not what this repository says, so every file."""
    changed = sorted(env.out.assigned & (_SETTINGS_ENV | {"PATH"}))
    if changed:
        names = ", ".join(changed)
        detail = f"git {sub} with {names} changed in the command: git's settings or programs"
        env.out.find(BYPASS, detail, args=(RUNTIME, names))
    if sub not in WORKTREE_WRITERS:
        return
    named = [w.text for w in options if w.text.startswith(("--git-dir", "--work-tree"))]
    named += sorted((env.out.assigned | set(env.ctx.vars)) & _REPOSITORY_ENV)
    if named or env.ctx.vars.get(GIT_DIR_VAR):
        env.add_any("git-elsewhere")  # never dropped by `harness: unknown_code`


# git subcommands that write work-tree files (or the index they are checked out from)
WORKTREE_WRITERS = _opts(
    "am cherry-pick revert merge rebase pull bisect read-tree checkout-index sparse-checkout"
    " filter-branch mergetool checkout restore rm mv stash reset clean apply switch worktree"
    " submodule update-index"
)
_REPOSITORY_ENV = _opts(
    "GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES"
    " GIT_COMMON_DIR GIT_NAMESPACE"
)


def _runs(env: _Env, detail: str, code: str) -> None:
    env.out.find(UNKNOWN_CODE, f"{detail}: a program git runs")
    env.add_any("git-exec")
    if code.strip():
        env.analyze_text(code)

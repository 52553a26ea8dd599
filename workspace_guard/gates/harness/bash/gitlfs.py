"""``git-lfs`` (what ``git lfs …`` runs when the program is installed): judged by subcommand.

Why: ``git lfs`` is no git builtin, so git runs the ``git-lfs`` program; the gate finds it
(``gates/harness/git_commands.py``) and hands it here. Most of it only reads or moves objects
between ``.git/lfs`` and a server; some subcommands write the work tree, ``.gitattributes``,
git's settings and hooks, or rewrite history.
"""

from __future__ import annotations

import posixpath

from workspace_guard.gates.harness.bash.gitconfig import PROGRAM
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import BYPASS, REF_WRITE, UNKNOWN_CODE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

# objects in .git/lfs, the server, locks, reports: no work-tree file, no ref, no setting
_READS = _opts(
    "ls-files status env version logs locks lock unlock fsck pointer help ext fetch push prune"
    " clean smudge filter-process standalone-file post-checkout post-commit post-merge pre-push"
)
# settings (filter.lfs.* run as programs) and hook files: refused like `git config` of them
_SETUP = _opts("install uninstall update")
_TAKES = _opts("-I --include -X --exclude -r --remote --above --everything --include-ref")


def git_lfs(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(args, _TAKES)
    if not pos or flags & {"--version", "-h", "--help"}:
        return
    sub = pos[0].text if pos[0].literal else ""
    if sub in _READS:
        return
    if sub in ("track", "untrack"):  # the patterns go to a .gitattributes (the cwd's, the top's)
        if not flags & {"--dry-run", "-d", "-l", "--list"} and len(pos) > 1:
            env.add_path(posixpath.join(env.ctx.cwd, ".gitattributes"), "git-lfs", False, False)
            # any .gitattributes below the cwd (a glob rooted at the cwd: a bare `/**/…` would be
            # every file system's .gitattributes, the gate's own installation's included)
            below = posixpath.join(env.ctx.cwd, "**", ".gitattributes")
            env.add_path(below, "git-lfs", False, True)
        return
    if sub in _SETUP:
        env.out.find(
            BYPASS,
            f"git lfs {sub}: writes git hooks and filter.lfs.* settings (programs git runs)",
            args=(PROGRAM, "filter.lfs.process"),
        )
        return
    # pull/checkout/dedup rewrite LFS files in the work tree; migrate rewrites history; anything
    # else is unknown here
    env.out.find(UNKNOWN_CODE, f"git lfs {sub or '…'}: rewrites work-tree files git-lfs chooses")
    env.add_any("git-lfs")
    if sub not in ("pull", "checkout", "dedup"):
        words = " ".join(["git", "lfs", *(w.text for w in args)])
        env.out.find(REF_WRITE, words, env.ctx.cwd, ("*",))

"""Links made by programs that do not name them (ATTACK F102, F105): every later path of the
command at or below what such a program wrote may lead anywhere.

`ln -s ../../app/main.py office/l` names the link and what it points at, so making it is a write
of that file (links.py). `tar xf evil.tar -C office`, `unzip`, `cp -a /tmp/d office/c`,
`mv /tmp/d office/c`, `rsync -a`, `git clone … office/c` and git writing the work tree from its
objects (`git checkout side -- office/l`, `git merge`, `git stash pop`, `git reset --hard`…) may
each leave a link whose text only the archive, the folder or git's objects hold, and the gate
decides before any of them runs. So a later write in the same command at or below the folder
such a program wrote (the archive's `-C`/`-d` folder or the cwd, the copy's destination, the
paths a checkout names, or the whole work tree) is a write of any file: the gate's fail-closed
answer for an unknown target (ANY_PATH, kind :data:`MADE_HERE`). Reads stay allowed, and so does
the next call: the link is on disk then, and disk_links.py follows it.
"""

from __future__ import annotations

import os
import posixpath
import re

from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.syntax import ANY_PATH, Target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from workspace_guard.gates.harness.bash.env import _Env, _Out
    from workspace_guard.gates.harness.bash.syntax import _Word

MADE_HERE = "link-made-here"  # the kind of the ANY_PATH target a write below such a folder adds
# target kinds of programs that may create links where they write (their handlers name them)
LINK_KINDS = frozenset(
    {
        "tar-x",  # tar, gtar, bsdtar
        "unzip",
        "7z",
        "cpio",
        "pax",
        "unar",
        "aunpack",
        "unrar",
        "rar",
        "dpkg-deb",
        "tarfile",
        "zipfile",
        "rsync",
        "patch",  # GNU patch applies git's symlink diffs
        "git-checkout",
        "git-restore",
        "git-stash",
        "git-mv",
        "git-worktree",
        "git-clone",
    }
)
_GLOB = re.compile(r"[*?\[]")
# cp flags that copy a link as a link (-R without -L does; plain cp follows it)
_KEEPS = frozenset({"-a", "--archive", "-d", "-P", "--no-dereference"})
_RECURSIVE = frozenset({"-r", "-R", "--recursive"})


def after_write(env: _Env, path: str, kind: str, certain: bool, glob: bool) -> None:
    """`path` written with `kind` (the target is added already): what it reaches through the
    links this command made (`ln`: their targets; a link maker: any file), then, written by a
    program that may make links, a folder later paths below are unknown in."""
    out = env.out
    if out.links and path != ANY_PATH:
        norm = posixpath.normpath(path)
        for name, dest in list(out.links.items()):
            if not _at_or_below(norm, name):
                continue
            if dest == ANY_PATH:
                if kind == "rm" and norm == name and not path.endswith("/"):
                    continue  # `rm -rf DIR`: removes the folder; a link in it is not followed
                out.add(Target(ANY_PATH, MADE_HERE, False, True))
            elif not path.startswith(("$", "~")):
                linked = dest + norm[len(name) :]
                out.add(Target(linked, "link", certain, glob or "$" in dest))
    if kind in LINK_KINDS:
        made(out, path)


def note(targets: Iterable[Target]) -> str:
    """Why a write below a link maker's folder counted as every file ("" when none did)."""
    if not any(t.kind == MADE_HERE for t in targets):
        return ""
    from workspace_guard.i18n import _

    return _(
        "(a program earlier in this command — an archive extracted, a copy or move that keeps "
        "links, a clone, a git checkout, merge or reset — may have made a symbolic link where a "
        "later part of it writes, pointing at any file, so that write counts as changing every "
        "file; run the write in a separate call, once the link is on disk and can be followed)"
    )


def _at_or_below(norm: str, name: str) -> bool:
    if name == "/":
        return norm.startswith("/")
    return norm == name or norm.startswith(name + "/")


def made(out: _Out, path: str) -> None:
    """A program that may make links wrote `path` (a glob: below its literal folder)."""
    if path == ANY_PATH:
        return
    parts = posixpath.normpath(path).split("/")
    first = next((k for k, p in enumerate(parts) if _GLOB.search(p)), len(parts))
    folder = "/".join(parts[:first]) or ("/" if path.startswith("/") else "")
    if folder:
        out.links[folder] = ANY_PATH


def copied(env: _Env, name: str, flags: set[str], dest: _Word) -> None:
    """`cp -a/-r/-R/-d/-P` and `mv` keep a link a link: the destination may hold links."""
    keeps = bool(flags & _KEEPS) or (
        bool(flags & _RECURSIVE) and not flags & {"-L", "--dereference"}
    )
    if name == "mv" or (name == "cp" and keeps):
        for path, _, _ in env.paths(dest):
            made(env.out, path)


def work_tree(env: _Env) -> None:
    """git rewrote work-tree files of its choosing (checkout, merge, stash, reset --hard…):
    the whole work tree (as found on disk from the cwd; unknown: every folder)."""
    for folder in _work_trees(env.ctx.cwd, env.ctx.vars.get("GIT_WORK_TREE")):
        made(env.out, folder)


def _work_trees(cwd: str, named: str | None) -> list[str]:
    if named is not None:
        place = posixpath.join(cwd, named)
        return ["/"] if "$" in place or not place.startswith("/") else [place]
    if "$" in cwd or not cwd.startswith("/"):
        return ["/"]
    out: list[str] = []
    for start in dict.fromkeys([posixpath.normpath(cwd), os.path.realpath(cwd)]):
        top = _enclosing(start)
        if top is None:
            return ["/"]
        out.append(top)
    return list(dict.fromkeys(out))


def _enclosing(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding a `.git` (None: none)."""
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = posixpath.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def cloned(env: _Env, args: list[_Word]) -> None:
    """`git clone SRC [DIR]`: DIR (else SRC's last name, without `.git`) and every file below
    it are written, and the repository may hold links."""
    from workspace_guard.gates.harness.bash.options import _split
    from workspace_guard.gates.harness.bash.syntax import _lit

    pos, _, _ = _split(args, _CLONE_VALUES)
    if not pos:
        return
    if len(pos) > 1:
        env.add_under(pos[1], "git-clone")
        return
    text = pos[0].text.rstrip("/")
    text = text[: -len("/.git")] if text.endswith("/.git") else text
    base = re.split(r"[/:]", text)[-1]
    base = base[: -len(".git")] if base.endswith(".git") else base
    base = base[: -len(".bundle")] if base.endswith(".bundle") else base
    if not pos[0].literal or not base or base in (".", ".."):
        env.add_under(None, "git-clone")
    else:
        env.add_under(_lit(base, "q"), "git-clone")


_CLONE_VALUES = _opts(
    "-b --branch -o --origin -c --config -u --upload-pack --template --reference"
    " --reference-if-able --separate-git-dir --depth --shallow-since --shallow-exclude -j --jobs"
    " --filter --bundle-uri --server-option --ref-format"
)

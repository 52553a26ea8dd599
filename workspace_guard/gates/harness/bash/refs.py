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
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import REF_WRITE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

ANY_REF = "*"
REMOTE_MARK = "remote="  # first of a push's refs: they land only if that remote is this repo
REF_SUBS = _opts(
    "fetch pull push update-ref symbolic-ref branch replace remote tag checkout switch"
)
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
    handler = _HANDLERS.get(sub)
    if handler is not None:
        refs = handler(args, keys)
        if refs:
            words = " ".join(["git", sub, *(w.text for w in args)])
            env.out.find(REF_WRITE, words, env.ctx.cwd, tuple(dict.fromkeys(refs)))


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
    if pos and _literal(pos[0]) is None:
        refs.append(ANY_REF)  # a remote named at run time: may be a path with a mirror refspec
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
    if remote is not None and ":" in remote and not _local(remote):
        return []  # a URL: another repository
    refs: list[str] = []
    if remote is not None and not _local(remote):  # a name: the gate looks at its URL
        if any(_REMOTE_KEY.fullmatch(k.strip()) for k in keys):
            return [ANY_REF]
        refs.append(REMOTE_MARK + remote)
    if flags & {"--all", "--mirror", "--tags", "--branches"} or not rest:
        return [*refs, ANY_REF]
    for word in rest:
        text = _literal(word)
        refs += [ANY_REF] if text is None else _dst(text, fetch=False)
    return refs


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
    return [ANY_REF] if text is None else _spellings(text) or [text]


def _symbolic_ref(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-m"))
    if len(pos) < 2 and not flags & {"-d", "--delete"}:
        return []  # reads it
    text = _literal(pos[0]) if pos else None
    return [ANY_REF] if text is None else _spellings(text) or [text]


_BRANCH_MOVES = _opts("-f --force -m -M -c -C -d -D --delete --move --copy")


def _branch(args: list[_Word], keys: list[str]) -> list[str]:
    pos, _, flags = _split(args, _opts("-u --set-upstream-to --track -t --contains --points-at"))
    if not flags & _BRANCH_MOVES or "--list" in flags or "-l" in flags:
        return []  # a new branch, a listing, `-u`: not a move of an existing one
    return _heads(pos[:1] if flags & {"-f", "--force"} else pos)


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
    pos, _, _ = _split(args, _opts("-t -m --push --add --delete"))
    if not pos:
        return []
    action = pos[0].text
    if action in ("set-url", "set-branches", "rename", "set-head", "remove", "rm") and len(pos) > 1:
        name = _literal(pos[1])
        return [ANY_REF] if name is None else [f"refs/remotes/{name}/*"]
    if action == "update" and any(_REMOTE_KEY.fullmatch(k.strip()) for k in keys):
        return [ANY_REF]
    return []


_HANDLERS = {
    "fetch": _fetch,
    "pull": _fetch,
    "push": _push,
    "update-ref": _update_ref,
    "symbolic-ref": _symbolic_ref,
    "branch": _branch,
    "replace": _replace,
    "remote": _remote,
    "tag": _tag,
    "checkout": _checkout,
    "switch": _checkout,
}

"""Bash write targets with a part known only at run time: made literal where the gate can know it,
refused to non-superusers where it cannot (ATTACK F99).

`cp F $(echo .git)/config`, `tee "$(echo ~)/.bashrc"`, `.gi$(echo t)/config`, `$d/config`: the
output of a command substitution, backticks or a variable may hold `/` and `..`, so the target may
be *any* file — git's directory, a harness's settings, a start-up file, a PATH folder, a shared
repository, the gate's own program — and every such place has its own check that reads a literal
path. Matching the unknown part against the tracked files only (the rules' view) missed all of
them. So a target keeps a run-time part only when that part is known to be harmless:

* a value that can hold no `/` (`$(date +%s)`, `$$`, `$RANDOM`, `$(id -u)`, `$(git rev-parse
  HEAD)`…) becomes a one-component glob (`*`), which every check then reads as any name there;
* `$(mktemp)` / `$(mktemp -d)` at the start names a fresh file or folder: nothing to guard below
  it unless the rest of the path climbs out with `..`;
* `$TMPDIR` (and `${TMPDIR:-/tmp}`) the command does not set is the hook's own value.

Anything else is refused whatever the rules say (see docs/bash-analysis.md, "Computed
destinations"). A command that defines a function, an alias or sources a file may change what
`date` or `mktemp` print, so there none of these is trusted.
"""

from __future__ import annotations

import os
import re

from workspace_guard.gates.harness.bash.listers import LISTED
from workspace_guard.gates.harness.bash.listers import REDEFINES as _REDEFINES
from workspace_guard.gates.harness.bash.syntax import ANY_PATH, Finding, Target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# a run-time part: `$…` or backticks
_RUNTIME = re.compile(r"[$`]")
# values that never hold `/` (nor are empty or `..`): any name in one folder
_DATE_FORMAT = r"(?:[^%/\s'\"$`()\\]|%[sYmdHMSjuVwaAbBhpeklIzNFTGgyCq%])*"
_NO_SLASH = re.compile(
    r"\$\$|\$\{\$\}|\$RANDOM\b|\$\{RANDOM\}|\$BASHPID\b|\$EPOCHSECONDS\b|\$\{EPOCHSECONDS\}"
    r"|\$\(\s*(?:date(?:\s+-u)?(?:\s+(?P<q>['\"]?)\+" + _DATE_FORMAT + r"(?P=q))?"
    r"|id\s+-[ug]|whoami|nproc|uuidgen|hostname(?:\s+-s)?"
    r"|git\s+rev-parse(?:\s+--short(?:=\d+)?)?\s+HEAD)\s*\)"
)
_MKTEMP = re.compile(r"\$\(\s*mktemp(?:\s+-[dqu]+)*\s*\)")
_TMPDIR = re.compile(r"\$TMPDIR\b|\$\{TMPDIR\}|\$\{TMPDIR:?-(?P<default>/[\w./-]*)\}")
# git commands whose option words the analysis also names (`git restore --source="$REV" P`): git
# reads `--source=…` as an option, never as a path to write
_GIT_OPTIONS = frozenset({"git-checkout", "git-restore", "git-stash"})


def known(targets: list[Target], command: str, cwd: str) -> tuple[list[Target], list[str]]:
    """The targets with every run-time part the gate can know made literal (or a one-component
    glob), those it cannot know left as they are; and the paths of the latter (refused to
    non-superusers)."""
    trusted = not _REDEFINES.search(command)
    out: list[Target] = []
    unknown: list[str] = []
    for target in targets:
        option = target.kind in _GIT_OPTIONS and os.path.basename(target.path).startswith("-")
        if target.path == ANY_PATH or option or not _RUNTIME.search(target.path):
            out.append(target)
            continue
        path = _literal(target.path, command, trusted)
        if path is None:  # refused; still judged as before, for the other checks' notes
            unknown.append(target.path)
            out.append(target)
        elif path:
            path = path if path.startswith(("/", "~")) else os.path.join(cwd, path)
            out.append(Target(path, target.kind, certain=False, glob=True))
    return out, unknown


def _literal(path: str, command: str, trusted: bool) -> str | None:
    """`path` with its run-time parts made literal or globs; "" when it names a fresh temporary
    file (nothing to judge); None when a part stays unknown."""
    if trusted:
        fresh = _MKTEMP.match(path)
        if fresh:
            rest = path[fresh.end() :]
            parts = rest.split("/")
            return "" if ".." not in parts and not _RUNTIME.search(rest) else None
    tmp = _TMPDIR.match(path)
    if tmp and command.count("TMPDIR") == len(_TMPDIR.findall(command)):
        value = os.environ.get("TMPDIR") or tmp.group("default") or ""
        path = value + path[tmp.end() :]
        if not path:
            return None
    if trusted:
        path = _NO_SLASH.sub("*", path)
    if _RUNTIME.search(path):
        return None
    return path


_SAFE_NAME = re.compile(r"[A-Za-z0-9_.@%+,:=-]+")
_MAX_ENTRIES = 20_000


def listed(
    findings: tuple[Finding, ...], inside: Callable[[str], str | None], command: str = ""
) -> list[str]:
    """The command substitutions listing files below a folder (`$(grep -l P DIR)`, bash/
    listers.py) whose output the gate cannot vouch for: a folder outside the work tree or its
    root, a repository nested below it (`.git`), more entries than it reads, and — unquoted,
    where the shell splits and globs the output — a name with a blank, a glob character, a
    quote or any other character outside plain ASCII path text. `git ls-files` prints git's
    index, not the folder (ATTACK F112): its names are read from the index too, and a command
    that may change the index first (`git add`, `update-index`…, `GIT_INDEX_FILE`) leaves its
    output unknown."""
    unknown: list[str] = []
    for finding in findings:
        if finding.kind != LISTED:
            continue
        quoted, text = finding.args
        vouched = _vouched(finding.detail, inside, quoted == "V")
        if vouched and _FROM_INDEX.match(text):
            vouched = not _index_may_change(findings, finding, command) and _index_vouched(
                finding.detail, inside, quoted == "V", text
            )
        if not vouched:
            unknown.append(text)
    return unknown


_FROM_INDEX = re.compile(r"(?:\$\(|`)\s*git\s+ls-files\b")
# git commands that never write the index (any other one, an alias included, may)
_READERS = (
    "ls-files status log diff show rev-parse grep blame cat-file ls-tree describe shortlog"
    " rev-list for-each-ref show-ref version help diff-files diff-index diff-tree"
    " hash-object count-objects name-rev whatchanged var check-ignore check-attr ls-remote"
    " merge-base format-patch fetch push remote branch tag config"
)
_INDEX_READERS = frozenset(_READERS.split())
# another index or repository, or text that makes later commands run in another order
_OTHER_INDEX = re.compile(
    r"GIT_(?:INDEX_FILE|DIR|WORK_TREE|COMMON_DIR|OBJECT_DIRECTORY|ALTERNATE|NAMESPACE|CONFIG)"
    r"|--git-dir|--work-tree|\.git\b"
)
_REORDERS = re.compile(r"(?<![|])\|(?![|])|(?<![&>])&(?![&>])|\b(?:for|while|until|select)\b|\(\)")


def _index_may_change(findings: tuple[Finding, ...], lister: Finding, command: str) -> bool:
    """Whether the command may change git's index before the lister reads it: an index writer
    before it, or anywhere when a pipe, a background job, a loop or a function may run it
    first; or a variable or option pointing git at another index."""
    from workspace_guard.gates.harness.bash.gitwhere import GIT_AT

    if _OTHER_INDEX.search(command):
        return True
    anywhere = bool(_REORDERS.search(command))
    for finding in findings:
        if finding == lister and not anywhere:
            return False
        if finding.kind == GIT_AT and (finding.args[:1] or ("",))[0] not in _INDEX_READERS:
            return True
    return False


def _index_vouched(
    folder: str, inside: Callable[[str], str | None], quoted: bool, text: str
) -> bool:
    """The index's entries below ``folder`` pass the same name test (git prints them)."""
    from workspace_guard import git
    from workspace_guard.errors import GitError

    rel = inside(folder)
    if not rel or "--recurse-submodules" in text:
        return False
    here = folder
    while not os.path.isdir(here):
        here = os.path.dirname(here)
    probe = here
    while inside(probe):  # a repository nested between the folder and the root: its index
        if os.path.exists(os.path.join(probe, ".git")):
            return False
        probe = os.path.dirname(probe)
    try:
        result = git.run(
            ["ls-files", "-z", "--cached", "--full-name", "--", folder], here, check=False
        )
    except GitError:
        return False
    if result.returncode != 0:
        return False
    entries = git.zsplit(result.stdout)
    if len(entries) > _MAX_ENTRIES:
        return False
    for entry in entries:
        if entry != rel and not entry.startswith(rel + "/"):
            return False
        below = entry[len(rel) + 1 :].split("/") if entry != rel else [os.path.basename(rel)]
        if not quoted and not all(_SAFE_NAME.fullmatch(n) for n in below):
            return False
    return True


def _vouched(folder: str, inside: Callable[[str], str | None], quoted: bool) -> bool:
    if not inside(folder):  # outside, or the work tree's root (`.git` is there)
        return False
    if not os.path.isdir(folder):  # a file (or nothing): the only path it prints is itself
        return quoted or _SAFE_NAME.fullmatch(os.path.basename(folder)) is not None
    seen = 0
    for _root, dirs, files in os.walk(folder):
        seen += len(dirs) + len(files)
        if seen > _MAX_ENTRIES or ".git" in dirs or ".git" in files:
            return False
        if not quoted and not all(_SAFE_NAME.fullmatch(n) for n in (*dirs, *files)):
            return False
    return True


def refusal(unknown: list[str]) -> str:
    """Why a command writing the `unknown` destinations is refused."""
    from workspace_guard.i18n import _

    shown = ", ".join(f"`{p[:80]}`" for p in dict.fromkeys(unknown[:3]))
    return _(
        "The command writes to a destination that is only known when it runs ({paths}): the "
        "output of a command substitution or a variable may hold `/` and `..`, so it may be "
        "any file, git's directory, the harness settings and start-up files included. Write "
        "the destination literally in the command (a path the gate can read)."
    ).format(paths=shown)

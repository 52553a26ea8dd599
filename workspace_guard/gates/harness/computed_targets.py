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


def listed(findings: tuple[Finding, ...], inside: Callable[[str], str | None]) -> list[str]:
    """The command substitutions listing files below a folder (`$(grep -l P DIR)`, bash/
    listers.py) whose output the gate cannot vouch for: a folder outside the work tree or its
    root, a repository nested below it (`.git`), more entries than it reads, and — unquoted,
    where the shell splits and globs the output — a name with a blank, a glob character, a
    quote or any other character outside plain ASCII path text."""
    unknown: list[str] = []
    for finding in findings:
        if finding.kind != LISTED:
            continue
        quoted, text = finding.args
        if not _vouched(finding.detail, inside, quoted == "V"):
            unknown.append(text)
    return unknown


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

"""Command substitutions that print files under named folders: `sed -i … $(grep -l P DIR)`.

The output of `grep -l`/`-L`, `find DIR …` and `git ls-files DIR` is a list of existing paths
below the folders they are given, so a destination made of one such substitution is a subset of
those folders' files: :func:`listed` names the folders, and the gate (computed_targets.py)
judges every file below them, after checking on disk that the output cannot be read as other
words (no name with a blank, a glob character or a quote: an unquoted substitution is split and
globbed) and that the command does not itself write there. Only forms whose output is nothing
but paths count: no option that prints other text (`grep -c`, `-n` without `-l`, `find -printf`,
`-ls`, `git ls-files -s`, `--full-name`), no NUL separators, no action (`-exec`, `-delete`).
`ls` does not count: it prints names relative to the folder, not paths, and a user's alias
(`ls -la`, `ls -F`) prints `.`, `..` and other words.
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.syntax import _Simple, _Word

# a command that can change what `grep`, `find`, `git`, `date` or `mktemp` print: a function, an
# alias, PATH, a sourced file (computed_targets.py trusts none of them there either)
REDEFINES = re.compile(
    r"\(\s*\)|\bfunction\b|\balias\b|\bPATH\b|\bhash\b|\benable\b|\bBASH_|\bsource\b"
    r"|(?:^|[;&|({\s])\.\s"
)
LISTED = "listed-files"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# the target kind: every file below the folder `path` names (`DIR/**`)

_GREP_FLAGS = frozenset("lLrRisyEFGPwxIvhHn")
_GREP_VALUED = frozenset("efm")
_GREP_LONG = frozenset(
    {
        "--files-with-matches",
        "--files-without-match",
        "--recursive",
        "--dereference-recursive",
        "--ignore-case",
        "--no-ignore-case",
        "--no-messages",
        "--word-regexp",
        "--line-regexp",
        "--invert-match",
        "--extended-regexp",
        "--fixed-strings",
        "--basic-regexp",
        "--perl-regexp",
        "--binary-files=without-match",
    }
)
_GREP_LONG_VALUED = ("--include=", "--exclude=", "--exclude-dir=", "--regexp=", "--file=")
_FIND_UNARY = _words(
    "-empty -readable -writable -executable -true -false -prune -print -not -a -and -o -or !"
    " ( ) -depth -follow -mount -xdev -noleaf -nouser -nogroup -daystart"
)
_FIND_BINARY = _words(
    "-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -type -xtype"
    " -maxdepth -mindepth -newer -mtime -mmin -atime -amin -ctime -cmin -size -perm -user"
    " -group -uid -gid -links -inum -samefile"
)
_LS_FILES_FLAGS = _words(
    "-c --cached -m --modified -d --deleted -o --others -i --ignored --exclude-standard"
    " --no-empty-directory --error-unmatch --directory --recurse-submodules"
)
_LS_FILES_VALUED = ("-x", "--exclude", "-X", "--exclude-from", "--exclude-per-directory")
# an operand the output repeats as a prefix: plain path text, a glob without `.`-led components
_OPERAND = re.compile(r"[\w./@%+,:=*?\[\]-]+")


def listed(word: _Word) -> list[str] | None:
    """The folders (as written) below which every path the word's one substitution prints
    lies; None when the word is anything else."""
    if len(word.parts) != 1 or word.parts[0].kind not in ("v", "V") or len(word.subs) != 1:
        return None
    seq = word.subs[0]
    if len(seq) != 1 or len(seq[0]) != 1 or not isinstance(seq[0][0], _Simple):
        return None
    node = seq[0][0]
    if node.binds or node.expand_only or any(not _quiet(r.fd, r.op, r.target) for r in node.redirs):
        return None
    words = node.words
    if not words or any(not w.literal or w.subs for w in words):
        return None
    texts = [w.text for w in words]
    if texts[0] == "grep":
        found = _grep(texts[1:])
    elif texts[0] == "find":
        found = _find(texts[1:])
    elif texts[:2] == ["git", "ls-files"]:
        found = _ls_files(texts[2:])
    else:
        return None
    if found is None or not all(_operand(d) for d in found):
        return None
    return found


def _quiet(fd: str, op: str, target: _Word | None) -> bool:
    """``2>/dev/null``: the only redirection a lister may have."""
    return fd == "2" and op == ">" and target is not None and target.text == "/dev/null"


def _operand(text: str) -> bool:
    if not _OPERAND.fullmatch(text) or text.startswith(("-", "~")):
        return False
    return all(
        part != ".." and not (part.startswith(".") and re.search(r"[*?\[]", part))
        for part in text.split("/")
    )


def _grep(args: list[str]) -> list[str] | None:
    flags: set[str] = set()
    operands: list[str] = []
    pattern_given = False
    k = 0
    while k < len(args):
        arg = args[k]
        k += 1
        if arg == "--":
            operands += args[k:]
            break
        if arg.startswith("--"):
            if arg in ("--files-with-matches", "--files-without-match"):
                flags.add("l")
            elif arg in ("--recursive", "--dereference-recursive"):
                flags.add("r")
            if arg.startswith(("--regexp=", "--file=")):
                pattern_given = True
            if arg not in _GREP_LONG and not arg.startswith(_GREP_LONG_VALUED):
                return None
            continue
        if arg.startswith("-") and arg != "-":
            for j, letter in enumerate(arg[1:], 1):
                if letter in _GREP_VALUED:
                    if j == len(arg) - 1:
                        k += 1  # the value is the next word
                    pattern_given = pattern_given or letter in "ef"
                    break
                if letter not in _GREP_FLAGS:
                    return None
                flags.add("l" if letter == "L" else "r" if letter == "R" else letter)
            continue
        operands.append(arg)
    if "l" not in flags:
        return None
    paths = operands if pattern_given else operands[1:]
    if not pattern_given and not operands:
        return None
    if not paths:
        return ["."] if "r" in flags else None  # stdin prints "(standard input)"
    return paths


def _find(args: list[str]) -> list[str] | None:
    k = 0
    while k < len(args) and args[k] in ("-H", "-L", "-P"):
        k += 1
    paths: list[str] = []
    while k < len(args) and not args[k].startswith(("-", "(", "!")):
        paths.append(args[k])
        k += 1
    while k < len(args):
        arg = args[k]
        if arg in _FIND_UNARY:
            k += 1
        elif arg in _FIND_BINARY and k + 1 < len(args):
            k += 2
        else:
            return None
    return paths or ["."]


def _ls_files(args: list[str]) -> list[str] | None:
    paths: list[str] = []
    k = 0
    while k < len(args):
        arg = args[k]
        k += 1
        if arg == "--":
            paths += args[k:]
            break
        if arg in _LS_FILES_FLAGS or arg.startswith(tuple(v + "=" for v in _LS_FILES_VALUED)):
            continue
        if arg in _LS_FILES_VALUED:
            k += 1
            continue
        if arg.startswith(("-", ":")):
            return None
        paths.append(arg)
    return paths or ["."]

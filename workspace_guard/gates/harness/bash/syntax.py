"""Tokens and syntax tree of the Bash analysis, and the records it answers with."""

from __future__ import annotations

import re

from workspace_guard.core.record import Record, Struct, derived, factory

ANY_PATH = "*"
_MAX_DEPTH = 24  # nested $( ), bash -c, eval: deeper than any real command
_MAX_NEST = 100  # nested ( ) and { } groups
_MAX_TARGETS = 1000  # past this, one ANY_PATH target says it all
_MAX_BRACES = 64
_MAX_WORD = 4096  # longer words are not paths
_MAX_BRACE_WORD = 1024  # brace expansion scans are quadratic in the word length

_DOLLAR_SPLIT = re.compile(r"(\$[A-Za-z_]\w*|\$\{[^}]*\})")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Target(Record):
    """A path the command may write (see the module docstring for the path conventions)."""

    path: str
    kind: str  # 'redirect', 'tee', 'sed-i', 'cp', 'mv', 'rm', 'git', ..., 'mention'
    certain: bool  # True: written if the command runs; False: named by a command that may write
    glob: bool  # path is a pattern (unquoted *, ?, [..], {..}, or an expansion)


# Finding kinds (see docs/bash-analysis.md): what the gate must answer besides the targets.
TOO_LARGE = "too-large"  # over command_size.MAX_COMMAND: refused without parsing
UNPARSABLE = "unparsable"  # not valid shell, or nested past any real command: refused
BYPASS = "bypass"  # skips the git hooks (--no-verify, core.hooksPath): refused
UNKNOWN_CODE = "unknown-code"  # runs code the analysis cannot read: `harness: unknown_code`
HARNESS_CLI = "harness-cli"  # starts an agent harness (a new identity): needs a superuser
# runs the gate's own CLI with a guard-changing verb under a resolved or run-time command name
# (`x=workspace-guard; $x uninstall`, ATTACK F85); detail: the verb, as protocol_commands names it
SELF_CLI = "self-cli"
GIT_WORKTREE = "git-worktree"  # rewrites the work tree: the gate asks git which paths change
# restores named paths (`git checkout -- P`, `git restore P`): the named paths are an upper bound,
# the gate asks git which of them differ from what they would be restored to
GIT_RESTORE = "git-restore-paths"
# writes refs (args: names or patterns, `*` any): the gate checks them against the trusted rules ref
REF_WRITE = "ref-write"
# `git NAME` with NAME no git subcommand (an alias, a `git-NAME` program): the gate resolves it at
# gate time and judges what it runs (args: see bash/refs.git_command)
GIT_COMMAND = "git-command"


class Finding(Record):
    """A fact about the command that its targets alone do not say."""

    kind: str  # one of the kinds above
    detail: str  # what was seen, in the command's own words
    cwd: str = ""  # git-worktree/-restore: where git runs (``git -C`` and ``cd`` followed)
    args: tuple[str, ...] = ()  # git-worktree/-restore: subcommand and arguments; () when dynamic


class Analysis(Record):
    """What :func:`analyze` found; ``parse_error`` is set when the text is not valid shell."""

    targets: tuple[Target, ...]
    parse_error: str | None
    read_only: bool  # every simple command is plainly read-only and nothing is written
    findings: tuple[Finding, ...] = ()

    def of_kind(self, kind: str) -> tuple[Finding, ...]:
        """The findings of one kind, in the order the command made them."""
        return tuple(f for f in self.findings if f.kind == kind)


# --------------------------------------------------------------------------- tokens and syntax tree


class _Part(Struct):
    """A run of a word: 'u' unquoted, 'q' quoted, 'v'/'V' an unquoted/quoted expansion."""

    text: str
    kind: str


class _Word(Struct):
    """A shell word as parts, plus the substitutions its expansion runs."""

    parts: list[_Part]
    subs: list[_Seq] = factory(default_factory=list)  # $( ), ` `, <( )
    alts: tuple[tuple[str, bool], ...] | None = None  # synthetic (path, glob): find {}, xargs
    uncertain: bool = False
    text: str = derived(init=False)  # after quote removal, expansions as written
    literal: bool = derived(init=False)  # no expansion at all

    def __post_init__(self) -> None:
        self.text = (
            self.parts[0].text if len(self.parts) == 1 else "".join(p.text for p in self.parts)
        )
        self.literal = self.alts is None and all(p.kind in "uq" for p in self.parts)


class _Op(Struct):
    op: str


class _Redir(Struct):
    fd: str
    op: str
    target: _Word | None
    delim: str = ""
    quoted: bool = False
    body: str = ""
    subs: list[_Seq] = factory(default_factory=list)


class _Simple(Struct):
    words: list[_Word]
    redirs: list[_Redir]
    expand_only: bool = False  # for-lists, case subjects, [[ ]]: expanded, never run
    binds: str = ""  # `for NAME in …`: the name the words are bound to
    chosen: bool = False  # `select NAME in …`: the value is read from stdin (a word, or empty)
    cond: bool = False  # `[[ … ]]`: its operators evaluate arithmetic and names
    # control flow (flow.py): the keywords before the command (`then`, `else`, `do`, `!`…) and,
    # on a pipeline's first command, the `&&`/`||` joining it to the one before
    keywords: tuple[str, ...] = ()
    after: str = ""


class _Compound(Struct):
    body: _Seq
    scoped: bool  # ( ) runs in a subshell: a cd inside does not leak
    redirs: list[_Redir]
    background: bool = False  # `LIST &`: a subshell the shell does not wait for
    function: str = ""  # `NAME() BODY`: the function defined (its body runs at each call too)
    keywords: tuple[str, ...] = ()  # as for _Simple
    after: str = ""
    kind: str = ""  # if, while, until, for, select, case: how flow.py walks the body
    # a case's clauses: (first pipeline in body, how many patterns, the `;;`/`;&`/`;;&` after)
    clauses: list[tuple[int, int, str]] = factory(default_factory=list)


_Token = _Word | _Op | _Redir
_Node = _Simple | _Compound
_Seq = list[list[_Node]]  # a list of pipelines


class _TooDeep(Exception):
    """Nesting beyond any real command: the caller falls back to the conservative word split."""


def _plain(tok: _Token | None) -> str | None:
    """The text of an unquoted literal word (how keywords are recognised), else None."""
    if isinstance(tok, _Word) and len(tok.parts) == 1 and tok.parts[0].kind == "u":
        return tok.text
    return None


def _lit(text: str, kind: str = "u") -> _Word:
    """A word made from text we already hold (a variable's value, a literal from inline code)."""
    parts = [_Part(t, "v" if t.startswith("$") else kind) for t in _DOLLAR_SPLIT.split(text) if t]
    return _Word(parts)


def _suffix(word: _Word, skip: int) -> _Word:
    """The word without its first ``skip`` characters (the value of ``--out=FILE``, ``of=FILE``)."""
    parts: list[_Part] = []
    for part in word.parts:
        if skip >= len(part.text):
            skip -= len(part.text)
            continue
        parts.append(_Part(part.text[skip:], part.kind) if skip else part)
        skip = 0
    return _Word(parts, word.subs, uncertain=word.uncertain)

"""Which files a Bash command may write: the analysis behind the harness gate's Bash door.

Why: Claude Code's ``PreToolUse`` hook sees a Bash command only as text, and Bash is how agents get
round Edit/Write rules (``sed -i``, ``echo >``, ``python -c "open(...)"``; notes/agent-harnesses.md
§0.4). The gate must deny a command that *may* write a protected path and let the everyday reads
(grep, git log, pytest, ``cat <<EOF > scratch``) through. This module answers the first half as a
pure function of the text and the cwd: no I/O, only ``re``/``posixpath`` and our record classes
imported,
since it runs on every command an agent issues.

Rules for the caller (the harness gate):

* **deny** when any target, certain or not, could write a protected path. :func:`could_write` is
  the reference: the target is the path, or a directory above it (``rm -rf app``), or a glob or
  variable pattern that could match the path or a directory above it;
* **allow** otherwise. ``read_only`` and ``certain`` shape the message, never the decision; with a
  ``parse_error`` the targets are already conservative (every path-like token).

:attr:`Target.path` conventions:

* absolute: joined with the effective cwd (``cd``, ``pushd``, ``git -C``, ``env -C`` followed) by
  ``posixpath.join``, not normalised: normalise before comparing (:func:`could_write` does);
* left as written when it starts with ``~`` (expand with the hook's HOME) or ``$`` (may be
  absolute);
* when ``glob``: ``*``, ``?``, ``[..]`` match within one path component; ``**`` and every ``$VAR``,
  ``${..}``, ``$(..)`` match anything, ``/`` included. The lone path ``*`` (:data:`ANY_PATH`) means
  "any file": what ``xargs rm``, ``git reset --hard``, ``bash -c "$CMD"`` or ``curl … | sh`` may
  write, so the caller denies whenever a protected path exists;
* ``/dev/*`` is never a target.

Fail-closed choices, each a documented over-approximation: an unknown command (neither on the
read-only list nor a known writer) mentions every path-like argument as an uncertain target; inline
interpreter code (``python -c``, ``node -e``, a heredoc fed to ``python -``) with a write-ish call
mentions every path-like string literal; on a syntax error every path-like token is an uncertain
target, besides what the best-effort parse found.
"""

from __future__ import annotations

import posixpath
import re

from workspace_guard.core.record import Record, Struct, derived, factory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ANY_PATH", "Analysis", "Target", "analyze", "could_write"]

ANY_PATH = "*"
_MAX_DEPTH = 24  # nested $( ), bash -c, eval: deeper than any real command
_MAX_NEST = 100  # nested ( ) and { } groups
_MAX_TARGETS = 1000  # past this, one ANY_PATH target says it all
_MAX_BRACES = 64
_MAX_WORD = 4096  # longer words are not paths
_MAX_BRACE_WORD = 1024  # brace expansion scans are quadratic in the word length


class Target(Record):
    """A path the command may write (see the module docstring for the path conventions)."""

    path: str
    kind: str  # 'redirect', 'tee', 'sed-i', 'cp', 'mv', 'rm', 'git', ..., 'mention'
    certain: bool  # True: written if the command runs; False: named by a command that may write
    glob: bool  # path is a pattern (unquoted *, ?, [..], {..}, or an expansion)


class Analysis(Record):
    """What :func:`analyze` found; ``parse_error`` is set when the text is not valid shell."""

    targets: tuple[Target, ...]
    parse_error: str | None
    read_only: bool  # every simple command is plainly read-only and nothing is written


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


class _Compound(Struct):
    body: _Seq
    scoped: bool  # ( ) runs in a subshell: a cd inside does not leak
    redirs: list[_Redir]


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


# --------------------------------------------------------------------------- lexer

_META = frozenset(" \t\r\n;&|()<>")
_PLAIN_RUN = re.compile(r"[^\s;&|()<>'\"\\$`]+")
_DQ_RUN = re.compile(r'[^"\\$`]+')
_HEREDOC_RUN = re.compile(r"[^\\$`]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FD = re.compile(r"\d+|\{[A-Za-z_]\w*\}")
_DOLLAR_SPLIT = re.compile(r"(\$[A-Za-z_]\w*|\$\{[^}]*\})")
_OP = re.compile(r"&&|\|\||\|&|;;&?|;&|[;&|()]")
_REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">")
_ANSI_CODE = re.compile(r"x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|([0-7]{1,3})")
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}


class _Lexer:
    """Splits shell text into words, operators and redirections as bash's tokenizer would.

    Command substitutions are lexed in place by a nested lexer (``closer=')'``) and parsed at once,
    so quotes, heredocs and nesting inside ``$( )`` behave as in bash; heredoc bodies are read at
    the next newline and kept as text, never as commands.
    """

    def __init__(self, src: str, pos: int, depth: int, errors: list[str], closer: str = "") -> None:
        if depth > _MAX_DEPTH:
            raise _TooDeep
        self.s, self.i, self.depth, self.errors, self.closer = src, pos, depth, errors, closer
        self.tokens: list[_Token] = []
        self.pending: list[_Redir] = []
        self.parens = 0
        self.arith_budget = 64

    def run(self) -> list[_Token]:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif s.startswith("\\\n", self.i):
                self.i += 2
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end
            elif c == "\n":
                self.i += 1
                self.tokens.append(_Op("\n"))
                self._heredocs()
            elif c == ")" and self.closer and self.parens == 0:
                self.i += 1
                return self._finish(closed=True)
            elif c in "<>" and not s.startswith("(", self.i + 1):
                self._redirect("")
            elif c == "&" and s.startswith("&>", self.i):
                self.i += 1
                self._redirect("&")
            elif c in ";&|()":
                self._operator()
            else:
                self._word_or_fd()
        return self._finish(closed=False)

    def _finish(self, closed: bool) -> list[_Token]:
        if self.closer and not closed:
            self.errors.append("unterminated $( or <(")
        for redir in self.pending:  # bash reads an unterminated heredoc to the end of input
            redir.delim = ""
        self.pending = []
        return self.tokens

    def _operator(self) -> None:
        s, i = self.s, self.i
        if s.startswith("((", i) and self._arith_command():
            return
        m = _OP.match(s, i)
        op = m.group() if m else s[i]
        self.i += len(op)
        if op == "(":
            self.parens += 1
        elif op == ")":
            self.parens = max(0, self.parens - 1)
        self.tokens.append(_Op(op))

    def _arith_command(self) -> bool:
        end = self._arith_end(self.i)
        if end < 0:
            return False
        text = self.s[self.i : end]
        self.tokens.append(_Word([_Part(text, "a")], self._inner_subs(text)))
        self.i = end
        return True

    def _arith_end(self, i: int) -> int:
        """End of the ``(( … ))`` at ``i``, or -1; bounded, as ``((((…`` retries at each ``(``."""
        if self.arith_budget <= 0:
            return -1
        end = _balanced(self.s, i, _MAX_WORD)
        if end < 0 or not self.s.startswith("))", end - 2):
            self.arith_budget -= 1
            return -1
        return end

    def _inner_subs(self, text: str) -> list[_Seq]:
        """The ``$( )`` and backquotes inside ``${x:-…}`` or ``$(( … ))``: they run too."""
        subs: list[_Seq] = []
        if "$(" in text or "`" in text:
            _Lexer(text, 0, self.depth + 1, self.errors).read_dq([], subs, stop="")
        return subs

    def _word_or_fd(self) -> None:
        start = self.i
        word = self._read_word()
        s = self.s
        fd_like = self.i < len(s) and s[self.i] in "<>" and not s.startswith("(", self.i + 1)
        if fd_like and _FD.fullmatch(s[start : self.i]):
            self._redirect(s[start : self.i])
        else:
            self.tokens.append(word)

    def _redirect(self, fd: str) -> None:
        s = self.s
        op = next(o for o in _REDIR_OPS if s.startswith(o, self.i))
        self.i += len(op)
        while self.i < len(s) and (s[self.i] in " \t" or s.startswith("\\\n", self.i)):
            self.i += 2 if s[self.i] == "\\" else 1
        word: _Word | None = None
        if self.i < len(s) and (s[self.i] not in _META or s.startswith(("<(", ">("), self.i)):
            word = self._read_word()
        else:
            self.errors.append(f"redirection {op!r} without a target")
        redir = _Redir(fd, op, word)
        if op in ("<<", "<<-") and word is not None:
            redir.delim = word.text
            redir.quoted = any(p.kind in "qV" for p in word.parts)
            self.pending.append(redir)
        self.tokens.append(redir)

    def _heredocs(self) -> None:
        for redir in self.pending:
            redir.body = self._heredoc_body(redir.delim, redir.op == "<<-")
            if not redir.quoted:  # an unquoted body expands $( ) and ` `: those run
                sub = _Lexer(redir.body, 0, self.depth + 1, self.errors)
                sub.read_dq([], redir.subs, stop="")
        self.pending = []

    def _heredoc_body(self, delim: str, strip_tabs: bool) -> str:
        s, lines = self.s, []
        while self.i < len(s):
            end = s.find("\n", self.i)
            end = len(s) if end < 0 else end
            line = s[self.i : end]
            self.i = end + 1 if end < len(s) else end
            if (line.lstrip("\t") if strip_tabs else line) == delim:
                break
            lines.append(line)
        return "\n".join(lines)

    # -- words ---------------------------------------------------------------------------------

    def _read_word(self) -> _Word:
        s, n = self.s, len(self.s)
        parts: list[_Part] = []
        subs: list[_Seq] = []
        while self.i < n:
            c = s[self.i]
            if c in _META:
                if c in "<>" and s.startswith("(", self.i + 1):
                    self._procsub(parts, subs)
                    continue
                if c == "(" and parts and parts[-1].kind == "u" and parts[-1].text[-1] in "@!+*?":
                    self._extglob(parts)
                    continue
                break
            if c == "'":
                self._single(parts)
            elif c == '"':
                self.i += 1
                self.read_dq(parts, subs, stop='"')
            elif c == "\\":
                self._escape(parts)
            elif c == "$":
                self._dollar(parts, subs, quoted=False)
            elif c == "`":
                self._backtick(parts, subs, quoted=False)
            else:
                m = _PLAIN_RUN.match(s, self.i)
                end = m.end() if m else self.i + 1
                parts.append(_Part(s[self.i : end], "u"))
                self.i = end
        return _Word(parts or [_Part("", "q")], subs)  # "" is a word too

    def _single(self, parts: list[_Part]) -> None:
        end = self.s.find("'", self.i + 1)
        if end < 0:
            self.errors.append("unbalanced single quote")
            end = len(self.s)
        parts.append(_Part(self.s[self.i + 1 : end], "q"))
        self.i = end + 1

    def _escape(self, parts: list[_Part]) -> None:
        nxt = self.s[self.i + 1 : self.i + 2]
        if nxt != "\n":
            parts.append(_Part(nxt or "\\", "q"))
        self.i += 2

    def read_dq(self, parts: list[_Part], subs: list[_Seq], stop: str) -> None:
        """Double-quoted text (``stop='"'``) or an unquoted heredoc body (``stop=''``)."""
        s, n = self.s, len(self.s)
        run = _DQ_RUN if stop else _HEREDOC_RUN
        while self.i < n:
            c = s[self.i]
            if stop and c == stop:
                self.i += 1
                return
            if c == "\\":
                nxt = s[self.i + 1 : self.i + 2]
                keep = nxt if nxt in ('$`\\"' if stop else "$`\\") else "\\" + nxt
                parts.append(_Part("" if nxt == "\n" else keep, "q"))
                self.i += 2
            elif c == "$":
                self._dollar(parts, subs, quoted=True)
            elif c == "`":
                self._backtick(parts, subs, quoted=True)
            else:
                m = run.match(s, self.i)
                end = m.end() if m else self.i + 1
                parts.append(_Part(s[self.i : end], "q"))
                self.i = end
        if stop:
            self.errors.append("unbalanced double quote")

    def _dollar(self, parts: list[_Part], subs: list[_Seq], quoted: bool) -> None:
        s, i = self.s, self.i
        nxt = s[i + 1 : i + 2]
        kind = "V" if quoted else "v"
        if nxt == "'" and not quoted:
            self.i = i + 2
            parts.append(_Part(self._ansi_c(), "q"))
        elif nxt == '"' and not quoted:
            self.i = i + 2
            self.read_dq(parts, subs, stop='"')
        elif nxt == "(":
            self._dollar_paren(parts, subs, kind)
        elif nxt == "{":
            end = _brace_end(s, i + 2)
            if end < 0:
                self.errors.append("unbalanced ${")
                end = len(s)
            parts.append(_Part(s[i:end], kind))
            subs.extend(self._inner_subs(s[i + 2 : end - 1]))
            self.i = end
        elif nxt and (nxt.isalpha() or nxt == "_"):
            m = _NAME.match(s, i + 1)
            end = m.end() if m else i + 2
            parts.append(_Part(s[i:end], kind))
            self.i = end
        elif nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            parts.append(_Part(s[i : i + 2], kind))
            self.i = i + 2
        else:
            parts.append(_Part("$", "q" if quoted else "u"))
            self.i = i + 1

    def _dollar_paren(self, parts: list[_Part], subs: list[_Seq], kind: str) -> None:
        s, i = self.s, self.i
        if s.startswith("$((", i):
            end = self._arith_end(i + 1)
            if end > 0:
                parts.append(_Part(s[i:end], kind))
                subs.extend(self._inner_subs(s[i + 3 : end - 2]))
                self.i = end
                return
        lexer = _Lexer(s, i + 2, self.depth + 1, self.errors, closer=")")
        subs.append(_Parser(lexer.run(), self.errors).parse())
        parts.append(_Part(s[i : lexer.i], kind))
        self.i = lexer.i

    def _procsub(self, parts: list[_Part], subs: list[_Seq]) -> None:
        lexer = _Lexer(self.s, self.i + 2, self.depth + 1, self.errors, closer=")")
        subs.append(_Parser(lexer.run(), self.errors).parse())
        parts.append(_Part("/dev/fd/63", "q"))  # what the command sees: never a repository file
        self.i = lexer.i

    def _extglob(self, parts: list[_Part]) -> None:
        end = _balanced(self.s, self.i)
        self.i = len(self.s) if end < 0 else end
        parts.append(_Part("*", "u"))

    def _backtick(self, parts: list[_Part], subs: list[_Seq], quoted: bool) -> None:
        s, j, buf = self.s, self.i + 1, []
        while j < len(s) and s[j] != "`":
            if s[j] == "\\" and j + 1 < len(s):
                nxt = s[j + 1]
                buf.append(nxt if nxt in "$`\\" or (quoted and nxt == '"') else "\\" + nxt)
                j += 2
                continue
            buf.append(s[j])
            j += 1
        if j >= len(s):
            self.errors.append("unterminated backquote")
        inner = _Lexer("".join(buf), 0, self.depth + 1, self.errors)
        subs.append(_Parser(inner.run(), self.errors).parse())
        parts.append(_Part(s[self.i : j + 1], "V" if quoted else "v"))
        self.i = j + 1

    def _ansi_c(self) -> str:
        s, out = self.s, []
        while self.i < len(s) and s[self.i] != "'":
            c = s[self.i]
            if c != "\\" or self.i + 1 >= len(s):
                out.append(c)
                self.i += 1
                continue
            m = _ANSI_CODE.match(s, self.i + 1)
            if m:
                hexa = m.group(1) or m.group(2)
                out.append(chr(int(hexa, 16) if hexa else int(m.group(3), 8)))
                self.i = m.end()
            else:
                out.append(_ANSI.get(s[self.i + 1], s[self.i + 1]))
                self.i += 2
        if self.i >= len(s):
            self.errors.append("unbalanced $' quote")
        self.i += 1
        return "".join(out)


def _balanced(s: str, i: int, limit: int = 1 << 62) -> int:
    """Index after the ``)`` matching the ``(`` at ``i`` (quotes skipped), or -1.

    ``limit`` bounds the scan where a failure is retried at the next character (``((``), which
    would otherwise make ``((((…`` quadratic.
    """
    depth, stop = 0, min(len(s), i + limit)
    while i < stop:
        c = s[i]
        if c in "'\"":
            end = s.find(c, i + 1)
            if end < 0:
                return -1
            i = end
        elif c == "\\":
            i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _brace_end(s: str, i: int) -> int:
    """Index after the ``}`` closing a ``${`` whose body starts at ``i``, or -1."""
    depth = 1
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 1
        elif c == "'":
            end = s.find("'", i + 1)
            i = len(s) if end < 0 else end
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


# --------------------------------------------------------------------------- parser

_SKIP_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!"}
)
_SKIP_KEYWORDS |= {"esac", "coproc"}
_SEPARATORS = frozenset({";", "&", "\n", "&&", "||"})
_CASE_ENDS = frozenset({";;", ";&", ";;&", "esac"})
_SKIPPED_OPS = _SEPARATORS | {")", ";;", ";&", ";;&"}


class _Parser:
    """Builds the syntax tree: lists of pipelines of simple or compound commands.

    Lenient by design: keywords that only steer control flow (``if``, ``then``, ``do``, ``fi``…)
    are dropped, since every branch may run; what bash would reject is recorded as an error.
    """

    def __init__(self, tokens: list[_Token], errors: list[str]) -> None:
        self.t: list[_Token | None] = [*tokens, None, None, None]  # peek(1) past the end is safe
        self.k, self.errors, self.nest = 0, errors, 0

    def parse(self) -> _Seq:
        return self.seq(frozenset())

    def peek(self, ahead: int = 0) -> _Token | None:
        k = self.k + ahead
        return self.t[k] if k < len(self.t) else None

    def _is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return isinstance(tok, _Op) and tok.op in ops

    def _at_stop(self, stops: frozenset[str]) -> bool:
        tok = self.peek()
        return (isinstance(tok, _Op) and tok.op in stops) or _plain(tok) in stops

    def seq(self, stops: frozenset[str]) -> _Seq:
        items: _Seq = []
        while (tok := self.peek()) is not None and not self._at_stop(stops):
            if isinstance(tok, _Op) and tok.op in _SKIPPED_OPS:
                self.k += 1
                if tok.op in ("&&", "||") and (self.peek() is None or not items):
                    self.errors.append(f"{tok.op!r} without a command")
                elif tok.op not in _SEPARATORS:
                    self.errors.append(f"unexpected {tok.op!r}")
                continue
            items.append(self.pipeline())
        return items

    def pipeline(self) -> list[_Node]:
        nodes = [self.command()]
        while self._is_op("|", "|&"):
            if isinstance(nodes[-1], _Simple) and not nodes[-1].words and not nodes[-1].redirs:
                self.errors.append("pipe without a command")
            self.k += 1
            nxt = self.peek()
            if nxt is None or (isinstance(nxt, _Op) and nxt.op != "("):
                self.errors.append("pipe without a command")
                break
            nodes.append(self.command())
        return nodes

    def command(self) -> _Node:
        while _plain(self.peek()) in _SKIP_KEYWORDS:
            self.k += 1
        tok, word = self.peek(), _plain(self.peek())
        if isinstance(tok, _Word) and tok.parts and tok.parts[0].kind == "a":  # (( arithmetic ))
            self.k += 1
            return _Simple([tok], self._redirs(), expand_only=True)
        if isinstance(tok, _Op) and tok.op == "(":
            return self._group(")", scoped=True)
        if word == "{":
            return self._group("}", scoped=False)
        if word in ("for", "select"):
            return self._for()
        if word == "case":
            return self._case()
        if word == "function":
            self.k += 2
            if self._is_op("(") and isinstance(self.peek(1), _Op):
                self.k += 2
            return self._body()
        if word == "[[":
            return self._cond()
        return self._simple()

    def _group(self, closer: str, scoped: bool) -> _Compound:
        self.nest += 1
        if self.nest > _MAX_NEST:
            raise _TooDeep
        self.k += 1
        body = self.seq(frozenset({closer}))
        if self._at_stop(frozenset({closer})):
            self.k += 1
        else:
            self.errors.append(f"missing {closer!r}")
        self.nest -= 1
        return _Compound(body, scoped, self._redirs())

    def _redirs(self) -> list[_Redir]:
        out = []
        while isinstance(tok := self.peek(), _Redir):
            out.append(tok)
            self.k += 1
        return out

    def _body(self) -> _Node:
        while self._is_op("\n"):
            self.k += 1
        return self.command()

    def _simple(self) -> _Node:
        words: list[_Word] = []
        redirs: list[_Redir] = []
        tokens, k = self.t, self.k
        while k < len(tokens) and (tok := tokens[k]) is not None:
            if isinstance(tok, _Word):
                words.append(tok)
            elif isinstance(tok, _Redir):
                redirs.append(tok)
            elif tok.op == "(" and len(words) == 1:
                self.k = k
                if self._is_function():
                    return self._body()
                self.errors.append("unexpected '('")
                break
            else:
                break
            k += 1
        self.k = k
        return _Simple(words, redirs)

    def _is_function(self) -> bool:
        nxt = self.peek(1)
        if isinstance(nxt, _Op) and nxt.op == ")":
            self.k += 2
            return True
        return False

    def _for(self) -> _Simple:
        self.k += 2  # 'for' NAME (or the arithmetic ((...)) word)
        words: list[_Word] = []
        if _plain(self.peek()) == "in":
            self.k += 1
            while isinstance(tok := self.peek(), _Word):
                words.append(tok)
                self.k += 1
        return _Simple(words, [], expand_only=True)

    def _case(self) -> _Compound:
        self.k += 1
        words = [tok] if isinstance(tok := self.peek(), _Word) else []
        self.k += 2 if _plain(self.peek(1)) == "in" else 1
        body: _Seq = [[_Simple(words, [], expand_only=True)]]
        while True:
            while self._is_op("\n", ";"):
                self.k += 1
            if self.peek() is None or _plain(self.peek()) == "esac":
                if self.peek() is None:
                    self.errors.append("case without esac")
                self.k += 1
                break
            if not self._case_pattern(words):
                break
            body.extend(self.seq(_CASE_ENDS))
            if self._is_op(";;", ";&", ";;&"):
                self.k += 1
        return _Compound(body, False, self._redirs())

    def _case_pattern(self, words: list[_Word]) -> bool:
        if self._is_op("("):
            self.k += 1
        while isinstance(tok := self.peek(), _Word) or self._is_op("|"):
            if isinstance(tok, _Word):
                words.append(tok)
            self.k += 1
        if self._is_op(")"):
            self.k += 1
            return True
        self.errors.append("bad case pattern")
        return False

    def _cond(self) -> _Simple:
        words: list[_Word] = []
        self.k += 1
        while (tok := self.peek()) is not None and _plain(tok) != "]]":
            if isinstance(tok, _Word):
                words.append(tok)
            elif isinstance(tok, _Redir) and tok.target is not None:
                words.append(tok.target)  # < and > inside [[ ]] compare strings
            self.k += 1
        if self.peek() is None:
            self.errors.append("missing ']]'")
        self.k += 1
        return _Simple(words, [], expand_only=True)


# --------------------------------------------------------------------------- analysis context


class _Ctx(Struct):
    """The shell state that changes what a path means: the cwd, known variables, pushd's stack."""

    cwd: str
    vars: dict[str, str] = factory(default_factory=dict)
    dirs: list[str] = factory(default_factory=list)

    def fork(self, cwd: str | None = None) -> _Ctx:
        return _Ctx(self.cwd if cwd is None else cwd, dict(self.vars), list(self.dirs))


class _Out(Struct):
    targets: dict[Target, None] = factory(default_factory=dict)  # an ordered set
    errors: list[str] = factory(default_factory=list)
    read_only: bool = True

    def add(self, target: Target) -> None:
        self.read_only = False
        if len(self.targets) < _MAX_TARGETS:
            self.targets.setdefault(target)
        else:
            self.targets.setdefault(Target(ANY_PATH, "too-many", False, True))


class _Stdin(Record):
    kind: str  # 'none' | 'text' (heredoc, here-string, echo | …) | 'file' | 'unknown' (a pipe)
    text: str = ""


class _Env(Struct):
    """What a command handler needs: where it runs, where findings go, and what its stdin is."""

    ctx: _Ctx
    out: _Out
    stdin: _Stdin
    depth: int

    def at(self, cwd: str) -> _Env:
        return _Env(self.ctx.fork(cwd), self.out, self.stdin, self.depth)

    def not_read_only(self) -> None:
        self.out.read_only = False

    def paths(self, word: _Word) -> list[tuple[str, bool, bool]]:
        """(absolute path, glob, dynamic) for each value the word may take."""
        if word.alts is not None:
            return [(p, g, True) for p, g in word.alts]
        out = []
        for text, glob, dynamic in _expand(word, self.ctx):
            if text or dynamic:
                path = _join(self.ctx.cwd, text)
                dyn = dynamic or (path != text and "$" in self.ctx.cwd)
                out.append((path, glob or dyn, dyn))
        return out

    def add(self, word: _Word, kind: str, certain: bool = True) -> None:
        for path, glob, dyn in self.paths(word):
            sure = certain and not dyn and not word.uncertain and not path.startswith("~")
            self.add_path(path, kind, sure, glob or dyn)

    def add_path(self, path: str, kind: str, certain: bool, glob: bool) -> None:
        if path.startswith("/dev/") and posixpath.normpath(path).startswith("/dev/"):
            return
        self.out.add(Target(path, kind, certain, glob))

    def add_rel(self, rel: str, kind: str, certain: bool = False, glob: bool = False) -> None:
        self.add(_lit(rel) if glob else _lit(rel, "q"), kind, certain)

    def add_any(self, kind: str) -> None:
        self.add_path(ANY_PATH, kind, False, True)

    def add_under(self, word: _Word | None, kind: str, certain: bool = False) -> None:
        """Unknown files below a directory (the cwd when ``word`` is None): ``DIR/*``."""
        dirs = self.paths(word) if word is not None else [(self.ctx.cwd, False, False)]
        for path, _, dyn in dirs:
            self.add_path(posixpath.join(path, "*"), kind, certain and not dyn, True)

    def add_into(self, dest: _Word, src: _Word, kind: str) -> None:
        """``cp SRC DIR/``: the file written is DIR/basename(SRC)."""
        for dpath, dglob, ddyn in self.paths(dest):
            for spath, sglob, sdyn in self.paths(src):
                base = posixpath.basename(spath.rstrip("/")) or spath
                glob = dglob or ddyn or sglob or sdyn or spath == ANY_PATH
                self.add_path(posixpath.join(dpath, base), kind, not (ddyn or sdyn), glob)


def _join(cwd: str, text: str) -> str:
    if text.startswith(("/", "~", "$")):
        return text
    return posixpath.join(cwd, text)


# --------------------------------------------------------------------------- word expansion


def _var_value(text: str, ctx: _Ctx) -> str | None:
    """The value of a ``$NAME``/``${NAME}``/``$(pwd)`` expansion when it is known, else None."""
    if text in ("$(pwd)", "`pwd`", "$PWD", "${PWD}"):
        return None if "$" in ctx.cwd else ctx.cwd
    if text in ("$HOME", "${HOME}"):
        return "~"
    name = text[2:-1] if text.startswith("${") else text[1:]
    return ctx.vars.get(name) if _NAME.fullmatch(name) else None


def _expand(word: _Word, ctx: _Ctx) -> list[tuple[str, bool, bool]]:
    """(text, glob, dynamic) per brace alternative; unknown expansions stay as written."""
    if word.literal and not any(p.kind == "u" and "{" in p.text for p in word.parts):
        glob = any(p.kind == "u" and _GLOB_META.search(p.text) for p in word.parts)
        return [(word.text, glob, False)]
    chars: list[tuple[str, str]] = []
    for part in word.parts:
        if part.kind in "uq":
            chars.extend((c, part.kind) for c in part.text)
            continue
        value = _var_value(part.text, ctx)
        if value is None:
            chars.append((part.text, "x"))
        else:
            chars.extend((c, "u" if part.kind == "v" else "q") for c in value)
    out = []
    for alt in _braces(chars) if any(c == "{" and k == "u" for c, k in chars) else [chars]:
        text = "".join(c for c, _ in alt)
        glob = any(k == "u" and (c in "*?[" or c == "**") for c, k in alt)
        out.append((text, glob, any(k == "x" for _, k in alt)))
    return out


_GLOB_META = re.compile(r"[*?\[]")


def _braces(chars: list[tuple[str, str]], budget: int = _MAX_BRACES) -> list[list[tuple[str, str]]]:
    """Bash brace expansion (``app/{main,x}.py``); a range, or over ``budget`` words, is ``**``."""
    if len(chars) > _MAX_BRACE_WORD:
        return [chars]
    results: list[list[tuple[str, str]]] = [[]]
    i = 0
    while i < len(chars):
        span = _brace_at(chars, i) if chars[i] == ("{", "u") else None
        if span is None:
            for r in results:
                r.append(chars[i])
            i += 1
            continue
        end, pieces = span
        alts = [a for s, e in pieces for a in _braces(chars[s:e], budget)] if pieces else None
        if alts is None or len(results) * len(alts) > budget:
            results = [[*r, ("**", "u")] for r in results]
        else:
            results = [[*r, *a] for r in results for a in alts]
        i = end + 1
    return results


def _brace_at(
    chars: list[tuple[str, str]], start: int
) -> tuple[int, list[tuple[int, int]] | None] | None:
    """The ``{…}`` opening at ``start``: its end and comma-separated pieces (None for a range)."""
    depth, commas = 0, [start]
    for j in range(start, len(chars)):
        c, k = chars[j]
        if k != "u":
            continue
        depth += (c == "{") - (c == "}")
        if c == "," and depth == 1:
            commas.append(j)
        if depth == 0:
            if len(commas) > 1:
                bounds = [*commas, j]
                return j, [(bounds[n] + 1, bounds[n + 1]) for n in range(len(bounds) - 1)]
            inner = "".join(x for x, _ in chars[start + 1 : j])
            return (j, None) if _BRACE_RANGE.fullmatch(inner) else None
    return None


_BRACE_RANGE = re.compile(r"-?\w+\.\.-?\w+(\.\.-?\d+)?")


# --------------------------------------------------------------------------- walking the tree


def _run_text(text: str, ctx: _Ctx, out: _Out, depth: int) -> None:
    """Parse and analyse shell text; on a syntax error add the conservative word split too."""
    errors: list[str] = []
    tokens = _Lexer(text, 0, depth, errors).run()
    seq = _Parser(tokens, errors).parse()
    _walk_seq(seq, ctx, out, depth)
    if errors:
        out.errors.extend(errors)
        _fallback(text, ctx.cwd, out)


def _walk_seq(seq: _Seq, ctx: _Ctx, out: _Out, depth: int) -> None:
    for pipeline in seq:
        upstream: _Node | None = None
        for node in pipeline:  # pipeline members run in subshells: their cd does not leak
            local = ctx if len(pipeline) == 1 else ctx.fork()
            _walk_node(node, local, out, depth, upstream)
            upstream = node


def _walk_node(node: _Node, ctx: _Ctx, out: _Out, depth: int, upstream: _Node | None) -> None:
    if isinstance(node, _Compound):
        _walk_seq(node.body, ctx.fork() if node.scoped else ctx, out, depth)
        _redirect_targets(_Env(ctx, out, _Stdin("none"), depth), node.redirs)
        return
    env = _Env(ctx, out, _stdin_of(node, upstream), depth)
    for word in node.words:
        for sub in word.subs:
            _walk_seq(sub, ctx.fork(), out, depth)
    for redir in node.redirs:
        for sub in [*redir.subs, *(redir.target.subs if redir.target is not None else [])]:
            _walk_seq(sub, ctx.fork(), out, depth)
    if node.redirs:
        _redirect_targets(env, node.redirs)
    if not node.expand_only:
        _simple(env, node.words)


def _redirect_targets(env: _Env, redirs: list[_Redir]) -> None:
    for redir in redirs:
        word = redir.target
        if word is None or redir.op not in (">", ">>", ">|", "<>", ">&"):
            continue
        if redir.op == ">&" and redir.fd != "&" and (word.text == "-" or word.text.isdigit()):
            continue  # 2>&1: a descriptor, not a file
        env.add(word, "redirect")


def _stdin_of(node: _Simple, upstream: _Node | None) -> _Stdin:
    """What the command reads on stdin: code for ``python -``/``bash`` may arrive this way."""
    stdin = _Stdin("none") if upstream is None else _pipe_text(upstream)
    for redir in node.redirs:
        if redir.fd not in ("", "0"):
            continue
        if redir.op in ("<<", "<<-"):
            stdin = _Stdin("text", redir.body)
        elif redir.op == "<<<" and redir.target is not None:
            stdin = _Stdin("text", redir.target.text)
        elif redir.op == "<":
            stdin = _Stdin("file")
    return stdin


def _pipe_text(upstream: _Node) -> _Stdin:
    """``echo CODE | sh`` and ``cat <<EOF | python`` are readable; any other pipe is not."""
    if not isinstance(upstream, _Simple) or not upstream.words:
        return _Stdin("unknown")
    name = _plain(upstream.words[0])
    if name in ("echo", "printf"):
        args = [w.text for w in upstream.words[1:]]
        while args and name == "echo" and args[0] in ("-e", "-n", "-E", "-ne", "-en"):
            args.pop(0)
        return _Stdin("text", " ".join(args).replace("\\n", "\n"))
    if name == "cat" and len(upstream.words) == 1:
        return _stdin_of(upstream, None)
    return _Stdin("unknown")


def _simple(env: _Env, words: list[_Word]) -> None:
    """Assignments alone set variables; otherwise dispatch the command they prefix."""
    i = 0
    while i < len(words) and _ASSIGN.match(words[i].text) and words[i].parts[0].kind == "u":
        i += 1
    if i == len(words):
        for word in words:
            _assign(env, word)
        return
    _dispatch(env, [b for word in words[i:] for b in _brace_words(word)])


def _brace_words(word: _Word) -> list[_Word]:
    """``mv f{,.bak}`` is two arguments: split a word the way brace expansion does."""
    if word.alts is not None or len(word.text) > _MAX_BRACE_WORD or "{" not in word.text:
        return [word]
    if not any(p.kind == "u" and "{" in p.text for p in word.parts):
        return [word]
    chars: list[tuple[str, str]] = []
    for part in word.parts:
        chars.extend((c, part.kind) for c in part.text) if part.kind in "uq" else chars.append(
            (part.text, part.kind)
        )
    words: list[_Word] = []
    for alt in _braces(chars):
        parts: list[_Part] = []
        for text, kind in alt:
            if parts and parts[-1].kind == kind and kind in "uq":
                parts[-1] = _Part(parts[-1].text + text, kind)
            else:
                parts.append(_Part(text, kind))
        words.append(_Word(parts, word.subs if not words else []))
    return words or [word]


_ASSIGN = re.compile(r"[A-Za-z_]\w*(\[[^]]*\])?\+?=")


def _assign(env: _Env, word: _Word) -> None:
    """Track ``F=app/main.py`` so a later ``rm $F`` names the file; anything else is unknown."""
    name, _, _ = word.text.partition("=")
    value = _suffix(word, len(name) + 1)
    temp = _MKTEMP.fullmatch(value.text)
    if temp and not value.literal:
        env.ctx.vars[name] = (temp.group(1) or "/tmp/tmp.").rstrip("X") + "*"
    elif name.endswith(("+", "]")) or not value.literal:
        env.ctx.vars.pop(name.rstrip("+"), None)
    else:
        env.ctx.vars[name] = value.text


_MKTEMP = re.compile(r"\$\(mktemp(?:\s+-[dqu]+)*(?:\s+(/[^\s)]*))?\s*\)")


def _dispatch(env: _Env, words: list[_Word]) -> None:
    head = words[0]
    if not head.literal:
        value = _var_value(head.text, env.ctx) if len(head.parts) == 1 else None
        if value is not None and value.strip():
            _dispatch(env, [_lit(t, "q") for t in value.split()] + words[1:])
        elif len(words) == 1:
            env.add_any("dynamic-command")  # `$CMD` or `eval "$X"`: could be anything
        else:
            _unknown(env, words[1:])
        return
    name = _command_name(head.text)
    if name in _READ_ONLY:
        return
    handler = _HANDLERS.get(name)
    if handler is not None:
        handler(env, name, words[1:])
    elif name in _RUNNERS:
        env.not_read_only()
    else:
        _unknown(env, words[1:])


def _command_name(text: str) -> str:
    name = posixpath.basename(text)
    m = _VERSIONED.fullmatch(name)
    if m:
        return "python" if m.group(1) == "pypy" else m.group(1)
    return _ALIASES.get(name, name)


_VERSIONED = re.compile(r"(python|pypy|pip|ruby|perl|php|node)[\d.]*")


def _unknown(env: _Env, args: list[_Word]) -> None:
    """Fail closed: every path-like argument of an unknown command may be written."""
    env.not_read_only()
    for arg in args:
        text = arg.text
        word = arg
        if text.startswith("-") and arg.literal:
            if not text.startswith("--") or "=" not in text:
                continue
            word = _suffix(arg, text.index("=") + 1)
        elif _ASSIGN.match(text):
            word = _suffix(arg, text.index("=") + 1)
        if word.alts is not None or not word.literal or _pathlike(word.text):
            env.add(word, "mention", certain=False)
        if _CODE_LIKE.search(text) and _WRITE_HINT.search(text):
            _embedded_paths(env, text)  # `manage.py shell -c "open('f', 'w')"`, `ssh h 'rm f'`


_CODE_LIKE = re.compile(r"[\s'\"]")


def _embedded_paths(env: _Env, text: str) -> None:
    """Code or a command line inside one argument: its string literals and its words."""
    _code_literals(env, text)
    _code_literals(env, '"' + text.replace('"', " ") + '"')


def _pathlike(text: str) -> bool:
    """Could this argument name a file? Options, URLs, user@host: and plain numbers cannot."""
    if not text or len(text) > _MAX_WORD or "\n" in text or text.startswith("-"):
        return False
    return not ("://" in text or _REMOTE_OR_NUMBER.match(text))


_REMOTE_OR_NUMBER = re.compile(r"[\w.-]+@[\w.-]+:|[+-]?\d+(\.\d+)?[kKmMgGsh%]?$")


_FALLBACK_TOKEN = re.compile(r"[^\s;&|()<>'\"`]+")


def _fallback(text: str, cwd: str, out: _Out) -> None:
    """Conservative word split for text that did not parse: every path-like token may be written."""
    for m in _FALLBACK_TOKEN.finditer(text):
        tok = m.group()
        for cand in (tok, tok.partition("=")[2]):
            if _pathlike(cand):
                glob = any(c in cand for c in "*?[{$")
                out.add(Target(_join(cwd, cand), "mention", False, glob))


# --------------------------------------------------------------------------- option parsing


def _opts(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def _split(
    args: list[_Word], takes: frozenset[str]
) -> tuple[list[_Word], dict[str, _Word], set[str]]:
    """GNU-style option parsing: (positionals, value of each option that takes one, flags seen)."""
    pos: list[_Word] = []
    values: dict[str, _Word] = {}
    flags: set[str] = set()
    i = 0
    while i < len(args):
        word, text = args[i], args[i].text
        i += 1
        if text == "--" and word.literal:
            pos.extend(args[i:])
            break
        if not text.startswith("-") or text == "-" or not word.literal:
            pos.append(word)
        elif text.startswith("--"):
            name, eq, _ = text.partition("=")
            flags.add(name)
            if eq:
                values[name] = _suffix(word, len(name) + 1)
            elif name in takes and i < len(args):
                values[name], i = args[i], i + 1
        else:
            i, value = _short(args, i, takes, flags)
            if value is not None:
                values[value[0]] = value[1]
    return pos, values, flags


def _short(
    args: list[_Word], i: int, takes: frozenset[str], flags: set[str]
) -> tuple[int, tuple[str, _Word] | None]:
    """A cluster such as ``-rf`` or ``-s0``: flags, and the value of the option that takes one."""
    word = args[i - 1]
    text = word.text
    for j in range(1, len(text)):
        opt = "-" + text[j]
        flags.add(opt)
        if opt in takes:
            if j + 1 < len(text):
                return i, (opt, _suffix(word, j + 1))
            if i < len(args):
                return i + 1, (opt, args[i])
            break
    return i, None


# --------------------------------------------------------------------------- command handlers

if TYPE_CHECKING:
    _Handler = Callable[[_Env, str, list[_Word]], None]


def _each(kind: str, takes: str = "", skip_first: bool = False) -> _Handler:
    """Every positional argument is written (rm, touch, mkdir, tee, editors…)."""
    spec = _opts(takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        pos, _, _ = _split(args, spec)
        for word in pos[1:] if skip_first else pos:
            env.add(word, kind)

    return handle


def _editor(env: _Env, name: str, args: list[_Word]) -> None:
    """Every file an editor opens may be saved; ``+LINE`` and ``file:LINE`` name the file."""
    for word in args:
        text = word.text
        if text.startswith(("-", "+")) and word.literal:
            continue
        m = _LINE_SUFFIX.fullmatch(text)
        env.add(_lit(m.group(1), "q") if m and word.literal else word, "editor")


_LINE_SUFFIX = re.compile(r"(.+?):\d+(:\d+)?")


def _chmod(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, _ = _split(args, _opts("--reference --from"))
    mode_as_option = any(_MODE_OPTION.fullmatch(a.text) for a in args)
    if "--reference" not in values and not (name == "chmod" and mode_as_option):
        pos = pos[1:]
    for word in pos:
        env.add(word, name)


_MODE_OPTION = re.compile(r"-[rwxXst]+")  # `chmod -x f`: the mode looks like an option


def _chattr(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if not word.text.startswith(("-", "+", "=")):
            env.add(word, name)


def _copy(kind: str, takes: str, sources_written: bool = False) -> _Handler:
    """cp, mv, ln, install: the destination (DIR/basename(SRC) when it is a directory)."""
    spec = _opts("-t --target-directory " + takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        pos, values, flags = _split(args, spec)
        if name == "install" and ("-d" in flags or "--directory" in flags):
            for word in pos:
                env.add(word, kind)
            return
        target_dir = values.get("-t") or values.get("--target-directory")
        if target_dir is None and name == "ln" and len(pos) == 1:
            target_dir = _lit(".")
        if target_dir is None and len(pos) < 2:
            return
        srcs = pos if target_dir is not None else pos[:-1]
        dest = target_dir or pos[-1]
        into = target_dir is not None or len(srcs) > 1 or _dirlike(dest)
        if sources_written:
            for src in srcs:
                env.add(src, kind)
        if into and "-T" not in flags and "--no-target-directory" not in flags:
            for src in srcs:
                env.add_into(dest, src, kind)
        else:
            env.add(dest, kind)

    return handle


def _dirlike(word: _Word) -> bool:
    return word.text in (".", "..", "~") or word.text.endswith("/")


def _remote(text: str) -> bool:
    """``host:path`` or a URL: a copy there writes no local file."""
    return "://" in text or (":" in text.split("/", 1)[0] and not text.startswith(("/", ".")))


def _rsync(env: _Env, name: str, args: list[_Word]) -> None:
    """rsync/scp: the local destination (a directory: everything below it may change)."""
    takes = "-e --rsh -f --filter --exclude --include --files-from --rsync-path -T --temp-dir"
    pos, values, flags = _split(args, _opts(takes + " --partial-dir --backup-dir --log-file -F -l"))
    if "--log-file" in values:
        env.add(values["--log-file"], name)
    if len(pos) < 2:
        return
    if "--remove-source-files" in flags:
        for src in pos[:-1]:
            if not _remote(src.text):
                env.add(src, name)
    if not _remote(pos[-1].text):
        env.add(pos[-1], name)


def _dd(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if word.text.startswith("of="):
            env.add(_suffix(word, 3), "dd")


def _sed(env: _Env, name: str, args: list[_Word]) -> None:
    """``sed -i`` writes its files; without -i sed prints, unless its script has a ``w FILE``."""
    scripts: list[_Word | None] = []  # None: a script file (-f) we cannot read
    inplace, pos, i = False, [], 0
    while i < len(args):
        word, text = args[i], args[i].text
        i += 1
        if text == "--":
            pos.extend(args[i:])
            break
        if not text.startswith("-") or text == "-" or not word.literal:
            pos.append(word)
        elif text.startswith("--"):
            key, eq, _ = text.partition("=")
            inplace = inplace or key == "--in-place"
            if key in ("--expression", "--file", "--line-length"):
                value = _suffix(word, len(key) + 1) if eq else (args[i] if i < len(args) else None)
                i += 0 if eq else 1
                if key != "--line-length":
                    scripts.append(value if key == "--expression" else None)
        else:
            i, inplace = _sed_short(args, i, text, scripts, inplace)
    if not scripts and pos:
        scripts.append(pos.pop(0))
    for word in pos if inplace else []:
        env.add(word, "sed-i")
    for script in scripts:
        for m in _SED_WRITE.finditer(script.text if script is not None else ""):
            env.add_rel(m.group(1), "sed-w")


_SED_WRITE = re.compile(r"(?:^|[;\n}/0-9$gpIiMme])\s*[wW]\s+([^\s;}]+)")


def _sed_short(
    args: list[_Word], i: int, text: str, scripts: list[_Word | None], inplace: bool
) -> tuple[int, bool]:
    for j in range(1, len(text)):
        ch = text[j]
        if ch == "i":
            return i, True  # the rest of the cluster is the backup suffix
        if ch in "efl":
            rest = text[j + 1 :]
            value = _lit(rest, "q") if rest else (args[i] if i < len(args) else None)
            if ch != "l":
                scripts.append(value if ch == "e" else None)
            return i + (0 if rest else 1), inplace
    return i, inplace


def _awk(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, flags = _split(
        args, _opts("-f -v -F -i -l -E --include --file --assign --field-separator")
    )
    inplace = any(v.text == "inplace" for k, v in values.items() if k in ("-i", "--include"))
    inplace = inplace or "--inplace" in flags
    program = (
        None
        if ("-f" in values or "--file" in values or "-E" in values)
        else (pos.pop(0) if pos else None)
    )
    files = [w for w in pos if not _ASSIGN.match(w.text)]
    for word in files if inplace else []:
        env.add(word, "awk-i")
    if program is not None and _AWK_WRITE.search(program.text):
        _code_literals(env, program.text)


_AWK_WRITE = re.compile(r"\b(?:print|printf)\b[^;{}]*>|\bsystem\s*\(|\|\s*\"")


def _source(env: _Env, name: str, args: list[_Word]) -> None:
    """``. script args``: a script we cannot see runs here; its arguments may be written."""
    _unknown(env, args[1:])


def _sort(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-k -t -S -T -o --key --field-separator --buffer-size --temporary-directory --output"
    _, values, _ = _split(args, _opts(takes + " --files0-from --random-source --batch-size"))
    for key in ("-o", "--output"):
        if key in values:
            env.add(values[key], "sort-o")


def _uniq(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, _ = _split(args, _opts("-f -s -w --skip-fields --skip-chars --check-chars"))
    if len(pos) > 1:
        env.add(pos[1], "uniq")


def _output_option(*keys: str, takes: str = "") -> _Handler:
    """Commands that only write the file named by an option (iconv -o, sponge-like tools)."""
    spec = _opts(" ".join(keys) + " " + takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        _, values, _ = _split(args, spec)
        for key in keys:
            if key in values:
                env.add(values[key], name)

    return handle


def _split_cmd(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-l -b -C -n -a -t -f -d --lines --bytes --line-bytes --number --suffix-length --prefix"
    pos, values, _ = _split(args, _opts(takes + " --additional-suffix"))
    prefix = values.get("-f") or values.get("--prefix")
    if name == "split":
        prefix = pos[1] if len(pos) > 1 else None
    text = prefix.text if prefix is not None else ("x" if name == "split" else "xx")
    env.add_rel(text + "*", name, certain=True, glob=True)


def _patch(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-p -i -o -d -r -B -D -F -V -z -Y -g --input --output --directory --reject-file"
    pos, values, flags = _split(args, _opts(takes + " --prefix --fuzz --suffix --strip"))
    if flags & {"--dry-run", "-C", "--check"}:
        return
    here = values.get("-d") or values.get("--directory")
    if here is not None:
        env = env.at(_join(env.ctx.cwd, here.text))
    out = values.get("-o") or values.get("--output")
    if out is not None:
        env.add(out, "patch")
    elif pos:
        env.add(pos[0], "patch")
    else:
        env.add_under(None, "patch")  # the files named inside the diff: unknown here


def _tar(env: _Env, name: str, args: list[_Word]) -> None:
    if args and not args[0].text.startswith("-"):
        args = [_lit("-" + args[0].text), *args[1:]]
    pos, values, flags = _split(
        args, _opts("-f -C -T -X -b -H -K -N -V --file --directory --exclude")
    )
    archive = values.get("-f") or values.get("--file")
    here = values.get("-C") or values.get("--directory")
    if flags & {"-x", "--extract", "--get"}:
        for member in pos:
            env.add(
                member if here is None else _lit(posixpath.join(here.text, member.text)), "tar-x"
            )
        if not pos:
            env.add_under(here, "tar-x")
    elif flags & _TAR_WRITES and archive is not None and archive.text != "-":
        env.add(archive, "tar")


_TAR_WRITES = _opts("-c -r -u -A --create --append --update --delete")


def _unzip(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, flags = _split(args, _opts("-d -x -P -I -O"))
    if flags & {"-l", "-t", "-v", "-Z", "-p", "-c", "-z"}:
        return
    here = values.get("-d")
    for member in pos[1:]:
        env.add(member if here is None else _lit(posixpath.join(here.text, member.text)), "unzip")
    if len(pos) <= 1:
        env.add_under(here, "unzip")


def _zip(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, _ = _split(args, _opts("-b -n -P -Z -t -tt -O --out"))
    out = values.get("-O") or values.get("--out")
    if out is not None or pos:
        env.add(out or pos[0], "zip")


def _compress(env: _Env, name: str, args: list[_Word]) -> None:
    """gzip FILE replaces FILE by FILE.gz (gunzip the reverse): both paths change."""
    pos, _, flags = _split(args, _opts("-S --suffix"))
    if flags & {"-c", "--stdout", "--to-stdout", "-t", "--test", "-l", "--list"}:
        return
    for word in pos:
        env.add(word, name)
        if word.literal:
            env.add(_lit(_COMPRESSED.sub("", word.text)), name)
            env.add(_lit(word.text + ".*"), name)


_COMPRESSED = re.compile(r"\.(gz|bz2|xz|zst|lz4|z|Z)$")


def _curl(env: _Env, name: str, args: list[_Word]) -> None:
    """curl -o FILE / -O (the URL's basename); without them it only prints."""
    pos, values, flags = _split(args, _CURL_VALUES)
    for key in _CURL_OUTPUTS & values.keys():
        if values[key].text != "-":
            env.add(values[key], "download")
    if flags & {"-O", "--remote-name", "--remote-name-all"}:
        here = values.get("--output-dir")
        for url in pos:
            base = posixpath.basename(url.text.split("?")[0]) or "index.html"
            env.add(_lit(posixpath.join(here.text, base) if here else base), "download")


_CURL_OUTPUTS = _opts("-o --output -D --dump-header -c --cookie-jar --trace --trace-ascii")
_CURL_VALUES = _CURL_OUTPUTS | _opts(
    "--output-dir -H -d -X -u -A -e -b -F -T -w -m --data --header --request --user --url"
    " --data-binary --data-raw --connect-timeout --max-time"
)


def _wget(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-O -o -a -P -t -T -w -e -U -i --output-document --output-file --directory-prefix"
    pos, values, flags = _split(
        args, _opts(takes + " --user --password --header --tries --timeout")
    )
    for key in ("-O", "--output-document", "-o", "--output-file", "-a"):
        if key in values and values[key].text != "-":
            env.add(values[key], "download")
    if "-O" in values or "--output-document" in values:
        return
    here = values.get("-P") or values.get("--directory-prefix")
    if flags & {"-r", "--recursive", "-m", "--mirror"}:
        env.add_under(here, "download")
        return
    for url in pos:
        base = posixpath.basename(url.text.split("?")[0]) or "index.html"
        env.add(_lit(posixpath.join(here.text, base) if here else base), "download", certain=False)


def _yq(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(
        args, _opts("-o -p -I --output-format --input-format --indent --from-file")
    )
    if not flags & {"-i", "--inplace"}:
        return
    if pos and pos[0].text in ("e", "eval", "ea", "eval-all"):
        pos = pos[1:]
    for word in pos[1:] if len(pos) > 1 else pos:
        env.add(word, "yq-i")


def _find(env: _Env, name: str, args: list[_Word]) -> None:
    """find -delete / -exec CMD {}: the found files are written; ``{}`` stands for them."""
    i = 0
    while i < len(args) and args[i].text in ("-H", "-L", "-P"):
        i += 1
    roots: list[_Word] = []
    while i < len(args) and not args[i].text.startswith(("-", "(", "!")):
        roots.append(args[i])
        i += 1
    found = _Word(
        [_Part("{}", "q")], alts=_find_alts(env, roots or [_lit(".")], args[i:]), uncertain=True
    )
    while i < len(args):
        text = args[i].text
        i += 1
        if text == "-delete":
            env.add(found, "find")
        elif text in ("-fprint", "-fprint0", "-fls", "-fprintf") and i < len(args):
            env.add(args[i], "find")
        elif text in ("-exec", "-execdir", "-ok", "-okdir"):
            end = i
            while end < len(args) and args[end].text not in (";", "+"):
                end += 1
            here = env.at("$FIND_DIR") if text.endswith("dir") else env  # runs in each found dir
            _with_items(here, args[i:end], "{}", found, append=False)
            i = end + 1


def _find_alts(env: _Env, roots: list[_Word], tests: list[_Word]) -> tuple[tuple[str, bool], ...]:
    """What find may match: ROOT/**/NAME for one plain ``-name``, else everything under ROOT."""
    texts = [w.text for w in tests]
    names = [texts[k + 1] for k, t in enumerate(texts[:-1]) if t == "-name"]
    simple = (
        len(names) == 1 and "/" not in names[0] and not set(texts) & {"-o", "-or", "!", "-not", ","}
    )
    alts: list[tuple[str, bool]] = []
    for root in roots:
        for path, glob, dyn in env.paths(root):
            if simple:
                alts += [
                    (posixpath.join(path, names[0]), True),
                    (posixpath.join(path, "**", names[0]), True),
                ]
            else:
                alts.append((path, glob or dyn))
    return tuple(alts)


def _xargs(env: _Env, name: str, args: list[_Word]) -> None:
    """The command gets paths from stdin, unknown here: a stdin item may be any path."""
    i, replace = 0, None
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "--":
        text = args[i].text
        i += 1
        if text == "-I":
            replace, i = (args[i].text if i < len(args) else "{}"), i + 1
        elif text.startswith(("-I", "-i")):
            replace = text[2:] or "{}"
        elif text.startswith("--replace"):
            replace = text.partition("=")[2] or "{}"
        elif text in _XARGS_VALUES and i < len(args):
            i += 1
    i += 1 if i < len(args) and args[i].text == "--" else 0
    item = _Word([_Part("*", "q")], alts=((ANY_PATH, True),))
    _with_items(env, args[i:] or [_lit("echo")], replace, item)


_XARGS_VALUES = _opts(
    "-n -L -P -s -d -E -a --max-args --max-lines --max-procs --delimiter --arg-file --eof"
)


def _with_items(
    env: _Env, cmd: list[_Word], replace: str | None, item: _Word, append: bool = True
) -> None:
    """Run ``cmd`` on items we cannot list: ``{}`` becomes the item; inside a longer word
    (``sh -c 'rm {}'``, ``{}.bak``) it becomes a variable, so it may be anything."""
    if not cmd:
        return
    item.uncertain = True
    if not replace or not any(replace in w.text for w in cmd):
        _dispatch(env, [*cmd, item] if append else cmd)
        return
    words = []
    for word in cmd:
        if word.text == replace:
            words.append(item)
        elif replace in word.text:
            words.append(_lit(word.text.replace(replace, "${ITEM}"), "q"))
        else:
            words.append(word)
    _dispatch(env, words)


def _parallel(env: _Env, name: str, args: list[_Word]) -> None:
    texts = [w.text for w in args]
    sep = next((k for k, t in enumerate(texts) if t in (":::", "::::")), len(args))
    start = 0
    while start < sep and texts[start].startswith("-"):
        start += 1
    inputs = args[sep + 1 :] if sep < len(args) and texts[sep] == ":::" else []
    alts = (
        tuple((p, g or d) for w in inputs for p, g, d in env.paths(w))
        if inputs
        else ((ANY_PATH, True),)
    )
    _with_items(env, args[start:sep] or [_lit("echo")], "{}", _Word([_Part("{}", "q")], alts=alts))


# -- shells and interpreters ------------------------------------------------------------------


def _analyze_text(env: _Env, word: _Word | str) -> None:
    """Shell text run by another shell (bash -c, eval, trap, watch): analyse it in place."""
    text = word if isinstance(word, str) else word.text
    _run_text(text, env.ctx.fork(), env.out, env.depth + 1)


def _shell(env: _Env, name: str, args: list[_Word]) -> None:
    """bash -c CODE, bash SCRIPT ARGS, or code on stdin (``bash <<EOF``, ``curl … | sh``)."""
    i, from_c, stdin = 0, False, False
    while i < len(args) and args[i].text.startswith(("-", "+")) and args[i].literal:
        text = args[i].text
        i += 1
        if text == "--":
            break
        if text in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 1
        elif not text.startswith("--") and "c" in text[1:]:
            from_c = True
        elif not text.startswith("--") and "s" in text[1:]:
            stdin = True
    rest = args[i:]
    if from_c:
        if rest:
            _analyze_text(env, rest[0])
        return
    if rest and not stdin:
        _unknown(env, rest[1:])  # a script we cannot see: its arguments may be written
    else:
        _stdin_code(env, "shell", [])


def _eval(env: _Env, name: str, args: list[_Word]) -> None:
    if len(args) == 1 and not args[0].literal and len(args[0].parts) == 1:
        env.add_any("eval")
    elif args:
        _analyze_text(env, " ".join(w.text for w in args))


def _first_arg_is_shell(env: _Env, name: str, args: list[_Word]) -> None:
    """trap 'CMD' SIG, watch CMD…, su -c CMD: the string is shell code run later or elsewhere."""
    pos, values, _ = _split(args, _opts("-c --command -n -d --interval -s --shell"))
    code = values.get("-c") or values.get("--command")
    if code is not None:
        _analyze_text(env, code)
    elif name == "watch" and pos:
        _analyze_text(env, " ".join(w.text for w in pos))
    elif name == "trap" and pos:
        _analyze_text(env, pos[0])


class _Interp(Record):
    """How an interpreter takes inline code, a module, option values, and ``-i`` (edit in place)."""

    code: str = ""  # short options whose value is code (python -c, perl -e, node -e)
    module: str = ""  # python -m
    values: str = ""  # short options followed by a value
    glued: str = ""  # short options whose value is the rest of the cluster (perl -Mfoo)
    inplace: str = ""  # perl/ruby -i[SUFFIX]
    chdir: str = ""  # ruby -C DIR
    code_ends: bool = False  # python: options stop after -c CODE
    long_code: frozenset[str] = frozenset()
    long_values: frozenset[str] = frozenset()


class _Invocation(Struct):
    """What the options of one interpreter call said."""

    codes: list[_Word] = factory(default_factory=list)
    code_opt: bool = False
    module: _Word | None = None
    chdir: _Word | None = None
    inplace: bool = False


_INTERPS = {
    "python": _Interp(code="c", module="m", values="WXQ", code_ends=True),
    "node": _Interp(
        code="ep",
        values="r",
        long_code=_opts("--eval --print"),
        long_values=_opts("--require --import"),
    ),
    "perl": _Interp(code="eE", glued="MmIxdDFCl0", inplace="i"),
    "ruby": _Interp(code="e", values="rIEF", glued="0xW", inplace="i", chdir="C"),
    "php": _Interp(code="r", values="dcz"),
    "lua": _Interp(code="e", values="l"),
    "Rscript": _Interp(code="e"),
}


def _interpreter(env: _Env, name: str, args: list[_Word]) -> None:
    """python/node/perl/ruby/php: inline code, ``-m module``, ``-i`` in place, or a script."""
    spec, inv, i = _INTERPS[name], _Invocation(), 0
    while i < len(args) and inv.module is None and not (spec.code_ends and inv.code_opt):
        word, text = args[i], args[i].text
        if not word.literal or not text.startswith("-") or text == "-":
            break
        i += 1
        if text == "--":
            break
        i = (
            _interp_long(spec, args, i, word, inv)
            if text.startswith("--")
            else _interp_short(spec, args, i, text, inv)
        )
    if inv.chdir is not None:
        env = env.at(_join(env.ctx.cwd, inv.chdir.text))
    _interp_run(env, name, inv, args[i:])


def _interp_long(spec: _Interp, args: list[_Word], i: int, word: _Word, inv: _Invocation) -> int:
    key, eq, _ = word.text.partition("=")
    if key not in spec.long_code | spec.long_values:
        return i
    value = _suffix(word, len(key) + 1) if eq else (args[i] if i < len(args) else None)
    if key in spec.long_code:
        inv.code_opt = True
        inv.codes += [value] if value is not None else []
    return i if eq else i + 1


def _interp_short(spec: _Interp, args: list[_Word], i: int, text: str, inv: _Invocation) -> int:
    j = 1
    while j < len(text):
        ch, rest = text[j], text[j + 1 :]
        j += 1
        if ch in spec.inplace:
            inv.inplace = True
            return i  # the rest of the cluster is the backup suffix
        if ch in "0l" and ch in spec.glued:  # perl -0777 / -l015: digits, then more options
            while j < len(text) and text[j].isdigit():
                j += 1
            continue
        if ch in spec.glued:
            return i
        if ch in spec.code and rest and set(rest) <= set(spec.code):
            inv.code_opt = True  # node -pe CODE: the code is the next argument
            continue
        if ch in spec.code + spec.module + spec.values + spec.chdir:
            value = _lit(rest, "q") if rest else (args[i] if i < len(args) else None)
            if ch in spec.code:
                inv.code_opt = True
                inv.codes += [value] if value is not None else []
            elif ch in spec.module:
                inv.module = value
            elif ch in spec.chdir:
                inv.chdir = value
            return i if rest else i + 1
    return i


def _interp_run(env: _Env, name: str, inv: _Invocation, rest: list[_Word]) -> None:
    env.not_read_only()
    if inv.module is not None:
        _dispatch(env, [inv.module, *rest])
    elif inv.code_opt:
        for word in rest if inv.inplace else []:
            env.add(word, f"{name}-i")
        for code in inv.codes:
            _code(env, code, [] if inv.inplace else rest)
    elif rest and rest[0].text != "-":  # a script file: it runs, it is not written
        for word in rest[1:] if inv.inplace else []:
            env.add(word, f"{name}-i")
        if not inv.inplace:
            _unknown(env, rest[1:])
    else:
        _stdin_code(env, "code", rest[1:])


def _stdin_code(env: _Env, lang: str, argv: list[_Word]) -> None:
    """Code arriving on stdin (``python - <<'EOF'``, ``echo CMD | sh``): analyse what we can see."""
    env.not_read_only()
    if env.stdin.kind == "text":
        if lang == "shell":
            _analyze_text(env, env.stdin.text)
        else:
            _code(env, _lit(env.stdin.text, "q"), argv)
    elif env.stdin.kind == "unknown":
        env.add_any("stdin-script")


_WRITE_HINT = re.compile(
    r"""\b(?:write\w*|append\w*|unlink\w*|remove\w*|delete\w*|rmtree|rmdir\w*|rm|rm_r|rm_rf|rmSync|rename\w*
    |move\w*|copy\w*|cp|cpSync|truncate\w*|touch|mkdir\w*|makedirs|mkfifo|chmod\w*|chown\w*
    |symlink\w*|symlink_to|hardlink_to|link\w*|utime|system|popen\w*|proc_open|exec\w*|spawn\w*
    |subprocess|child_process|fork|shell_exec|passthru|qx|put_contents|fputs|fwrite|fprintf
    |syswrite|sysopen|FileUtils|createWriteStream|save\w*|to_(?:csv|json|parquet|excel|pickle|feather|hdf|sql|html|latex|markdown|stata|xml|file|netcdf)|eval|compile|__import__
    |import_module|getattr|ctypes|extract\w*|inplace|urlretrieve|connect|checkout|emptyDir
    |outputFile\w*|O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|install)\b
    |%x|\$\^I|os\.replace|\.replace\(\s*[^,()]*\)|['"][rbt]*[wax+][bt+]*['"]|['"]\s*\+?>|>\s*['"]|`
    |\bprint\b[^;\n]*\bfile\s*=""",
    re.X,
)
_STRING_LITERAL = re.compile(  # '…', "…", `…`, and Ruby/Perl %x(…) / qx(…) commands
    r"""'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`"""
    r"""|(?:%x|qx)\s*[({\[]([^)}\]]*)"""
)
_INTERPOLATION = re.compile(r"[$#]?\{[^{}]*\}")
_GLUED_REDIRECT = re.compile(r"^[;&|(]*\d*[<>]+&?")


def _code(env: _Env, code: _Word, argv: list[_Word]) -> None:
    """Inline code: when it may write, its path-like literals and its argv may be written."""
    env.not_read_only()
    if all(p.kind in "vV" for p in code.parts) and code.parts:
        env.add_any("interpreter")  # python -c "$CODE": nothing to see
        return
    if not _WRITE_HINT.search(code.text):
        return
    _code_literals(env, code.text)
    for word in argv:
        if not word.literal or _pathlike(word.text):
            env.add(word, "interpreter", certain=False)


def _code_literals(env: _Env, code: str) -> None:
    for m in _STRING_LITERAL.finditer(code):
        literal = _INTERPOLATION.sub("$_", m.group(m.lastindex or 1) or "")
        for piece in literal.split():
            tok = _GLUED_REDIRECT.sub("", piece).rstrip(";&|)")
            if _pathlike(tok):
                env.add(_lit(tok), "interpreter", certain=False)


# -- git ----------------------------------------------------------------------------------------

_GIT_READ = _opts(
    "status diff log show blame grep ls-files ls-tree ls-remote rev-parse rev-list describe branch"
    " tag remote config fetch cat-file shortlog reflog show-ref for-each-ref whatchanged name-rev"
    " merge-base check-ignore check-attr count-objects fsck help version var add commit push notes"
    " gc prune repack verify-pack show-branch range-diff cherry difftool init clone bundle annotate"
    " format-patch request-pull credential hash-object update-index symbolic-ref update-ref"
)
_GIT_BROAD = _opts(
    "am cherry-pick revert merge rebase pull bisect read-tree checkout-index sparse-checkout"
    " filter-branch filter-repo mergetool"
)


def _git(env: _Env, name: str, args: list[_Word]) -> None:
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        text = args[i].text
        i += 1
        if text == "-C" and i < len(args):
            env = env.at(_join(env.ctx.cwd, args[i].text))
            i += 1
        elif text in (
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--super-prefix",
        ) and i < len(args):
            i += 1
    if i >= len(args):
        return
    sub, rest = args[i].text, args[i + 1 :]
    if sub in _GIT_READ:
        _git_read(env, sub, rest)
    elif sub in _GIT_BROAD:
        env.add_any("git-" + sub)
    elif sub in _GIT_HANDLERS:
        _GIT_HANDLERS[sub](env, sub, rest)
    else:
        _unknown(env, rest)


def _git_read(env: _Env, sub: str, rest: list[_Word]) -> None:
    """Read-only for the work tree, except the few options that write a named file."""
    _, values, _ = _split(rest, _opts("-o --output --output-directory"))
    for key in ("-o", "--output", "--output-directory"):
        if key in values and sub in ("format-patch", "diff", "log", "show", "archive"):
            env.add(values[key], "git-" + sub)


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
    if paths:
        return
    if flags & {"-b", "-B", "--orphan"}:
        return
    if flags & {"-f", "--force"}:
        env.add_any("git-checkout")
    for k, word in enumerate(before):  # `git checkout X`: a branch, or a path: unknown here
        env.add(word, "git-checkout", certain=k > 0)


def _git_restore(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "-s --source --pathspec-from-file --conflict")
    if flags & {"-S", "--staged"} and not flags & {"-W", "--worktree"}:
        return
    for word in [*before, *paths]:
        env.add(word, "git-restore")


def _git_rm(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "--pathspec-from-file")
    if "--cached" in flags:
        return
    for word in [*before, *paths]:
        env.add(word, "git-" + sub)


def _git_stash(env: _Env, sub: str, args: list[_Word]) -> None:
    action = args[0].text if args and not args[0].text.startswith("-") else "push"
    if action in ("list", "show", "drop", "clear", "create", "store", "branch"):
        return
    _, paths, _ = _git_paths(args, "-m --message")
    for word in paths:
        env.add(word, "git-stash")
    if not paths:
        env.add_any("git-stash")


def _git_reset(env: _Env, sub: str, args: list[_Word]) -> None:
    if {w.text for w in args} & {"--hard", "--merge", "--keep"}:
        env.add_any("git-reset")


def _git_clean(env: _Env, sub: str, args: list[_Word]) -> None:
    before, paths, flags = _git_paths(args, "-e --exclude")
    if flags & {"-n", "--dry-run"}:
        return
    for word in [*before, *paths]:
        env.add(word, "git-clean", certain=False)
    if not before and not paths:
        env.add_under(None, "git-clean")


def _git_apply(env: _Env, sub: str, args: list[_Word]) -> None:
    if {w.text for w in args} & {"--check", "--stat", "--numstat", "--summary", "--cached"}:
        return
    env.add_any("git-apply")


def _git_switch(env: _Env, sub: str, args: list[_Word]) -> None:
    if {w.text for w in args} & {"-f", "--force", "--discard-changes"}:
        env.add_any("git-switch")


def _git_submodule(env: _Env, sub: str, args: list[_Word]) -> None:
    pos, _, _ = _split(args, _opts("--name --reference -b --branch --depth --jobs -j"))
    if not pos or pos[0].text not in ("status", "summary"):
        env.add_any("git-submodule")  # update, add, deinit, foreach…: checkouts and commands


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


# -- tools whose writes we know -----------------------------------------------------------------

_MANIFESTS = {
    "npm": (
        "package.json package-lock.json",
        "install i add remove rm uninstall un update up upgrade pkg version init",
    ),
    "yarn": ("package.json yarn.lock", "add remove upgrade up install init"),
    "pnpm": ("package.json pnpm-lock.yaml", "add remove rm install i update up init"),
    "bun": ("package.json bun.lockb bun.lock", "add remove rm install i update init"),
    "poetry": ("pyproject.toml poetry.lock", "add remove lock update install init"),
    "uv": ("pyproject.toml uv.lock", "add remove lock sync init"),
    "cargo": ("Cargo.toml Cargo.lock", "add remove rm update init"),
    "go": ("go.mod go.sum", "get mod"),
    "bundle": ("Gemfile Gemfile.lock", "add remove install update lock"),
    "composer": ("composer.json composer.lock", "require remove update install"),
    "pipenv": ("Pipfile Pipfile.lock", "install uninstall lock update"),
}
_RUN_WRAPPERS = _opts("run exec x dlx")


def _package_manager(env: _Env, name: str, args: list[_Word]) -> None:
    """Adding a dependency rewrites the manifest and lock file; ``uv run X`` wraps X."""
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        text, i = args[i].text, i + 1
        if text in _PM_DIR_OPTIONS and i < len(args):
            env, i = env.at(_join(env.ctx.cwd, args[i].text)), i + 1
        elif text.partition("=")[0] in _PM_DIR_OPTIONS and "=" in text:
            env = env.at(_join(env.ctx.cwd, text.partition("=")[2]))
    if i >= len(args):
        return
    files, subs = _MANIFESTS[name]
    sub = args[i].text
    if sub in _RUN_WRAPPERS:
        _run_wrapped(env, args[i + 1 :])
    elif sub == "fmt" and name in ("go", "cargo"):
        env.add_under(None, "format")
    elif sub in _opts(subs):
        for file in files.split():
            env.add_rel(file, "package")
    else:
        env.not_read_only()


_PM_DIR_OPTIONS = _opts("--prefix -C --cwd --directory --dir")


def _run_wrapped(env: _Env, args: list[_Word]) -> None:
    """``uv run [opts] CMD``: CMD is analysed as given (a skipped option value stays a word)."""
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        i += 1
    if i < len(args):
        env.not_read_only()
        _dispatch(env, args[i:])


def _npx(env: _Env, name: str, args: list[_Word]) -> None:
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        i += 2 if args[i].text in ("-p", "--package", "-c", "--call") else 1
    if i < len(args):
        _dispatch(env, args[i:])


# name: (writes unless one of these flags | writes only with one of these flags, default-writes?)
_FORMATTERS = {
    "black": ("--check --diff", True),
    "isort": ("--check --check-only -c --diff --df", True),
    "rustfmt": ("--check", True),
    "stylua": ("--check", True),
    "autopep8": ("-i --in-place", False),
    "yapf": ("-i --in-place", False),
    "prettier": ("--write -w", False),
    "eslint": ("--fix", False),
    "gofmt": ("-w", False),
    "goimports": ("-w", False),
    "clang-format": ("-i", False),
    "shfmt": ("-w --write", False),
    "standard": ("--fix", False),
    "biome": ("--write --apply --fix", False),
}


def _formatter(env: _Env, name: str, args: list[_Word]) -> None:
    """black, prettier --write, gofmt -w…: the files (or the cwd) are rewritten."""
    toggles, default_writes = _FORMATTERS[name]
    pos, _, flags = _split(args, _opts("--config -l --line-length --ignore-path --plugin --ext"))
    if bool((flags | {w.text for w in args}) & _opts(toggles)) == default_writes:
        return
    _format_targets(env, [w for w in pos if w.text != "-"])


def _format_targets(env: _Env, files: list[_Word]) -> None:
    for word in files:
        env.add(word, "format")
    if not files:
        env.add_under(None, "format")


def _ruff(env: _Env, name: str, args: list[_Word]) -> None:
    """``ruff format`` writes unless --check/--diff; ``ruff check`` only with --fix."""
    takes = (
        "--config --select --ignore --extend-select --line-length --target-version --output-file -o"
    )
    pos, values, flags = _split(args, _opts(takes))
    sub = pos[0].text if pos else "check"
    if sub in ("check", "format"):
        pos = pos[1:]
    elif sub in ("rule", "config", "linter", "clean", "version", "server", "analyze", "help"):
        return
    else:
        sub = "check"
    if sub == "format":
        writes = not flags & {"--check", "--diff"}
    else:
        writes = bool(flags & {"--fix", "--unsafe-fixes", "--fix-only"}) and "--no-fix" not in flags
    for key in ("--output-file", "-o"):
        if key in values:
            env.add(values[key], "ruff")
    if writes:
        _format_targets(env, pos)


def _pre_commit(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(args, _opts("--hook-stage --from-ref --to-ref -c --config"))
    sub = pos[0].text if pos else "run"
    if sub == "autoupdate":
        env.add_rel(".pre-commit-config.yaml", "pre-commit")
    elif sub == "run":
        files = [w for w in pos[1:] if "--files" in flags]
        for word in files:
            env.add(word, "pre-commit", certain=False)
        if not files:
            env.add_under(None, "pre-commit")  # fixer hooks may rewrite any file


def _docker(env: _Env, name: str, args: list[_Word]) -> None:
    """docker cp to a local path, and host directories mounted read-write into a container."""
    pos, _, _ = _split(
        args, _opts("-v --volume --mount -e --env -w --workdir -p -f --name --network -u")
    )
    env.not_read_only()
    if pos and pos[0].text == "cp" and len(pos) > 2 and not _remote(pos[-1].text):
        env.add(pos[-1], "docker-cp")
    if not pos or pos[0].text not in ("run", "create", "exec"):
        return
    for word in args:
        text = word.text
        m = _MOUNT_SOURCE.search(text) if "=" in text else None
        if m and "readonly" not in text:
            env.add_under(
                _suffix(word, m.start(1)) if "," not in text[m.start(1) :] else _lit(m.group(1)),
                "docker",
            )
        elif ":" in text and text.startswith(("/", ".", "~", "$")) and not text.endswith(":ro"):
            env.add_under(
                _prefix(word, text.index(":", 1 if text.startswith("$(") else 0)), "docker"
            )


_MOUNT_SOURCE = re.compile(r"(?:^|,)(?:source|src)=([^,]+)")


def _prefix(word: _Word, keep: int) -> _Word:
    """The word's first ``keep`` characters (the host side of ``-v HOST:CONTAINER``)."""
    parts: list[_Part] = []
    for part in word.parts:
        if keep <= 0:
            break
        parts.append(_Part(part.text[:keep], part.kind) if len(part.text) > keep else part)
        keep -= len(part.text)
    return _Word(parts, word.subs)


def _cd(env: _Env, name: str, args: list[_Word]) -> None:
    """cd/pushd/popd change what later relative paths mean (within this shell)."""
    pos = [w for w in args if not (w.text.startswith("-") and w.text != "-" and w.literal)]
    ctx = env.ctx
    if name == "popd":
        ctx.cwd = ctx.dirs.pop() if ctx.dirs else "$OLDPWD"
        return
    if name == "pushd":
        ctx.dirs.append(ctx.cwd)
    if not pos:
        ctx.cwd = "~"
    elif pos[0].text == "-" and pos[0].literal:
        ctx.cwd = "$OLDPWD"
    else:
        paths = env.paths(pos[0])
        ctx.cwd = paths[0][0] if len(paths) == 1 else "$CDPATH"


def _declare(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if _ASSIGN.match(word.text):
            _assign(env, word)


def _unset(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        env.ctx.vars.pop(word.text, None)


def _read(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, _ = _split(args, _opts("-a -d -i -n -N -p -t -u -v"))
    for word in [*pos, *(v for k, v in values.items() if k in ("-a", "-v"))]:
        env.ctx.vars.pop(word.text, None)


def _wrapper(takes: str, skip: int = 0) -> _Handler:
    """env, sudo, nohup, timeout 5, nice -n 5, …: look through to the command they run."""
    spec = _opts(takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        i = 0
        while i < len(args):
            text = args[i].text
            if text == "--" and args[i].literal:
                i += 1
                break
            if not text.startswith("-") and not (name == "env" and _ASSIGN.match(text)):
                break
            i += 1
            if text in spec and i < len(args):
                env = _wrapper_option(env, name, text, args[i])
                i += 1
            elif text.startswith(("--chdir=", "-C")) and len(text) > 2 and name == "env":
                env = env.at(_join(env.ctx.cwd, text.partition("=")[2] or text[2:]))
        rest = args[i + skip :]
        if name == "command" and any(a.text in ("-v", "-V") for a in args[:i]):
            return
        if rest:
            _dispatch(env, rest)

    return handle


def _wrapper_option(env: _Env, name: str, opt: str, value: _Word) -> _Env:
    if opt in ("-C", "--chdir", "-D") and name in ("env", "sudo"):
        return env.at(_join(env.ctx.cwd, value.text))
    if opt in ("-S", "--split-string") and name == "env":
        _analyze_text(env, value)
    if opt == "-o" and name in ("time", "strace", "ltrace"):
        env.add(value, name)
    return env


_WRAPPERS: dict[str, _Handler] = {
    **dict.fromkeys(_opts("nohup command builtin setsid chronic unbuffer busybox"), _wrapper("")),
    "env": _wrapper("-u --unset -C --chdir -S --split-string"),
    "sudo": _wrapper("-u -g -h -p -C -D -r -t -U -T --user --group --host --prompt --chdir"),
    "doas": _wrapper("-u -C"),
    "time": _wrapper("-f -o --format --output"),
    "nice": _wrapper("-n --adjustment"),
    "ionice": _wrapper("-c -n -p -P -u --class --classdata"),
    "timeout": _wrapper("-s -k --signal --kill-after", skip=1),
    "stdbuf": _wrapper("-i -o -e --input --output --error"),
    "exec": _wrapper("-a"),
    "caffeinate": _wrapper("-t -w"),
    "xvfb-run": _wrapper("-n -s -f -e --server-num --server-args --auth-file --error-file"),
    "strace": _wrapper("-o -e -p -s -u -E"),
    "ltrace": _wrapper("-o -e -p -s -u"),
    "flock": _wrapper("-w -E --timeout --conflict-exit-code", skip=1),
    "taskset": _wrapper("", skip=1),
    "chroot": _wrapper("--userspec --groups", skip=1),
    "dotenv": _wrapper("-f -e -v -c"),
}

# Commands that never write a file named by their arguments (their redirections still count).
_READ_ONLY = _opts(
    "cat tac less more most head tail grep egrep fgrep zgrep rg ag ack ls ll la dir tree stat file"
    " wc diff cmp comm cut tr echo printf jq column nl fold fmt rev od hexdump xxd strings base64"
    " base32 md5sum sha1sum sha256sum sha512sum shasum cksum b2sum du df locate which whereis type"
    " realpath readlink dirname basename pwd date cal printenv whoami id groups uname hostname true"
    " false : test [ expr seq sleep yes ps top htop pgrep pidof lsof free uptime vmstat iostat man"
    " help info history alias jobs wait bat batcat fd fdfind fzf exa eza paste join look numfmt"
    " nproc lscpu lsblk zcat bzcat xzcat envsubst pytest tox nox mypy flake8 pylint pyright"
    " pycodestyle pydocstyle bandit vulture pyflakes coverage shellcheck hadolint yamllint jsonlint"
    " markdownlint ping dig host nslookup http https view set shopt ulimit umask hash exit return"
    " break continue shift getopts let clear reset tput stty kill pkill killall disown bg fg logout"
    " json_pp xmllint pip pipx conda mamba py_compile compileall unittest doctest pydoc timeit"
    " json.tool platform sysconfig site mktemp open xdg-open tldr"
)
# Commands that run code we cannot see but whose arguments are not files they write.
_RUNNERS = _opts(
    "make gmake cmake ninja meson gradle gradlew mvn ant bazel bazelisk sbt lein jest vitest mocha"
    " playwright cypress karma ava gh hub glab helm minikube kind"
    " docker-compose podman-compose apt apt-get brew yum dnf apk pacman snap port systemctl"
    " service journalctl launchctl uvicorn gunicorn hypercorn flask celery redis-cli psql mysql"
    " mongosh ssh mosh nc netcat telnet tmux screen webpack vite next nuxt rollup parcel turbo nx"
    " lerna tsc deno tsx ts-node alembic terraform packer vagrant ansible ansible-playbook"
)


def _aliases(spec: str) -> dict[str, str]:
    """``"sed: gsed; awk: gawk mawk"`` → ``{"gsed": "sed", "gawk": "awk", "mawk": "awk"}``."""
    out = {}
    for group in spec.split(";"):
        name, _, others = group.partition(":")
        out.update(dict.fromkeys(others.split(), name.strip()))
    return out


_ALIASES = _aliases(
    "sed: gsed; awk: gawk mawk nawk; tar: gtar bsdtar; find: gfind; xargs: gxargs;"
    " timeout: gtimeout; node: nodejs; vim: vi nvim gvim mvim; pytest: py.test pytest-3;"
    " zcat: gzcat; .: source; bash: sh zsh dash ksh mksh ash fish;"
    " declare: typeset local export readonly"
)
_EDITORS = "vim nano pico emacs emacsclient code cursor subl micro hx kak gedit kate ed ex joe"
_COMPRESSORS = "gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd"

_HANDLERS: dict[str, _Handler] = {
    **_WRAPPERS,
    **dict.fromkeys(_EDITORS.split(), _editor),
    **dict.fromkeys(_COMPRESSORS.split(), _compress),
    **dict.fromkeys(("chmod", "chown", "chgrp"), _chmod),
    **dict.fromkeys(_INTERPS, _interpreter),
    **dict.fromkeys(_MANIFESTS, _package_manager),
    **dict.fromkeys(_FORMATTERS, _formatter),
    **dict.fromkeys(("trap", "watch", "su", "runuser", "script"), _first_arg_is_shell),
    **dict.fromkeys(("cd", "pushd", "popd"), _cd),
    "rm": _each("rm"),
    "unlink": _each("rm"),
    "rmdir": _each("rmdir"),
    "shred": _each("rm", "-n -s --iterations --size --random-source"),
    "touch": _each("touch", "-d -t -r --date --reference"),
    "truncate": _each("truncate", "-s -r --size --reference"),
    "mkdir": _each("mkdir", "-m --mode --context"),
    "mkfifo": _each("mkdir", "-m --mode"),
    "sponge": _each("tee"),
    "tee": _each("tee"),
    "setfacl": _each("chmod", "-m -x -M -X --modify --remove"),
    "chattr": _chattr,
    "cp": _copy("cp", "-S --suffix --backup --reflink --sparse --preserve"),
    "mv": _copy("mv", "-S --suffix --backup", sources_written=True),
    "ln": _copy("ln", "-S --suffix --backup"),
    "link": _copy("ln", ""),
    "install": _copy("install", "-m -o -g -S --mode --owner --group --suffix --strip-program"),
    "rsync": _rsync,
    "scp": _rsync,
    "dd": _dd,
    "sed": _sed,
    "awk": _awk,
    "sort": _sort,
    "uniq": _uniq,
    "split": _split_cmd,
    "csplit": _split_cmd,
    "iconv": _output_option("-o", "--output", takes="-f -t --from-code --to-code"),
    "yq": _yq,
    "patch": _patch,
    "tar": _tar,
    "unzip": _unzip,
    "zip": _zip,
    "curl": _curl,
    "wget": _wget,
    "find": _find,
    "xargs": _xargs,
    "parallel": _parallel,
    "bash": _shell,
    "eval": _eval,
    ".": _source,
    "git": _git,
    "npx": _npx,
    "bunx": _npx,
    "ruff": _ruff,
    "pre-commit": _pre_commit,
    "docker": _docker,
    "podman": _docker,
    "kubectl": _docker,
    "declare": _declare,
    "unset": _unset,
    "read": _read,
}


# --------------------------------------------------------------------------- public API


def analyze(command: str, cwd: str) -> Analysis:
    """Every path ``command``, run in ``cwd``, may write. Never raises: odd input fails closed."""
    out = _Out()
    try:
        _run_text(command, _Ctx(cwd), out, 0)
    except Exception as exc:  # the gate must not crash: _TooDeep, RecursionError or a bug here
        out.errors.append(
            "too deeply nested" if isinstance(exc, _TooDeep) else f"internal error: {exc!r}"
        )
        _fallback(command, cwd, out)
    error = "; ".join(dict.fromkeys(out.errors)) if out.errors else None
    read_only = out.read_only and not out.targets and error is None
    return Analysis(tuple(out.targets), error, read_only)


def could_write(target: Target, protected: str) -> bool:
    """Whether ``target`` may write ``protected`` (an absolute, normalised path): the deny rule.

    True when the target is the path or a directory above it, or, for a glob, when the pattern
    could match the path or a directory above it (``rm -r app/*`` removes ``app/api/x.py``).
    """
    path = target.path
    if path == ANY_PATH:
        return True
    if path.startswith("~"):
        if path != "~" and not path.startswith("~/"):
            return True  # ~user/…: another home directory, unknown here
        path = posixpath.expanduser(path)
    if not target.glob:
        norm = posixpath.normpath(path)
        return norm in ("/", "//") or protected == norm or protected.startswith(norm + "/")
    segments = path.split("/")
    if ".." in segments and any(_GLOB_CHARS.search(s) for s in segments[: segments.index("..")]):
        return True  # `$X/../f` or `*/../f`: no safe way to collapse, so it may be anything
    pattern = _glob_regex(path if path.startswith("$") else posixpath.normpath(path))
    if pattern is None:
        return True
    candidates = [protected]
    while candidates[-1] not in ("/", ""):
        candidates.append(posixpath.dirname(candidates[-1]))
    return any(pattern.fullmatch(c) for c in candidates)


_GLOB_CHARS = re.compile(r"[*?\[$`]")
_GLOB_TOKEN = re.compile(
    r"\*\*|\*|\?|\[[!^]?\]?[^]]*\]|`[^`]*`|\$(?:\(\(.*?\)\)|\([^)]*\)|\{[^}]*\}|\w+|[@*#?$!-])"
)
_REGEX_CACHE: dict[str, re.Pattern[str] | None] = {}


def _glob_regex(pattern: str) -> re.Pattern[str] | None:
    """Shell-glob semantics: ``*``/``?``/``[..]`` stay in one component; ``**`` and ``$X`` cross.

    None when the pattern does not translate (a bad ``[z-a]`` range): then assume a match.
    """
    if pattern in _REGEX_CACHE:
        return _REGEX_CACHE[pattern]
    out, pos = [], 0
    for m in _GLOB_TOKEN.finditer(pattern):
        out.append(re.escape(pattern[pos : m.start()]))
        out.append(_glob_token(m.group()))
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    try:
        compiled: re.Pattern[str] | None = re.compile("".join(out).rstrip("/") or "/")
    except re.error:
        compiled = None
    if len(_REGEX_CACHE) < 512:
        _REGEX_CACHE[pattern] = compiled
    return compiled


def _glob_token(tok: str) -> str:
    if tok == "**" or tok.startswith(("$", "`")):
        return ".*"
    if tok == "*":
        return "[^/]*"
    if tok == "?":
        return "[^/]"
    negate, body = tok[1] in "!^", tok[1:-1]
    body = body[1:] if negate else body
    if not body:
        return re.escape(tok)
    chars = []
    for k, ch in enumerate(body):  # keep a-z ranges, escape everything else (no `--`, `&&` sets)
        inner = 0 < k < len(body) - 1 and body[k - 1] != "-" and body[k + 1] != "-"
        chars.append("-" if ch == "-" and inner else re.escape(ch))
    return "[" + ("^" if negate else "") + "".join(chars) + "]"

"""The Bash lexer: words with their quoting, operators, redirections and here-documents."""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.heredoc import delimiter_error, heredoc_inside, read_body
from workspace_guard.gates.harness.bash.parser import _Parser
from workspace_guard.gates.harness.bash.syntax import (
    _MAX_DEPTH,
    _MAX_WORD,
    _NAME,
    _Compound,
    _Op,
    _Part,
    _Redir,
    _TooDeep,
    _Word,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.syntax import _Seq, _Token

# bash's metacharacters: a carriage return, a vertical tab and the like are ordinary word
# characters (ATTACK F66: `echo \r# ; rm f` runs rm), only space and tab are blanks
_META = frozenset(" \t\n;&|()<>")
_PLAIN_RUN = re.compile(r"[^ \t\n;&|()<>'\"\\$`]+")
_DQ_RUN = re.compile(r'[^"\\$`]+')
_HEREDOC_RUN = re.compile(r"[^\\$`]+")
_FD = re.compile(r"\d+|\{[A-Za-z_]\w*\}")
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
            if c in " \t":
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
        elif self.closer and self.pending:  # `$(cat <<EOF)`: bash reads the body after the line
            self.errors.append("here-document not read before the closing )")
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
        self._scanned(i, end)  # `(( y <<EOF⏎))` is arithmetic: flagged, never re-read as ( (
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
            dynamic = "".join(p.text for p in word.parts if p.kind in "vV")
            error = delimiter_error(dynamic, bool(word.subs))
            if error:
                self.errors.append(error)
            self.pending.append(redir)
        self.tokens.append(redir)

    def _heredocs(self) -> None:
        """Read the pending here-documents' bodies after a newline, as bash assembles them
        (bash/heredoc.py: continuations joined in an unquoted body; ATTACK F106)."""
        for k, redir in enumerate(self.pending):
            if k and self.s[self.i - 1 : self.i] != "\n":  # after `EOF)` bash reads the next
                self.errors.append("here-document after one ended by `)`")  # raw line, not `)`
            redir.body, self.i, error = read_body(
                self.s,
                self.i,
                redir.delim,
                quoted=redir.quoted,
                strip_tabs=redir.op == "<<-",
                in_subst=bool(self.closer),
            )
            if error:
                self.errors.append(error)
            if not redir.quoted:  # an unquoted body expands $( ) and ` `: those run
                sub = _Lexer(redir.body, 0, self.depth + 1, self.errors)
                sub.read_dq([], redir.subs, stop="")
        self.pending = []

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
                if c == "(" and len(parts) == 1 and _ARRAY_ASSIGN.fullmatch(parts[0].text):
                    self._array(parts, subs)
                    continue
                if c == "(" and parts and parts[-1].kind == "u" and parts[-1].text[-1] in "@!+*?":
                    self._extglob(parts, subs)
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

    def _array(self, parts: list[_Part], subs: list[_Seq]) -> None:
        """``NAME=( … )``, ``NAME+=( … )``: an array assignment; its words expand (their
        substitutions run), the value is not one string the analysis can use."""
        end = _balanced(self.s, self.i)
        if end < 0:
            self.errors.append("unbalanced array assignment")
            end = len(self.s)
        self._scanned(self.i, end)
        inner = _Lexer(self.s[self.i + 1 : end - 1], 0, self.depth + 1, self.errors)
        for tok in inner.run():
            if isinstance(tok, _Word):
                subs.extend(tok.subs)
        parts.append(_Part(self.s[self.i : end], "a"))
        self.i = end

    def _scanned(self, start: int, end: int) -> None:
        """A construct found by bracket matching (``${ }``, ``a=( )``, ``@( )``) is refused when
        it may hold a here-document: bash reads its body by lines, the matching does not."""
        if heredoc_inside(self.s[start:end]):
            self.errors.append("here-document inside ${ }, ( ) or $[ ] read as one piece")

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
        elif nxt == "{" and s[i + 2 : i + 3] in (" ", "\t", "\n", "|"):
            self._funsub(parts, subs, kind)
        elif nxt == "{":
            end = _brace_end(s, i + 2)
            if end < 0:
                self.errors.append("unbalanced ${")
                end = len(s)
            self._scanned(i, end)
            parts.append(_Part(s[i:end], kind))
            subs.extend(self._inner_subs(s[i + 2 : end - 1]))
            self.i = end
        elif nxt == "[":  # `$[ … ]`: the old arithmetic expansion
            end = s.find("]", i + 2)
            end = len(s) if end < 0 else end + 1
            self._scanned(i, end)
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

    def _funsub(self, parts: list[_Part], subs: list[_Seq], kind: str) -> None:
        """bash 5.3's ``${ CMD; }`` and ``${| CMD; }``: commands run in the current shell
        (ATTACK F67; bash 5.2 rejects them as a bad substitution, 5.3 runs them)."""
        s, i = self.s, self.i
        end = _brace_end(s, i + 2)
        if end < 0:
            self.errors.append("unbalanced ${")
            end = len(s)
        self._scanned(i, end)
        body = s[i + 3 : end - 1]
        subs.append(
            _Parser(_Lexer(body, 0, self.depth + 1, self.errors).run(), self.errors).parse()
        )
        parts.append(_Part(s[i:end], kind))
        self.i = end

    def _procsub(self, parts: list[_Part], subs: list[_Seq]) -> None:
        lexer = _Lexer(self.s, self.i + 2, self.depth + 1, self.errors, closer=")")
        seq = _Parser(lexer.run(), self.errors).parse()
        if self.s[self.i] == ">":  # `>(CMD)`: CMD reads the command's output on a pipe
            seq = [[_Compound(seq, True, [_Redir("0", "<&", _Word([_Part("63", "u")]))])]]
        subs.append(seq)
        parts.append(_Part("/dev/fd/63", "q"))  # what the command sees: never a repository file
        self.i = lexer.i

    def _extglob(self, parts: list[_Part], subs: list[_Seq]) -> None:
        """``@(…)``, ``!(…)``, ``+(…)``, ``*(…)``, ``?(…)``: any name within the component (the
        operator goes too: ``app/@(main).py`` may be ``app/main.py``; ATTACK F45). In zsh the
        same text is a glob qualifier, and ``e:CODE:``, ``+FUNC`` run code per match (F67)."""
        end = _balanced(self.s, self.i)
        inner = self.s[self.i + 1 : (end if end > 0 else len(self.s)) - 1]
        self._scanned(self.i, self.i + len(inner) + 2)
        for code in _qualifier_code(inner, self.depth, self.errors):
            subs.append(
                _Parser(_Lexer(code, 0, self.depth + 1, self.errors).run(), self.errors).parse()
            )
        self.i = len(self.s) if end < 0 else end
        last = parts[-1]
        parts[-1] = _Part(last.text[:-1], last.kind)
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


_ARRAY_ASSIGN = re.compile(r"[A-Za-z_]\w*\+?=")
# zsh glob qualifiers that run code: `e` with a delimiter (`e:CODE:`, `e'CODE'`, `e{CODE}`), `+FUNC`
_QUAL_E = re.compile(r"e([^\w\s])")
_QUAL_FUNC = re.compile(r"(?:^|[^\w\\])\+[A-Za-z_]")
_QUAL_CLOSE = {"(": ")", "{": "}", "[": "]", "<": ">"}


def _qualifier_code(inner: str, depth: int, errors: list[str]) -> list[str]:
    """The code a zsh glob qualifier list ``(…)`` runs: each ``e:CODE:`` (read as written and
    after quote removal: ``e'CODE'`` delimits with the quote), and ``eval "$QUALIFIER"`` (code
    from nowhere) for a ``+FUNC`` (ATTACK F67)."""
    if not any(c in inner for c in "e+"):
        return []
    words = _Lexer(inner, 0, depth + 1, errors).run()
    unquoted = " ".join(w.text for w in words if isinstance(w, _Word))
    codes: list[str] = []
    for read in dict.fromkeys((inner, unquoted)):
        text = read[2:] if read.startswith("#q") else read
        pos = 0
        while (m := _QUAL_E.search(text, pos)) is not None:
            close = _QUAL_CLOSE.get(m.group(1), m.group(1))
            stop = text.find(close, m.end())
            stop = len(text) if stop < 0 else stop
            codes.append(text[m.end() : stop])
            pos = stop + 1
        if _QUAL_FUNC.search(text):
            codes.append('eval "$ZSH_GLOB_QUALIFIER"')
    return codes


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

"""The Bash parser: lists of pipelines of simple or compound commands."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.syntax import (
    _MAX_NEST,
    _Compound,
    _Op,
    _Part,
    _plain,
    _Redir,
    _Simple,
    _TooDeep,
    _Word,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.syntax import _Node, _Seq, _Token

_SKIP_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!"}
)
_SKIP_KEYWORDS |= {"esac", "coproc"}
_BLOCKS = {"if": "fi", "while": "done", "until": "done"}
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
        start = 0  # where the current and-or list began
        while (tok := self.peek()) is not None and not self._at_stop(stops):
            if isinstance(tok, _Op) and tok.op in _SKIPPED_OPS:
                self.k += 1
                if tok.op == "&" and items[start:]:  # `cd /tmp && x &`: the list runs apart
                    items[start:] = [[_Compound(items[start:], True, [], background=True)]]
                if tok.op not in ("&&", "||"):
                    start = len(items)
                if tok.op in ("&&", "||") and (self.peek() is None or not items):
                    self.errors.append(f"{tok.op!r} without a command")
                elif tok.op in ("&&", "||") and not self._newlines_to(stops):
                    items.append(self.pipeline())
                    items[-1][0].after = tok.op
                elif tok.op not in _SEPARATORS:
                    self.errors.append(f"unexpected {tok.op!r}")
                continue
            items.append(self.pipeline())
        return items

    def _newlines_to(self, stops: frozenset[str]) -> bool:
        """Skip the newlines after ``&&``/``||``; whether the list ends there (an error)."""
        while self._is_op("\n"):
            self.k += 1
        return self.peek() is None or self._at_stop(stops) or self._is_op(*_SKIPPED_OPS)

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
        skipped: list[str] = []
        while (keyword := _plain(self.peek())) in _SKIP_KEYWORDS:
            if keyword in _BLOCKS:
                node: _Node = self._block(None)
                break
            if keyword == "coproc":
                node = self._coproc()
                break
            skipped.append(keyword or "")
            self.k += 1
        else:
            node = self._command()
        node.keywords = tuple(skipped)
        return node

    def _command(self) -> _Node:
        tok, word = self.peek(), _plain(self.peek())
        if isinstance(tok, _Word) and tok.parts and tok.parts[0].kind == "a":  # (( arithmetic ))
            self.k += 1
            return _Simple([tok], self._redirs(), expand_only=True)
        if isinstance(tok, _Op) and tok.op == "(":
            return self._group(")", scoped=True)
        if word == "{":
            return self._group("}", scoped=False)
        if word in ("for", "select"):
            return self._block(self._for())
        if word == "case":
            return self._case()
        if word == "function":
            name = _plain(self.peek(1)) or ""
            self.k += 2
            if self._is_op("(") and isinstance(self.peek(1), _Op):
                self.k += 2
            return _Compound([[self._body()]], False, [], function=name)
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

    def _block(self, head: _Simple | None) -> _Compound:
        """``if``/``while``/``until``/``for``/``select`` up to its ``fi``/``done``: one command,
        so a pipe into it or a redirection after it is its body's stdin (stdinflow.py). The
        keywords inside only steer control flow and are dropped (every branch may run)."""
        opener = _plain(self.peek()) or ""
        closer = "done" if head is not None else _BLOCKS[opener]
        if head is not None:
            opener = "select" if head.chosen else "for"
        self.nest += 1
        if self.nest > _MAX_NEST:
            raise _TooDeep
        if head is None:
            self.k += 1
        body: _Seq = [[head]] if head is not None else []
        body += self.seq(frozenset({closer}))
        if self._at_stop(frozenset({closer})):
            self.k += 1
        self.nest -= 1
        return _Compound(body, False, self._redirs(), kind=opener)

    def _coproc(self) -> _Compound:
        """``coproc [NAME] CMD``: CMD runs in the background reading a pipe the shell writes
        (``echo … >&"${COPROC[1]}"``), so its stdin is a pipe, never the shell's."""
        self.k += 1
        nxt = self.peek(1)
        if _plain(self.peek()) is not None and (
            _plain(nxt) == "{" or (isinstance(nxt, _Op) and nxt.op == "(")
        ):
            self.k += 1  # `coproc NAME { …; }`
        node = self.command()
        pipe = _Redir("0", "<&", _Word([_Part("63", "u")]))
        return _Compound([[node]], True, [pipe], background=True)

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
                    name = _plain(words[0]) or ""
                    return _Compound([[self._body()]], False, [], function=name)
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
        chosen = _plain(self.peek()) == "select"
        bound = self.peek(1)
        self.k += 2  # 'for' NAME (or the arithmetic ((...)) word)
        if isinstance(bound, _Word) and bound.parts and bound.parts[0].kind == "a":
            return _Simple([bound], [], expand_only=True)  # `for (( … ))`: evaluated
        words: list[_Word] = []
        if _plain(self.peek()) == "in":
            self.k += 1
            while isinstance(tok := self.peek(), _Word):
                words.append(tok)
                self.k += 1
        return _Simple(words, [], expand_only=True, binds=_plain(bound) or "", chosen=chosen)

    def _case(self) -> _Compound:
        self.k += 1
        words = [tok] if isinstance(tok := self.peek(), _Word) else []
        self.k += 2 if _plain(self.peek(1)) == "in" else 1
        body: _Seq = [[_Simple(words, [], expand_only=True)]]
        clauses: list[tuple[int, int, str]] = []
        while True:
            while self._is_op("\n", ";"):
                self.k += 1
            if self.peek() is None or _plain(self.peek()) == "esac":
                if self.peek() is None:
                    self.errors.append("case without esac")
                self.k += 1
                break
            start, patterns = len(body), len(words)
            if not self._case_pattern(words):
                break
            body.extend(self.seq(_CASE_ENDS))
            end = tok.op if isinstance(tok := self.peek(), _Op) else ";;"
            clauses.append((start, len(words) - patterns, end))
            if self._is_op(";;", ";&", ";;&"):
                self.k += 1
        return _Compound(body, False, self._redirs(), kind="case", clauses=clauses)

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
        return _Simple(words, [], expand_only=True, cond=True)

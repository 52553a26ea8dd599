"""What each command reads on stdin: pipes, redirections, and what a group, a loop, a function or
``exec <FILE`` hands down to the commands inside it.

Why: a program whose stdin is a command language (``sh``, ``python3 -``, ``sqlite3``, ``ed``…)
runs what arrives there. The stdin of ``{ …; }``, ``( … )``, ``if``/``while``/``for`` bodies and
function calls is the group's: a pipe into the group, a redirection on it, or what ``exec 0<F``
made the shell's stdin. Text the shell expands before the program reads it (an unquoted
here-document, a here-string, ``echo``/``printf`` output) is the program's input only once
expanded: the known variables are put in, ``\\$`` and the like unescaped; an expansion only known
at run time (``$(…)``, backquotes, a variable this command computes) makes the text unknown, as a
pipe is (any file); a variable from the harness's environment leaves the text unfixed (code the
gate cannot read, so the ``harness: unknown_code`` policy decides, as for ``$CMD``).
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _Stdin, _var_value
from workspace_guard.gates.harness.bash.procfs import DYNAMIC_CWD, descriptor
from workspace_guard.gates.harness.bash.syntax import _Compound, _plain, _Simple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Ctx
    from workspace_guard.gates.harness.bash.syntax import _Node, _Redir, _Word

NONE = _Stdin("none")
PIPE = _Stdin("unknown")
# text with a part only known at run time, as a reader names its source
EXPANDED = _Stdin("unknown", "text the shell expands at run time")
_INPUT_OPS = frozenset({"<", "<<", "<<-", "<<<", "<&", "<>"})


def inherited(ctx: _Ctx) -> _Stdin:
    """What a command with no pipe and no redirection of its own reads (a terminal: none)."""
    return ctx.stdin if ctx.stdin is not None else NONE


def base_of(ctx: _Ctx, upstream: _Node | None, assigned: frozenset[str]) -> _Stdin:
    """The stdin before the command's own redirections: the pipe, or the enclosing one."""
    if upstream is None:
        return inherited(ctx)
    return pipe_text(upstream, ctx, assigned)


def stdin_of(
    node: _Simple | _Compound, base: _Stdin, ctx: _Ctx, assigned: frozenset[str]
) -> _Stdin:
    """What the command reads on stdin once its redirections are applied to ``base``."""
    stdin = base
    for redir in node.redirs:
        if redir.fd not in ("", "0") or redir.op not in _INPUT_OPS:
            continue
        stdin = _redirected(redir, ctx, assigned)
    return stdin


def redirects_stdin(node: _Simple) -> bool:
    """Whether ``exec`` with these redirections changes the shell's own stdin."""
    return any(r.fd in ("", "0") and r.op in _INPUT_OPS for r in node.redirs)


def _redirected(redir: _Redir, ctx: _Ctx, assigned: frozenset[str]) -> _Stdin:
    target = redir.target
    if redir.op in ("<<", "<<-"):
        if redir.quoted:
            return _Stdin("text", redir.body, True)
        return expand_text(redir.body, ctx, assigned)
    if target is None:
        return PIPE
    if redir.op == "<<<":
        return _word_text(target, ctx, assigned)
    if redir.op == "<&":  # `<&-` closes stdin; `<&0` keeps it; `<&3`: what fd 3 holds
        if target.text == "-":
            return _Stdin("file", "/dev/null")
        if target.text == "0":
            return inherited(ctx)
        return PIPE
    if target.subs or descriptor(target.text):  # `bash < <(…)`, `sh < /dev/fd/3`: a pipe
        return _Stdin("unknown", target.text)
    return _Stdin("file", target.text)


def _word_text(word: _Word, ctx: _Ctx, assigned: frozenset[str]) -> _Stdin:
    """A here-string's text: fixed when the word expands to one known value."""
    if word.literal:
        return _Stdin("text", word.text, True)
    return _expanded_word(word, ctx, assigned)


def _expanded_word(word: _Word, ctx: _Ctx, assigned: frozenset[str]) -> _Stdin:
    from workspace_guard.gates.harness.bash.env import _expand

    if word.subs or any(p.kind not in "uqvV" for p in word.parts):
        return EXPANDED
    alts = _expand(word, ctx, False)
    if len(alts) == 1 and not alts[0][2]:
        return _Stdin("text", alts[0][0], True)
    names = [p.text for p in word.parts if p.kind in "vV" and _var_value(p.text, ctx) is None]
    return _Stdin("text", word.text) if _environment_only(names, assigned) else EXPANDED


_NAME = re.compile(r"\$(?:([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\}|([@*#?$!0-9-]))")


def expand_text(body: str, ctx: _Ctx, assigned: frozenset[str]) -> _Stdin:
    """An unquoted here-document as the program reads it (see the module docstring)."""
    out: list[str] = []
    unknown: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n and body[i + 1] in "$`\\\n":
            out.append("" if body[i + 1] == "\n" else body[i + 1])
            i += 2
        elif c == "`":
            return EXPANDED  # a command substitution: its output is only known at run time
        elif c == "$" and body.startswith(("$(", "${"), i) and not _NAME.match(body, i):
            return EXPANDED  # `$(…)`, `$((…))`, `${X:-…}`, `${#X}`…
        elif c == "$" and (m := _NAME.match(body, i)):
            name = m.group(1) or m.group(2)
            value = _var_value("$" + name, ctx) if name else None
            if value is None or value.startswith("~"):
                unknown.append(name or m.group(3))
                out.append(m.group())  # the reader sees an expansion it cannot read
            else:
                out.append(value)
            i = m.end()
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    if not unknown:
        return _Stdin("text", text, True)
    return _Stdin("text", text) if _environment_only(unknown, assigned) else EXPANDED


def _environment_only(names: list[str], assigned: frozenset[str]) -> bool:
    """Only variables the harness's environment gives (not set by this command, no ``$!``):
    the ``harness: unknown_code`` policy decides, as for ``$CMD``."""
    for text in names:
        m = _VARIABLE.match(text)
        if m is not None and m.group(1) in assigned:
            return False
    return True


_VARIABLE = re.compile(r"\$?\{?([A-Za-z_]\w*)")


def pipe_text(upstream: _Node, ctx: _Ctx, assigned: frozenset[str]) -> _Stdin:
    """``echo CODE | sh``, ``printf 'F\\n' | ed``, ``cat <<EOF | python`` are readable when the
    output is known exactly; any other pipe is not (``echo -e`` escapes, printf directives)."""
    if not isinstance(upstream, _Simple) or not upstream.words:
        return PIPE
    name = _plain(upstream.words[0])
    words = upstream.words[1:]
    if name == "cat" and all(w.text == "-" for w in words):
        base = inherited(ctx)
        return stdin_of(upstream, base, ctx, assigned)
    if name not in ("echo", "printf") or any(r.fd != "2" for r in upstream.redirs):
        return PIPE
    texts: list[str] = []
    fixed = True
    for word in words:
        got = _word_text(word, ctx, assigned)
        if got.kind != "text":
            return got
        fixed = fixed and got.quoted
        texts.append(got.text)
    text = _echo(texts) if name == "echo" else _printf(texts)
    if text is None:
        return PIPE
    return _Stdin("text", text, fixed)


_ECHO_OPTION = re.compile(r"-[neE]+")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def _echo(args: list[str]) -> str | None:
    """What ``echo`` prints, or None when escapes make it differ from the words (``-e``; a
    backslash without it too: ``xpg_echo`` may be on)."""
    escapes = False
    while args and _ECHO_OPTION.fullmatch(args[0]):
        escapes = escapes or "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if "\\" not in text:
        return text + "\n"
    decoded = _unescape(text) if escapes else None
    return None if decoded is None else decoded + "\n"


def _printf(args: list[str]) -> str | None:
    """What ``printf FORMAT`` prints when the format has no directive but ``%%`` and only
    ``\\n``, ``\\t``, ``\\\\`` escapes, and no arguments follow (None: anything else)."""
    if args and args[0] == "--":
        args = args[1:]
    if len(args) != 1 or args[0].startswith("-"):
        return None
    text = args[0].replace("%%", "\x00")
    if "%" in text:
        return None
    return _unescape(text.replace("\x00", "%"))


def _unescape(text: str) -> str | None:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            value = _SIMPLE_ESCAPES.get(text[i + 1 : i + 2])
            if value is None:
                return None  # `\x69`, `\151`, `\c`…: not decoded here
            out.append(value)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def last_member(ctx: _Ctx, last: _Ctx) -> None:
    """With ``shopt -s lastpipe`` (which a command may set in ways the gate cannot read) the last
    member of a pipeline runs in the shell itself: what it changed is only known at run time
    (``echo app | while read d; do cd "$d"; done; rm main.py``)."""
    if last.cwd != ctx.cwd:
        ctx.cwd = DYNAMIC_CWD
    for name in set(ctx.vars) | set(last.vars):
        if ctx.vars.get(name) != last.vars.get(name):
            ctx.vars.pop(name, None)
    ctx.ifs_unknown = ctx.ifs_unknown or last.ifs_unknown
    if last.stdin is not ctx.stdin:
        ctx.stdin = PIPE

"""Paths named in text we cannot analyse: unknown commands, inline code, unparsable input."""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _ASSIGN, _Env, _join, _Out
from workspace_guard.gates.harness.bash.syntax import _MAX_WORD, Target, _lit, _suffix, _Word


def _unknown(env: _Env, args: list[_Word], split: bool = True) -> None:
    """Fail closed: every path-like argument of an unknown command may be written.

    With ``split``, the words inside an argument (``sqlite3 db ".output app/x"``, ``vim -c
    ':w f'``) and inside text fed on stdin (``ed f <<EOF``) count as well. Without it (known
    runners: ``make``, ``cmake``, ``docker-compose``), the word after a short option is taken as
    that option's value (``make -C app``, ``docker-compose -f file``) and not counted.
    """
    env.not_read_only()
    if split and env.stdin.kind == "text":
        _embedded_paths(env, env.stdin.text)
    if not split:
        args = [
            a for k, a in enumerate(args) if not (k and _SHORT_OPTION.fullmatch(args[k - 1].text))
        ]
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
        if _CODE_LIKE.search(text) and (split or _WRITE_HINT.search(text)):
            _embedded_paths(env, text)  # `manage.py shell -c "open('f', 'w')"`, `ssh h 'rm f'`


_CODE_LIKE = re.compile(r"[\s'\"]")
_SHORT_OPTION = re.compile(r"-[A-Za-z]")


def _embedded_paths(env: _Env, text: str) -> None:
    """Code or a command line inside one argument: its string literals and its words."""
    _code_literals(env, text)
    for line in text.splitlines():
        _code_literals(env, '"' + line.replace('"', " ") + '"')


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


def _code_literals(env: _Env, code: str) -> None:
    for m in _STRING_LITERAL.finditer(code):
        literal = _INTERPOLATION.sub("$_", m.group(m.lastindex or 1) or "")
        for piece in literal.split():
            tok = _GLUED_REDIRECT.sub("", piece).rstrip(";&|)")
            if _pathlike(tok):
                env.add(_lit(tok), "interpreter", certain=False)

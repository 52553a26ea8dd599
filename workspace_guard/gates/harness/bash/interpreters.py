"""Shells and interpreters: code run by bash -c, eval, python -c, node -e, stdin scripts."""

from __future__ import annotations

import posixpath

from workspace_guard.core.record import Record, Struct, factory
from workspace_guard.gates.harness.bash.env import _ASSIGN, _Env, _join
from workspace_guard.gates.harness.bash.files import _awk
from workspace_guard.gates.harness.bash.inline_code import judge_code, may_run
from workspace_guard.gates.harness.bash.mentions import (
    _WRITE_HINT,
    _code_literals,
    _pathlike,
    _unknown,
)
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import _lit, _suffix, _Word


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
            env.analyze_text(rest[0])
        return
    if rest and not stdin:
        _script(env, name, rest[0])
        _unknown(env, rest[1:])  # a script we cannot see: its arguments may be written
    else:
        _stdin_code(env, "shell", [])


def _script(env: _Env, name: str, script: _Word) -> None:
    """A script file runs: unknown code, and anything at all when this command wrote it."""
    env.unknown_code(f"{name} {script.text}: a script the analysis cannot read")
    if env.from_descriptor(script):  # `bash <(…)`, `python3 /dev/fd/3`: code from a pipe
        env.add_any("stdin-script")
        return
    written = {posixpath.normpath(t.path) for t in env.out.targets}
    if any(posixpath.normpath(p) in written for p, _, _ in env.paths(script)):
        env.add_any("script-written-here")


def _source(env: _Env, name: str, args: list[_Word]) -> None:
    """``. script args``: a script we cannot see runs here; its arguments may be written."""
    env.unknown_code(f"{name} {args[0].text if args else ''}: a script run in this shell")
    if args and env.from_descriptor(args[0]):  # `source <(…)`: code from a pipe
        env.add_any("stdin-script")
    _unknown(env, args[1:])


def _eval(env: _Env, name: str, args: list[_Word]) -> None:
    if len(args) == 1 and not args[0].literal and len(args[0].parts) == 1:
        env.unknown_code(f"eval {args[0].text}: code from an expansion")
        env.add_any("eval")
    elif args:
        env.analyze_text(" ".join(w.text for w in args))


def _first_arg_is_shell(env: _Env, name: str, args: list[_Word]) -> None:
    """trap 'CMD' SIG, watch CMD…, su -c CMD: the string is shell code run later or elsewhere."""
    pos, values, _ = _split(args, _opts("-c --command -n -d --interval -s --shell"))
    code = values.get("-c") or values.get("--command")
    if code is not None:
        env.analyze_text(code)
    elif name == "watch" and pos:
        env.analyze_text(" ".join(w.text for w in pos))
    elif name == "trap" and pos:
        env.analyze_text(pos[0])


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
    "R": _Interp(code="e"),
    "julia": _Interp(code="e", values="L"),
    "tclsh": _Interp(),
    "expect": _Interp(code="c"),
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
    exits = _PRINTS_AND_EXITS - ({"-v"} if name == "python" else set())  # python -v: verbose
    if not args[i:] and {w.text for w in args[:i]} & exits:
        return  # `python --version`: no code runs
    _interp_run(env, name, inv, args[i:])


_PRINTS_AND_EXITS = frozenset({"--version", "-V", "-VV", "-v", "--help", "-h", "-help"})


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
        env.dispatch([inv.module, *rest])
    elif inv.code_opt:
        for word in rest if inv.inplace else []:
            env.add(word, f"{name}-i")
        harmless = [_code(env, code, [] if inv.inplace else rest, name) for code in inv.codes]
        if inv.inplace or not all(harmless):  # provably harmless Python is no unknown code
            env.unknown_code(f"{name}: inline code (only its file names are judged)")
    elif rest and rest[0].text != "-":  # a script file: it runs, it is not written
        for word in rest[1:] if inv.inplace else []:
            env.add(word, f"{name}-i")
        if not inv.inplace:
            _script(env, name, rest[0])
            _unknown(env, rest[1:])
    else:
        _stdin_code(env, name, rest[1:])


def _stdin_code(env: _Env, lang: str, argv: list[_Word]) -> None:
    """Code arriving on stdin (``python - <<'EOF'``, ``echo CMD | sh``): analyse what we can see."""
    env.not_read_only()
    if env.stdin.kind == "text":
        if lang == "shell":
            env.analyze_text(env.stdin.text)
        elif not _code(env, _lit(env.stdin.text, "q"), argv, lang):
            env.unknown_code("code on stdin (only its file names are judged)")
    elif env.stdin.kind == "file":
        env.unknown_code("code read from a file (a script the analysis cannot read)")
    elif env.stdin.kind == "unknown":
        env.unknown_code("code read from a pipe")
        env.add_any("stdin-script")
    else:  # `bash`, `sh -i`, `python3` alone: code typed at a terminal (Codex `tty`, write_stdin)
        env.unknown_code(f"{lang}: an interactive session reads code the gate never sees")
        env.add_any("stdin-script")


def _code(env: _Env, code: _Word, argv: list[_Word], lang: str) -> bool:
    """Inline code: when it may write, its path-like literals and its argv may be written.
    Python is read from its syntax tree (``python_code.py``). True: provably harmless."""
    env.not_read_only()
    if all(p.kind in "vV" for p in code.parts) and code.parts:
        env.unknown_code(f"{code.text}: code from an expansion")
        env.add_any("interpreter")  # python -c "$CODE": nothing to see
        return False
    if lang == "python" and code.literal:
        from workspace_guard.gates.harness.bash.python_code import judge_python

        judged = judge_python(env, code.text)
        if judged is not None:
            return judged
    if not (_WRITE_HINT.search(code.text) or may_run(code.text)):
        return False
    _code_literals(env, code.text)
    judge_code(env, code.text, lang)
    for word in argv:
        if not word.literal or _pathlike(word.text):
            env.add(word, "interpreter", certain=False)
    return False


def _awk_code(env: _Env, name: str, args: list[_Word]) -> None:
    """awk: files written in place (``files._awk``), then what its program writes and runs."""
    _awk(env, name, args)
    pos, values, _ = _split(
        args, _opts("-f -v -F -i -l -E --include --file --assign --field-separator")
    )
    if "-f" in values or "--file" in values or "-E" in values:
        env.unknown_code(f"{name}: a program file the analysis cannot read")
        files = [values[k] for k in ("-f", "--file", "-E") if k in values]
        if any(env.from_descriptor(word) for word in files):  # `awk -f <(…)`
            env.add_any("stdin-script")
    elif pos and not _ASSIGN.match(pos[0].text):
        program = pos[0]
        if program.parts and all(p.kind in "vV" for p in program.parts):
            env.unknown_code(f"{name} {program.text}: a program from an expansion")
            env.add_any("interpreter")
        else:
            judge_code(env, program.text, "awk")

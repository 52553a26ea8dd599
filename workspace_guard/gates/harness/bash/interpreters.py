"""Shells and interpreters: code run by bash -c, eval, python -c, node -e, stdin scripts."""

from __future__ import annotations

import posixpath
import re

from workspace_guard.core.record import Record, Struct, factory
from workspace_guard.gates.harness.bash.env import _ASSIGN, _Env, _join
from workspace_guard.gates.harness.bash.files import _awk
from workspace_guard.gates.harness.bash.inline_code import judge_code, may_run
from workspace_guard.gates.harness.bash.mentions import (
    _WRITE_HINT,
    _code_literals,
    _embedded_paths,
    _pathlike,
    _unknown,
)
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.stdinlang import stdin_commands
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
    safe_path: str = ""  # python -I / -P: the cwd is not put first on the module path
    long_code: frozenset[str] = frozenset()
    long_values: frozenset[str] = frozenset()


class _Invocation(Struct):
    """What the options of one interpreter call said."""

    codes: list[_Word] = factory(default_factory=list)
    code_opt: bool = False
    module: _Word | None = None
    chdir: _Word | None = None
    inplace: bool = False
    isolated: bool = False


_INTERPS = {
    "python": _Interp(code="c", module="m", values="WXQ", code_ends=True, safe_path="IP"),
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
    "wish": _Interp(),
    "jimsh": _Interp(),
    "expect": _Interp(code="c"),
    "tsx": _Interp(code="ep", long_code=_opts("--eval --print")),
    "ts-node": _Interp(code="ep", long_code=_opts("--eval --print"), values="r"),
    "osascript": _Interp(code="e"),
    "guile": _Interp(code="c", values="lL"),
    "racket": _Interp(code="e", values="lt"),
    "elixir": _Interp(code="e", values="r"),
    "groovy": _Interp(code="e"),
    "scala": _Interp(code="e"),
    "jshell": _Interp(),
}
# languages whose file names are bare words (`open app/main.py w`, `Set-Content app\main.py`):
# when the code may write or run anything, every path-like word counts
_BARE_WORDS = {
    "tcl": re.compile(r"\b(?:open|file|exec|eval|source|uplevel|load|spawn|interp|socket)\b"),
    "pwsh": re.compile(
        r"(?i)\b(?:set-content|add-content|out-file|new-item|remove-item|copy-item|move-item"
        r"|rename-item|clear-content|start-process|invoke-expression|iex|invoke-item|ii|rm|del"
        r"|erase|ri|cp|copy|mv|move|ni|sc|ac|tee-object|export-\w+|invoke-webrequest|iwr"
        r"|curl|wget|saveas|writealltext|writeallbytes|delete|\[io\.file\])\b|[>&]"
    ),
    "osascript": re.compile(r"(?i)do shell script|\bwrite\b|\bdelete\b|posix file"),
}
_TCL = ("tclsh", "wish", "jimsh", "expect")


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
    if name == "python" and env.ctx.vars.get("PYTHONSAFEPATH"):
        inv.isolated = True
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
        if ch in spec.safe_path:
            inv.isolated = True
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
        if name == "python" and not inv.isolated:  # ATTACK F63
            env.unknown_code(
                f"{name} -m {inv.module.text}: modules are found in the cwd first, where a file "
                "can stand in for any module it imports (run with -I or -P)"
            )
        env.dispatch([inv.module, *rest])
    elif inv.code_opt:
        for word in rest if inv.inplace else []:
            env.add(word, f"{name}-i")
        harmless = [
            _code(env, code, [] if inv.inplace else rest, name, inv.isolated) for code in inv.codes
        ]
        if inv.inplace or not all(harmless):  # provably harmless Python is no unknown code
            env.unknown_code(f"{name}: inline code (only its file names are judged)")
    elif rest and rest[0].text != "-":  # a script file: it runs, it is not written
        for word in rest[1:] if inv.inplace else []:
            env.add(word, f"{name}-i")
        if not inv.inplace:
            _script(env, name, rest[0])
            _unknown(env, rest[1:])
    else:
        _stdin_code(env, name, rest[1:], inv.isolated)


def _stdin_code(env: _Env, lang: str, argv: list[_Word], isolated: bool = False) -> None:
    """Code arriving on stdin (``python - <<'EOF'``, ``echo CMD | sh``): analyse what we can see."""
    env.not_read_only()
    if env.stdin.kind == "text":
        if lang == "shell":
            env.analyze_text(env.stdin.text)
        elif not _code(env, _lit(env.stdin.text, "q"), argv, lang, isolated):
            env.unknown_code("code on stdin (only its file names are judged)")
    elif env.stdin.kind == "file":
        env.unknown_code("code read from a file (a script the analysis cannot read)")
    elif env.stdin.kind == "unknown":
        env.unknown_code("code read from a pipe")
        env.add_any("stdin-script")
    else:  # `bash`, `sh -i`, `python3` alone: code typed at a terminal (Codex `tty`, write_stdin)
        env.unknown_code(f"{lang}: an interactive session reads code the gate never sees")
        env.add_any("stdin-script")


def _code(env: _Env, code: _Word, argv: list[_Word], lang: str, isolated: bool = False) -> bool:
    """Inline code: when it may write, its path-like literals and its argv may be written.
    Python is read from its syntax tree (``python_code.py``). True: provably harmless (Python
    importing a module that is not loaded at start-up only under ``-I``/``-P``: the cwd comes
    first on its module path, and a file there can stand in for the module, ATTACK F63)."""
    env.not_read_only()
    if all(p.kind in "vV" for p in code.parts) and code.parts:
        env.unknown_code(f"{code.text}: code from an expansion")
        env.add_any("interpreter")  # python -c "$CODE": nothing to see
        return False
    if lang == "python" and code.literal:
        from workspace_guard.gates.harness.bash.python_code import judge_python

        judged = judge_python(env, code.text)
        if judged and not isolated and _shadowable(code.text):
            env.unknown_code(
                f"{lang}: an imported module may be a file in the cwd (run with -I or -P)"
            )
            return False
        if judged is not None:
            return judged
    bare = _BARE_WORDS.get("tcl" if lang in _TCL else lang)
    if bare is not None and bare.search(code.text):
        _embedded_paths(env, code.text.replace("\\", "/") if lang == "pwsh" else code.text)
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
        args, _opts("-f -v -F -i -l -E --include --load --file --assign --field-separator")
    )
    libraries = [k for k in ("-i", "--include", "-l", "--load") if k in values]
    if libraries or any(_AWK_LOAD.search(w.text) for w in pos[:1]):
        env.unknown_code(f"{name} {libraries[0] if libraries else '@load'}: a library or extension")
    if "-f" in values or "--file" in values or "-E" in values:
        files = [values[k] for k in ("-f", "--file", "-E") if k in values]
        if any(w.text in ("-", "/dev/stdin") for w in files):  # `awk -f -`: on stdin
            text = stdin_commands(env, name, "an awk program")
            if text is not None:
                judge_code(env, text, "awk")
                return
        env.unknown_code(f"{name}: a program file the analysis cannot read")
        if any(env.from_descriptor(word) for word in files):  # `awk -f <(…)`
            env.add_any("stdin-script")
    elif pos and not _ASSIGN.match(pos[0].text):
        program = pos[0]
        if program.parts and all(p.kind in "vV" for p in program.parts):
            env.unknown_code(f"{name} {program.text}: a program from an expansion")
            env.add_any("interpreter")
        else:
            judge_code(env, program.text, "awk")


# modules Python has loaded before it runs `-c` code or stdin: an import of one is not looked up
_LOADED_AT_START = frozenset(
    [
        "sys",
        "builtins",
        "os",
        "io",
        "abc",
        "codecs",
        "stat",
        "posixpath",
        "genericpath",
        "encodings",
        "site",
        "marshal",
        "posix",
        "errno",
        "time",
    ]
)
_IMPORT = re.compile(r"\bimport\s+([\w.]+(?:\s*,\s*[\w.]+)*)|\bfrom\s+([\w.]+)\s+import\b")


def _shadowable(code: str) -> bool:
    """Does the code import a module a file in the cwd could stand in for?"""
    for m in _IMPORT.finditer(code):
        for name in (m.group(1) or m.group(2) or "").split(","):
            if name.strip().split(".")[0] not in _LOADED_AT_START:
                return True
    return bool(re.search(r"__import__|importlib", code))


def _pwsh(env: _Env, name: str, args: list[_Word]) -> None:
    """PowerShell: ``-Command CODE…`` (the words after it), ``-File SCRIPT``, an encoded command
    (any file), or code on stdin; parameters are case-insensitive and may be abbreviated."""
    i = 0
    while i < len(args) and args[i].text.startswith(("-", "/")) and args[i].literal:
        param = args[i].text.lstrip("-/").lower()
        i += 1
        if (param and "command".startswith(param)) or param == "c":
            rest = args[i:]
            if rest and rest[0].text == "-":
                _stdin_code(env, "pwsh", [])
            elif rest:
                _code(env, _lit(" ".join(w.text for w in rest), "q"), [], "pwsh")
                env.unknown_code(f"{name}: inline code (only its file names are judged)")
            return
        if param and "file".startswith(param):
            if i < len(args):
                _script(env, name, args[i])
                _unknown(env, args[i + 1 :])
            return
        if param and ("encodedcommand".startswith(param) or param in ("e", "ec")):
            env.unknown_code(f"{name} -EncodedCommand: code the analysis does not decode")
            env.add_any("interpreter")
            return
        if param in _PWSH_VALUES or any(
            p.startswith(param) for p in _PWSH_VALUES if len(param) > 2
        ):
            i += 1
    rest = args[i:]
    if rest and name == "pwsh":
        _script(env, name, rest[0])
        _unknown(env, rest[1:])
    elif rest:
        _code(env, _lit(" ".join(w.text for w in rest), "q"), [], "pwsh")
        env.unknown_code(f"{name}: inline code (only its file names are judged)")
    else:
        _stdin_code(env, "pwsh", [])


_AWK_LOAD = re.compile(r"@(?:load|include)\b")
_PWSH_VALUES = frozenset(
    [
        "executionpolicy",
        "ep",
        "workingdirectory",
        "wd",
        "inputformat",
        "if",
        "outputformat",
        "of",
        "version",
        "v",
        "configurationname",
        "config",
        "settingsfile",
        "windowstyle",
        "w",
        "custompipename",
    ]
)


def _deno(env: _Env, name: str, args: list[_Word]) -> None:
    """``deno eval CODE``, ``deno run FILE``, ``deno fmt`` (rewrites files), anything else:
    project code."""
    pos = [w for w in args if not (w.literal and w.text.startswith("-"))]
    sub = pos[0].text if pos else ""
    if sub == "eval" and len(pos) > 1:
        _code(env, pos[1], pos[2:], "node")
        env.unknown_code(f"{name} eval: inline code (only its file names are judged)")
    elif sub == "fmt":
        if not any(w.text == "--check" for w in args):
            for word in pos[1:]:
                env.add(word, "format")
            if len(pos) == 1:
                env.add_under(None, "format")
    elif sub in ("run", "test", "bench", "serve") and len(pos) > 1:
        _script(env, name, pos[1])
        _unknown(env, pos[2:])
    elif sub not in ("--version", "-V", "help", "types", "info", "completions"):
        env.unknown_code(f"{name} {sub}: runs project code")
        _unknown(env, pos[1:])


def _bun(env: _Env, name: str, args: list[_Word]) -> None:
    """``bun -e CODE`` / ``--print``: inline code like node; ``bun run FILE``/``bun FILE``: a
    script; package commands: the manifest (tools.py)."""
    from workspace_guard.gates.harness.bash.tools import _package_manager

    for k, word in enumerate(args):
        key, eq, value = word.text.partition("=")
        if key in ("-e", "--eval", "-p", "--print"):
            code = _lit(value, "q") if eq else (args[k + 1] if k + 1 < len(args) else None)
            if code is not None:
                _code(env, code, args[k + 2 :], "node")
            env.unknown_code(f"{name} {key}: inline code (only its file names are judged)")
            return
    pos = [w for w in args if not (w.literal and w.text.startswith("-"))]
    if pos and (pos[0].text.endswith((".js", ".ts", ".mjs", ".cjs", ".tsx", ".jsx"))):
        _script(env, name, pos[0])
        _unknown(env, pos[1:])
    elif len(pos) > 1 and pos[0].text == "run" and "/" in pos[1].text:
        _script(env, name, pos[1])
        _unknown(env, pos[2:])
    else:
        _package_manager(env, name, args)


def _gdb(env: _Env, name: str, args: list[_Word]) -> None:
    """gdb runs the program it debugs and ``~/.gdbinit`` (unknown code); ``-ex`` commands:
    ``shell``/``!``/``pipe`` text analysed as Bash, file names they carry may be written,
    ``python``/``source`` and ``-x FILE`` more code."""
    env.unknown_code(f"{name}: runs the debugged program and gdb scripts")
    texts: list[str] = []
    for k, word in enumerate(args):
        key, eq, value = word.text.partition("=")
        if key in ("-ex", "--ex", "-iex", "--iex", "-eval-command", "--eval-command"):
            texts.append(value if eq else (args[k + 1].text if k + 1 < len(args) else ""))
        elif key == "--args" and k + 1 < len(args):
            env.dispatch(args[k + 1 :])
            break
    stdin = stdin_commands(env, name, "gdb commands")  # `gdb < cmds`: what a user types
    texts += stdin.splitlines() if stdin is not None else []
    for text in texts:
        command = text.strip()
        m = re.match(r"(?:shell\b|!|pipe\b|\|)\s*(.*)", command, re.S)
        if m:
            env.analyze_text(m.group(1))
        else:
            _embedded_paths(env, command)

"""Inline interpreter code: where its writes go, and the commands it starts.

Code given to ``python -c``, ``perl -e``, ``node -e``, ``awk`` (and code on stdin the analysis
can see) is read for two things:

- **process spawns** (``system``, ``subprocess.run``, ``child_process.execSync``, backticks…):
  a command made of literals is analysed as Bash in place, with the same gate (a ref move, a
  hook bypass, a write); any other spawn runs code from nowhere;
- **write targets** (``open``, ``rename``, ``writeFileSync``, ``file_put_contents``, awk's
  ``print > f``…): a target that is not one literal (``"app/ma"+"in.py"``, a variable, a decoded
  or environment value, ``Path(…) / "x"``) and code run from text (``eval``, ``exec(input())``)
  may write anything.

Either way the code is unknown code; what cannot be resolved is the target "any file", which the
``harness: unknown_code`` policy decides. Literal-only code keeps its precise judgement (the
literals it names). The reading is lexical, not a parser: unsure means unresolved.
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _Env

# Calls whose first positional argument (two for the copy/move/link family) is a path written.
_PATH_CALLS = re.compile(
    r"""(?<![\w$])(?:[\w$]+\s*(?:\.|::|->)\s*)*(?P<name>open|fopen|sysopen|openSync|Path|PurePath
    |PosixPath|write_?[Ff]ile\w*|append_?[Ff]ile\w*|createWriteStream|file_put_contents|copy\w*
    |move\w*|rename\w*|replace|symlink\w*|link\w*|hardlink\w*|unlink\w*|remove\w*|rmtree|rmdir\w*
    |rm|rm_r|rm_rf|rm_f|rmSync|cp|cp_r|cpSync|mv|ln|ln_s|touch|truncate\w*|chmod\w*|chown\w*
    |mkdir\w*|makedirs|mkfifo|utime|outputFile\w*|emptyDir\w*|new|(?<=File\.)(?:bin)?write)\s*\(""",
    re.X,
)
_TWO_PATHS = re.compile(r"copy|move|rename|replace|symlink|link|hardlink|cp|mv|ln")
# Methods of a path object: the receiver is the path written.
_PATH_METHODS = re.compile(
    r"\.\s*(?:write_text|write_bytes|touch|unlink|symlink_to|hardlink_to|rmdir|mkdir|chmod"
    r"|open|rename)\s*\("
)
# Receivers that are modules, not paths (``os.chmod(p)`` is judged as a call).
_MODULES = {
    *("os", "shutil", "fs", "fsp", "fse", "promises", "pathlib", "io", "File", "FileUtils"),
    *("Dir", "IO", "posix", "nt", "path", "Files", "Pathname", "sys"),
}
_SPAWN_CALLS = re.compile(
    r"""(?<![\w$])(?:[\w$]+\s*(?:\.|::|->)\s*)*(?P<name>system|popen\w*|exec|execSync
    |execFile\w*|exec[vl]\w*|execa\w*|spawn\w*|posix_spawn\w*|run|call|check_call|check_output|getoutput
    |getstatusoutput|Popen|capture[23]\w*|pipeline\w*|shell_exec|passthru|proc_open)\b""",
    re.X,
)
_SUBPROCESS_ONLY = frozenset(("run", "call", "check_call", "check_output", "Popen"))
_DYNAMIC_CODE = re.compile(
    r"""(?<![\w$.])(?:eval(?!\s*\{)|compile|__import__|import_module|getattr|execfile|runpy
    |Function|instance_eval|class_eval|module_eval|loadstring|dofile|load|source
    )(?:\s*\(|\s+['"$\w])|\bnew\s+Function\b|\bvm\.run\w*""",
    re.X,
)
_BACKTICKS = re.compile(r"`((?:[^`\\]|\\.)*)`|(?:%x|qx)\s*([({\[])")
_CLOSE = {"(": ")", "{": "}", "[": "]"}
_STRING = re.compile(r"""[rRbBuU]{0,2}(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_ARGV = re.compile(r"(?:sys\.argv|\$?ARGV|process\.argv|\$argv)\s*\[\s*\d+\s*\]")
_AWK_GETLINE = re.compile(r'(?:("(?:[^"\\]|\\.)*")|[^\s"])\s*\|\s*getline\b')
_AWK_REDIRECT = re.compile(r"\b(?:print|printf)\b[^;{}\n]*?(>>?|\|)\s*([^;{}\n]*)")


def judge_code(env: _Env, code: str, lang: str) -> None:
    """Spawned commands analysed as Bash; unresolved writes and dynamic code: any file."""
    if _unresolved(env, code, lang):
        env.unknown_code("inline code: a write or command the analysis cannot resolve")
        env.add_any("interpreter")


def _unresolved(env: _Env, code: str, lang: str) -> bool:
    dynamic = bool(
        _DYNAMIC_CODE.search(_blank_strings(code))
        or (lang == "python" and re.search(r"(?<![\w.])exec\s*\(", code))
    )
    for judge in (_spawns, _path_writes, _redirects):
        dynamic = judge(env, code, lang) or dynamic
    return dynamic


def _spawns(env: _Env, code: str, lang: str) -> bool:
    """Commands the code starts: literal ones analysed here; True when one is not."""
    dynamic = False
    for m in _BACKTICKS.finditer(code):
        text = m.group(1) if m.group(1) is not None else _group(code, m.end() - 1)
        if text is None or re.search(r"[$@]|#\{", text):
            dynamic = True
        else:
            env.analyze_text(text)
    for m in _SPAWN_CALLS.finditer(_blank_strings(code)):
        name = m.group("name")
        if lang == "python" and name == "exec":
            continue  # python's exec() runs Python text: dynamic code, above
        if name in _SUBPROCESS_ONLY and "subprocess" not in code and lang == "python":
            continue  # some other run()/call(): not a process
        if lang != "python" and name in _SUBPROCESS_ONLY and name != "Popen":
            continue
        args = _call_args(code, m.end(), lang)
        if args and re.fullmatch(r"exec[vl]\w*|spawn[vl]\w*|posix_spawn\w*", name):
            args = args[1:]  # (file, argv…): argv[0] is the command
        words = _command(args, first_only=name.startswith("popen") or name == "proc_open")
        if words is None:
            dynamic = True
        elif words:
            env.analyze_text(" ".join(_quote(w) for w in words) if len(words) > 1 else words[0])
    return dynamic


def _path_writes(env: _Env, code: str, lang: str) -> bool:
    """Write calls and path methods: True when a target is not one literal."""
    dynamic = False
    blank = _blank_strings(code)
    for m in _PATH_CALLS.finditer(blank):
        args = _split_args(code, m.end() - 1)
        if args is None:
            dynamic = True
            continue
        name = m.group("name")
        positional = [a for a in args if not re.match(r"[\w$]+\s*=[^=]|\{", a)]
        if lang == "perl" and name == "open" and any("|" in a for a in positional[1:]):
            dynamic = _perl_pipe(env, positional[1:]) or dynamic
            continue
        if lang == "perl" and name in ("open", "sysopen"):
            positional = positional[1:2] if name == "sysopen" else positional[-1:]
        count = 2 if _TWO_PATHS.fullmatch(name) else 1
        if name == "new" and not re.search(r"File\s*\.?\s*new\s*\($", blank[: m.end()]):
            continue
        if any(not _resolved(a) for a in positional[:count]):
            dynamic = True
    for m in _PATH_METHODS.finditer(blank):
        if not _receiver_ok(blank, m.start()):
            dynamic = True
    return dynamic


def _redirects(env: _Env, code: str, lang: str) -> bool:
    """awk ``print > f``/pipes, Perl ``open F, …`` without parentheses."""
    dynamic = False
    if lang == "awk":
        for m in _AWK_REDIRECT.finditer(code):
            target = m.group(2).strip().rstrip(")")
            if m.group(1) == "|" or not _literal(target):
                dynamic = True
        for m in _AWK_GETLINE.finditer(code):
            if m.group(1) is None:
                dynamic = True
            else:
                env.analyze_text(_unquote(m.group(1)))
    elif lang == "perl" and re.search(r"\bopen\s+[\w$]", _blank_strings(code)):
        dynamic = not _perl_open_literal(code) or dynamic
    return dynamic


def _perl_pipe(env: _Env, args: list[str]) -> bool:
    """``open(F, "-|", "git", …)``, ``open(F, "git … |")``: the command run; True: unresolved."""
    if not all(_literal(a) for a in args):
        return True
    words = [_unquote(a) for a in args]
    if words[0].strip() in ("-|", "|-"):
        if words[1:]:
            env.analyze_text(" ".join(_quote(w) for w in words[1:]) if words[2:] else words[1])
        return False
    env.analyze_text(" ".join(words).strip().strip("|"))
    return False


def may_run(code: str) -> bool:
    """Beyond the write hints: does the code start a process (``posix_spawn``, ``capture2``), or
    open a file with a mode that is not a literal (``open(p, chr(119))``)?"""
    if _RUN_HINT.search(code):
        return True
    blank = _blank_strings(code)
    for m in re.finditer(r"(?<![\w$])(?:fopen|sysopen|openSync|open)\s*\(", blank):
        args = _split_args(code, m.end() - 1)
        if args is None:
            return True
        modes = [a for a in args[1:] if not re.match(r"[\w$]+\s*=[^=]|\{", a)]
        mode = modes[0] if modes else '"r"'
        if not (_literal(mode) or re.fullmatch(r"(?:my\s+)?[$\w]+", args[0])):
            return True
    return False


_RUN_HINT = re.compile(
    r"""posix_spawn|capture[23]|Open3|getoutput|getstatusoutput|\|\s*getline|['"]\s*-?\||\|-?\s*['"]"""
)


def _perl_open_literal(code: str) -> bool:
    """``open F, ">", "x"`` without parentheses: every argument after the handle a literal."""
    for m in re.finditer(r"\bopen\s+(?:my\s+)?[\w$]+\s*,([^;]*)", code):
        for part in m.group(1).split(","):
            if not _literal(re.sub(r"\s+(?:or|\|\|)\s.*", "", part)):
                return False
    return True


def _receiver_ok(blank: str, dot: int) -> bool:
    """``Path("lit").write_text(…)``, ``os.chmod(…)``: yes; ``p.write_text``, ``(a / b).x``: no."""
    before = blank[:dot].rstrip()
    if before.endswith(")"):
        depth, i = 0, len(before) - 1
        while i >= 0:
            depth += {")": 1, "(": -1}.get(before[i], 0)
            if depth == 0:
                break
            i -= 1
        head = re.search(r"([\w$.]+)\s*$", before[:i])
        return bool(head and re.search(r"(?:Path|PurePath|PosixPath|open)$", head.group(1)))
    word = re.search(r"([\w$]+)$", before)
    return bool(word and word.group(1) in _MODULES)


def _resolved(arg: str) -> bool:
    return _literal(arg) or bool(_ARGV.fullmatch(arg)) or bool(re.fullmatch(r"\d+", arg))


def _literal(arg: str) -> bool:
    """One string literal without interpolation (``f"…"``, ``"$x"``, ``"#{x}"``, ``${x}``)."""
    arg = arg.strip()
    if not _STRING.fullmatch(arg) or arg[0] in "fF":
        return False
    body = arg[arg.index(arg[-1]) + 1 : -1]
    return not (arg[-1] == '"' and re.search(r"[$@](?=[\w{(:])|#\{", body))


def _command(args: list[str] | None, first_only: bool) -> list[str] | None:
    """The words of a spawned command: literals and lists of literals; None when unresolved."""
    if args is None:
        return None
    words: list[str] = []
    for k, arg in enumerate(a for a in args if not re.match(r"[\w$]+\s*=[^=]|\{", a)):
        if k and first_only:
            break
        if arg.startswith("[") and arg.endswith("]"):
            inner = _split_args(arg, 0, "[")
            if inner is None or not all(_literal(a) for a in inner if a):
                return None
            words += [_unquote(a) for a in inner if a]
        elif _literal(arg):
            words.append(_unquote(arg))
        else:
            return None
    return words


def _call_args(code: str, end: int, lang: str) -> list[str] | None:
    """Arguments after a call's name: ``(…)``, or Perl/Ruby/Tcl's ``system "a", "b";``."""
    rest = code[end:]
    stripped = rest.lstrip(" \t")
    if stripped.startswith("("):
        return _split_args(code, end + len(rest) - len(stripped))
    if not stripped or stripped[0] in ".;)}=,\n":
        return []  # a name, not a call (``subprocess.run`` passed along, ``os.system;``)
    tail = re.split(r"[;\n}]|\s(?:or|and|if|unless)\s|\|\||&&", stripped, maxsplit=1)[0]
    return _split_args("(" + tail + ")", 0)


def _split_args(code: str, start: int, open_ch: str = "(") -> list[str] | None:
    """Top-level comma-separated arguments of the bracket at ``start``; None when unbalanced."""
    depth, args, cur, i = 0, [], "", start
    close = _CLOSE[open_ch]
    while i < len(code):
        ch = code[i]
        m = _STRING.match(code, i) if ch in "'\"" else None
        if m:
            cur += m.group()
            i = m.end()
            continue
        if ch in "([{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                if ch != close:
                    return None
                args.append(cur.strip())
                return [a for a in args if a] if any(args) else []
        elif ch == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += ch
        i += 1
    return None


def _group(code: str, start: int) -> str | None:
    opener = code[start]
    end = code.find(_CLOSE.get(opener, opener), start + 1)
    return None if end < 0 else code[start + 1 : end]


def _blank_strings(code: str) -> str:
    """The code with string contents blanked (same length): names inside strings are not calls."""
    return _STRING.sub(lambda m: m.group()[0] + " " * (len(m.group()) - 2) + m.group()[-1], code)


def _unquote(arg: str) -> str:
    arg = arg.strip().lstrip("rRbBuU")
    body = arg[1:-1]
    return re.sub(r"\\(.)", r"\1", body) if arg[0] == '"' else body.replace("\\'", "'")


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"

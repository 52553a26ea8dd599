"""Tools that write files named in their own language: editors (``vim -c ':w!'``, ``ed``
scripts, read by :mod:`exlang` and here) and ``cmake -E``."""

from __future__ import annotations

import re

from workspace_guard.core.record import Struct, factory
from workspace_guard.gates.harness.bash import exlang
from workspace_guard.gates.harness.bash.env import _Env
from workspace_guard.gates.harness.bash.mentions import _unknown
from workspace_guard.gates.harness.bash.patch_input import editor_stdin
from workspace_guard.gates.harness.bash.stdinlang import stdin_commands
from workspace_guard.gates.harness.bash.syntax import _lit, _Word


def _editor(env: _Env, name: str, args: list[_Word]) -> None:
    """Every file an editor opens may be saved; ``+LINE`` and ``file:LINE`` name the file;
    editor commands (``emacs --eval``) name files it may write."""
    if name in ("vim", "ex"):
        _vim(env, name, args)
        return
    if name == "ed":
        _ed(env, name, args)
        return
    _unknown(env, [w for w in args if " " in w.text or "\t" in w.text])
    editor_stdin(env, name)  # commands from a file or a pipe (patch_input.py, ATTACK F92)
    sourced = [w.text for w in args if w.text in _SCRIPT_OPTIONS.get(name, ())]
    if sourced:  # `emacs -l x.el`: editor code the analysis cannot read
        env.unknown_code(f"{name} {sourced[0]}: runs an editor script")
    _files(env, args)


def _files(env: _Env, args: list[_Word]) -> None:
    for word in args:
        text = word.text
        if text.startswith(("-", "+")) and word.literal:
            continue
        m = _LINE_SUFFIX.fullmatch(text)
        env.add(_lit(m.group(1), "q") if m and word.literal else word, "editor")


_LINE_SUFFIX = re.compile(r"(.+?):\d+(:\d+)?")
_SCRIPT_OPTIONS = {"emacs": ("-l", "--load", "--script", "-x", "--eval", "-eval", "-f")}


# --------------------------------------------------------------------------- vim, ex, view, nvim


class _Vim(Struct):
    """What vim's arguments said (vim's own option scan: clusters, glued values)."""

    ex: bool = False  # Ex mode: stdin holds Ex commands
    stdin_text: bool = False  # `vim -`: stdin is the text to edit
    pre: list[_Word] = factory(default_factory=list)  # --cmd
    commands: list[_Word] = factory(default_factory=list)  # -c, +CMD
    files: list[_Word] = factory(default_factory=list)
    writes: list[_Word] = factory(default_factory=list)  # -W/-w/-i/-V/--startuptime/--log
    code: list[str] = factory(default_factory=list)  # why the editor runs code it cannot read
    jumps: bool = False  # -t TAG, -q ERRORFILE: the buffer is a file found at run time


def _vim(env: _Env, name: str, args: list[_Word]) -> None:
    """vim and its names: the options as vim scans them, then the Ex commands of ``--cmd``,
    ``-c``, ``+CMD`` and, in Ex mode, stdin, read by :mod:`exlang` (ATTACK F78, F79)."""
    options = args[: [w.text for w in args].index("--")] if "--" in [w.text for w in args] else args
    if any(w.text in ("--version", "--help", "-h") and w.literal for w in options):
        return  # vim prints and exits before it runs a command
    opts = _vim_options(args, name == "ex")
    if env.stdin.kind != "none" and not opts.stdin_text:
        text = stdin_commands(env, name, "Ex commands" if opts.ex else "keys typed")
        if text is not None and opts.ex:
            opts.commands.append(_lit(text, "q"))
        elif text is not None:
            opts.code.append("Normal-mode keys on stdin")
    _files(env, opts.files)
    for word in opts.writes:
        env.add(word, "editor")
    names = [w.text if w.literal else exlang.ANY for w in opts.files]
    state = exlang.start(names)
    if opts.jumps:
        state.current = {exlang.ANY}
    for word in [*opts.pre, *opts.commands]:
        if not word.literal and not word.text.startswith("$"):  # `-c "$CMD"`
            opts.code.append(f"commands from an expansion ({word.text[:30]})")
        else:
            exlang.run_text(word.text, state)
    if env.stdin.kind == "none" and not state.quits:  # a terminal: any buffer may be saved
        state.run.writes.extend(n for n in state.buffers if n is not None and n not in names)
    _apply(env, name, state.run, opts.code)


def _apply(env: _Env, name: str, run: exlang.ExRun, code: list[str]) -> None:
    for text in run.shell:
        env.analyze_text(exlang.piped(text))
    for written in run.writes:
        if written != exlang.ANY:
            glob = any(c in written for c in "*?[{")
            env.add(_lit(written) if glob else _lit(written, "q"), "editor", certain=False)
    reasons = code + run.code
    if reasons or exlang.ANY in run.writes:
        env.unknown_code(f"{name}: editor commands the analysis cannot follow ({reasons[0]})")
        env.add_any("interpreter")


def _vim_options(args: list[_Word], ex: bool) -> _Vim:
    opts, k, minmin = _Vim(ex=ex), 0, False
    while k < len(args):
        word, text = args[k], args[k].text
        k += 1
        if minmin or not text.startswith(("-", "+")) or not word.literal:
            if not word.literal and word.parts and word.parts[0].kind in "vV":
                opts.code.append(f"an argument only known at run time ({text[:30]})")
            opts.files.append(word)
        elif text.startswith("+"):
            opts.commands.append(_lit(text[1:] or "$", "q"))
        elif text == "--":
            minmin = True
        elif text == "-":
            opts.stdin_text = not opts.ex
        elif text.startswith("--"):
            k = _vim_long(opts, text, args, k)
        else:
            k = _vim_short(opts, text, args, k)
    return opts


def _value(args: list[_Word], k: int) -> tuple[_Word | None, int]:
    return (args[k], k + 1) if k < len(args) else (None, k)


def _vim_long(opts: _Vim, text: str, args: list[_Word], k: int) -> int:
    key = text.partition("=")[0].lower()
    if key in ("--cmd", "--startuptime", "--log", "--gui-dialog-file"):
        value, k = _value(args, k)
        if value is not None:
            (opts.pre if key == "--cmd" else opts.writes).append(value)
    elif key.startswith("--remote") or key in ("--serverlist",):
        opts.code.append(f"{key}: commands sent to another editor")
    elif key in ("--servername", "--listen", "--socketid", "--windowid"):
        k += 1
    elif key not in _VIM_FLAGS:
        opts.code.append(f"{key}: an option the analysis does not know")
    return k


_VIM_FLAGS = frozenset(
    [
        "--literal",
        "--nofork",
        "--noplugin",
        "--noplugins",
        "--not-a-term",
        "--ttyfail",
        "--clean",
        "--headless",
        "--embed",
        "--api-info",
        "--echo-wid",
        "--",
        "--startuptime",
    ]
)


def _vim_short(opts: _Vim, text: str, args: list[_Word], k: int) -> int:
    """One cluster of one-letter options (``-esc CMD``, ``-Nu FILE``, ``-V1file``)."""
    j = 1
    while j < len(text):
        c, rest = text[j], text[j + 1 :]
        j += 1
        if c in "eE":
            opts.ex = True
        elif c == "v":
            opts.ex = False
        elif c in "opOw" and rest[:1].isdigit():
            while j < len(text) and text[j].isdigit():
                j += 1
        elif c == "V":
            while j < len(text) and text[j].isdigit():
                j += 1
            if text[j:]:
                opts.writes.append(_lit(text[j:], "q"))  # -V10FILE: the messages written there
            return k
        elif c == "s" and opts.ex:
            pass  # silent
        elif c in "cSsuUiWwtqTl" or (c == "n" and rest.startswith("b")):
            return _vim_value(opts, c, rest, args, k)
        elif c not in "bCdDfgFhHAMmNnRrLxXyZpoO":
            opts.code.append(f"-{c}: an option the analysis does not know")
    return k


def _vim_value(opts: _Vim, c: str, rest: str, args: list[_Word], k: int) -> int:
    """An option taking a value: glued (``-cCMD``) or the next argument."""
    if rest:
        value: _Word | None = _lit(rest, "q")
    elif c == "S" and (k >= len(args) or args[k].text.startswith("-")):
        value = _lit("Session.vim", "q")  # `-S` alone: the default session file
    else:
        value, k = _value(args, k)
    shown = value.text if value is not None else ""
    if c == "c" and value is not None:
        opts.commands.append(value)
    elif c in "Wwi" and value is not None and value.text != "NONE":
        opts.writes.append(value)  # script out (-W, -w), viminfo (-i)
    elif c in "tq":
        opts.jumps = True
    elif c in "uU" and shown in ("NONE", "NORC", "DEFAULTS"):
        pass
    elif c != "T":
        opts.code.append(f"-{c} {shown[:30]}: an editor script the analysis cannot read")
    return k


# --------------------------------------------------------------------------- ed


def _ed(env: _Env, name: str, args: list[_Word]) -> None:
    """ed: its commands arrive on stdin; ``e``/``E``/``f FILE`` change the buffer's name,
    ``w``/``W``/``wq [FILE]`` write, ``!CMD``, ``r !CMD``, ``w !CMD`` run shell text; a file
    argument ``!CMD`` runs CMD."""
    files: list[_Word] = []
    k = 0
    while k < len(args):
        word, text = args[k], args[k].text
        k += 1
        if text in ("-p", "--prompt") and word.literal:
            k += 1
        elif not (word.literal and text.startswith("-") and text != "-"):
            files.append(word)
    current: str | None = None
    for word in files:
        if word.text.startswith("!") and word.literal:
            env.analyze_text(word.text[1:])
        elif current is None:
            current = word.text if word.literal else exlang.ANY
    if env.stdin.kind == "none":  # commands typed at a terminal: the file may be saved
        _files(env, [w for w in files if not w.text.startswith("!")])
        return
    script = stdin_commands(env, name, "ed commands")
    if script is None:
        return
    run = exlang.ExRun()
    _ed_script(script, current, run)
    _apply(env, name, run, [])


def _ed_script(text: str, current: str | None, run: exlang.ExRun, depth: int = 0) -> None:
    in_text = False
    for line in text.split("\n"):
        if not exlang.step(run):
            return
        if in_text:
            in_text = line != "."
            continue
        body = _ED_ADDRESS.sub("", line, count=1)
        cmd, arg = body[:1], body[1:]
        if cmd in "aic" and cmd and not arg.strip():
            in_text = True
        elif cmd == "!":
            run.shell.append(arg)
        elif cmd in "eEfrwW" and cmd:
            if arg.startswith("q") and cmd in "wW":
                arg = arg[1:]
            name = arg.strip()
            if name.startswith("!"):
                run.shell.append(name[1:])
            elif cmd in "eEf" and name:
                current = name
            elif cmd in "wW":
                target = name or current
                run.writes.extend([target] if target else [])
                current = current or name or None
        elif cmd in "gv" and cmd and depth < 4:
            _ed_script(_ED_PATTERN.sub("", arg, count=1), current, run, depth + 1)
        elif cmd and cmd not in _ED_HARMLESS:
            run.code.append(f"ed {body[:30]}")


_ED_ADDRESS = re.compile(r"(?:[\s\d.$,;+\-^%]|'[a-z]|/(?:\\.|[^/])*/?|\?(?:\\.|[^?])*\??)*")
_ED_PATTERN = re.compile(r"^(.)(?:\\.|(?!\1).)*\1?")
_ED_HARMLESS = frozenset("dhHjklmnpPqQstuxyz=#s")


def _cmake(env: _Env, name: str, args: list[_Word]) -> None:
    """``cmake -E SUB ARGS``: file subcommands write their arguments (every one named: the
    last is usually the destination, ``rm`` takes many); a few only read; anything else, and
    ``cmake`` itself (a configure or build step), is code the analysis cannot read."""
    if len(args) > 1 and args[0].text == "-E":
        sub = args[1].text
        if sub in _CMAKE_READS:
            return
        if sub in _CMAKE_WRITES:
            for word in args[2:]:
                if not (word.literal and word.text.startswith("-")):
                    env.add(word, "cmake-" + sub)
            return
    env.unknown_code(f"{name}: runs project code or build steps")
    _unknown(env, args, split=False)


_CMAKE_READS = frozenset(
    {"echo", "echo_append", "cat", "compare_files", "capabilities", "environment", "md5sum"}
    | {"sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "sleep", "true", "false"}
)
_CMAKE_WRITES = frozenset(
    {"copy", "copy_if_different", "copy_directory", "copy_directory_if_different", "rename"}
    | {"rm", "remove", "remove_directory", "make_directory", "touch", "touch_nocreate", "tar"}
    | {"create_symlink", "create_hardlink"}
)

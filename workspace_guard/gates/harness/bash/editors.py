"""Tools that write files named in their own language: editors (``vim -c ':w!'``, ``ed``
scripts) and ``cmake -E``."""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _Env
from workspace_guard.gates.harness.bash.mentions import _unknown
from workspace_guard.gates.harness.bash.patch_input import editor_stdin
from workspace_guard.gates.harness.bash.syntax import _lit, _Word


def _editor(env: _Env, name: str, args: list[_Word]) -> None:
    """Every file an editor opens may be saved; ``+LINE`` and ``file:LINE`` name the file;
    editor commands (``-c ':w f'``, an ``ed`` script on stdin) name files it may write."""
    _unknown(env, [w for w in args if " " in w.text or "\t" in w.text])
    editor_stdin(env, name)  # commands from a file or a pipe (patch_input.py, ATTACK F92)
    commands = [  # `vim -c CMD`, `+CMD`, `--cmd CMD`: Ex commands (`!CMD` runs a shell)
        args[k + 1].text if w.text in ("-c", "--cmd") and k + 1 < len(args) else w.text[1:]
        for k, w in enumerate(args)
        if w.text in ("-c", "--cmd") or (w.text.startswith("+") and not w.text[1:].isdigit())
    ]
    for raw in commands if name in ("vim", "ex") else []:
        command = raw.strip().lstrip(":").strip()
        if _EX_CODE.search(command):
            env.unknown_code(f"{name}: runs editor commands ({command[:40]})")
        if command.startswith("!"):
            env.analyze_text(command[1:])
    sourced = [w.text for w in args if w.text in _SCRIPT_OPTIONS.get(name, ())]
    if sourced:  # `vim -S x.vim`, `-u vimrc`, `-s keys`: editor code the analysis cannot read
        env.unknown_code(f"{name} {sourced[0]}: runs an editor script")
    for word in args:
        text = word.text
        if text.startswith(("-", "+")) and word.literal:
            continue
        m = _LINE_SUFFIX.fullmatch(text)
        env.add(_lit(m.group(1), "q") if m and word.literal else word, "editor")


_EX_CODE = re.compile(r"(?:^|\s)!|^(?:call|py|lua|perl|ruby|tcl|so|exe|norm|redir|sil)", re.I)
_LINE_SUFFIX = re.compile(r"(.+?):\d+(:\d+)?")
_SCRIPT_OPTIONS = {  # options that run an editor script (ed's `-s` only means silent)
    "vim": ("-S", "-s", "-u", "-W", "--cmd"),
    "emacs": ("-l", "--load", "--script", "-x"),
}


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

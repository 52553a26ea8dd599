"""Links a command makes (``ln``, ``link``, ``cp -l``/``-s``): remembered for the rest of the
command, and each a write of what it links to (ATTACK F40, F49); and where ``cd`` lands when
links are on the way (F110): bash's logical ``$PWD`` (``cd lnk; cd ..`` is back where it was),
or, with ``cd -P``, ``set -P`` or ``set -o physical``, the real folder (kernel_paths.py)."""

from __future__ import annotations

import posixpath

from workspace_guard.gates.harness.bash.env import _Env, _expand, _join
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.kernel_paths import landing

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.syntax import _Word

_LINK_FLAGS = _opts("-l --link -s --symbolic-link")
_SYMBOLIC = _opts("-s --symbolic --symbolic-link")


def _links(env: _Env, srcs: list[_Word], dest: _Word, into: bool, symbolic: bool) -> None:
    """Links made: a write through one writes what it points at, and making one is a write of
    that too (F40, F49: a hard link is the same file, a symlink a way in for a later call)."""
    dests = [text for text, _, dyn in _expand(dest, env.ctx) if not dyn]
    for src in srcs:
        values = _expand(src, env.ctx)
        if not symbolic or any(dyn for _, _, dyn in values):  # from the cwd, as named
            env.add(src, "link", certain=False)
        for text in [text for text, _, dyn in values if not dyn]:
            base = posixpath.basename(text.rstrip("/"))
            for into_dir in dests:
                link = _join(env.ctx.cwd, posixpath.join(into_dir, base) if into else into_dir)
                where = posixpath.dirname(link) if symbolic else env.ctx.cwd
                env.link(link, _join(where, text))
                if symbolic:  # a relative symlink's text is read from the link's folder
                    env.add_path(_join(where, text), "link", False, False)


# `set -P` / `set -o physical` in effect: kept among the shell's variables under a name no
# expansion can read (copied into subshells, as bash copies its options)
PHYSICAL = "-P"


def cd_lands(env: _Env, options: list[_Word], path: str) -> str:
    """The new cwd of ``cd OPTIONS PATH`` (``path`` joined already): logical unless ``-P`` is
    the last of ``-L``/``-P`` or ``set -P`` is in effect."""
    physically = PHYSICAL in env.ctx.vars
    for word in options:
        text = word.text
        if word.literal and text.startswith("-") and not text.startswith("--"):
            for letter in text[1:]:
                physically = True if letter == "P" else False if letter == "L" else physically
    return landing(env.ctx.cwd, path, physically)


def set_builtin(env: _Env, name: str, args: list[_Word]) -> None:
    """``set``: only ``-P``/``+P`` and ``-o physical``/``+o physical`` change what the analysis
    reads (where a later ``cd ..`` lands); an option only known at run time may set it."""
    from workspace_guard.gates.harness.bash.mentions import _unknown

    if env.out.untrusted:  # `source x.sh; set …`: `set` may be a function
        _unknown(env, args)
    named = False  # the previous word was `-o`/`+o` (or a cluster ending in `o`)
    sign = ""
    for word in args:
        text = word.text
        if not word.literal:
            env.ctx.vars[PHYSICAL] = ""  # fail closed: `..` read as the kernel reads it
            return
        if named:
            named = False
            if text == "physical":
                _physical(env, sign == "-")
            continue
        if text in ("-", "--") or not text.startswith(("-", "+")):
            return
        sign = text[0]
        if "P" in text[1:]:
            _physical(env, sign == "-")
        named = text.endswith("o")


def _physical(env: _Env, on: bool) -> None:
    if on:
        env.ctx.vars[PHYSICAL] = ""
    else:
        env.ctx.vars.pop(PHYSICAL, None)

"""Links a command makes (``ln``, ``link``, ``cp -l``/``-s``): remembered for the rest of the
command, and each a write of what it links to (ATTACK F40, F49)."""

from __future__ import annotations

import posixpath

from workspace_guard.gates.harness.bash.env import _Env, _expand, _join
from workspace_guard.gates.harness.bash.options import _opts

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

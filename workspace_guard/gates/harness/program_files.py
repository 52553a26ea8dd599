"""The installation that runs the gate is out of every tool's reach, a superuser's included.

The hook is a Python program: its interpreter and standard library (`encodings/__init__.py` is
imported even under `-I -S`), its site-packages (dependencies, `.pth` files, `sitecustomize.py`),
the user site (`~/.local/lib/pythonX.Y/site-packages`), the virtualenv's `bin/` (the `python`
link, the console scripts) and the `workspace_guard` package itself (an editable install's
checkout). A tool call that writes any of them makes every later hook call answer whatever the
written code says. So a tool write (a file tool, a shell command, an MCP write) whose path
resolves under one of those roots, or names a folder holding one, is denied for every agent: a
person installs and upgrades outside the harness. The roots are this process's (`sys.prefix`,
`sys.base_prefix`, `sys.exec_prefix`, `site`'s folders, the package's folder) and those of the
program the repository's launcher runs (the state dir's `program` and `runtime` files). Code
that writes there without naming the path (an unknown script) is the daemon's, or a root-owned
install's, to stop.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys

from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

_RECORDED: dict[str, tuple[str, ...]] = {}  # the state dir's recorded program's roots


def _spellings(path: str) -> list[str]:
    """The path as written (normalised) and resolved (symbolic links followed)."""
    plain = os.path.normpath(os.path.abspath(path))
    return list(dict.fromkeys([plain, _real_path(plain)]))


@functools.cache
def _own() -> tuple[str, ...]:
    """This process's roots (computed once)."""
    import site

    import workspace_guard

    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    with contextlib.suppress(AttributeError):  # an old virtualenv's site module
        found += site.getsitepackages()
    with contextlib.suppress(AttributeError):
        found.append(site.getusersitepackages())
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for home in _homes():  # the user site whichever home a later hook starts with
        found.append(os.path.join(home, ".local", "lib", version, "site-packages"))
    found.append(os.path.dirname(os.path.abspath(workspace_guard.__file__)))
    found.append(os.path.dirname(os.path.abspath(sys.executable)))
    return tuple(dict.fromkeys(p for f in found if f for p in _spellings(f)))


def _homes() -> list[str]:
    """`$HOME` and the account's own home folder (a hook may start with either)."""
    homes = [os.path.expanduser("~")]
    with contextlib.suppress(ImportError, KeyError, OSError):
        import pwd

        homes.append(pwd.getpwuid(os.getuid()).pw_dir)
    return [h for h in dict.fromkeys(homes) if h and os.path.isabs(h)]


def _program_roots(path: str) -> list[str]:
    """A recorded program or interpreter (`PREFIX/bin/NAME`): the file and its prefix."""
    out = [path]
    folder = os.path.dirname(path)
    if os.path.basename(folder) in ("bin", "Scripts"):
        out.append(os.path.dirname(folder))
    else:
        out.append(folder)
    return out


def _recorded(state_dir: str | None) -> tuple[str, ...]:
    """The roots of the program the launcher runs (`program`, `runtime` in the state dir)."""
    if not state_dir:
        return ()
    if state_dir in _RECORDED:
        return _RECORDED[state_dir]
    found: list[str] = []
    for name in ("program", "runtime"):
        try:
            with open(os.path.join(state_dir, name), encoding="utf-8") as handle:
                lines = [line.strip() for line in handle.read(65536).splitlines()]
        except (OSError, ValueError):
            continue
        for line in lines:
            if not os.path.isabs(line):
                continue
            if os.path.isdir(line):  # an import folder: site-packages, or an editable checkout
                package = os.path.join(line, "workspace_guard")
                found.append(package if os.path.isdir(package) else line)
            else:
                for spelling in _spellings(line):
                    found += _program_roots(spelling)
    roots = tuple(dict.fromkeys(p for f in found for p in _spellings(f)))
    _RECORDED[state_dir] = roots
    return roots


def roots(state_dir: str | None = None, repo_root: str | None = None) -> tuple[str, ...]:
    """The protected install roots; none that holds the repository (its rules govern it)."""
    out = [r for r in dict.fromkeys([*_own(), *_recorded(state_dir)]) if r != os.sep]
    if repo_root:
        repo = _spellings(repo_root)
        out = [r for r in out if not any(_under(p, r) for p in repo)]
    return tuple(out)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def is_program_file(
    path: str, cwd: str, state_dir: str | None = None, repo_root: str | None = None
) -> bool:
    """Whether writing `path` (as a tool or the shell analysis names it) writes into the
    installation that runs the gate, or replaces a folder that holds it."""
    if "\x00" in path:
        return False
    absolute = absolute_path(path, cwd)
    candidates = _spellings(absolute)
    parent = _real_path(os.path.dirname(absolute))  # the link itself, not where it points
    candidates.append(os.path.join(parent, os.path.basename(absolute)))
    home = os.path.normpath(os.path.expanduser("~"))
    spared = {os.sep, home, _real_path(home)}
    if repo_root:  # the repository and the folders above it: its own rules judge them
        for spelling in _spellings(repo_root):
            top = spelling
            while top not in spared:
                spared.add(top)
                top = os.path.dirname(top)
    if any(c in absolute for c in "*?["):  # a glob: any root one of its matches may reach
        return any(_glob_reaches(absolute, root) for root in roots(state_dir, repo_root))
    for root in roots(state_dir, repo_root):
        for candidate in candidates:
            if _under(candidate, root):
                return True
            holder = _under(root, candidate) and candidate.count(os.sep) > 1
            if holder and candidate not in spared:
                return True  # a folder that holds it (moved, removed, replaced)
    return False


def _glob_reaches(pattern: str, root: str) -> bool:
    """Whether a path the glob `pattern` matches lies under `root` or holds it (component by
    component; a `**` matches any number of them)."""
    parts = [p for p in pattern.split(os.sep) if p]
    target = [p for p in root.split(os.sep) if p]
    if "**" in parts:
        cut = parts.index("**")
        fixed = parts[:cut]
        return all(_matches(t, p) for p, t in zip(fixed, target, strict=False))
    if len(parts) < len(target) and len(parts) <= 1:
        return False  # `/tmp*`: a folder at the top is no holder (as for plain paths)
    return all(_matches(t, p) for p, t in zip(parts, target, strict=False))


def _matches(name: str, pattern: str) -> bool:
    """The shell's match of one component: a leading dot is matched only by a dot."""
    import fnmatch

    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def note() -> str:
    """Why: appended to the harness's deny reason."""
    from workspace_guard.i18n import _

    return _(
        "The installation that runs workspace-guard (its Python, standard library, "
        "site-packages, user site, virtualenv and package files) decides every hook's answer: "
        "no tool call may write it, not even a superuser's; a person installs and upgrades "
        "it outside the harness."
    )

"""Whether an MCP server's command line runs workspace-guard's own program: the file `install`
recorded for this repository (the state dir's `program`, which the launcher and the `.mcp.json`
script run) or the one running this gate, by file identity (device and inode), never by name.

Why (ATTACK F103): a basename check took any `…/workspace-guard mcp` for ours, so an agent that
wrote a script of that name in its office and registered it made its read-only tool names pass
unjudged. Now the program word is resolved as the harness would start it (an absolute path; a
relative one from the server's folder; a bare name through `PATH`) and compared with
`os.path.samefile` (the launcher's `-ef`): another file of ours in the same folder (`wg`) counts.
`python -m workspace_guard mcp` is ours only when the interpreter is the recorded one (the state
dir's `runtime`) or the gate's own, and the module would be imported from the installation:
`-m` puts the server's folder first on `sys.path`, so a `workspace_guard` package or module there
that is not the installed one makes it foreign (an agent can write one at the project root), as
does a registration that sets `PATH`, `PYTHON*`, `LD_*` or `DYLD_*` for the server.
"""

from __future__ import annotations

import os
import shutil
import sys

PROGRAMS = ("workspace-guard", "wg")
RISKY_ENV = ("PATH", "PYTHON", "LD_", "DYLD_")


def runs_ours(words: list[str], folder: str) -> bool:
    """`words` (the program and its arguments, after `env`/`exec`) run our `mcp` command when the
    server starts in `folder`."""
    if not words:
        return False
    first = _resolve(words[0], folder)
    if first is None:
        return False
    name = os.path.basename(words[0])
    if name.startswith("python") and words[1:3] == ["-m", "workspace_guard"]:
        return words[3:4] == ["mcp"] and _our_python(first, folder)
    return words[1:2] == ["mcp"] and _our_program(first, folder)


def risky_env(env: object) -> bool:
    """A registration's `env` (or the `NAME=VALUE` words before its program) that changes which
    program or code the server runs."""
    if not isinstance(env, dict):
        return env is not None
    return any(str(key).upper().startswith(RISKY_ENV) for key in env)


def _resolve(word: str, folder: str) -> str | None:
    """The file the harness starts for the program word `word` (None when there is none)."""
    if "/" in word:
        path = word if os.path.isabs(word) else os.path.join(folder, word)
        return path if os.path.isfile(path) else None
    return shutil.which(word)


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _our_program(path: str, folder: str) -> bool:
    for known in _programs(folder):
        if _same(path, known):
            return True
        base = os.path.basename(path)
        if base in PROGRAMS and _same(os.path.dirname(path), os.path.dirname(known)):
            return True  # another console script of the same installation
    return False


def _our_python(path: str, folder: str) -> bool:
    """`path` is our interpreter: the same file as the recorded or the gate's own one, in the
    same folder (a virtualenv's `bin`: the same binary elsewhere reads another site)."""
    if not any(
        _same(path, known) and _same(os.path.dirname(path), os.path.dirname(known))
        for known in _interpreters(folder)
    ):
        return False
    import workspace_guard

    installed = os.path.dirname(os.path.abspath(workspace_guard.__file__))
    for shadow in ("workspace_guard", "workspace_guard.py", "workspace_guard.pth"):
        here = os.path.join(folder, shadow)
        if os.path.lexists(here) and not _same(here, installed):
            return False  # `-m` imports the server folder's copy first
    return True


def _programs(folder: str) -> list[str]:
    """The recorded program, then the gate's own."""
    lines = _state_lines(folder, "program")[:1]
    return [*lines, os.path.join(os.path.dirname(sys.executable), PROGRAMS[0])]


def _interpreters(folder: str) -> list[str]:
    """The recorded program's Python (`runtime`'s second line), then the gate's own."""
    lines = _state_lines(folder, "runtime")[1:2]
    return [*lines, sys.executable]


def _state_lines(folder: str, name: str) -> list[str]:
    """The absolute paths a file of the state dir of the repository holding `folder` lists."""
    state = _state_dir(folder)
    if state is None:
        return []
    try:
        with open(os.path.join(state, name), encoding="utf-8") as handle:
            lines = [line.strip() for line in handle.read(65536).splitlines()]
    except (OSError, ValueError):
        return []
    return [line for line in lines if os.path.isabs(line)]


def _state_dir(folder: str) -> str | None:
    from workspace_guard.speed import gitread

    found = gitread.locate(folder) if os.path.isdir(folder) else None
    if found is None:
        return None
    git_dir = found[1]
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            git_dir = os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except OSError:
        pass
    except ValueError:
        return None
    return os.path.join(git_dir, "workspace-guard")

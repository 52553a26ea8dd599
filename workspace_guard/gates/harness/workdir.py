"""A tool's own working directory: where its relative paths and its shell command really run.

Gemini's `run_shell_command` takes `directory` (newer releases: `dir_path`), relative to the
project root; MCP shell and file tools take `cwd`, `workdir`, `directory`, …; Codex's
`cd DIR && apply_patch` names one in the command. The event's `cwd` is only where the agent
stands. Where the argument could mean more than one directory (relative to the event's cwd or to
the project root, when the two differ), the command is judged as run in each of them: a superset
of what it may write. An argument the gate cannot read as a directory refuses the call.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def project_root(cwd: str) -> str:
    """The repository root above `cwd` (the directory a harness calls the project root), else
    `cwd` itself."""
    from workspace_guard.gates.harness.discover import root_of

    return root_of(os.path.abspath(cwd)) or cwd


def directories(value: Any, cwd: str, what: str) -> list[str]:
    """The absolute directories a working-directory argument may mean; [] when it is absent or
    empty. Anything else than a string (or a `file:` URI) is refused: the gate cannot tell where
    the tool would run."""
    if value is None or value == "":
        return []
    from workspace_guard.gates.harness.gate import GateError

    if not isinstance(value, str) or "\x00" in value or "\n" in value:
        from workspace_guard.i18n import _

        text = _(
            "{what} ({value!r}) is not a directory the gate can read; it cannot tell where the "
            "tool would run"
        )
        raise GateError(text.format(what=what, value=value))
    from workspace_guard.gates.harness.mcp_tools import file_uri

    path = os.path.expanduser(file_uri(value.strip()))
    if os.path.isabs(path):
        return [os.path.normpath(path)]
    bases = dict.fromkeys([cwd, project_root(cwd)])
    return list(dict.fromkeys(os.path.normpath(os.path.join(b, path)) for b in bases))


def command_in(command: str, dirs: list[str], cwd: str) -> tuple[str, str]:
    """(cwd, command) to analyse `command` run in `dirs`: the one directory itself, or the
    command repeated after a `cd` into each (the analysis follows `cd`)."""
    if not dirs:
        return cwd, command
    if len(dirs) == 1:
        return dirs[0], command
    return cwd, in_each(command, dirs)


def in_each(command: str, dirs: list[str]) -> str:
    """`command` as run in each of `dirs` in turn (one shell text, for one analysis)."""
    import shlex

    return "\n".join(f"cd -- {shlex.quote(d)} && {{\n{command}\n}}" for d in dirs)

"""The size limit on a shell command, checked before anything that reads the command is imported.

Why a module of its own: loading the Bash analysis (`gates/harness/bash`) imports its lexer,
parser and command tables. A command over the limit is refused unread, so neither the gate
(`shell.judge`) nor repository discovery (`discover._written`) loads them for it: the refusal
costs what any denial costs and nothing more (docs/benchmarks.md, "Oversized Bash commands").
"""

from __future__ import annotations

MAX_COMMAND = 64 * 1024  # bytes (UTF-8): longer commands are refused unread


def oversize(command: str) -> str:
    """ "" within the limit; else what was seen, for the refusal ("N bytes or more, over …")."""
    if len(command) <= MAX_COMMAND // 4:  # no character is more than 4 bytes: surely within
        return ""
    # characters first: a huge command is never encoded
    size = len(command) if len(command) > MAX_COMMAND else _utf8_size(command)
    return f"{size} bytes or more, over the limit of {MAX_COMMAND}" if size > MAX_COMMAND else ""


def _utf8_size(command: str) -> int:
    return len(command.encode("utf-8", "surrogatepass"))

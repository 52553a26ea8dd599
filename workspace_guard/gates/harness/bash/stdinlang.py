"""Programs whose stdin is a command language (editors, SQL shells, debuggers, file-transfer
clients): commands from a file, a pipe, a process substitution or a descriptor are code from
nowhere (ATTACK F79); a here-document or here-string is text the analysis can read."""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.mentions import _embedded_paths, _unknown
from workspace_guard.gates.harness.bash.patch_input import fixed_text
from workspace_guard.gates.harness.bash.syntax import _suffix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler
    from workspace_guard.gates.harness.bash.syntax import _Word


def stdin_commands(env: _Env, name: str, what: str) -> str | None:
    """The command text ``name`` reads on stdin when the analysis can read it (a here-document,
    a here-string, ``echo … |``, expanding nothing: ``patch_input.fixed_text``). From a file, a
    pipe, or text the shell changes at run time: unknown code that may write any file, and None;
    nothing redirected (a terminal): None."""
    stdin = env.stdin
    if stdin.kind == "text" and fixed_text(stdin):
        return stdin.text
    if stdin.kind == "file" and stdin.text == "/dev/null":  # nothing to read
        return ""
    if stdin.kind in ("file", "unknown", "text"):
        source = f"the file {stdin.text}" if stdin.kind == "file" and stdin.text else "a pipe"
        source = "text the shell expands at run time" if stdin.kind == "text" else source
        env.unknown_code(f"{name}: {what} read from {source}")
        env.add_any("stdin-script")
    return None


# programs without a reader of their own: what their stdin holds (each can write files or run
# shell commands from it: dc `!`, ftp/sftp `get`/`!`, mysql `\!`/`tee`, psql `\!`/`\o`…)
STDIN_LANGUAGES = {
    "dc": "dc commands (`!` runs a shell command)",
    "ftp": "ftp commands",
    "lftp": "lftp commands",
    "sftp": "sftp commands",
    "tftp": "tftp commands",
    "smbclient": "smbclient commands",
    "mysql": "SQL and client commands",
    "mariadb": "SQL and client commands",
    "psql": "SQL and psql commands",
    "sqlplus": "SQL*Plus commands",
    "duckdb": "SQL and dot-commands",
    "gnuplot": "gnuplot commands",
    "m4": "m4 input (`syscmd` runs a shell command)",
    "octave": "Octave code",
    "mongosh": "JavaScript",
    "redis-cli": "Redis commands",
}


# options whose value is commands in the program's language, and its shell escapes
_INLINE_OPTIONS = frozenset(["-c", "-e", "--command", "--execute"])
_INLINE = re.compile(r"--(?:command|execute)=")
_SHELL_ESCAPE = re.compile(
    r"(?:\\!|^[ \t]*!|^[ \t]*(?:system|\.shell|\.system)[ \t]"
    r"|\\[og][ \t]*\||^[ \t]*\.(?:output|once)[ \t]+['\"]?\|)(.*)$",
    re.M,
)
# commands that read more commands from a file or a command's output (psql `\i`, `\ir`,
# `\include`; mysql `source`, `\.`; duckdb `.read`; sqlplus `@`, `start`): any file (F96)
_SOURCE = re.compile(r"^[ \t]*(?:\\i|\\ir|\\include\w*|\\\.|source|\.read|@@?|start)(?:\s|$)", re.M)


def stdin_language(handler: _Handler | None, split: bool = True) -> _Handler:
    """A program from :data:`STDIN_LANGUAGES`: unknown code; its stdin read as above (readable
    text: the paths it names), then its own handler, if any, or an unknown command's judgement."""

    def run(env: _Env, name: str, args: list[_Word]) -> None:
        env.unknown_code(f"{name}: runs {STDIN_LANGUAGES[name]}")
        script = [w for k, w in enumerate(args) if k and args[k - 1].text in ("-b", "-f")]
        reads_file = script and script[0].text != "-"  # `sftp -b FILE`, `psql -f FILE`
        if name in ("sftp", "lftp", "mysql", "psql", "duckdb") and reads_file:
            env.unknown_code(f"{name} {script[0].text}: commands read from a file")
            env.add_any("stdin-script")
        texts = [
            _suffix(w, len(w.text.partition("=")[0]) + 1) for w in args if _INLINE.match(w.text)
        ]
        texts += [w for k, w in enumerate(args) if k and args[k - 1].text in _INLINE_OPTIONS]
        text = stdin_commands(env, name, STDIN_LANGUAGES[name])
        for value in [w.text for w in texts] + ([text] if text is not None else []):
            _embedded_paths(env, value)  # `psql -c '\! rm f'`, `mysql -e 'system rm f'`
            for m in _SHELL_ESCAPE.finditer(value):
                env.analyze_text(": | " + m.group(1).rstrip("'\""))  # stdin: a pipe
            if _SOURCE.search(value):
                env.add_any("stdin-script")
        if handler is not None:
            handler(env, name, args)
        else:
            _unknown(env, args, split=split)

    return run

"""sqlite3: the database file, its dot-commands and the SQL that writes files, read as a small
language (ATTACK F71, F80).

SQL writes files through ``writefile(NAME, …)``, ``zipfile(NAME)``, ``VACUUM INTO NAME`` and
``ATTACH NAME``: a NAME that is one string literal is judged as a path; anything else (``'app/ma'
|| 'in.py'``, ``char(…)``, a blob, a column) is any file. ``edit()``, ``load_extension()`` and
``fts3_tokenizer()`` run code. Dot-commands write the file they name (``.output``, ``.once``,
``.save``, ``.backup``, ``.clone``, ``.log``, ``.open``…), run shell text (``.shell``,
``.system``, ``.output |CMD``, ``.import |CMD``) or code (``.read``, ``.load``); one the reader
does not list is code that may write any file.
"""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.exlang import ANY, ExRun, piped, step
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.stdinlang import stdin_commands
from workspace_guard.gates.harness.bash.syntax import _lit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env
    from workspace_guard.gates.harness.bash.syntax import _Word


def sqlite3(env: _Env, name: str, args: list[_Word]) -> None:
    """``sqlite3 [OPTIONS] [DB [SQL…]]``: options with one or two dashes; SQL and dot-commands
    from the arguments, ``-cmd``, and stdin when no SQL argument is given."""
    pos: list[_Word] = []
    cmds: list[_Word] = []
    flags: set[str] = set()
    run = ExRun()
    k = 0
    while k < len(args):
        word = args[k]
        k += 1
        text = "-" + word.text.lstrip("-") if word.text.startswith("--") else word.text
        if not word.literal or not text.startswith("-") or text == "-":
            pos.append(word)
        elif text in _VALUES and k < len(args):
            if text == "-cmd":
                cmds.append(args[k])
            elif text == "-init":
                run.code.append(f"-init {args[k].text}: commands read from a file")
            k += 1
        elif text.startswith("-A"):  # `-A ARGS`: the rest are `.archive` arguments
            _archive(text[2:], [w.text for w in args[k:]], pos[:1], run)
            break
        else:
            flags.add(text)
    if flags & {"-version", "-help"}:
        return
    if pos and "-readonly" not in flags and pos[0].text not in (":memory:", ""):
        env.add(pos[0], name, certain=False)
    if "-safe" in flags:  # safe mode refuses every command below that writes or runs
        return
    cwd: str | None = ""  # `.cd DIR` moves it
    for word in cmds + pos[1:]:
        if not word.literal:
            run.code.append(f"SQL from an expansion ({word.text[:30]})")
        else:
            cwd = read_text(word.text, run, cwd)
    if len(pos) <= 1:
        stdin = stdin_commands(env, name, "SQL and dot-commands")
        if stdin is not None:
            read_text(stdin, run, cwd)
    apply(env, name, run)


def apply(env: _Env, name: str, run: ExRun) -> None:
    """What the reader found, as targets, Bash text and unknown code."""
    for text in run.shell:
        env.analyze_text(piped(text))
    for written in run.writes:
        if written != ANY:
            env.add(_lit(written, "q"), name, certain=False)
    if run.code or ANY in run.writes:
        why = run.code[0] if run.code else "a file named by an expression"
        env.unknown_code(f"{name}: SQL or dot-commands the analysis cannot follow ({why})")
        env.add_any("interpreter")


def read_text(text: str, run: ExRun, cwd: str | None = "") -> str | None:
    """SQL with dot-command lines (a line starting with ``.``); returns the cwd ``.cd`` left."""
    sql: list[str] = []
    for line in text.split("\n"):
        if not step(run):
            break
        if line.lstrip().startswith("."):
            cwd = _dot(line.lstrip()[1:], run, cwd)
        else:
            sql.append(line)
    _sql("\n".join(sql), run, cwd)
    return cwd


def _path(run: ExRun, cwd: str | None, name: str) -> None:
    name = re.sub(r"^file:(?://[^/]*)?|\?.*$", "", name) if name.startswith("file:") else name
    if name in ("", ":memory:"):
        return
    if name.startswith(("/", "~")) or cwd == "":
        run.writes.append(name)
    else:
        run.writes.append(ANY if cwd is None else posixpath.join(cwd, name))


# --------------------------------------------------------------------------- dot-commands

_DOT_WORD = re.compile(r"""'([^']*)'?|"((?:\\.|[^"\\])*)"?|(\S+)""")
_DOT_HARMLESS = _opts(
    "dump tables schema mode headers header separator nullvalue print quit exit timer width"
    " bail changes echo eqp explain fullschema help indexes indices limit lint show stats"
    " databases dbinfo dbconfig parameter progress prompt scanstats selftest sha3sum vfsinfo"
    " vfslist vfsname crnl binary check nonce filectrl connection auth restore recover expert"
    " imposter unmodule"
)
_DOT_WRITES = frozenset(
    ["output", "once", "save", "log", "clone", "iotrace", "backup", "open", "trace"]
)
_DOT_SPECIAL = frozenset(["off", "stdout", "stderr"])


def _dot(line: str, run: ExRun, cwd: str | None) -> str | None:
    """One dot-command (abbreviations as the shell takes them: ``.out``, ``.sh``)."""
    head, _, rest = line.partition(" ")
    head = head.split("\t")[0]
    command = next((c for c in _DOT_ALL if c.startswith(head.lower())), "") if head else ""
    words = [m.group(1) or m.group(2) or m.group(3) or "" for m in _DOT_WORD.finditer(rest)]
    if command in ("shell", "system"):
        run.shell.append(rest)
    elif command in ("read", "import") and words and words[0].startswith("|"):
        run.shell.append(words[0][1:])
        if command == "read":  # what COMMAND prints is more SQL and dot-commands (ATTACK F96)
            run.code.append(f".read |COMMAND: the commands it prints ({words[0][1:31]})")
    elif command == "read" or command in ("load", "excel", "session", "www"):
        run.code.append(f".{command} {rest[:30]}")
    elif command == "cd":
        if not words or cwd is None or re.search(r"[$`~]", words[0]):
            return None
        return words[0] if words[0].startswith("/") else posixpath.join(cwd, words[0])
    elif command in _DOT_WRITES:
        names = [w for w in words if not w.startswith("-")]
        if any(w in ("-e", "-x") for w in words):
            run.code.append(f".{command} {rest[:30]}: opens a program")
        elif any(w.startswith("|") for w in names):  # `.once |cat -A`: the rest of the line
            pipe = next(k for k, w in enumerate(names) if w.startswith("|"))
            run.shell.append(" ".join(names[pipe:])[1:])
        elif names and names[-1].lower() not in _DOT_SPECIAL:
            _path(run, cwd, names[-1])
    elif command == "testcase":
        _path(run, cwd, "testcase-out.txt")
    elif command in ("archive", "ar"):
        _archive(words[0] if words else "", words[1:], [], run)
    elif command not in _DOT_HARMLESS and command != "import":
        run.code.append(f".{head[:20]}: a dot-command the analysis does not know")
    return cwd


_DOT_ALL = sorted(
    _DOT_HARMLESS
    | _DOT_WRITES
    | {"shell", "system", "read", "import", "load", "excel", "session", "www", "cd"}
    | {"testcase", "archive", "ar"},
    key=lambda c: (c not in ("shell", "output", "open", "once", "schema", "read", "show"), c),
)


def _archive(first: str, rest: list[str], db: list[_Word], run: ExRun) -> None:
    """``.archive``/``-A``: extracting writes every file the archive names; creating or
    updating writes the archive (``-f FILE``, else the database)."""
    words = [first, *rest]
    short = "".join(w[1:] if w.startswith("-") and not w.startswith("--") else w for w in words[:1])
    if "x" in short or "--extract" in words:
        run.writes.append(ANY)
        run.code.append(".archive -x: extracts files the archive names")
    for k, word in enumerate(words[:-1]):
        if word in ("-f", "--file"):
            run.writes.append(words[k + 1])


# --------------------------------------------------------------------------- SQL

_TOKEN = re.compile(
    r"""'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?|--[^\n]*|/\*.*?(?:\*/|$)"""
    r"""|[A-Za-z_][\w$]*|\S""",
    re.S,
)
_FILE_FUNCTIONS = frozenset(["writefile", "zipfile"])
_CODE_FUNCTIONS = frozenset(["edit", "load_extension", "fts3_tokenizer"])


def _tokens(sql: str) -> list[str]:
    return [t for t in _TOKEN.findall(sql) if not t.startswith(("--", "/*"))]


def _ident(token: str) -> str:
    if token[:1] in '"`[':
        return token[1:-1].replace('""', '"').lower()
    return token.lower()


def _literal(tokens: list[str]) -> str | None:
    """The text of an expression that is one string literal, else None."""
    if len(tokens) == 1 and tokens[0].startswith("'") and tokens[0].endswith("'"):
        return tokens[0][1:-1].replace("''", "'")
    return None


def _sql(sql: str, run: ExRun, cwd: str | None) -> None:
    tokens = _tokens(sql)
    for k, token in enumerate(tokens):
        name = _ident(token) if token[:1] not in "'(),;" else ""
        follows = tokens[k + 1] if k + 1 < len(tokens) else ""
        if name in _CODE_FUNCTIONS and follows == "(":
            run.code.append(f"{name}(): runs a program or loads code")
        elif name in _FILE_FUNCTIONS and follows == "(":
            _named(_argument(tokens, k + 2, (",", ")")), run, cwd, f"{name}()")
        elif name == "into" and "vacuum" in (_ident(t) for t in tokens[max(0, k - 2) : k]):
            _named(_argument(tokens, k + 1, (";",)), run, cwd, "vacuum into")
        elif name == "attach":
            start = k + 2 if _ident(follows) == "database" else k + 1
            _named(_argument(tokens, start, ("as", ";")), run, cwd, "attach")


def _argument(tokens: list[str], start: int, ends: tuple[str, ...]) -> list[str]:
    """The tokens of one expression from ``start`` to an end token at depth 0."""
    depth, out = 0, []
    for token in tokens[start:]:
        if depth == 0 and (token in ends or token.lower() in ends):
            break
        depth += (token == "(") - (token == ")")
        if depth < 0:
            break
        out.append(token)
    return out


def _named(expression: list[str], run: ExRun, cwd: str | None, what: str) -> None:
    name = _literal(expression)
    if name is None:
        run.writes.append(ANY)
        run.code.append(f"{what}: a file named by an expression ({' '.join(expression)[:30]})")
    else:
        _path(run, cwd, name)


_VALUES = _opts(
    "-cmd -init -separator -newline -nullvalue -vfs -lookaside -pagecache -heap -mmap"
    " -maxsize -escape"
)

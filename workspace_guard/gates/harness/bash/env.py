"""The analysis context: cwd, variables, where findings go, and how words expand to paths."""

from __future__ import annotations

import fnmatch
import posixpath
import re

from workspace_guard.core.record import Record, Struct, factory
from workspace_guard.gates.harness.bash.gitconfig import RUNTIME, git_variable, variable
from workspace_guard.gates.harness.bash.linkmakers import after_write
from workspace_guard.gates.harness.bash.loopvars import destinations, encoded
from workspace_guard.gates.harness.bash.procfs import (
    DYNAMIC_CWD,
    Process,
    descriptor,
    directory,
    through,
)
from workspace_guard.gates.harness.bash.syntax import (
    _MAX_BRACE_WORD,
    _MAX_BRACES,
    _MAX_TARGETS,
    _NAME,
    ANY_PATH,
    BYPASS,
    UNKNOWN_CODE,
    Finding,
    Target,
    _lit,
    _suffix,
    _Word,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


class _Ctx(Struct):
    """The shell state that changes what a path means: the cwd, known variables, pushd's stack."""

    cwd: str
    vars: dict[str, str] = factory(default_factory=dict)
    dirs: list[str] = factory(default_factory=list)
    # `$$`'s cwd seen from a subshell or a child process (None: this is the shell itself; a
    # background job: only known at run time), and the files the command opened per descriptor
    main: str | None = None
    fds: dict[str, list[tuple[str, bool]]] = factory(default_factory=dict)
    # `declare -n R=NAME`: R names NAME ("": no name yet, the next `R=NAME` gives it; None: a
    # name only known at run time); ATTACK F50
    refs: dict[str, str | None] = factory(default_factory=dict)
    ifs_unknown: bool = False  # IFS set to a value only known at run time
    # what a command without a pipe or a redirection reads: the stdin a group, a loop body or a
    # function call was given, or `exec 0<F` made the shell's (None: the harness's, a terminal)
    stdin: _Stdin | None = None

    def fork(self, cwd: str | None = None, background: bool = False) -> _Ctx:
        main = DYNAMIC_CWD if background else self.cwd if self.main is None else self.main
        fds = {fd: list(paths) for fd, paths in self.fds.items()}
        ctx = _Ctx(self.cwd if cwd is None else cwd, dict(self.vars), list(self.dirs), main, fds)
        ctx.refs, ctx.ifs_unknown, ctx.stdin = dict(self.refs), self.ifs_unknown, self.stdin
        return ctx

    def ifs(self) -> str | None:
        """The characters unquoted expansions split at (None: only known at run time)."""
        return None if self.ifs_unknown else self.vars.get("IFS", " \t\n")

    def resolve(self, name: str) -> str | None:
        """The variable ``name`` stands for through namerefs (None: only known at run time)."""
        for _ in range(8):
            if name not in self.refs:
                return name
            target = self.refs[name]
            if not target:
                return None
            name = target
        return None

    def process(self) -> Process:
        """The shell as :mod:`procfs` sees it."""
        return Process(self.cwd, self.main, self.fds)

    def chdir(self, path: str) -> str:
        """Where ``cd PATH`` lands (``/proc/self/cwd/app`` is the cwd's ``app``)."""
        return directory(path, self.process())


class _Out(Struct):
    targets: dict[Target, None] = factory(default_factory=dict)  # an ordered set
    errors: list[str] = factory(default_factory=list)
    read_only: bool = True
    findings: dict[Finding, None] = factory(default_factory=dict)  # an ordered set
    links: dict[str, str] = factory(default_factory=dict)  # link made here → what it points at
    fetched: bool = False  # a git fetch/pull ran before: remote-tracking refs may have moved
    assigned: frozenset[str] = frozenset()  # names the command itself may assign (taint)
    rebound: frozenset[str] = frozenset()  # of HOME and CDPATH, those the command may set
    # files redirections without a command opened (`done < f`), per descriptor
    opened: dict[str, list[tuple[str, bool]]] = factory(default_factory=dict)
    # aliases the command defines (None: a value only known at run time; "*": any name), the
    # ones being expanded, and why later command names cannot be trusted (ATTACK F47)
    aliases: dict[str, str | None] = factory(default_factory=dict)
    expanding: set[str] = factory(default_factory=set)
    untrusted: str = ""
    # names that hold only numbers or plain words (ATTACK F44: not code when evaluated), and
    # the ones `declare -i` made integers (every assignment is evaluated)
    inert: set[str] = factory(default_factory=set)
    integers: set[str] = factory(default_factory=set)
    # loop variables over globs used as destinations: (the glob's folder, the destination as
    # a run-time value, the glob destination); see loopvars.folder_written
    loop_globs: list[tuple[str, str, str]] = factory(default_factory=list)

    def find(self, kind: str, detail: str, cwd: str = "", args: tuple[str, ...] = ()) -> None:
        """Record a finding (see :class:`Finding`); the command is no longer read-only."""
        self.read_only = False
        if len(self.findings) < _MAX_TARGETS:
            self.findings.setdefault(Finding(kind, detail[:200], cwd, args))

    def add(self, target: Target) -> None:
        self.read_only = False
        if len(self.targets) < _MAX_TARGETS:
            self.targets.setdefault(target)
        else:
            self.targets.setdefault(Target(ANY_PATH, "too-many", False, True))


_ODD_BLANKS = str.maketrans("", "", "\r\v\f")


class _Stdin(Record):
    kind: str  # 'none' | 'text' (heredoc, here-string, echo | …) | 'file' | 'unknown' (a pipe)
    text: str = ""  # the text; for 'file', the file's name as written
    quoted: bool = False  # a quoted here-document: the shell expands nothing in it


class _Shell(Record):
    """The walker's entry points, handed to the handlers through :class:`_Env`.

    Why: handlers (xargs, env, bash -c…) run commands and text through the walker, and the walker
    dispatches to the handlers; passing the walker in keeps the modules free of import cycles.
    """

    dispatch: Callable[[_Env, list[_Word]], None]
    run_text: Callable[[str, _Ctx, _Out, int], None]


class _Env(Struct):
    """What a command handler needs: where it runs, where findings go, and what its stdin is."""

    ctx: _Ctx
    out: _Out
    stdin: _Stdin
    depth: int
    shell: _Shell

    def at(self, cwd: str) -> _Env:
        cwd = self.ctx.chdir(cwd)
        return _Env(self.ctx.fork(cwd), self.out, self.stdin, self.depth, self.shell)

    def dispatch(self, words: list[_Word]) -> None:
        """Analyse the command ``words`` run here (``xargs CMD``, ``env CMD``, ``python -m M``)."""
        self.shell.dispatch(self, words)

    def analyze_text(self, word: _Word | str) -> None:
        """Shell text run by another shell (bash -c, eval, trap, watch): analyse it in place."""
        text = word if isinstance(word, str) else word.text
        ctx = self.ctx.fork()
        ctx.stdin = self.stdin  # `cat f | bash -c 'sqlite3 db'`: the text's commands read it
        self.shell.run_text(text, ctx, self.out, self.depth + 1)

    def not_read_only(self) -> None:
        self.out.read_only = False

    def unknown_code(self, detail: str) -> None:
        """Code runs that the analysis cannot read (a script, ``make``, ``eval "$X"``)."""
        self.out.find(UNKNOWN_CODE, detail)

    def from_descriptor(self, word: _Word) -> bool:
        """A script or program read from ``<(…)``, ``/dev/fd/N``, ``/dev/stdin``: code from a
        pipe (any file; ATTACK F62)."""
        if word.subs and "/dev/fd/" in word.text:
            return True
        return any(descriptor(path) for path, _, _ in self.paths(word))

    def link(self, link: str, points_to: str) -> None:
        """``ln``/``cp -l``/``cp -s`` made ``link`` here: a later write through it writes
        ``points_to`` (a hard link shares the file, a symlink resolves to it)."""
        points_to = self.ctx.chdir(points_to)  # `ln -s /proc/self/cwd/app l`
        if "$" not in link and not link.startswith("~"):
            dest = points_to if "$" in points_to else posixpath.normpath(points_to)
            self.out.links[posixpath.normpath(link)] = dest

    def home(self) -> str:
        """What ``~`` and a bare ``cd`` name: a HOME this command set (ATTACK F46), else ``~``."""
        value = self.ctx.vars.get("HOME")
        if value is not None:
            return _join(self.ctx.cwd, value) if value else self.ctx.cwd
        return "$HOME" if "HOME" in self.out.rebound else "~"

    def cdpath(self) -> list[str] | None:
        """The directories a relative ``cd DIR`` searches first (None: CDPATH unset)."""
        value = self.ctx.vars.get("CDPATH")
        if value is not None:
            return [_join(self.ctx.cwd, d or ".") for d in value.split(":")] if value else None
        return ["$CDPATH"] if "CDPATH" in self.out.rebound else None

    def paths(self, word: _Word) -> list[tuple[str, bool, bool]]:
        """(absolute path, glob, dynamic) for each value the word may take."""
        if word.alts is not None:
            return [(p, g, True) for p, g in word.alts]
        special = destinations(word, self.ctx, self.out, self._paths)
        if special is not None:  # `for f in a b; do … "$f"`, `$(grep -l P DIR)` (loopvars.py)
            return special
        return self._paths(word, self.ctx)

    def _paths(self, word: _Word, ctx: _Ctx) -> list[tuple[str, bool, bool]]:
        out = []
        for expanded, glob, unknown in _expand(word, ctx):
            text, dynamic = expanded, unknown
            if text == "~" or text.startswith("~/"):
                home = self.home()
                text, dynamic = home + text[1:], dynamic or home.startswith("$")
            if text or dynamic:
                path = _join(ctx.cwd, text)
                dyn = dynamic or (path != text and "$" in ctx.cwd)
                out.append((path, glob or dyn, dyn))
        return out

    def add(self, word: _Word, kind: str, certain: bool = True) -> None:
        for path, glob, dyn in self.paths(word):
            sure = certain and not dyn and not word.uncertain and not path.startswith("~")
            self.add_path(path, kind, sure, glob or dyn)

    def add_path(self, path: str, kind: str, certain: bool, glob: bool) -> None:
        if any(c in path for c in "\r\v\f"):  # `> f\r` writes `f\r`; a CRLF line meant `f`
            self.add_path(path.translate(_ODD_BLANKS), kind, False, glob)
        found = through(path, glob, self.ctx.process())  # `/proc/self/cwd/…`, `/dev/fd/3/…`
        if found is not None:
            paths, replaced = found
            for named, dynamic in paths:
                self._add_path(named, kind, certain and not dynamic, glob or dynamic)
            if replaced:
                return
        self._add_path(path, kind, certain, glob)

    def _add_path(self, path: str, kind: str, certain: bool, glob: bool) -> None:
        if path.startswith("/dev/") and posixpath.normpath(path).startswith("/dev/"):
            return
        glob = glob or path.startswith("$")  # `$OLDPWD/f` (from `~-/f`): known at run time
        self.out.add(Target(path, kind, certain, glob))
        if git_config_file(path, glob):
            self.out.find(
                BYPASS,
                f"{path}: a git configuration file written with {kind}: any setting may change",
                args=(RUNTIME, path),
            )
        after_write(self, path, kind, certain, glob)  # links made here (linkmakers.py)

    def add_rel(self, rel: str, kind: str, certain: bool = False, glob: bool = False) -> None:
        self.add(_lit(rel) if glob else _lit(rel, "q"), kind, certain)

    def add_any(self, kind: str) -> None:
        self.add_path(ANY_PATH, kind, False, True)

    def add_under(self, word: _Word | None, kind: str, certain: bool = False) -> None:
        """Unknown files below a directory (the cwd when ``word`` is None): ``DIR/*``."""
        dirs = self.paths(word) if word is not None else [(self.ctx.cwd, False, False)]
        for path, _, dyn in dirs:
            self.add_path(posixpath.join(path, "*"), kind, certain and not dyn, True)

    def add_into(self, dest: _Word, src: _Word, kind: str) -> None:
        """``cp SRC DIR/``: the file written is DIR/basename(SRC)."""
        for dpath, dglob, ddyn in self.paths(dest):
            for spath, sglob, sdyn in self.paths(src):
                base = posixpath.basename(spath.rstrip("/")) or spath
                glob = dglob or ddyn or sglob or sdyn or spath == ANY_PATH
                self.add_path(posixpath.join(dpath, base), kind, not (ddyn or sdyn), glob)


# git's configuration files (global, XDG, system, the repository's, a worktree's, and the ones
# the environment names): a write of one is a `git config` write whose key is not known here.
_CONFIG_FILE = re.compile(
    r"(?:^|/)(?:\.gitconfig|\.git/config|config\.worktree|\.config/git/config|etc/gitconfig)$"
    r"|(?:^|/)git/config$|\$\{?(?:GIT_CONFIG(?:_GLOBAL|_SYSTEM)?|XDG_CONFIG_HOME)\b"
    r"|^[$~][^/]*/\.git/config$"
)
_CONFIG_NAMES = (".gitconfig", "config", "config.worktree", "gitconfig")


def git_config_file(path: str, glob: bool = False) -> bool:
    """Whether ``path`` (a glob: may match) is one of git's configuration files."""
    if path == ANY_PATH:
        return False  # `sh -c "$X"` and the like: already unknown code
    norm = path if "$" in path else posixpath.normpath(path)
    if _CONFIG_FILE.search(norm):
        return True
    base = posixpath.basename(norm)
    if glob and base.strip("*"):  # `DIR/*` (a directory's files) is not taken for a config file
        parent = posixpath.basename(posixpath.dirname(norm))
        for name in _CONFIG_NAMES:
            if fnmatch.fnmatchcase(name, base) and (
                name != "config" or fnmatch.fnmatchcase(".git", parent)
            ):
                return True
    return False


def _join(cwd: str, text: str) -> str:
    if text in ("~+", "~-") or text.startswith(("~+/", "~-/")):  # bash: $PWD, $OLDPWD
        text = (cwd if text[1] == "+" else "$OLDPWD") + text[2:]
    if text.startswith(("/", "~", "$")):
        return text
    return posixpath.join(cwd, text)


# --------------------------------------------------------------------------- word expansion


def _var_value(text: str, ctx: _Ctx) -> str | None:
    """The value of a ``$NAME``/``${NAME}``/``$(pwd)`` expansion when it is known, else None."""
    if text in ("$(pwd)", "`pwd`", "$PWD", "${PWD}"):
        return None if "$" in ctx.cwd else ctx.cwd
    if text in ("$HOME", "${HOME}"):
        return "~"
    name = text[2:-1] if text.startswith("${") else text[1:]
    if not _NAME.fullmatch(name):
        return None
    target = ctx.resolve(name)
    value = None if target is None else ctx.vars.get(target)
    return None if encoded(value) else value  # a loop's values: only `paths` reads them


def _expand(word: _Word, ctx: _Ctx, split: bool = True) -> list[tuple[str, bool, bool]]:
    """(text, glob, dynamic) per field and brace alternative; unknown expansions stay as written.

    An unquoted expansion of a known value splits at IFS (``split``; not in an assignment):
    ``IFS=:; x=/tmp/a:app/main.py; rm $x`` removes two files (ATTACK F50)."""
    if word.literal and not any(p.kind == "u" and "{" in p.text for p in word.parts):
        glob = any(p.kind == "u" and _GLOB_META.search(p.text) for p in word.parts)
        return [(word.text, glob, False)]
    chars: list[tuple[str, str]] = []
    for part in word.parts:
        if part.kind in "uq":
            chars.extend((c, part.kind) for c in part.text)
            continue
        value = _var_value(part.text, ctx)
        if value is None:
            chars.append((part.text, "x"))
        elif part.kind == "v" and split and ctx.ifs() is None:
            chars.append(("$IFS", "x"))  # split at characters only known at run time
        else:
            chars.extend((c, "e" if part.kind == "v" and split else "q") for c in value)
    out = []
    for field in _fields(chars, ctx.ifs() or ""):
        for alt in _braces(field) if any(c == "{" and k == "u" for c, k in field) else [field]:
            text = "".join(c for c, _ in alt)
            glob = any(k == "u" and (c in "*?[" or c == "**") for c, k in alt)
            out.append((text, glob, any(k == "x" for _, k in alt)))
    return out


def _fields(chars: list[tuple[str, str]], ifs: str) -> list[list[tuple[str, str]]]:
    """Word splitting: unquoted expansion characters (kind ``e``) in IFS end a field."""
    if not any(k == "e" for _, k in chars):
        return [chars]
    fields: list[list[tuple[str, str]]] = [[]]
    for c, k in chars:
        if k == "e" and c in ifs:
            if fields[-1]:
                fields.append([])
            continue
        fields[-1].append((c, "u" if k == "e" else k))
    return [f for f in fields if f] or [[]]


def split_value(value: str, ctx: _Ctx) -> list[str] | None:
    """A command named by an unquoted expansion, split as bash splits it (None: at run time).
    Blanks split too: a quoted ``"$CMD"`` is over-approximated as unquoted."""
    ifs = ctx.ifs()
    if ifs is None:
        return None
    return [w for w in re.split("[" + re.escape(ifs + " \t\n") + "]+", value) if w]


_GLOB_META = re.compile(r"[*?\[]")


def _braces(chars: list[tuple[str, str]], budget: int = _MAX_BRACES) -> list[list[tuple[str, str]]]:
    """Bash brace expansion (``app/{main,x}.py``); a range, or over ``budget`` words, is ``**``."""
    if len(chars) > _MAX_BRACE_WORD:
        return [chars]
    results: list[list[tuple[str, str]]] = [[]]
    i = 0
    while i < len(chars):
        span = _brace_at(chars, i) if chars[i] == ("{", "u") else None
        if span is None:
            for r in results:
                r.append(chars[i])
            i += 1
            continue
        end, pieces = span
        alts = [a for s, e in pieces for a in _braces(chars[s:e], budget)] if pieces else None
        if alts is None or len(results) * len(alts) > budget:
            results = [[*r, ("**", "u")] for r in results]
        else:
            results = [[*r, *a] for r in results for a in alts]
        i = end + 1
    return results


def _brace_at(
    chars: list[tuple[str, str]], start: int
) -> tuple[int, list[tuple[int, int]] | None] | None:
    """The ``{…}`` opening at ``start``: its end and comma-separated pieces (None for a range)."""
    depth, commas = 0, [start]
    for j in range(start, len(chars)):
        c, k = chars[j]
        if k != "u":
            continue
        depth += (c == "{") - (c == "}")
        if c == "," and depth == 1:
            commas.append(j)
        if depth == 0:
            if len(commas) > 1:
                bounds = [*commas, j]
                return j, [(bounds[n] + 1, bounds[n + 1]) for n in range(len(bounds) - 1)]
            inner = "".join(x for x, _ in chars[start + 1 : j])
            return (j, None) if _BRACE_RANGE.fullmatch(inner) else None
    return None


_BRACE_RANGE = re.compile(r"-?\w+\.\.-?\w+(\.\.-?\d+)?")


_ASSIGN = re.compile(r"[A-Za-z_]\w*(\[[^]]*\])?\+?=")


def _assign(env: _Env, word: _Word) -> None:
    """Track ``F=app/main.py`` so a later ``rm $F`` names the file; anything else is unknown."""
    name, _, _ = word.text.partition("=")
    value = _suffix(word, len(name) + 1)
    base = name.rstrip("+").split("[", 1)[0]
    if base in env.ctx.refs:  # through a nameref (ATTACK F50)
        target = env.ctx.refs[base]
        if target == "" and _NAME.fullmatch(value.text) and value.literal:
            env.ctx.refs[base] = value.text  # `declare -n r; r=x`: r now names x
            return
        if target == "" or target is None:
            env.ctx.refs[base] = None
            env.ctx.vars.clear()  # any variable may have changed
            env.ctx.ifs_unknown = True
            env.out.rebound = env.out.rebound | {"HOME", "CDPATH"}
            return
        name = env.ctx.resolve(base) or base
    if name == "IFS":
        env.ctx.ifs_unknown = not value.literal and not _copied(value, env.ctx)
    if git_variable(name):
        variable(env, name, value.text)
    if name in OUTPUT_VARS:  # where tools write: `CARGO_TARGET_DIR=app cargo build`
        env.add(value, "output-variable")
        if OUTPUT_VARS[name]:
            env.add_under(value, "output-variable")
    temp = _MKTEMP.fullmatch(value.text)
    if temp and not value.literal:
        env.ctx.vars[name] = (temp.group(1) or "/tmp/tmp.").rstrip("X") + "*"
    elif not name.endswith(("+", "]")) and not value.literal and _copied(value, env.ctx):
        env.ctx.vars[name] = _expand(value, env.ctx, False)[0][0]  # `G2=$G`, `P="$D/x"`
    elif name.endswith(("+", "]")) or not value.literal:
        env.ctx.vars.pop(name.rstrip("+"), None)
    else:
        env.ctx.vars[name] = value.text


def _copied(value: _Word, ctx: _Ctx) -> bool:
    """A value made only of text and variables known here (no substitution, no glob)."""
    if value.subs or any(p.kind not in "uqvV" for p in value.parts):
        return False
    alts = _expand(value, ctx, False)
    return len(alts) == 1 and not alts[0][1] and not alts[0][2]


# variables naming where a tool writes (True: a directory, everything below it)
OUTPUT_VARS = {
    "CARGO_TARGET_DIR": True,
    "MYPY_CACHE_DIR": True,
    "RUFF_CACHE_DIR": True,
    "PYTHONPYCACHEPREFIX": True,
    "COVERAGE_FILE": False,
}
_MKTEMP = re.compile(r"\$\(mktemp(?:\s+-[dqu]+)*(?:\s+(/[^\s)]*))?\s*\)")


if TYPE_CHECKING:
    _Handler = Callable[[_Env, str, list[_Word]], None]

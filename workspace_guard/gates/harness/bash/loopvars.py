"""Loop variables over literal words: each value a write destination may take.

`for f in app/a.py app/b.py; do sed -i … "$f"; done` writes exactly the listed files, so the
loop variable is not a value "only known at run time" (ATTACK F99's refusal) but one of a few
known ones: a target naming it is judged once per value. The value is kept in the variable
itself, encoded (:func:`bind`), so every writer of the variable — an assignment, ``read``,
``unset``, a nameref, a name only known at run time that clears every variable — ends it;
every reader but :func:`variants` sees a value only known at run time.

What counts as a literal word is narrow: plain path characters, no blank (an unquoted use
would split it), no ``~``, ``$``, quote, brace or backslash. A word with ``*``, ``?`` or
``[…]`` (``for f in app/*.py``) is a glob expanded when the loop starts: its values are the
names it matches, so ``"$f"`` is judged as the glob itself — the same as writing
``sed -i … app/*.py`` — and only where quoted: unquoted, a matched name would be split at blanks
and globbed again, so it may be any file. A glob's folder written by the same command (an
archive extracted there, a link made, a file copied in) could change what the glob matches at
run time, so then the loop variable is refused again (:func:`folder_written`).
"""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.syntax import _NAME, ANY_PATH, _Part, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from workspace_guard.gates.harness.bash.env import _Ctx, _Out

    Path = tuple[str, bool, bool]  # (absolute path, glob, dynamic), as _Env.paths gives them
    _Expand = Callable[[_Word, _Ctx], list[Path]]

_MARK = "\0loop\0"
_END = "\0end"
_MAX_VALUES = 64
_MAX_VARIANTS = 64
# a literal value: path characters only; a glob value may add `*`, `?` and brackets
_LITERAL = re.compile(r"[\w./@%+,:=-]+")
_GLOB = re.compile(r"[\w./@%+,:=*?\[\]!^-]+")
_GLOB_CHARS = re.compile(r"[*?\[]")
# loop names this reading is for: ordinary lower-case names (the analysis reads several upper-case
# ones itself: IFS, HOME, CDPATH, GIT_DIR…; zsh's command tables are lower-case but special)
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TABLES = frozenset({"aliases", "commands", "functions", "galiases", "saliases"})


def bind(name: str, words: list[_Word]) -> str | None:
    """The encoded value of ``for NAME in WORDS`` when every word is literal, else None."""
    if not _PLAIN_NAME.fullmatch(name) or name in _TABLES or not 1 <= len(words) <= _MAX_VALUES:
        return None
    items = []
    for word in words:
        if not word.literal or word.subs:
            return None
        text = word.text
        glob = any(p.kind == "u" and _GLOB_CHARS.search(p.text) for p in word.parts)
        quoted_glob = any(p.kind == "q" and _GLOB_CHARS.search(p.text) for p in word.parts)
        if quoted_glob or text.startswith("~") or "{" in text:
            return None
        if not (_GLOB if glob else _LITERAL).fullmatch(text):
            return None
        items.append(("g" if glob else "l") + text)
    return _MARK + "\0".join(items) + _END


def values(value: str | None) -> list[tuple[str, bool]] | None:
    """The (text, glob) values :func:`bind` encoded in ``value``; None for any other value."""
    if value is None or not value.startswith(_MARK) or not value.endswith(_END):
        return None
    out = []
    for item in value[len(_MARK) : -len(_END)].split("\0"):
        glob, text = item[:1] == "g", item[1:]
        if item[:1] not in ("g", "l") or not (_GLOB if glob else _LITERAL).fullmatch(text):
            return None
        out.append((text, glob))
    return out or None


def encoded(value: str | None) -> bool:
    """Whether ``value`` is a loop's encoding (to every reader but :func:`variants`: unknown)."""
    return value is not None and value.startswith(_MARK)


def _loop_name(part: _Part) -> str | None:
    text = part.text
    name = text[2:-1] if text.startswith("${") and text.endswith("}") else text[1:]
    return name if text.startswith("$") and _NAME.fullmatch(name) else None


def variants(
    word: _Word, lookup: dict[str, str], resolve: Callable[[str], str | None]
) -> list[tuple[_Word, dict[str, str], bool]] | None:
    """The word once per combination of the loop values it names: (word, the variables'
    literal values to expand it with, whether a glob value went in). None when it names no loop
    variable or a value cannot be used here (then the word stays unknown)."""
    found: dict[int, tuple[str, list[tuple[str, bool]]]] = {}
    for k, part in enumerate(word.parts):
        if part.kind not in ("v", "V"):
            continue
        name = _loop_name(part)
        target = resolve(name) if name is not None else None
        listed = values(lookup.get(target)) if target is not None else None
        if listed is None:
            continue
        if part.kind == "v" and any(glob for _, glob in listed):
            return None  # an unquoted matched name splits and globs again: any file
        found[k] = (target or "", listed)
    if not found:
        return None
    combos: list[dict[int, tuple[str, bool]]] = [{}]
    for k, (_, listed) in found.items():
        combos = [{**c, k: v} for c in combos for v in listed]
        if len(combos) > _MAX_VARIANTS:
            return None
    out = []
    for combo in combos:
        parts = list(word.parts)
        known: dict[str, str] = {}
        for k, (text, glob) in combo.items():
            if glob:
                parts[k] = _Part(text, "u")  # the glob itself: every name it may match
            else:
                known[found[k][0]] = text
        changed = _Word(parts, word.subs, uncertain=word.uncertain)
        out.append((changed, known, any(glob for _, glob in combo.values())))
    return out


def glob_folder(path: str) -> str:
    """The literal folder a glob path lies in (``/ws/app/*.py`` → ``/ws/app``)."""
    parts = path.split("/")
    for k, part in enumerate(parts):
        if _GLOB_CHARS.search(part):
            return "/".join(parts[:k]) or "/"
    return posixpath.dirname(path)


def folder_written(folder: str, path: str) -> bool:
    """Whether a write of ``path`` (a target of the command) may change what a glob in
    ``folder`` matches: in or below it, above it, or somewhere only known at run time."""
    if path == ANY_PATH or "$" in path or path.startswith("~"):
        return True
    literal = glob_folder(path) if _GLOB_CHARS.search(path) else path
    literal = posixpath.normpath(literal)
    folder = posixpath.normpath(folder)
    return (
        literal == folder
        or literal.startswith(folder.rstrip("/") + "/")
        or folder.startswith(literal.rstrip("/") + "/")
    )


def destinations(word: _Word, ctx: _Ctx, out: _Out, expand: _Expand) -> list[Path] | None:
    """The paths a word naming loop values or a lister's output may take (None: neither);
    ``expand`` is the ordinary expansion. A glob value or a listed folder is recorded in
    ``out.loop_globs`` with the word as a run-time value, refused again if the command also
    writes there (analysis._loop_globs)."""
    from workspace_guard.gates.harness.bash.listers import LISTED, listed

    folders = listed(word) if word.subs else None
    if folders is not None and (word.parts[0].kind == "V" or ctx.ifs() == " \t\n"):
        found: list[Path] = []
        for folder in folders:
            where = expand(_Word([_Part(folder, "u")]), ctx)
            if len(where) != 1 or where[0][2] or "$" in where[0][0]:
                return None
            top = posixpath.normpath(glob_folder(where[0][0]) if where[0][1] else where[0][0])
            found += [(top, False, False), (posixpath.join(top, "**"), True, False)]
            # the gate looks at the names below (an unquoted substitution splits and globs them)
            out.find(LISTED, top, args=(word.parts[0].kind, word.text[:200]))
        _record(word, ctx, out, expand, found)
        return found
    each = variants(word, ctx.vars, ctx.resolve)
    if each is None:
        return None
    paths: list[Path] = []
    for changed, known, globbed in each:
        forked = ctx.fork()
        forked.vars.update(known)
        found = expand(changed, forked)
        paths += found
        if globbed:
            _record(word, ctx, out, expand, found)
    return paths


def _record(word: _Word, ctx: _Ctx, out: _Out, expand: _Expand, found: list[Path]) -> None:
    fallback = [f for f, _, _ in expand(word, ctx)]
    out.loop_globs += [(glob_folder(p), f, p) for p, _, _ in found for f in fallback]


def changed_folders(out: _Out, command: str) -> None:
    """A loop over a glob or a lister's output whose folder the command also writes, or whose
    program a function, alias or PATH may replace: what it yields when it runs is not what the
    gate sees now, so its values are only known at run time (added as such targets)."""
    from workspace_guard.gates.harness.bash.listers import REDEFINES
    from workspace_guard.gates.harness.bash.syntax import Target

    globbed = {path for _, _, path in out.loop_globs}
    others = [t.path for t in out.targets if t.path not in globbed]
    redefined = bool(out.loop_globs) and REDEFINES.search(command) is not None
    for folder, fallback, _ in out.loop_globs:
        if redefined or any(folder_written(folder, path) for path in others):
            out.add(Target(fallback, "loop-glob", False, True))

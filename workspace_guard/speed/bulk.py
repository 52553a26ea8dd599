"""The validator's bulk path: `--paths-from FILE` with 100,000 names, decided in one process.

Per path, the plain code costs ~13 µs to make a name repository-relative (`os.path.relpath` and
`normpath` on absolute paths), ~6 µs of `lstat`/`stat` looking for symlinks, and ~13 µs for
`json.dumps(..., indent=2)` (the indenting encoder is pure Python). Each is batched here, and each
falls back to the plain code for anything out of the ordinary, so answers and bytes stay the same
(tests/test_validate_bulk.py compares them on tricky paths):

- `relative_many`: a clean relative ASCII name (no `.`/`..` part, no `//`, no leading or trailing
  `/`, no NUL) below a working directory inside the repository is that directory joined with the
  name; every other name goes to the caller's own `relative`.
- `linked`: the symlink test of every name, with the answer for each directory remembered and the
  names of a busy directory read with one `scandir` instead of an `lstat` each.
- `render_results`: the indented JSON of a result list where many results share everything but
  their path: each shared part is encoded once, each path with the C string encoder.
"""

from __future__ import annotations

import os
import re
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TypeVar

    _T = TypeVar("_T")

# a name the fast join may not take: NUL, `//`, a leading or trailing `/`, a `.` or `..` part, or
# nothing but white space as `str.strip` sees it (`$` also matches before a final newline: such
# names go the slow way); compiled on first use (1-2 ms: a clean call never needs it)
UNCLEAN = r"\x00|//|^/|/$|(?:^|/)\.\.?(?:/|$)|^[\s\x1c-\x1f]*$"
# looked for in a block of names joined by newlines (none of which holds a newline): a superset
# of `UNCLEAN` but for white space (any part starting with "." makes the block go name by name)
_UNCLEAN_BLOCK = ("\x00", "//", "\n/", "/\n", "/.", "\n.")
BLOCK = 1024  # names checked together: a clean block is joined without a look at each name
SCAN_AT = 24  # names asked in one directory from which one `scandir` beats an `lstat` each


def relative_many(
    paths: Sequence[str], root: str, cwd: str, relative: Callable[[str], str]
) -> list[str]:
    """`relative(path)` for each path, in order (so the first bad path raises, as before), with
    the common case — a clean relative name below a `cwd` inside `root` — joined directly."""
    base = os.path.relpath(cwd, root)  # as `relative` computes it: both made absolute
    if base == os.pardir or base.startswith(os.pardir + os.sep) or base.startswith(os.sep):
        return [relative(path) for path in paths]
    prefix = "" if base == os.curdir else base + "/"
    out: list[str] = []
    for start in range(0, len(paths), BLOCK):
        block = paths[start : start + BLOCK]
        if _clean_block(block):
            out += [prefix + path for path in block] if prefix else block
        else:
            unclean = re.compile(UNCLEAN).search
            out += [
                prefix + path if path.isascii() and not unclean(path) else relative(path)
                for path in block
            ]
    return out


def _clean_block(block: Sequence[str]) -> bool:
    """True when every name of `block` is clean (see `UNCLEAN`): a few C-speed searches."""
    text = "\n" + "\n".join(block) + "\n"
    if not text.isascii() or text.count("\n") != len(block) + 1:
        return False
    return not any(bad in text for bad in _UNCLEAN_BLOCK) and all(map(str.strip, block))


def linked(root: str, rels: Sequence[str]) -> list[int]:
    """The indexes of the repository-relative `rels` an existing component of which is a
    symlink: walking each name from the root, a symlink before the first missing component."""
    states: dict[str, int] = {"": _OK}
    by_dir: dict[str, list[int]] = {}
    for index, rel in enumerate(rels):
        by_dir.setdefault(rel.rpartition("/")[0], []).append(index)
    found: list[int] = []
    for directory, indexes in by_dir.items():
        state = _dir_state(root, directory, states)
        if state == _LINK:
            found.extend(indexes)
        elif state == _OK:
            found.extend(_linked_names(root, directory, rels, indexes))
    found.sort()
    return found


_OK, _MISSING, _LINK = 0, 1, 2


def _dir_state(root: str, directory: str, states: dict[str, int]) -> int:
    """_OK, _MISSING (a component does not exist) or _LINK (one is a symlink), remembered."""
    state = states.get(directory)
    if state is not None:
        return state
    state = _dir_state(root, directory.rpartition("/")[0], states)
    if state == _OK:
        try:
            mode = os.lstat(os.path.join(root, directory)).st_mode
        except (OSError, ValueError):
            state = _MISSING
        else:
            state = _LINK if stat.S_ISLNK(mode) else _OK
    states[directory] = state
    return state


def _linked_names(root: str, directory: str, rels: Sequence[str], indexes: list[int]) -> list[int]:
    """Of the names in an existing `directory`, those that are symlinks."""
    where = os.path.join(root, directory) if directory else root
    if len(indexes) >= SCAN_AT:
        try:
            with os.scandir(where) as entries:
                links = {entry.name for entry in entries if entry.is_symlink()}
        except (OSError, ValueError):
            links = set()
        return [i for i in indexes if rels[i].rpartition("/")[2] in links]
    return [i for i in indexes if os.path.islink(os.path.join(root, rels[i]))]


def render_results(
    head: dict[str, Any],
    rows: Sequence[_T],
    paths: Sequence[str],
    body: Callable[[_T], dict[str, Any]],
) -> str:
    """`json.dumps({**head, "results": [...]}, ensure_ascii=False, indent=2)`, byte for byte,
    where result i is `body(rows[i])` with its `path` (the first key) replaced by `paths[i]`.
    Many rows are one shared object (one per distinct verdict): each is rendered once, each
    path by the C string encoder, and the pieces joined without a Python step per path."""
    import json
    from itertools import chain
    from json.encoder import encode_basestring  # the C encoder `ensure_ascii=False` uses

    if not rows or len(rows) != len(paths):
        results = [dict(body(row), path=path) for row, path in zip(rows, paths, strict=True)]
        return json.dumps({**head, "results": results}, ensure_ascii=False, indent=2)
    tails = {id(row): _tail(body(row)) for row in distinct(rows)}
    # each path's tail runs on to the next result's opening; the last one's closes the list
    onward = {key: tail + _NEXT_PATH for key, tail in tails.items()}
    ends = list(map(onward.__getitem__, map(id, rows)))
    ends[-1] = tails[id(rows[-1])]
    top = json.dumps({**head, "results": [0]}, ensure_ascii=False, indent=2)
    before, _, after = top.rpartition("0")  # the one placeholder, after every head value
    pieces = chain.from_iterable(zip(map(encode_basestring, paths), ends, strict=True))
    return before + _PATH_OPEN + "".join(pieces) + after


_PATH_OPEN = '{\n      "path": '
_NEXT_PATH = ",\n    " + _PATH_OPEN


def distinct(rows: Sequence[_T]) -> list[_T]:
    """The distinct objects of `rows` (by identity), in order of first appearance."""
    return list(dict(zip(map(id, rows), rows, strict=True)).values())


def _tail(result: dict[str, Any]) -> str:
    """What follows the path in a result object rendered at depth 2 of an indented payload."""
    import json

    keys = list(result)
    if not keys or keys[0] != "path" or len(keys) == 1:
        raise ValueError("a result object starts with its path and has more")
    rest = {key: result[key] for key in keys[1:]}
    text = json.dumps(rest, ensure_ascii=False, indent=2)  # "{\n  ...\n}"
    return "," + text[1:].replace("\n", "\n    ")

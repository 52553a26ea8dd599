"""The names a file system opens for a path as written (ATTACK F81, F83): pure string work.

A tool names a path as text; the file it opens depends on the platform. Windows (Win32 over
NTFS) takes `\\` as a separator, drops the trailing dots and spaces of a name (`app./main.py.` is
`app/main.py`), reads `NAME:STREAM[:TYPE]` as a stream of NAME (`main.py::$DATA` is the file
itself; `app::$INDEX_ALLOCATION` is the folder) and answers 8.3 short names (`MAIN~1.PY`) for
long ones. macOS (APFS) and Windows compare names without regard to letter case, each its own
way: NTFS upper-cases each UTF-16 code unit through a simple 1:1 table (`ı` U+0131 is `I`), APFS
case-folds and ignores the normalisation form (`é` is `e` + U+0301); :data:`KEYS` are those
comparisons, as functions mapping a name onto the form two names compare equal in.

The gate judges every spelling a path may have (the one written and the Windows one): a path is
protected when any of them is. That only adds denials — a name that merely *looks* like a
protected path on Linux (`app\\main.py`, `app/main.py.`) is refused too, a cost no real project
pays — and never makes an office or an allowed path broader.
"""

from __future__ import annotations

import functools
import re
import unicodedata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# an 8.3 short name: up to 6 characters, `~`, a number, an extension of up to 3 (`MAIN~1.PY`,
# `WORKSP~1`); matched loosely (Windows also makes `MA1B2C~1.PY`): a needless denial at worst
_SHORT = re.compile(r"~[0-9]+(\.[^.]{0,3})?$")
_DRIVE = re.compile(r"^[A-Za-z]:$")


def windows_name(path: str) -> str:
    """`path` as Windows opens it: `/`-separated, each name without its `:stream` part and its
    trailing dots and spaces (`.` and `..` kept; a name left empty names its folder)."""
    if not _windowsish(path):
        return path
    parts = path.replace("\\", "/").split("/")
    out: list[str] = []
    for at, part in enumerate(parts):
        if part in ("", ".", "..") or (at == 0 and _DRIVE.match(part)):
            out.append(part)
            continue
        name = part.split(":", 1)[0].rstrip(". ")
        out.append(name if name not in ("", ".", "..") else ".")
    text = "/".join(out)
    return text if text else "."


def _windowsish(path: str) -> bool:
    """Could Windows read `path` as another name (a quick test: most paths pass it)?"""
    if "\\" in path or ":" in path:
        return True
    return any(part.endswith((".", " ")) and part not in (".", "..") for part in path.split("/"))


def spellings(path: str) -> list[str]:
    """`path` and, when it differs, the name Windows opens for it."""
    other = windows_name(path)
    return [path] if other == path else [path, other]


def short_name_at(path: str) -> int:
    """The index of the first `/`-separated name of `path` that may be an 8.3 short name
    (`MAIN~1.PY`), or -1: such a name may stand for any entry of its folder."""
    for at, part in enumerate(path.split("/")):
        if "~" in part and _SHORT.search(part):
            return at
    return -1


def case_differs(path: str) -> bool:
    """`path` has letters that fold to another case (so a case-insensitive system may open
    another spelling of it)."""
    return path.casefold() != path


# --- the file systems' comparisons of two names (ATTACK F97) --------------------------------------


@functools.lru_cache(maxsize=4096)
def _upper(char: str) -> str:
    """`char`'s simple upper case: its one-character upper case, else its one-character title
    case (`ᾳ` → `ᾼ`), else itself (`ß`, `ﬀ`: NTFS keeps what upper-cases to several)."""
    for each in (char.upper(), char.title()):
        if len(each) == 1:
            return each
    return char


@functools.lru_cache(maxsize=4096)
def _lower(char: str) -> str:
    """`char`'s simple lower case (`İ` U+0130, the one letter lower-cased to two, is `i`)."""
    low = char.lower()
    return low if len(low) == 1 else low[0]


def simple_upper(text: str) -> str:
    """`text` upper-cased one character at a time, then lower-cased the same way (so that an
    ASCII lower-case name is its own form): NTFS's comparison, e.g. `maın` → `main`."""
    if text.isascii():
        return text.lower()
    return "".join(_lower(_upper(c)) for c in text)


def simple_lower(text: str) -> str:
    """`text` lower-cased one character at a time (`K` Kelvin sign → `k`)."""
    return text.lower() if text.isascii() else "".join(map(_lower, text))


def caseless(text: str) -> str:
    """Unicode's canonical caseless form, NFD(casefold(NFD(text))): APFS's comparison, e.g.
    `café` (U+00E9) and `CAFE` + U+0301 are one name."""
    if text.isascii():
        return text.lower()
    nfd = unicodedata.normalize
    return nfd("NFD", nfd("NFD", text).casefold())


def casefold(text: str) -> str:
    """`text` case-folded (`ſ` → `s`, `ß` → `ss`, `ς` → `σ`): ext4's and Python's comparison."""
    return text.casefold()


#: the comparisons the file systems make of two names; each maps an ASCII lower-case name to itself
KEYS: tuple[Callable[[str], str], ...] = (casefold, simple_upper, simple_lower, caseless)


def deep_fold(text: str) -> str:
    """`text` with each character any comparison reads as an ASCII one replaced by it (`.gıt`,
    `.claude/ſettings.json`): the name the literal ASCII names the gate guards (`.git`,
    `.claude`) are compared with."""
    if text.isascii():
        return text.lower()
    return "".join(map(_deep, text))


@functools.lru_cache(maxsize=4096)
def _deep(char: str) -> str:
    forms = [key(char) for key in KEYS]
    return next((f for f in forms if f.isascii()), forms[0])

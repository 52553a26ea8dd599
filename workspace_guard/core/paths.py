"""Path normalisation shared by every layer (contract §3 step 1): pure string work, no disk."""

from __future__ import annotations

import posixpath
import unicodedata

from workspace_guard.errors import PathError
from workspace_guard.i18n import _


def normalize(path: str, *, cwd: str = "") -> str:
    """Return `path` repository-relative and normalised.

    `path` is either repository-relative (joined with `cwd`, itself repository-relative) or, when it
    starts with "/", already made relative by the caller. `./`, `..`, duplicate slashes and trailing
    slashes are folded; Unicode is NFC so that a decomposed "é" from macOS names the same file.
    """
    if "\x00" in path:
        raise PathError(_("path {path!r} contains a NUL byte").format(path=path))
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in path):
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise PathError(_("path {path!r} is not valid UTF-8").format(path=shown))
    if path.strip() == "":
        raise PathError(_("empty path"))
    text = unicodedata.normalize("NFC", path)
    joined = posixpath.join(cwd, text) if cwd else text
    result = posixpath.normpath(joined)
    if result.startswith("/"):
        result = result.lstrip("/")
    if result == ".." or result.startswith("../"):
        raise PathError(_("{path!r} is outside the repository").format(path=path))
    return "" if result == "." else result


def is_under(path: str, directory: str) -> bool:
    """True when `path` is `directory` or lies below it (both normalised; a trailing '/' is ok)."""
    directory = directory.rstrip("/")
    return directory in ("", path) or path.startswith(directory + "/")


def nfc(path: str) -> str:
    """A path git listed (already repository-relative) in the form rules are matched in: NFC, so
    a decomposed "é" from macOS names the same file. ASCII paths — nearly all — cost nothing."""
    return path if path.isascii() else unicodedata.normalize("NFC", path)

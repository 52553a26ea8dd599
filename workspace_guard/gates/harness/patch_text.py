"""The files a patch text names: Codex's `apply_patch` envelope and unified / git diffs.

One reader for every door that receives a patch as text (Codex's `apply_patch` tool, an MCP
`apply_patch` / `patch_file` tool, any write tool argument that holds a diff). It reads the way
the most lenient applier does, so that nothing an applier accepts escapes it:

- Codex (`codex-rs/apply-patch`) trims marker lines and is lenient about their spacing, so
  markers are matched on stripped lines, case-insensitively, with any spacing around the words
  and the colon: `*** Add File:`, `*** Update File:`, `*** Delete File:`, `*** Move to:`.
- Codex also takes the heredoc forms `apply_patch <<'EOF' … EOF` and `cd DIR && apply_patch
  <<'EOF' … EOF`; in the second the paths are relative to DIR (both readings are returned).
- Unified diffs: `--- a/X`, `+++ b/X`, `--- X` (with or without a `\t` timestamp),
  `diff --git a/X b/Y`, `rename from/to`, `copy from/to`; `/dev/null` names no file. A header
  without the `a/`/`b/` prefix may be applied with `-p0` or `-p1`: both readings are returned.

A superset is the safe answer here: a name that is not really written costs at most a needless
denial; a name missed is a write the gate never judged.
"""

from __future__ import annotations

import posixpath
import re

_CODEX = re.compile(r"^\*\*\*\s*(?:add|update|delete)\s+file\s*:\s*(.+)$", re.IGNORECASE)
_MOVE = re.compile(r"^\*\*\*\s*move\s+to\s*:\s*(.+)$", re.IGNORECASE)
_CD = re.compile(r"^cd\s+(.+?)\s*&&\s*apply_patch\b")
_DIFF_GIT = re.compile(r"^diff\s+--git\s+(.+)$")
_RENAME = re.compile(r"^(?:rename|copy)\s+(?:from|to)\s+(.+)$")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f"}


def is_patch(text: str) -> bool:
    """The text holds at least one file header a patch applier would act on."""
    return bool(patch_paths(text))


def patch_paths(text: str) -> list[str]:
    """Every file the patch text may add, update, delete, move or rename (see the module)."""
    out: list[str] = []
    base = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        cd = _CD.match(line)
        if cd:
            base = _unquote(cd.group(1))
            continue
        out += _codex(line) or _diff_header(line, raw)
    if base:
        out += [posixpath.join(base, p) for p in out if not p.startswith("/")]
    return list(dict.fromkeys(p for p in out if p and p != "/dev/null"))


def _codex(line: str) -> list[str]:
    found = _CODEX.match(line) or _MOVE.match(line)
    return [found.group(1).strip()] if found else []


def _diff_header(line: str, raw: str) -> list[str]:
    if raw.startswith(("--- ", "+++ ")) or line.startswith(("--- ", "+++ ")):
        name = line[4:].split("\t", 1)[0].strip()
        return _stripped(_unquote(name))
    git = _DIFF_GIT.match(line)
    if git:
        return [p for name in _two_names(git.group(1)) for p in _stripped(name)]
    renamed = _RENAME.match(line)
    if renamed:
        return [_unquote(renamed.group(1).strip())]
    return []


def _stripped(name: str) -> list[str]:
    """`a/x/y` → `x/y` (`-p1`, and the name itself for `-p0`); `x/y` → both `x/y` and `y`."""
    if not name or name == "/dev/null":
        return []
    if "/" not in name.lstrip("/") or name.startswith("/"):
        return [name]
    return [name, name.split("/", 1)[1]]


def _two_names(rest: str) -> list[str]:
    """The two names of `diff --git A B` (quoted, or split where `b/` begins)."""
    rest = rest.strip()
    if rest.startswith('"'):
        end = _quoted_end(rest)
        first, second = rest[: end + 1], rest[end + 1 :].strip()
        return [_unquote(first), _unquote(second)]
    cut = rest.find(" b/")
    if cut < 0:
        cut = rest.rfind(" ")
    if cut < 0:
        return [_unquote(rest)]
    return [_unquote(rest[:cut]), _unquote(rest[cut + 1 :])]


def _quoted_end(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text) - 1


def _unquote(name: str) -> str:
    """git's C-style quoting (`"a/sp\\303\\251cial"`) and shell quotes around a `cd` target."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == "'":
        return name[1:-1]
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.match(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt).encode()
            i += 2
            continue
        out += char.encode()
        i += 1
    return out.decode("utf-8", "surrogateescape")

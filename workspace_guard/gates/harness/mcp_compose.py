"""Paths an MCP server may compose from separate arguments (ATTACK F64): judged whole, not
piece by piece (`mcp_tools.classify`, for write tools and unknown tools)."""

from __future__ import annotations

import os
import re
from typing import Any

from workspace_guard.gates.harness.mcp_tools import CONTENT_KEYS, MAX_PATH, file_uri

# a string that may be a file name's extension (`{"name": "main", "ext": "py"}`)
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,8}")
MAX_PARTS = 12  # string arguments combined pairwise at most (the rest are judged one by one)


def composed(args: Any, cwd: str | None, dirs: list[str]) -> list[str]:
    """Paths a server may compose from separate arguments (ATTACK F64): a list of segments
    joined, every folder × name pair (`{"folder": "app", "file": "main.py"}`), a name and an
    extension (`{"dir": "app", "name": "main", "ext": "py"}`). Only candidates whose folder
    exists (where the event stands or in the tool's own folders) are kept."""
    parts, lists = _parts(args)
    parts = list(dict.fromkeys(parts))[:MAX_PARTS]
    out = ["/".join(seq) for seq in lists if len(seq) > 1]
    names = [f"{a}.{b}" for a in parts for b in parts if a != b and _EXTENSION.fullmatch(b)]
    for folder in parts:
        out += [f"{folder.rstrip('/')}/{name}" for name in [*parts, *names] if name != folder]
    out += names
    bases = [b for b in [cwd, *dirs] if b]
    return [p for p in dict.fromkeys(out) if _folder_exists(p, bases)]


def _parts(value: Any, key: str = "") -> tuple[list[str], list[list[str]]]:
    """The one-line string arguments outside the content keys, and the lists of them."""
    if isinstance(value, str):
        text = file_uri(value.strip())
        ok = text and "\n" not in text and len(text) <= MAX_PATH and key not in CONTENT_KEYS
        return ([text] if ok and "\x00" not in text else []), []
    if not isinstance(value, (dict, list)):
        return [], []
    parts: list[str] = []
    lists: list[list[str]] = []
    items = value.items() if isinstance(value, dict) else ((key, v) for v in value)
    for k, v in items:
        found, nested = _parts(v, str(k))
        parts += found
        lists += nested
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        lists.append([str(v).strip().strip("/") or "/" for v in value])
    return parts, lists


def _folder_exists(path: str, bases: list[str]) -> bool:
    folder = os.path.dirname(os.path.expanduser(path))
    if os.path.isabs(folder):
        return os.path.isdir(folder)
    return any(os.path.isdir(os.path.join(base, folder)) for base in bases)

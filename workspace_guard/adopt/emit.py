"""Writing imported rules as a rules file people will read, review and commit.

PyYAML's dumper cannot place comments, and provenance comments (``# from FILE:LINE``) are the
point of an imported file: a reviewer must be able to check each rule against the document it
came from. So this is a small block-style emitter for the plain data an importer produces
(dicts, lists, strings, ints, bools, None). Scalars are written plain only where the YAML
resolver would read them back as the same string; everything else is double-quoted with explicit
escapes, so `yaml.safe_load(dump_rules(r)) == r.data` always holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import yaml

from workspace_guard.adopt.report import ImportResult

TOP_ORDER = ("version", "escalation", "superusers", "agents", "protected", "responsibilities")
ITEM_ORDER = ("pattern", "area", "patterns", "owner", "responsible", "backup", "level", "note")
INDENT = "  "

# Characters a plain scalar may use here: conservative, so no YAML indicator can sneak in.
_PLAIN = re.compile(r"[\w./+(](?:[\w./+()@ -]*[\w./+()@-])?")
# What PyYAML's reader accepts unescaped inside a double-quoted scalar.
_PRINTABLE = re.compile("[\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\x00": "\\0",
    # printable, but YAML folds them as line breaks inside quotes: escape to keep them
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
    "\ufeff": "\\ufeff",
}

Comment = Callable[[tuple[str, ...]], str | None]


def dump_rules(result: ImportResult, *, header: str) -> str:
    """`result.data` as rules-file YAML: header comment, fixed key order, provenance comments.

    The order is the contract's (version, escalation, superusers, agents, protected,
    responsibilities, then anything else); agents are sorted by name; protected rules keep their
    order because the last matching rule decides.
    """
    lines = [f"# {comment_text(line)}".rstrip() for line in header.splitlines()]
    data = result.data
    keys = [k for k in TOP_ORDER if k in data] + sorted(k for k in data if k not in TOP_ORDER)

    def comment(path: tuple[str, ...]) -> str | None:
        return _provenance(result.sources, data, path)

    for key in keys:
        lines.extend(_entry(key, data[key], 0, (key,), comment))
    return "\n".join(lines) + "\n"


def _provenance(sources: dict[str, str], data: dict[str, Any], path: tuple[str, ...]) -> str | None:
    """The ``sources`` key for a node of the tree (see `report` for the key names)."""
    if path in (("escalation",), ("superusers",)):
        return sources.get(path[0])
    if len(path) == 2 and path[0] == "agents":
        return sources.get(f"agent:{path[1]}")
    if len(path) == 2 and path[0] in ("protected", "responsibilities"):
        item = data[path[0]][int(path[1])]
        if path[0] == "protected" and isinstance(item, dict):
            return sources.get(f"protected:{item.get('pattern')}")
        if isinstance(item, dict):
            return sources.get(f"responsibility:{item.get('area')}")
    return None


def _entry(key: str, value: Any, depth: int, path: tuple[str, ...], comment: Comment) -> list[str]:
    """``key: value`` at `depth`, preceded by its provenance comment when there is one."""
    pad = INDENT * depth
    out = [f"{pad}# from {comment_text(src)}"] if (src := comment(path)) else []
    if isinstance(value, dict) and value:
        out.append(f"{pad}{scalar(key)}:")
        for sub in _ordered(value, sort=(path == ("agents",))):
            out.extend(_entry(sub, value[sub], depth + 1, (*path, sub), comment))
    elif isinstance(value, list) and value and not all(_is_scalar(v) for v in value):
        out.append(f"{pad}{scalar(key)}:")
        for index, item in enumerate(value):
            out.extend(_item(item, depth + 1, (*path, str(index)), comment))
    else:
        out.append(f"{pad}{scalar(key)}: {_inline(value)}")
    return out


def _item(value: Any, depth: int, path: tuple[str, ...], comment: Comment) -> list[str]:
    """One block-sequence item; a mapping item puts its first key on the dash line."""
    pad = INDENT * depth
    out = [f"{pad}# from {comment_text(src)}"] if (src := comment(path)) else []
    if not (isinstance(value, dict) and value):
        return [*out, f"{pad}- {_inline(value)}"]
    keys = _ordered(value, sort=False)
    body: list[str] = []
    for key in keys:
        body.extend(_entry(key, value[key], depth + 1, (*path, key), comment))
    body[0] = f"{pad}- {body[0][len(pad) + len(INDENT) :]}"
    return out + body


def _ordered(mapping: dict[str, Any], *, sort: bool) -> list[str]:
    """Keys in the human order: the known ones first, the rest sorted (or all sorted)."""
    if sort:
        return sorted(mapping)
    known = [k for k in ITEM_ORDER if k in mapping]
    return known + sorted(k for k in mapping if k not in ITEM_ORDER)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _inline(value: Any) -> str:
    """A scalar, an empty collection, or a list of scalars in flow style."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return scalar(value)


def scalar(value: Any) -> str:
    """One YAML scalar that reads back as exactly `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and _resolves_to_str(text) and ": " not in text:
        return text
    return quote(text)


def _float(value: float) -> str:
    """A float YAML 1.1 reads back as a float ('1e+20' alone would be a string)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _resolves_to_str(text: str) -> bool:
    """True when a plain `text` would be read back as a string (not a bool, number or null)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR_TAG)


def quote(text: str) -> str:
    """A double-quoted YAML scalar with every non-printable character escaped."""
    return '"' + "".join(_ESCAPES.get(ch) or _visible(ch) for ch in text) + '"'


def comment_text(text: str) -> str:
    """Text safe inside a ``#`` comment: no line breaks, nothing the YAML reader rejects."""
    return "".join(ch if ch in '\\"' else _visible(ch) for ch in text)


def _visible(ch: str) -> str:
    """`ch` itself when YAML may hold it raw (not a break, not rejected), else its escape."""
    if _PRINTABLE.match(ch) and ch not in _ESCAPES:
        return ch
    if ord(ch) <= 0xFF:
        return f"\\x{ord(ch):02x}"
    if ord(ch) <= 0xFFFF:
        return f"\\u{ord(ch):04x}"
    return f"\\U{ord(ch):08x}"

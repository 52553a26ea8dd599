"""GNU-style option parsing for the command handlers."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.syntax import _suffix, _Word


def _opts(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def _split(
    args: list[_Word], takes: frozenset[str]
) -> tuple[list[_Word], dict[str, _Word], set[str]]:
    """GNU-style option parsing: (positionals, value of each option that takes one, flags seen)."""
    pos: list[_Word] = []
    values: dict[str, _Word] = {}
    flags: set[str] = set()
    i = 0
    while i < len(args):
        word, text = args[i], args[i].text
        i += 1
        if text == "--" and word.literal:
            pos.extend(args[i:])
            break
        if not text.startswith("-") or text == "-" or not word.literal:
            pos.append(word)
        elif text.startswith("--"):
            name, eq, _ = text.partition("=")
            flags.add(name)
            if eq:
                values[name] = _suffix(word, len(name) + 1)
            elif name in takes and i < len(args):
                values[name], i = args[i], i + 1
        else:
            i, value = _short(args, i, takes, flags)
            if value is not None:
                values[value[0]] = value[1]
    return pos, values, flags


def _short(
    args: list[_Word], i: int, takes: frozenset[str], flags: set[str]
) -> tuple[int, tuple[str, _Word] | None]:
    """A cluster such as ``-rf`` or ``-s0``: flags, and the value of the option that takes one."""
    word = args[i - 1]
    text = word.text
    for j in range(1, len(text)):
        opt = "-" + text[j]
        flags.add(opt)
        if opt in takes:
            if j + 1 < len(text):
                return i, (opt, _suffix(word, j + 1))
            if i < len(args):
                return i + 1, (opt, args[i])
            break
    return i, None

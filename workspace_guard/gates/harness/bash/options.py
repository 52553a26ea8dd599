"""GNU-style option parsing for the command handlers."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.syntax import _suffix, _Word

_LONG: set[str] = set()  # every long option a handler names (filled as the tables are built)
# options that make a tool write less: taken only as spelled out, never from an abbreviation
_LIMITING = frozenset(
    [
        "--dry-run",
        "--check",
        "--list",
        "--test",
        "--stdout",
        "--to-stdout",
        "--sandbox",
        "--no-target-directory",
        "--help",
        "--version",
        "--debug",
    ]
)


def _opts(spec: str) -> frozenset[str]:
    names = frozenset(spec.split())
    _LONG.update(name for name in names if name.startswith("--"))
    return names


def long_names(name: str, takes: frozenset[str] = frozenset()) -> list[str]:
    """The long options ``--name`` may stand for: getopt_long takes any unambiguous prefix
    (``sed --in`` is ``--in-place``, ``cp --targ`` is ``--target-directory``; ATTACK F61). Not
    knowing each tool's whole list, an abbreviation is every known option it begins, so an
    ambiguous one counts as the writing one too."""
    if name in takes or len(name) < 3:
        return [name]
    found = sorted(n for n in _LONG | takes if n.startswith(name) and n not in _LIMITING)
    return list(dict.fromkeys([name, *found]))


# long flags the handlers test (registered for long_names)
_opts(
    "--in-place --directory --no-target-directory --symbolic --symbolic-link --link --extract"
    " --get --remove-source-files --inplace --recursive --mirror --remote-name"
    " --remote-name-all --expression --file --line-length --output --target-directory"
)


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
            names = long_names(name, takes)
            flags.update(names)
            if eq:
                for full in names:
                    values[full] = _suffix(word, len(name) + 1)
            elif any(full in takes for full in names) and i < len(args):
                for full in names:
                    if full in takes:
                        values[full] = args[i]
                i += 1
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

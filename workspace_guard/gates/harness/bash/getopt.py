"""One GNU ``getopt_long`` for the programs that run a command: wrappers and runners.

Why: ``env --split-string=TEXT``, ``env -iS'TEXT'``, ``env --sp=TEXT``, ``env --chdi=DIR``,
``sudo --chdir=app``, ``npx --call=CMD`` (ATTACK F108) reached their command unread because each
handler read its options by exact word. Here every spelling getopt_long accepts is read the same
way: long options with ``=VALUE`` or the next word, any unambiguous prefix of a long option, short
options clustered (``-iS…``) with the value attached (``-Capp``) or in the next word, ``--`` to
end them, and the first operand ending them (the ``+`` of these programs' option strings). An
option the table does not know ends the reading with ``unknown`` set: the caller refuses the
command (a wrapper option that is not understood may hide the command it runs).
"""

from __future__ import annotations

import re

from workspace_guard.core.record import Record
from workspace_guard.gates.harness.bash.syntax import _suffix, _Word


class _Opt(Record):
    name: str  # the canonical spelling (the first one the spec gives)
    value: str  # "" a flag, "=" a required value, "?" an optional value (attached only)


class OptSpec:
    """``"-S|--split-string= -i|--ignore-environment --block-signal=?"``: each token is one
    option's spellings, ``=`` after it when it takes a value, ``=?`` when the value is optional;
    ``loose``: an unknown option is one word (tools whose long options take ``=VALUE`` only);
    ``numeric``: ``-N``/``--N`` words are options (``nice -10``)."""

    def __init__(self, spec: str, loose: bool = False, numeric: bool = False) -> None:
        self.short: dict[str, _Opt] = {}
        self.long: dict[str, _Opt] = {}
        self.loose, self.numeric = loose, numeric
        for token in spec.split():
            kind = "?" if token.endswith("=?") else "=" if token.endswith("=") else ""
            names = token.rstrip("=?").split("|")
            opt = _Opt(name=names[0], value=kind)
            for name in names:
                if name.startswith("--"):
                    self.long[name[2:]] = opt
                else:
                    self.short[name[1:]] = opt

    def find_long(self, name: str) -> _Opt | None:
        """The option ``--name`` stands for: an exact spelling, else the one option every long
        spelling it begins belongs to (getopt_long refuses an ambiguous abbreviation)."""
        if name in self.long:
            return self.long[name]
        found = {self.long[n].name: self.long[n] for n in self.long if n.startswith(name)}
        return next(iter(found.values())) if len(found) == 1 and name else None


class Parsed(Record):
    """The options in order (name, value, index of the word after it), the operands from the
    first one on, and the option that could not be read ("" when all were)."""

    opts: list[tuple[str, _Word | None, int]]
    rest: list[_Word]
    unknown: str = ""
    missing: bool = False  # an option lacks its value: the program runs nothing


_NUMERIC = re.compile(r"-[-+]?[0-9]+")


def getopt(args: list[_Word], spec: OptSpec, start: int = 0) -> Parsed:
    """Read ``args[start:]`` as getopt_long with a ``+`` option string would."""
    opts: list[tuple[str, _Word | None, int]] = []
    i = start
    while i < len(args):
        word, text = args[i], args[i].text
        if text == "--" and word.literal:
            return Parsed(opts=opts, rest=args[i + 1 :])
        if not text.startswith("-") or text == "-":
            break
        i, bad = read_option(args, i, spec, opts)
        if bad:
            return Parsed(opts=opts, rest=args[i:], unknown=bad)
        if i < 0:
            return Parsed(opts=opts, rest=[], missing=True)
    return Parsed(opts=opts, rest=args[i:])


def read_option(
    args: list[_Word], i: int, spec: OptSpec, opts: list[tuple[str, _Word | None, int]]
) -> tuple[int, str]:
    """Read the option word ``args[i]`` (and its value) into ``opts``: (the next index, or -1
    when a value is missing, and the spelling not understood, "" when it was)."""
    word, text = args[i], args[i].text
    i += 1
    if spec.numeric and _NUMERIC.fullmatch(text):
        opts.append(("-n", _Word([]), i))
        return i, ""
    if not text.startswith("--"):
        return _cluster(args, i, spec, opts)
    name, eq, _ = text[2:].partition("=")
    opt = spec.find_long(name)
    if opt is None or (eq and not opt.value):
        if spec.loose:  # an unknown option (or a flag given a value) is this one word
            opts.append((opt.name if opt else text.partition("=")[0], None, i))
            return i, ""
        return i - 1, text.partition("=")[0]
    if eq:
        opts.append((opt.name, _suffix(word, len(name) + 3), i))
    elif opt.value == "=":
        if i >= len(args):
            return -1, ""
        opts.append((opt.name, args[i], i + 1))
        i += 1
    else:
        opts.append((opt.name, None, i))
    return i, ""


def _cluster(
    args: list[_Word], i: int, spec: OptSpec, opts: list[tuple[str, _Word | None, int]]
) -> tuple[int, str]:
    """``-iS…``, ``-Capp``, ``-u NAME``: as :func:`read_option`."""
    word = args[i - 1]
    text = word.text
    for j in range(1, len(text)):
        opt = spec.short.get(text[j])
        if opt is None:
            if spec.loose:
                opts.append((text, None, i))
                return i, ""
            return i - 1, "-" + text[j]
        if not opt.value:
            opts.append((opt.name, None, i))
            continue
        if j + 1 < len(text):
            opts.append((opt.name, _suffix(word, j + 1), i))
        elif opt.value == "?":
            opts.append((opt.name, None, i))
        elif i < len(args):
            opts.append((opt.name, args[i], i + 1))
            return i + 1, ""
        else:
            return -1, ""
        return i, ""
    return i, ""


def shell_quoted(words: list[_Word]) -> str:
    """Words as shell text giving the same words (expansions kept as written, double-quoted)."""
    import shlex

    out = []
    for word in words:
        if word.literal:
            out.append(shlex.quote(word.text))
        else:
            out.append('"' + word.text.replace('"', '\\"') + '"')
    return " ".join(out)

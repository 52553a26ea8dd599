"""Text bash evaluates again as code (ATTACK F44): arithmetic, name arguments, prompts.

Why: bash expands an array subscript met in arithmetic — the value of a variable named in
``$(( ))``, ``(( ))``, ``let``, ``[[ -eq ]]``, ``declare -i``, ``${a[x]}``, ``${s:x}`` — and a
subscript in a name argument (``printf -v``, ``read``, ``test -v``, ``${!x}``), so
``x='a[$(cmd)]'; echo $((x))`` runs ``cmd``; prompt expansion (``${x@P}``, PS4 with xtrace, PS1,
zsh ``${(e)x}``) runs the substitutions in a value too. A value known here is analysed where it is
evaluated; a value only known at run time (read, a command's output) evaluated there is code from
nowhere: any file. Values that hold only numbers (an arithmetic result, ``$(wc -l …)``, a loop over
literal words) stay data.
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _Env, _expand
from workspace_guard.gates.harness.bash.syntax import _NAME, _suffix, _Word
from workspace_guard.gates.harness.bash.varwrites import write

_IDENT = re.compile(r"(?<![\w#.])[A-Za-z_]\w*")
_LHS = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)(.*)", re.DOTALL)
# what arithmetic assigns: `x = 1`, `x += 1`, `a[k] <<= 1`, `x++`, `--x` (ATTACK F77)
_SETS = re.compile(
    r"(?<![\w#.])([A-Za-z_]\w*)(?:\[[^]]*\])?\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)"
    r"|(?:\+\+|--)\s*([A-Za-z_]\w*)|(?<![\w#.])([A-Za-z_]\w*)\s*(?:\+\+|--)"
)
_PIECES = re.compile(r"[;,]")
_SUB = re.compile(r"\$\(|`")
# command substitutions whose output is a number (or nothing): their text is not code
_NUMERIC = re.compile(
    r"\s*(?:[^|;&`$()]*\|\s*)?(?:"
    r"wc(?:\s+-[lcmwL]+)+(?:\s+[^|;&`$()]*)?"
    r"|grep\s+(?:-\w+\s+)*-\w*c\w*\b[^|;&`$()]*"
    r"|git\s+rev-list\s+--count\b[^|;&`$()]*"
    r"|date\s+['\"]?\+(?:%[sNYmdHMSjuVw])+['\"]?"
    r"|seq(?:\s+(?:-w|-?\d+(?:\.\d+)?))+"
    r"|nproc|id\s+-[ug]|stat\s+-c\s*['\"]?%[sYXZi]['\"]?\s[^|;&`$()]*"
    r")\s*"
)
_MAX_DEPTH = 8
PROMPTS = ("PS0", "PS1", "PS2", "PS4")


def numeric(text: str) -> bool:
    """Whether ``text`` is ``$((…))``, ``$[…]`` or a substitution whose output is a number."""
    if text.startswith(("$((", "$[")):
        return True
    if text.startswith("$(") and text.endswith(")"):
        return _NUMERIC.fullmatch(text[2:-1]) is not None
    return False


def _dynamic(env: _Env, what: str) -> None:
    env.unknown_code(f"{what}: a value only known at run time that bash evaluates as code")
    env.add_any("dynamic-output")


def expansions(env: _Env, text: str) -> None:
    """The substitutions bash runs when it expands ``text`` as a double-quoted word (a subscript,
    a prompt): analysed as the commands they are."""
    if "$" not in text and "`" not in text:
        return
    delim = "WG_EXPANDED"
    while delim in text:
        delim += "_"
    env.shell.run_text(f": <<{delim}\n{text}\n{delim}\n", env.ctx.fork(), env.out, env.depth + 1)


def _substitutions(text: str) -> list[tuple[int, int]]:
    """Spans of the ``$( … )`` and backquotes in ``text`` (``$((`` excluded)."""
    spans, i = [], 0
    while (m := _SUB.search(text, i)) is not None:
        start = m.start()
        if text.startswith("$((", start):
            i = start + 3
            continue
        if m.group() == "`":
            end = text.find("`", start + 1)
            end = len(text) if end < 0 else end + 1
        else:
            end, depth = start + 2, 1
            while end < len(text) and depth:
                depth += (text[end] == "(") - (text[end] == ")")
                end += 1
        spans.append((start, end))
        i = end
    return spans


def arithmetic(env: _Env, text: str, seen: frozenset[str] = frozenset()) -> None:
    """``text`` evaluated as arithmetic: every variable it names is evaluated in turn."""
    if len(seen) > _MAX_DEPTH:
        return
    stripped = text
    for start, end in reversed(_substitutions(text)):
        sub = text[start:end]
        if not numeric(sub):  # its output is evaluated: `$(( $(cat f) ))`
            _dynamic(env, sub)
        stripped = stripped[:start] + " " + stripped[end:]
    for piece in _PIECES.split(stripped):  # evaluated in order: `i = 0; i < n; i++`
        m = _LHS.match(piece)
        for name in dict.fromkeys(_IDENT.findall(m.group(2) if m else piece)):
            if name not in seen:
                _evaluated(env, name, seen | {name})
        for names in _SETS.findall(piece):  # `(( IFS = 0 ))`: a number known at run time
            write(env, next(n for n in names if n), None)
        if m:
            env.out.inert.add(m.group(1))  # `(( i = 0 ))`, `let i=1`: a number from now on


def _evaluated(env: _Env, name: str, seen: frozenset[str]) -> None:
    """The variable ``name`` read by arithmetic: its value is an expression too."""
    target = env.ctx.resolve(name)
    if target is None:
        _dynamic(env, f"${name}")
        return
    value = env.ctx.vars.get(target)
    if value is not None:
        if "$" in value or "`" in value:
            expansions(env, value)
        if any(c.isalpha() or c == "_" for c in value):
            arithmetic(env, value, seen)
    elif target in env.out.assigned and target not in env.out.inert:
        _dynamic(env, f"${target}")


def name_argument(env: _Env, word: _Word) -> None:
    """A word bash takes as a variable name (``printf -v W``, ``read W``, ``test -v W``): a
    subscript in it is expanded and evaluated."""
    if word.literal:
        text = word.text
    else:
        alts = _expand(word, env.ctx, False)
        if len(alts) != 1 or alts[0][2]:
            names = [n for n in _IDENT.findall(word.text) if n in env.out.assigned]
            if names or word.subs:
                _dynamic(env, word.text)
            return
        text = alts[0][0]
    reference(env, text)


def reference(env: _Env, text: str) -> None:
    """``NAME[SUBSCRIPT]`` used as a variable: the subscript is expanded and evaluated."""
    if "[" not in text:
        return
    subscript = text[text.index("[") + 1 : text.rindex("]") if "]" in text else len(text)]
    if subscript in ("@", "*"):
        return
    expansions(env, subscript)
    arithmetic(env, subscript)


def _value_of(env: _Env, name: str) -> str | None:
    """A variable's value, or None after reporting one only known at run time as code."""
    target = env.ctx.resolve(name)
    value = None if target is None else env.ctx.vars.get(target)
    if value is None and (target is None or target in env.out.assigned):
        _dynamic(env, f"${name}")
    return value


_PARAM = re.compile(r"\$\{(?P<flags>\([^)]*\))?(?P<bang>!)?(?P<name>[A-Za-z_]\w*)(?P<rest>.*)\}")
_SLICE = re.compile(r":(?![-=+?])([^:]*)(?::(.*))?")


def parameter(env: _Env, text: str) -> None:
    """``${…}``: indirection, prompt expansion, zsh's ``(e)``, subscripts, offsets."""
    m = _PARAM.fullmatch(text)
    if m is None:
        return
    name, rest = m.group("name"), m.group("rest")
    if m.group("bang") and not rest.startswith(("@", "*", "[@]", "[*]")):
        value = _value_of(env, name)
        if value is not None:
            reference(env, value)
    if rest == "@P" or (m.group("flags") and "e" in m.group("flags")):
        value = _value_of(env, name)
        if value is not None:
            expansions(env, value)
    if rest.startswith("["):
        end = rest.find("]")
        if end > 0:
            reference(env, rest[: end + 1])
            rest = rest[end + 1 :]
    sliced = _SLICE.fullmatch(rest)
    if sliced is not None:
        for piece in sliced.groups():
            if piece:
                arithmetic(env, piece)


def word(env: _Env, word: _Word) -> None:
    """Every place in ``word`` where bash evaluates text again."""
    for part in word.parts:
        text = part.text
        if part.kind == "a" and text.startswith("(("):
            arithmetic(env, text[2:-2])
        elif part.kind in "vV" and text.startswith("$(("):
            arithmetic(env, text[3:-2])
        elif part.kind in "vV" and text.startswith("$["):
            arithmetic(env, text[2:-1])
        elif part.kind in "vV" and text.startswith("${"):
            parameter(env, text)


def heredoc(env: _Env, body: str) -> None:
    """An unquoted here-document's ``$(( ))`` and ``${…}``."""
    for m in re.finditer(r"\$\(\((.*?)\)\)|\$\{[^}]*\}", body):
        if m.group(1) is not None:
            arithmetic(env, m.group(1))
        else:
            parameter(env, m.group())


def assignment(env: _Env, name: str, value: _Word) -> None:
    """``NAME=VALUE`` (alone, as a prefix, or by declare/export): prompts are expanded, an
    integer variable's value and an array subscript are evaluated."""
    base = name.rstrip("+")
    if base.startswith(("BASH_ALIASES", "BASH_CMDS")):  # command names (varwrites.py)
        return
    if "[" in base:
        reference(env, base)
        base = base[: base.index("[")]
    if base in PROMPTS or base == "PROMPT_COMMAND":
        if value.literal or not (value.subs or any(p.kind in "vV" for p in value.parts)):
            if base == "PROMPT_COMMAND":
                env.analyze_text(value.text)
            else:
                expansions(env, value.text)
        else:
            _dynamic(env, f"{base}={value.text}")
    if base in env.out.integers:
        arithmetic(env, value.text)
    if len(value.parts) == 1 and value.parts[0].kind in "vV" and numeric(value.text):
        env.out.inert.add(base)
    elif not value.literal:
        env.out.inert.discard(base)


def loop(env: _Env, name: str, words: list[_Word]) -> None:
    """``for NAME in WORDS``: NAME holds data when every word is plain text (no expansion, no
    glob: a file name may hold a subscript too)."""
    plain = all(
        (w.literal and not any(c in w.text for c in "$`*?["))
        or (len(w.parts) == 1 and w.parts[0].kind == "v" and numeric(w.text))
        for w in words
    )
    if plain and words:
        env.out.inert.add(name)
    else:
        env.out.inert.discard(name)


def command(env: _Env, name: str, args: list[_Word]) -> None:
    """Builtins that evaluate their arguments: let, test -v, printf -v, read, declare -i…"""
    texts = [w.text for w in args]
    if name == "let":
        for arg in args:
            arithmetic(env, arg.text)
    elif name in ("test", "[", "[["):
        for k, text in enumerate(texts[:-1]):
            if text in ("-v", "-R"):
                name_argument(env, args[k + 1])
            elif name == "[[" and text in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge") and k:
                arithmetic(env, texts[k - 1])
                arithmetic(env, texts[k + 1])
    elif name == "printf":
        for k, text in enumerate(texts[:-1]):
            if text == "-v":
                name_argument(env, args[k + 1])
    elif name in ("read", "mapfile", "readarray", "unset", "wait", "getopts"):
        for k, arg in enumerate(args):
            option = arg.text.startswith("-") and arg.literal
            value_of = k and texts[k - 1] in (
                "-d",
                "-i",
                "-n",
                "-N",
                "-p",
                "-t",
                "-u",
                "-C",
                "-c",
            )
            if not option and not value_of and not (name == "getopts" and k == 0):
                name_argument(env, arg)
    elif name in ("declare", "export"):
        _declare(env, args, name == "declare")


def _declare(env: _Env, args: list[_Word], subscripts: bool = True) -> None:
    """``declare``'s names and values; ``export`` and ``readonly`` (``subscripts`` False) refuse
    a subscript unevaluated."""
    integer = any(w.text.startswith("-") and "i" in w.text[1:] for w in args)
    for arg in args:
        if arg.text.startswith(("-", "+")):
            continue
        target, eq, _ = arg.text.partition("=")
        if not _NAME.fullmatch(target.split("[", 1)[0].rstrip("+")):
            if subscripts:
                name_argument(env, arg)
            continue
        if integer:
            env.out.integers.add(target)
        if eq:
            assignment(env, target, _suffix(arg, len(target) + 1))
        else:
            reference(env, target)

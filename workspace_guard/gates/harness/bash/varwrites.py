"""Every writer of a shell variable, read one way (ATTACK F76, F77).

Why: IFS decides how ``$x`` splits into a command and its arguments, ``BASH_ALIASES`` and
``BASH_CMDS`` decide what a command name runs, a nameref decides which variable an assignment
sets; bash writes them through many syntaxes — ``IFS+=:``, ``read IFS``, ``printf -v IFS :``,
``for IFS in :``, ``IFS=: eval …``, ``declare -A BASH_ALIASES=(…)``, ``${x:=v}``, ``(( x = 1 ))``,
a nameref with a computed target. Each writer hands its name and value to :func:`write`, the one
place that knows what the variables the analysis tracks mean. A value not readable here makes the
variable unknown: for IFS, unquoted expansions split at run time; for the command tables, every
later command name is code from nowhere. Names only known at run time (``declare "$v=…"``) make
every variable unknown.
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash import loopvars
from workspace_guard.gates.harness.bash.env import _ASSIGN, _assign, _copied, _Env, _expand
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.syntax import _NAME, _Part, _suffix, _Word

# variables whose entries are command names: an alias, a path bash runs for a name (hash table),
# and zsh's tables of aliases, command paths and function bodies; zsh's global and suffix aliases
GLOBAL_TABLES = ("galiases", "saliases", "dis_galiases", "dis_saliases")
TABLES = ("BASH_ALIASES", "BASH_CMDS", "aliases", "commands", "functions", *GLOBAL_TABLES)
# reserved words: an alias of one expands wherever the word stands first (`echo x | if f`)
RESERVED = _opts(
    "if then else elif fi case esac for select while until do done in function time coproc"
    " { } ! [[ ]]"
)
_SPECIAL = ("IFS", *TABLES)
_ENTRY = re.compile(r"\[([\w.:+-]+)\]=([\w./:+,@%-]*)")
# special builtins: a prefix assignment persists after them in POSIX mode (`sh`, `bash --posix`)
SPECIAL_BUILTINS = _opts(
    "eval . source : export readonly set shift exec exit return trap unset break continue times"
)


def value_text(env: _Env, value: _Word | None) -> str | None:
    """The text ``value`` expands to, when this command alone decides it (None: at run time)."""
    if value is None:
        return None
    if value.literal:
        return value.text
    if _copied(value, env.ctx):
        return _expand(value, env.ctx, False)[0][0]
    return None


def unknown_names(env: _Env, aliases: bool = True) -> None:
    """A write to variables named only at run time: any of them may now hold anything."""
    ctx = env.ctx
    ctx.vars.clear()
    ctx.ifs_unknown = True
    ctx.refs = {name: None for name in ctx.refs}
    env.out.rebound = env.out.rebound | {"HOME", "CDPATH"}
    if aliases:
        env.out.aliases["*"] = None


def assign_word(env: _Env, word: _Word) -> None:
    """``NAME=VALUE``, ``NAME+=VALUE``, ``NAME[K]=VALUE`` as written (alone or by declare)."""
    name = word.text.partition("=")[0]
    base = name.rstrip("+").split("[", 1)[0]
    if base in env.ctx.refs or base in _SPECIAL or name.endswith(("+", "]")):
        write(env, name, _suffix(word, len(name) + 1))
    else:
        _assign(env, word)


def write(env: _Env, name: str, value: _Word | None) -> None:
    """The variable ``name`` (``NAME``, ``NAME+``, ``NAME[K]``) set to ``value`` (None: a value
    only known at run time)."""
    append = name.endswith("+")
    base, bracket, sub = name.rstrip("+").partition("[")
    sub = bracket + sub
    if not _NAME.fullmatch(base):
        unknown_names(env)
        return
    ctx = env.ctx
    if base in ctx.refs:  # through a nameref (ATTACK F50)
        text = value_text(env, value)
        if ctx.refs[base] == "" and not sub and not append and text and _NAME.fullmatch(text):
            ctx.refs[base] = text  # `declare -n r; r=x`: r now names x
            return
        resolved = ctx.resolve(base)
        if resolved is None:
            ctx.refs[base] = None
            unknown_names(env)
            return
        base = resolved
    if base in env.out.integers and value is not None:  # `declare -i IFS; IFS=1+1`
        value = None
    if base in TABLES:
        _table(env, base, sub, value, append)
    elif base == "IFS":
        text = value_text(env, value)
        old = ctx.ifs() if append else ""
        if text is None or old is None or sub not in ("", "[0]"):
            ctx.vars.pop("IFS", None)
            ctx.ifs_unknown = True
        else:
            ctx.vars["IFS"] = old + text
            ctx.ifs_unknown = False
    elif sub or append or value is None:
        text = value_text(env, value)
        old_value = ctx.vars.get(base)
        if append and not sub and text is not None and old_value is not None:
            ctx.vars[base] = old_value + text
        else:
            ctx.vars.pop(base, None)
    else:
        parts = [_Part(base + "=", "u"), *value.parts]
        _assign(env, _Word(parts, value.subs, uncertain=value.uncertain))


def _table(env: _Env, base: str, sub: str, value: _Word | None, append: bool) -> None:
    """``BASH_ALIASES[cat]=tee``, ``BASH_CMDS=([cat]=/usr/bin/tee)``, zsh's ``aliases``,
    ``commands``, ``functions``: command names defined."""
    aliases = env.out.aliases
    if base in GLOBAL_TABLES:
        global_aliases(env, base)
        return
    text = value_text(env, value)
    key = sub[1:-1].strip("'\"") if sub.endswith("]") else ""
    if sub and key and "$" not in key and "`" not in key:
        if key in RESERVED:
            aliases["*"] = None
        elif append:
            old = aliases.get(key, "")
            aliases[key] = None if text is None or old is None else old + text
        else:
            aliases[key] = text
        return
    if not sub and value is not None and not value.text.startswith("("):
        return  # `BASH_ALIASES=x` sets the entry `0` (bash): no command is named 0
    if not sub and value is not None and not any(c in value.text for c in "$`"):
        text = value.text  # `(…)`: an array of literal words
    if not sub and text is not None and text.startswith("(") and text.endswith(")"):
        words = text[1:-1].split()
        entries = [_ENTRY.fullmatch(word) for word in words]
        if words and all(entries):  # `([cat]=tee [ls]=x)`: plain keys and words, nothing else
            for m in entries:
                assert m is not None
                name = m.group(1)
                aliases["*" if name in RESERVED else name] = m.group(2)
            return
        if not any(c in text for c in "'\"\\[=$`"):  # zsh: `(KEY VALUE…)`; odd: refused
            pairs = zip(words[::2], words[1::2], strict=False) if len(words) % 2 == 0 else []
            for name, entry in pairs:
                aliases["*" if name in RESERVED else name] = entry
            return
    # anything else (a quoted entry `([ls]='cd app; …')`, `"[k]"=v`, a word without a key):
    # aliases the analysis cannot list (ATTACK F122)
    aliases["*"] = None


def global_aliases(env: _Env, what: str) -> None:
    """zsh's global and suffix aliases (``alias -g``, ``alias -s``, ``galiases``): any word of
    a later command may be replaced, so it may write any file."""
    env.unknown_code(f"{what}: aliases that replace any word of a later command")
    env.add_any("dynamic-output")


def unset(env: _Env, args: list[_Word]) -> None:
    """``unset [-v|-n|-f] NAME…``."""
    mode = "-v"
    for word in args:
        if word.literal and word.text in ("-v", "-f", "-n"):
            mode = word.text
            continue
        if mode == "-f":
            continue
        if not word.literal:
            unknown_names(env, aliases=False)
            continue
        base, _, sub = word.text.partition("[")
        if mode == "-n":
            env.ctx.refs.pop(base, None)
            env.ctx.vars.pop(base, None)
            continue
        base = env.ctx.resolve(base) or base
        if base in TABLES:
            key = sub[:-1].strip("'\"")
            # bash keeps the aliases (and hashed paths) an unset BASH_ALIASES held, zsh drops
            # them: the name's meaning is not known here either way
            for name in [key] if sub else [k for k in env.out.aliases if k != "*"]:
                env.out.aliases[name] = None
        elif base == "IFS":
            env.ctx.vars.pop("IFS", None)
            env.ctx.ifs_unknown = False
        else:
            env.ctx.vars.pop(base, None)


_READ_VALUES = _opts("-d -i -n -N -p -t -u")
_MAPFILE_VALUES = _opts("-d -n -O -s -u -C -c")


def _names_after_options(
    args: list[_Word], takes: frozenset[str]
) -> tuple[list[_Word], dict[str, _Word]]:
    """The operands after the options (``takes``: options with a value), and ``-a``/``-v``."""
    operands: list[_Word] = []
    valued: dict[str, _Word] = {}
    k = 0
    while k < len(args):
        word = args[k]
        text = word.text
        if word.literal and text == "--":
            operands.extend(args[k + 1 :])
            break
        if word.literal and text.startswith("-") and len(text) > 1 and not operands:
            for j, flag in enumerate(text[1:]):
                option = "-" + flag
                if option in takes or option in ("-a", "-v"):
                    glued = text[j + 2 :]
                    if glued:
                        valued[option] = _suffix(word, j + 2)
                    elif k + 1 < len(args):
                        k += 1
                        valued[option] = args[k]
                    break
            k += 1
            continue
        operands.append(word)
        k += 1
    return operands, valued


def _name(env: _Env, word: _Word, value: _Word | None) -> None:
    """A name argument (``read W``, ``printf -v W``): known, or any variable."""
    text = word.text if word.literal else value_text(env, word)
    if text is None or not _NAME.fullmatch(text.split("[", 1)[0]):
        unknown_names(env)
    else:
        write(env, text, value)


def command(env: _Env, name: str, head: str, args: list[_Word]) -> None:
    """The variables builtin ``name`` (``head`` as written) sets."""
    if name == "declare":
        _declare(env, head, args)
    elif name == "printf":
        _, valued = _names_after_options(args, frozenset())
        target = valued.get("-v")
        if target is not None:
            _name(env, target, _printf_value(args))
    elif name == "read":
        operands, valued = _names_after_options(args, _READ_VALUES)
        names = operands + ([valued["-a"]] if "-a" in valued else [])
        for word in names or [_plain_word("REPLY")]:
            _name(env, word, None)
    elif name in ("mapfile", "readarray"):
        operands, _ = _names_after_options(args, _MAPFILE_VALUES)
        for word in operands[:1] or [_plain_word("MAPFILE")]:
            _name(env, word, None)
    elif name == "getopts" and len(args) > 1:
        _name(env, args[1], None)
        write(env, "OPTARG", None)
    elif name == "unset":
        unset(env, args)
    elif name in (".", "eval"):
        unknown_names(env, aliases=False)  # a script or text not read here sets anything
    elif name in ("zparseopts", "vared", "zle", "zmodload"):  # zsh builtins naming variables
        texts = " ".join(w.text for w in args)
        for var in (*TABLES, "IFS"):
            if re.search(rf"\b{var}\b", texts):
                write(env, var, None)


def _plain_word(text: str) -> _Word:
    return _Word([_Part(text, "q")])


def _printf_value(args: list[_Word]) -> _Word | None:
    """``printf -v V FORMAT [ARG]``: FORMAT without conversions, or ``%s`` of one literal."""
    rest: list[_Word] = []
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        if word.literal and word.text == "-v":
            skip = True
            continue
        if word.literal and word.text.startswith("-v"):
            continue
        rest.append(word)
    if rest and rest[0].literal and rest[0].text == "--":
        rest = rest[1:]
    if len(rest) == 1 and rest[0].literal and not re.search(r"[%\\]", rest[0].text):
        return rest[0]
    if len(rest) == 2 and rest[0].literal and rest[0].text == "%s" and rest[1].literal:
        return rest[1]
    return None


def _declare(env: _Env, head: str, args: list[_Word]) -> None:
    """declare/typeset/local/export/readonly: each assignment; names known at run time."""
    if any(w.literal and w.text.startswith("-") and "n" in w.text[1:] for w in args):
        return  # `declare -n R=NAME`: a nameref (shellnames.namerefs)
    options = True
    transformed = any(  # attributes that change the value assigned: integer, lower/upper case
        w.literal and w.text.startswith("-") and set(w.text[1:]) & set("ilu") for w in args
    )
    for word in args:
        text = word.text
        if options and word.literal and text.startswith(("-", "+")) and text not in ("-", "+"):
            if text == "--":
                options = False
            continue
        options = False
        first = word.parts[0] if word.parts else None
        literal_name = first is not None and first.kind in "uq" and "=" in first.text
        if literal_name and _ASSIGN.match(text):
            name = text.partition("=")[0]
            write(env, name, None if transformed else _suffix(word, len(name) + 1))
            if transformed:  # `declare -i IFS=1+1`, `declare -l IFS=X`: later values too
                env.out.integers.add(name.rstrip("+").split("[", 1)[0])
        elif transformed and word.literal and _NAME.fullmatch(text):
            env.out.integers.add(text)
            write(env, text, None)
        elif word.literal and _NAME.fullmatch(text) and head in ("declare", "typeset", "local"):
            # in a function, `local f` / `declare f` is a new, unset f (global `declare f`
            # keeps the value: either way, not the value known before)
            write(env, text, None)
        elif not word.literal and not literal_name:
            # `declare "$v=…"`, `export $(cat .env)` (export and readonly take no subscript)
            unknown_names(env, aliases=head not in ("export", "readonly"))


_DEFAULT = re.compile(r"\$\{(!?)([A-Za-z_]\w*(?:\[[^]]*\])?):?=")


def defaults(env: _Env, text: str) -> None:
    """``${NAME:=VALUE}``/``${NAME=VALUE}`` (``${!REF:=VALUE}``: the variable REF names) in
    ``text`` assign NAME when it is unset or empty."""
    if "=" not in text:
        return
    for m in _DEFAULT.finditer(text):
        name = m.group(2)
        if m.group(1):
            name = value_text(env, _Word([_Part("$" + name, "v")])) or "$"
        write(env, name, _default_value(text, m.end()))


def word_defaults(env: _Env, word: _Word) -> None:
    """The default assignments in a word's expansions."""
    for part in word.parts:
        if part.kind in "vV":
            defaults(env, part.text)


def redirection(env: _Env, fd: str) -> None:
    """``{NAME}>FILE``: bash stores the descriptor number in NAME."""
    if fd.startswith("{"):
        write(env, fd[1:-1], None)


def _default_value(text: str, start: int) -> _Word | None:
    """The literal VALUE of ``${NAME:=VALUE}`` (None: it expands something)."""
    depth, end = 1, start
    while end < len(text) and depth:
        depth += (text[end] == "{") - (text[end] == "}")
        end += 1
    value = text[start : end - 1]
    if any(c in value for c in "$`\\'\"") or not value:
        return None
    return _plain_word(value)


def loop(env: _Env, name: str, words: list[_Word]) -> None:
    """``for NAME in WORDS`` (``select``): one plain word is known; several literal words or
    globs are each value in turn (loopvars.py); anything else is only known at run time."""
    plain = len(words) == 1 and not any(
        p.kind == "u" and any(c in p.text for c in "*?[{") for p in words[0].parts
    )
    write(env, name, words[0] if plain else None)
    listed = None if plain else loopvars.bind(name, words)
    if listed is not None and name not in env.ctx.refs:
        env.ctx.vars[name] = listed


def prefixed(env: _Env, words: list[_Word]) -> list[tuple[str, str | None, bool]]:
    """Prefix assignments of ``eval``, ``source``, ``.``, other builtins and functions: in effect
    while they run (set now; :func:`restore` undoes them)."""
    saved = []
    for word in words:
        var = word.text.partition("=")[0].rstrip("+").split("[", 1)[0]
        saved.append((var, env.ctx.vars.get(var), env.ctx.ifs_unknown))
        assign_word(env, word)
    return saved


def restore(env: _Env, name: str, saved: list[tuple[str, str | None, bool]]) -> None:
    """After the command: the old values back, but a special builtin's stay in POSIX mode (the
    harness's shell may be ``sh``): either value, so unknown where they differ."""
    for var, old, ifs_unknown in reversed(saved):
        new = env.ctx.vars.get(var)
        if old is None:
            env.ctx.vars.pop(var, None)
        else:
            env.ctx.vars[var] = old
        if var == "IFS":
            changed = env.ctx.ifs_unknown != ifs_unknown or new != old
            env.ctx.ifs_unknown = ifs_unknown or (name in SPECIAL_BUILTINS and changed)
        elif name in SPECIAL_BUILTINS and new != old:
            env.ctx.vars.pop(var, None)


# Names a command may assign: `X=`, `read [-opts] A B`, `mapfile A`, `for A in`, `printf -v A`,
# `declare/local/export A`, `getopts o A` (over-approximated: every identifier after those words).
_ASSIGNED = re.compile(r"(?<![\w$])([A-Za-z_]\w*)(?:\[[^]]*\])?\+?=|\{([A-Za-z_]\w*)\}[<>]")
_BINDERS = re.compile(
    r"\b(?:read|mapfile|readarray|for|select|printf|declare|typeset|local|export|readonly"
    r"|getopts|let|unset|source|\.)\b([^;&|\n]*)"
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_BOUND = re.compile(r"\$\{?[A-Za-z_]\w*|\[[^]]*\]|\d*(?:<<<|<<-?|[<>]&?)\s*\S+")


_REBINDS = {
    name: re.compile(
        rf"(?<![\w$]){name}(?:\[[^]]*\])?\+?=|\b(?:read|mapfile|readarray|declare|typeset|local"
        rf"|export|readonly|printf|getopts|for|select)\b[^;&|\n]*\b{name}\b"
    )
    for name in ("HOME", "CDPATH")
}


def rebound_names(command: str) -> frozenset[str]:
    """Which of HOME and CDPATH the command may set (where `cd` and `~` lead)."""
    return frozenset(name for name, pattern in _REBINDS.items() if pattern.search(command))


def assigned_names(command: str) -> frozenset[str]:
    """Every variable name ``command`` may assign (with ``REPLY``, read's default)."""
    names = {name for pair in _ASSIGNED.findall(command) for name in pair if name}
    for rest in _BINDERS.findall(command):  # not `read -a A <<< "$PATH"`, `declare -A m=([k]=1)`
        names.update(_IDENT.findall(_NOT_BOUND.sub(" ", rest)))
    if re.search(r"\bread\b", command):
        names.add("REPLY")
    return frozenset(names)

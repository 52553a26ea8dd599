"""Names a command gives new meanings: aliases (ATTACK F47) and namerefs (F50).

Why: ``alias cat=tee`` makes a read-only command write, and ``declare -n r=x`` makes ``$r`` the
value of ``x``; both are shell state the command itself sets, tracked here as the walk meets it.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _Env
from workspace_guard.gates.harness.bash.mentions import _unknown
from workspace_guard.gates.harness.bash.syntax import _NAME, _plain, _suffix, _Word
from workspace_guard.gates.harness.bash.varwrites import RESERVED, global_aliases, value_text


def aliased(env: _Env, words: list[_Word]) -> bool:
    """``alias NAME=TEXT`` made earlier in the command: ``NAME ARGS`` runs ``TEXT ARGS``
    (ATTACK F47; bash reads aliases a line later, the analysis from the definition on)."""
    name = words[0].text
    aliases = env.out.aliases
    if name in env.out.expanding or (name not in aliases and "*" not in aliases):
        return False
    text = aliases.get(name)
    if text is None:
        env.unknown_code(f"{name}: an alias whose text is only known at run time")
        env.add_any("dynamic-output")
        _unknown(env, words[1:])
        return True
    following = _following(aliases, text, words[1:])
    if following is None:
        env.unknown_code(f"{name}: an alias ending in a blank, followed by one not known here")
        env.add_any("dynamic-output")
        _unknown(env, words[1:])
        return True
    expanded, rest_words = following
    why = relexes(text + expanded)
    if why:  # bash reads the alias's text as input: the rest of the line reads another way
        env.unknown_code(f"{name}: an alias whose text {why} (ATTACK F119)")
        env.add_any("dynamic-output")
        _unknown(env, words[1:])
        return True
    env.out.expanding.add(name)
    try:
        rest = " ".join(_source_text(w) for w in rest_words)
        env.shell.run_text(f"{text}{expanded} {rest}", env.ctx, env.out, env.depth + 1)
    finally:
        env.out.expanding.discard(name)
    return True


def relexes(text: str) -> str | None:
    """Why bash, reading ``text`` as input before the rest of the line, would lex that rest
    another way than the words the analysis holds (ATTACK F119): a comment (``#`` starting a
    word swallows a here-document operator after the alias word), a quote left open, a trailing
    backslash, a here-document operator; None: the text is complete words."""
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote == "'":
            quote = "" if c == "'" else quote
        elif c == "\\":
            if i + 1 == len(text):
                return "ends in a backslash"
            i += 1
        elif quote == '"':
            quote = "" if c == '"' else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t;&|()<>"):
            return "holds a comment"
        elif text.startswith("<<", i):
            return "holds a here-document operator"
        i += 1
    return "leaves a quote open" if quote else None


def _following(
    aliases: dict[str, str | None], text: str, words: list[_Word]
) -> tuple[str, list[_Word]] | None:
    """An alias whose text ends in a blank makes the next word an alias lookup too (``alias
    x='tee ' y=app/main.py``; ``x y`` runs ``tee app/main.py``); None: one not known here."""
    expanded = ""
    while text[-1:] in (" ", "\t") and words and _plain(words[0]) is not None:
        word = words[0].text
        if word not in aliases and "*" not in aliases:
            break
        text = aliases.get(word) or ""
        if word not in aliases or aliases[word] is None:
            return None
        expanded, words = f"{expanded} {text}", words[1:]
    return expanded, words


def _source_text(word: _Word) -> str:
    """A word written back as shell text (for an alias's arguments)."""
    out = []
    for part in word.parts:
        if part.kind == "q":
            out.append("'" + part.text.replace("'", "'\\''") + "'")
        elif part.kind == "V":
            out.append('"' + part.text + '"')
        else:
            out.append(part.text)
    return "".join(out)


def namerefs(env: _Env, args: list[_Word]) -> bool:
    """``declare -n R=NAME`` (``typeset``, ``local``): R stands for NAME (ATTACK F50); a NAME
    only known at run time makes R unknown, and an assignment through R any variable's."""
    options = [w.text for w in args if w.text.startswith("-")]
    if not any(o.startswith("-") and "n" in o[1:] for o in options):
        return False
    for word in args:
        if word.text.startswith("-"):
            continue
        ref, eq, _ = word.text.partition("=")
        if not _NAME.fullmatch(ref):
            continue
        env.ctx.vars.pop(ref, None)
        known = value_text(env, _suffix(word, len(ref) + 1)) if eq else ""
        if not eq:
            env.ctx.refs[ref] = ""
        elif known and _NAME.fullmatch(known):  # `n=BASH_ALIASES; declare -n r=$n`
            env.ctx.refs[ref] = known
        else:
            env.ctx.refs[ref] = None
    return True


def define_aliases(env: _Env, name: str, args: list[_Word]) -> None:
    """``alias NAME=TEXT…``, ``unalias NAME…``/``-a``; a definition not readable here makes
    every later command name unknown."""
    for word in args:
        if word.text in ("--", "-p") and word.literal:
            continue
        if name == "alias" and word.literal and word.text.startswith("-") and "=" not in word.text:
            if set(word.text) & set("gs"):  # zsh `alias -g Y=app/main.py`, `alias -s py=tee`
                global_aliases(env, f"alias {word.text}")
            continue
        if name == "unalias" and env.out.assigned & {"BASH_CMDS", "commands"}:
            continue  # the entry may be a command path from the hash table, not an alias
        if name == "unalias":
            if word.text == "-a":
                env.out.aliases.clear()
            env.out.aliases.pop(word.text, None)
            continue
        if not word.literal or word.subs:
            env.out.aliases["*"] = None
        elif "=" in word.text:
            alias, _, text = word.text.partition("=")
            if alias in RESERVED:  # `alias if=tee`: expands wherever `if` stands first
                env.out.aliases["*"] = None
            else:
                env.out.aliases[alias] = text

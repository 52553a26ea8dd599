"""The agent types a Claude Code `Workflow` script starts, read from its tokens (spawn.py).

A script starts a subagent with `agent(prompt, { agentType: 'T', … })`. The gate reads a type only
where the script says it plainly: every use of the name `agent` is a direct call whose second
argument, when there is one, is an object literal with plain keys, and whose `agentType` is one
string literal. Anything else — an options object held in a variable or returned by a call, a
computed or spread key, a type built from pieces or a template, `agent` passed around, called
through `?.` or a member (`this.agent`), the global object reached by another name, text decoded
or evaluated at run time, a script the scanner cannot tokenise — may start any type: `*`, refused
to non-superusers. Strings and comments are data: an `agent(` inside a prompt starts nothing.
"""

from __future__ import annotations

import re

ANY = "*"
DEFAULT = "general-purpose"
# Names through which a script reaches `agent` (or any global) without naming it, or runs text
# as code: their presence makes the types unreadable.
_OPAQUE = frozenset(
    {
        "globalThis",
        "this",
        "self",
        "window",
        "global",
        "eval",
        "Function",
        "Reflect",
        "Proxy",
        "with",
        "arguments",
        "import",
        "require",
        "fromCharCode",
        "fromCodePoint",
        "atob",
        "JSON",
        "Object",
        "constructor",
        "prototype",
        "__proto__",
        "bind",
        "call",
        "apply",
    }
)
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
# after these, a `/` starts a regular expression rather than a division
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_WORDS = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "case", "do", "else"}
    | {"yield", "await", "throw"}
)
_PUNCT = ("?.", "...", "=>", "++", "--")
# option keys that may name the type a call starts; and the keys known to name no type
_TYPE_KEYS = frozenset({"agentType", "subagent_type", "subagentType", "agent_type", "type"})
_HARMLESS_KEYS = frozenset(
    {"prompt", "description", "model", "phase", "label", "title", "timeout", "maxTurns"}
    | {"tools", "allowedTools", "disallowedTools", "effort", "schema", "outputSchema"}
    | {"isolation", "run_in_background", "background", "retries", "temperature", "thinking"}
)
# the Workflow runtime's own `agent()` options (Claude Code 2.1.197: label, phase, schema, model,
# effort, isolation, agentType) are above; an unknown key is harmless only with a scalar value
# and a name that does not speak of who runs or what it is told (`_inert`)
_SPEAKS = re.compile(
    r"agent|type|kind|role|persona|who|name|prompt|instruct|system|message|task|context|mode"
    r"|profile|preset|template|config|def|spec|as$|^as|use",
    re.IGNORECASE,
)
_NAME = re.compile(r"[A-Za-z0-9][\w.-]*")  # a string that could be an agent's name
# text between two slashes read one way that would be code read the other way (a regular
# expression taken for a division, or the reverse): the script is unreadable
_AMBIGUOUS = re.compile(r"['\"`]|\bagent\b|" + "|".join(rf"\b{w}\b" for w in sorted(_OPAQUE)))


class _Unreadable(Exception):
    """The script cannot be tokenised (an unterminated string, comment, template or regex)."""


# a token: (kind, text) — kind is "id", "str" (a plain string literal, text = its value),
# "tmpl" (a template literal or a string with escapes: never a readable type), "num", "re", "p"
Token = tuple[str, str]


def tokens(script: str) -> list[Token]:
    """The script's tokens; template literals' `${…}` parts are tokenised as code."""
    out: list[Token] = []
    depth: list[int] = []  # brace depth at each open `${`
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c.isspace():
            i += 1
        elif script.startswith("//", i):
            end = script.find("\n", i)
            i = n if end < 0 else end
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            if end < 0:
                raise _Unreadable
            i = end + 2
        elif c in "'\"":
            i = _string(script, i, out)
        elif c == "`" or (c == "}" and depth and depth[-1] == 0):
            if c == "}":
                depth.pop()
            i = _template(script, i + 1, out, depth, c)
        elif c == "/" and _regex_allowed(out):
            end = _regex(script, i)
            if _AMBIGUOUS.search(script, i + 1, end):
                raise _Unreadable
            out.append(("re", ""))
            i = end
        elif c == "/" and _AMBIGUOUS.search(_line_to_slash(script, i + 1)):
            raise _Unreadable  # a division here: a regular expression to JavaScript?
        elif c == "\\":
            raise _Unreadable  # an escape outside a string: `\u0061gent` is `agent`
        elif m := _IDENT.match(script, i):
            out.append(("id", m.group()))
            i = m.end()
        elif m := _NUMBER.match(script, i):
            out.append(("num", m.group()))
            i = m.end()
        else:
            punct = next((p for p in _PUNCT if script.startswith(p, i)), c)
            if depth and punct in "{}":
                depth[-1] += 1 if punct == "{" else -1
            out.append(("p", punct))
            i += len(punct)
    if depth:
        raise _Unreadable
    return out


def _string(script: str, i: int, out: list[Token]) -> int:
    quote, j, escaped = script[i], i + 1, False
    while j < len(script) and script[j] != quote:
        if script[j] == "\n":
            raise _Unreadable
        escaped = escaped or script[j] == "\\"
        j += 2 if script[j] == "\\" else 1
    if j >= len(script):
        raise _Unreadable
    out.append(("tmpl" if escaped else "str", script[i + 1 : j]))
    return j + 1


def _template(script: str, j: int, out: list[Token], depth: list[int], start: str) -> int:
    """A template literal (or its rest after a `${…}`, ``start`` `}`): up to the closing
    backtick, or into the next `${`, whose code the caller then tokenises. Its tokens say where
    it stands (``TEMPLATE_MARKS``): a whole template, its start, a middle or its end."""
    while j < len(script):
        if script[j] == "\\":
            j += 2
        elif script[j] == "`":
            out.append(("tmpl", start + "`"))
            return j + 1
        elif script.startswith("${", j):
            out.append(("tmpl", start + "${"))
            depth.append(0)
            return j + 2
        else:
            j += 1
    raise _Unreadable


def _line_to_slash(script: str, i: int) -> str:
    """The text from `i` to the next `/` on the same line ("" without one: no regular
    expression can end there)."""
    line_end = script.find("\n", i)
    slash = script.find("/", i, len(script) if line_end < 0 else line_end)
    return "" if slash < 0 else script[i:slash]


def _regex_allowed(out: list[Token]) -> bool:
    if not out:
        return True
    kind, text = out[-1]
    return (kind == "p" and text in _REGEX_AFTER) or (kind == "id" and text in _REGEX_WORDS)


def _regex(script: str, i: int) -> int:
    j, in_class = i + 1, False
    while j < len(script):
        c = script[j]
        if c == "\n":
            raise _Unreadable
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            m = _IDENT.match(script, j + 1)
            return m.end() if m else j + 1
        j += 1
    raise _Unreadable


def agent_types(script: str) -> str | None:
    """The agent types the script starts, space-joined; `*` when it may start a type the gate
    cannot read; None when it starts no agent."""
    try:
        toks = tokens(script)
    except _Unreadable:
        return ANY
    if any(kind == "id" and text in _OPAQUE for kind, text in toks):
        return ANY
    found: list[str] = []
    for i, (kind, text) in enumerate(toks):
        if kind != "id" or text != "agent":
            continue
        if i and toks[i - 1] in (("p", "."), ("p", "?.")):
            return ANY  # a member named `agent`: the function reached through an object
        args = _call_arguments(toks, i + 1)
        if args is None:
            return ANY  # `agent` not called directly: passed, stored, called through `?.`
        kinds = _types_of(args)
        if kinds is None:
            return ANY
        found += kinds
    if not found:
        return None
    return " ".join(dict.fromkeys(found))


def _call_arguments(toks: list[Token], i: int) -> list[list[Token]] | None:
    """The top-level arguments of the call whose `(` is at `i`; None when there is none."""
    if i >= len(toks) or toks[i] != ("p", "("):
        return None
    args: list[list[Token]] = [[]]
    level = 0
    for tok in toks[i + 1 :]:
        if tok[0] == "p" and tok[1] in "([{":
            level += 1
        elif tok[0] == "p" and tok[1] in ")]}":
            if level == 0:
                return [a for a in args if a]
            level -= 1
        if tok == ("p", ",") and level == 0:
            args.append([])
        else:
            args[-1].append(tok)
    return None


def _types_of(args: list[list[Token]]) -> list[str] | None:
    """The types one `agent(…)` call starts: [DEFAULT] without a type key, the literal of each
    key that may name a type (``_TYPE_KEYS``), and every string in the call that could be an
    agent's name, marked ``?`` (spawn.py refuses one naming another agent of the rules); None
    when the call cannot be read: a prompt that is not text, a third argument, options that are
    no object literal, a key the gate does not know (ATTACK F90)."""
    if any(a and a[0] == ("p", "...") for a in args) or len(args) > 2:
        return None
    if args and args[0][0] == ("p", "{"):  # `agent({ prompt, agentType })`: one options object
        if len(args) > 1:
            return None
        kinds = _options(args[0])
    elif args and not _is_text(args[0]):
        return None
    else:
        kinds = _options(args[1]) if len(args) > 1 else []
    if kinds is None:
        return None
    names = [
        "?" + text.strip()
        for arg in args
        for kind, text in arg
        if kind == "str" and _NAME.fullmatch(text.strip())
    ]
    return [*(kinds or [DEFAULT]), *names]


def _is_text(arg: list[Token]) -> bool:
    """The argument is a string: literals, whole templates (whatever their `${…}` hold) and
    `+` between them; an identifier, a call or an operator may give an object."""
    level = 0
    for kind, text in arg:
        if kind == "tmpl" and text in ("`${", "}${", "}`"):
            level += {"`${": 1, "}${": 0, "}`": -1}[text]
        elif level:
            continue  # code inside a `${…}`: its value becomes text
        elif kind not in ("str", "tmpl") and (kind, text) != ("p", "+"):
            return False
    return level == 0


def _options(options: list[Token]) -> list[str] | None:
    """The types an options object literal names; None when it cannot be read or has a key
    outside the known ones."""
    if options[0] != ("p", "{") or options[-1] != ("p", "}"):
        return None
    kinds: list[str] = []
    for prop in _split(options[1:-1]):
        if len(prop) < 3 or prop[0][0] not in ("id", "str", "num") or prop[1] != ("p", ":"):
            return None  # computed `[k]:`, shorthand `{ agentType }`, a method, a spread
        key = prop[0][1]
        if key in _TYPE_KEYS:
            if len(prop) != 3 or prop[2][0] != "str" or not prop[2][1].strip():
                return None
            kinds.append(prop[2][1].strip())
        elif key not in _HARMLESS_KEYS and not _inert(key, prop[2:]):
            return None
    return kinds


def _inert(key: str, value: list[Token]) -> bool:
    """An option key the gate does not know that can carry neither a type nor instructions: its
    value is one number, `true`, `false`, `null` or `undefined` (a string, an object, a list, a
    name or an expression may hold either), and its name does not speak of an agent, a type, a
    role or a prompt (a runtime that took such a key could read it as which agent runs)."""
    if len(value) != 1 or _SPEAKS.search(key):
        return False
    kind, text = value[0]
    return kind == "num" or (kind == "id" and text in ("true", "false", "null", "undefined"))


def _split(toks: list[Token]) -> list[list[Token]]:
    """Tokens split at top-level commas (empty parts dropped: a trailing comma)."""
    parts: list[list[Token]] = [[]]
    level = 0
    for tok in toks:
        if tok[0] == "p" and tok[1] in "([{":
            level += 1
        elif tok[0] == "p" and tok[1] in ")]}":
            level -= 1
        if tok == ("p", ",") and level == 0:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]

"""Ex commands (vim, ex, view, nvim) read as a small language: the buffers a command text
opens, the files it writes, the shell text it runs, and what it does that the reader cannot
follow (ATTACK F78).

Text splits at ``|`` except in the commands that take it literally (``!``, ``g``, ``normal``,
``argdo``…). A buffer opened by one command (``e``, ``tabe``, ``sp``, ``args``, ``badd``…) is what
a later ``w``/``x``/``up``/``wa``/``argdo … xa`` writes; ``w FILE``, ``w!FILE``, ``w>>FILE``,
``sav``, ``redir >``, ``mksession`` name the files they write. A command the reader does not
list is code it cannot follow: the caller counts it as writing any file.
"""

from __future__ import annotations

import posixpath
import re

from workspace_guard.core.record import Struct, factory
from workspace_guard.gates.harness.bash.options import _opts

ANY = "*"  # a file name only known when the editor runs
_MAX_DEPTH = 8
MAX_STEPS = 4000  # commands one reader follows; past them the text is refused unread (F98)


class ExRun(Struct):
    """What Ex command text does, as far as the reader can tell."""

    writes: list[str] = factory(default_factory=list)  # file names written (ANY: any file)
    shell: list[str] = factory(default_factory=list)  # shell text run (`!CMD`, `w !CMD`)
    code: list[str] = factory(default_factory=list)  # commands the reader cannot follow
    steps: int = 0  # commands read so far (bounded by MAX_STEPS)


def step(run: ExRun) -> bool:
    """Count one command; False past :data:`MAX_STEPS` (then the text is any file's writer and
    unknown code, and the reader stops: every reader ends, whatever the text)."""
    run.steps += 1
    if run.steps == MAX_STEPS + 1:
        run.code.insert(0, f"more than {MAX_STEPS} commands: refused unread")
        run.writes.append(ANY)
    return run.steps <= MAX_STEPS


def piped(text: str) -> str:
    """Shell text that runs with the program's data or stdin on a pipe (``w !CMD``, ``%!CMD``,
    ``.output |CMD``, ``.shell CMD``): what CMD reads there is text the analysis never sees,
    so a command language in CMD (``w !sqlite3``) is code from a pipe (ATTACK F96)."""
    return ": | " + text if text.strip() else text


class ExState(Struct):
    """The editor's state as the commands change it."""

    current: set[str | None]  # the names the current buffer may have (None: no name)
    buffers: set[str | None]  # every file opened or named
    args: list[str]  # the argument list
    cwd: str | None = ""  # relative to where the editor started ("": there; None: unknown)
    run: ExRun = factory(default_factory=ExRun)
    quits: bool = False  # a command ends the editor (`q`, `x`, `wq`, `qa`…)


def start(files: list[str]) -> ExState:
    """The state after the editor loaded its file arguments."""
    return ExState({files[0] if files else None}, set(files), list(files))


def _names(spec: str) -> dict[str, str]:
    """``"e[dit] w[rite]"`` → every accepted abbreviation → the full name."""
    table: dict[str, str] = {}
    for entry in spec.split():
        short, _, rest = entry.partition("[")
        full = short + rest.rstrip("]")
        for n in range(len(short), len(full) + 1):
            table.setdefault(full[:n], full)
    return table


# commands that change no file and open none
_HARMLESS = _names(
    "d[elete] y[ank] pu[t] m[ove] t co[py] j[oin] p[rint] P[rint] nu[mber] l[ist] z"
    " u[ndo] red[o] noh[lsearch] sor[t] ret[ab] le[ft] ri[ght] ce[nter] k ma[rk] marks"
    " reg[isters] di[splay] ju[mps] changes ls files buffers h[elp] ve[rsion] redr[aw] pw[d]"
    " q[uit] qa[ll] quita[ll] cq[uit] bd[elete] bw[ipeout] bun[load] f[ile] undol[ist]"
    " filet[ype] dif[fupdate] diffg[et] diffpu[t] diffthis diffo[ff]"
)
_OPEN = _names(  # open a file and make it the current buffer
    "e[dit] ex vie[w] ene[w] tabe[dit] tabnew tabf[ind] sp[lit] vs[plit] new vne[w] sv[iew] sf[ind]"
    " fin[d] dr[op] diffs[plit] arge[dit] ar[gs] argl[ocal] argg[lobal] n[ext]"
)
_ADD = _names("bad[d] bal[t] arga[dd] ped[it] r[ead]")  # name a buffer, keep the current one
_ARGS_SET = _names("ar[gs] argl[ocal] argg[lobal] n[ext]")  # FILES: the new argument list
_ARGS_ADD = _names("arge[dit] arga[dd]")
_SWITCH_BUFFERS = _names(  # the current buffer becomes one of the buffers
    "b[uffer] sb[uffer] bn[ext] bN[ext] bp[revious] br[ewind] bf[irst] bl[ast] bm[odified]"
    " sbn[ext] sbN[ext] sbp[revious] sbr[ewind] sbf[irst] sbl[ast] sbm[odified] ba[ll]"
    " sba[ll] unh[ide] winc[md] tabn[ext] tabp[revious] tabN[ext] tabr[ewind] tabfir[st]"
    " tabl[ast] tabc[lose] tabo[nly] clo[se] on[ly]"
)
_SWITCH_ARGS = _names(
    "N[ext] prev[ious] fir[st] rew[ind] la[st] argu[ment] sa[rgument] sn[ext] sN[ext]"
    " sfir[st] sla[st]"
)
_JUMP = _names(  # the current buffer becomes a file found at run time (quickfix, tags)
    "vim[grep] lv[imgrep] vimgrepa[dd] lvimgrepa[dd] cc cn[ext] cN[ext] cp[revious] cfir[st]"
    " cr[ewind] cla[st] cnf[ile] cpf[ile] cNf[ile] cf[ile] cb[uffer] ll lne[xt] lN[ext]"
    " lp[revious] lfir[st] lr[ewind] lla[st] lf[ile] lb[uffer] ta[g] tj[ump] ts[elect] tn[ext]"
    " tp[revious] tN[ext] tr[ewind] tf[irst] tl[ast] po[p] sta[g] stj[ump] cw[indow] cope[n]"
)
_WRITE = _names("w[rite] up[date] wq x[it] exi[t] wn[ext] wN[ext] wp[revious]")
_WRITE_ALL = _names("wa[ll] xa[ll] wqa[ll] xal[l]")
_DO = _names("argdo bufdo windo tabdo cdo cfdo ldo lfdo")
_CD = _names("cd chd[ir] lc[d] lch[dir] tc[d] tch[dir]")
_MODIFIER = _names(
    "sil[ent] uns[ilent] keepj[umps] keepp[atterns] keepa[lt] keepm[arks] lockm[arks]"
    " noa[utocmd] verb[ose] vert[ical] lefta[bove] abo[veleft] rightb[elow] bel[owright]"
    " to[pleft] bo[tright] tab hor[izontal] conf[irm] bro[wse] sandbox nos[wapfile]"
)
_SESSION = {  # writes a file: the default name when none is given (ANY: somewhere else)
    **dict.fromkeys(_names("mks[ession]"), "Session.vim"),
    **dict.fromkeys(_names("mkv[imrc]"), ".vimrc"),
    **dict.fromkeys(_names("mk[exrc]"), ".exrc"),
    **dict.fromkeys(_names("mkvie[w] wv[iminfo] wsh[ada] mksp[ell]"), ANY),
}
_QUIT = _names("q[uit] qa[ll] quita[ll] cq[uit] wq x[it] exi[t] xa[ll] wqa[ll] xal[l]")
_SUBSTITUTE = _names("s[ubstitute] sno[magic] sm[agic]")
_GLOBAL = _names("g[lobal] v[global]")
_TEXT = _names("a[ppend] i[nsert] c[hange]")  # lines of text follow, up to a `.` line
# options `set` may change without writing files or running code
_SAFE_OPTIONS = _opts(
    "nu number rnu relativenumber et expandtab ts tabstop sw shiftwidth sts softtabstop ai"
    " autoindent si smartindent cin cindent tw textwidth wm wrapmargin ff fileformat ffs"
    " fileformats fenc fileencoding enc encoding bin binary eol endofline fixeol fixendofline"
    " bomb paste ic ignorecase scs smartcase ws wrapscan magic hls hlsearch is incsearch list"
    " ul undolevels more hid hidden swf swapfile ft filetype ro readonly ma modifiable mod"
    " modified wrap lbr linebreak report shm shortmess sol startofline ve virtualedit js"
    " joinspaces nf nrformats gd gdefault bs backspace lcs listchars fo formatoptions isk"
    " iskeyword all cp compatible sr shiftround ml modeline wmnu wildmenu t_ti t_te"
)
_WORD = re.compile(r"&&|[A-Za-z]+|[&~<>=#!@*]")
_ESCAPED = re.compile(r"\\(.)")
_SPECIAL = re.compile(r"[`$%#<]|^=")


def run_text(text: str, state: ExState, depth: int = 0) -> None:
    """Read ``text`` (one or more lines of Ex commands) against ``state``."""
    lines = text.split("\n")
    k = 0
    while k < len(lines) and state.run.steps <= MAX_STEPS:
        if _line(lines[k], state, depth):  # `a`/`i`/`c`: text lines up to a lone `.`
            k += 1
            while k < len(lines) and lines[k].strip() != ".":
                k += 1
        k += 1


def _line(line: str, state: ExState, depth: int) -> bool:
    """One command line, ``|``-chained commands included; True when text lines follow."""
    rest: str | None = line
    text_follows = False
    while rest is not None and step(state.run):
        rest, text_follows = _command(rest, state, depth)
    return text_follows


def _code(state: ExState, why: str) -> tuple[None, bool]:
    state.run.code.append(why[:60])
    state.run.writes.append(ANY)
    return None, False


def _command(text: str, state: ExState, depth: int) -> tuple[str | None, bool]:
    """Read one command at the start of ``text``: (the text after it, or None; text follows)."""
    if depth > _MAX_DEPTH:
        return _code(state, "commands nested too deeply")
    text = text.lstrip(" \t:")
    if not text or text.startswith('"'):
        return None, False
    text = _skip_range(text)
    if not text or text.startswith(("|", '"')):
        return (text[1:] if text.startswith("|") else None), False
    m = _WORD.match(text)
    if m is None:
        return _code(state, f"{text[:20]}")
    name = m.group()
    after = text[m.end() :]
    if name.isalpha() and after[:1].isdigit() and name in ("b", "sb", "buffer", "sbuffer"):
        after = " " + after  # `b2`
    bang = after.startswith("!") and name != "!"
    if bang:
        after = after[1:]
    if name == "!":  # `!CMD`, `%!CMD`: shell text, `|` included
        state.run.shell.append(after)
        return None, False
    if name in ("hid", "hide"):  # `hide CMD`: a modifier; `hide` alone: another window
        state.current = state.current | state.buffers
        return (after if after.strip() else None), False
    if name in _MODIFIER:
        if name in ("verb", "verbo", "verbos", "verbose"):
            after = after.lstrip(" \t0123456789")
        return after, False
    if name in ("filt", "filte", "filter"):
        return _skip_pattern(after.lstrip()), False
    if name in _GLOBAL:  # `g/PAT/CMD`: CMD, `|` included, on every matching line
        body = _skip_pattern(after.lstrip())
        run_text(body or "p", state, depth + 1)
        return None, False
    if name in _DO:  # `argdo CMD`: CMD, `|` included, in each buffer
        saved = state.current
        each: set[str | None] = {ANY}
        if name == "argdo":
            each = set(state.args) or {None}
        elif name in ("bufdo", "windo", "tabdo"):
            each = set(state.buffers) | state.current
        state.current = each
        run_text(after, state, depth + 1)
        state.current = saved | state.current
        return None, False
    if name in _SUBSTITUTE or name in ("&", "&&", "~"):
        return _substitute(after, state)
    arg, rest = _argument(after)
    return rest, _simple(name, bang, arg, state, depth)


def _simple(name: str, bang: bool, arg: str, state: ExState, depth: int) -> bool:
    """A command whose argument ends at ``|``; True when lines of text follow it."""
    state.quits = state.quits or name in _QUIT
    if name in _TEXT:
        return True
    if name in _HARMLESS or name in ("<", ">", "=", "#"):
        if name in ("f", "fi", "fil", "file") and arg.strip():
            state.current = set(_files(arg, state))  # `file NAME`: the buffer is renamed
        elif name in ("q", "qu", "qui", "quit"):
            state.current = state.current | set(state.buffers)  # another window's buffer
        return False
    if name in _WRITE:
        _write(arg, state)
        if name in ("wn", "wne", "wnex", "wnext", "wN", "wNe", "wNex", "wNext") or name.startswith(
            "wp"
        ):
            state.current = set(state.args) or state.current
        return False
    if name in _WRITE_ALL:
        state.run.writes.extend(n for n in state.buffers | state.current if n is not None)
        return False
    if name in _OPEN or name in _ADD:
        _open(name, arg, state, depth)
        return False
    if name in _SWITCH_BUFFERS or name in _SWITCH_ARGS:
        state.current = state.current | set(state.buffers) | set(state.args)
        return False
    if name in _JUMP:
        state.current = {ANY}
        return False
    if name in ("sav", "save", "savea", "saveas"):
        names = _files(arg, state)
        state.run.writes.extend(names)
        state.buffers.update(names)
        state.current = set(names) or state.current
        return False
    if name in ("redi", "redir"):
        m = re.match(r"\s*>>?\s*(.*)", arg, re.S)
        if m:
            state.run.writes.extend(_files(m.group(1), state))
        elif not re.match(r"\s*(@\w|=>|END\b|$)", arg, re.I):
            _code(state, f"redir {arg[:20]}")
        return False
    if name in _SESSION:
        names = _files(arg, state)
        default = _SESSION[name]
        state.run.writes.extend(names or [default if default == ANY else _join(state, default)])
        return False
    if name in _CD:
        _cd(arg.strip(), state)
        return False
    if name in ("se", "set", "setl", "setlocal", "setg", "setglobal"):
        _set(arg, state)
        return False
    _code(state, f"{name} {arg}".strip())
    return False


def _argument(text: str) -> tuple[str, str | None]:
    """The argument up to an unescaped ``|`` (``\\|`` stays in it), and what follows."""
    out, k = [], 0
    while k < len(text):
        c = text[k]
        if c == "\\" and k + 1 < len(text) and text[k + 1] == "|":
            out.append("|")
            k += 2
            continue
        if c == "|":
            return "".join(out), text[k + 1 :]
        out.append(c)
        k += 1
    return "".join(out), None


def _write(arg: str, state: ExState) -> None:
    """``w``, ``w FILE``, ``w!FILE``, ``w >> FILE``, ``w !CMD``, ``w ++opt FILE``."""
    text = arg.lstrip()
    if text.startswith("!") and arg[:1].isspace():
        state.run.shell.append(text[1:])  # `w !CMD`: the buffer is piped to CMD
        return
    text = text.removeprefix(">>").lstrip()
    names = _files(text, state)
    if names:
        state.run.writes.extend(names)
        if None in state.current:  # cpoptions `F`: an unnamed buffer takes the name written
            state.current = (state.current - {None}) | set(names)
        return
    state.run.writes.extend(n for n in state.current if n is not None)


def _open(name: str, arg: str, state: ExState, depth: int) -> None:
    """``e [+CMD] [++opt] FILE``, ``args FILES``, ``badd FILE``, ``r FILE``, ``r !CMD``."""
    text = arg.strip()
    if name in ("r", "re", "rea", "read") and text.startswith("!"):  # `r !CMD`
        state.run.shell.append(text[1:])
        return
    commands: list[str] = []
    while text.startswith("+"):
        word, _, text = _split_escaped(text)
        if not word.startswith("++"):
            commands.append(_ESCAPED.sub(r"\1", word[1:]) or "$")
        text = text.lstrip()
    names = _files(text, state)
    state.buffers.update(names)
    if name in _ARGS_SET and names:
        state.args = list(names)
    elif name in _ARGS_ADD:
        state.args = state.args + [n for n in names if n not in state.args]
    if name in _ADD:
        return
    if names:
        state.current = set(names) if name in ("dr", "dro", "drop") else {names[0]}
    elif name in ("ene", "enew"):
        state.current = {None}
    for command in commands:
        run_text(command, state, depth + 1)


def _split_escaped(text: str) -> tuple[str, str, str]:
    # a backslash at the end of the text stays in the word (F98: it once stopped the reader)
    m = re.match(r"((?:\\.|\\\Z|[^\s\\])*)(\s*)(.*)", text, re.S)
    assert m is not None
    return m.group(1), m.group(2), m.group(3)


def _files(text: str, state: ExState) -> list[str]:
    """The file names an argument gives, joined to the editor's cwd; ANY where the editor
    makes the name at run time (``%:r.py``, ``$VAR``, ``#``, backticks run a shell command)."""
    out: list[str] = []
    rest = text.lstrip()  # `w! NAME\ `: the escaped blank is in the name (F98)
    while rest:
        word, _, rest = _split_escaped(rest)
        if not word:
            break
        if word.startswith("++"):
            continue
        if word == "%":
            out.extend(n if n is not None else ANY for n in state.current)
            continue
        if word.startswith("`"):
            state.run.shell.append(word.strip("`"))
            _code(state, f"backticks in {word[:30]}")
        if _SPECIAL.search(word):
            out.append(ANY)
            continue
        out.append(_join(state, _ESCAPED.sub(r"\1", word)))
    return out


def _join(state: ExState, name: str) -> str:
    if name.startswith(("/", "~")) or state.cwd == "":
        return name
    return ANY if state.cwd is None else posixpath.join(state.cwd, name)


def _cd(arg: str, state: ExState) -> None:
    if not arg:
        state.cwd = "~"
    elif arg == "-" or _SPECIAL.search(arg):
        state.cwd = None
    else:
        state.cwd = _join(state, _ESCAPED.sub(r"\1", arg))


def _set(arg: str, state: ExState) -> None:
    """``set OPTION…``: only options that write no file and run no code are followed."""
    for word in arg.split():
        m = re.match(r"(?:no|inv)?([A-Za-z_]+)", word)
        if m is not None and m.group(1) not in _SAFE_OPTIONS and word not in _SAFE_OPTIONS:
            _code(state, f"set {word[:30]}")
            return


def _skip_range(text: str) -> str:
    """The text after a range (``%``, ``1,$``, ``.,+3``, ``'a,'b``, ``/pat/;?pat?``)."""
    k = 0
    while k < len(text):
        c = text[k]
        if c.isdigit() or c in ".$%,;+- \t*":
            k += 1
        elif c == "'" and k + 1 < len(text):
            k += 2
        elif c in "/?":
            k = len(text) - len(_skip_pattern(text[k:]))
        elif c == "\\" and k + 1 < len(text) and text[k + 1] in "/?&":
            k += 2
        else:
            break
    return text[k:]


def _skip_pattern(text: str) -> str:
    """The text after ``/PAT/`` (any delimiter that is not a letter, digit or blank)."""
    if not text or text[0].isalnum() or text[0] in ' \t"|\\':
        return text
    delim, k = text[0], 1
    while k < len(text) and text[k] != delim:
        k += 2 if text[k] == "\\" else 1
    return text[k + 1 :]


def _substitute(text: str, state: ExState) -> tuple[str | None, bool]:
    """``s/PAT/REP/FLAGS``: ``|`` ends it only after the flags; ``\\=`` in REP is an
    expression (code)."""
    if text[:1] and not (text[0].isalnum() or text[0] in ' \t"|\\&'):
        delim = text[0]
        after_pattern = _skip_pattern(text)
        k = 0
        while k < len(after_pattern) and after_pattern[k] != delim:
            k += 2 if after_pattern[k] == "\\" else 1
        replacement = after_pattern[:k]
        if replacement.startswith("\\="):
            return _code(state, f"s with an expression ({replacement[:30]})")
        text = after_pattern[k + 1 :]
    m = re.match(r"[&cegiInp#lr]*\s*\d*\s*", text)
    rest = text[m.end() if m else 0 :]
    if not rest or rest.startswith('"'):
        return None, False
    if rest.startswith("|"):
        return rest[1:], False
    return _code(state, f"s{text[:30]}")

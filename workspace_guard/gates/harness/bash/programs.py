"""Programs the first tables missed: extractors, output files given as arguments, options that
name a program to run, Codex's ``apply_patch`` and ``sqlite3`` (ATTACK F51, F53, F55, F71).

Why: ``python3 -m tarfile -e x.tar``, ``ar x``, ``7z x``, ``cpio -i`` write names taken from an
archive (every file below where they extract; ``cpio``/``pax`` keep absolute names: any file);
``xxd IN OUT``, ``python3 -m json.tool IN OUT``, ``script FILE``, ``tree -o F``, ``less -o F``
write an argument; ``tar -I CMD``, ``sort --compress-program=CMD``, ``rg --pre CMD``, ``man -P
CMD``, ``fzf --preview CMD``, ``less +!CMD`` run a program the command chooses (its text is
analysed as Bash: a script there is unknown code, ``rm app/main.py`` a write); ``apply_patch``
writes the files its patch names, which the analysis can only read when the patch is text in
the command.
"""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import ANY_PATH, _lit, _Part, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler

# a file the program is given at run time (`rg --pre CMD` runs `CMD FILE` for each file searched)
_ANY_FILE = _Word([_Part("*", "q")], alts=((ANY_PATH, True),), uncertain=True)


def runs(env: _Env, text: str, with_file: bool = False) -> None:
    """A program or shell text the command chooses: analysed as Bash where it is run."""
    if not text.strip():
        return
    if not with_file:
        env.analyze_text(text)
        return
    from workspace_guard.gates.harness.bash.lexer import _Lexer
    from workspace_guard.gates.harness.bash.parser import _Parser
    from workspace_guard.gates.harness.bash.syntax import _Simple

    errors: list[str] = []
    seq = _Parser(_Lexer(text, 0, env.depth + 1, errors).run(), errors).parse()
    simple = seq[0][0] if len(seq) == 1 and len(seq[0]) == 1 else None
    if errors or not isinstance(simple, _Simple) or not simple.words or simple.redirs:
        env.analyze_text(text)
        env.add_any("interpreter")  # shell text given each file: any file
        return
    env.dispatch([*simple.words, _ANY_FILE])


def program_values(env: _Env, values: dict[str, _Word], keys: tuple[str, ...]) -> None:
    """Options whose value is a program or shell text the tool runs (ATTACK F53): analysed as
    Bash where they run (a script there is unknown code, ``rm f`` a write)."""
    for key in keys:
        if key not in values:
            continue
        text = values[key].text
        if key == "-o":  # ssh's `-o ProxyCommand=CMD`
            option, _, text = text.replace("=", " ", 1).partition(" ")
            if option.lower() not in ("proxycommand", "localcommand", "knownhostscommand"):
                continue
        elif key == "--checkpoint-action":
            if not text.startswith("exec="):
                continue
            text = text[5:]
        env.analyze_text(text)


# options of tar whose value is a program or shell text it runs
TAR_PROGRAMS = tuple(
    [
        "-I",
        "--use-compress-program",
        "--to-command",
        "--rsh-command",
        "--rmt-command",
        "--info-script",
        "--new-volume-script",
        "-F",
        "--checkpoint-action",
    ]
)


# --------------------------------------------------------------------------- extractors


def _zip(env: _Env, name: str, args: list[_Word]) -> None:
    """``zip ARCHIVE…`` writes ARCHIVE (``-O OUT``); ``-TT CMD`` and ``--unzip-command`` run CMD."""
    texts = [w.text for w in args]
    if "-TT" in texts[:-1]:  # `zip -T -TT CMD`: the test command
        k = texts.index("-TT")
        env.analyze_text(texts[k + 1])
        args = args[:k] + args[k + 2 :]
    pos, values, _ = _split(args, _opts("-b -n -P -Z -t -tt -O --out --unzip-command"))
    program_values(env, values, ("--unzip-command",))
    out = values.get("-O") or values.get("--out")
    if out is not None or pos:
        env.add(out or pos[0], "zip")


def _extract_into(env: _Env, here: _Word | None, members: list[_Word], kind: str) -> None:
    for member in members:
        env.add(member if here is None else _lit(posixpath.join(here.text, member.text)), kind)
    if not members:
        env.add_under(here, kind)


def _key(args: list[_Word]) -> tuple[str, list[_Word]]:
    """``ar xo lib.a``, ``jar -xf x.jar``: the first word's letters, and the other words."""
    if not args:
        return "", []
    return args[0].text.lstrip("-"), args[1:]


def _ar(env: _Env, name: str, args: list[_Word]) -> None:
    key, rest = _key(args)
    if "x" in key:
        _extract_into(env, None, rest[1:], "ar-x")
    elif set(key) & set("dmqrs") and rest:
        env.add(rest[0], "ar")


def _jar(env: _Env, name: str, args: list[_Word]) -> None:
    key, rest = _key(args)
    pos = [w for w in rest if not w.text.startswith("-")]
    if "x" in key or any(w.text in ("--extract", "-x") for w in args):
        here = next((rest[k + 1] for k, w in enumerate(rest[:-1]) if w.text == "-C"), None)
        _extract_into(env, here, pos[1:] if "f" in key else pos, "jar-x")
    elif set(key) & set("cu") and "f" in key and pos:
        env.add(pos[0], "jar")


def _7z(env: _Env, name: str, args: list[_Word]) -> None:
    pos = [w for w in args if not w.text.startswith("-")]
    out = next((_lit(w.text[2:], "q") for w in args if w.text.startswith("-o")), None)
    sub = pos[0].text if pos else ""
    if sub in ("x", "e"):
        _extract_into(env, out, [], "7z")
    elif sub in ("a", "u", "d", "rn") and len(pos) > 1:
        env.add(pos[1], "7z")


def _cpio(env: _Env, name: str, args: list[_Word]) -> None:
    """``cpio -i`` keeps the archive's names, absolute ones too: any file; ``-p DIR`` copies
    below DIR; ``-o -O/-F FILE`` writes the archive."""
    pos, values, flags = _split(args, _opts("-D -E -F -H -I -M -O -R --directory --file"))
    for key in ("-O", "-F", "--file"):
        if key in values and flags & {"-o", "--create"}:
            env.add(values[key], "cpio")
    if flags & {"-t", "--list"}:
        return
    if flags & {"-i", "--extract"}:
        env.add_any("archive")
    elif flags & {"-p", "--pass-through"} and pos:
        env.add_under(pos[-1], "cpio")


def _pax(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, flags = _split(args, _opts("-f -s -x -b -o -p -c -n -T -U -G"))
    if "-r" in flags and "-w" in flags and pos:
        env.add_under(pos[-1], "pax")
    elif "-r" in flags:
        env.add_any("archive")  # absolute names are kept
    elif "-w" in flags and "-f" in values:
        env.add(values["-f"], "pax")


def _under_option(option: str, reads: str = "") -> _Handler:
    """``cabextract [-d DIR]``, ``unar [-o DIR]``: every file below DIR (the cwd)."""
    takes = _opts(option + " -f -F -p -e -P -encoding -password")
    limits = _opts(reads)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        _, values, flags = _split(args, takes)
        if flags & limits:
            return
        _extract_into(env, values.get(option), [], name)

    return handle


def _unrar(env: _Env, name: str, args: list[_Word]) -> None:
    pos = [w for w in args if not w.text.startswith("-")]
    if pos and pos[0].text in ("x", "e"):
        here = pos[-1] if len(pos) > 2 and pos[-1].text.endswith("/") else None
        _extract_into(env, here, [], name)


def _dpkg_deb(env: _Env, name: str, args: list[_Word]) -> None:
    texts = [w.text for w in args]
    for key in ("-x", "-X", "-R", "--extract", "--vextract", "--raw-extract"):
        if key in texts:
            rest = [w for w in args[texts.index(key) + 1 :] if not w.text.startswith("-")]
            _extract_into(env, rest[1] if len(rest) > 1 else None, [], name)


_DPKG_QUERIES = _opts(
    "-l --list -L --listfiles -s --status -S --search -c --contents -I --info -f --field -p"
    " --print-avail --print-architecture --print-foreign-architectures --version --help"
    " --get-selections -C --audit --compare-versions -W --show"
)


def _dpkg(env: _Env, name: str, args: list[_Word]) -> None:
    """`dpkg -x/--extract/--vextract/-X/-R` is dpkg-deb's extraction (ATTACK F129: links made in
    the folder); a query reads; any other action (`-i`, `--unpack`…) may write anything."""
    texts = [w.text for w in args]
    if any(k in texts for k in ("-x", "-X", "-R", "--extract", "--vextract", "--raw-extract")):
        _dpkg_deb(env, "dpkg-deb", args)
    elif not any(t in _DPKG_QUERIES for t in texts):
        env.add_any("archive")


def _uudecode(env: _Env, name: str, args: list[_Word]) -> None:
    _, values, _ = _split(args, _opts("-o --output-file"))
    out = values.get("-o") or values.get("--output-file")
    if out is not None:
        env.add(out, name)
    else:
        env.add_any("archive")  # the name inside the input, absolute or not


def _py_archive(env: _Env, name: str, args: list[_Word]) -> None:
    """``python3 -m tarfile|zipfile -e ARCHIVE [DIR]``, ``-c OUT FILES``."""
    texts = [w.text for w in args]
    for key in ("-e", "--extract"):
        if key in texts:
            rest = args[texts.index(key) + 1 :]
            _extract_into(env, rest[1] if len(rest) > 1 else None, [], name)
    for key in ("-c", "--create"):
        if key in texts and texts.index(key) + 1 < len(args):
            env.add(args[texts.index(key) + 1], name)


# --------------------------------------------------------------------------- output arguments


def _positional_output(index: int, takes: str) -> _Handler:
    """``xxd IN OUT``, ``python3 -m json.tool IN OUT``, ``lz4 -d IN OUT``: argument ``index``."""
    spec = _opts(takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        pos, _, _ = _split(args, spec)
        if len(pos) > index and pos[index].text != "-":
            env.add(pos[index], name)

    return handle


def _xxd(env: _Env, name: str, args: list[_Word]) -> None:
    """``xxd [opts] [IN [OUT]]``: OUT is written. Options are one dash and may be spelled out
    or abbreviated (``-ps``, ``-seek 10``, ``-c8``); six of them take a value."""
    pos: list[_Word] = []
    k = 0
    while k < len(args):
        word, letters = args[k], args[k].text[1:]
        k += 1
        if not word.text.startswith("-") or word.text == "-" or not word.literal:
            pos.append(word)
        elif letters and any(long.startswith(letters) for long in _XXD_VALUES):
            k += 1  # `-s 10`, `-seek 10`: the value is the next word
    if len(pos) > 1 and pos[1].text != "-":
        env.add(pos[1], name)


_XXD_VALUES = ("cols", "groupsize", "len", "seek", "offset", "name")


def _lz4(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(args, frozenset())
    if flags & {"-c", "--stdout", "-t", "--test", "-l", "--list"}:
        return
    if len(pos) > 1:
        env.add(pos[1], name)
    elif pos:
        from workspace_guard.gates.harness.bash.files import _compress

        _compress(env, name, pos)


def _script(env: _Env, name: str, args: list[_Word]) -> None:
    """``script [-c CMD] [FILE]``: FILE (``typescript``) and the log options are written; with no
    ``-c`` the shell it starts reads commands typed at a terminal."""
    logs = "-I -O -B -T --log-in --log-out --log-io --log-timing"
    pos, values, _ = _split(args, _opts(logs + " -c --command -E --echo -m --logging-format"))
    for key in _opts(logs) & values.keys():
        env.add(values[key], name)
    if pos:
        env.add(pos[0], name)
    elif not _opts(logs) & values.keys():
        env.add_rel("typescript", name)
    code = values.get("-c") or values.get("--command")
    if code is not None:
        env.analyze_text(code)
    else:
        env.unknown_code(f"{name}: a shell reading commands typed at a terminal")
        env.add_any("stdin-script")


def _less(env: _Env, name: str, args: list[_Word]) -> None:
    """``less -o F`` logs to F; ``+!CMD`` and ``+|CMD`` run shell commands; ``--lesskey-file``
    may set ``LESSOPEN``."""
    _, values, _ = _split(
        args, _opts("-o -O --log-file --LOG-FILE -k --lesskey-file --lesskey-src -p -x -y -b -h")
    )
    for key in ("-o", "-O", "--log-file", "--LOG-FILE"):
        if key in values:
            env.add(values[key], name)
    if values.keys() & {"-k", "--lesskey-file", "--lesskey-src"}:
        env.unknown_code(f"{name}: a key file can set LESSOPEN (a program less runs)")
    for word in args:
        text = word.text
        if text.startswith("+") and ("!" in text or "|" in text):
            runs(env, re.split(r"[!|]", text, maxsplit=1)[1].strip())


def _man(env: _Env, name: str, args: list[_Word]) -> None:
    """``man -P CMD``, ``--pager=CMD``, ``-H[BROWSER]``: a program man runs."""
    _, values, _ = _split(args, _opts("-P --pager -C --config-file -p --preprocessor -M -S"))
    for key in ("-P", "--pager"):
        if key in values:
            runs(env, values[key].text)
    if values.keys() & {"-C", "--config-file"}:
        env.unknown_code(f"{name}: a configuration file that names programs")
    for word in args:
        if word.text.startswith("-H") and len(word.text) > 2:
            runs(env, word.text[2:])
        elif word.text.startswith("--html="):
            runs(env, word.text.partition("=")[2])


def _rg(env: _Env, name: str, args: list[_Word]) -> None:
    """``rg --pre CMD`` runs CMD on every file searched; ``--hostname-bin``."""
    for k, word in enumerate(args):
        key, eq, value = word.text.partition("=")
        if key in ("--pre", "--hostname-bin"):
            if not eq:
                value = args[k + 1].text if k + 1 < len(args) else ""
            runs(env, value, with_file=key == "--pre")


def _bat(env: _Env, name: str, args: list[_Word]) -> None:
    _, values, _ = _split(args, _opts("--pager -l --language --theme --style -r --line-range"))
    if "--pager" in values:
        runs(env, values["--pager"].text)


def _fzf(env: _Env, name: str, args: list[_Word]) -> None:
    """``--preview CMD``, ``--bind KEY:execute(CMD)``, ``become``, ``reload``: shell text."""
    for k, word in enumerate(args):
        key, eq, value = word.text.partition("=")
        if key in ("--preview", "--bind", "-b", "--listen", "--with-shell"):
            if not eq:
                value = args[k + 1].text if k + 1 < len(args) else ""
            value = value.replace("{}", "FILE").replace("{+}", "FILE")
            if key == "--preview":
                runs(env, value)
            elif key == "--bind":
                for m in _FZF_ACTION.finditer(value):
                    runs(env, m.group(1))
            else:
                env.unknown_code(f"{name} {key}: commands from elsewhere")


_FZF_ACTION = re.compile(
    r"(?:execute(?:-silent|-multi)?|become|reload(?:-sync)?|change-preview|preview|transform\w*)"
    r"[(\[{<:](.*?)[)\]}>]?(?=,\w+[:(]|$)"
)


def _tree(env: _Env, name: str, args: list[_Word]) -> None:
    _, values, _ = _split(args, _opts("-o -L -P -I -H -T --charset --filelimit --fromfile"))
    if "-o" in values:
        env.add(values["-o"], name)


def _http(env: _Env, name: str, args: list[_Word]) -> None:
    """httpie: ``-o/--output FILE``; ``--download`` alone names the file from the response."""
    _, values, flags = _split(args, _opts("-o --output -a --auth --session -A --verify"))
    out = values.get("-o") or values.get("--output")
    if out is not None:
        env.add(out, name)
    elif flags & {"-d", "--download"}:
        env.add_under(None, name)
    if "--session" in values and "/" in values["--session"].text:
        env.add(values["--session"], name)


def _xmllint(env: _Env, name: str, args: list[_Word]) -> None:
    """``--output F``; ``--shell`` reads commands on stdin (``save``, ``write F``)."""
    pos, values, flags = _split(args, _opts("--output -o --schema --relaxng --dtdvalid --xpath"))
    for key in ("--output", "-o"):
        if key in values:
            env.add(values[key], name)
    if "--shell" in flags:
        from workspace_guard.gates.harness.bash.stdinlang import stdin_commands

        for line in (stdin_commands(env, name, "xmllint shell commands") or "").splitlines():
            words = line.split()
            if words[:1] == ["write"] or words[:1] == ["save"]:
                for word in words[1:] or [w.text for w in pos]:
                    env.add(_lit(word, "q"), name, certain=False)


def _fd(env: _Env, name: str, args: list[_Word]) -> None:
    """``fd -x CMD`` / ``-X CMD``: CMD runs on each file found (``{}`` is the file)."""
    from workspace_guard.gates.harness.bash.files import _with_items

    for k, word in enumerate(args):
        if word.text in ("-x", "--exec", "-X", "--exec-batch"):
            end = k + 1
            while end < len(args) and args[end].text != ";":
                end += 1
            cmd = args[k + 1 : end]
            placeholders = ("{}", "{/}", "{//}", "{.}", "{/.}")
            item = _Word([_Part("{}", "q")], alts=((ANY_PATH, True),))
            words = [
                item if w.text in placeholders else w for w in cmd
            ]  # `{/}` and the like: a name below some folder
            _with_items(env, words, "{}", item, append=not any(w is item for w in words))
            return


# --------------------------------------------------------------------------- apply_patch


def _apply_patch(env: _Env, name: str, args: list[_Word]) -> None:
    """Codex's ``apply_patch``: the files the patch text names (an argument, a here-document or
    text piped from ``echo``); ``apply_patch < FILE``: never read (a ``git-worktree``
    finding); a file, a pipe, an expansion: any file (patch_input.py, ATTACK F92)."""
    from workspace_guard.gates.harness.bash.patch_input import fixed_text
    from workspace_guard.gates.harness.bash.syntax import GIT_WORKTREE
    from workspace_guard.gates.harness.patch_text import patch_paths

    texts = [w.text for w in args if not w.text.startswith("--")]
    if texts and all(w.literal for w in args):
        text = texts[0]
    elif not texts and fixed_text(env.stdin):  # not a file: it may change (ATTACK F92)
        text = env.stdin.text
    else:
        found = env.paths(_lit(env.stdin.text, "q")) if env.stdin.kind == "file" else []
        written = {posixpath.normpath(t.path) for t in env.out.targets}
        readable = not texts and len(found) == 1 and not found[0][1] and not found[0][2]
        readable = readable and posixpath.normpath(found[0][0]) not in written
        detail = f"{name} < {env.stdin.text}" if env.stdin.kind == "file" else name
        args_ = ("apply_patch", found[0][0]) if readable else ()
        env.out.find(GIT_WORKTREE, detail, env.ctx.cwd, args_)
        return
    paths = patch_paths(text)
    if not paths and "*** Begin Patch" not in text:
        env.add_any("apply-patch")  # a file name, or text no patch reader knows
    for path in paths:
        env.add(_lit(path, "q"), "apply-patch")


PROGRAMS: dict[str, _Handler] = {
    "zip": _zip,
    "ar": _ar,
    "jar": _jar,
    **dict.fromkeys(("7z", "7za", "7zr", "7zz"), _7z),
    "cpio": _cpio,
    "pax": _pax,
    "cabextract": _under_option("-d", "-l --list -t --test"),
    "unar": _under_option("-o"),
    "aunpack": _under_option("-X"),
    "unrar": _unrar,
    "rar": _unrar,
    "dpkg-deb": _dpkg_deb,
    "dpkg": _dpkg,
    "uudecode": _uudecode,
    "tarfile": _py_archive,
    "zipfile": _py_archive,
    "xxd": _xxd,
    "json.tool": _positional_output(1, "--indent"),
    "lz4": _lz4,
    "script": _script,
    "less": _less,
    "man": _man,
    "rg": _rg,
    "bat": _bat,
    "batcat": _bat,
    "fzf": _fzf,
    "tree": _tree,
    "http": _http,
    "https": _http,
    "xh": _http,
    "xmllint": _xmllint,
    "fd": _fd,
    "fdfind": _fd,
    "apply_patch": _apply_patch,
    "applypatch": _apply_patch,
}

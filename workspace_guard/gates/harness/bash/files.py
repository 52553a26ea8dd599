"""Handlers of commands that write files named by their arguments (file effects)."""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.env import _ASSIGN, _Env, _join
from workspace_guard.gates.harness.bash.linkmakers import copied
from workspace_guard.gates.harness.bash.links import _LINK_FLAGS, _SYMBOLIC, _links
from workspace_guard.gates.harness.bash.mentions import _code_literals
from workspace_guard.gates.harness.bash.options import _opts, _split, long_names
from workspace_guard.gates.harness.bash.programs import TAR_PROGRAMS, program_values
from workspace_guard.gates.harness.bash.syntax import _lit, _Part, _suffix, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Handler


def _each(kind: str, takes: str = "", skip_first: bool = False) -> _Handler:
    """Every positional argument is written (rm, touch, mkdir, tee, editors…)."""
    spec = _opts(takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        pos, _, _ = _split(args, spec)
        for word in pos[1:] if skip_first else pos:
            env.add(word, kind)

    return handle


def _chmod(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, _ = _split(args, _opts("--reference --from"))
    mode_as_option = any(_MODE_OPTION.fullmatch(a.text) for a in args)
    if "--reference" not in values and not (name == "chmod" and mode_as_option):
        pos = pos[1:]
    for word in pos:
        env.add(word, name)


_MODE_OPTION = re.compile(r"-[rwxXst]+")  # `chmod -x f`: the mode looks like an option


def _chattr(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if not word.text.startswith(("-", "+", "=")):
            env.add(word, name)


def _copy(kind: str, takes: str, sources_written: bool = False) -> _Handler:
    """cp, mv, ln, install: the destination (DIR/basename(SRC) when it is a directory)."""
    spec = _opts("-t --target-directory " + takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        pos, values, flags = _split(args, spec)
        if name == "install" and ("-d" in flags or "--directory" in flags):
            for word in pos:
                env.add(word, kind)
            return
        target_dir = values.get("-t") or values.get("--target-directory")
        if target_dir is None and name == "ln" and len(pos) == 1:
            target_dir = _lit(".")
        if target_dir is None and len(pos) < 2:
            return
        srcs = pos if target_dir is not None else pos[:-1]
        dest = target_dir or pos[-1]
        into = target_dir is not None or len(srcs) > 1 or _dirlike(dest)
        if sources_written:
            for src in srcs:
                env.add(src, kind)
        into = into and "-T" not in flags and "--no-target-directory" not in flags
        if into:
            for src in srcs:
                env.add_into(dest, src, kind)
        else:
            env.add(dest, kind)
        if name in ("ln", "link") or flags & _LINK_FLAGS:
            _links(env, srcs, dest, into, symbolic=bool(flags & _SYMBOLIC))
        copied(env, name, flags, dest)  # `cp -a`, `mv`: links kept (linkmakers.py)

    return handle


def _dirlike(word: _Word) -> bool:
    return word.text in (".", "..", "~") or word.text.endswith("/")


def _remote(text: str) -> bool:
    """``host:path`` or a URL: a copy there writes no local file."""
    return "://" in text or (":" in text.split("/", 1)[0] and not text.startswith(("/", ".")))


def _rsync(env: _Env, name: str, args: list[_Word]) -> None:
    """rsync/scp: the local destination (a directory: everything below it may change)."""
    takes = "-e --rsh -f --filter --exclude --include --files-from --rsync-path -T --temp-dir"
    more = " -S -o -J -i -P" if name == "scp" else ""
    pos, values, flags = _split(
        args, _opts(takes + " --partial-dir --backup-dir --log-file -F -l" + more)
    )
    if "--log-file" in values:
        env.add(values["--log-file"], name)
    program_values(
        env, values, ("-e", "--rsh", "--rsync-path") if name == "rsync" else ("-S", "-o")
    )
    if len(pos) < 2:
        return
    if "--remove-source-files" in flags:
        for src in pos[:-1]:
            if not _remote(src.text):
                env.add(src, name)
    if not _remote(pos[-1].text):
        env.add(pos[-1], name)


def _dd(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if word.text.startswith("of="):
            env.add(_suffix(word, 3), "dd")


_SED_LONG = _opts("--in-place --expression --file --line-length --null-data --zero-terminated")


def _sed(env: _Env, name: str, args: list[_Word]) -> None:
    """``sed -i`` writes its files; without -i sed prints, unless its script has a ``w FILE``."""
    scripts: list[_Word | None] = []  # None: a script file (-f) we cannot read
    inplace, pos, i = False, [], 0
    while i < len(args):
        word, text = args[i], args[i].text
        i += 1
        if text == "--":
            pos.extend(args[i:])
            break
        if not text.startswith("-") or text == "-" or not word.literal:
            pos.append(word)
        elif text.startswith("--"):
            written, eq, _ = text.partition("=")
            keys = long_names(written, _SED_LONG)  # `--in` is `--in-place` (ATTACK F61)
            inplace = inplace or "--in-place" in keys
            takes = [k for k in keys if k in ("--expression", "--file", "--line-length")]
            if takes:
                value = (
                    _suffix(word, len(written) + 1) if eq else (args[i] if i < len(args) else None)
                )
                i += 0 if eq else 1
                scripts += [value if k == "--expression" else None for k in takes if k[2] != "l"]
        else:
            i, inplace = _sed_short(args, i, text, scripts, inplace)
    if not scripts and pos:
        scripts.append(pos.pop(0))
    for word in pos if inplace else []:
        env.add(word, "sed-i")
    sandbox = any(w.text == "--sandbox" for w in args)  # GNU sed then refuses e, w and r
    for script in scripts:
        for m in _SED_WRITE.finditer(script.text if script is not None else ""):
            env.add_rel(m.group(1), "sed-w")
        if not sandbox:
            _sed_exec(env, script)


_SED_WRITE = re.compile(r"(?:^|[;\n}/0-9$gpIiMme])\s*[wW]\s+([^\s;}]+)")
# the `e [COMMAND]` command (at a command's place: after an address, `;`, `{`, `}` or a newline)
_SED_E = re.compile(r"(?:^|[;\n{}0-9$/!,])\s*e(?=[\s;}]|$)([^\n;}]*)")
# `s/RE/REPL/FLAGS` with the `e` flag: the pattern space is run as a command
_SED_S_E = re.compile(
    r"(?:^|[;\n{}0-9$/!,\s])s(\W)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1[0-9a-zA-Z]*e"
)


def _sed_exec(env: _Env, script: _Word | None) -> None:
    """GNU sed's ``e COMMAND`` and ``s///e`` run shell commands; a script the analysis cannot
    read (``-f FILE``, ``$S``) may hold them: unknown code, every file (``sed --sandbox``
    refuses them)."""
    text = script.text if script is not None and script.literal else None
    if text is None:
        env.unknown_code("sed: a script the analysis cannot read may run commands (e, s///e)")
        env.add_any("eval")
        return
    commands = [m.group(1).strip() for m in _SED_E.finditer(text)]
    if commands or _SED_S_E.search(text):
        env.unknown_code("sed e: runs a shell command")
        env.add_any("eval")  # `e` alone and `s///e` run text from the input
        for command in commands:
            if command:
                env.analyze_text(command)


def _sed_short(
    args: list[_Word], i: int, text: str, scripts: list[_Word | None], inplace: bool
) -> tuple[int, bool]:
    for j in range(1, len(text)):
        ch = text[j]
        if ch == "i":
            return i, True  # the rest of the cluster is the backup suffix
        if ch in "efl":
            rest = text[j + 1 :]
            value = _lit(rest, "q") if rest else (args[i] if i < len(args) else None)
            if ch != "l":
                scripts.append(value if ch == "e" else None)
            return i + (0 if rest else 1), inplace
    return i, inplace


def _awk(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, flags = _split(
        args, _opts("-f -v -F -i -l -E --include --file --assign --field-separator")
    )
    inplace = any(v.text == "inplace" for k, v in values.items() if k in ("-i", "--include"))
    inplace = inplace or "--inplace" in flags
    program = (
        None
        if ("-f" in values or "--file" in values or "-E" in values)
        else (pos.pop(0) if pos else None)
    )
    files = [w for w in pos if not _ASSIGN.match(w.text)]
    for word in files if inplace else []:
        env.add(word, "awk-i")
    if program is not None and _AWK_WRITE.search(program.text):
        _code_literals(env, program.text)


_AWK_WRITE = re.compile(r"\b(?:print|printf)\b[^;{}]*>|\bsystem\s*\(|\|\s*\"")


def _sort(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-k -t -S -T -o --key --field-separator --buffer-size --temporary-directory --output"
    _, values, _ = _split(
        args, _opts(takes + " --files0-from --random-source --batch-size --compress-program")
    )
    program_values(env, values, ("--compress-program",))
    for key in ("-o", "--output"):
        if key in values:
            env.add(values[key], "sort-o")


def _uniq(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, _ = _split(args, _opts("-f -s -w --skip-fields --skip-chars --check-chars"))
    if len(pos) > 1:
        env.add(pos[1], "uniq")


def _output_option(*keys: str, takes: str = "") -> _Handler:
    """Commands that only write the file named by an option (iconv -o, sponge-like tools)."""
    spec = _opts(" ".join(keys) + " " + takes)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        _, values, _ = _split(args, spec)
        for key in keys:
            if key in values:
                env.add(values[key], name)

    return handle


def _split_cmd(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-l -b -C -n -a -t -f -d --lines --bytes --line-bytes --number --suffix-length --prefix"
    pos, values, _ = _split(args, _opts(takes + " --additional-suffix --filter"))
    program_values(env, values, ("--filter",))
    prefix = values.get("-f") or values.get("--prefix")
    if name == "split":
        prefix = pos[1] if len(pos) > 1 else None
    text = prefix.text if prefix is not None else ("x" if name == "split" else "xx")
    env.add_rel(text + "*", name, certain=True, glob=True)


def _patch(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-p -i -o -d -r -B -D -F -V -z -Y -g --input --output --directory --reject-file"
    pos, values, flags = _split(args, _opts(takes + " --prefix --fuzz --suffix --strip"))
    if flags & {"--dry-run", "-C", "--check"}:
        return
    here = values.get("-d") or values.get("--directory")
    if here is not None:
        env = env.at(_join(env.ctx.cwd, here.text))
    out = values.get("-o") or values.get("--output")
    if out is not None:
        env.add(out, "patch")
    elif pos:
        env.add(pos[0], "patch")
    else:
        env.add_under(None, "patch")  # the files named inside the diff: unknown here


def _tar(env: _Env, name: str, args: list[_Word]) -> None:
    if args and not args[0].text.startswith("-"):
        args = [_lit("-" + args[0].text), *args[1:]]
    pos, values, flags = _split(args, _TAR_VALUES)
    program_values(env, values, TAR_PROGRAMS)
    archive = values.get("-f") or values.get("--file")
    here = values.get("-C") or values.get("--directory")
    if flags & {"-x", "--extract", "--get"}:
        for member in pos:
            env.add(
                member if here is None else _lit(posixpath.join(here.text, member.text)), "tar-x"
            )
        if not pos:
            env.add_under(here, "tar-x")
    elif flags & _TAR_WRITES and archive is not None and archive.text != "-":
        env.add(archive, "tar")


_TAR_VALUES = _opts(
    "-f -C -T -X -b -H -K -N -V --file --directory --exclude " + " ".join(TAR_PROGRAMS)
)
_TAR_WRITES = _opts("-c -r -u -A --create --append --update --delete")


def _unzip(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, flags = _split(args, _opts("-d -x -P -I -O"))
    if flags & {"-l", "-t", "-v", "-Z", "-p", "-c", "-z"}:
        return
    here = values.get("-d")
    for member in pos[1:]:
        env.add(member if here is None else _lit(posixpath.join(here.text, member.text)), "unzip")
    if len(pos) <= 1:
        env.add_under(here, "unzip")


def _compress(env: _Env, name: str, args: list[_Word]) -> None:
    """gzip FILE replaces FILE by FILE.gz (gunzip the reverse): both paths change."""
    pos, _, flags = _split(args, _opts("-S --suffix"))
    if flags & {"-c", "--stdout", "--to-stdout", "-t", "--test", "-l", "--list"}:
        return
    for word in pos:
        env.add(word, name)
        if word.literal:
            env.add(_lit(_COMPRESSED.sub("", word.text)), name)
            env.add(_lit(word.text + ".*"), name)


_COMPRESSED = re.compile(r"\.(gz|bz2|xz|zst|lz4|z|Z|lzma|br|lz|lzo|tgz)$")


def _curl(env: _Env, name: str, args: list[_Word]) -> None:
    """curl -o FILE / -O (the URL's basename); without them it only prints."""
    pos, values, flags = _split(args, _CURL_VALUES)
    for key in _CURL_OUTPUTS & values.keys():
        if values[key].text != "-":
            env.add(values[key], "download")
    if flags & {"-O", "--remote-name", "--remote-name-all"}:
        here = values.get("--output-dir")
        for url in pos:
            base = posixpath.basename(url.text.split("?")[0]) or "index.html"
            env.add(_lit(posixpath.join(here.text, base) if here else base), "download")


_CURL_OUTPUTS = _opts("-o --output -D --dump-header -c --cookie-jar --trace --trace-ascii")
_CURL_VALUES = _CURL_OUTPUTS | _opts(
    "--output-dir -H -d -X -u -A -e -b -F -T -w -m --data --header --request --user --url"
    " --data-binary --data-raw --connect-timeout --max-time"
)


def _wget(env: _Env, name: str, args: list[_Word]) -> None:
    takes = "-O -o -a -P -t -T -w -e -U -i --output-document --output-file --directory-prefix"
    pos, values, flags = _split(
        args, _opts(takes + " --user --password --header --tries --timeout --use-askpass")
    )
    program_values(env, values, ("--use-askpass",))
    for key in ("-O", "--output-document", "-o", "--output-file", "-a"):
        if key in values and values[key].text != "-":
            env.add(values[key], "download")
    if "-O" in values or "--output-document" in values:
        return
    here = values.get("-P") or values.get("--directory-prefix")
    if flags & {"-r", "--recursive", "-m", "--mirror"}:
        env.add_under(here, "download")
        return
    for url in pos:
        base = posixpath.basename(url.text.split("?")[0]) or "index.html"
        env.add(_lit(posixpath.join(here.text, base) if here else base), "download", certain=False)


def _yq(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(
        args, _opts("-o -p -I --output-format --input-format --indent --from-file")
    )
    if not flags & {"-i", "--inplace"}:
        return
    if pos and pos[0].text in ("e", "eval", "ea", "eval-all"):
        pos = pos[1:]
    for word in pos[1:] if len(pos) > 1 else pos:
        env.add(word, "yq-i")


def _find(env: _Env, name: str, args: list[_Word]) -> None:
    """find -delete / -exec CMD {}: the found files are written; ``{}`` stands for them."""
    i = 0
    while i < len(args) and args[i].text in ("-H", "-L", "-P"):
        i += 1
    roots: list[_Word] = []
    while i < len(args) and not args[i].text.startswith(("-", "(", "!")):
        roots.append(args[i])
        i += 1
    found = _Word(
        [_Part("{}", "q")], alts=_find_alts(env, roots or [_lit(".")], args[i:]), uncertain=True
    )
    while i < len(args):
        text = args[i].text
        i += 1
        if text == "-delete":
            env.add(found, "find")
        elif text in ("-fprint", "-fprint0", "-fls", "-fprintf") and i < len(args):
            env.add(args[i], "find")
        elif text in ("-exec", "-execdir", "-ok", "-okdir"):
            end = i
            while end < len(args) and args[end].text not in (";", "+"):
                end += 1
            here = env.at("$FIND_DIR") if text.endswith("dir") else env  # runs in each found dir
            _with_items(here, args[i:end], "{}", found, append=False)
            i = end + 1


def _find_alts(env: _Env, roots: list[_Word], tests: list[_Word]) -> tuple[tuple[str, bool], ...]:
    """What find may match: ROOT/**/NAME for one plain ``-name``, else everything under ROOT."""
    texts = [w.text for w in tests]
    names = [texts[k + 1] for k, t in enumerate(texts[:-1]) if t == "-name"]
    simple = (
        len(names) == 1 and "/" not in names[0] and not set(texts) & {"-o", "-or", "!", "-not", ","}
    )
    alts: list[tuple[str, bool]] = []
    for root in roots:
        for path, glob, dyn in env.paths(root):
            if simple:
                alts += [
                    (posixpath.join(path, names[0]), True),
                    (posixpath.join(path, "**", names[0]), True),
                ]
            else:
                alts.append((path, glob or dyn))
    return tuple(alts)


def _with_items(
    env: _Env, cmd: list[_Word], replace: str | None, item: _Word, append: bool = True
) -> None:
    """Run ``cmd`` on items we cannot list: ``{}`` becomes the item; inside a longer word
    (``sh -c 'rm {}'``, ``{}.bak``) it becomes a variable, so it may be anything."""
    if not cmd:
        return
    item.uncertain = True
    if not replace or not any(replace in w.text for w in cmd):
        env.dispatch([*cmd, item] if append else cmd)
        return
    words = []
    for word in cmd:
        if word.text == replace:
            words.append(item)
        elif replace in word.text:
            words.append(_lit(word.text.replace(replace, "${ITEM}"), "q"))
        else:
            words.append(word)
    env.dispatch(words)

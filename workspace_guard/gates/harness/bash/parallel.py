"""GNU parallel (and ``sem``): its command is a shell command line, its input may be commands.

Why: ``parallel echo evil '>>' ::: app/main.py`` joins its command words into one line a shell
runs, so ``'>>'`` is a redirection; with no command each input is a command line (``cat F |
parallel``, ``parallel :::: F``, ``parallel ::: 'CMD'``) (ATTACK F107). The command text is
analysed with each input put in place of the replacement strings (``{}``, ``{.}``, ``{1}``…,
quoted, as parallel quotes them; appended when there is none): inputs written in the command
(``:::``) are known words; inputs read from a file or stdin (``::::``, ``-a``, a pipe) are any
word as data, and code from a file or a pipe when they are the commands. Perl in the command
(``{= … =}``, ``--rpl``), remote hosts and option spellings the table does not know: code the
analysis cannot read, or a refused option.
"""

from __future__ import annotations

import itertools
import posixpath
import re

from workspace_guard.gates.harness.bash.env import _join
from workspace_guard.gates.harness.bash.getopt import OptSpec, getopt
from workspace_guard.gates.harness.bash.syntax import _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

_VALUES = (
    "-a|--arg-file= --arg-file-sep= --arg-sep= --basefile|--bf= --block|--block-size="
    " --blocktimeout|--bt= -C|--colsep= --compress-program= --decompress-program="
    " -d|--delimiter= -E= -e|--eof=? --env= --filter= --group-by= --halt|--halt-on-error="
    " --header= -I= -i|--replace=? --joblog= -j|-P|--jobs|--max-procs= -L|--max-lines="
    " -l=? --limit= --load= -n|--max-args= -s|--max-chars= --memfree= --memsuspend="
    " --minversion= -N|--max-replace-args= --nice= --recend= --recstart= --resume-failed"
    " --results|--res= --retries= --return= --rpl= --semaphorename|--id= --semaphoretimeout"
    "|--st= --seqreplace= --shard= --shebang-wrap --sql= --sqlmaster= --sqlandworker="
    " --sqlworker= --ssh= --sshdelay= -S|--sshlogin= --sshloginfile|--slf= --tagstring="
    " --ctagstring= --term-seq= --tmpdir|--tempdir= --tmux --tmuxpane --timeout="
    " --transferfile|--tf= --trc= --trim= --workdir|--wd= --delay= --template|--tmpl="
    " -J|--profile= --hgrp --hostgroups --match= --er|--extensionreplace= --bnr"
    "|--basenamereplace= --dnr|--dirnamereplace= --bner|--basenameextensionreplace="
    " --parens= --plus --colsep-regexp"
)
_FLAGS = (
    " --bar --cat --csv --ctag --dry-run|--dryrun --eta --fifo --fg --bg --group -k|--keep-order"
    " --lb|--line-buffer --max-line-length-allowed --no-notice --nonall --onall"
    " --files|--output-as-files|--outputasfiles --pipe|--spreadstdin --pipepart --plain"
    " --progress -q|--quote --regexp --rrs|--remove-rec-sep|--removerecsep --resume"
    " --retry-failed --round-robin|--round --sem|--semaphore --shellquote --shuf"
    " --skip-first-line --tag --tee --tty --ungroup|-u --unsafe -v|--verbose -t --version|-V"
    " --wait -X -x|--xargs -m --xapply|--link --will-cite --citation --bibtex -0|--null"
    " --noswap --number-of-cpus --number-of-cores --number-of-sockets --number-of-threads"
    " --silent --record-env --session --embed --filter-hosts --ctrl-c --help|-h --fast"
)
_PARALLEL = OptSpec(_VALUES + _FLAGS)
_SEPARATORS = frozenset({":::", ":::+", "::::", "::::+"})
# options whose value is code (perl, a shell command), or that run elsewhere or change the
# replacement strings: what runs is not read here
_CODE = frozenset(
    {"--rpl", "--limit", "--filter", "--shebang-wrap", "-S", "--sshloginfile", "--ssh", "-J"}
    | {"--er", "--bnr", "--dnr", "--bner", "--parens", "--plus", "--arg-sep", "--arg-file-sep"}
    | {"--tmux", "--tmuxpane", "--template", "--seqreplace", "--sql", "--sqlmaster"}
    | {"--sqlandworker", "--sqlworker", "--compress-program", "--decompress-program"}
)
# parallel's replacement strings: {} {.} {/} {//} {/.} {#} {%} and {N…} for the Nth input
_REPLACE = re.compile(r"\{(\d*)(//|/\.|\.|/|#|%)?\}")
_GLOB = re.compile(r"[*?\[]")
_MAX_RUNS = 256  # known inputs analysed one combination at a time, up to this many
_ANY = '"${PARALLEL_ITEM}"'  # an input only known at run time: any word


def parallel(env: _Env, name: str, args: list[_Word]) -> None:
    """``parallel [OPTS] [CMD…] [::: WORDS | :::: FILES]…``; ``sem [OPTS] CMD…``."""
    from workspace_guard.gates.harness.bash.launchers import _stdin_shell
    from workspace_guard.gates.harness.bash.wrapping import refuse_option

    parsed = getopt(args, _PARALLEL)
    if parsed.unknown:
        refuse_option(env, name, parsed.unknown)
        return
    seen = {opt: value for opt, value, _ in parsed.opts}
    if seen.keys() & {"--help", "--version", "--citation", "--bibtex", "--number-of-cpus"}:
        return
    for opt in seen.keys() & _CODE:
        env.unknown_code(f"{name} {opt}: code or hosts the analysis does not read")
        env.add_any("eval")
    replace = "{}"
    for opt, value in seen.items():
        if value is None:
            continue
        if opt == "--joblog":
            env.add(value, name)
        elif opt in ("--results", "--tmpdir"):
            env.add_under(value, name)
        elif opt == "--workdir":
            env = env.at(_join(env.ctx.cwd, value.text))
        elif opt in ("-I", "-i"):
            replace = value.text or "{}"
    command, sources = _split_inputs(parsed.rest)
    if "-a" in seen:
        sources.insert(0, None)
    semaphore = name == "sem" or bool(seen.keys() & {"--sem", "--semaphore"})
    if not sources and not semaphore and "--pipe" not in seen and "--pipepart" not in seen:
        sources = [None]  # input lines from stdin
    text = " ".join(w.text for w in command)
    if "{=" in text:
        env.unknown_code(f"{name} {{= … =}}: perl code in the command")
        env.add_any("eval")
    if "-q" in seen:  # --quote: the words are the command, not a shell line
        text = " ".join(_quote(w.text) for w in command)
    if semaphore or "--pipe" in seen or "--pipepart" in seen or not sources:
        if text:
            env.analyze_text(text)
        return
    if any(s == [] for s in sources):
        return  # `::: ` with no words (a glob that matched nothing): nothing runs
    if not command:  # each input is a command line
        if any(s is None for s in sources):
            _stdin_shell(env, f"{name}: commands from stdin or a file")
        _commands(env, [s for s in sources if s is not None])
        return
    _substituted(env, text, replace, sources)


_Value = tuple[str, bool]  # an input as written, and whether it is a plain literal


def _split_inputs(rest: list[_Word]) -> tuple[list[_Word], list[list[_Value] | None]]:
    """The command words, and each input source: the words after ``:::`` (the shell has
    expanded them: a glob stays a glob), None for ``::::`` files (read at run time)."""
    command: list[_Word] = []
    sources: list[list[_Value] | None] = []
    mode = ""
    for word in rest:
        if word.literal and word.text in _SEPARATORS:
            mode = word.text.rstrip("+")
            if mode == ":::":
                sources.append([])
            continue
        if not mode:
            command.append(word)
        elif mode == ":::":
            words = sources[-1]
            if words is not None:  # an unquoted glob is put in as the glob it is
                globbed = any(p.kind == "u" and _GLOB.search(p.text) for p in word.parts)
                words.append((word.text, word.literal and not globbed))
        else:
            sources.append(None)
    return command, sources


def _commands(env: _Env, sources: list[list[_Value]]) -> None:
    """Inputs that are command lines: each combination, joined, is analysed as shell text."""
    combos = _combinations(sources)
    if combos is None:
        env.unknown_code("parallel: more command lines than the analysis reads")
        env.add_any("stdin-script")
        return
    for combo in combos:
        env.analyze_text(" ".join(text for text, _ in combo))


def _combinations(sources: list[list[_Value]]) -> list[tuple[_Value, ...]] | None:
    total = 1
    for values in sources:
        total *= max(len(values), 1)
    if total > _MAX_RUNS:
        return None
    return list(itertools.product(*[values or [("", True)] for values in sources]))


def _substituted(env: _Env, text: str, replace: str, sources: list[list[_Value] | None]) -> None:
    """The command line with each combination of inputs in place (quoted, as parallel does);
    an input only known at run time is any word."""
    pattern = _REPLACE
    if replace != "{}":
        pattern = re.compile(f"(){re.escape(replace)}()|{_REPLACE.pattern}")
    spots = len(pattern.findall(text))
    known = [s for s in sources if s is not None]
    values = sorted({v for s in known for v in s})
    runs: list[tuple[_Value, ...]] = [(_UNKNOWN,) * max(spots, 1)]
    if len(known) < len(sources):
        pass
    elif not spots:
        runs = _combinations(known) or runs
    elif values and len(values) ** spots <= _MAX_RUNS:
        runs = list(itertools.product(values, repeat=spots))
    for run in runs:
        env.analyze_text(_put(text, pattern, run, spots))


_UNKNOWN: _Value = (_ANY, False)


def _put(text: str, pattern: re.Pattern[str], run: tuple[_Value, ...], spots: int) -> str:
    """``text`` with the replacement strings taken by ``run`` in turn (appended if none)."""
    if not spots:
        return " ".join([text, *(_quoted(v, "") for v in run)])
    it = iter(run)

    def one(match: re.Match[str]) -> str:
        how = next((g for g in match.groups()[1::2] if g), "")
        return _quoted(next(it, run[-1]), how)

    return pattern.sub(one, text)


def _quoted(value: _Value, how: str) -> str:
    """An input as parallel puts it in the line: quoted (a glob or an expansion stays as the
    shell gave it), after ``{.}`` (no extension), ``{/}`` (basename), ``{//}`` (dirname)…"""
    text, literal = value
    if how in ("#", "%"):
        return "1"
    if value == _UNKNOWN:
        return _ANY
    if how in ("/", "/."):
        text = posixpath.basename(text)
    elif how == "//":
        text = posixpath.dirname(text) or "."
    if how in (".", "/."):
        text = posixpath.splitext(text)[0]
    return _quote(text) if literal else text


def _quote(text: str) -> str:
    import shlex  # not at import time: the analysis loads light (tests/test_bash.py)

    return shlex.quote(text)


_XARGS = OptSpec(
    "-0|--null -a|--arg-file= -d|--delimiter= -E= -e|--eof=? -I= -i|--replace=? -L="
    " -l|--max-lines=? -n|--max-args= -p|--interactive -r|--no-run-if-empty -s|--max-chars="
    " -t|--verbose"
    " --show-limits -x|--exit -P|--max-procs= --process-slot-var= -o|--open-tty --help --version"
)


def xargs(env: _Env, name: str, args: list[_Word]) -> None:
    """``xargs [OPTS] [CMD…]``: the command gets items from stdin or ``-a FILE``, unknown here
    (any path); ``-I R``/``-i``/``--replace`` put them in place of R. Its options are read as
    getopt_long does (ATTACK F108's class: ``--max-a 1``, ``-I{}``, ``-n1``)."""
    from workspace_guard.gates.harness.bash.files import _with_items
    from workspace_guard.gates.harness.bash.syntax import ANY_PATH, _lit, _Part
    from workspace_guard.gates.harness.bash.wrapping import refuse_option

    parsed = getopt(args, _XARGS)
    if parsed.unknown:
        refuse_option(env, name, parsed.unknown)
        return
    replace = None
    for opt, value, _ in parsed.opts:
        if opt in ("--help", "--version", "--show-limits"):
            return
        if opt == "-I" and value is not None:
            replace = value.text
        elif opt == "-i":
            replace = value.text if value is not None and value.text else "{}"
    item = _Word([_Part("*", "q")], alts=((ANY_PATH, True),))
    _with_items(env, parsed.rest or [_lit("echo")], replace, item)

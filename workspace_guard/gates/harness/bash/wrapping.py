"""Wrappers that run the command after their options: env, sudo, nice, timeout, stdbuf.

Why: ``env --split-string=TEXT``, ``env -iS'…'``, ``env --chdi=app``, ``sudo --chdir=app`` ran
their command unread (ATTACK F108): each wrapper's options are read by getopt.py as the program
reads them, values that are shell text (``env -S``) are analysed, values that move the cwd
(``env -C``, ``sudo -D``) move it for the command, and an option the table does not know
refuses the command (it may take the next word, which then is not the command).
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _ASSIGN, _Env, _join
from workspace_guard.gates.harness.bash.getopt import OptSpec, getopt, shell_quoted
from workspace_guard.gates.harness.bash.gitconfig import git_variable, variable
from workspace_guard.gates.harness.bash.refs import GIT_DIR_VAR
from workspace_guard.gates.harness.bash.syntax import _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Handler

UNREAD_OPTION = "unread-option"  # the target kind of a refused option: any file, every policy


def refuse_option(env: _Env, name: str, option: str) -> None:
    """An option the analysis does not know: what the program runs is not known either."""
    env.unknown_code(f"{name} {option}: an option the analysis does not read")
    env.add_any(UNREAD_OPTION)


def wrapper(
    spec: str,
    skip: int = 0,
    *,
    cwd: str = "",
    out: str = "",
    stop: str = "",
    loose: bool = False,
    numeric: bool = False,
    default_shell: bool = False,
) -> _Handler:
    """A wrapper reading ``spec`` (getopt.OptSpec) then ``skip`` operands, then the command;
    ``cwd`` options move the cwd, ``out`` options name a file written, ``stop`` options mean
    no command runs (``command -v``, ``ionice -p``); ``default_shell``: with no command the
    program runs ``$SHELL``, which reads stdin (``… | chroot /``, ATTACK F120)."""
    table = OptSpec(spec, loose=loose, numeric=numeric)
    moves, writes, stops = set(cwd.split()), set(out.split()), set(stop.split())

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        base, parsed = env, getopt(args, table)
        if parsed.unknown:
            refuse_option(env, name, parsed.unknown)
            return
        if parsed.missing:
            return
        for opt, value, _ in parsed.opts:
            if opt in stops:
                return
            if value is not None and opt in moves:  # the last one wins (F126)
                env = env.at(_join(base.ctx.cwd, value.text))
            elif value is not None and opt in writes:
                env.add(value, name)
        rest = parsed.rest[skip:]
        if rest:
            env.dispatch(rest)
        elif default_shell and len(parsed.rest) >= skip:
            from workspace_guard.gates.harness.bash.launchers import _stdin_shell

            _stdin_shell(env, f"{name}: the shell it runs with no command")

    return handle


_ENV = OptSpec(
    "-i|--ignore-environment -0|--null -u|--unset= -C|--chdir= -S|--split-string= -v|--debug"
    " -a|--argv0= --block-signal=? --default-signal=? --ignore-signal=? --list-signal-handling"
    " --help --version"
)
_MAX_SPLITS = 8  # `env -S'-S"-S…"'`: deeper than any real command, read as shell text


def env_command(env: _Env, name: str, args: list[_Word], level: int = 0) -> None:
    """``env [OPTS] [-] [NAME=VALUE…] [CMD…]``: ``-S TEXT`` is split into words that take its
    place (options included, as coreutils does); ``-C DIR`` moves the cwd."""
    base, parsed = env, getopt(args, _ENV)
    if parsed.unknown:
        refuse_option(env, name, parsed.unknown)
        return
    for opt, value, end in parsed.opts:
        if value is None:
            continue
        if opt == "-C":  # the last one wins (F126)
            env = env.at(_join(base.ctx.cwd, value.text))
        elif opt == "-S":
            _split_string(env, name, value, args[end:], level)
            return
        elif opt in {"--help", "--version"}:
            return
    rest = parsed.rest
    if rest and rest[0].text == "-" and rest[0].literal:
        rest = rest[1:]
    i = 0
    while i < len(rest) and _ASSIGN.match(rest[i].text):
        key, _, setting = rest[i].text.partition("=")
        if git_variable(key):
            variable(env, key, setting)
            if key in ("GIT_DIR", "GIT_COMMON_DIR"):  # refs written there
                env = env.at(env.ctx.cwd)
                env.ctx.vars[GIT_DIR_VAR] = setting
        i += 1
    if rest[i:]:
        env.dispatch(rest[i:])


def _split_string(env: _Env, name: str, text: _Word, after: list[_Word], level: int) -> None:
    """``env -S 'sh -c "CMD"' ARGS``: the text's words, then ARGS, read by env again; text that
    is not plain words (or nested past reason) is analysed as shell text with ARGS after it; text
    with a backslash or ``$`` is split by env's own rules (``\\_``, ``\\t``, ``${NAME}``), not
    bash's: refused."""
    from workspace_guard.gates.harness.bash.lexer import _Lexer
    from workspace_guard.gates.harness.bash.syntax import _TooDeep

    if "\\" in text.text or "$" in text.text:  # env's own escapes and ${NAME} (ATTACK F113)
        refuse_option(env, name, "-S with escapes or variables")
        return
    errors: list[str] = []
    try:
        tokens = _Lexer(text.text, 0, env.depth + 1, errors).run()
    except _TooDeep:
        tokens, errors = [], ["too deep"]
    words = [t for t in tokens if isinstance(t, _Word)]
    if errors or len(words) != len(tokens) or not text.literal or level >= _MAX_SPLITS:
        env.analyze_text(" ".join(filter(None, [text.text, shell_quoted(after)])))
        return
    env_command(env, name, [*words, *after], level + 1)


_SUDO = OptSpec(
    "-A|--askpass -b|--background -B|--bell -C|--close-from= -D|--chdir= -E --preserve-env=?"
    " -e|--edit -g|--group= -H|--set-home -h=? --host= --help -i|--login -K|--remove-timestamp"
    " -k|--reset-timestamp -l|--list -n|--non-interactive -N|--no-update -P|--preserve-groups"
    " -p|--prompt= -R|--chroot= -r|--role= -S|--stdin -s|--shell -T|--command-timeout="
    " -t|--type= -U|--other-user= -u|--user= -V|--version -v|--validate"
)


def sudo(env: _Env, name: str, args: list[_Word]) -> None:
    """``sudo [OPTS] [NAME=VALUE…] CMD…``: ``-e`` edits the operands, ``-D`` moves the cwd,
    ``-s``/``-i`` run the command through a shell (``-i`` in the user's home, after its
    profile), ``-R`` a chroot (paths elsewhere: refused)."""
    from workspace_guard.gates.harness.bash.wrappers import _sudo_edit

    base, parsed = env, getopt(args, _SUDO)
    if parsed.unknown or any(opt == "-R" for opt, _, _ in parsed.opts):
        refuse_option(env, name, parsed.unknown or "--chroot")
        return
    seen = {opt for opt, _, _ in parsed.opts}
    if seen & {"-l", "-V", "--help"} or any(o == "-h" and v is None for o, v, _ in parsed.opts):
        return
    rest = parsed.rest
    if "-e" in seen:
        _sudo_edit(env, name, rest)
        return
    for opt, value, _ in parsed.opts:
        if opt == "-D" and value is not None:  # the last one wins (F126)
            env = env.at(_join(base.ctx.cwd, value.text))
    while rest and _ASSIGN.match(rest[0].text):
        rest = rest[1:]
    if "-i" in seen:
        env.unknown_code(f"{name} -i: a login shell runs the user's profile")
        env = env.at("$SUDO_HOME")
    if seen & {"-s", "-i"}:
        if rest:
            env.analyze_text(" ".join(w.text for w in rest))
        else:
            env.unknown_code(f"{name} -s: a shell reading a terminal")
            env.add_any("stdin-script")
    elif rest:
        env.dispatch(rest)


def doas(env: _Env, name: str, args: list[_Word]) -> None:
    """``doas [-nLs] [-a STYLE] [-C CONFIG] [-u USER] CMD…``; ``-s``: a shell on a terminal."""
    parsed = getopt(args, _DOAS)
    if parsed.unknown:
        refuse_option(env, name, parsed.unknown)
        return
    seen = {opt for opt, _, _ in parsed.opts}
    if seen & {"-C", "-L"}:
        return
    if parsed.rest:
        env.dispatch(parsed.rest)
    elif "-s" in seen:
        env.unknown_code(f"{name} -s: a shell reading a terminal")
        env.add_any("stdin-script")


_DOAS = OptSpec("-a= -C= -L -n -s -u=")

_WRAPPERS: dict[str, _Handler] = {
    "nohup": wrapper("--help --version", stop="--help --version"),
    "command": wrapper("-p -v -V", stop="-v -V"),
    "builtin": wrapper(""),
    "setsid": wrapper("-c|--ctty -f|--fork -w|--wait -h|--help -V|--version", stop="-h -V"),
    "chronic": wrapper("-e -v -h"),
    "unbuffer": wrapper("-p"),
    "busybox": wrapper("--list --list-full --help --install", stop="--list --list-full --help"),
    "env": env_command,
    "sudo": sudo,
    "doas": doas,
    "time": wrapper(
        "-a|--append -f|--format= -o|--output= -p|--portability -q|--quiet -v|--verbose"
        " -V|--version --help",
        out="-o",
    ),
    "nice": wrapper("-n|--adjustment= --help --version", numeric=True, stop="--help --version"),
    "ionice": wrapper(
        "-c|--class= -n|--classdata= -p|--pid -P|--pgid -u|--uid -t|--ignore -h|--help"
        " -V|--version",
        stop="-p -P -u -h -V",
    ),
    "timeout": wrapper(
        "-k|--kill-after= -s|--signal= -f|--foreground -v|--verbose -p|--preserve-status"
        " --help --version",
        skip=1,
        stop="--help --version",
    ),
    "stdbuf": wrapper("-i|--input= -o|--output= -e|--error= --help --version"),
    "exec": wrapper("-a= -c -l"),
    "caffeinate": wrapper("-d -i -m -s -u -t= -w="),
    "xvfb-run": wrapper(
        "-a|--auto-servernum -e|--error-file= -f|--auth-file= -h|--help -n|--server-num="
        " -l|--listen-tcp -p|--xauth-protocol= -s|--server-args= -w|--wait=",
        out="-e -f",
        stop="-h",
    ),
    "strace": wrapper(
        "-a= -b= -e= -E= -I= -o= -O= -p= -P= -s= -S= -u= -U= -X= -c -C -d -D -f -F -h -i -k -n"
        " -q -r -t -T -v -V -w -x -y -z -Z --output=",
        out="-o",
        loose=True,
    ),
    "ltrace": wrapper(
        "-a= -A= -D= -e= -F= -l= -L -n= -o= -p= -s= -u= -w= -x= -b -c -C -f -h -i -r -S -t -T"
        " -V --output=",
        out="-o",
        loose=True,
    ),
    "taskset": wrapper(
        "-a|--all-tasks -p|--pid -c|--cpu-list -h|--help -V|--version", 1, stop="-p -h -V"
    ),
    "chroot": wrapper(
        "--userspec= --groups= --skip-chdir --help --version",
        skip=1,
        stop="--help --version",
        default_shell=True,
    ),
    "dotenv": wrapper("-f|--file= -e= -v= -c= -q|--quote= -o|--override", loose=True),
}

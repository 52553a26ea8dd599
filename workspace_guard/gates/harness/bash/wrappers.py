"""Wrappers that run their arguments as a command (ATTACK F52): ``unshare -r CMD``, ``flock F
-c CMD``, ``perf stat CMD``, ``faketime -1d CMD``, ``sudo -e F``: the command is judged in place."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _join
from workspace_guard.gates.harness.bash.getopt import OptSpec, getopt
from workspace_guard.gates.harness.bash.syntax import _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler


def _runs_rest(
    takes: str,
    *,
    skip: int = 0,
    sub: bool = False,
    code: str = "",
    spec: str = "",
    stop: str = "",
    cwd: str = "",
    default_shell: bool = False,
) -> _Handler:
    """``unshare -r CMD…``, ``perf stat CMD…``, ``dtach -n SOCK CMD…``: options, ``skip``
    positional words, then the command. ``spec``: the program's whole option table (getopt.py;
    an option outside it refuses the command); else ``takes``, the options with a value, and
    any other option is one word. ``code`` options hold shell text (``entr -s``, ``flock -c``);
    ``stop`` options run nothing (``chrt -p``); ``cwd`` options move the cwd (``unshare
    --wd``), and ``!OPT`` there puts the command in a place not known here (a root, another
    process's cwd): refused. ``default_shell``: with no command the program runs ``$SHELL``,
    which reads its commands from stdin (``… | unshare``, ``… | fakeroot``; ATTACK F120)."""
    table = OptSpec(spec) if spec else OptSpec(" ".join(t + "=" for t in takes.split()), True)
    shell, stops = set(code.split()), set(stop.split())
    moves = {c for c in cwd.split() if not c.startswith("!")}
    elsewhere = tuple(c[1:] for c in cwd.split() if c.startswith("!"))

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        from workspace_guard.gates.harness.bash.wrapping import refuse_option

        base, parsed = env, getopt(args, table, 1 if sub and args else 0)
        if parsed.unknown:
            refuse_option(env, name, parsed.unknown)
            return
        if parsed.missing:
            return
        for opt, value, _ in parsed.opts:
            if opt in stops:
                return
            if elsewhere and opt.partition("=")[0].startswith(elsewhere):
                refuse_option(env, name, opt)
                return
            if opt in moves and value is not None:  # the last one wins (F126)
                env = env.at(_join(base.ctx.cwd, value.text))
            if opt in shell:  # `flock -c CMD F`, `entr -s CMD` (a flag: the operand is the text)
                text = value if value is not None else next(iter(parsed.rest), None)
                if text is not None:
                    env.analyze_text(text)
                return
        rest = parsed.rest[skip:]
        if rest and rest[0].text in shell and rest[0].literal and len(rest) > 1:
            env.analyze_text(rest[1])  # `flock F -c CMD`
        elif rest:
            env.dispatch(rest)
        elif default_shell and len(parsed.rest) >= skip:
            from workspace_guard.gates.harness.bash.launchers import _stdin_shell

            _stdin_shell(env, f"{name}: the shell it runs with no command")

    return handle


def _sudo_edit(env: _Env, name: str, args: list[_Word]) -> None:
    """``sudoedit F…`` / ``sudo -e F…``: an editor on each file."""
    for word in args:
        if not (word.literal and word.text.startswith("-")):
            env.add(word, "editor")


def _faketime(env: _Env, name: str, args: list[_Word]) -> None:
    """``faketime [-m] [-f] [-p PID] TIMESTAMP CMD…`` (the timestamp may start with ``-``)."""
    k = 0
    while k < len(args) and args[k].text in ("-m", "-f", "-p", "--exclude-monotonic"):
        k += 2 if args[k].text == "-p" else 1
    if len(args) > k + 1:
        env.dispatch(args[k + 1 :])


def sudo(env: _Env, name: str, args: list[_Word]) -> None:
    """``sudo -e F…`` edits the files; otherwise the command after the options (tools.py)."""
    from workspace_guard.gates.harness.bash.wrapping import sudo as read_sudo

    read_sudo(env, name, args)


WRAPPERS: dict[str, _Handler] = {
    "sudoedit": _sudo_edit,
    "flock": _runs_rest(
        "",
        skip=1,
        code="-c --command",
        spec="-s|--shared -x|-e|--exclusive -u|--unlock -n|--nb|--nonblock -w|--wait|--timeout="
        " -E|--conflict-exit-code= -o|--close -F|--no-fork -c|--command= -h|--help -V|--version"
        " --verbose",
        stop="-h -V",
    ),
    "unshare": _runs_rest(
        "-S -G -R -w --setuid --setgid --root --wd --map-user --map-group",
        cwd="-w --wd !-R !--root",
        default_shell=True,
    ),
    "nsenter": _runs_rest(
        "-t -S -G --target --setuid --setgid", cwd="!-r !--root !-w !--wd", default_shell=True
    ),
    "setpriv": _runs_rest("--reuid --regid --groups --inh-caps --ambient-caps --bounding-set"),
    "prlimit": _runs_rest("-p --pid -o --output"),
    "systemd-run": _runs_rest("-u --unit -p --property -E --setenv --uid --gid -M -H"),
    "firejail": _runs_rest("", default_shell=True),
    "fakeroot": _runs_rest("-l -s -i --lib --faked", default_shell=True),
    "faketime": _faketime,
    "valgrind": _runs_rest(""),
    "dbus-run-session": _runs_rest("--config-file --dbus-daemon"),
    "ssh-agent": _runs_rest("-a -E -P -t"),
    "rlwrap": _runs_rest("-f -H -P -S -e -p -q -s"),
    "torsocks": _runs_rest("-u -p -a -P"),
    "proxychains": _runs_rest("-f"),
    "proxychains4": _runs_rest("-f"),
    "chrt": _runs_rest(
        "",
        skip=1,
        spec="-b|--batch -d|--deadline -f|--fifo -i|--idle -o|--other -r|--rr -R|--reset-on-fork"
        " -a|--all-tasks -m|--max -p|--pid -v|--verbose -T|--sched-runtime= -P|--sched-period="
        " -D|--sched-deadline= -h|--help -V|--version",
        stop="-p -m -h -V",
    ),
    "numactl": _runs_rest("-C -m -N -p -i --physcpubind --membind --cpunodebind --preferred"),
    "cgexec": _runs_rest("-g"),
    "dtach": _runs_rest("-n -c -A -a -e -r"),
    "abduco": _runs_rest("-n -c -A -a -e"),
    "tsp": _runs_rest("-L -D -S"),
    "nq": _runs_rest(""),
    "entr": _runs_rest("", code="-s", spec="-a -c -d -n -p -r -s -x -z"),
    "ifne": _runs_rest(""),
    "pkexec": _runs_rest("--user", default_shell=True),
    "perf": _runs_rest("-o -e -p -t -C -F -c --output --event --pid", sub=True),
    "catchsegv": _runs_rest(""),
    "gdbserver": _runs_rest("", skip=1),
}

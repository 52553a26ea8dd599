"""Wrappers that run their arguments as a command (ATTACK F52): ``unshare -r CMD``, ``flock F
-c CMD``, ``perf stat CMD``, ``faketime -1d CMD``, ``sudo -e F``: the command is judged in place."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.syntax import _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler


def _runs_rest(takes: str, skip: int = 0, sub: bool = False, code: str = "") -> _Handler:
    """``unshare -r CMD…``, ``perf stat CMD…``, ``dtach -n SOCK CMD…``: options (``takes``
    have a value), ``skip`` positional words, then the command; ``code`` options hold shell
    text (``entr -s``, ``flock -c``)."""
    spec = _opts(takes)
    shell = _opts(code)

    def handle(env: _Env, name: str, args: list[_Word]) -> None:
        i = 1 if sub and args else 0
        skipped = 0
        while i < len(args):
            word, text = args[i], args[i].text
            if text == "--" and word.literal:
                i += 1
                break
            if text.startswith("-") and word.literal and len(text) > 1:
                i += 1
                key = text.partition("=")[0]
                if key in shell:
                    env.analyze_text(
                        text.partition("=")[2] if "=" in text else args[i] if i < len(args) else ""
                    )
                    return
                if key in spec and "=" not in text and i < len(args):
                    i += 1
                continue
            if skipped < skip:
                skipped += 1
                i += 1
                continue
            break
        rest = args[i:]
        if rest and rest[0].text in shell and len(rest) > 1:  # `flock F -c CMD`
            env.analyze_text(rest[1])
        elif rest:
            env.dispatch(rest)

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
    from workspace_guard.gates.harness.bash.tools import _WRAPPERS

    k = 0
    while k < len(args) and args[k].text.startswith("-") and args[k].text != "--":
        if args[k].text in ("-e", "--edit"):
            _sudo_edit(env, name, args[k + 1 :])
            return
        k += 1
    _WRAPPERS["sudo"](env, name, args)


WRAPPERS: dict[str, _Handler] = {
    "sudoedit": _sudo_edit,
    "flock": _runs_rest("-w -E --timeout --conflict-exit-code", skip=1, code="-c --command"),
    "unshare": _runs_rest("-S -G -R -w --setuid --setgid --root --wd --map-user --map-group"),
    "nsenter": _runs_rest("-t -S -G -r -w --target --setuid --setgid --root --wd"),
    "setpriv": _runs_rest("--reuid --regid --groups --inh-caps --ambient-caps --bounding-set"),
    "prlimit": _runs_rest("-p --pid -o --output"),
    "systemd-run": _runs_rest("-u --unit -p --property -E --setenv --uid --gid -M -H"),
    "firejail": _runs_rest(""),
    "fakeroot": _runs_rest("-l -s -i --lib --faked"),
    "faketime": _faketime,
    "valgrind": _runs_rest(""),
    "dbus-run-session": _runs_rest("--config-file --dbus-daemon"),
    "ssh-agent": _runs_rest("-a -E -P -t"),
    "rlwrap": _runs_rest("-f -H -P -S -e -p -q -s"),
    "torsocks": _runs_rest("-u -p -a -P"),
    "proxychains": _runs_rest("-f"),
    "proxychains4": _runs_rest("-f"),
    "chrt": _runs_rest("-T -P -D", skip=1),
    "numactl": _runs_rest("-C -m -N -p -i --physcpubind --membind --cpunodebind --preferred"),
    "cgexec": _runs_rest("-g"),
    "dtach": _runs_rest("-n -c -A -a -e -r"),
    "abduco": _runs_rest("-n -c -A -a -e"),
    "tsp": _runs_rest("-L -D -S"),
    "nq": _runs_rest(""),
    "entr": _runs_rest("", code="-s"),
    "ifne": _runs_rest(""),
    "pkexec": _runs_rest("--user"),
    "perf": _runs_rest("-o -e -p -t -C -F -c --output --event --pid", sub=True),
    "catchsegv": _runs_rest(""),
    "gdbserver": _runs_rest("", skip=1),
}

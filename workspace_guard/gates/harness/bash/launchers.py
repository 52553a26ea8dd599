"""Programs that run command text elsewhere: tmux, screen, ssh, su/runuser/sg, at/batch,
crontab, and the wrappers that run their arguments as a command (ATTACK F52).

Why: ``tmux new -d 'echo x > app/main.py'``, ``ssh localhost 'rm app/main.py'``, ``runuser -u
root -- sh -c …``, ``at now <<< …`` run shell text the first tables never read. Each is judged
by the command it runs, in place: text given as one argument is analysed as Bash, several words
as the command itself. What cannot be read is refused as code from nowhere: keys typed into a
running tmux or screen session (``send-keys``, ``stuff``: whatever runs in that pane reads them),
a remote or ``su`` shell with nothing to run (it reads a terminal), commands piped into ``at``.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _join
from workspace_guard.gates.harness.bash.getopt import OptSpec
from workspace_guard.gates.harness.bash.mentions import _unknown
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.syntax import _lit, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler


def _stdin_shell(env: _Env, what: str) -> None:
    """Commands a shell reads on stdin: literal text analysed, a file is a script, a pipe or a
    terminal is code from nowhere."""
    kind = env.stdin.kind
    if kind == "text":
        env.analyze_text(env.stdin.text)
    elif kind == "file":
        env.unknown_code(f"{what}: commands read from a file")
    else:
        env.unknown_code(f"{what}: commands read from a pipe or a terminal")
        env.add_any("stdin-script")


def _run_words(env: _Env, words: list[_Word]) -> None:
    """One word is shell text (``tmux new 'CMD'``); several are the command itself."""
    if len(words) == 1:
        env.analyze_text(words[0])
    elif words:
        env.dispatch(words)


# --------------------------------------------------------------------------- tmux

_TMUX_RUN = {  # command: options taking a value; the positional words are a shell command
    "new-session": "-c -e -F -f -n -s -t -x -y",
    "new-window": "-c -e -F -n -t",
    "split-window": "-c -e -F -l -p -t",
    "respawn-pane": "-c -e -t",
    "respawn-window": "-c -e -t",
    "run-shell": "-c -d -t",
    "pipe-pane": "-t",
    "display-popup": "-b -c -d -e -h -s -S -t -T -w -x -y",
}
_TMUX_ALIASES = {
    "new": "new-session",
    "neww": "new-window",
    "splitw": "split-window",
    "respawnp": "respawn-pane",
    "respawnw": "respawn-window",
    "run": "run-shell",
    "pipep": "pipe-pane",
    "popup": "display-popup",
    "if": "if-shell",
    "send": "send-keys",
    "source": "source-file",
    "saveb": "save-buffer",
    "set": "set-option",
    "setw": "set-window-option",
    "setenv": "set-environment",
    "bind": "bind-key",
}
# commands that change what later sessions run, or run tmux commands from elsewhere
_TMUX_CONFIG = _opts(
    "set-option set-window-option set-environment set-hook bind-key command-prompt"
    " confirm-before source-file display-menu menu"
)
_TMUX_NAMES = sorted({*_TMUX_RUN, *_TMUX_ALIASES.values(), *_TMUX_CONFIG, "send-keys"})


def _tmux_name(word: str) -> str:
    """tmux takes an alias or any unambiguous prefix of a command name."""
    if word in _TMUX_ALIASES:
        return _TMUX_ALIASES[word]
    found = [n for n in _TMUX_NAMES if n.startswith(word)] if len(word) > 1 else []
    return found[0] if len(found) == 1 or word in found else word


def _tmux(env: _Env, name: str, args: list[_Word]) -> None:
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].literal:
        text = args[i].text
        i += 1
        if text == "--":
            break
        value = text[2:] or (args[i].text if i < len(args) else "")
        if text[1:2] in ("c", "f", "L", "S", "T") and not text[2:]:
            i += 1
        if text.startswith("-c"):  # `tmux -c CMD`: run by the default shell
            env.analyze_text(value)
            return
        if text.startswith("-f"):
            env.unknown_code(f"{name} -f {value}: a configuration file runs tmux commands")
    commands: list[list[_Word]] = [[]]
    for word in args[i:]:
        if word.text == ";":
            commands.append([])
        elif word.text.endswith(";") and not word.text.endswith("\\;") and word.literal:
            commands[-1].append(_lit(word.text[:-1], "q"))
            commands.append([])
        else:
            commands[-1].append(word)
    for command in commands:
        if command:
            _tmux_command(env, name, command)


def _tmux_command(env: _Env, name: str, words: list[_Word]) -> None:
    sub = _tmux_name(words[0].text)
    args = words[1:]
    for word in args:
        if "#(" in word.text:  # a format running a shell command
            env.analyze_text(word.text.split("#(", 1)[1].rsplit(")", 1)[0])
    if sub in _TMUX_RUN:
        pos, values = _tmux_options(args, _TMUX_RUN[sub])
        here = env.at(_join(env.ctx.cwd, values["-c"].text)) if "-c" in values else env
        if sub == "run-shell" and "-C" in values:
            _tmux_command_text(env, name, pos)
        elif "-e" in values:
            env.unknown_code(f"{name} {sub} -e: a variable set for the command it runs")
            _run_words(here, pos)
        else:
            _run_words(here, pos)
    elif sub == "if-shell":
        pos, values = _tmux_options(args, "-t")
        if pos and "-F" not in values:
            env.analyze_text(pos[0])
        _tmux_command_text(env, name, pos[1:])
    elif sub == "send-keys":
        pos, _ = _tmux_options(args, "-N -t -c")
        env.unknown_code(f"{name} send-keys: keys typed into whatever runs in that pane")
        env.add_any("stdin-script")
        env.analyze_text(" ".join(w.text for w in pos if w.text not in _KEY_NAMES))
    elif sub in _TMUX_CONFIG:
        env.unknown_code(f"{name} {sub}: changes what tmux runs later")
        _unknown(env, args)
    elif sub in ("save-buffer", "saveb"):
        pos, _ = _tmux_options(args, "-b")
        if pos:
            env.add(pos[0], name)


_KEY_NAMES = frozenset({"Enter", "C-m", "C-j", "KPEnter", "Escape", "Space", "Tab", "C-c"})


def _tmux_options(args: list[_Word], takes: str) -> tuple[list[_Word], dict[str, _Word]]:
    """tmux's getopt: flag clusters, options with a value, then the positional words."""
    spec = frozenset(takes.split())
    values: dict[str, _Word] = {}
    i = 0
    while i < len(args) and args[i].text.startswith("-") and len(args[i].text) > 1:
        text = args[i].text
        i += 1
        if text == "--":
            break
        for j in range(1, len(text)):
            opt = "-" + text[j]
            if opt in spec:
                if j + 1 < len(text):
                    values[opt] = _lit(text[j + 1 :], "q")
                elif i < len(args):
                    values[opt] = args[i]
                    i += 1
                break
            values.setdefault(opt, _lit("", "q"))
    return args[i:], values


def _tmux_command_text(env: _Env, name: str, words: list[_Word]) -> None:
    """tmux commands given as text (``if-shell C 'run-shell X'``): parsed as a command line."""
    for word in words:
        parts: list[_Word] = []
        from workspace_guard.gates.harness.bash.lexer import _Lexer

        errors: list[str] = []
        tokens = _Lexer(word.text, 0, env.depth + 1, errors).run()
        parts = [t for t in tokens if isinstance(t, _Word)]
        if errors or not parts:
            env.unknown_code(f"{name}: tmux commands the analysis cannot read")
            env.add_any("stdin-script")
            continue
        _tmux(env, name, parts)


# --------------------------------------------------------------------------- screen

_SCREEN_VALUES = set("SctpehT")  # flags whose value follows (`-S name`, `-dmS name`)


def _screen(env: _Env, name: str, args: list[_Word]) -> None:
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].literal:
        text = args[i].text
        i += 1
        if text in ("-ls", "-list", "-wipe", "-v", "-version", "-h", "--help"):
            return
        if text == "-Logfile" and i < len(args):
            env.add(args[i], name)
            i += 1
            continue
        if text == "-L":
            env.add_rel("screenlog.*", name, glob=True)
            continue
        if text == "-X":
            _screen_command(env, name, args[i:])
            return
        for j, ch in enumerate(text[1:], 1):
            if ch in _SCREEN_VALUES:
                value = text[j + 1 :] or (args[i].text if i < len(args) else "")
                i += 0 if text[j + 1 :] else 1
                if ch == "c":
                    env.unknown_code(f"{name} -c {value}: a configuration file runs commands")
                elif ch == "s":
                    env.unknown_code(f"{name} -s {value}: the shell it runs")
                break
            if ch == "X":
                _screen_command(env, name, args[i:])
                return
    if args[i:]:
        env.dispatch(args[i:])


def _screen_command(env: _Env, name: str, words: list[_Word]) -> None:
    if not words:
        return
    sub, rest = words[0].text, words[1:]
    if sub == "stuff":
        env.unknown_code(f"{name} -X stuff: text typed into whatever runs in that window")
        env.add_any("stdin-script")
        env.analyze_text(" ".join(w.text.replace("\\n", "\n") for w in rest))
    elif sub in ("exec", "screen"):
        while rest and (rest[0].text.startswith("-") or set(rest[0].text) <= set("!.|:")):
            rest = rest[1:]
        if rest:
            env.dispatch(rest)
    elif sub in ("logfile", "hardcopy", "writebuf", "bufferfile", "log"):
        for word in rest:
            if word.text not in ("on", "off", "-h", "flush"):
                env.add(word, name)
    elif sub == "eval":
        for word in rest:
            _screen_command(env, name, [_lit(t, "q") for t in word.text.split()])
    elif sub not in ("quit", "detach", "kill", "select", "title", "windows", "info", "version"):
        env.unknown_code(f"{name} -X {sub}: a screen command the analysis does not know")
        _unknown(env, rest)


# --------------------------------------------------------------------------- ssh

_SSH_VALUES = set("BbcDEeFIiJLlmOopQRSWw")
_SSH_COMMANDS = ("proxycommand", "localcommand", "knownhostscommand", "remotecommand")


def _ssh(env: _Env, name: str, args: list[_Word]) -> None:
    """``ssh [opts] HOST [CMD…]``: the remote command is shell text (the host may be this
    machine; its shell starts in an unknown home directory); no command, a remote shell that
    reads stdin; ``-o ProxyCommand=…`` and the like run here."""
    env.unknown_code(f"{name}: runs commands on a host the analysis cannot see")
    i, no_command = 0, False
    while i < len(args) and args[i].text.startswith("-") and args[i].literal:
        text = args[i].text
        i += 1
        if text == "--":
            break
        for j, ch in enumerate(text[1:], 1):
            if ch == "N":
                no_command = True
            if ch in _SSH_VALUES:
                inline = text[j + 1 :]
                value = _lit(inline, "q") if inline else (args[i] if i < len(args) else _lit(""))
                i += 0 if inline else 1
                _ssh_option(env, name, ch, value)
                break
    rest = args[i:]
    if not rest or no_command:
        return
    command = rest[1:]
    remote = env.at("$SSH_HOME")
    if command:
        remote.analyze_text(" ".join(w.text for w in command))
    else:
        _stdin_shell(remote, f"{name} {rest[0].text}")


def _ssh_option(env: _Env, name: str, flag: str, value: _Word) -> None:
    if flag == "E":
        env.add(value, name)
    elif flag == "F":
        env.unknown_code(f"{name} -F {value.text}: a configuration file can run commands")
    elif flag == "o":
        key, _, setting = value.text.replace("=", " ", 1).partition(" ")
        if key.lower() in _SSH_COMMANDS:
            env.analyze_text(setting)


# --------------------------------------------------------------------------- su, runuser, sg


def _su(env: _Env, name: str, args: list[_Word]) -> None:
    """``su [opts] [-] [USER [ARGS]]``, ``runuser -u USER [--] CMD…``: ``-c CMD`` is shell text,
    ``-u`` runs the words after it, the arguments after USER go to the shell; with nothing to
    run, the shell reads a terminal."""
    from workspace_guard.gates.harness.bash.getopt import read_option
    from workspace_guard.gates.harness.bash.wrapping import refuse_option

    i, code, user, pos = 0, None, None, []
    while i < len(args):
        word, text = args[i], args[i].text
        if text == "--" and word.literal:
            pos += args[i + 1 :]
            break
        if not text.startswith("-") or text == "-":
            if user is not None and name == "runuser":  # `runuser -u U CMD…`: options stop
                pos += args[i:]
                break
            pos.append(word)
            i += 1
            continue
        opts: list[tuple[str, _Word | None, int]] = []
        i, bad = read_option(args, i, _SU_OPTIONS, opts)
        if bad:
            refuse_option(env, name, bad)
            return
        if i < 0:
            return  # an option without its value: su refuses to start
        for key, value, _ in opts:
            if key in ("-h", "-V"):
                return
            if value is None:
                continue
            if key in ("-c", "--session-command"):
                code = value
            elif key == "-u":
                user = value
            elif key == "-s" and value.text.rsplit("/", 1)[-1] not in _SHELLS:
                env.unknown_code(f"{name} {key} {value.text}: the shell it runs")
    pos = [w for w in pos if not (w.text == "-" and w.literal)]
    if code is not None:
        env.analyze_text(code)
    elif user is not None and name == "runuser":
        if pos:
            env.dispatch(pos)
        else:
            _stdin_shell(env, name)
    elif len(pos) > 1:
        env.dispatch([_lit("bash"), *pos[1:]])
    else:
        _stdin_shell(env, name)


_SHELLS = _opts("bash sh zsh dash ksh mksh ash fish")
_SU_OPTIONS = OptSpec(
    "-c|--command= --session-command= -f|--fast -g|--group= -G|--supp-group= -l|--login"
    " -m|-p|--preserve-environment -P|--pty -s|--shell= -w|--whitelist-environment= -h|--help"
    " -V|--version -u|--user="
)


def _sg(env: _Env, name: str, args: list[_Word]) -> None:
    """``sg GROUP [-c] CMD``: CMD runs through ``/bin/sh -c``."""
    rest = [w for w in args[1:] if not (w.text == "-c" and w.literal)]
    if rest:
        env.analyze_text(" ".join(w.text for w in rest))
    else:
        _stdin_shell(env, name)


# --------------------------------------------------------------------------- at, crontab


def _at(env: _Env, name: str, args: list[_Word]) -> None:
    """``at TIME`` / ``batch``: the job is read from stdin (``-f FILE``: a script)."""
    flags = {w.text for w in args if w.text.startswith("-")}
    if flags & {"-l", "-d", "-r", "-c", "-V"}:
        return
    texts = [w.text for w in args]
    if "-f" in texts:
        env.unknown_code(f"{name} -f: a job read from a file")
        return
    _stdin_shell(env, name)


def _crontab(env: _Env, name: str, args: list[_Word]) -> None:
    """A crontab runs commands later: code the analysis cannot judge now (``-l`` only lists)."""
    flags = {w.text for w in args if w.text.startswith("-")}
    if flags & {"-l", "-r"} and not flags & {"-e"}:
        return
    env.unknown_code(f"{name}: installs commands that run later")
    _unknown(env, args)


LAUNCHERS: dict[str, _Handler] = {
    "tmux": _tmux,
    "screen": _screen,
    "ssh": _ssh,
    "su": _su,
    "runuser": _su,
    "sg": _sg,
    "at": _at,
    "batch": _at,
    "crontab": _crontab,
}

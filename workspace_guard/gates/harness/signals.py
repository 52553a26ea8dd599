"""Signals aimed at the guard's own processes: `kill`, `pkill`, `killall` in a Bash command.

`kill -STOP <daemon pid>` freezes the watch daemon while its lock and its /proc entry still look
alive; `kill -9 <hook server pid>` ends the fast path. Any signal (STOP, TSTP, TERM, KILL, 0
included: probing is how a stop is aimed) sent to the watch daemon or the hook server needs a
superuser, as `workspace-guard watch stop` does. The pids are read at gate time from the
daemon's lock file (`watch.lock`) and the server's (`serve/serve.lock`); a command is refused
when a target

- is one of those pids, or a process group or session they lead (`-PGID`), or `-1` (every
  process the user may signal);
- is computed by the shell (`$PID`, `$(cat …)`, backticks), since the gate cannot know it; `$!`
  and job specs (`%1`: the command's own children) are allowed;
- for `pkill`/`killall`: a pattern that matches a guard process's name or command line (checked
  against the live processes), one the gate cannot evaluate, or a selection by user, group,
  session, terminal or parent that takes every process of the user.

Text-level over every segment of the command, wrappers included (`sh -c '…'`, `env`,
`timeout`): it can only refuse, never allow. Code that signals from inside an interpreter
(`os.kill`) is the interpreter analysis's to judge; the liveness check (watch/alive.py) reports a
stopped or silent daemon whatever stopped it.
"""

from __future__ import annotations

import json
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.protocol_commands import Judgement

SENDERS = frozenset({"kill", "pkill", "killall", "skill", "snice"})
# pkill/killall options that take a value and select processes wholesale (not by name)
WHOLESALE = frozenset(
    {"-u", "-U", "-g", "-G", "-s", "-t", "-P", "--uid", "--euid", "--group", "--pgroup",
     "--session", "--terminal", "--parent", "--ns", "--user", "-y", "--younger-than",
     "-o", "--older-than", "-n", "--newest", "--oldest"}
)  # fmt: skip
VALUED = frozenset({"-s", "-n", "--signal", "-F", "--pidfile", "-e"}) | WHOLESALE
VERB = "kill (a workspace-guard process)"


def guard_pids(state_dir: str) -> dict[int, str]:
    """The live watch daemon's and hook server's pids (from their lock files), with their
    command lines ('' when unreadable)."""
    from workspace_guard.gates.watch.alive import proc_starttime

    pids: dict[int, str] = {}
    for rel in ("watch.lock", os.path.join("serve", "serve.lock")):
        try:
            with open(os.path.join(state_dir, rel), "rb") as handle:
                info = json.loads(handle.read(4096) or b"{}")
        except (OSError, ValueError):
            continue
        if not isinstance(info, dict) or info.get("stopped") is not None:
            continue
        pid, start = info.get("pid"), info.get("starttime")
        if not isinstance(pid, int) or pid <= 0:
            continue
        now = proc_starttime(pid)
        if now is not None and (not isinstance(start, str) or start == now):
            pids[pid] = _cmdline(pid)  # alive, and not a later process given the same pid
    return pids


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            text = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        with open(f"/proc/{pid}/comm", "rb") as handle:
            comm = handle.read().decode("utf-8", "replace").strip()
        return f"{comm}\n{text}"
    except OSError:
        return ""


def _groups(pid: int) -> set[int]:
    """The process group and session a pid belongs to."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return {int(fields[2]), int(fields[3])}
    except (OSError, IndexError, ValueError):
        return set()


def _leads_group(pid: int) -> bool:
    """Whether a guard process leads its own process group (as a started daemon or server
    does), so that no other command's `kill 0` can reach it."""
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return True  # gone: nothing left to reach


def judge(command: str, state_dir: str) -> Judgement:
    """A superuser's judgement when the command signals a guard process (or may)."""
    from workspace_guard.gates.harness.protocol_commands import Judgement

    if not any(name in command for name in SENDERS) or len(command) > 65536:
        return Judgement()
    pids: dict[int, str] | None = None
    for segment in re.split(r"[;&|\n]+", command):
        words = re.findall(r"[^\s'\"()<>]+", segment)
        for at, word in enumerate(words):
            base = os.path.basename(word)
            if base not in SENDERS:
                continue
            if pids is None:
                pids = guard_pids(state_dir)
            if _aims(base, words[at + 1 :], pids):
                return Judgement(needs_superuser=VERB)
    return Judgement()


def _operands(args: list[str]) -> tuple[list[str], list[str]]:
    """(options, operands) of a sender's arguments (values of valued options skipped)."""
    options, operands, skip, ended = [], [], False, False
    for arg in args:
        if skip:
            skip = False
            continue
        if not ended and arg == "--":
            ended = True
        elif not ended and arg.startswith("-") and not re.fullmatch(r"-\d+", arg):
            options.append(arg)
            skip = arg in VALUED
        else:
            operands.append(arg)
    return options, operands


def _aims(sender: str, args: list[str], pids: dict[int, str]) -> bool:
    options, operands = _operands(args)
    if sender == "kill":
        return any(_kill_target(t, pids) for t in operands)
    if any(o.split("=", 1)[0] in WHOLESALE for o in options) or not operands:
        return True  # every process of a user/session/terminal/parent, or none named
    if any(o in ("-F", "--pidfile") for o in args):
        return True
    full = any(o in ("-f", "--full") or (o[:2] != "--" and "f" in o[1:]) for o in options)
    exact = sender == "killall" and not any(o in ("-r", "--regexp") for o in options)
    return any(_matches(p, pids, full=full or sender != "pkill", exact=exact) for p in operands)


def _kill_target(target: str, pids: dict[int, str]) -> bool:
    if target in ("$!", "${!}") or target.startswith("%"):
        return False  # the command's own background job
    if any(c in target for c in "$`*?["):
        return True  # computed: the gate cannot know which process it is
    if not re.fullmatch(r"-?\d+", target):
        return False  # not a pid (a job name, a typo): kill refuses it
    number = int(target)
    if number == -1:
        return True
    if number == 0:  # the sender's own process group, which the gate cannot see
        return any(not _leads_group(pid) for pid in pids)
    if number < 0:
        return any(-number in _groups(pid) for pid in pids)
    return number in pids


def _matches(pattern: str, pids: dict[int, str], *, full: bool, exact: bool) -> bool:
    if any(c in pattern for c in "$`"):
        return True
    for text in pids.values():
        comm, _, cmdline = text.partition("\n")
        names = [comm, os.path.basename(cmdline.split(" ", 1)[0]) if cmdline else ""]
        if exact:
            if pattern in names or pattern in cmdline.split():
                return True
            continue
        try:
            found = re.search(pattern, cmdline if full else comm)
        except re.error:
            return True  # the gate cannot evaluate it: fail closed
        if found or not text:
            return True
    return False

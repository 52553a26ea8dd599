"""Who is speaking: an approval or an answer is recorded only by the agent it names.

`approve … --by X` and `consult answer ID … --by X` speak for X. The command believes that in
two cases only:

- **a person at a terminal**: stdin is a TTY, the environment carries no harness identity
  (`HARNESS_ENV`: the variables agent harnesses set in the shells they run), and no process up
  the parent chain is a harness or was started in one (`harness_ancestor`);
- **the harness saw X run it**: the harness gate's `PreToolUse` decision for this very command,
  with X as the acting agent (`agent_type`), left an `authorise` record in the provenance ledger
  (gates/harness/authorise) listing this exact invocation (commands/invocation: the action the
  command parses, compared whole, never as a bag of words); the command consumes that invocation
  (once, within `AUTHORISE_WINDOW`, from the record's harness session when the environment names
  one). "Once" holds across processes racing for the same invocation (`cmd & cmd`): the first to
  create its spent-marker (`spent/authorise-<hash>-<index>` in the state dir, `O_EXCL`) has it;
  the others look for another one or are refused. The ledger record of the use (`authorised`,
  `spent: "<hash>:<index>"`) follows.

Anything else (an agent's shell naming someone else, a script, a command wrapped so the gate did
not recognise it) is denied and audited.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workspace_guard.errors import Denied
from workspace_guard.gates.watch.provenance import moment_of
from workspace_guard.i18n import _
from workspace_guard.state.audit import append

if TYPE_CHECKING:
    from workspace_guard.repo import Repo

AUTHORISE_WINDOW = 600.0  # seconds between the harness's decision and the command's run
LOOK_BACK = AUTHORISE_WINDOW + 60.0  # how far back the ledger is read (clocks may disagree a bit)
TAIL_CHUNK = 1 << 16  # bytes read at a time from the ledger's end
# ledger kinds that spend an `authorise` (`authorised`)
USES = ("approval", "answer", "consultation", "spoken", "spend")
HARNESS_ENV = (
    "WORKSPACE_AGENT",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CODEX_SANDBOX",
    "CODEX_THREAD_ID",
    "CODEX_SESSION_ID",
    "CLAUDE_CODE_SESSION_ID",
    "GEMINI_CLI",
    "CURSOR_AGENT",
    "CURSOR_TRACE_ID",
    "CLINE_ACTIVE",
)


def harness_env() -> list[str]:
    """Harness identity variables present in the environment."""
    return [name for name in HARNESS_ENV if os.environ.get(name)]


HARNESS_PROGRAMS = ("claude", "codex", "gemini", "cursor-agent", "cline")
HARNESS_PACKAGES = ("@anthropic-ai/claude-code", "@openai/codex", "@google/gemini-cli")
ANCESTRY_LIMIT = 256


def at_terminal() -> bool:
    """A person typing: stdin is a terminal, no harness speaks through the environment, and no
    process this one descends from is a harness or was started by one."""
    try:
        tty = os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):
        tty = False
    return tty and not harness_env() and harness_ancestor() is None


def harness_ancestor() -> str | None:
    """The first process up the parent chain that is an agent harness or runs in one (its
    environment at start named a harness), as `PID NAME`; None when there is none.

    A pseudo-terminal (`script`, `pty.spawn`, `unbuffer`, tmux) with the variables cleared makes
    a command look typed, but it still descends from the harness's shell, whose environment
    (/proc/PID/environ: as it was started, whatever the child clears) names the harness. An
    ancestor whose environment cannot be read belongs to another user, so it is no harness of
    this user's agents."""
    pid = os.getppid()
    for _depth in range(ANCESTRY_LIMIT):
        if pid <= 1:
            return None
        found = _harness_mark(pid)
        if found:
            return f"{pid} {found}"
        parent = _parent(pid)
        if parent is None or parent == pid:
            return None
        pid = parent
    return f"{pid} (parent chain longer than {ANCESTRY_LIMIT})"


def _harness_mark(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environ = handle.read().split(b"\0")
    except OSError:
        environ = []
    for entry in environ:
        name, _sep, value = entry.partition(b"=")
        if value and name.decode("latin-1") in HARNESS_ENV:
            return name.decode("latin-1")
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().decode("utf-8", "replace").split("\0")[:2]
    except OSError:
        return None
    for arg in argv:
        if os.path.basename(arg) in HARNESS_PROGRAMS or any(p in arg for p in HARNESS_PACKAGES):
            return os.path.basename(arg)
    return None


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return int(handle.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _authorisation(
    repo: Repo, speaker: str, action: Mapping[str, Any]
) -> tuple[dict[str, Any], int] | None:
    """The newest unused invocation of an `authorise` record of `speaker` that is exactly
    `action` (commands/invocation), made within AUTHORISE_WINDOW, taken for this process
    (`_take`): (the record, the invocation's index).

    Read from the ledger's end back to the first line older than LOOK_BACK, not the whole
    ledger (it keeps every write ever allowed): a suffix of the file, so every record that
    spends an invocation found there (written after it) is there too, whatever the clock did.
    A line naming a spent invocation (`"spent": "HASH:N"`) spends it; a line with an
    `authorised` key and no `spent` (earlier versions) spends the whole record (a forged one can
    only refuse). The chosen `authorise` record is checked against its own hash and the stated
    hash of the line before it, as `state/approvals.ledger_records` checks what it returns."""
    import json

    from workspace_guard.state import chain, ledger
    from workspace_guard.state.approvals import _intact, _needle, _parsed, _stated_hash

    now = time.time()
    try:
        with open(os.path.join(repo.state_dir, ledger.LEDGER_FILE), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data, start = _tail(handle, now - LOOK_BACK)
    except OSError:  # missing or unreadable: no record speaks for anyone
        return None
    used = _used(data, start)
    agent = b'"agent": ' + json.dumps(speaker, ensure_ascii=False).encode("utf-8", "replace")
    needle = _needle("authorise")
    end = len(data)
    while True:
        at = data.rfind(needle, start, end)
        if at < 0:
            return None
        begin = data.rfind(b"\n", 0, at) + 1
        stop = data.find(b"\n", at)
        raw = data[begin : len(data) if stop < 0 else stop]
        end = begin
        if begin == start and start > 0:
            return None  # the old line before the window: read only for its hash
        record = _parsed(raw) if agent in raw else None
        if record is None:
            continue
        fits = _usable(record, speaker, action, used, now)
        if not fits:
            continue
        before = data[data.rfind(b"\n", 0, begin - 1) + 1 : begin - 1] if begin else b""
        if not _intact(record, _stated_hash(before) if before else chain.GENESIS):
            continue
        for index in fits:  # the record's line starts at or after this offset of the file
            if _take(repo, record, index, max(0, size - len(data) + begin)):
                return record, index


def _used(data: bytes, start: int) -> set[str]:
    """What the lines from `start` spent: `HASH:N` invocations, and `SEQ` for a whole record."""
    import re

    used = {m.decode() for m in re.findall(rb'"spent": "([0-9a-f]{64}:\d+)"', data[start:])}
    for found in re.compile(rb'"authorised": (\d+)').finditer(data, start):
        begin = data.rfind(b"\n", 0, found.start()) + 1
        stop = data.find(b"\n", found.end())
        if b'"spent": "' not in data[begin : len(data) if stop < 0 else stop]:
            used.add(found.group(1).decode())
    return used


def _usable(
    record: dict[str, Any],
    speaker: str,
    action: Mapping[str, Any],
    used: set[str],
    now: float,
) -> list[int]:
    """The indexes of the invocations of an `authorise` record of `speaker`, by itself, in the
    window, of this harness session, that are exactly `action` and unspent."""
    from workspace_guard.commands.invocation import same

    if record.get("kind") != "authorise" or record.get("agent") != speaker:
        return []
    if str(record.get("seq")) in used or now - moment_of(record.get("ts")) > AUTHORISE_WINDOW:
        return []
    by = record.get("by")
    listed = record.get("invocations")
    if not isinstance(by, list) or speaker not in by or not isinstance(listed, list):
        return []
    if other_session(record):
        return []
    digest = str(record.get("hash", ""))
    return [
        index
        for index, item in enumerate(listed)
        if same(item, action) and f"{digest}:{index}" not in used
    ]


# Where each harness tells the commands its shell tool runs which session they belong to, as
# measured with the real CLIs (tests/realclients/test_sessions.py, docs/identity.md): Claude
# Code 2.1.197 sets `CLAUDE_CODE_SESSION_ID` to its hooks' `session_id`, in subagents too
# (`CLAUDE_SESSION_ID` it does not set; checked when present); Codex 0.171.0 sets
# `CODEX_SESSION_ID` to it everywhere and `CODEX_THREAD_ID` to the thread's id: the session's
# on the main thread, the hook's `agent_id` in a subagent. Gemini CLI 0.61.0 sets none.
SESSION_ENV = {
    "claude": ("CLAUDE_CODE_SESSION_ID", "CLAUDE_SESSION_ID"),
    "codex": ("CODEX_SESSION_ID",),
}
THREAD_ENV = {"codex": "CODEX_THREAD_ID"}


def other_session(record: Mapping[str, Any]) -> str | None:
    """The session (or thread) this process's environment names when it is not the record's:
    the record's invocation is another session's, whatever it says. None when they agree or
    nothing is known.

    The record's own harness's variables decide when the process has them (a client started
    from another one's shell inherits the outer one's variables, which name the outer session).
    A process with none of them but another harness's session variable belongs to that other
    session: refused too."""
    session = record.get("session")
    if not isinstance(session, str) or not session:
        return None
    harness = str(record.get("harness"))
    own = SESSION_ENV.get(harness, ())
    for name in own:
        mine = os.environ.get(name)
        if mine and mine != session:
            return mine
    thread = os.environ.get(THREAD_ENV.get(harness, "")) if harness in THREAD_ENV else None
    if thread:
        agent_id = record.get("agent_id")
        if thread != (agent_id if isinstance(agent_id, str) and agent_id else session):
            return thread
        return None
    if any(os.environ.get(name) for name in own):
        return None
    for other, names in SESSION_ENV.items():
        found = [os.environ.get(name) for name in names if other != harness]
        mine = next((value for value in found if value), None)
        if mine:
            return mine
    return None


SPENT_DIR = "spent"  # in the state dir: one empty file per `authorise` record used
SPENT_KEEP = 256  # markers kept before the ones older than twice the window are removed


def _take(repo: Repo, record: dict[str, Any], index: int, offset: int) -> bool:
    """Make invocation `index` of `record` this process's, once for all processes: the first to
    create its marker (`O_CREAT|O_EXCL`, atomic on every local file system) has it, and only if
    its `spend` ledger record is then the first for the invocation (`_spend`). False when
    another process took it first, or when either cannot be written (fail closed)."""
    import re

    from workspace_guard.state import ensure_dir

    digest = str(record.get("hash", ""))
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        return False
    try:
        folder = ensure_dir(os.path.join(repo.state_dir, SPENT_DIR))
        fd = os.open(
            os.path.join(folder, f"authorise-{digest}-{index}"),
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
            0o600,
        )
    except OSError:
        return False
    os.close(fd)
    _prune(folder)
    return _spend(repo, record, f"{digest}:{index}", offset)


def _spend(repo: Repo, record: dict[str, Any], spent: str, offset: int) -> bool:
    """Append the `spend` record of invocation `spent` (`HASH:INDEX`) unless the ledger, read
    from `offset` (the `authorise` record's line) under the ledger's lock, already holds a
    record naming it: the spent state is in the append-only ledger, so deleting a marker in the
    state dir (between another process's marker and its record) reopens nothing. Appended
    without an `fsync`, like `spoken` (see `spend`)."""
    from workspace_guard.state import chain, ledger

    mark = f'"spent": "{spent}"'.encode()
    path = os.path.join(repo.state_dir, ledger.LEDGER_FILE)

    def fresh() -> bool:
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                return mark not in handle.read()
        except OSError:
            return False

    item = {
        "kind": "spend",
        "harness": record.get("harness"),
        "agent": record.get("agent"),
        "agent_id": record.get("agent_id"),
        "session": record.get("session"),
        "authorised": record.get("seq"),
        "spent": spent,
    }
    return chain.append_if(repo.state_dir, ledger.LEDGER, [item], fresh, durable=False) is True


def _prune(folder: str) -> None:
    """Remove markers older than twice the window once there are many: their records are out
    of the window (never usable again) and their use is in the ledger."""
    try:
        names = os.listdir(folder)
        if len(names) <= SPENT_KEEP:
            return
        limit = time.time() - 2 * AUTHORISE_WINDOW
        for name in names:
            path = os.path.join(folder, name)
            if os.lstat(path).st_mtime < limit:
                os.unlink(path)
    except OSError:
        return


def _tail(handle: Any, since: float) -> tuple[bytes, int]:
    """(the bytes from a line older than `since`, or the file's start, to the end; where the
    first whole line starts: 0 at the file's start, else the old line, read only for its hash)."""
    pos = os.fstat(handle.fileno()).st_size
    data = b""
    while pos > 0:
        step = min(max(TAIL_CHUNK, len(data)), pos)  # doubling: the bytes are copied O(n) times
        pos -= step
        handle.seek(pos)
        data = handle.read(step) + data
        first = data.find(b"\n") + 1 if pos > 0 else 0
        if first == 0 and pos > 0:
            continue  # no whole line yet
        if moment_of(_stamp(data[first : first + 120])) < since:
            return data, first
    return data, 0


def _stamp(head: bytes) -> str | None:
    """A chain line's `ts`, read from its first bytes (`{"seq": N, "ts": "…"`)."""
    at = head.find(b'"ts": "')
    if at < 0:
        return None
    return head[at + 7 : head.find(b'"', at + 7)].decode("ascii", "replace")


def identify(
    repo: Repo,
    speaker: str,
    action: Mapping[str, Any] | None,
    what: str,
    *,
    layer: str = "approvals",
    hint: str | None = None,
) -> dict[str, Any]:
    """How `speaker` is known to be speaking (fields for the ledger record); `Denied` (audited
    in `layer`) when nothing shows it is. `action`: what this command does, as
    commands/invocation builds it (None: the command cannot say, so no harness record fits)."""
    if at_terminal():
        return {"via": "terminal"}
    from workspace_guard.commands.invocation import for_speaker

    found = _authorisation(repo, speaker, for_speaker(action, speaker)) if action else None
    if found is not None:
        record, index = found
        return {
            "via": "harness",
            "authorised": record.get("seq"),
            "spent": f"{record.get('hash')}:{index}",
            "harness": record.get("harness"),
            "agent_id": record.get("agent_id"),
            "session": record.get("session"),
        }
    _audit_denied(repo, speaker, what, layer)
    where = _why_not_a_person()
    raise Denied(
        _(
            "{what} speaks for {speaker}, but nothing shows {speaker} is speaking: {where}, and "
            "the harness recorded no call of this command by {speaker}"
        ).format(what=what, speaker=speaker, where=where),
        hint=hint
        or _(
            "{speaker} runs it itself through its harness (`--by {speaker}`), or a person runs "
            "it at a terminal"
        ).format(speaker=speaker),
    )


def spend(repo: Repo, speaker: str, how: dict[str, Any], tool: str) -> None:
    """Mark the harness's `authorise` record used by a command that records no approval or
    answer of its own (`claim`, `release`): a `spoken` ledger record naming it. Fails closed.

    The record is appended without an `fsync` (`durable: false`, state/chain), as a claims
    change's audit record is (state/claims_log): what it guards is that agent's own claim or
    release, itself not synced. A power loss that takes it leaves an `authorise` record
    unspent: for at most AUTHORISE_WINDOW, the same agent could run the same command once
    more — what the record already allowed it. A killed process loses nothing (the write is
    made before the command answers)."""
    if how.get("via") != "harness":
        return
    from workspace_guard.state import chain, ledger

    item = {
        "kind": "spoken",
        "harness": how.get("harness"),
        "agent": speaker,
        "agent_id": how.get("agent_id"),
        "session": how.get("session"),
        "tool": tool,
        "authorised": how.get("authorised"),
        "spent": how.get("spent"),
    }
    if not chain.append(repo.state_dir, ledger.LEDGER, [item], durable=False):
        raise Denied(_("the provenance ledger cannot be written"))


def _why_not_a_person() -> str:
    env = harness_env()
    if env:
        return _("the environment names a harness ({names})").format(names=", ".join(env))
    try:
        tty = os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):
        tty = False
    if not tty:
        return _("stdin is not a terminal")
    return _("the terminal runs under a harness (process {process})").format(
        process=harness_ancestor()
    )


def _audit_denied(repo: Repo, speaker: str, what: str, layer: str) -> None:
    append(
        repo.state_dir,
        [
            {
                "layer": layer,
                "agent": os.environ.get("WORKSPACE_AGENT") or None,
                "path": None,
                "owner": speaker,
                "level": None,
                "action": "denied",
                "escalate_to": repo.decider().rules.escalation,
                "claimed_by": speaker,
                "command": what,
            }
        ],
    )

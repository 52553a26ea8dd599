"""`workspace-guard hook serve`: the resident hook server, so an agent's tool call does not pay for
a fresh Python process (docs/benchmarks.md: two per call, ≈ 110 ms of CPU).

One server per repository (per git common dir) listens on an AF_UNIX socket in the state dir
(`serve/hook.sock`, the folder 0700, the socket 0600; `/tmp/wg-hook-UID/` when that path is too
long for `sun_path`: `socket_path`). The committed launcher runs a small client (`serve_client`:
C where a compiler exists, else Python) that sends the hook's stdin, cwd, umask and whole
environment and prints the answer. The server answers each request with **the same function**
as the one-shot `hook HARNESS` (`gate.run_hook`), in-process, one request at a time, after
putting the process in the state a fresh one-shot process would be in: the client's
environment, cwd and umask, the stdio encoding that environment gives Python, and no
per-process memory (`_fresh`). Everything the gate reads per call (the trusted revision, the
rules blob, claims, approvals, the ledger, worktrees) it still reads per call: nothing of a
repository is remembered between requests.

Off the answer's path: the ledger's and the audit log's records are written (`write()`, head
file replaced) before the answer, so the next reader sees them; their `fsync` runs once the
answer is sent and the connection closed (`chain.DEFERRED`), before the next request is taken.
A one-shot hook still syncs before it exits. The server's start and exit are audited
(`layer: hook-serve`, `started` / `stopped` with its pid and the reason: idle, stale, signal).

A server builds its client (`serve_client.ensure`: a compiler may take seconds) before it binds
its socket, and binds and listens under another name before renaming the socket into place: a
call that finds the socket is greeted at once, never refused or kept waiting. The first SIGTERM or
SIGHUP stops it; a second one, or one while an audit record is written or the server shuts down,
is only noted (`shielded`): its `stopped` record is always written whole.

Wire format (every integer 4 bytes big-endian, every field its length then its bytes):
server → `WGHS1\\n` on accept (the client reads nothing from stdin before it); client →
`WGRQ` harness, cwd, umask (octal), environment (`K=V` NUL-separated), stdin; server → `WGAN`
exit code, stdout, stderr. A server that finds its program, its socket or its state dir changed
(checked on each connection: a state dir removed, or another directory now at its path or with
its device and inode — the `/tmp` socket's name —, is not its repository) closes the connection
without the greeting and exits; so does one idle for `--idle` seconds. Its code's files are
compared after each answer and when idle: changed, it exits (an upgrade rewrites the program as
well, so it is caught before the greeting).

Calls that arrive while one is answered are accepted and greeted at once (up to `PENDING`) and
answered in turn: a client waits for its greeting only as long as a server takes to notice it
(`GREETING` in the clients), then for the answer until its own deadline; a busy server is not
taken for a dead one (which would send the call to a one-shot process and add to the load).
"""

from __future__ import annotations

import contextlib
import os
import sys

from workspace_guard.gates.harness.serve_request import DEADLINE, Deadline, handle, set_environment
from workspace_guard.gates.harness.serve_wire import (
    ANSWER,
    HELLO,
    LOCALE_VARS,
    PYTHON_ALLOWED,
    READ_LIMIT,
    REQUEST,
    field,
    foreign_python_env,
    parse_request,
)

__all__ = [  # the request's and the wire's names, kept importable from here
    "ANSWER",
    "DEADLINE",
    "HELLO",
    "LOCALE_VARS",
    "PYTHON_ALLOWED",
    "READ_LIMIT",
    "REQUEST",
    "Deadline",
    "field",
    "foreign_python_env",
    "handle",
    "parse_request",
    "set_environment",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket as _socket_t
    from collections.abc import Iterator, Sequence

SERVE_DIR = "serve"
SOCKET_NAME = "hook.sock"
LOCK_NAME = "serve.lock"
SUN_PATH_MAX = 107  # Linux: 108 bytes with the NUL
IDLE = 300.0  # seconds without a request before the server exits (WG_HOOK_SERVE_IDLE)
PENDING = 64  # calls accepted and greeted while another is answered
QUICK = 3  # `Server.files()` checked on every connection: the program, the recorded program and
# the runtime the launcher ran it with (`harness_install.RUNTIME_FILE`)


def serve_dir(state_dir: str) -> str:
    return os.path.join(state_dir, SERVE_DIR)


def socket_path(state_dir: str) -> str:
    """`<state>/serve/hook.sock` as the launcher spells the state dir, or, when that is too long
    for sun_path, `/tmp/wg-hook-UID/DEV-INO.sock` (the state dir's device and inode: the same
    name however the path is spelt). The clients compute the same."""
    path = os.path.join(serve_dir(state_dir), SOCKET_NAME)
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        return path
    info = os.stat(state_dir)
    return f"/tmp/wg-hook-{os.geteuid()}/{info.st_dev:x}-{info.st_ino:x}.sock"


def private_dir(path: str) -> None:
    """Create `path` 0700 (or check it): ours, a directory, no access for anyone else."""
    import stat

    from workspace_guard.errors import ConfigError

    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        from workspace_guard.i18n import _

        text = _("{path} is not a directory owned by this user: the hook server stops")
        raise ConfigError(text.format(path=path))
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)


class Stop(Exception):
    """SIGTERM/SIGHUP: a request under way is blocked (the gate fails closed on it), then the
    server removes its socket and exits."""


_STOPPING = [False]  # a stop signal came: the server leaves
_SHIELDED = [False]  # an audit record is written, or the shutdown runs: a signal is only noted


def _on_stop(signum: int, frame: object) -> None:
    """The first SIGTERM/SIGHUP raises `Stop` where the server is; a later one (a second
    SIGTERM, a SIGHUP with it), or any while a record is written or the server shuts down, is
    only noted: the shutdown and its `stopped` record run to their end."""
    first = not _STOPPING[0]
    _STOPPING[0] = True
    if first and not _SHIELDED[0]:
        raise Stop()


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """A stop signal during the block is only noted (`_STOPPING`): the server leaves after it."""
    before = _SHIELDED[0]
    _SHIELDED[0] = True
    try:
        yield
    finally:
        _SHIELDED[0] = before


# --- the server -----------------------------------------------------------------------------------


def _receive(conn: _socket_t.socket) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = conn.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > READ_LIMIT:
            raise ValueError("request too large")
        chunks.append(chunk)


class Server:
    """The accept loop: one request at a time (the gate is not thread-safe: it sets the process's
    environment and cwd), so concurrent clients queue in the listen backlog."""

    def __init__(self, state_dir: str, program: str, idle: float) -> None:
        self.state_dir = state_dir  # as the launcher spells it: the clients compute the same
        self.program = program
        self.idle = idle
        self.path = socket_path(self.state_dir)
        self.fingerprint: tuple[tuple[str, int, int, int], ...] = ()
        self.watched: list[str] = []
        self.inode = 0
        info = os.stat(state_dir)
        self.identity = (info.st_dev, info.st_ino)  # the repository it answers for

    def files(self) -> list[str]:
        """What makes this server this program: its code, the program, the recorded program."""
        names = [self.program, os.path.join(self.state_dir, "program")]
        names.append(os.path.join(self.state_dir, "runtime"))
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None)
            if where and (name == "workspace_guard" or name.startswith("workspace_guard.")):
                names.append(where)
        return names

    def stamp(self, count: int | None = None) -> tuple[tuple[str, int, int, int], ...]:
        """The files of `files()` as they were at the start (modules imported later by a
        request do not count: an upgrade replaces those of the start as well); the first
        `count` of them only (the program and the recorded program) when given."""
        out = []
        for name in self.watched[:count]:
            try:
                info = os.stat(name)
            except OSError:
                out.append((name, 0, 0, 0))
                continue
            out.append((name, info.st_ino, info.st_size, info.st_mtime_ns))
        return tuple(out)

    def stale(self, *, quick: bool = False) -> bool:
        """The program, its code or our socket changed: a newer server must answer. `quick`
        (on a connection, before the greeting): the socket, the state dir, the program, the
        recorded program and its runtime only — what `install` and an upgrade rewrite —; the
        code's files (about 60 more) are compared after each answer and when idle, off the
        hook's path."""
        try:
            if os.lstat(self.path).st_ino != self.inode:
                return True
            info = os.stat(self.state_dir)
            if (info.st_dev, info.st_ino) != self.identity:
                return True
        except OSError:
            return True
        if quick:
            return self.stamp(QUICK) != self.fingerprint[:QUICK]
        return self.stamp() != self.fingerprint

    def bind(self) -> _socket_t.socket:
        import socket

        where = os.path.dirname(self.path)
        private_dir(where)
        # bound and listening under a name of its own, then renamed into place: a client that
        # finds the socket is never refused by one not yet listening (a shorter name than
        # `hook.sock`'s: the path fits sun_path whenever the socket's does)
        building = os.path.join(where, f"{os.getpid():x}.t")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(building)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mask = os.umask(0o177)
        try:
            sock.bind(building)
        finally:
            os.umask(mask)
        os.chmod(building, 0o600)
        sock.listen(128)
        sock.setblocking(False)  # `greet` accepts what is there and returns
        os.rename(building, self.path)  # replaces a dead server's socket, at once
        self.inode = os.lstat(self.path).st_ino
        return sock

    def run(self, sock: _socket_t.socket) -> str:
        """Answer until idle, stale or stopped; why it ended (the `stopped` record's reason).
        Calls already greeted are answered before a stale server leaves."""
        import select
        import time

        from workspace_guard.state import chain

        last = time.monotonic()
        pending: list[_socket_t.socket] = []
        stale = False
        try:
            while not _STOPPING[0]:
                if not pending:
                    if stale:
                        return "stale"
                    ready, _, _ = select.select([sock], [], [], 1.0)
                    if not ready:
                        if time.monotonic() - last > self.idle:
                            return "idle"
                        if self.stale():
                            return "stale"
                        continue
                if not stale:
                    stale = self.greet(sock, pending)
                if not pending:
                    continue
                with pending.pop(0) as conn:
                    self.serve_one(conn)
                chain.sync_deferred()  # the answer is out (the connection closed): now the disk
                stale = stale or self.stale()
                last = time.monotonic()
            return "signal"
        finally:
            for conn in pending:  # stopped by a signal: greeted calls get no answer (blocked)
                conn.close()

    def greet(self, sock: _socket_t.socket, pending: list[_socket_t.socket]) -> bool:
        """Accept and greet the calls waiting (each after the quick check); True when this
        server is stale: the call that found it so is closed ungreeted (its client asks the
        one-shot hook) and no more are accepted."""
        import socket
        import struct

        while len(pending) < PENDING:
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError):
                return False
            conn.setblocking(True)
            try:
                creds = conn.getsockopt(
                    socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")
                )
                if struct.unpack("3i", creds)[1] != os.geteuid():
                    conn.close()
                    continue
            except (OSError, AttributeError):
                pass
            if self.stale(quick=True):
                conn.close()
                return True
            conn.settimeout(5.0)
            try:
                conn.sendall(HELLO)
            except OSError:
                conn.close()
                continue
            pending.append(conn)
        return False

    def serve_one(self, conn: _socket_t.socket) -> None:
        conn.settimeout(5.0)
        try:
            request = _receive(conn)
        except (OSError, ValueError):
            return
        try:
            code, out, err = handle(request, self.program)
        except Exception:  # malformed, or no stdio for its locale: no answer, the client blocks
            return
        with contextlib.suppress(OSError):
            conn.sendall(ANSWER + code.to_bytes(4, "big") + field(out) + field(err))

    def close(self, sock: _socket_t.socket) -> None:
        sock.close()
        try:
            if os.lstat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass


def warm_up() -> None:
    """Import what answering needs, once, before the first request."""
    from workspace_guard.gates.harness import (  # noqa: F401 - serve_client: watched as our code
        after,
        discover,
        formats,
        gate,
        serve_client,
    )
    from workspace_guard.gates.harness.bash import analyze  # noqa: F401
    from workspace_guard.state import approvals, ledger  # noqa: F401


def _arguments(args: Sequence[str]) -> tuple[str, float]:
    """STATE_DIR (absolute, an existing directory) and the idle timeout, or a usage error."""
    from workspace_guard.errors import UsageError
    from workspace_guard.i18n import _

    usage = _("usage: {prog} {usage}").format(
        prog="workspace-guard hook serve", usage="STATE_DIR [--idle SECONDS]"
    )
    if not args:
        raise UsageError(usage)
    state_dir = args[0] if os.path.isabs(args[0]) else os.path.abspath(args[0])
    try:
        idle = float(args[2]) if len(args) >= 3 and args[1] == "--idle" else IDLE
    except ValueError:
        text = _("--idle takes a number of seconds, not {value!r}").format(value=args[2])
        raise UsageError(text, hint=usage) from None
    if not os.path.isdir(state_dir):
        text = _("{path} is not a workspace-guard state directory").format(path=state_dir)
        raise UsageError(text)
    return state_dir, idle


def main(args: Sequence[str]) -> int:
    """`workspace-guard hook serve STATE_DIR [--idle SECONDS]` (started by the launcher)."""
    import fcntl

    state_dir, idle = _arguments(args)
    _clean_environment()
    folder = serve_dir(state_dir)
    private_dir(folder)
    if os.getpid() != os.getsid(0):
        os.setsid()  # not killed with the harness's hook process group
    lock = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another server runs (or starts) for this repository
    with contextlib.suppress(OSError):  # who runs: the harness gate refuses signals to it
        os.ftruncate(lock, 0)
        os.pwrite(lock, json_pid().encode(), 0)
    program = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else sys.executable
    os.chdir("/")  # each request runs in its caller's cwd; between them, nowhere that can vanish
    server = Server(state_dir, program, idle)
    warm_up()
    from workspace_guard.state import chain

    chain.DEFERRED = []  # logs are fsync'd after each answer, off the hook's critical path
    server.watched = server.files()
    server.fingerprint = server.stamp()  # before the socket exists: no change is missed
    built = _build_client(state_dir)  # before the socket too: a bound socket answers at once
    import signal

    reason = "error"
    sock = None
    try:  # the handlers inside: a signal at any point from here is this `try`'s
        signal.signal(signal.SIGTERM, _on_stop)
        signal.signal(signal.SIGHUP, _on_stop)
        with shielded():  # bound whole, its socket renamed into place: closed below
            sock = server.bind()
        lifecycle(state_dir, "started", program=program, idle=idle, socket=server.path, **built)
        reason = server.run(sock)
    except Stop:
        reason = "signal"
    finally:
        _SHIELDED[0] = True  # first: from here on a signal is only noted, then not delivered (at
        # the interpreter's exit our handler is gone, and one more SIGTERM would cut the exit)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP})
        reason = "signal" if _STOPPING[0] and reason == "error" else reason
        if sock is not None:
            server.close(sock)
            lifecycle(state_dir, "stopped", reason=reason)
            chain.sync_deferred()
    return 0


def _build_client(state_dir: str) -> dict[str, object]:
    """Build (or check) the client in `serve/` for the started record: `{"client": kind}`, or
    `{"client": None, "client_error": …}` when it could not be built — the server still answers
    the client there was (one built by `install`), and every call is one-shot without one."""
    from workspace_guard.gates.harness import serve_client

    try:
        return {"client": serve_client.ensure(state_dir)}
    except Exception as exc:  # a full disk, a broken compiler: not a reason to stop serving
        return {"client": serve_client.kind(state_dir), "client_error": str(exc)}


def json_pid() -> str:
    """`{"pid": …, "starttime": …}` of this process, for the lock file (gates/harness/signals)."""
    import json

    from workspace_guard.gates.watch.alive import proc_starttime

    return json.dumps({"pid": os.getpid(), "starttime": proc_starttime(os.getpid())})


def lifecycle(state_dir: str, action: str, **extra: object) -> None:
    """The audit record of this server starting or stopping (`reason`: idle — no call for
    `--idle` seconds; stale — its program, code or socket changed; signal — SIGTERM/SIGHUP;
    error — anything else). Best effort: a server that cannot write its audit log still
    answers, and each call it answers is audited as a one-shot call would be."""
    from workspace_guard.state import audit

    record = {
        "layer": "hook-serve",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": action,
        "escalate_to": None,
        "pid": os.getpid(),
        **extra,
    }
    with shielded(), contextlib.suppress(Exception):  # never cut by a signal
        audit.append(state_dir, [record])


def _clean_environment() -> None:
    """Re-run without PYTHON* variables that would make this process unlike a one-shot hook
    started from a clean environment (the only ones it answers for)."""
    foreign = foreign_python_env(dict(os.environ))
    if foreign:
        env = {k: v for k, v in os.environ.items() if k not in foreign}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

# workspace-guard-managed: the hook server's Python client (no compiler here; see wg-hook-client.c).
#
# Usage: client HARNESS STATE_DIR TIMEOUT   (the hook's event on stdin, the answer on stdout)
#
# Run as `python -I -S`: only built-in modules (sys, posix, _socket), so it starts in about a
# bare interpreter's time. It speaks the protocol of workspace_guard/gates/harness/serve.py and
# exits like wg-hook-client.c: 0/2 the server's answer; 1, 3, … the server's code (stdout
# dropped, the launcher blocks); 96 not for the server, or a TIMEOUT that is not 1 to 20 whole
# seconds (stdin untouched); 97 no server answers (stdin untouched: the launcher starts one and
# asks the one-shot hook); 98 no answer in time, stdin included; 99 the answer was cut short or
# malformed (both after stdin was read: the launcher blocks). Every wait has a deadline.
import _signal  # type: ignore[import-not-found]  # built in: `signal` would import enum
import _socket
import posix
import sys
import time

ALLOWED = (b"PYTHONDONTWRITEBYTECODE", b"PYTHONUNBUFFERED")
LIMIT_MAX = 20  # seconds: the launcher's own cap (below every harness's timeout)
GREETING_MAX = 5.0


class Late(Exception):
    pass


def _late(signum: int, frame: object) -> None:
    raise Late()


def parse_limit(text: str) -> int:
    """TIMEOUT as the launcher accepts it (1 to 20, digits, no leading zero); else 0."""
    if not text.isdigit() or not text.isascii() or text.startswith("0") or len(text) > 2:
        return 0
    return int(text) if int(text) <= LIMIT_MAX else 0


def private(info: posix.stat_result, kind: int) -> bool:
    return (
        (info.st_mode & 0o170000) == kind
        and info.st_uid == posix.geteuid()
        and not (info.st_mode & 0o077)
    )


def peer_ok(sock: _socket.socket) -> bool:
    try:
        creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    except (OSError, AttributeError):
        return True  # no SO_PEERCRED here: the socket's owner and mode were checked
    pid = int.from_bytes(creds[0:4], sys.byteorder)
    uid = int.from_bytes(creds[4:8], sys.byteorder)
    if uid != posix.geteuid():
        return False
    try:
        fd = posix.open(f"/proc/{pid}/cmdline", posix.O_RDONLY)
    except OSError:
        return True
    try:
        cmdline = posix.read(fd, 65536)
    finally:
        posix.close(fd)
    return b"\0hook\0serve\0" in cmdline


def field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def connect(state: str, limit: float) -> _socket.socket | None:
    """A connection to this repository's server that has greeted us, or None."""
    path = state + "/serve/hook.sock"
    try:
        if len(path.encode()) > 107:
            info = posix.stat(state)
            path = f"/tmp/wg-hook-{posix.geteuid()}/{info.st_dev:x}-{info.st_ino:x}.sock"
        if not private(posix.lstat(path.rsplit("/", 1)[0]), 0o040000):
            return None
        if not private(posix.lstat(path), 0o140000):
            return None
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.settimeout(min(limit, GREETING_MAX))  # connect too: a full queue is an error
        sock.connect(path)
        if not peer_ok(sock):
            return None
        hello = b""
        while len(hello) < 6:
            chunk = sock.recv(6 - len(hello))
            if not chunk:
                break
            hello += chunk
    except OSError:
        return None
    return sock if hello == b"WGHS1\n" else None


def exchange(sock: _socket.socket, request: bytes, deadline: float) -> bytes | int:
    """The server's whole answer, or the exit code that blocks (98 late, 99 cut short)."""
    try:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        sock.sendall(request)
        sock.shutdown(_socket.SHUT_WR)
        chunks = []
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except TimeoutError:
        return 98
    except OSError:
        return 99
    return b"".join(chunks)


def main() -> int:
    if len(sys.argv) < 4:
        return 96
    harness, state, limit = sys.argv[1], sys.argv[2], parse_limit(sys.argv[3])
    if not limit:
        return 96
    deadline = time.monotonic() + limit
    env = posix.environ
    if any(k.startswith(b"PYTHON") and k not in ALLOWED for k in env):
        return 96
    try:
        cwd = posix.getcwdb()
    except OSError:
        return 96
    sock = connect(state, limit)
    if sock is None:
        return 97
    _signal.signal(_signal.SIGALRM, _late)  # from here on, only an answer or a block
    _signal.setitimer(_signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.001))
    try:
        data = sys.stdin.buffer.read()
    except Late:
        return 98
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
    mask = posix.umask(0)
    posix.umask(mask)
    environ = b"\0".join(k + b"=" + v for k, v in env.items())
    parts = (harness.encode(), cwd, b"%o" % mask, environ, data)
    answer = exchange(sock, b"WGRQ" + b"".join(field(x) for x in parts), deadline)
    if isinstance(answer, int):
        return answer
    if len(answer) < 16 or answer[:4] != b"WGAN":
        return 99
    code = int.from_bytes(answer[4:8], "big")
    size = int.from_bytes(answer[8:12], "big")
    out = answer[12 : 12 + size]
    rest = answer[12 + size :]
    if len(out) != size or len(rest) < 4:
        return 99
    err = rest[4:]
    if len(err) != int.from_bytes(rest[:4], "big") or code > 255 or 96 <= code <= 99:
        return 99
    sys.stderr.buffer.write(err)
    sys.stderr.flush()
    if code in (0, 2):
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    return code


try:
    code = main()
except Late:  # the deadline struck between two steps: as late as any other
    code = 98
sys.exit(code)

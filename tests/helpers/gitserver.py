"""A real git server for the push-gate tests: `git daemon` serving bare repositories over git://.

Pushing through a daemon is what agents do against a shared repository: the pre-receive hook runs
in a separate process, with git's quarantine environment, and its stderr reaches the client as
`remote: …` lines. Every wait is bounded, and the daemon is always stopped (process group).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 60.0  # seconds until the port accepts connections (at once, unless loaded)
STOP_TIMEOUT = 5.0


class DaemonError(RuntimeError):
    """The daemon did not come up (its own stderr is in the message)."""


def free_port() -> int:
    """A TCP port that nothing listens on right now (the daemon binds it with --reuseaddr)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listens(group: int, port: int) -> bool:
    """A process of our daemon's process group (`git daemon` runs `git-daemon` as a child)
    holds a socket listening on TCP `port`. Not "something accepts on the port": between
    `free_port` and the bind another test's daemon (a parallel worker) may take the port, and a
    connection would then reach that one while ours fails to bind."""
    ours: set[str] = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                if int(stat.read().rpartition(")")[2].split()[2]) != group:  # pgrp
                    continue
            ours |= {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    wanted = f":{port:04X}"
    return any(  # row[3] "0A": LISTEN; row[9]: the socket's inode
        len(row) > 9 and row[1].endswith(wanted) and row[3] == "0A" and f"socket:[{row[9]}]" in ours
        for row in rows
    )


class GitDaemon:
    """`git daemon --enable=receive-pack` over `base`; use as a context manager."""

    def __init__(self, base: Path, log: Path) -> None:
        self.base = base
        self.log = log
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, name: str) -> str:
        """The git:// URL of the bare repository `base/name`."""
        return f"git://127.0.0.1:{self.port}/{name}"

    def start(self, attempts: int = 3) -> GitDaemon:
        """Start on a free port; retry on another port if one was taken in between."""
        for _ in range(attempts):
            self.port = free_port()
            if self._start_once():
                return self
        raise DaemonError(f"git daemon did not start: {self.log.read_text(errors='replace')}")

    def _start_once(self) -> bool:
        args = [
            "git",
            "daemon",
            "--enable=receive-pack",
            "--export-all",
            "--reuseaddr",
            "--informative-errors",
            f"--base-path={self.base}",
            "--listen=127.0.0.1",
            f"--port={self.port}",
            str(self.base),
        ]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken: try another
            if _listens(self.proc.pid, self.port):
                return True
            time.sleep(0.02)
        self.stop()
        raise DaemonError(f"git daemon did not listen within {START_TIMEOUT}s")

    def stop(self) -> None:
        """Stop the daemon and the children it forked (its own process group)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            proc.wait(timeout=STOP_TIMEOUT)

    def __enter__(self) -> GitDaemon:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- what agents do in their clones --------------------------------------------------------------

PUSH_TIMEOUT = 120.0


def template(
    subject: str,
    agent: str,
    files: str,
    protocol: str = "SEGUIDO",
    approved_by: str | None = None,
) -> str:
    """A commit message following the protocol's template (contract §5)."""
    approval = f"Aprobado-por: {approved_by}\n" if approved_by else ""
    return (
        f"{subject}\n\nWorkspace-Check: ✅ Consultado\nArchivo: {files}\nAgente: {agent}\n"
        f"Protocolo: {protocol}\n{approval}Tests: PASSED\n"
    )


def commit(repo: Path, changes: dict[str, str | None], message: str | bytes, *args: str) -> str:
    """Write (or, with None, delete) files, stage them and commit; the new commit id."""
    for rel, content in changes.items():
        target = repo / rel
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    raw = message.encode() if isinstance(message, str) else message
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", *args, "-F", "-", input=raw)
    return _git(repo, "rev-parse", "HEAD").strip()


def push(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`git push ARGS` with a bounded wait; output decoded (the remote's lines included)."""
    proc = subprocess.run(
        ["git", "push", *args], cwd=repo, capture_output=True, timeout=PUSH_TIMEOUT, check=False
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _git(repo: Path, *args: str, input: bytes | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, timeout=300, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "replace")


def fast_import(
    repo: Path, ref: str, parent: str, commits: list[tuple[str, dict[str, str]]]
) -> None:
    """Append commits (message, {path: content}) to `ref` on top of `parent` in one
    `git fast-import` run: hundreds of real commits in a fraction of a second."""
    chunks: list[bytes] = []
    for number, (message, files) in enumerate(commits, 1):
        raw = message.encode()
        chunks.append(f"commit {ref}\nmark :{number}\n".encode())
        chunks.append(
            f"committer Test Agent <agent@example.com> {1700000000 + number} +0000\n".encode()
        )
        chunks.append(f"data {len(raw)}\n".encode() + raw + b"\n")
        chunks.append(
            f"from {parent}\n".encode() if number == 1 else f"from :{number - 1}\n".encode()
        )
        for path, content in files.items():
            data = content.encode()
            chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"\n")
    _git(repo, "fast-import", "--quiet", input=b"".join(chunks))

"""The watch daemon tests' shared parts: real daemons in real processes, bounded waits, teardown.

Every daemon a test starts is stopped in fixture teardown (SIGTERM, then SIGKILL), so a failing
test never leaks a process. Waits poll the audit log or the status file against a deadline; no
test asserts after a fixed sleep.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.repos import RULES, git, inside, make_workspace, run_cli, shared_clone

DEADLINE = 60.0  # waits end when met; under heavy load (parallel workers) 15 s was missed


def state_dir(repo: Path) -> Path:
    return repo / ".git" / "workspace-guard"


LIFECYCLE = ("started", "stopped", "stop")


def records(repo: Path, **match: Any) -> list[dict[str, Any]]:
    """Audit records whose fields equal `match` (the daemon's own start and stop records only
    when `action` asks for them, its report of an unclean stop only when `change` does, and
    install's announcements only when `layer` does)."""
    path = state_dir(repo) / "audit.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "action" not in match and item.get("action") in LIFECYCLE:
            continue
        if "change" not in match and item.get("change") == "daemon_stopped":
            continue
        if "layer" not in match and item.get("layer") == "install":
            continue  # install's announcements of its config writes (state/announce)
        if all(item.get(k) == v for k, v in match.items()):
            out.append(item)
    return out


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll until `predicate()` is truthy; its value. Fails with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


def wait_record(repo: Path, timeout: float = DEADLINE, **match: Any) -> dict[str, Any]:
    found = wait_for(lambda: records(repo, **match), f"an audit record {match}", timeout)
    return found[0]  # type: ignore[no-any-return]


def status(repo: Path) -> dict[str, Any]:
    try:
        data = json.loads((state_dir(repo) / "watch.status.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def reload_barrier(proc: WatchProcess) -> None:
    """SIGHUP, then wait until a reload that began after it, and its rescan, are done. Everything
    written before the barrier has then been judged, against rules read after it.

    The status file names when the last reload done began (`reloaded`, the daemon's
    time.monotonic(), the same clock as ours). An epoch or a count read from the file before the
    signal can be older than the daemon (it is written once a tick): a reload already under way
    would then pass for the one the signal asked for."""
    asked = time.monotonic()
    proc.signal(signal.SIGHUP)
    wait_for(
        lambda: float(status(proc.repo).get("reloaded") or 0) >= asked,
        "a reload that began after the SIGHUP",
    )


class WatchProcess:
    """`workspace-guard watch run …` in its own process, ready when `ready` returns."""

    def __init__(
        self,
        repo: Path,
        args: list[str],
        env: dict[str, str] | None = None,
        prefix: list[str] | None = None,
    ) -> None:
        self.repo = repo
        self.log = repo.parent / f"watch-{time.monotonic_ns()}.log"
        read_end, write_end = os.pipe()
        command = [
            sys.executable,
            "-m",
            "workspace_guard",
            "watch",
            "run",
            *args,
            "--ready-fd",
            str(write_end),
        ]
        # stderr goes through a pipe that a thread copies into the log file, so a file-size
        # limit put on the daemon (the full-disk test) does not silence its stderr
        self.proc = subprocess.Popen(
            [*(prefix or []), *command],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_end,),
            env={**os.environ, **(env or {})},
        )
        os.close(write_end)
        self._ready_fd = read_end
        self._copier = threading.Thread(target=self._copy, daemon=True)
        self._copier.start()

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        with open(self.log, "ab") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = DEADLINE) -> WatchProcess:
        deadline = time.monotonic() + timeout
        data = b""
        try:
            while time.monotonic() < deadline and b"ready" not in data:
                readable, _, _ = select.select([self._ready_fd], [], [], 0.1)
                if readable:
                    chunk = os.read(self._ready_fd, 64)
                    if not chunk:
                        break
                    data += chunk
        finally:
            os.close(self._ready_fd)
        if b"ready" not in data:
            self.stop()
            raise AssertionError(f"daemon not ready (exit {self.proc.poll()}):\n{self.output()}")
        return self

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, wait; SIGKILL if it hangs (then fail loudly: SIGTERM must work)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"daemon ignored SIGTERM:\n{self.output()}") from None
        return self.proc.returncode

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(name="watchd")
def watchd_fixture(workspace: Path) -> Iterator[Callable[..., WatchProcess]]:
    """Start daemons on the workspace (`watchd("--restore")`); all are stopped at teardown."""
    started: list[WatchProcess] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        ready: bool = True,
        prefix: list[str] | None = None,
    ) -> WatchProcess:
        # no ledger wait unless a test asks: a write nobody recorded is reported at once
        base = ["--rescan-interval", "60", "--ledger-wait", "0"]
        proc = WatchProcess(workspace, [*base, *args], env, prefix)
        started.append(proc)
        return proc.wait_ready() if ready else proc

    yield start
    for proc in started:
        if proc.alive():
            proc.stop()


Start = Callable[..., WatchProcess]  # the `watchd` fixture's type


@pytest.fixture
def cli_daemon(workspace: Path) -> Iterator[Path]:
    """For tests that use `watch start`: whatever they leave running is stopped."""
    yield workspace
    info = status(workspace)
    if run_cli(workspace, "watch", "status").returncode == 0:
        run_cli(workspace, "watch", "stop")
    pid = info.get("pid")
    if isinstance(pid, int):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def blob(data: bytes) -> str:
    """The git blob id of `data` (what the ledger and the daemon's records name)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def git_bytes(repo: Path, rel: str, rev: str = "HEAD") -> bytes:
    """`rel` as committed at `rev`, byte for byte."""
    return subprocess.run(
        ["git", "cat-file", "blob", f"{rev}:{rel}"], cwd=repo, capture_output=True, check=True
    ).stdout


def state_records(repo: Path, name: str) -> list[dict[str, object]]:
    """The daemon's reports of the state file `name` (in `.git/workspace-guard/`)."""
    path = f".git/workspace-guard/{name}"
    return [r for r in records(repo, action="detected", area="state") if r.get("path") == path]


def record_write(
    repo: Path, rel: str, data: bytes | None, agent: str = "system-architect-ai"
) -> None:
    """What the harness gate appends after an allowed call (PostToolUse): the bytes written."""
    from workspace_guard.state import ledger

    kind = "write" if data is not None else "delete"
    blob_id = blob(data) if data is not None else None
    record = {"kind": kind, "harness": "claude", "agent": agent, "tool": "Edit"}
    assert ledger.append(
        str(repo / ".git/workspace-guard"), [{**record, "path": rel, "blob": blob_id}]
    )


TRUSTED = "refs/remotes/origin/main"


def clone_fixture(tmp_path: Path) -> Iterator[Path]:
    """An agent's clone of a published workspace (`shared_clone`), the test's cwd in it (use as
    `workspace = pytest.fixture(clone_fixture, name="workspace")`)."""
    with inside(shared_clone(make_workspace(tmp_path / "origin"), tmp_path)) as work:
        yield work


def trusted_clone_fixture(tmp_path: Path) -> Iterator[Path]:
    """`clone_fixture` whose rules are trusted at origin/main (`workspace-guard.rulesRef`)."""
    work = shared_clone(make_workspace(tmp_path / "origin"), tmp_path)
    git(work, "config", "workspace-guard.rulesRef", TRUSTED)
    with inside(work):
        yield work


def superuser_commit(work: Path, agent: str) -> str:
    """A commit on top of the trusted one whose rules make `agent` a superuser (not pushed): made
    in a clone next to `work` (`../evil`), its objects fetched into `work` (FETCH_HEAD only)."""
    evil = work.parent / "evil"
    git(work.parent, "clone", "-q", str(work), str(evil))
    text = (evil / RULES).read_text()
    (evil / RULES).write_text(
        text.replace(
            "superusers: [master-orchestrator]", f"superusers: [master-orchestrator, {agent}]"
        )
    )
    git(evil, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "x")
    git(work, "fetch", "-q", str(evil), "main")  # the objects only: FETCH_HEAD
    return git(evil, "rev-parse", "HEAD").strip()

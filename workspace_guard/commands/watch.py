"""`workspace-guard watch run|start|stop|status`: the daemon's verbs (the daemon itself lives in
gates/watch). `run` stays in the foreground; `start` runs it in the background and returns once
it is ready; `stop` ends it; `status` exits 0 when it runs."""

from __future__ import annotations

import os

from workspace_guard.gates.watch import control, daemon
from workspace_guard.gates.watch.baseline import Options
from workspace_guard.repo import Repo

MAX_WATCHES_ENV = "WORKSPACE_GUARD_MAX_WATCHES"


def options(
    restore: bool | None, rescan_interval: float | None, poll_interval: float, ledger_wait: float
) -> Options:
    """The daemon's options from the command line (the inotify cap from the environment)."""
    cap = os.environ.get(MAX_WATCHES_ENV, "").strip()
    return Options(
        rescan_interval=rescan_interval,
        restore=restore,
        poll_interval=poll_interval,
        max_watches=int(cap) if cap.isdigit() else None,
        ledger_wait=ledger_wait,
    )


def run(opts: Options, ready_fd: int | None, log_file: str | None) -> int:
    """Run the daemon in the foreground until SIGTERM/SIGINT, as an installed layer: the rules
    from the trusted revision or `install --rules`, never from WORKSPACE_GUARD_RULES."""
    from workspace_guard.repo import installed_layer

    return installed_layer(lambda: daemon.run(Repo.discover(), opts, ready_fd, log_file))


def start(
    repo: Repo,
    restore: bool | None,
    rescan_interval: float | None,
    poll_interval: float,
    ledger_wait: float,
) -> int:
    """Start `watch run` in the background with the same options; return once it is ready."""
    args = ["--poll-interval", str(poll_interval), "--ledger-wait", str(ledger_wait)]
    if restore is not None:
        args.append("--restore" if restore else "--no-restore")
    if rescan_interval is not None:
        args += ["--rescan-interval", str(rescan_interval)]
    return control.start(repo.root, repo.state_dir, args)


def stop(repo: Repo) -> int:
    """Stop the daemon (SIGTERM, then wait); exit 1 when none was running."""
    return control.stop(repo.state_dir)


def status(repo: Repo, fmt: str) -> int:
    """Exit 0 when the daemon runs (its state as text or JSON), else 1."""
    return control.status(repo.state_dir, fmt)

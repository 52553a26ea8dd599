"""`workspace-guard watch run|start|stop|status`"""

from __future__ import annotations

from typing import Any

import click

from workspace_guard.cli import format_option, rules_option


def daemon_options(func: Any) -> Any:
    """Options shared by `run` and `start` (which passes them on to `run`)."""
    func = click.option(
        "--restore/--no-restore",
        default=None,
        help="Quarantine unauthorised content and put the committed version "
        "back (default: rules `watch: restore:`, else off).",
    )(func)
    func = click.option(
        "--rescan-interval",
        type=click.FloatRange(min=0.5),
        metavar="SECONDS",
        help="Seconds between safety rescans (default: rules `watch: rescan_interval:`, else 60).",
    )(func)
    func = click.option(
        "--poll-interval",
        type=click.FloatRange(min=0.1),
        default=1.0,
        show_default=True,
        metavar="SECONDS",
        help="Polling period when inotify watches run out.",
    )(func)
    return rules_option(func)


@click.group()
def watch() -> None:
    """The watch daemon: records (and with --restore undoes) every change to a protected file.

    `run` stays in the foreground (for systemd and terminals); `start` runs it in the
    background and returns once it is ready; `stop` ends it; `status` exits 0 when it runs.
    SIGHUP reloads the rules (as committed at HEAD) and rescans; SIGTERM stops it cleanly.
    """


@watch.command("run")
@daemon_options
@click.option("--ready-fd", type=int, hidden=True)
@click.option("--log-file", type=click.Path(dir_okay=False), hidden=True)
def run_command(
    *,
    restore: bool | None,
    rescan_interval: float | None,
    poll_interval: float,
    rules: str | None,
    ready_fd: int | None,
    log_file: str | None,
) -> int:
    """Run the daemon in the foreground (logs as JSON lines on stderr)."""
    from workspace_guard.commands import watch as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    opts = impl.options(restore, rescan_interval, poll_interval)
    return impl.run(repo, opts, ready_fd, log_file)


@watch.command("start")
@daemon_options
def start_command(
    restore: bool | None, rescan_interval: float | None, poll_interval: float, rules: str | None
) -> int:
    """Start the daemon in the background; return once it is ready (log in the state dir)."""
    from workspace_guard.commands import watch as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    return impl.start(repo, restore, rescan_interval, poll_interval)


def _accepted(func: Any) -> Any:
    """`--restore/--no-restore` are accepted (and mean nothing) on `stop` and `status`, so the
    contract's `watch run|start|stop|status [--restore]` works whichever verb it is given to."""
    return click.option("--restore/--no-restore", "_restore", default=None, hidden=True)(func)


@watch.command("stop")
@rules_option
@_accepted
def stop_command(rules: str | None, _restore: bool | None) -> int:
    """Stop the daemon (SIGTERM, then wait); exit 1 when none was running."""
    from workspace_guard.commands import watch as impl
    from workspace_guard.repo import Repo

    return impl.stop(Repo.discover(rules_option=rules))


@watch.command("status")
@format_option("text", "json")
@rules_option
@_accepted
def status_command(fmt: str, rules: str | None, _restore: bool | None) -> int:
    """Exit 0 when the daemon runs (pid, since, mode, watches, last rescan, counts), else 1."""
    from workspace_guard.commands import watch as impl
    from workspace_guard.repo import Repo

    return impl.status(Repo.discover(rules_option=rules), fmt)

"""`workspace-guard watch run|start|stop|status`"""

from __future__ import annotations

import math
from typing import Any

import click

from workspace_guard.cli import format_option, rules_option


class Seconds(click.ParamType):  # type: ignore[type-arg]
    """A finite number of seconds within [low, high]: NaN, infinity and out-of-range values
    are usage errors (exit 2), never a daemon that rescans in a busy loop or never."""

    name = "seconds"

    def __init__(self, low: float, high: float, *, inclusive_low: bool = True) -> None:
        self.low, self.high, self.inclusive_low = low, high, inclusive_low

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from workspace_guard.i18n import _

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(_("{value!r} is not a number of seconds").format(value=value), param, ctx)
        too_low = number < self.low if self.inclusive_low else number <= self.low
        if not math.isfinite(number) or too_low or number > self.high:
            text = (
                _("{value!r} must be a finite number of seconds, at least {low} and at most {high}")
                if self.inclusive_low
                else _(
                    "{value!r} must be a finite number of seconds, more than {low} and at most "
                    "{high}"
                )
            )
            self.fail(
                text.format(value=value, low=f"{self.low:g}", high=f"{self.high:g}"), param, ctx
            )
        return number


def daemon_options(func: Any) -> Any:
    """Options shared by `run` and `start` (which passes them on to `run`)."""
    func = click.option(
        "--restore/--no-restore",
        default=None,
        help="Quarantine unauthorised content and put the committed version "
        "back (default: rules `watch: restore:`, else off).",
    )(func)
    func = click.option(
        "--ledger-wait",
        type=Seconds(0.0, 60.0),
        default=2.0,
        show_default=True,
        metavar="SECONDS",
        help="How long a change of a protected file may wait for the harness to record it in "
        "the provenance ledger before it counts as unauthorised.",
    )(func)
    func = click.option(
        "--rescan-interval",
        type=Seconds(0.5, 86400.0),
        metavar="SECONDS",
        help="Seconds between safety rescans (default: rules `watch: rescan_interval:`, else 60).",
    )(func)
    func = click.option(
        "--poll-interval",
        type=Seconds(0.1, 3600.0),
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
    SIGHUP reloads the rules (as committed at the trusted revision) and rescans; SIGTERM stops
    it cleanly.
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
    ledger_wait: float,
    rules: str | None,
    ready_fd: int | None,
    log_file: str | None,
) -> int:
    """Run the daemon in the foreground (logs as JSON lines on stderr)."""
    from workspace_guard.commands import watch as impl

    _no_rules_option(rules)
    options = impl.options(restore, rescan_interval, poll_interval, ledger_wait)
    return impl.run(options, ready_fd, log_file)


@watch.command("start")
@daemon_options
def start_command(
    restore: bool | None,
    rescan_interval: float | None,
    poll_interval: float,
    ledger_wait: float,
    rules: str | None,
) -> int:
    """Start the daemon in the background; return once it is ready (log in the state dir)."""
    from workspace_guard.commands import watch as impl
    from workspace_guard.repo import Repo

    _no_rules_option(rules)
    repo = Repo.discover()
    return impl.start(repo, restore, rescan_interval, poll_interval, ledger_wait)


def _no_rules_option(rules: str | None) -> None:
    """The daemon is an installed layer: it trusts the rules of the trusted revision, or the
    file `install --rules` recorded in the repository's config — never a file named by whoever
    starts it (an agent could start it with rules that protect nothing)."""
    if rules:
        from workspace_guard.i18n import _

        raise click.UsageError(
            _(
                "the watch daemon does not take --rules (nor WORKSPACE_GUARD_RULES): it reads the "
                "rules committed at the trusted revision, or the file recorded by "
                "`workspace-guard install --rules FILE`"
            )
        )


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

"""The one error boundary: expected errors → their exit code and message, bugs → exit 3 + a log."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from workspace_guard import __version__
from workspace_guard.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, GuardError


def guarded(func: Callable[[], int], refuse: Callable[[GuardError], int] | None = None) -> int:
    """Run a command; never let a traceback reach the user.

    An expected failure prints its message and exits with its code; `refuse`, when given, handles
    it instead (a git hook says what it refused and how to get out, and fails closed). Anything
    else is a bug: exit 3 and a crash log.
    """
    try:
        return func()
    except GuardError as exc:
        if refuse is not None:
            return refuse(exc)
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        from workspace_guard.i18n import _

        print(_("workspace-guard: interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as exc:  # the boundary: every bug ends here
        from workspace_guard.i18n import _

        error = f"{type(exc).__name__}: {exc}"
        try:
            log = write_crash_log(exc)
        except OSError as unwritable:  # no temp dir to write to: still no traceback
            text = _(
                "workspace-guard: internal error: {error}\nthe details could not be written to "
                "a log ({why})"
            )
            print(text.format(error=error, why=unwritable), file=sys.stderr)
            return EXIT_INTERNAL
        text = _("workspace-guard: internal error: {error}\ndetails were written to {log}")
        print(text.format(error=error, log=log), file=sys.stderr)
        return EXIT_INTERNAL


def write_crash_log(exc: BaseException) -> str:
    """A bug-report-ready log (versions, argv, traceback) in the temp directory; its path."""
    import tempfile
    import time
    import traceback

    fd, path = tempfile.mkstemp(prefix="workspace-guard-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
        handle.write(f"workspace-guard {__version__}, Python {sys.version.split()[0]}\n")
        handle.write(f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
        handle.write(f"argv: {sys.argv!r}\ncwd: {os.getcwd()}\n\n")
        handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return path


def crash_details(exc: BaseException) -> str:
    """Where the details of a bug went, as a clause for a message: the crash log, or why none
    could be written."""
    from workspace_guard.i18n import _

    try:
        return _("details: {log}").format(log=write_crash_log(exc))
    except OSError as unwritable:
        return _("the details could not be written to a log ({why})").format(why=unwritable)


def _silence_stdout() -> None:
    """After EPIPE (`… | head`), point stdout at /dev/null so interpreter shutdown stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())

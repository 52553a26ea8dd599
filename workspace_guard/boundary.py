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

        log = write_crash_log(exc)
        text = _("workspace-guard: internal error: {error}\ndetails were written to {log}")
        print(text.format(error=f"{type(exc).__name__}: {exc}", log=log), file=sys.stderr)
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


def _silence_stdout() -> None:
    """After EPIPE (`… | head`), point stdout at /dev/null so interpreter shutdown stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())

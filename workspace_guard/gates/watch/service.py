"""The daemon process's contract with whatever runs it: systemd's notify protocol and logs.

systemd (`Type=notify`) learns readiness from one datagram to $NOTIFY_SOCKET, so no dependency
is needed; `WATCHDOG=1` is only sent while every thread is alive. Diagnostics are JSON lines on
stderr (journald) or in the state dir's log file (`watch start`), separate from the audit log.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time


def notify_ready(fd: int | None) -> None:
    sd_notify("READY=1")
    if fd is None:
        return
    try:
        os.write(fd, b"ready\n")
        os.close(fd)
    except OSError:
        pass


def sd_notify(message: str) -> None:
    """systemd's notify protocol: one datagram to $NOTIFY_SOCKET (no dependency needed)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
    except OSError:
        pass


class JsonLines(logging.Formatter):
    """Diagnostics as JSON lines (journald and `jq` friendly): `ts`, `level`, `component`, `msg`
    (in the user's language) and, for an exception, `exc` (Python's traceback, as it is: for
    the developers) with `exc_text` beside it (what went wrong, in the user's language)."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.created * 1000) % 1000:03d}Z",
            "level": record.levelname.lower(),
            "component": record.name.rsplit(".", 1)[-1],
            "msg": message(record),
        }
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
            if record.exc_info[1] is not None:
                body["exc_text"] = exc_text(record.exc_info[1])
        return json.dumps(body, ensure_ascii=False)


def exc_text(exc: BaseException) -> str:
    """An exception as the user reads it: a system error's description in their language
    (`strerror`), our own errors' messages (translated where they were raised), the kind named."""
    from workspace_guard.i18n import _, strerror

    detail = str(exc)
    if isinstance(exc, OSError):
        detail = f"{exc.filename}: {strerror(exc)}" if exc.filename else strerror(exc)
    text = _("unexpected error ({kind}): {detail}") if detail else _("unexpected error ({kind})")
    return text.format(kind=type(exc).__name__, detail=detail)


def message(record: logging.LogRecord) -> str:
    """The record's message in the user's language: our own format strings are translated
    (the catalogue holds every one the package logs), then filled in; another library's stay."""
    from workspace_guard.i18n import _

    text = record.msg
    if not isinstance(text, str) or not record.name.startswith("workspace_guard"):
        return record.getMessage()
    try:
        return _(text) % record.args if record.args else _(text)
    except (TypeError, ValueError):  # a translation that does not fit its arguments
        return record.getMessage()


def setup_logging(log_file: str | None) -> None:
    """stderr (foreground, journald) or the state dir's log file (`start`)."""
    import logging.handlers

    handler: logging.Handler
    if log_file:
        handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("workspace_guard")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    watchdog_logger = logging.getLogger("watchdog")
    watchdog_logger.handlers = [handler]
    watchdog_logger.setLevel(logging.WARNING)
    watchdog_logger.propagate = False

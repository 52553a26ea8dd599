"""The watch daemon's signal handlers only set flags.

Python runs a signal handler in the main thread between two bytecodes, so it can run while the
supervisor sits inside `wake.wait()` / `wake.clear()` holding the event's lock. That lock is not
reentrant: a handler calling `wake.set()` there waits for itself forever, and the daemon ignores
SIGTERM (seen as a rare "daemon ignored SIGTERM" right after ready).
"""

from __future__ import annotations

import threading
import types

import pytest

from workspace_guard.gates.watch.daemon import Daemon


@pytest.mark.parametrize("request_", [Daemon.request_stop, Daemon.request_reload])
def test_a_handler_interrupting_the_supervisor_inside_its_wait_returns(request_: object) -> None:
    daemon = types.SimpleNamespace(stopping=False, reload_wanted=False, wake=threading.Event())
    returned = threading.Event()

    def supervisor_interrupted_while_holding_the_lock() -> None:
        # where the main thread is when the signal lands: inside the event, holding its lock
        with daemon.wake._cond:
            request_(daemon)  # type: ignore[operator]
            returned.set()

    thread = threading.Thread(target=supervisor_interrupted_while_holding_the_lock, daemon=True)
    thread.start()
    thread.join(timeout=60)  # a deadlock never returns; a loaded machine takes its time
    assert returned.is_set(), "the handler waited for a lock its own thread holds"
    assert daemon.stopping or daemon.reload_wanted


def test_a_reload_after_a_stop_starts_no_work() -> None:
    daemon = types.SimpleNamespace(stopping=False, reload_wanted=False, wake=threading.Event())
    Daemon.request_stop(daemon)  # type: ignore[arg-type]
    Daemon.request_reload(daemon)  # type: ignore[arg-type]
    assert daemon.stopping and not daemon.reload_wanted

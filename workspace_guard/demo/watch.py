"""The watch layer's part of the demo: a write no hook sees is caught, recorded and undone."""

from __future__ import annotations

import os
import time

from workspace_guard.demo.run import STEPS, Demo, register
from workspace_guard.i18n import _

BASH_WRITE = 'echo "app.debug = True  # quick fix" >> app/main.py'
DEADLINE = 15.0


@register
def watch_daemon(demo: Demo) -> None:
    demo.step(
        _("{n}. Watch: a daemon sees every change, however it was made").format(
            n=STEPS.index(watch_daemon) + 1
        )
    )
    demo.say(
        _(
            "Hooks only see what goes through git or the harness. An agent running a plain shell "
            "redirection bypasses both, so the watch daemon compares protected files with their "
            "committed version; with --restore it keeps the unauthorised bytes in quarantine "
            "and puts the committed file back."
        )
    )
    demo.wg("watch", "start", "--restore", expect=0)
    try:
        demo.say(
            _(
                "backend-framework-ai appends to app/main.py (critical, owner "
                "system-architect-ai) with Bash:"
            )
        )
        demo.run(["sh", "-c", BASH_WRITE], expect=0)
        restored = _wait_for_record(demo, "app/main.py", "restored")
        if restored is None:
            demo.failures.append(
                _("the daemon did not restore app/main.py within {seconds:.0f} s").format(
                    seconds=DEADLINE
                )
            )
        demo.wg("audit", "--action", "detected", expect=0)
        demo.say(
            _(
                "The file is the committed version again (git sees no change), the bytes are in "
                "quarantine, and an incident report waits for master-orchestrator:"
            )
        )
        demo.git("diff", "--exit-code", "--", "app/main.py", expect=0, show=True)
        demo.run(["ls", ".workspace/incidents"], expect=0)
        demo.wg("watch", "status", expect=0)
    finally:
        demo.wg("watch", "stop", expect=0)
    demo.wg("watch", "status", expect=1)


def _state_dir(demo: Demo) -> str:
    return os.path.join(demo.repo, ".git", "workspace-guard")


def _wait_for_record(demo: Demo, rel: str, action: str) -> dict[str, object] | None:
    """Poll the audit log with a deadline (the daemon works asynchronously)."""
    from workspace_guard.state.audit import read

    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        for item in read(_state_dir(demo)):
            if (
                item.get("layer") == "watch"
                and item.get("path") == rel
                and item.get("action") == action
            ):
                return item
        time.sleep(0.05)
    return None

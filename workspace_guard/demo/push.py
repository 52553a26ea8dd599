"""Demo step: the shared repository's pre-receive hook refuses what local hooks let through."""

from __future__ import annotations

import os
import sys

from workspace_guard.demo.run import GOOD_TRAILERS, Demo, register
from workspace_guard.i18n import _


@register
def push(demo: Demo) -> None:
    demo.step(_("5. Push: the shared repository decides, whatever happened locally"))
    shared = os.path.join(demo.root, "shared.git")
    demo.git("clone", "-q", "--bare", demo.repo, shared)
    demo.wg("install", "--server", shared, expect=0)
    demo.git("remote", "add", "origin", shared)
    demo.git("fetch", "-q", "origin")
    demo.say(
        _(
            "backend-framework-ai switches every local hook off (git -c core.hooksPath=/dev/null; "
            "--no-verify alone is refused by the reference-transaction hook) and changes "
            "docker-compose.yml (critical, owner cloud-infrastructure-ai) without approval:"
        )
    )
    demo.write("docker-compose.yml", "services:\n  api:\n    build: .\n    privileged: true\n")
    message = (
        "chore(infra): run the api privileged\n\n"
        + GOOD_TRAILERS.format(file="docker-compose.yml", agent="backend-framework-ai")
        + "Protocolo: SEGUIDO\nTests: PASSED\n"
    )
    demo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-am", message)
    demo.git("-c", "core.hooksPath=/dev/null", "push", "origin", "HEAD:main", expect=1, show=True)
    demo.say(
        _("The server refused it (its branch is unchanged) and recorded why in its own audit log:")
    )
    demo.run(["git", "--git-dir", shared, "log", "--oneline", "-1"], expect=0)
    demo.run(
        [sys.executable, "-m", "workspace_guard", "audit", "--action", "rejected"],
        cwd=shared,
        expect=0,
    )
    demo.git("reset", "-q", "--hard", "origin/main")

"""The audit anchor: each push records the clone's audit chain head on the shared repository, and
`audit verify --remote NAME` proves the local log was not rewritten before that point — even when
whoever rewrote it recomputed every hash (which a local `audit verify` cannot see).

Real clones of a bare repository served by `git daemon` with `install --server`; the clone with
`install` (its pre-push hook sends the anchor).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import git, run_cli
from helpers.gitserver import commit, push, template
from helpers.pushserver import BACKEND, Server, installed_clone, readme_change

from workspace_guard.state import chain
from workspace_guard.state.audit import AUDIT

ANCHORS = "refs/workspace-guard/anchors"


def state(clone: Path) -> str:
    return str(clone / ".git" / "workspace-guard")


def record(clone: Path, n: int = 3) -> None:
    """Audit records as any local layer writes them."""
    rows = [
        {"layer": "harness", "agent": BACKEND, "path": f"app/{i}.py", "action": "denied"}
        for i in range(n)
    ]
    assert chain.append(state(clone), AUDIT, rows)


def records(clone: Path) -> list[dict[str, Any]]:
    return list(chain.read(state(clone), AUDIT))


def rewrite(clone: Path, change: Any) -> None:
    """What a forger does: edit the records, then rebuild the whole chain and its head file."""
    rows = [
        {k: v for k, v in r.items() if k not in ("seq", "ts", "prev", "hash")}
        for r in records(clone)
    ]
    rows = change(rows)
    os.remove(os.path.join(state(clone), AUDIT.file))
    os.remove(os.path.join(state(clone), AUDIT.head))
    assert chain.append(state(clone), AUDIT, rows)


def anchored(server: Server) -> list[str]:
    """The anchor messages on the server, newest first."""
    if server.ref(ANCHORS) is None:
        return []
    out = git(server.bare, "log", "--format=%B%x00", ANCHORS)
    return [m.strip() for m in out.split("\0") if m.strip()]


def verify(clone: Path, *args: str) -> Any:
    result = run_cli(clone, "audit", "verify", *args)
    assert "Traceback" not in result.stderr
    return result


def test_each_push_anchors_the_audit_head_on_the_server(server: Server) -> None:
    clone = installed_clone(server)
    record(clone)
    readme_change(clone)
    result = push(clone, "origin", "main")
    assert result.returncode == 0, result.stderr
    (message,) = anchored(server)
    last = records(clone)[-1]
    assert f"seq: {last['seq']}" in message and f"hash: {last['hash']}" in message
    ok = verify(clone, "--remote", "origin")
    assert ok.returncode == 0, ok.stderr
    assert "1 anchor on origin" in ok.stdout
    record(clone, 2)
    readme_change(clone, "again")
    assert push(clone, "origin", "main").returncode == 0
    assert len(anchored(server)) == 2
    assert verify(clone, "--remote", "origin").returncode == 0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda rows: [{**rows[0], "action": "allowed"}, *rows[1:]], id="edited"),
        pytest.param(lambda rows: rows[1:], id="first-removed"),
        pytest.param(lambda rows: rows[:-1], id="last-removed"),
        pytest.param(lambda rows: [*rows[:1], rows[0], *rows[1:]], id="inserted"),
        pytest.param(lambda rows: [], id="emptied"),
    ],
)
def test_a_rewritten_log_with_recomputed_hashes_is_detected(server: Server, change: Any) -> None:
    clone = installed_clone(server)
    record(clone, 4)
    readme_change(clone)
    assert push(clone, "origin", "main").returncode == 0
    rewrite(clone, change)
    local = verify(clone)
    assert local.returncode == 0, "the forger rebuilt the chain: the local check cannot see it"
    remote = verify(clone, "--remote", "origin")
    assert remote.returncode == 1
    assert "the log was rewritten" in remote.stderr


def test_records_after_the_last_anchor_do_not_fail_the_check(server: Server) -> None:
    clone = installed_clone(server)
    record(clone, 2)
    readme_change(clone)
    assert push(clone, "origin", "main").returncode == 0
    record(clone, 5)
    assert verify(clone, "--remote", "origin").returncode == 0


def test_no_anchor_of_this_clone_proves_nothing(server: Server) -> None:
    clone = installed_clone(server)
    record(clone)
    result = verify(clone, "--remote", "origin")
    assert result.returncode == 1
    assert "no audit anchor of this clone" in result.stderr
    readme_change(clone)
    assert push(clone, "origin", "main").returncode == 0
    git(clone, "config", "workspace-guard.cloneId", "0123456789abcdef0123")  # a forger's new name
    forged = verify(clone, "--remote", "origin")
    assert forged.returncode == 1
    assert "no audit anchor of this clone" in forged.stderr


def test_audit_anchor_command_and_two_clones_share_the_ref(server: Server) -> None:
    first, second = installed_clone(server, "one"), installed_clone(server, "two")
    record(first)
    record(second, 5)
    done = run_cli(first, "audit", "anchor", "origin")
    assert done.returncode == 0, done.stderr
    last = json.loads((first / ".git/workspace-guard/audit.jsonl").read_text().splitlines()[-1])
    assert f"anchored record {last['seq']}" in done.stdout  # install's announcements count too
    assert run_cli(second, "audit", "anchor", "origin").returncode == 0
    assert len(anchored(server)) == 2
    assert verify(first, "--remote", "origin").returncode == 0
    assert verify(second, "--remote", "origin").returncode == 0


@pytest.mark.parametrize("remote", ["nowhere", "--upload-pack=touch /tmp/x", ""])
def test_a_remote_that_is_not_configured_is_a_usage_error(server: Server, remote: str) -> None:
    clone = installed_clone(server)
    for args in (["audit", "anchor", remote], ["audit", "verify", "--remote", remote]):
        result = run_cli(clone, *args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr


def test_anchors_cannot_be_rewritten_or_deleted_by_a_push(server: Server) -> None:
    clone = installed_clone(server)
    record(clone)
    readme_change(clone)
    assert push(clone, "origin", "main").returncode == 0
    record(clone)
    assert run_cli(clone, "audit", "anchor", "origin").returncode == 0
    tip = server.ref(ANCHORS)
    assert tip is not None
    first = git(server.bare, "rev-parse", f"{ANCHORS}~1").strip()
    rewound = push(clone, "--no-verify", "--force", "origin", f"{first}:{ANCHORS}")
    assert rewound.returncode != 0
    assert "only ever appended" in rewound.stderr
    deleted = push(clone, "--no-verify", "origin", f":{ANCHORS}")
    assert deleted.returncode != 0
    forged = commit(clone, {"x.md": "x\n"}, template("docs(x): x", BACKEND, "x.md"))
    fake = push(clone, "--no-verify", "origin", f"{forged}:{ANCHORS}")
    assert fake.returncode != 0
    assert server.ref(ANCHORS) == tip


def test_anchor_off_and_unreachable_anchor_never_block_the_push(server: Server) -> None:
    clone = installed_clone(server)
    git(clone, "config", "workspace-guard.anchor", "false")
    readme_change(clone)
    assert push(clone, "origin", "main").returncode == 0
    assert anchored(server) == []
    git(clone, "config", "workspace-guard.anchor", "true")
    # the anchors ref on the server is refused (someone broke it): the push still goes through
    # (every other update still goes through the real hook, whose record the server's
    # reference-transaction hook asks for)
    hook = server.bare / "hooks" / "pre-receive"
    real = server.bare / "real-hooks" / "pre-receive"  # the hook knows itself by its name
    real.parent.mkdir()
    hook.rename(real)
    hook.write_text(
        '#!/bin/sh\nin=$(mktemp)\ncat > "$in"\n'
        "grep -q ' refs/workspace-guard/' \"$in\" && exit 1\n"
        f"exec '{real}' < \"$in\"\n"
    )
    hook.chmod(0o755)
    readme_change(clone, "later")
    result = push(clone, "origin", "main")
    real.replace(hook)
    assert result.returncode == 0, result.stderr
    assert "audit anchor was not recorded" in result.stderr

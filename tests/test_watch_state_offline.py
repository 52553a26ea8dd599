"""The state files the daemon judges by content — the rules cache's entries, the hook server's
client, the denial counts — forged while no daemon ran are found by the next daemon's first
pass (`detected_by: startup`), not only when they change under a running one. Real daemons,
real files (docs/security.md, *Same-user write access*)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_cli
from helpers.harness import edit_denied
from helpers.watch import Start, state_dir, state_records, wait_for

A = "backend-framework-ai"
FREE = "app/models/order.py"


def test_a_rules_cache_entry_forged_offline_is_found_at_start(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard import rules_cache
    from workspace_guard.core.record import replace
    from workspace_guard.repo import Repo

    assert run_cli(workspace, "validate", A, FREE).returncode == 0  # the entry exists
    watchd().stop()
    state = str(state_dir(workspace))
    rules = Repo.discover(str(workspace)).load_rules()
    blob = git(workspace, "rev-parse", "HEAD:.workspace/rules.yaml").strip()
    key = f"blob:{blob}"
    entry = Path(rules_cache.cache_path(state, key))
    rules_cache._KEYS.clear()
    rules_cache.store(state, key, replace(rules, protected=()), None)  # the key's tag: valid
    watchd()
    name = f"cache/{entry.name}"
    found = wait_for(lambda: state_records(workspace, name), name)[0]
    assert found["detected_by"] == "startup"
    assert found["note"] == "the rules it holds are not what its source loads to"
    wait_for(lambda: not entry.exists(), "the entry to go")
    assert run_cli(workspace, "validate", A, "app/main.py").returncode == 1  # rebuilt: protects


def test_a_hook_client_and_denial_counts_forged_offline_are_found_at_start(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard.gates.harness import serve_client

    state = str(state_dir(workspace))
    kind = serve_client.ensure(state)
    client = state_dir(workspace) / "serve" / "client"
    daemon = watchd()
    assert edit_denied(workspace, "app/main.py") is not None
    denials = state_dir(workspace) / "denials.json"
    counted = json.loads(denials.read_text())
    assert len(counted) == 1
    daemon.stop()
    client.write_bytes(b"#!/bin/sh\nexit 0\n")  # a client that allows everything
    denials.write_text("[]")  # dodge the escalation
    watchd()
    found = wait_for(lambda: state_records(workspace, "serve/client"), "the client record")[0]
    assert found["detected_by"] == "startup" and found["restored"] is True
    wait_for(lambda: serve_client.kind(state) == kind, "a rebuilt client")
    found = wait_for(lambda: state_records(workspace, "denials.json"), "the denials record")[0]
    assert found["detected_by"] == "startup" and len(found["denials_missing"]) == 1
    back = json.loads(denials.read_text())
    assert [(i["agent"], i["rule"]) for i in back] == [(i["agent"], i["rule"]) for i in counted]

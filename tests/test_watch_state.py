"""The state files other layers trust — claims, the launcher's `program`, the rules cache — are
watched: a change workspace-guard did not make is reported and put back from a known-good copy
(the audit chain's claims, the program line install writes, git objects for the cache)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import git, run_cli
from helpers.watch import Start, records, state_dir, wait_for, wait_record

A = "backend-framework-ai"
FREE = "app/models/order.py"


def state_records(repo: Path, name: str) -> list[dict[str, object]]:
    path = f".git/workspace-guard/{name}"
    return [r for r in records(repo, action="detected", area="state") if r.get("path") == path]


def quiet(repo: Path) -> None:
    """Let the grace for a claim's audit record pass, then make sure a poll ran after it."""
    time.sleep(2.5)
    git(repo, "config", "core.fsmonitor", "/tmp/barrier")
    wait_record(repo, path=".git/config", action="detected")


def claims_file(repo: Path) -> Path:
    return state_dir(repo) / "claims.json"


def claim(repo: Path, *paths: str) -> None:
    done = run_cli(repo, "claim", *paths, "--agent", A, "--ttl", "1h")
    assert done.returncode == 0, done.stderr


def test_claims_made_and_released_by_the_command_are_not_violations(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    claim(workspace, FREE)
    claim(workspace, "app/models/user.py")
    assert run_cli(workspace, "release", FREE, "--agent", A).returncode == 0
    quiet(workspace)
    assert state_records(workspace, "claims.json") == []


def test_a_claim_removed_by_hand_is_reported_and_put_back(workspace: Path, watchd: Start) -> None:
    claim(workspace, FREE)
    [made] = json.loads(claims_file(workspace).read_text())
    watchd()
    claims_file(workspace).write_text("[]")
    found = wait_for(lambda: state_records(workspace, "claims.json"), "the claims record")[0]
    assert found["claims_missing"] == [made["id"]] and found["restored"] is True
    assert found["level"] == "critical" and found["change"] == "modified"
    back = json.loads(claims_file(workspace).read_text())
    assert [(c["id"], c["agent"], c["pattern"]) for c in back] == [(made["id"], A, made["pattern"])]


def test_a_forged_claim_is_reported_and_taken_out(workspace: Path, watchd: Start) -> None:
    claim(workspace, FREE)
    [made] = json.loads(claims_file(workspace).read_text())
    watchd()
    forged = {**made, "id": "f0f0f0f0", "agent": "system-architect-ai", "pattern": "app/"}
    claims_file(workspace).write_text(json.dumps([made, forged]))
    found = wait_for(lambda: state_records(workspace, "claims.json"), "the claims record")[0]
    assert found["claims_forged"] == ["f0f0f0f0"] and found["restored"] is True
    assert Path(str(found["quarantine"])).read_text() == json.dumps([made, forged])
    assert [c["id"] for c in json.loads(claims_file(workspace).read_text())] == [made["id"]]


def test_claims_changed_while_the_daemon_was_down_are_found_at_start(
    workspace: Path, watchd: Start
) -> None:
    claim(workspace, FREE)
    [made] = json.loads(claims_file(workspace).read_text())
    watchd().stop()
    claims_file(workspace).write_text("not json")
    watchd()
    found = wait_for(lambda: state_records(workspace, "claims.json"), "the claims record")[0]
    assert found["detected_by"] == "startup" and found["restored"] is True
    assert [c["id"] for c in json.loads(claims_file(workspace).read_text())] == [made["id"]]


def program_file(repo: Path) -> Path:
    return state_dir(repo) / "program"


def test_the_program_file_install_writes_passes_and_a_forged_one_is_put_back(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    done = run_cli(workspace, "install", "--claude")
    assert done.returncode == 0, done.stderr
    ours = program_file(workspace).read_text()
    quiet(workspace)
    assert state_records(workspace, "program") == []
    program_file(workspace).write_text("/tmp/allow-everything\n")
    found = wait_for(lambda: state_records(workspace, "program"), "the program record")[0]
    assert found["restored"] is True
    assert Path(str(found["quarantine"])).read_text() == "/tmp/allow-everything\n"
    assert program_file(workspace).read_text() == ours


def test_a_forged_rules_cache_entry_is_reported_and_removed(workspace: Path, watchd: Start) -> None:
    from workspace_guard import rules_cache

    assert run_cli(workspace, "validate", A, FREE).returncode == 0  # the readers' own entries
    watchd()
    assert run_cli(workspace, "explain", FREE).returncode == 0
    head = git(workspace, "rev-parse", "HEAD").strip()
    common = str(workspace / ".git")
    untagged = state_dir(workspace) / "cache" / f"head-{'1' * 40}"
    untagged.write_bytes(b"\0" * 16 + b"-")
    found = wait_for(lambda: state_records(workspace, f"cache/head-{'1' * 40}"), "untagged")[0]
    assert found["restored"] is True and not untagged.exists()
    rules_cache.remember_blob(common, head, "0" * 40)  # tagged with the key, but untrue
    found = wait_for(lambda: state_records(workspace, f"cache/head-{head}"), "untrue entry")[0]
    assert found["note"] == "git has another rules blob"
    wait_for(lambda: rules_cache.blob_at(common, head) != "0" * 40, "the entry to go")
    assert [r["path"] for r in records(workspace, action="detected", area="state")] == [
        f".git/workspace-guard/cache/head-{'1' * 40}",
        f".git/workspace-guard/cache/head-{head}",
    ]


def test_a_replaced_cache_key_is_put_back(workspace: Path, watchd: Start) -> None:
    assert run_cli(workspace, "validate", A, FREE).returncode == 0
    key = state_dir(workspace) / "cache" / "key"
    ours = key.read_bytes()
    watchd()
    key.write_bytes(b"k" * 32)
    found = wait_for(lambda: state_records(workspace, "cache/key"), "the key record")[0]
    assert found["restored"] is True
    wait_for(lambda: key.read_bytes() == ours, "the key to be put back")


def test_an_exclusive_claim_made_shared_by_hand_is_put_back(workspace: Path, watchd: Start) -> None:
    claim(workspace, FREE)
    [made] = json.loads(claims_file(workspace).read_text())
    watchd()
    claims_file(workspace).write_text(json.dumps([{**made, "shared": True}]))
    found = wait_for(lambda: state_records(workspace, "claims.json"), "the claims record")[0]
    assert found["claims_forged"] == [made["id"]] and found["restored"] is True
    assert json.loads(claims_file(workspace).read_text()) == [made]
    quiet(workspace)
    assert len(state_records(workspace, "claims.json")) == 1  # its own restore is not reported

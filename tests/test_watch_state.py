"""The state files other layers trust — claims, the launcher's `program`, the rules cache — are
watched: a change workspace-guard did not make is reported and put back from a known-good copy
(the audit chain's claims, the program line install writes, git objects for the cache)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import git, run_cli, run_tty
from helpers.watch import Start, records, state_dir, state_records, wait_for, wait_record

A = "backend-framework-ai"
FREE = "app/models/order.py"


def quiet(repo: Path) -> None:
    """Let the grace for a claim's audit record pass, then make sure a poll ran after it."""
    time.sleep(2.5)
    git(repo, "config", "core.fsmonitor", "/tmp/barrier")
    wait_record(repo, path=".git/config", action="detected")


def claims_file(repo: Path) -> Path:
    return state_dir(repo) / "claims.json"


def claim(repo: Path, *paths: str) -> None:
    done = run_tty(repo, "claim", *paths, "--agent", A, "--ttl", "1h")
    assert done.returncode == 0, done.stderr


def test_claims_made_and_released_by_the_command_are_not_violations(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    claim(workspace, FREE)
    claim(workspace, "app/models/user.py")
    assert run_tty(workspace, "release", FREE, "--agent", A).returncode == 0
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


# -- the hook server's client, the denial counts, the rules cache's content ---------------------


def client_file(repo: Path) -> Path:
    return state_dir(repo) / "serve" / "client"


def test_a_replaced_hook_server_client_is_put_back(workspace: Path, watchd: Start) -> None:
    from workspace_guard.gates.harness import serve_client

    kind = serve_client.ensure(str(state_dir(workspace)))
    ours = client_file(workspace).read_bytes()
    watchd()
    for n, forged in enumerate((b"#!/bin/sh\nexit 0\n", ours[:-64] + b"\0" * 64)):
        client_file(workspace).write_bytes(forged)
        found = wait_for(lambda n=n: state_records(workspace, "serve/client")[n:], "the record")
        assert found[-1]["restored"] is True and found[-1]["change"] == "modified"
        assert Path(str(found[-1]["quarantine"])).read_bytes() == forged
        wait_for(lambda: serve_client.kind(str(state_dir(workspace))) == kind, "a rebuilt client")
        assert client_file(workspace).read_bytes() != forged
    assert len(state_records(workspace, "serve/client")) == 2  # its own rebuild is not reported


def test_a_python_client_naming_another_interpreter_is_put_back(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard.gates.harness.serve_client import _source

    watchd()
    client_file(workspace).parent.mkdir(mode=0o700, exist_ok=True)
    client_file(workspace).write_bytes(b"#!/tmp/allow-all -IS\n" + _source(".py"))
    found = wait_for(lambda: state_records(workspace, "serve/client"), "the client record")[0]
    assert found["restored"] is True
    assert not client_file(workspace).read_bytes().startswith(b"#!/tmp/allow-all")


def denials_file(repo: Path) -> Path:
    return state_dir(repo) / "denials.json"


def deny(repo: Path) -> None:
    from helpers.harness import edit_denied

    assert edit_denied(repo, "app/main.py") is not None


def test_denial_counts_cut_or_forged_are_put_back_and_escalation_is_not(
    workspace: Path, watchd: Start
) -> None:
    watchd()
    deny(workspace)
    deny(workspace)
    counted = json.loads(denials_file(workspace).read_text())
    assert len(counted) == 2
    denials_file(workspace).write_text("[]")  # dodge the escalation
    found = wait_for(lambda: state_records(workspace, "denials.json"), "the denials record")[0]
    assert len(found["denials_missing"]) == 2 and found["restored"] is True
    back = json.loads(denials_file(workspace).read_text())
    assert [(i["agent"], i["rule"]) for i in back] == [(i["agent"], i["rule"]) for i in counted]
    deny(workspace)  # the third: the gate escalates and starts counting again
    wait_for(lambda: records(workspace, action="consulted"), "the escalation")
    other = {"agent": "api-security", "rule": "app/main.py system-architect-ai", "ts": time.time()}
    denials_file(workspace).write_text(json.dumps([other]))
    found = wait_for(lambda: state_records(workspace, "denials.json")[1:], "the forged record")[0]
    assert found["denials_forged"] == [other] and "denials_missing" not in found
    assert json.loads(denials_file(workspace).read_text()) == []
    assert len(state_records(workspace, "denials.json")) == 2


def test_a_rules_cache_entry_with_a_valid_tag_but_other_rules_is_removed(
    workspace: Path, watchd: Start
) -> None:
    from workspace_guard import rules_cache
    from workspace_guard.core.record import replace
    from workspace_guard.repo import Repo

    outside = workspace.parent / "explicit-rules.yaml"
    outside.write_bytes((workspace / ".workspace" / "rules.yaml").read_bytes())
    assert run_cli(workspace, "validate", A, FREE).returncode == 0
    assert run_cli(workspace, "validate", A, FREE, "--rules", str(outside)).returncode == 0
    watchd()
    state = str(state_dir(workspace))
    rules = Repo.discover(str(workspace)).load_rules()
    open_rules = replace(rules, protected=())  # protects nothing
    blob = git(workspace, "rev-parse", "HEAD:.workspace/rules.yaml").strip()
    rules_cache._KEYS.clear()
    for key, content in ((f"blob:{blob}", None), (f"file:{outside}", outside.read_bytes())):
        entry = Path(rules_cache.cache_path(state, key))
        assert entry.exists()
        rules_cache.store(state, key, open_rules, content)
        assert rules_cache.cached(state, key, content) == open_rules  # the tag verifies
        name = f"cache/{entry.name}"
        found = wait_for(lambda name=name: state_records(workspace, name), name)[0]
        assert found["note"] == "the rules it holds are not what its source loads to"
        wait_for(lambda entry=entry: not entry.exists(), "the entry to go")
    assert run_cli(workspace, "validate", A, FREE).returncode == 0  # rebuilt from git: passes
    rescan = records(workspace, action="detected", area="state")
    assert len(rescan) == 2

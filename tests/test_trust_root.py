"""The trust root is not HEAD (issue 13 item 5) and the rules cache cannot be poisoned (item 6).

Real clones of a real shared repository: an agent that commits new rules (objects written by
hand, hooks bypassed) must not change what the validator, the harness hook or the commit hooks
decide; the committer's WORKSPACE_GUARD_RULES is ignored by installed layers; a forged cache
entry changes nothing.
"""

from __future__ import annotations

import json
import marshal
import shutil
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.repos import shared_clone, unadopted_workspace

RULES = ".workspace/rules.yaml"
AGENT = "backend-framework-ai"
OWNER = "system-architect-ai"
ESCALATION = "master-orchestrator"
VALIDATOR = "agent_workspace_validator"


def grant(text: str, agent: str = AGENT) -> str:
    old = "  - pattern: /app/main.py\n    owner: system-architect-ai\n"
    assert old in text
    return text.replace(old, f"  - pattern: /app/main.py\n    owner: {agent}\n")


def message(agent: str, files: str, protocol: str = "SEGUIDO") -> str:
    return (
        "feat(api): change the application\n\n"
        "Workspace-Check: ✅ Consultado\n"
        f"Archivo: {files}\n"
        f"Agente: {agent}\n"
        f"Protocolo: {protocol}\n"
        "Tests: PASSED\n"
    )


def allowed(cwd: Path, agent: str = AGENT, path: str = "app/main.py", env=None) -> bool:
    proc = run_cli(cwd, agent, path, "--format", "json", prog=VALIDATOR, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return bool(json.loads(proc.stdout)["allowed"])


def harness_denies(cwd: Path, agent: str = AGENT, env=None) -> bool:
    event = {
        "session_id": "s1",
        "cwd": str(cwd),
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": str(cwd / "app/main.py"), "old_string": "a", "new_string": "b"},
        "agent_id": "a1",
        "agent_type": agent,
    }
    proc = run_cli(cwd, "hook", "claude", input=json.dumps(event).encode(), env=env)
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return False
    return json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def commit(cwd: Path, text: str, env=None) -> int:
    msg = cwd.parent / "msg.txt"
    msg.write_text(text)
    return run_git(cwd, "commit", "-q", "-F", str(msg), env=env)


def run_git(cwd: Path, *args: str, env=None) -> int:
    import os
    import subprocess

    proc = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, check=False
    )
    return proc.returncode


def sneak_rules(clone: Path, text: str) -> None:
    """What an agent with one allowed Bash call can do: objects by hand, hooks bypassed."""
    side = clone.parent / "side-rules.yaml"
    side.write_text(text)
    blob = git(clone, "hash-object", "-w", str(side)).strip()
    git(clone, "update-index", "--cacheinfo", f"100644,{blob},{RULES}")
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: rules")
    git(clone, "checkout", "-q", "--", RULES)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A shared repository with the example rules and an agent's clone of it."""
    return shared_clone(make_workspace(tmp_path / "origin"), tmp_path)


def test_committed_rules_do_not_move_the_trust_root(clone: Path) -> None:
    assert run_cli(clone, "install").returncode == 0
    assert not allowed(clone) and harness_denies(clone)
    sneak_rules(clone, grant((clone / RULES).read_text()))
    assert AGENT in git(clone, "show", f"HEAD:{RULES}")
    assert not allowed(clone)  # the validator
    assert harness_denies(clone)  # the harness hook
    (clone / "app/main.py").write_text("changed\n")
    git(clone, "add", "app/main.py")
    assert commit(clone, message(AGENT, "app/main.py")) != 0  # the commit hooks
    # nothing warm or cold in the cache changes that
    shutil.rmtree(clone / ".git/workspace-guard/cache", ignore_errors=True)
    assert not allowed(clone) and harness_denies(clone)


def test_the_environment_does_not_reach_installed_layers(clone: Path) -> None:
    assert run_cli(clone, "install").returncode == 0
    mine = clone.parent / "mine.yaml"
    mine.write_text(grant((clone / RULES).read_text()))
    env = {"WORKSPACE_GUARD_RULES": str(mine)}
    assert allowed(clone, env=env)  # an explicit command: the operator chose the file
    assert harness_denies(clone, env=env)
    (clone / "app/main.py").write_text("changed\n")
    git(clone, "add", "app/main.py")
    assert commit(clone, message(AGENT, "app/main.py"), env=env) != 0
    proc = run_cli(
        clone, "hook", "pre-commit", "--rules", str(mine), env={"WORKSPACE_AGENT": AGENT}
    )
    assert "Aprobado-por: system-architect-ai" in proc.stderr  # --rules on a hook's line: ignored
    # what `install --rules` recorded in the repository's config does count
    assert run_cli(clone, "install", "--rules", str(mine)).returncode == 0
    assert git(clone, "config", "--local", "workspace-guard.rules").strip() == str(mine)
    assert not harness_denies(clone)
    assert commit(clone, message(AGENT, "app/main.py")) == 0


def test_git_dash_c_config_is_not_the_repository_config(clone: Path) -> None:
    mine = clone.parent / "mine.yaml"
    mine.write_text(grant((clone / RULES).read_text()))
    assert run_cli(clone, "install").returncode == 0
    (clone / "app/main.py").write_text("changed\n")
    git(clone, "add", "app/main.py")
    msg = clone.parent / "m.txt"
    msg.write_text(message(AGENT, "app/main.py"))
    sneaky = ["-c", f"workspace-guard.rules={mine}", "-c", "workspace-guard.rulesRef=HEAD"]
    assert run_git(clone, *sneaky, "commit", "-q", "-F", str(msg)) != 0


def test_rules_ref_recorded_by_install(clone: Path) -> None:
    proc = run_cli(clone, "install")
    assert "workspace-guard.rulesRef: refs/remotes/origin/main" in proc.stdout
    assert git(clone, "config", "workspace-guard.rulesRef").strip() == "refs/remotes/origin/main"
    git(clone, "remote", "set-head", "origin", "--delete")
    sneak_rules(clone, grant((clone / RULES).read_text()))
    assert not allowed(clone)
    # a recorded ref that is gone refuses to decide rather than fall back to HEAD (the installed
    # reference-transaction hook refuses the deletion itself: gone with the hooks off)
    git(clone, "-c", "core.hooksPath=/dev/null", "update-ref", "-d", "refs/remotes/origin/main")
    proc = run_cli(clone, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 2
    assert "workspace-guard.rulesRef" in proc.stderr and "Traceback" not in proc.stderr
    event = {"cwd": str(clone), "hook_event_name": "PreToolUse", "tool_name": "Write"}
    event["tool_input"] = {"file_path": str(clone / "README.md"), "content": "x"}
    proc = run_cli(clone, "hook", "claude", input=json.dumps(event).encode())
    assert proc.returncode == 2 and "fails closed" in proc.stderr  # the harness blocks


def test_rules_ref_short_names_and_packed_refs(clone: Path) -> None:
    git(clone, "config", "workspace-guard.rulesRef", "origin/main")
    git(clone, "pack-refs", "--all")
    sneak_rules(clone, grant((clone / RULES).read_text()))
    assert not allowed(clone)
    git(clone, "config", "workspace-guard.rulesRef", "main")  # the local branch: HEAD's rules
    assert allowed(clone)


def test_the_upstream_of_main_without_origin_head(tmp_path: Path) -> None:
    """`git remote add` + `git push -u`: no origin/HEAD, but main has an upstream."""
    ws = make_workspace(tmp_path / "ws")
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(server))
    git(ws, "remote", "add", "origin", str(server))
    git(ws, "push", "-q", "-u", "origin", "main")
    assert not (ws / ".git/refs/remotes/origin/HEAD").exists()
    sneak_rules(ws, grant((ws / RULES).read_text()))
    assert not allowed(ws)


def test_no_upstream_reads_head(workspace: Path) -> None:
    sneak_rules(workspace, grant((workspace / RULES).read_text()))
    proc = run_cli(workspace, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 0 and proc.stderr == ""  # no remote: HEAD, silently
    out = run_cli(workspace, "install").stdout
    assert "committed at HEAD (no upstream yet)" in out
    git(workspace, "remote", "add", "origin", str(workspace.parent / "nowhere.git"))
    proc = run_cli(workspace, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 0
    assert "no upstream of the protected branch" in proc.stderr


def test_an_upstream_without_rules_yet_reads_head(tmp_path: Path) -> None:
    work = shared_clone(unadopted_workspace(tmp_path / "plain"), tmp_path)
    (work / ".workspace").mkdir(exist_ok=True)
    (work / RULES).write_text((Path(__file__).parent.parent / "rules/example.yaml").read_text())
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "chore(workspace): adopt")
    proc = run_cli(work, AGENT, "app/main.py", prog=VALIDATOR)
    assert proc.returncode == 1
    assert "origin/main has no .workspace/rules.yaml yet" in proc.stderr


def test_the_escalation_agent_changes_the_rules(clone: Path) -> None:
    """A commit that changes the rules is judged by the rules before it; once pushed and
    fetched, the new rules decide."""
    assert run_cli(clone, "install").returncode == 0
    (clone / RULES).write_text(grant((clone / RULES).read_text()))
    git(clone, "add", RULES)
    assert commit(clone, message(AGENT, RULES, "APROBACIÓN_OBTENIDA")) != 0
    assert commit(clone, message(ESCALATION, RULES)) == 0
    assert not allowed(clone)  # committed, not pushed: not yet binding
    assert run_git(clone, "push", "-q", "origin", "main") == 0
    assert allowed(clone)  # the push moved origin/main
    (clone / "app/main.py").write_text("mine now\n")
    git(clone, "add", "app/main.py")
    assert commit(clone, message(AGENT, "app/main.py")) == 0


# --- the rules cache (item 6) ---------------------------------------------------------------------


def cache(repo: Path) -> Path:
    return repo / ".git/workspace-guard/cache"


def test_a_forged_rules_cache_entry_changes_nothing(workspace: Path) -> None:
    assert not allowed(workspace)  # warms the cache
    entries = list(cache(workspace).glob("rules-*-blob-*.marshal"))
    assert entries
    (workspace.parent / "g.yaml").write_text(grant((workspace / RULES).read_text()))
    assert allowed(workspace, env={"WORKSPACE_GUARD_RULES": str(workspace.parent / "g.yaml")})
    forged_from = next(
        p for p in cache(workspace).glob("rules-*-file-*.marshal") if p.stat().st_size
    )
    for entry in entries:
        data = forged_from.read_bytes()
        # as is (someone else's tag), untagged, and re-keyed to the trusted blob
        for body in (data, data[16:], _rekeyed(data[16:], entry)):
            entry.write_bytes(body)
            assert not allowed(workspace)
            assert harness_denies(workspace)


def _rekeyed(body: bytes, entry: Path) -> bytes:
    _key, _content, plain = marshal.loads(body)
    blob = entry.name.rsplit("-", 1)[1].removesuffix(".marshal")
    return b"\0" * 16 + marshal.dumps((f"blob:{blob}", None, plain))


def test_a_forged_head_entry_changes_nothing(workspace: Path) -> None:
    assert not allowed(workspace)
    side = workspace.parent / "side.yaml"
    side.write_text(grant((workspace / RULES).read_text()))
    theirs = git(workspace, "hash-object", "-w", str(side)).strip()
    head = git(workspace, "rev-parse", "HEAD").strip()
    entry = cache(workspace) / f"head-{head}"
    for forged in (theirs, "x" * 16 + theirs):
        entry.write_text(forged)
        assert not allowed(workspace)
        assert harness_denies(workspace)
    git(workspace, "gc", "-q")  # packed: the blob id can only come from git or the cache
    entry.write_text(theirs)
    assert not allowed(workspace)


def test_a_replaced_cache_key_only_costs_speed(workspace: Path) -> None:
    assert not allowed(workspace)
    (cache(workspace) / "key").write_bytes(b"short")
    assert not allowed(workspace)
    (cache(workspace) / "key").unlink()
    assert not allowed(workspace)
    assert (cache(workspace) / "key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "section",
    [
        "[workspace-guard]\n\trulesRef = refs/remotes/origin/main\n",
        "[Workspace-Guard]\n\tRULESREF=refs/remotes/origin/main ; a comment\n",
        '[workspace-guard]\n\trulesRef = "refs/remotes/origin/main"\n',
        "[workspace-guard] rulesRef = refs/remotes/origin/main\n",
        "[workspace-guard]\n\trulesRef = refs/remotes/\\\norigin/main\n",
    ],
    ids=["plain", "case-comment", "quoted", "same-line", "continued"],
)
def test_the_config_is_read_as_git_reads_it(clone: Path, section: str) -> None:
    from workspace_guard import trust_root

    git(clone, "remote", "set-head", "origin", "--delete")
    config = clone / ".git/config"
    config.write_text(config.read_text() + section)
    fast = trust_root.read_config(str(clone / ".git"), str(clone))
    slow = trust_root._git_config(str(clone))
    assert fast["workspace-guard.rulesref"] == slow["workspace-guard.rulesref"]
    assert fast["workspace-guard.rulesref"] == "refs/remotes/origin/main"
    sneak_rules(clone, grant((clone / RULES).read_text()))
    assert not allowed(clone)


def test_origin_head_pointing_at_a_local_branch_is_not_an_upstream(clone: Path) -> None:
    sneak_rules(clone, grant((clone / RULES).read_text()))
    git(clone, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/heads/main")
    assert not allowed(clone)  # main's upstream (origin/main) still decides


def test_post_tool_use_records_only_what_the_trusted_rules_allow(clone: Path) -> None:
    """The after-tool event decides with the same trusted rules: a write the sneaked rules
    would grant is not recorded as allowed in the provenance ledger."""
    sneak_rules(clone, grant((clone / RULES).read_text()))
    (clone / "app/main.py").write_text("mine\n")
    event = {
        "session_id": "s1",
        "cwd": str(clone),
        "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": str(clone / "app/main.py"), "content": "mine\n"},
        "agent_id": "a1",
        "agent_type": AGENT,
    }
    proc = run_cli(clone, "hook", "claude", input=json.dumps(event).encode())
    assert proc.returncode == 0, proc.stderr
    ledger = clone / ".git/workspace-guard/ledger.jsonl"
    assert not ledger.exists() or "app/main.py" not in ledger.read_text()

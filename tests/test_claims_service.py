"""Scripts outside any harness (a CI job, cron) claim as a service the rules name
(`harness: services`, `claim --as-service NAME`): no terminal and no harness needed, but the name
must be committed in the rules, a harness's process is refused, a service releases only its own
claims and breaks none, and every refusal is audited. Real CLI and hook processes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import BIN, EXAMPLE_RULES, make_workspace, run_cli, run_tty
from helpers.harness import claude_event, denied, harness_shell, hook

A = "backend-framework-ai"
SERVICE = "release-bot"
FREE = "app/models/order.py"


def service_workspace(tmp_path: Path, services: str = f"[{SERVICE}]") -> Path:
    rules = EXAMPLE_RULES.read_text().replace(
        "harness:\n", f"harness:\n  services: {services}\n", 1
    )
    return make_workspace(tmp_path / "ws", rules)


def script(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`workspace-guard ARGS` as a CI job runs it: no terminal, no harness in the environment."""
    from workspace_guard.commands.speaker import HARNESS_ENV

    env = {k: v for k, v in os.environ.items() if k not in HARNESS_ENV}
    return subprocess.run(
        [str(BIN / "workspace-guard"), *args],
        cwd=ws,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )


def holders(ws: Path) -> list[str]:
    return [str(c["agent"]) for c in json.loads(run_cli(ws, "claims", "--format", "json").stdout)]


def audit(ws: Path) -> list[dict[str, object]]:
    path = ws / ".git/workspace-guard/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_ci_job_claims_as_a_service_and_agents_are_held_off(tmp_path: Path) -> None:
    ws = service_workspace(tmp_path)
    made = script(ws, "claim", FREE, "--as-service", SERVICE, "--ttl", "10m")
    assert made.returncode == 0, made.stderr
    assert holders(ws) == [f"service:{SERVICE}"]
    edit = claude_event(ws, "Edit", {"file_path": str(ws / FREE), "old_string": "a"}, A)
    reason = denied(hook(ws, "claude", edit))
    assert reason is not None and f"service:{SERVICE}" in reason
    [record] = [r for r in audit(ws) if r.get("layer") == "claims"]
    assert record["action"] == "claimed" and record["via"] == "service"
    gone = script(ws, "release", "--all", "--as-service", SERVICE)
    assert gone.returncode == 0, gone.stderr
    assert holders(ws) == []


def test_a_service_releases_only_its_own_and_breaks_none(tmp_path: Path) -> None:
    ws = service_workspace(tmp_path)
    assert run_tty(ws, "claim", FREE, "--agent", A).returncode == 0
    proc = script(ws, "release", FREE, "--as-service", SERVICE)
    assert proc.returncode == 1 and "no matching claim" in proc.stderr
    forced = script(ws, "release", FREE, "--as-service", SERVICE, "--break")
    assert forced.returncode == 2 and "--break" in forced.stderr
    assert holders(ws) == [A]
    clash = script(ws, "claim", FREE, "--as-service", SERVICE)
    assert clash.returncode == 1 and A in clash.stderr
    assert holders(ws) == [A]


def test_refused_under_a_harness_for_unknown_names_and_with_agent(tmp_path: Path) -> None:
    ws = service_workspace(tmp_path)
    under = harness_shell(ws, f"workspace-guard claim {FREE} --as-service {SERVICE}")
    assert under.returncode == 1 and "CLAUDECODE" in under.stderr, under.stderr
    unknown = script(ws, "claim", FREE, "--as-service", "nightly")
    assert unknown.returncode == 1 and "harness: services" in unknown.stderr
    both = script(ws, "claim", FREE, "--as-service", SERVICE, "--agent", A)
    assert both.returncode == 2
    assert holders(ws) == []
    refusals = [r for r in audit(ws) if r.get("layer") == "identity"]
    assert [(r["why"], r["claimed_by"]) for r in refusals] == [
        ("harness", f"service:{SERVICE}"),
        ("unknown", "service:nightly"),
    ]
    # without `--as-service` nothing changed: no terminal and no harness is still refused
    plain = script(ws, "claim", FREE, "--agent", A)
    assert plain.returncode == 1 and "stdin is not a terminal" in plain.stderr


def test_a_rules_file_without_services_has_none(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    proc = script(ws, "claim", FREE, "--as-service", SERVICE)
    assert proc.returncode == 1 and holders(ws) == []


def test_a_bad_service_name_is_a_rules_error(tmp_path: Path) -> None:
    ws = service_workspace(tmp_path, services='["ok-bot", "no way"]')
    proc = run_cli(ws, "lint")
    assert proc.returncode != 0 and "'no way' is not a service name" in proc.stdout + proc.stderr

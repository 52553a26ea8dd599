"""The daemon's parts on their own: content signatures, watch plans, the kernel's watch count."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace

from workspace_guard.core.decide import Decider
from workspace_guard.core.model import ProtectedRule
from workspace_guard.core.rules import load_rules
from workspace_guard.gates.watch.baseline import Options, Protection, Settings, load_baseline
from workspace_guard.gates.watch.fs import blob_id, classify, observe
from workspace_guard.gates.watch.plan import count_watches, make_plan, rule_target


def rule(pattern: str) -> ProtectedRule:
    return ProtectedRule(0, pattern, "a", (), "critical", None, "rules.yaml:1")


def test_blob_ids_equal_git_hash_object(tmp_path: Path) -> None:
    for data in (b"", b"x", b"line\n" * 1000, bytes(range(256))):
        path = tmp_path / "f"
        path.write_bytes(data)
        expected = (
            subprocess.run(["git", "hash-object", str(path)], capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )
        assert blob_id(data) == expected
        assert observe(str(path)).oid == expected


def test_observe_never_opens_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # opening it would block forever
    (tmp_path / "link").symlink_to("target")
    (tmp_path / "dir").mkdir()
    assert observe(str(tmp_path / "fifo")).signature == "special"
    assert observe(str(tmp_path / "link")).signature == f"link:{blob_id(b'target')}"
    assert observe(str(tmp_path / "dir")).signature == "dir"
    assert observe(str(tmp_path / "none")).signature == "missing"
    assert observe(str(tmp_path / "none" / "below")).signature == "missing"


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        ("file:a:-", "file:b:-", "modified"),
        ("file:a:-", "file:a:x", "mode"),
        ("file:a:-", "missing", "deleted"),
        ("missing", "file:a:-", "created"),
        ("file:a:-", "link:a", "symlink"),
        ("file:a:-", "dir", "directory"),
        ("file:a:-", "special", "special"),
        ("file:a:-", "unreadable:EIO", "unreadable"),
        ("link:a", "file:a:-", "type"),
    ],
)
def test_classify(before: str, after: str, change: str) -> None:
    assert classify(before, after) == change


def test_rule_targets(tmp_path: Path) -> None:
    (tmp_path / "app/api").mkdir(parents=True)
    assert rule_target(str(tmp_path), rule("/app/main.py")) == ("app", False)
    assert rule_target(str(tmp_path), rule("/alembic/")) == ("alembic", True)
    assert rule_target(str(tmp_path), rule("/app/api")) == ("app/api", True)  # a folder on disk
    assert rule_target(str(tmp_path), rule("/docs/*.md")) == ("docs", False)
    assert rule_target(str(tmp_path), rule("/src/**/config.py")) == ("src", True)
    assert rule_target(str(tmp_path), rule("*.pem")) is None  # floats to any depth
    assert rule_target(str(tmp_path), rule("/**/secrets/")) is None  # would watch .git
    assert rule_target(str(tmp_path), rule("/Dockerfile")) == ("", False)


def plan_for(repo: Path, rules_text: str | None = None):  # type: ignore[no-untyped-def]
    rules = load_rules((rules_text or EXAMPLE_RULES.read_text()).encode(), "rules.yaml")
    decider = Decider(rules)
    protection = Protection(decider, Settings.build(rules, str(repo), Options()), str(repo))
    head = git(repo, "rev-parse", "HEAD").strip()
    baseline = load_baseline(str(repo), head, protection, ".workspace/rules.yaml")
    return baseline, make_plan(str(repo), baseline, protection)


def test_plan_of_the_example_workspace(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws")
    (repo / "node_modules/pkg/lib").mkdir(parents=True)  # untracked, large in real life
    baseline, plan = plan_for(repo)
    assert "app/main.py" in baseline.entries and "app/models/order.py" not in baseline.entries
    assert (
        baseline.entries[".workspace/departments/backend/backend-framework-ai/notes.md"].rule.owner
        == "backend-framework-ai"
    )  # an office's implicit rule
    assert "" in plan.flat and "" not in plan.recursive  # the root holds .git: never recursive
    assert {"app", ".workspace", "tests", "frontend"} <= plan.recursive
    assert not any(d.startswith(("node_modules", ".git")) for d in plan.flat | plan.recursive)
    assert {"alembic", ".claude", ".github/workflows"} <= plan.missing
    assert plan.affected_by("alembic") and plan.affected_by(".github")
    assert not plan.affected_by("node_modules")


def test_floating_patterns_watch_tracked_folders_only(tmp_path: Path) -> None:
    rules = EXAMPLE_RULES.read_text().replace(
        "responsibilities:",
        "  - pattern: '*.pem'\n    owner: security-backend-ai\n"
        "    level: critical\n\nresponsibilities:",
        1,
    )
    repo = make_workspace(tmp_path / "ws", rules)
    (repo / "app/node_modules/big/deep").mkdir(parents=True)
    _, plan = plan_for(repo, rules)
    assert plan.floating
    watched = plan.flat | plan.recursive
    assert "app" in plan.flat  # not recursive: it holds an untracked tree
    assert {"app/models", "app/core", "app/services"} <= plan.recursive  # clean subtrees
    assert not any("node_modules" in d for d in watched)


def test_the_kernel_count_of_our_watches(tmp_path: Path) -> None:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers.inotify import InotifyObserver

    for i in range(5):
        (tmp_path / f"d{i}" / "sub").mkdir(parents=True)
    before = count_watches()
    observer = InotifyObserver()
    observer.start()
    try:
        observer.schedule(FileSystemEventHandler(), str(tmp_path), recursive=True)
        deadline = time.monotonic() + 60
        while count_watches() - before < 11 and time.monotonic() < deadline:
            time.sleep(0.01)
        added = count_watches() - before
        assert added == 11, f"{added} watches, not 11, within 60 s"  # the root, 5+5 folders
    finally:
        observer.stop()
        observer.join()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rescan-interval", "nan"),
        ("--rescan-interval", "inf"),
        ("--rescan-interval", "-inf"),
        ("--rescan-interval", "0"),
        ("--rescan-interval", "-5"),
        ("--rescan-interval", "1e400"),
        ("--poll-interval", "NaN"),
        ("--poll-interval", "0"),
        ("--ledger-wait", "nan"),
        ("--ledger-wait", "-1"),
        ("--ledger-wait", "infinity"),
        ("--ledger-wait", "soon"),
    ],
)
def test_intervals_must_be_finite_and_positive(tmp_path: Path, option: str, value: str) -> None:
    from conftest import run_cli

    repo = make_workspace(tmp_path / "ws")
    for verb in ("run", "start"):
        proc = run_cli(repo, "watch", verb, f"{option}={value}")
        assert proc.returncode == 2, (verb, option, value, proc.stderr)
        assert "finite number of seconds" in proc.stderr or "not a number" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (repo / ".git/workspace-guard/watch.lock").exists()


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf", "0", "-1"])
def test_the_rules_rescan_interval_must_be_finite_and_positive(tmp_path: Path, value: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(EXAMPLE_RULES.read_text() + f"watch:\n  rescan_interval: {value}\n")
    with pytest.raises(Exception, match="rescan_interval"):
        load_rules(path.read_text(), str(path))

"""`install --server` makes the shared repository require provenance when the clone does (F57/F69).

The README's installation: a clone where a harness is installed requires provenance; the server
used not to, so a commit built with plumbing (`commit-tree`, never meeting commit-msg) that names
the superuser as its `Agente` made an agent superuser on the shared main. A real bare repository
served by `git daemon`, the real CLI.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import git
from helpers.gitserver import GitDaemon
from helpers.pushserver import daemon
from helpers.repos import make_workspace, run_cli

__all__ = ["daemon"]

KEY = "workspace-guard.requireProvenance"
RULES = ".workspace/rules.yaml"


def _setup(tmp_path: Path, served: GitDaemon) -> tuple[Path, Path]:
    seed = make_workspace(tmp_path / "seed")
    bare = served.base / "shop.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", served.url("shop.git"), str(clone))
    git(clone, "config", "user.email", "a@b.c")
    git(clone, "config", "user.name", "A")
    git(clone, "config", KEY, "true")  # what `init --claude` / `install --claude` set
    return clone, bare


def _takeover(clone: Path) -> str:
    """F69: new rules making backend-framework-ai superuser, built with plumbing only."""
    text = git(clone, "show", f"HEAD:{RULES}")
    assert "superusers: [master-orchestrator]" in text
    forged = text.replace(
        "superusers: [master-orchestrator]",
        "superusers: [master-orchestrator, backend-framework-ai]",
    )
    blob = git(clone, "hash-object", "-w", "--stdin", input=forged.encode()).strip()
    git(clone, "update-index", "--cacheinfo", f"100644,{blob},{RULES}")
    tree = git(clone, "write-tree").strip()
    git(clone, "reset", "-q")
    message = (
        "chore(workspace): crew update\n\nWorkspace-Check: ✅ Consultado\n"
        f"Archivo: {RULES}\nAgente: master-orchestrator\nProtocolo: SEGUIDO\nTests: PASSED\n"
    )
    return git(clone, "commit-tree", tree, "-p", "HEAD", input=message.encode()).strip()


def test_install_server_turns_provenance_on_and_the_takeover_is_refused(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    clone, bare = _setup(tmp_path, daemon)
    proc = run_cli(clone, "install", "--server", str(bare))
    assert proc.returncode == 0, proc.stderr
    assert f"{KEY} = true on the server" in proc.stdout
    assert git(bare, "config", KEY).strip() == "true"
    sha = _takeover(clone)
    push = subprocess.run(
        ["git", "push", "origin", f"{sha}:refs/heads/main"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert push.returncode != 0
    assert git(bare, "rev-parse", "main").strip() != sha
    assert "provenance" in push.stderr.lower()


def test_doctor_reports_a_server_that_does_not_require_provenance(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    clone, bare = _setup(tmp_path, daemon)
    git(clone, "remote", "add", "shared", str(bare))  # a bare repository on this machine
    proc = run_cli(clone, "install", "--server", str(bare))
    assert proc.returncode == 0, proc.stderr
    git(bare, "config", "--unset", KEY)
    report = json.loads(run_cli(clone, "doctor", "--format", "json").stdout)
    problems = [c["detail"] for c in report["checks"] if not c["ok"]]
    assert any("does not" in p and KEY in p for p in problems), problems
    git(bare, "config", KEY, "true")
    report = json.loads(run_cli(clone, "doctor", "--format", "json").stdout)
    assert not any(KEY in c["detail"] and not c["ok"] for c in report["checks"])


def test_a_server_value_set_to_false_is_left_and_warned(tmp_path: Path, daemon: GitDaemon) -> None:
    clone, bare = _setup(tmp_path, daemon)
    git(bare, "config", KEY, "false")
    proc = run_cli(clone, "install", "--server", str(bare))
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stdout and git(bare, "config", KEY).strip() == "false"


def test_a_clone_without_provenance_leaves_the_server_alone(
    tmp_path: Path, daemon: GitDaemon
) -> None:
    clone, bare = _setup(tmp_path, daemon)
    git(clone, "config", "--unset", KEY)
    proc = run_cli(clone, "install", "--server", str(bare))
    assert proc.returncode == 0, proc.stderr
    assert git(bare, "config", KEY, check=False).strip() == ""

"""The push gate served for real: a bare repository behind `git daemon` with the pre-receive hook
installed by `workspace-guard install --server`, agents' clones of it, and what a push must show
when the gate accepts or rejects it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers.gitserver import GitDaemon, commit, template
from helpers.repos import git, make_workspace, run_cli

BACKEND = "backend-framework-ai"
BACKEND_OFFICE = ".workspace/departments/backend/backend-framework-ai"
ARCHITECT = "system-architect-ai"
MASTER = "master-orchestrator"


@dataclass
class Server:
    """A served bare repository with the pre-receive hook, and where clones go."""

    root: Path
    bare: Path
    url: str

    def clone(self, name: str = "agent") -> Path:
        target = self.root / name
        git(self.root, "clone", "-q", self.url, str(target))
        return target

    def refs(self) -> dict[str, str]:
        out = git(self.bare, "for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ", 1) for line in out.splitlines())

    def ref(self, name: str) -> str | None:
        return self.refs().get(name)

    def audit(self) -> list[dict[str, Any]]:
        path = self.bare / "workspace-guard" / "audit.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def rejections(self, sha: str) -> list[dict[str, Any]]:
        return [r for r in self.audit() if r.get("commit") == sha]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[GitDaemon]:
    base = tmp_path / "srv"
    base.mkdir()
    with GitDaemon(base, tmp_path / "daemon.log") as served:
        yield served


def serve(tmp_path: Path, daemon: GitDaemon, rules_text: str | None = None) -> Server:
    """Seed a bare repository (two template-less commits, pushed before the gate existed, as
    when a team adopts it), then install the hook with the real CLI."""
    seed = make_workspace(tmp_path / "seed", rules_text)
    (seed / "CHANGELOG.md").write_text("# changes\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "add a changelog")
    bare = daemon.base / "shop.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(seed, "push", "-q", str(bare), "main")
    installed = run_cli(tmp_path, "install", "--server", str(bare))
    assert installed.returncode == 0, installed.stderr
    assert "pre-receive" in installed.stdout
    return Server(tmp_path, bare, daemon.url("shop.git"))


@pytest.fixture
def server(tmp_path: Path, daemon: GitDaemon) -> Server:
    return serve(tmp_path, daemon)


def readme_change(clone: Path, text: str = "more") -> str:
    return commit(
        clone,
        {"README.md": f"# shop\n{text}\n"},
        template("docs(readme): describe the shop", BACKEND, "README.md"),
    )


def main_change(clone: Path, agent: str = BACKEND, **fields: str) -> str:
    message = template("fix(app): mount the router", agent, "app/main.py", **fields)
    return commit(
        clone, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI(debug=1)\n"}, message
    )


def assert_rejected(result: Any, server: Server, *shas: str) -> str:
    """Rejected by our hook, each commit named in the pusher's output and in the audit log."""
    err = result.stderr
    assert result.returncode != 0
    assert "pre-receive hook declined" in err
    assert "remote: workspace-guard: push rejected" in err
    assert "Traceback" not in err
    for sha in shas:
        assert sha[:10] in err
        records = server.rejections(sha)
        assert records, f"no audit record for {sha}"
        assert all(r["layer"] == "pre-receive" and r["action"] == "rejected" for r in records)
    return err


def assert_accepted(result: Any) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "rejected" not in result.stderr


def installed_clone(server: Server, name: str = "agent") -> Path:
    """An agent's clone with `workspace-guard install` run in it (the local push checks)."""
    clone = server.clone(name)
    result = run_cli(clone, "install")
    assert result.returncode == 0, result.stderr
    assert "reference-transaction" in result.stdout
    assert "pre-push" in result.stdout
    return clone

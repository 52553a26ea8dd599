"""Commits through the installed hooks as a user makes them: the mandated message, real `git
commit`, and what a refused commit must leave untouched (HEAD, the message file's bytes)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from helpers.repos import git, run_cli

OWNER = "system-architect-ai"  # owns app/main.py (critical), backup solution-architect-ai
AGENT = "backend-framework-ai"
MAIN = "app/main.py"
ENDPOINT = "app/api/v1/endpoints/products.py"  # high, owner api-architect-ai


def template(
    subject: str = "feat(api): change the application",
    *,
    files: str = "README.md",
    agent: str = AGENT,
    protocol: str = "SEGUIDO",
    approved_by: str | None = None,
    tests: str = "PASSED",
    english: bool = False,
    body: str | None = None,
) -> str:
    """The seed's mandated message (Spanish keys, or their English aliases)."""
    keys = (
        ("File", "Agent", "Protocol", "Approved-by")
        if english
        else ("Archivo", "Agente", "Protocolo", "Aprobado-por")
    )
    lines = [subject, ""]
    if body is not None:
        lines += [body, ""]
    lines += [
        "Workspace-Check: ✅ Consultado",
        f"{keys[0]}: {files}",
        f"{keys[1]}: {agent}",
        f"{keys[2]}: {protocol}",
    ]
    if approved_by:
        lines.append(f"{keys[3]}: {approved_by}")
    lines.append(f"Tests: {tests}")
    return "\n".join(lines) + "\n"


class Result:
    """A finished `git commit`: exit code, output, and the violation ids the hooks printed."""

    def __init__(self, proc: subprocess.CompletedProcess[bytes]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        assert "Traceback" not in self.stderr, self.stderr
        assert "internal error" not in self.stderr, self.stderr

    @property
    def ids(self) -> list[str]:
        return re.findall(r"✗ \[([a-z-]+)\]", self.stderr)

    @property
    def warnings(self) -> list[str]:
        return re.findall(r"warning \[([a-z-]+)\]", self.stderr)

    def __repr__(self) -> str:
        return f"<Result rc={self.returncode} stderr={self.stderr!r}>"


def trailers(agent: str, path: str, protocol: str = "SEGUIDO") -> list[str]:
    """The mandated trailers as `git commit --trailer` arguments."""
    return [
        *("--trailer", "Workspace-Check: ✅ Consultado"),
        *("--trailer", f"Archivo: {path}"),
        *("--trailer", f"Agente: {agent}"),
        *("--trailer", f"Protocolo: {protocol}"),
        *("--trailer", "Tests: PASSED"),
    ]


def trailer_commit(
    cwd: Path, subject: str, agent: str, path: str, *, editor: bool = False
) -> subprocess.CompletedProcess[str]:
    """`git commit -m SUBJECT` with the mandated trailers (pre-commit steps aside); with
    `editor`, an editor "opens" (`-e`, and the agent in WORKSPACE_AGENT: pre-commit reads the
    rules and previews what the agent needs)."""
    env = {**os.environ, "GIT_EDITOR": "true", "WORKSPACE_AGENT": agent} if editor else None
    return subprocess.run(
        ["git", "commit", "-q", *(["-e"] if editor else []), "-m", subject, *trailers(agent, path)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def run_git(
    repo: Path, *args: str, env: dict[str, str] | None = None, input: bytes | None = None
) -> Result:
    """Any git command as the user types it, with extra environment."""
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        input=input,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return Result(proc)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def commit(
    repo: Path, message: str | bytes, *args: str, env: dict[str, str] | None = None
) -> Result:
    """`git commit -q -F FILE ARGS`, FILE written outside the repository; checks that a refused
    commit changed nothing: HEAD stays, and the message file keeps its exact bytes."""
    raw = message.encode("utf-8") if isinstance(message, str) else message
    msg = repo.parent / f"message-{len(list(repo.parent.glob('message-*')))}.txt"
    msg.write_bytes(raw)
    before = head(repo) if git(repo, "rev-parse", "-q", "--verify", "HEAD", check=False) else None
    result = run_git(repo, "commit", "-q", "-F", str(msg), *args, env=env)
    assert msg.read_bytes() == raw, "the message file was modified"
    if result.returncode != 0:
        now = head(repo) if before else None
        assert now == before, "a refused commit moved HEAD"
    return result


def change(repo: Path, rel: str, text: str = "# changed\n") -> None:
    """Append to (or create) a file and stage it."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
    git(repo, "add", "--", rel)


def subject_of(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%s", rev).strip()


def install(repo: Path) -> None:
    proc = run_cli(repo, "install")
    assert proc.returncode == 0, proc.stderr


def audit_records(repo: Path) -> list[dict[str, object]]:
    path = repo / ".git" / "workspace-guard" / "audit.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    # install's announcements of its own config writes (state/announce) are not verdicts
    return [r for r in records if r.get("layer") != "install"]

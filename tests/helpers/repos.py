"""Real git repositories and real processes: `git`, the console scripts, the example workspace."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from workspace_guard.demo.tree import APP_TREE  # the demo's tree is the tests' too

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE_RULES = ROOT / "rules" / "example.yaml"
BIN = Path(sys.executable).parent
RULES = ".workspace/rules.yaml"


def git(cwd: Path | str, *args: str, check: bool = True, input: bytes | None = None) -> str:
    """Run real git; return stdout."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, input=input, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "replace")


def _decoded(proc: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def run_cli(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    prog: str = "workspace-guard",
) -> subprocess.CompletedProcess[str]:
    """Run an installed console script as a user would (a real process); output decoded."""
    proc = subprocess.run(
        [str(BIN / prog), *args],
        cwd=cwd,
        capture_output=True,
        input=input,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return _decoded(proc)


def run_tty(
    cwd: Path | str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`workspace-guard ARGS` as a person types it: stdin on a terminal and no harness identity
    in the environment (commands/speaker: how `approve --by` and `claim --agent` know who
    speaks)."""
    return run_typed([str(BIN / "workspace-guard"), *args], cwd, env=env)


def person_env(
    env: dict[str, str] | None = None, base: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a person's shell (`base`, default ours, without harness identity:
    commands/speaker), updated with `env`."""
    from workspace_guard.commands.speaker import HARNESS_ENV

    whole = os.environ if base is None else base
    return {**{k: v for k, v in whole.items() if k not in HARNESS_ENV}, **(env or {})}


def run_typed(
    argv: list[str],
    cwd: Path | str,
    env: dict[str, str] | None = None,
    base: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`argv` (e.g. under strace) with stdin on a terminal and no harness identity."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            stdin=slave,
            capture_output=True,
            env=person_env(env, base),
            check=False,
        )
    finally:
        os.close(slave)
        os.close(master)
    return _decoded(proc)


def make_workspace(path: Path, rules_text: str | None = None, *, commit: bool = True) -> Path:
    """A repository with the example rules and a small app tree, committed."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for rel, content in APP_TREE.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    rules = path / RULES
    rules.write_text(rules_text if rules_text is not None else EXAMPLE_RULES.read_text())
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "chore(workspace): initial workspace")
    return path


def installed_workspace(path: Path, templates: Path) -> Path:
    """`make_workspace` with `workspace-guard install` run in it, as a copy of one built per test
    process under `templates` (a session's temporary folder): install starts Python, which costs
    more than the rest of the test it serves. The copy is the same repository: install writes
    only inside `.git` (its hooks and config), and nothing there names the repository's path;
    the index is refreshed so that git and the index readers find the files unchanged."""
    template = templates / "installed-workspace"
    if not template.exists():
        build = make_workspace(templates / f"installed-workspace.{os.getpid()}.tmp")
        proc = run_cli(build, "install")
        assert proc.returncode == 0, proc.stderr
        build.rename(template)
    shutil.copytree(template, path, symlinks=True)
    git(path, "update-index", "-q", "--refresh")
    return path


def unadopted_workspace(path: Path) -> Path:
    """The app tree committed without any rules: a repository before adoption."""
    plain = make_workspace(path, rules_text="", commit=False)
    (plain / RULES).unlink()
    git(plain, "add", "-A")
    git(plain, "commit", "-q", "-m", "chore: before adoption")
    return plain


@contextlib.contextmanager
def inside(path: Path) -> Iterator[Path]:
    """`path` as the current directory for the block; the previous one is back after it."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield path
    finally:
        os.chdir(old)


def shared_clone(origin: Path, base: Path) -> Path:
    """`origin` published as the bare `base/server.git`, and an agent's clone of it (`base/clone`)."""
    server = base / "server.git"
    git(base, "clone", "-q", "--bare", str(origin), str(server))
    work = base / "clone"
    git(base, "clone", "-q", str(server), str(work))
    return work


def craft_commit(repo: Path, message: bytes) -> str:
    """A commit object with raw message bytes, on top of HEAD (git commit would transcode
    them), written with `git hash-object`; HEAD moves to it."""
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    parent = git(repo, "rev-parse", "HEAD").strip()
    who = b"Test Agent <agent@example.com> 1700000000 +0000"
    body = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\n" % (
        tree.encode(),
        parent.encode(),
        who,
        who,
    )
    sha = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=body + message).strip()
    git(repo, "update-ref", "HEAD", sha)
    return sha

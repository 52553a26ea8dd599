"""The one module that runs git for per-call work (subprocess, NUL-separated output).

Long-lived processes (daemon, push gate) may use GitPython through `workspace_guard.gitbatch`;
everything a hook does on its hot path goes through here, so its cost stays one or two execs.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from workspace_guard.errors import GitError


def run(
    args: Sequence[str],
    cwd: str | None = None,
    *,
    input: bytes | None = None,  # noqa: A002 - mirrors subprocess
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS`; with `check`, a failure raises `GitError` carrying git's own message."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH", hint="install git ≥ 2.30") from exc
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"`git {' '.join(args[:3])}` failed: {message}")
    return proc


def out(args: Sequence[str], cwd: str | None = None) -> str:
    """Standard output of a git command that must succeed, decoded, stripped."""
    return run(args, cwd).stdout.decode("utf-8", "surrogateescape").strip()


def zsplit(data: bytes) -> list[str]:
    """NUL-separated git output → paths (undecodable bytes kept as surrogates, never lost)."""
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


@dataclass(frozen=True)
class RepoInfo:
    """Where a repository lives, from one `git rev-parse` call."""

    root: str | None  # worktree top level; None for a bare repository
    common_dir: str  # absolute; holds the state directory (shared by linked worktrees)
    git_dir: str  # absolute
    bare: bool
    prefix: str  # cwd relative to the root ("" at the top), without trailing "/"
    rules_blob: str | None  # blob id of the rules file at HEAD, when asked for and present
    has_head: bool


def repo_info(cwd: str, rules_path: str | None = None) -> RepoInfo:
    """Describe the repository containing `cwd`; optionally the rules blob at HEAD (same exec)."""
    args = ["rev-parse", "--is-bare-repository", "--git-common-dir", "--absolute-git-dir"]
    args += ["--show-prefix", "--show-toplevel"]
    spec = f"HEAD:{rules_path}" if rules_path else "HEAD"
    args.append(spec)
    proc = run(args, cwd, check=False)
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 and "not a git repository" in err:
        raise GitError(
            f"not a git repository: {cwd}",
            hint="run this inside the repository (or `git init` first)",
        )
    if len(lines) < 4:
        raise GitError(f"cannot read the repository at {cwd}: {err.strip()}")
    bare = lines[0] == "true"
    common_dir = os.path.normpath(os.path.join(cwd, lines[1]))
    prefix = lines[3].rstrip("/")
    root = None if bare or len(lines) < 5 else lines[4]
    has_head = "invalid object name 'HEAD'" not in err and "bad revision 'HEAD'" not in err
    rev = lines[5] if len(lines) > 5 and proc.returncode == 0 else ""
    blob = rev if rules_path and len(rev) >= 40 else None
    return RepoInfo(root, common_dir, lines[2], bare, prefix, blob, has_head)


def cat_blob(blob: str, cwd: str) -> bytes:
    """The content of a blob (or `REV:PATH`)."""
    return run(["cat-file", "blob", blob], cwd).stdout


def ls_files(cwd: str) -> list[str]:
    """Every tracked path of the worktree (index), NUL-safe."""
    return zsplit(run(["ls-files", "-z", "--full-name"], cwd).stdout)


def config_get(key: str, cwd: str, default: str | None = None) -> str | None:
    """A git config value, or `default` when unset."""
    proc = run(["config", "--get", key], cwd, check=False)
    if proc.returncode != 0:
        return default
    return proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")

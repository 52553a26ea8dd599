"""The hooks through the real pre-commit framework (https://pre-commit.com).

The hook source is a git repository holding a snapshot of this working tree (what a user would
get from a tag), named in a test repository's `.pre-commit-config.yaml` by `repo:` and `rev:`.
pre-commit builds the hook environment with pip, so this needs PyPI (available here and in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, ROOT, git
from helpers.commits import AGENT, MAIN, OWNER, change, commit, template

pytestmark = pytest.mark.slow

CONFIG = """\
default_install_hook_types: [pre-commit, commit-msg]
repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: workspace-guard-commit-msg
      - id: workspace-guard-pre-commit
"""


def snapshot(source: Path, target: Path, env: dict[str, str]) -> str:
    """A git repository holding `source`'s tracked and untracked-not-ignored files; its HEAD."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir(parents=True)
    for name in sorted({n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n}):
        src, dst = source / name, target / name
        if not os.path.lexists(src):  # deleted in the working tree, still in the index
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)  # resources/ holds symlinks: keep them
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=target, env=env, check=True, capture_output=True)
    return git(target, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the module: pre-commit caches it by repo and rev."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("hook-source")
    (base / "gitconfig").write_text("[commit]\n\tgpgsign = false\n")
    # a module fixture runs before the per-test isolation: isolate this git by hand
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(base / "gitconfig"),
        "GIT_TEMPLATE_DIR": str(base / "no-templates"),
        "GIT_AUTHOR_NAME": "snap",
        "GIT_AUTHOR_EMAIL": "s@example.com",
        "GIT_COMMITTER_NAME": "snap",
        "GIT_COMMITTER_EMAIL": "s@example.com",
    }
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    target = base / "workspace-guard"
    return target, snapshot(ROOT, target, env)


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def framework_repo(
    workspace: Path,
    hook_source: tuple[Path, str],
    pre_commit_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    source, rev = hook_source
    (workspace / ".pre-commit-config.yaml").write_text(CONFIG.format(repo=source, rev=rev))
    git(workspace, "add", ".pre-commit-config.yaml")
    git(workspace, "commit", "-q", "--no-verify", "-m", "ci(hooks): use the pre-commit framework")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    proc = pre_commit(workspace, pre_commit_home, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pre-commit installed at .git/hooks/pre-commit" in proc.stdout
    assert "pre-commit installed at .git/hooks/commit-msg" in proc.stdout
    proc = pre_commit(workspace, pre_commit_home, "install-hooks")  # builds the env (pip)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return workspace


def test_the_framework_runs_both_hooks(framework_repo: Path) -> None:
    repo = framework_repo
    change(repo, "README.md")
    result = commit(repo, template())
    assert result.returncode == 0, result
    output = result.stdout + result.stderr
    assert "workspace-guard (commit template and ownership)" in output
    assert "Passed" in output

    change(repo, "README.md")
    result = commit(repo, "no template\n")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "[subject-format]" in output and "[field-missing]" in output
    assert "Failed" in output

    change(repo, MAIN)
    result = commit(repo, template(files=MAIN))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "[approval-missing]" in output
    approved = template(files=MAIN, protocol="APROBACIÓN_OBTENIDA", approved_by=OWNER)
    assert commit(repo, approved).returncode == 0


def test_the_framework_pre_commit_hook_checks_the_agent(framework_repo: Path) -> None:
    repo = framework_repo
    change(repo, "README.md")
    result = commit(repo, template(), env={"WORKSPACE_AGENT": "ghost-ai"})
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "workspace-guard (staged paths of the acting agent)" in output
    assert "unknown agent 'ghost-ai'" in output
    result = commit(repo, template(), env={"WORKSPACE_AGENT": AGENT})
    assert result.returncode == 0, result


def test_the_manifest_is_valid() -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

"""Hard links (ATTACK F40): a hard link is the same file under another name, so once
`ln app/main.py office/h` exists (made by an earlier call, a script, anyone), a write of
`office/h` — or of `/tmp/h` outside the repository — rewrites `app/main.py`. The gate counts a
write of a multiply-linked file as a write of every tracked file sharing its inode, and making
a link (hard or symbolic) as a write of what it links to. Real hook processes, a real
workspace, links made on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import bash_denied, denied, pre_tool

OFF = ".workspace/departments/backend/backend-framework-ai"
OWNER = "system-architect-ai"  # owns app/main.py in the example rules


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("hardlinks")
    repo = make_workspace(top / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    os.link(repo / "app/main.py", office / "h")  # made earlier, however
    (office / "sub").mkdir()
    os.link(repo / "app/models/user.py", office / "sub/deep.py")
    os.link(repo / "app/core/config.py", top / "outside")  # outside the repository
    os.link(repo / "README.md", office / "readme")  # an unprotected file's second name
    (office / "notes.md").write_text("mine\n")
    return repo


def _file_denied(
    ws: Path, tool: str, path: Path, agent: str = "backend-framework-ai"
) -> str | None:
    data: dict[str, object] = {"file_path": str(path), "content": "x"}
    if tool == "Edit":
        data = {"file_path": str(path), "old_string": "a", "new_string": "b"}
    return denied(pre_tool(ws, tool, data, agent))


WRITES_THROUGH = [
    (f"echo x > {OFF}/h", "app/main.py"),
    (f"echo x >> {OFF}/h", "app/main.py"),
    (f"printf x | tee {OFF}/h", "app/main.py"),
    (f"truncate -s 0 {OFF}/h", "app/main.py"),
    (f"dd if=/dev/zero of={OFF}/h bs=1 count=1 conv=notrunc", "app/main.py"),
    (f"sed -i s/a/b/ {OFF}/h", "app/main.py"),
    (f"sed -i s/a/b/ {OFF}/*", "app/main.py"),
    (f"sed -i s/a/b/ {OFF}/*/*.py", "app/models/user.py"),
    (f"find {OFF} -name '*.py' -exec sed -i s/a/b/ {{}} +", "app/models/user.py"),
    (f"cp /dev/null {OFF}/sub/deep.py", "app/models/user.py"),
    ("echo x > ../outside", "app/core/config.py"),
]


@pytest.mark.parametrize(("command", "path"), WRITES_THROUGH)
def test_a_write_through_a_hard_link_is_a_write_of_the_file(
    ws: Path, command: str, path: str
) -> None:
    reason = bash_denied(ws, command)
    assert reason is not None and path in reason, command


@pytest.mark.parametrize("tool", ["Write", "Edit"])
def test_file_tools_too_inside_and_outside_the_repository(ws: Path, tool: str) -> None:
    for path, rel in (
        (ws / OFF / "h", "app/main.py"),
        (ws.parent / "outside", "app/core/config.py"),
    ):
        reason = _file_denied(ws, tool, path)
        assert reason is not None and rel in reason, (tool, path)


def test_the_owner_may_write_through_it(ws: Path) -> None:
    assert bash_denied(ws, "echo x >> ../outside", agent=OWNER) is None
    assert _file_denied(ws, "Write", ws.parent / "outside", agent=OWNER) is None


@pytest.mark.parametrize(
    "command",
    [
        f"rm {OFF}/h",  # removes one name: the file stays whole
        f"cat {OFF}/h",
        f"echo x >> {OFF}/readme",  # a second name of an unprotected file
        f"echo x >> {OFF}/notes.md",
        f"sed -i s/a/b/ {OFF}/notes.md",
    ],
)
def test_what_does_not_reach_a_protected_file_stays_allowed(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is None, command


@pytest.mark.parametrize(
    "command",
    [
        f"ln app/main.py {OFF}/h2",
        f"link app/main.py {OFF}/h2",
        f"cp -l app/main.py {OFF}/h2",
        f"cp --link app/main.py {OFF}/h2",
        f"cp -al app {OFF}/app2",
        "ln app/main.py /tmp/h2",
        f"ln -t {OFF} app/main.py",
        f"ln -s ../../../../app {OFF}/d",
        f'ln -sfn "$PWD/app" {OFF}/d',
        f"ln -s {{}}/app/main.py {OFF}/m",
        f"cp -s {{}}/app/main.py {OFF}/m",
        f"nohup sh -c 'sleep 2; ln -sfn \"$PWD/app\" {OFF}/d' >/dev/null 2>&1 &",
        f"f=app/main.py; ln $f {OFF}/h3",
    ],
)
def test_making_a_link_to_a_protected_file_is_a_write_of_it(ws: Path, command: str) -> None:
    command = command.replace("{}", str(ws))
    assert bash_denied(ws, command) is not None, command


def test_a_link_to_an_unprotected_file_stays_allowed(ws: Path) -> None:
    assert bash_denied(ws, f"ln README.md {OFF}/r2") is None
    assert bash_denied(ws, f"ln -s ../../../../README.md {OFF}/r3") is None
    assert bash_denied(ws, "ln -s /usr/bin/python3 /tmp/py") is None


@pytest.fixture
def hidden(tmp_path: Path) -> Path:
    """Hard links to git's config and to the ledger given an office name (made however)."""
    repo = make_workspace(tmp_path / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    os.link(repo / ".git/config", office / "gc")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("x\n")
    os.link(outside, office / "ext")  # another name outside: none of git's, so the office's
    return repo


@pytest.mark.parametrize(
    "command",
    [
        f"printf '[core]\\n\\thooksPath = /dev/null\\n' >> {OFF}/gc",
        f"echo x > {OFF}/gc",
        f"sed -i s/a/b/ {OFF}/g?",
        f"sed -i s/a/b/ {OFF}/*",
    ],
)
def test_git_config_by_another_name_is_refused(hidden: Path, command: str) -> None:
    for agent in ("backend-framework-ai", "master-orchestrator"):  # a superuser too
        if ("*" in command or "?" in command) and agent == "master-orchestrator":
            continue  # a glob counts as every tracked file: judged, not refused outright
        assert bash_denied(hidden, command, agent=agent) is not None, (command, agent)
    assert "# hooksPath" not in (hidden / ".git/config").read_text()
    assert bash_denied(hidden, f"echo x >> {OFF}/ext") is None


@pytest.mark.parametrize("tool", ["Write", "Edit"])
def test_file_tools_may_not_write_git_config_by_another_name(hidden: Path, tool: str) -> None:
    for agent in ("backend-framework-ai", "master-orchestrator"):
        assert _file_denied(hidden, tool, hidden / OFF / "gc", agent=agent) is not None


def test_a_hooks_folder_in_the_work_tree_is_gits(tmp_path: Path) -> None:
    """husky's layout (ATTACK F72): `core.hooksPath = .husky/_`, the hooks in the work tree."""
    from helpers.repos import git

    repo = make_workspace(tmp_path / "ws")
    (repo / ".husky/_").mkdir(parents=True)
    (repo / ".husky/_/commit-msg").write_text("#!/bin/sh\n")
    git(repo, "config", "core.hooksPath", ".husky/_")
    for agent in ("backend-framework-ai", "master-orchestrator"):
        for command in (
            "rm -f .husky/_/commit-msg",
            "echo 'exit 0' > .husky/_/commit-msg",
            "rm -rf .husky",
            "cd .husky/_ && echo x > pre-push",
        ):
            assert bash_denied(repo, command, agent=agent) is not None, (command, agent)
        assert _file_denied(repo, "Write", repo / ".husky/_/commit-msg", agent=agent)
    assert bash_denied(repo, "echo x > .husky/notes.md") is None  # beside it: the rules decide


def test_a_hooks_folder_set_after_the_first_call_is_seen(tmp_path: Path) -> None:
    """One process (the resident hook server) across a change of `core.hooksPath`."""
    from helpers.repos import git

    from workspace_guard.gates.harness.gitdir import is_git_internal
    from workspace_guard.repo import Repo

    repo = make_workspace(tmp_path / "ws")
    target = str(repo / ".husky/_/commit-msg")
    assert not is_git_internal(Repo.discover(str(repo)), target)
    git(repo, "config", "core.hooksPath", ".husky/_")
    assert is_git_internal(Repo.discover(str(repo)), target)


@pytest.fixture
def unknown(tmp_path: Path) -> Path:
    """Hard links whose other names git's listing does not know: an untracked and an ignored
    file the rules protect, a harness's settings file in the home folder."""
    repo = make_workspace(tmp_path / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    (repo / "alembic").mkdir(exist_ok=True)
    (repo / "alembic/local_env.py").write_text("untracked\n")  # protected by /alembic/
    os.link(repo / "alembic/local_env.py", office / "u")
    (repo / ".gitignore").write_text("app/api/cache.bin\n")
    (repo / "app/api").mkdir(parents=True, exist_ok=True)
    (repo / "app/api/cache.bin").write_text("ignored\n")  # protected by /app/api/
    os.link(repo / "app/api/cache.bin", office / "i")
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude/settings.json").write_text("{}\n")
    os.link(home / ".claude/settings.json", office / "s")
    return repo


@pytest.mark.parametrize(
    ("name", "rel"), [("u", "alembic/local_env.py"), ("i", "app/api/cache.bin")]
)
def test_untracked_and_ignored_names_are_found(unknown: Path, name: str, rel: str) -> None:
    assert "??" in git_status(unknown, rel) or "!!" in git_status(unknown, rel)
    for reason in (
        bash_denied(unknown, f"echo x >> {OFF}/{name}"),
        _file_denied(unknown, "Write", unknown / OFF / name),
    ):
        assert reason is not None and rel in reason, reason


def test_a_harness_settings_file_by_another_name_is_refused(unknown: Path) -> None:
    assert bash_denied(unknown, f"echo x >> {OFF}/s") is not None
    assert _file_denied(unknown, "Edit", unknown / OFF / "s") is not None
    assert bash_denied(unknown, f"echo x >> {OFF}/notes.md") is None  # its other files: its own


def test_the_gates_own_program_by_another_name_is_refused(tmp_path: Path) -> None:
    import workspace_guard

    repo = make_workspace(tmp_path / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    source = Path(workspace_guard.__file__).parent / "i18n.py"
    try:
        os.link(source, office / "g.py")  # nothing is written through it here
    except OSError as exc:
        pytest.skip(f"the package is on another file system here ({exc})")
    for agent in ("backend-framework-ai", "master-orchestrator"):
        assert bash_denied(repo, f"echo x >> {OFF}/g.py", agent=agent) is not None
        assert _file_denied(repo, "Write", office / "g.py", agent=agent) is not None


def git_status(repo: Path, rel: str) -> str:
    from helpers.repos import git

    return git(repo, "status", "--porcelain", "--ignored", "--", rel)

"""`..` after a symlinked folder is resolved as the kernel resolves it (ATTACK F110): with
`tests/lc -> ../app/core` on disk, `tests/lc/../main.py` is `app/main.py`, not `tests/main.py`;
bash's logical `cd lc; cd ..` is back in `tests`, but `cd -P`, `set -P` and `set -o physical`
land in the link's target's parent, and a relative open after `cd tests/lc` starts from the
real folder. The gate judges a real workspace with real links, through evaluate() and the
hook; the file tools judge both the kernel's spelling and the one a harness normalising the
path as text writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import OTHER, bash_denied, pre_tool

from workspace_guard.gates.harness.gate import Call, evaluate
from workspace_guard.gates.harness.kernel_paths import absolute, landing, physical
from workspace_guard.repo import Repo

OFF = ".workspace/departments/backend/backend-framework-ai"

DENIED = [
    # the repro's own
    "echo evil >> tests/lc/../main.py",
    "cd tests/lc; echo evil >> ../main.py",
    "cd tests/lc; cp ../../README.md ../main.py",
    "cd tests/lc; sed -i s/import/evil/ ../main.py",
    "cd -P tests/lc; cd ..; echo x >> main.py",
    "cd tests/lc; cd -P ..; echo x >> main.py",
    "cd tests/lc; set -P; cd ..; echo x >> main.py",
    "set -o physical; cd tests/lc; cd ..; echo x >> main.py",
    # variants
    "cat README.md > tests/lc/./../main.py",
    "echo x | tee -a tests//lc/../database.py",
    "rm tests/lc/../database.py",
    "mv tests/lc/../main.py /tmp/elsewhere.py",
    "cd tests; cd lc; echo x >> ../main.py",
    "cd tests/lc/; truncate -s 0 ../models/user.py",
    "pushd tests/lc && echo x >> ../main.py",
    "set -eo physical; cd tests/lc; cd ..; echo x >> main.py",
    "set -euP; cd tests/lc/..; echo x >> main.py",
    "(set -P; cd tests/lc; cd ..; echo x >> main.py)",
    "cd -LP tests/lc; cd ..; echo x >> main.py",
    "cd tests/lc/../models && echo x >> user.py",  # tests/models is no folder: bash's fallback
    "sed -i s/a/b/ tests/lc/../*.py",
    "echo x | tee tests/l*/../main.py",
    "cd tests/lc; cd ..; echo x >> conftest.py",  # logical: tests/conftest.py
    f"echo x > {OFF}/gh/../config",  # git's own directory through a link in the office
    f"cd {OFF}/gh && echo x >> ../config",
    "env -C tests/lc sh -c 'echo x >> ../main.py'",
    "git -C tests/lc/.. rm -q main.py",
]

ALLOWED = [
    "cd tests/lc; cd ..; echo x >> notes.txt",  # logical: tests/notes.txt
    "cd tests/lc && ls .. && cat ../main.py",
    "cat tests/lc/../main.py > /tmp/copy.py",
    "cd tests/lc; cd -P ..; echo x >> conftest.py",  # physical: app/conftest.py, unprotected
    "echo x >> tests/lc/../conftest.py",  # the kernel opens app/conftest.py
    "set -P; set +P; cd tests/lc; cd ..; echo x >> notes.txt",
    "set -o physical; set +o physical; cd tests/lc; cd ..; echo x >> notes.txt",
    "cd tests/lc; cd -L ..; echo x >> notes.txt",
    "cd -P tests/lc; cd -L .; echo x >> notes.md",  # app/core/notes.md
    f"echo x >> {OFF}/plain/../notes2.md",
    f"cd {OFF}/plain && echo x >> ../notes2.md",
    "cd tests/lc; pwd -P; cd ../..; echo x >> tests/notes.txt",
    "(set -P); cd tests/lc; cd ..; echo x >> notes.txt",  # a subshell's option stays there
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_workspace(tmp_path_factory.mktemp("physical") / "ws")
    os.symlink("../app/core", repo / "tests/lc")  # made by an earlier call, or tracked
    office = repo / OFF
    os.symlink("../../../../.git/hooks", office / "gh")
    (office / "plain").mkdir()
    return repo


def _verdict(ws: Path, tool: str, **fields: object):
    repo = Repo.discover(str(ws))
    if tool == "Bash":
        return evaluate(repo, Call(OTHER, "Bash", str(ws), command=str(fields["command"])))
    return evaluate(repo, Call(OTHER, tool, str(ws), paths=(str(fields["path"]),)))


@pytest.mark.parametrize("command", DENIED)
def test_dotdot_after_a_link_is_the_link_targets_parent(ws: Path, command: str) -> None:
    assert _verdict(ws, "Bash", command=command).denied, command


@pytest.mark.parametrize("command", ALLOWED)
def test_logical_cd_and_reads_stay_allowed(ws: Path, command: str) -> None:
    verdict = _verdict(ws, "Bash", command=command)
    assert not verdict.denied, (command, [d.path for d in verdict.denied])


@pytest.mark.parametrize(
    "path",
    [
        "tests/lc/../main.py",
        "tests/lc/../database.py",
        "tests/./lc/../models/user.py",
        "tests/lc/../conftest.py",  # a harness normalising it first writes tests/conftest.py
        f"{OFF}/gh/../config",
    ],
)
@pytest.mark.parametrize("tool", ["Write", "Edit"])
def test_file_tools_judge_the_kernels_and_the_texts_spelling(
    ws: Path, tool: str, path: str
) -> None:
    assert _verdict(ws, tool, path=path).denied, path
    assert _verdict(ws, tool, path=str(ws / path)).denied, path


@pytest.mark.parametrize("path", ["tests/lc/../notes.txt", f"{OFF}/plain/../n.md", "tests/lc/x.md"])
def test_file_tools_write_beside_a_link_where_neither_spelling_is_protected(
    ws: Path, path: str
) -> None:
    assert not _verdict(ws, "Write", path=path).denied, path


def test_the_hook_refuses_both_doors(ws: Path) -> None:
    assert bash_denied(ws, "cd tests/lc; echo evil >> ../main.py") is not None
    proc = pre_tool(ws, "Write", {"file_path": "tests/lc/../main.py", "content": "x"}, OTHER)
    assert '"deny"' in proc.stdout, proc.stdout
    assert bash_denied(ws, "cd tests/lc; cd ..; echo x >> notes.txt") is None


def test_the_canonicaliser_reads_the_disk(ws: Path) -> None:
    root = str(ws)
    assert physical(f"{root}/tests/lc/../main.py", root) == f"{root}/app/main.py"
    assert physical(f"{root}/tests/lc/./y", root) == f"{root}/tests/lc/y"  # no `..`: as written
    assert physical(f"{root}/tests/lc/x/../y", root) == f"{root}/app/core/y"
    assert physical(f"{root}/tests/../README.md", root) == f"{root}/README.md"
    assert physical(f"{root}/nothing/../README.md", root) == f"{root}/README.md"
    assert absolute("../main.py", f"{root}/tests/lc", root) == f"{root}/app/main.py"
    assert landing(f"{root}/tests/lc", "..", False) == f"{root}/tests"
    assert landing(f"{root}/tests/lc", "..", True) == os.path.realpath(f"{root}/app")
    assert landing(f"{root}/tests", "lc/../models", False) == os.path.realpath(f"{root}/app/models")
    assert landing("/nowhere", "a/../b", False) == "/nowhere/b"
    assert landing("$OLDPWD", "..", False) == "$OLDPWD/.."

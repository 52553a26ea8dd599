"""Globs, find roots and directory targets reaching protected files through a symlink made in an
EARLIER call (ATTACK F17): the gate resolves each glob's literal directory and each link on
disk the glob may cross, through the real hook on a real workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_workspace
from helpers.harness import bash_denied

OFF = ".workspace/departments/backend/backend-framework-ai"
SED = "sed -i 's/FastAPI()/FastAPI(debug=True)/'"

WRITES = [
    f"{SED} {OFF}/lnk/*.py",
    f"{SED} {OFF}/*/main.py",
    f"{SED} {OFF}/l?k/main.py",
    f"find {OFF}/lnk/ -name main.py -exec {SED} {{}} +",
    f"find -L {OFF} -name main.py -delete",
    f"find {OFF} -follow -name main.py -delete",
    f"rm -rf {OFF}/lnk/",
    f"chmod -R 000 {OFF}/lnk/",
    f"cp -r /tmp/none/main.py {OFF}/lnk/",
    f"tar -C {OFF}/lnk -xf /tmp/none.tar",
    f"rsync -a /tmp/none/ {OFF}/lnk/",
    f"{SED} {OFF}/deep/main.py",  # a literal path whose directory is a link into the repository
    f"{SED} {OFF}/deep/*.py",
]
READS = [
    f"rm -f {OFF}/lnk",  # removes the link itself
    f"ls {OFF}/*",
    f"{SED} {OFF}/plain/*.py",
    f"find {OFF}/plain -name '*.py' -delete",
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_workspace(tmp_path_factory.mktemp("links") / "ws")
    office = repo / OFF
    office.mkdir(parents=True, exist_ok=True)
    os.symlink("../../../../app", office / "lnk")  # made by an earlier, allowed call
    os.symlink(str(repo / "app"), office / "deep")
    (office / "plain").mkdir()
    (office / "plain/notes.py").write_text("x = 1\n")
    return repo


@pytest.mark.parametrize("command", WRITES)
def test_a_link_on_disk_is_followed(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is not None, command


@pytest.mark.parametrize("command", READS)
def test_the_office_without_links_stays_writable(ws: Path, command: str) -> None:
    assert bash_denied(ws, command) is None, command

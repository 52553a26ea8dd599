"""A write storm: 4 writer processes create 20,000 files in watched folders while editing,
deleting and adding protected files in between. The kernel queue may overflow (it is shared by
every watch); the daemon must still report every protected change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.watch import WatchProcess, blob, records, status, wait_for

WRITERS = 4
FILES = 20_000
EDITS_PER_WRITER = 10

WRITER = r"""
import os, sys
root, w, files, edits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
every = files // edits
for i in range(files):
    folder = os.path.join(root, "app", f"gen{w}", f"d{i // 250}")
    if i % 250 == 0:
        os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"f{i}.txt"), "w") as handle:
        handle.write("x" * 64)
    if i % every == every // 2:
        j = i // every
        path = os.path.join(root, "alembic", "versions", f"v{w}_{j}.py")
        if j % 5 == 4:
            os.unlink(path)
        elif j % 5 == 3:
            with open(os.path.join(root, "alembic", "versions", f"new{w}_{j}.py"), "w") as h:
                h.write(f"new {w} {j}\n")
        else:
            with open(path, "w") as handle:
                handle.write(f"edited by writer {w}, edit {j}\n")
"""


def expected_changes() -> dict[str, tuple[str, str | None]]:
    """path -> (change, sha after) for every protected edit the writers make."""
    out: dict[str, tuple[str, str | None]] = {}
    for w in range(WRITERS):
        for j in range(EDITS_PER_WRITER):
            if j % 5 == 4:
                out[f"alembic/versions/v{w}_{j}.py"] = ("deleted", None)
            elif j % 5 == 3:
                out[f"alembic/versions/new{w}_{j}.py"] = (
                    "created",
                    blob(f"new {w} {j}\n".encode()),
                )
            else:
                text = f"edited by writer {w}, edit {j}\n".encode()
                out[f"alembic/versions/v{w}_{j}.py"] = ("modified", blob(text))
    return out


@pytest.fixture
def storm_workspace(tmp_path: Path) -> Iterator[Path]:
    """On tmpfs when there is one: deleting 20,000 files from this VM's ext4 (with discard)
    takes 12 s, which pytest would otherwise pay when it prunes old temporary folders."""
    shm = "/dev/shm"
    base = Path(tempfile.mkdtemp(prefix="wg-storm-", dir=shm)) if os.path.isdir(shm) else tmp_path
    try:
        yield make_workspace(base / "ws")
    finally:
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_storm_loses_no_protected_change(storm_workspace: Path) -> None:
    workspace = storm_workspace
    versions = workspace / "alembic" / "versions"
    versions.mkdir(parents=True)
    for w in range(WRITERS):
        for j in range(EDITS_PER_WRITER):
            (versions / f"v{w}_{j}.py").write_text(f"revision {w} {j}\n")
    git(workspace, "add", "alembic")
    git(workspace, "commit", "-qm", "build(db): migrations")
    proc = WatchProcess(workspace, ["--rescan-interval", "2"]).wait_ready()
    try:
        check_storm(workspace, proc)
    finally:
        proc.stop()


def check_storm(workspace: Path, proc: WatchProcess) -> None:
    began = time.monotonic()
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(workspace),
                str(w),
                str(FILES // WRITERS),
                str(EDITS_PER_WRITER),
            ]
        )
        for w in range(WRITERS)
    ]
    for writer in writers:
        assert writer.wait(60) == 0
    wrote = time.monotonic() - began
    expected = expected_changes()

    def found() -> dict[str, tuple[str, str | None]]:
        return {
            r["path"]: (r["change"], r["sha_after"]) for r in records(workspace, action="detected")
        }

    wait_for(
        lambda: expected.items() <= found().items(),
        f"all {len(expected)} protected changes",
        timeout=30,
    )
    got = found()
    assert {p: got[p] for p in expected} == expected
    assert set(got) == set(expected)  # and nothing else: 20,000 unprotected files stay silent
    by = [r["detected_by"] for r in records(workspace, action="detected")]
    info = status(workspace)
    print(
        f"\nstorm: {FILES} files by {WRITERS} writers in {wrote:.1f} s; "
        f"{by.count('event')} changes found by events, {by.count('rescan')} by rescans; "
        f"{info['counts']['overflows']} queue overflow(s)"
    )
    assert proc.alive()

"""fsutil.atomic_write: the one atomic write every layer uses (state, caches, hooks, pages)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from workspace_guard.fsutil import atomic_write, same_file_below


def test_text_and_bytes_replace_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write(str(target), "héllo\nwörld\n")
    assert target.read_bytes() == "héllo\nwörld\n".encode()
    atomic_write(str(target), b"\x00\xff raw")
    assert target.read_bytes() == b"\x00\xff raw"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_parents_are_created_unless_told_not_to(tmp_path: Path) -> None:
    atomic_write(str(tmp_path / "x" / "y" / "z.json"), "{}")
    assert (tmp_path / "x" / "y" / "z.json").read_text() == "{}"
    with pytest.raises(FileNotFoundError):
        atomic_write(str(tmp_path / "missing" / "f"), "x", makedirs=False)
    assert not (tmp_path / "missing").exists()


def test_mode_is_set_and_survives_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        atomic_write(str(tmp_path / "hook"), "#!/bin/sh\n", mode=0o755)
        atomic_write(str(tmp_path / "plain"), "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "hook").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_litter(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(str(target), "\ud800", encoding="utf-8")  # a lone surrogate cannot encode
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "inside").write_text("keep")
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / "dir"), "x")  # renaming a file over a folder fails
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["dir", "state.json"]


def test_a_symlink_target_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("untouched")
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    atomic_write(str(link), "new")
    assert not link.is_symlink() and link.read_text() == "new"
    assert elsewhere.read_text() == "untouched"


def test_fsync_variant_writes_the_same(tmp_path: Path) -> None:
    atomic_write(str(tmp_path / "f"), "durable", fsync=True)
    assert (tmp_path / "f").read_text() == "durable"


def test_readers_never_see_half_a_file(tmp_path: Path) -> None:
    """Threads of one process (the daemon's) write the same file while a reader reads it."""
    target = tmp_path / "shared"
    versions = [bytes([65 + n]) * 200_000 for n in range(6)]
    atomic_write(str(target), versions[0])
    seen: set[bytes] = set()
    done = threading.Event()

    def writer(data: bytes) -> None:
        for _ in range(20):
            atomic_write(str(target), data)

    def reader() -> None:
        while not done.is_set():
            seen.add(target.read_bytes())

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(v,)) for v in versions]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    watcher.join()
    assert seen and seen <= set(versions)
    assert os.listdir(tmp_path) == ["shared"]


def test_the_other_names_of_a_hard_linked_file_are_found_by_a_bounded_walk(tmp_path: Path) -> None:
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / "skipped").mkdir()
    original = tmp_path / "a/original"
    original.write_text("x")
    os.link(original, tmp_path / "a/b/other")
    os.link(original, tmp_path / "skipped/hidden")
    (tmp_path / "a/b/unrelated").write_text("x")
    os.symlink(original, tmp_path / "a/symlink")  # a link is not followed: not the same file
    st = original.stat()
    wanted = (st.st_dev, st.st_ino)
    found = same_file_below([str(tmp_path)], wanted, 100, skip=("skipped",))
    assert sorted(found or []) == sorted([str(original), str(tmp_path / "a/b/other")])
    assert len(same_file_below([str(tmp_path)], wanted, 100, first=True) or []) == 1
    assert same_file_below([str(tmp_path)], wanted, 3) is None  # past the bound: fail closed

"""The logs' head files are rewritten in place (`fsutil.rewrite_in_place`: one `pwrite`, no
rename per record), never through a link, and read back whole by the chain."""

from __future__ import annotations

import json
import os
from pathlib import Path

from workspace_guard.fsutil import HEAD_WIDTH, rewrite_in_place
from workspace_guard.state import audit, chain


def test_rewritten_in_place_padded_and_read_as_json(tmp_path: Path) -> None:
    head = tmp_path / "audit.head"
    rewrite_in_place(str(head), json.dumps({"seq": 123456, "hash": "a" * 64}))
    inode = head.stat().st_ino
    rewrite_in_place(str(head), json.dumps({"seq": 7, "hash": "b"}))  # shorter: no stale bytes
    assert head.stat().st_ino == inode
    raw = head.read_bytes()
    assert len(raw) == HEAD_WIDTH and raw.endswith(b"\n")
    assert json.loads(raw) == {"seq": 7, "hash": "b"}


def test_a_longer_file_is_overwritten_whole(tmp_path: Path) -> None:
    head = tmp_path / "audit.head"
    head.write_text('{"seq": 1, "hash": "c"}' + " " * 300 + "x")
    rewrite_in_place(str(head), json.dumps({"seq": 2, "hash": "d"}))
    assert json.loads(head.read_bytes()) == {"seq": 2, "hash": "d"}


def test_never_written_through_a_symlink_or_a_hard_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    linked = tmp_path / "sym.head"
    linked.symlink_to(victim)
    rewrite_in_place(str(linked), json.dumps({"seq": 1, "hash": "e"}))
    assert victim.read_text() == "keep\n" and not linked.is_symlink()
    hard = tmp_path / "hard.head"
    os.link(victim, hard)
    rewrite_in_place(str(hard), json.dumps({"seq": 2, "hash": "f"}))
    assert victim.read_text() == "keep\n"
    assert json.loads(hard.read_text()) == {"seq": 2, "hash": "f"}


def test_a_fifo_in_its_place_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.head"
    os.mkfifo(fifo)
    rewrite_in_place(str(fifo), json.dumps({"seq": 3, "hash": "g"}))
    assert json.loads(fifo.read_text()) == {"seq": 3, "hash": "g"}


def test_the_chain_appends_and_verifies_with_the_head_in_place(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    for n in range(5):
        assert audit.append(state, [{"layer": "test", "n": n}])
    head = Path(state) / audit.HEAD_FILE
    inode = head.stat().st_ino
    assert audit.append(state, [{"layer": "test", "n": 5}])
    assert head.stat().st_ino == inode
    assert chain._read_head(state, audit.AUDIT)[1] == 6
    assert audit.verify(state) == (6, [])

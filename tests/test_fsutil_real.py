"""`fsutil.real`: a path's resolved spelling is remembered within one hook call only (the gate's
checks resolve the same few folders many times a call); between calls, and outside a call, the
disk is read afresh (a hook server outlives any change of those folders)."""

from __future__ import annotations

import os
from pathlib import Path

from workspace_guard import fsutil


def test_resolved_once_per_call_and_afresh_between_calls(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    link = tmp_path / "link"
    link.symlink_to(first)
    assert fsutil.real(str(link)) == str(first.resolve())
    fsutil.one_call(True)
    try:
        assert fsutil.real(str(link)) == str(first.resolve())
        link.unlink()
        link.symlink_to(second)
        assert fsutil.real(str(link)) == str(first.resolve())  # within the call: once
        assert fsutil.real("link") == os.path.realpath("link")  # relative: never remembered
    finally:
        fsutil.one_call(False)
    assert fsutil.real(str(link)) == str(second.resolve())  # the next call reads the disk
    fsutil.one_call(True)
    try:
        assert fsutil.real(str(link)) == str(second.resolve())
    finally:
        fsutil.one_call(False)

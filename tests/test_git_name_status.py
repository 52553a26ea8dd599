"""`git.name_status_paths`, the fast reading of `--name-status -z` output the commit hooks use,
against the per-change parser and against real git output."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from conftest import git, make_workspace
from hypothesis import given
from hypothesis import strategies as st

from workspace_guard.git import name_status_paths, parse_name_status

NAMES = st.text(alphabet="ab/.é\u0301 \n", min_size=1, max_size=8)
ENTRY = st.one_of(
    st.tuples(st.sampled_from(["A", "M", "D", "T"]), NAMES),
    st.tuples(st.sampled_from(["R100", "C075"]), NAMES, NAMES),
)


def reference(data: bytes) -> list[str]:
    """Every path of every change, NFC, each once, in order (what the hooks decide)."""
    seen: dict[str, None] = {}
    for change in parse_name_status(data):
        for path in change.paths:
            seen.setdefault(unicodedata.normalize("NFC", path), None)
    return list(seen)


@given(st.lists(ENTRY, max_size=12))
def test_the_fast_reading_equals_the_parser(entries: list[tuple[str, ...]]) -> None:
    data = b"".join(b"\0".join(p.encode() for p in entry) + b"\0" for entry in entries)
    assert name_status_paths(data) == reference(data)


def test_real_git_output_with_renames_copies_and_odd_names(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "w")
    (repo / "app" / "main.py").rename(repo / "app" / "entry.py")
    (repo / "new\nline.txt").write_text("x\n")
    (repo / "cafe\u0301.md").write_text("decomposed\n")
    (repo / "README.md").write_text("changed\n")
    git(repo, "add", "-A")
    out = git(repo, "diff", "--cached", "--name-status", "-z", "-M").encode()
    paths = name_status_paths(out)
    assert paths == reference(out)
    assert {"app/main.py", "app/entry.py", "new\nline.txt", "café.md", "README.md"} <= set(paths)

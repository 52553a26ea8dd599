"""The rules a process already decoded are kept only while the cache entry and its tag key are
byte for byte the same (`rules_cache._LOADED`, `decide.shared`): the hook server keeps one
`Rules` and one `Decider` across calls, and a changed, forged or re-keyed entry is read afresh."""

from __future__ import annotations

from pathlib import Path

from helpers.repos import make_workspace, run_cli

from workspace_guard import rules_cache
from workspace_guard.core.decide import Decider, shared
from workspace_guard.core.record import replace
from workspace_guard.repo import Repo

A = "backend-framework-ai"


def _entry(ws: Path) -> tuple[str, str, Path]:
    assert run_cli(ws, "validate", A, "app/other.py").returncode == 0  # writes the entry
    repo = Repo.discover(str(ws))
    state = repo.state_dir
    blob = repo.info.rules_blob
    assert blob
    key = f"blob:{blob}"
    path = Path(rules_cache.cache_path(state, key))
    assert path.exists()
    return state, key, path


def test_the_same_bytes_give_the_same_rules_and_decider(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    state, key, _path = _entry(ws)
    rules_cache._KEYS.clear()
    first = rules_cache.cached(state, key)
    rules_cache._KEYS.clear()  # as the hook server between calls: the key file read again
    second = rules_cache.cached(state, key)
    assert first is not None and second is first
    decider = shared(first)
    assert isinstance(decider, Decider) and shared(second) is decider
    assert Repo.discover(str(ws)).decider() is decider


def test_a_changed_entry_is_decoded_again(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    state, key, path = _entry(ws)
    rules_cache._KEYS.clear()
    first = rules_cache.cached(state, key)
    assert first is not None and first.protected
    # other rules under a valid tag (made with the key): the new bytes are what count
    rules_cache.store(state, key, replace(first, protected=()))
    second = rules_cache.cached(state, key)
    assert second is not None and second is not first and second.protected == ()
    assert shared(second) is not shared(first)
    # the same bytes without their tag, then with a flipped byte: no rules at all
    data = path.read_bytes()
    path.write_bytes(data[rules_cache.TAG_BYTES :])
    assert rules_cache.cached(state, key) is None
    path.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    assert rules_cache.cached(state, key) is None


def test_a_new_tag_key_verifies_the_entry_again(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    state, key, _path = _entry(ws)
    rules_cache._KEYS.clear()
    assert rules_cache.cached(state, key) is not None
    key_file = Path(state) / "cache" / "key"
    key_file.write_bytes(bytes(32))  # another key: the entry's tag no longer verifies
    rules_cache._KEYS.clear()
    assert rules_cache.cached(state, key) is None

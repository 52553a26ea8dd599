"""The watch daemon's view of the trusted revision: what the other local layers trust.

The daemon adopts rules from a moved trusted ref only when the remote holds the new revision
(gates/watch/trusted.py). The validator, the harness hooks and the commit hooks used to read the
ref itself, so a same-user `git update-ref refs/remotes/origin/main EVIL` that the daemon
refused still decided for them. Now, while a daemon has published its view, they read the rules
at the revision the daemon holds in force, not at the moved ref (trust_root.find):

- `<state>/trusted-view`: the ref and the commit in force, sealed with the rules cache's keyed
  BLAKE2 tag (`cache/key`, mode 0600). The daemon writes it at start and at every adoption,
  puts it back when it finds it changed, and removes it on a clean stop;
- a view that does not verify (edited, re-keyed, unreadable) stops every layer (exit 2, the
  harness hooks block): it cannot be told which revision the daemon holds;
- no view while a process holds the daemon's lock: the same (it is being replaced);
- no view and no daemon: the layers read the trusted ref, as without a daemon.

The key is readable by the same user, so a process that reads it and recomputes the tag can
forge a view: tamper-evident (the daemon puts its own view back within a poll), not
tamper-proof.
"""

from __future__ import annotations

import contextlib
import os

from workspace_guard.i18n import strerror

FILE = "trusted-view"
LABEL = b"trusted-view:"
LOCK_FILE = "watch.lock"  # gates/watch/alive.LOCK_FILE


class Unverified(Exception):
    """A view is there but its seal does not verify: which revision is in force is unknown."""


def path_of(state_dir: str) -> str:
    return os.path.join(state_dir, FILE)


def read(state_dir: str) -> tuple[str | None, str | None] | None:
    """(ref, commit) the daemon holds in force; None without a view; raises `Unverified`."""
    try:
        with open(path_of(state_dir), "rb") as handle:
            data = handle.read(4096)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unverified(f"it cannot be read: {strerror(exc)}") from None
    from workspace_guard import rules_cache

    body = rules_cache._verified(state_dir, data, LABEL)
    if body is None:
        raise Unverified("its seal does not verify (written by another process)")
    ref, _, commit = body.decode("utf-8", "replace").partition("\n")
    return (ref or None), (commit.strip() or None)


def encode(state_dir: str, ref: str | None, commit: str | None) -> bytes | None:
    """The sealed bytes of a view (None when no key can be made)."""
    from workspace_guard import rules_cache

    key = rules_cache._key(state_dir, create=True)
    if key is None:
        return None
    body = f"{ref or ''}\n{commit or ''}".encode()
    return rules_cache._tag(key, LABEL + body) + body


def write(state_dir: str, ref: str | None, commit: str | None) -> bytes | None:
    """Publish the view (the daemon only); the bytes written, None when it could not."""
    from workspace_guard.fsutil import atomic_write

    data = encode(state_dir, ref, commit)
    if data is None:
        return None
    try:
        atomic_write(path_of(state_dir), data, mode=0o600)
    except OSError:
        return None
    return data


def clear(state_dir: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path_of(state_dir))


def daemon_running(state_dir: str) -> bool:
    """Whether a process holds the daemon's lock (asked only when there is no view)."""
    import fcntl

    try:
        fd = os.open(os.path.join(state_dir, LOCK_FILE), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)

"""git's hooks as the daemon sees them: where git looks for them, whether a hook is the one
`install` writes, and a hook's earlier bytes from git's object store."""

from __future__ import annotations

import os

from workspace_guard import git


def same_hook(found: str, ours: str) -> bool:
    """`found` is the hook `install` writes: the same text, except that the interpreter line
    may name another path to the very same Python (a venv's `python` vs `python3.11`)."""
    import re
    import shlex
    import sys

    line = re.compile(r"^WG_PYTHON=.*$", re.M)
    theirs, mine = line.search(found), line.search(ours)
    if theirs is None or mine is None:
        return found == ours
    try:
        words = shlex.split(theirs.group(0)[len("WG_PYTHON=") :])
    except ValueError:
        return False
    exe = words[0] if len(words) == 1 else ""
    same = bool(exe) and os.path.realpath(exe) == os.path.realpath(sys.executable)
    return same and found.replace(theirs.group(0), mine.group(0), 1) == ours


def object_bytes(root: str, blob: str | None) -> bytes | None:
    """A blob's bytes from git's object store (a hook stored at an earlier start)."""
    if not blob:
        return None
    proc = git.run(["cat-file", "blob", blob], root, check=False)
    return proc.stdout if proc.returncode == 0 else None


def hooks_dir(root: str, common_dir: str) -> str:
    proc = git.run(["rev-parse", "--git-path", "hooks"], root, check=False)
    text = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return os.path.abspath(os.path.join(root, text)) if text else os.path.join(common_dir, "hooks")

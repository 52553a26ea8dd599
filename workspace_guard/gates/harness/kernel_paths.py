"""Paths as the kernel opens them (ATTACK F110): the gate's one canonicaliser of a path.

The kernel resolves a path one name at a time, and `..` is the parent of the folder reached so
far: with `tests/lc -> ../app/core` on disk, `tests/lc/../main.py` opens `app/main.py`, not
`tests/main.py` as `os.path.normpath` (string work) says. Every door of the gate (the file
tools, the Bash analysis's targets, git's directory, the harnesses' settings, the PATH folders,
the gate's own program) turns a path into an absolute one here:

- :func:`absolute` — `path` from `cwd` (`~` expanded), `.` and repeated `/` dropped, each `..`
  applied to the real folder before it (the `realpath` of that prefix, an `lstat` per name, only
  where a `..` follows a name); the other names are kept as written, so a link among them is
  still seen by the checks that follow links (disk_links.py, gitdir.py);
- :func:`logical` — the same path with `..` removed as text: what a harness that normalises a
  path before opening it writes (the file tools judge both spellings);
- :func:`landing` — where bash's `cd` lands: logically (`$PWD` joined and normalised as text,
  what bash does unless `cd -P`, `set -P` or `set -o physical`; when that folder does not exist
  bash enters the path as the kernel resolves it), or physically (the real folder).

Only `os` and `posixpath`: the Bash analysis calls :func:`landing` for `cd`.
"""

from __future__ import annotations

import os
import posixpath


def absolute(path: str, cwd: str, root: str = "") -> str:
    """`path` (absolute, or relative to `cwd`; `~` expanded) as the kernel opens it (module)."""
    return physical(unfold(os.path.join(cwd, os.path.expanduser(path)), cwd), root)


def unfold(path: str, cwd: str) -> str:
    """`/proc/<self|thread-self|PID>[/task/TID]/root/X` as `/X` and `/proc/<self|thread-self>/
    cwd/X` as `cwd/X` (ATTACK F127: magic links `realpath` does not unfold for a file that does
    not exist yet); another process's cwd stays as written (the Bash analysis judges it)."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not path.startswith("/") or parts[:1] != ["proc"] or len(parts) < 3:
        return path
    pid, rest = parts[1], parts[2:]
    if pid == "thread-self" or (rest[:1] == ["task"] and len(rest) >= 2):
        rest = rest[2:] if rest[:1] == ["task"] else rest
    if pid not in ("self", "thread-self") and not pid.isdigit():
        return path
    if rest[:1] == ["root"]:
        return unfold("/" + "/".join(rest[1:]), cwd)
    if rest[:1] == ["cwd"] and not pid.isdigit() and cwd.startswith("/"):
        return os.path.join(cwd, *rest[1:])
    return path


def logical(path: str, cwd: str) -> str:
    """`path` from `cwd` with `..` removed as text (`os.path.normpath`)."""
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))


def physical(path: str, root: str = "") -> str:
    """`path` with `.` and empty names dropped and each `..` applied to the real folder the part
    before it names; a real folder found below `root`'s real spelling is written below `root` as
    given. A relative `path` keeps its leading `..`."""
    parts = path.split("/")
    if ".." not in parts[1:] or not path.startswith("/"):
        return posixpath.normpath(path)
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part != "..":
            out.append(part)
            continue
        if out:
            out = _real_parts("/" + "/".join(out), root)
            if out:
                out.pop()
    return "/" + "/".join(out)


def _real_parts(prefix: str, root: str) -> list[str]:
    """The names of `prefix`'s real folder (a link on the way resolved), below `root` as given
    when it lies there; `prefix` itself when a link on the way cannot be read."""
    from workspace_guard.fsutil import real

    try:
        found = real(prefix)
    except (OSError, ValueError):
        found = prefix
    if found != prefix and root:
        try:
            top = real(root)
        except (OSError, ValueError):
            top = root
        if found == top or found.startswith(top.rstrip("/") + "/"):
            found = root.rstrip("/") + found[len(top.rstrip("/")) :]
    return [p for p in found.split("/") if p]


def landing(cwd: str, target: str, physically: bool) -> str:
    """Where `cd TARGET` from the logical cwd `cwd` lands (the new `$PWD`): a path with a
    variable part as given; physically, the real folder; logically, `TARGET` joined and
    normalised as text when that folder exists (or nothing at all does yet), else the folder
    the kernel opens (bash's fallback, which then sets `$PWD` physically)."""
    joined = target if target.startswith(("/", "~", "$")) else posixpath.join(cwd, target)
    if "$" in joined or not joined.startswith("/"):
        return joined
    if physically:
        return _resolved(joined)
    text = posixpath.normpath(joined)
    if text == joined or os.path.isdir(text) or not os.path.isdir(joined):
        return text
    return _resolved(joined)


def _resolved(path: str) -> str:
    """`path`'s real spelling (`realpath`), or `path` as the kernel walks it where a link on the
    way cannot be read."""
    from workspace_guard.fsutil import real

    try:
        return real(path)
    except (OSError, ValueError):
        return physical(path)

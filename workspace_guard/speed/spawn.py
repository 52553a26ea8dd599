"""Starting git without `subprocess`: `os.posix_spawnp` and two pipes (importing `subprocess`
costs ~5-6 ms, a fifth of a hook's own budget). `workspace_guard.git` builds the git command
lines and turns failures into `GitError`; this module only starts processes and reads them.
"""

from __future__ import annotations

import os

from workspace_guard.speed.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO


class Result(Record):
    """What a git process returned (the fields of `subprocess.CompletedProcess` we use)."""

    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes


def spawn(argv: tuple[str, ...], env: dict[str, str] | None = None) -> Result:
    """Run `argv` (looked up on PATH) to completion; its exit code, stdout and stderr (in `env`,
    else this process's environment)."""
    import select

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
        (os.POSIX_SPAWN_CLOSE, out_r),
        (os.POSIX_SPAWN_CLOSE, err_r),
    ]
    try:
        pid = os.posix_spawnp(
            argv[0], argv, os.environ if env is None else env, file_actions=actions
        )
    except BaseException:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        raise
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    open_fds = [out_r, err_r]
    try:
        while open_fds:
            ready, _, _ = select.select(open_fds, [], [])
            for fd in ready:
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.remove(fd)
                    os.close(fd)
    finally:
        for fd in open_fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return Result(argv, code, b"".join(chunks[out_r]), b"".join(chunks[err_r]))


def scratch_file() -> BinaryIO:
    """An anonymous read-write file: memfd on Linux (no tempfile import, no disk)."""
    if hasattr(os, "memfd_create"):
        return open(os.memfd_create("workspace-guard-git-stderr"), "w+b")
    import tempfile

    return tempfile.TemporaryFile()

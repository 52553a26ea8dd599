"""The hook server's client in the state dir (`serve/client`): built from the package's
resources by `install --harness X` and by every server start, so an upgrade or a teammate's
clone gets the current one without a step of its own.

A C compiler makes it a small binary (about 1 ms to start); without one it is the Python client
(`python -I -S`, ≈ a bare interpreter's start), still far below a one-shot hook. The stamp file
says which source and which kind it was built from; a changed source is rebuilt. The server
builds it before it binds its socket, so a call that finds the socket never waits for a compiler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CLIENT = "client"
STAMP = "client.stamp"
RESOURCE = "resources/launcher/wg-hook-client"


def _source(suffix: str) -> bytes:
    from importlib.resources import files

    return files("workspace_guard").joinpath(RESOURCE + suffix).read_bytes()


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]


def file_sha256(path: str) -> str | None:
    """The SHA-256 (hex) of a file, as `sha256sum` prints it; None when unreadable."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def compiler() -> str | None:
    """A C compiler on PATH (`CC` first), or None."""
    for name in (os.environ.get("CC", ""), "cc", "gcc", "clang"):
        found = shutil.which(name) if name else None
        if found:
            return found
    return None


def kind(state_dir: str) -> str | None:
    """Which client is built: "c", "python", or None (none yet: every call is one-shot)."""
    from workspace_guard.gates.harness.serve import serve_dir

    path = os.path.join(serve_dir(state_dir), CLIENT)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return None
    if not os.access(path, os.X_OK):
        return None
    return "c" if head == b"\x7fELF" else "python" if head.startswith(b"#!") else None


def _stamp(built: str, interpreter: str) -> str:
    """What the client was built from: its kind, its source's digest and, for the Python client
    only (its first line names it), the interpreter. The C client does not depend on which Python
    built it: `install` (its venv's `python`) and the server (the runtime's interpreter) agree."""
    if built == "c":
        return f"c {_digest(_source('.c'))}\n"
    return f"{built} {_digest(_source('.py'))} {interpreter}\n"


def ensure(state_dir: str, *, python: str | None = None) -> str:
    """Build the client when it is missing or older than the package's source; its kind."""
    from workspace_guard.gates.harness.serve import private_dir, serve_dir

    folder = serve_dir(state_dir)
    private_dir(folder)
    interpreter = python or sys.executable
    cc = compiler()
    wanted = "c" if cc else "python"
    path = os.path.join(folder, CLIENT)
    try:
        with open(os.path.join(folder, STAMP), encoding="utf-8") as handle:
            if handle.read() == _stamp(wanted, interpreter) and kind(state_dir) == wanted:
                return wanted
    except OSError:
        pass
    tmp = f"{path}.{os.getpid()}.tmp"
    built = "c" if cc and _compile(cc, _source(".c"), folder, tmp) else "python"
    if built == "python":
        with open(tmp, "wb") as handle:
            handle.write(b"#!" + os.fsencode(interpreter) + b" -IS\n" + _source(".py"))
    os.chmod(tmp, 0o700)
    os.replace(tmp, path)
    with open(os.path.join(folder, STAMP), "w", encoding="utf-8") as handle:
        handle.write(_stamp(built, interpreter))
    return built


SOURCE_NAME = "client.0.c"  # one name for every build: the same bytes on one machine, so the
# committed list of client digests (harness_install.CLIENT_SUMS) holds one line per compiler


def _compile(cc: str, source: bytes, folder: str, out: str) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder, prefix="build-") as private:
        src = os.path.join(private, SOURCE_NAME)
        with open(src, "wb") as handle:
            handle.write(source)
        try:
            proc = subprocess.run(
                [cc, "-O2", "-o", out, src], capture_output=True, timeout=120, check=False
            )
            return proc.returncode == 0 and os.path.exists(out)
        except (OSError, subprocess.TimeoutExpired):
            return False

"""The hook server's wire format (`gates/harness/serve`): every integer 4 bytes big-endian, every
field its length then its bytes. Server → `WGHS1\\n` on accept (the client reads nothing from
stdin before it); client → `WGRQ` harness, cwd, umask (octal), environment (`K=V`
NUL-separated), stdin; server → `WGAN` exit code, stdout, stderr. The clients
(resources/launcher/wg-hook-client.c and .py) speak the same.
"""

from __future__ import annotations

import os

HELLO = b"WGHS1\n"
REQUEST, ANSWER = b"WGRQ", b"WGAN"
READ_LIMIT = 256 * 1024 * 1024
# Variables a one-shot `hook` process could be changed by that the served answer would not see:
# the client sends such calls to the one-shot path instead (harmless ones are allowed).
PYTHON_ALLOWED = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
LOCALE_VARS = ("LC_ALL", "LC_CTYPE", "LANG")


def foreign_python_env(env: dict[str, str]) -> list[str]:
    """PYTHON* variables that would change a one-shot process (not served)."""
    return [k for k in env if k.startswith("PYTHON") and k not in PYTHON_ALLOWED]


def _fields(data: bytes, count: int) -> list[bytes]:
    """`count` length-prefixed fields that make up all of `data`; ValueError otherwise."""
    out, at = [], 0
    for _ in range(count):
        if at + 4 > len(data):
            raise ValueError("short request")
        size = int.from_bytes(data[at : at + 4], "big")
        at += 4
        if at + size > len(data):
            raise ValueError("short request")
        out.append(data[at : at + size])
        at += size
    if at != len(data):
        raise ValueError("trailing bytes in the request")
    return out


def field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def parse_request(data: bytes) -> tuple[str, str, int, dict[str, str], bytes]:
    """(harness, cwd, umask, environment, stdin) of one request; ValueError when malformed."""
    from workspace_guard.entry import HARNESS_HOOKS

    if not data.startswith(REQUEST):
        raise ValueError("not a request")
    name, cwd, mask, environ, stdin = _fields(data[len(REQUEST) :], 5)
    harness = name.decode("ascii")
    if harness not in HARNESS_HOOKS:
        raise ValueError(f"unknown harness {harness!r}")
    env: dict[str, str] = {}
    for item in environ.split(b"\0"):
        key, eq, value = item.partition(b"=")
        if eq and key:
            env[os.fsdecode(key)] = os.fsdecode(value)
    return harness, os.fsdecode(cwd), int(mask.decode("ascii"), 8), env, stdin

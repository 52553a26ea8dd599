"""The first milliseconds of `workspace-guard mcp`: answer the handshake while the SDK loads.

Importing the official MCP SDK costs ~0.8 s of CPU on our machines (its pydantic models of the
whole protocol, its HTTP stack: starlette, uvicorn, httpx, ssl); its low-level server imports
the same modules as its high-level one, so no choice of SDK class avoids it. Under load that
was 2–5 s, and Claude Code gives a stdio server 5 s (`MCP_CONNECT_TIMEOUT_MS`) from start to
its tool list, then goes on without the tools, silently.

So the process starts the SDK in a thread and, meanwhile, answers the two requests a client
sends before it can use anything: `initialize` (for a handshake-era protocol version) and the
first page of `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list`
(Claude Code waits for all of them), from `mcp_table`, the data the SDK server is built from
(`tests/test_mcp_start.py` checks the SDK answers each exactly so). Everything else — every
tool call, resource read, ping, a later page — is served by the SDK: the prelude hands it
the client's `initialize` again (under a private id, whose answer it drops) and every line it
has not answered, in order, then the rest of stdin. A first message that is not a handshake
the table knows (another protocol version, the modern per-request era) goes to the SDK
unanswered, so the prelude never guesses.

`WORKSPACE_GUARD_MCP_PRELUDE=0` turns it off (the tests compare both ways).
"""

from __future__ import annotations

import json
import os
import sys
import threading

from workspace_guard.commands import mcp_table as table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, BinaryIO

PRIVATE_ID = "workspace-guard-prelude-initialize"
_CLIENT = ("name", "version")  # what `initialize` must say of the client


def claim_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The wire on private descriptors; fd 0 reads /dev/null and fd 1 writes to stderr, so
    nothing the server or a child prints can corrupt the JSON-RPC stream."""
    import fcntl

    try:
        wire_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
        wire_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    except OSError:
        return sys.stdin.buffer, sys.stdout.buffer
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return os.fdopen(wire_in, "rb"), os.fdopen(wire_out, "wb")


class Loader(threading.Thread):
    """Runs `load` (the SDK import and the server build) beside the prelude."""

    def __init__(self, load: Callable[[], Any]) -> None:
        super().__init__(name="mcp-sdk-loader", daemon=True)
        self._load = load
        self._result: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._result = self._load()
        except BaseException as exc:  # re-raised in the main thread by `result`
            self._error = exc

    def result(self) -> Any:
        self.join()
        if self._error is not None:
            raise self._error
        return self._result


def _message(line: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("jsonrpc") == "2.0" else None


def _send(wire: BinaryIO, ident: object, result: dict[str, Any]) -> None:
    reply = {"jsonrpc": "2.0", "id": ident, "result": result}
    wire.write(json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    wire.flush()


def _handshake_version(message: dict[str, Any] | None) -> str | None:
    """The protocol version of an `initialize` request the table can answer, else None."""
    if message is None or message.get("method") != "initialize" or "id" not in message:
        return None
    params = message.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return None
    client = params.get("clientInfo")
    if not isinstance(client, dict) or not all(isinstance(client.get(k), str) for k in _CLIENT):
        return None  # the SDK refuses it: let it say so
    version = params.get("protocolVersion")
    return version if version in table.HANDSHAKE_VERSIONS else None


def _listing(message: dict[str, Any] | None) -> dict[str, Any] | None:
    """The table's answer to a first-page listing request, else None."""
    if message is None or "id" not in message or not isinstance(message.get("method"), str):
        return None
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        return None
    if isinstance(params, dict) and params.get("cursor") is not None:
        return None
    return table.listing(message["method"])


def answer_handshake(wire_in: BinaryIO, wire_out: BinaryIO) -> list[bytes]:
    """Answer `initialize` and the listings; return the lines the SDK must still see, in
    order (the first of them the client's `initialize` under PRIVATE_ID)."""
    line = wire_in.readline()
    first = _message(line)
    version = _handshake_version(first)
    if first is None or version is None:
        return [line] if line else []
    _send(wire_out, first["id"], table.initialize_result(version))
    replay = [json.dumps({**first, "id": PRIVATE_ID}).encode() + b"\n"]
    while line := wire_in.readline():
        message = _message(line)
        listing = _listing(message)
        if message is not None and listing is not None:
            _send(wire_out, message["id"], listing)
            continue
        replay.append(line)
        if message is None or message.get("method") != "notifications/initialized":
            break
    return replay


class ReplayedInput:
    """The SDK's stdin: the lines the prelude kept, then the wire."""

    def __init__(self, lines: list[bytes], wire: BinaryIO) -> None:
        self._lines, self._wire = lines, wire

    def readline(self) -> str:
        raw = self._lines.pop(0) if self._lines else self._wire.readline()
        return raw.decode("utf-8", "replace")


class Answers:
    """The SDK's stdout: every message to the wire but the answer to the replayed
    `initialize` (the client got the prelude's)."""

    def __init__(self, wire: BinaryIO, *, drop: bool) -> None:
        self._wire, self._drop = wire, drop

    def write(self, text: str) -> int:
        if self._drop and PRIVATE_ID in text and self._is_replayed_answer(text):
            self._drop = False
            return len(text)
        self._wire.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._wire.flush()

    @staticmethod
    def _is_replayed_answer(text: str) -> bool:
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, dict) and data.get("id") == PRIVATE_ID and "method" not in data


def enabled() -> bool:
    return os.environ.get("WORKSPACE_GUARD_MCP_PRELUDE", "1") != "0"


def serve(load: Callable[[], Any], serve_sdk: Callable[[Any, Any, Any], None]) -> None:
    """Claim stdio, start `load` in a thread, answer the handshake, then `serve_sdk(server,
    stdin, stdout)` with the SDK's streams."""
    wire_in, wire_out = claim_stdio()
    loader = Loader(load)
    loader.start()
    replay = answer_handshake(wire_in, wire_out) if enabled() else []
    server = loader.result()
    drop = bool(replay) and PRIVATE_ID.encode() in replay[0]
    serve_sdk(server, ReplayedInput(replay, wire_in), Answers(wire_out, drop=drop))

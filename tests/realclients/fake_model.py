"""A scripted model server on 127.0.0.1 that speaks each real CLI's API.

One server answers Claude Code (Anthropic messages, SSE), Codex (OpenAI responses, SSE) and
Gemini CLI (generateContent / streamGenerateContent). The scenario is a `Script`: for each
conversation (the main thread, or a subagent named by a `ROLE-MARKER: <name>` line in its system
prompt or task) a list of turns; turn *i* is answered when the conversation already holds *i*
model turns, so the server needs no state to know where a conversation is. A turn is a list of
`Call`s (tool calls) or a final text. Every request is recorded with its arrival time, and every
tool call with the moment its answer was fully sent, so a test can read what the model received
next (the tool_result) and the time the CLI took between the tool call and its next request.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MARKER = re.compile(r"ROLE-MARKER: ([A-Za-z0-9_.-]+)")


@dataclass
class Call:
    """One tool call the model makes: the tool's name as the CLI offers it, and its input."""

    name: str
    input: dict[str, Any] | str
    namespace: str | None = None  # Codex: tools grouped in a namespace (multi_agent_v1)
    custom: bool = False  # Codex: a freeform tool (apply_patch) gets the text as its input
    search: bool = False  # Codex: a `tool_search_call` (MCP tools are deferred behind it)
    id: str = ""


Turn = list[Call] | str
# A turn computed when it is asked for, from what the model has received so far (an id the CLI
# made up, e.g. the agent id a Codex `spawn_agent` returned).
Dynamic = Callable[["FakeModel"], Turn]


@dataclass
class Request:
    api: str  # "anthropic" | "openai" | "gemini" | "gemini-json"
    conversation: str
    step: int
    body: dict[str, Any]
    at: float


@dataclass
class Script:
    turns: dict[str, list[Turn | Dynamic]] = field(default_factory=dict)
    final: str = "done"

    def turn(self, model: FakeModel, conversation: str, step: int) -> Turn:
        turns = self.turns.get(conversation, [])
        if step >= len(turns):
            return self.final
        turn = turns[step]
        if callable(turn):
            turn = turn(model)
            self.turns[conversation][step] = turn  # a retried request gets the same calls
        return turn


_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}{int(time.time() * 1000) % 100000:05d}"


def _text_of(value: Any) -> str:
    """Every string inside a JSON value, joined (system prompts come in many shapes)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text_of(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_text_of(v) for v in value)
    return ""


class FakeModel:
    """The server. Use as a context manager; `url` is its base address."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.requests: list[Request] = []
        self.sent: dict[str, tuple[str, float]] = {}  # tool call id -> (conversation, sent at)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeModel:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what tests read -------------------------------------------------------------------

    def conversations(self) -> set[str]:
        return {r.conversation for r in self.requests if r.api != "gemini-json"}

    def bodies(self, conversation: str) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.conversation == conversation]

    def result(self, call_id: str) -> tuple[str, bool]:
        """What the model received for the tool call `call_id`: (text, is_error)."""
        for req in reversed(self.requests):
            found = _find_result(req, call_id)
            if found is not None:
                return found
        raise AssertionError(f"the CLI never returned a result for {call_id}")

    def gaps(self) -> dict[str, float]:
        """Seconds from each tool call fully sent to the next request carrying its result."""
        out: dict[str, float] = {}
        for call_id, (_conv, sent_at) in self.sent.items():
            for req in self.requests:
                if req.at >= sent_at and _find_result(req, call_id) is not None:
                    out[call_id] = req.at - sent_at
                    break
        return out

    def context_text(self, conversation: str) -> str:
        """Everything the conversation's last request carried (system, messages, input)."""
        bodies = self.bodies(conversation)
        return _text_of(bodies[-1]) if bodies else ""


def _find_result(req: Request, call_id: str) -> tuple[str, bool] | None:
    body = req.body
    if req.api == "anthropic":
        for msg in body.get("messages", []):
            content = msg.get("content")
            if msg.get("role") != "user" or not isinstance(content, list):
                continue
            for block in content:
                if block.get("type") == "tool_result" and block.get("tool_use_id") == call_id:
                    return _text_of(block.get("content", "")), bool(block.get("is_error"))
    elif req.api == "openai":
        for item in body.get("input", []) or []:
            if not isinstance(item, dict) or item.get("call_id") != call_id:
                continue
            if item.get("type") == "tool_search_output":
                return json.dumps(item.get("tools", [])), False
            if str(item.get("type", "")).endswith("_output"):
                return _text_of(item.get("output", "")), False
    elif req.api == "gemini":
        for content in body.get("contents", []):
            for part in content.get("parts", []):
                resp = part.get("functionResponse")
                if resp and resp.get("id") == call_id:
                    text = json.dumps(resp.get("response", {}))
                    return text, "error" in resp.get("response", {})
    return None


# ---- recognising the conversation and its step -----------------------------------------------


def _anthropic(body: dict[str, Any]) -> tuple[str, int]:
    system = _text_of(body.get("system", ""))
    found = MARKER.search(system)
    if found:
        conv = found.group(1)
    elif "cc_is_subagent=true" in system:
        conv = "subagent"
    else:
        conv = "main"
    step = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
    return conv, step


def _openai(body: dict[str, Any]) -> tuple[str, int]:
    items = body.get("input", []) or []
    found = MARKER.search(_text_of([i for i in items if i.get("type") == "message"]))
    conv = found.group(1) if found else "main"
    step = sum(
        1
        for i in items
        if isinstance(i, dict)
        and i.get("type") in ("function_call", "custom_tool_call", "tool_search_call")
    )
    return conv, step


def _gemini(body: dict[str, Any]) -> tuple[str, int]:
    found = MARKER.search(_text_of(body.get("systemInstruction", "")))
    if not found:
        user = [c for c in body.get("contents", []) if c.get("role") == "user"]
        found = MARKER.search(_text_of(user[:1]))
    conv = found.group(1) if found else "main"
    step = sum(1 for c in body.get("contents", []) if c.get("role") == "model")
    return conv, step


# ---- answers ---------------------------------------------------------------------------------


def _sse(event: str | None, data: dict[str, Any]) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def _anthropic_answer(turn: Turn) -> tuple[bytes, list[str]]:
    msg = {
        "id": _new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-8",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }
    out = [_sse("message_start", {"type": "message_start", "message": msg})]
    ids: list[str] = []
    if isinstance(turn, str):
        blocks: list[tuple[dict[str, Any], dict[str, Any]]] = [
            ({"type": "text", "text": ""}, {"type": "text_delta", "text": turn})
        ]
        stop = "end_turn"
    else:
        blocks = []
        for call in turn:
            call.id = call.id or _new_id("toolu_01")
            ids.append(call.id)
            start = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(call.input)}
            blocks.append((start, delta))
        stop = "tool_use"
    for index, (start, delta) in enumerate(blocks):
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        out.append(
            _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        )
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        )
    )
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out), ids


def _openai_answer(turn: Turn) -> tuple[bytes, list[str]]:
    resp_id = _new_id("resp_")
    out = [_sse(None, {"type": "response.created", "response": {"id": resp_id}})]
    ids: list[str] = []
    items: list[dict[str, Any]] = []
    if isinstance(turn, str):
        items.append(
            {
                "type": "message",
                "role": "assistant",
                "id": _new_id("msg_"),
                "content": [{"type": "output_text", "text": turn, "annotations": []}],
            }
        )
    else:
        for call in turn:
            call.id = call.id or _new_id("call_")
            ids.append(call.id)
            item: dict[str, Any]
            if call.search:
                item = {"type": "tool_search_call", "execution": "client"}
                item["arguments"] = call.input
            elif call.custom:
                item = {"type": "custom_tool_call", "name": call.name, "input": call.input}
            else:
                item = {"type": "function_call", "name": call.name}
                item["arguments"] = json.dumps(call.input)
            if call.namespace:
                item["namespace"] = call.namespace
            item.update({"call_id": call.id, "id": _new_id("fc_"), "status": "completed"})
            items.append(item)
    for index, item in enumerate(items):
        out.append(
            _sse(
                None,
                {"type": "response.output_item.added", "output_index": index, "item": item},
            )
        )
        out.append(
            _sse(None, {"type": "response.output_item.done", "output_index": index, "item": item})
        )
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 15,
    }
    done = {"id": resp_id, "status": "completed", "output": items, "usage": usage}
    out.append(_sse(None, {"type": "response.completed", "response": done}))
    return b"".join(out), ids


def _gemini_answer(turn: Turn) -> tuple[bytes, list[str]]:
    ids: list[str] = []
    if isinstance(turn, str):
        parts: list[dict[str, Any]] = [{"text": turn}]
    else:
        parts = []
        for call in turn:
            call.id = call.id or _new_id("gcall_")
            ids.append(call.id)
            parts.append({"functionCall": {"id": call.id, "name": call.name, "args": call.input}})
    chunk = {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": "gemini-2.5-pro",
    }
    return _sse(None, chunk), ids


def _gemini_json(body: dict[str, Any]) -> bytes:
    """The CLI's own side calls (router, classifiers, next-speaker): a plain, valid JSON answer."""
    config = body.get("generationConfig", {}) or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    answer: dict[str, Any] = {}
    for name, spec in props.items():
        kind = spec.get("type", "string") if isinstance(spec, dict) else "string"
        enum = spec.get("enum") if isinstance(spec, dict) else None
        if enum:
            answer[name] = "user" if "user" in enum else enum[0]
        elif str(kind).lower() == "boolean":
            answer[name] = False
        elif str(kind).lower() in ("number", "integer"):
            answer[name] = 1
        else:
            answer[name] = "flash" if "model" in name else "ok"
    text = json.dumps(answer)
    return json.dumps(
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1},
        }
    ).encode()


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            body = b'{"data": [], "models": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            at = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            path = self.path
            if "/v1/messages/count_tokens" in path:
                return self._json({"input_tokens": 10})
            if "/v1/messages" in path:
                api, (conv, step) = "anthropic", _anthropic(body)
                answer = _anthropic_answer
            elif "/responses" in path:
                api, (conv, step) = "openai", _openai(body)
                answer = _openai_answer
            elif ":streamGenerateContent" in path:
                api, (conv, step) = "gemini", _gemini(body)
                answer = _gemini_answer
            elif ":generateContent" in path or ":countTokens" in path:
                with model.lock:
                    model.requests.append(Request("gemini-json", "side", 0, body, at))
                if ":countTokens" in path:
                    return self._json({"totalTokens": 10})
                return self._raw(_gemini_json(body), "application/json")
            else:
                return self._json({})
            with model.lock:
                model.requests.append(Request(api, conv, step, body, at))
            payload, ids = answer(model.script.turn(model, conv, step))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            sent = time.monotonic()
            with model.lock:
                for call_id in ids:
                    model.sent[call_id] = (conv, sent)
            self.close_connection = True

        def _json(self, data: dict[str, Any]) -> None:
            self._raw(json.dumps(data).encode(), "application/json")

        def _raw(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler

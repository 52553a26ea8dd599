"""The harness gate's own state files, judged against what workspace-guard would have written.

- `serve/client`: the program the committed launcher runs on every tool call (it sends the
  event to the hook server and prints the answer). An agent that replaces it with one that
  prints nothing has every call allowed. Known good is derived from the package: the Python
  client is `#!PYTHON -IS` (this machine's Python, by any path) followed by the package's
  client source; the C client is the package's C source compiled by this machine's compiler —
  the daemon compiles its own copy (under the same source file name, the only thing gcc embeds
  that differs between builds) and compares bytes. A client that is neither is kept in
  quarantine and rebuilt from the package. A removed client is no violation (the launcher then
  asks the one-shot hook, which fails closed).
- `denials.json`: the counts that make repeated denials escalate (gates/harness/escalate.py).
  The gate audits every denial before it counts it, so the audit chain is the known good: an
  entry must stand for a `denied` record of the same agent and rule, and every such record
  still inside the escalation window, and not followed by that rule's escalation, must have its
  entry. A file that is neither (entries cut to dodge the escalation, entries forged to
  escalate someone else) is kept in quarantine and rewritten: the explained entries plus the
  missing ones rebuilt from their records.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from typing import TYPE_CHECKING, Any

from workspace_guard.gates.watch.provenance import moment_of

if TYPE_CHECKING:
    from workspace_guard.core.model import Rules

log = logging.getLogger("workspace_guard.watch")
CLIENT = "serve/client"
DENIALS = "denials.json"
LATE = 60.0  # seconds an entry may follow its audit record (a slow disk, a loaded machine)
_SOURCE_NAME = re.compile(rb"client\.(\d{1,10})\.c\x00")


# -- serve/client ----------------------------------------------------------------------------


class Client:
    """What the package would build, cached per source file name (a compile costs ~0.2 s)."""

    def __init__(self) -> None:
        self.built: dict[str, bytes | None] = {}

    def ours(self, data: bytes) -> bool:
        if data.startswith(b"#!"):
            return _python_client(data)
        if not data.startswith(b"\x7fELF"):
            return False
        names = set(_SOURCE_NAME.findall(data))
        if len(names) != 1:
            return False
        number = names.pop().decode("ascii")
        if number not in self.built:
            self.built[number] = _compile(number)
        return self.built[number] == data

    @staticmethod
    def rebuild(state_dir: str) -> bool:
        """The package's client in place of the removed one."""
        from workspace_guard.gates.harness import serve_client

        try:
            serve_client.ensure(state_dir)
        except Exception as exc:  # a missing compiler, a full disk: one-shot hooks still work
            log.error("could not rebuild the hook server's client: %s", exc)
            return False
        return True


def _python_client(data: bytes) -> bool:
    from workspace_guard.gates.harness.serve_client import _source

    line, _, rest = data.partition(b"\n")
    exe, _, flags = line[2:].rpartition(b" ")
    if flags != b"-IS" or rest != _source(".py"):
        return False
    path = os.fsdecode(exe)
    return bool(path) and os.path.realpath(path) == os.path.realpath(sys.executable)


def _compile(number: str) -> bytes | None:
    """The C client as this machine builds it from the package's source named `number`."""
    from workspace_guard.gates.harness import serve_client

    cc = serve_client.compiler()
    if cc is None:
        return None
    with tempfile.TemporaryDirectory(prefix="wg-client-") as folder:
        out = os.path.join(folder, "client")
        src = os.path.join(folder, f"client.{number}.c")
        with open(src, "wb") as handle:
            handle.write(serve_client._source(".c"))
        import subprocess

        try:
            done = subprocess.run(
                [cc, "-O2", "-o", out, src], capture_output=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        with open(out, "rb") as handle:
            return handle.read()


# -- denials.json ----------------------------------------------------------------------------


class Denials:
    """The audit chain's denials and escalations (noted as the chain is read)."""

    def __init__(self) -> None:
        self.denied: list[tuple[str, float, list[str], dict[str, Any]]] = []  # agent, ts, keys
        self.escalated: list[tuple[str, str, float]] = []  # agent, pattern, ts

    def clear(self) -> None:
        self.denied.clear()
        self.escalated.clear()

    def note(self, record: dict[str, Any]) -> None:
        agent, action = record.get("agent"), record.get("action")
        if not isinstance(agent, str) or not isinstance(record.get("layer"), str):
            return
        ts = moment_of(record.get("ts"))
        if action == "denied" and isinstance(record.get("rules"), list):
            # no rule (a claim, a refused command): its count key is not in the record, so
            # any key of that agent at that moment stands for it ("")
            keys = [_pattern(r) for r in record["rules"] if isinstance(r, str)] or [""]
            self.denied.append((agent, ts, keys, record))
        elif action == "consulted" and record.get("escalation") is True:
            rule = record.get("rule")
            self.escalated.append((agent, _pattern(rule) if isinstance(rule, str) else "", ts))

    def judge(
        self, items: list[dict[str, Any]], rules: Rules, now: float
    ) -> tuple[list[int], list[dict[str, Any]]]:
        """(indexes of entries no record explains, entries missing for records)."""
        from workspace_guard.gates.harness.escalate import settings

        _, window = settings(rules)
        self.denied = [d for d in self.denied if d[1] + window + LATE > now]  # bounded memory
        self.escalated = [e for e in self.escalated if e[2] + window + LATE > now]
        forged = [i for i, item in enumerate(items) if not self._explained(item)]
        missing: list[dict[str, Any]] = []
        for agent, ts, keys, record in self.denied:
            if ts + window <= now + 1.0:
                continue  # expired (or about to): the gate drops it
            for key in keys:
                if not key or self._consumed(agent, key, ts):
                    continue
                if not any(_stands_for(i, agent, key, ts) for i in items):
                    entry = {"agent": agent, "rule": _rule_key(key, record, rules), "ts": ts}
                    missing.append(entry)
        return forged, missing

    def _explained(self, item: dict[str, Any]) -> bool:
        agent, rule, ts = item.get("agent"), item.get("rule"), item.get("ts")
        if not isinstance(agent, str) or not isinstance(rule, str):
            return False
        if not isinstance(ts, (int, float)) or isinstance(ts, bool):
            return False
        return any(
            _stands_for(item, who, key, when)
            for who, when, keys, _ in self.denied
            if who == agent
            for key in keys
        )

    def _consumed(self, agent: str, key: str, ts: float) -> bool:
        return any(a == agent and p == key and t >= ts - 1.0 for a, p, t in self.escalated)


def _pattern(text: str) -> str:
    """`pattern (file:line)` → `pattern`."""
    return text.rsplit(" (", 1)[0] if text.endswith(")") else text


def _stands_for(item: dict[str, Any], agent: str, key: str, ts: float) -> bool:
    rule, when = item.get("rule"), item.get("ts")
    if item.get("agent") != agent or not isinstance(rule, str):
        return False
    if not isinstance(when, (int, float)) or isinstance(when, bool):
        return False
    named = not key or rule == key or rule.startswith(key + " ")
    return named and ts - 1.0 <= when <= ts + LATE


def _rule_key(pattern: str, record: dict[str, Any], rules: Rules) -> str:
    """The gate's count key (`pattern owner`) for a rule the record names."""
    owner = record.get("owner") if len(record.get("rules") or []) <= 1 else None
    if owner is None:
        owner = next((r.owner for r in rules.protected if r.pattern == pattern), None)
    return f"{pattern} {owner or ''}".strip()

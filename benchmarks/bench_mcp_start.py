"""How fast `workspace-guard mcp` is usable: process start → `initialize` answered → the
listings Claude Code waits for (tools, prompts, resources) → the first `validate` answered.

    python benchmarks/bench_mcp_start.py [--rounds N]

Wall time (what a client's connect deadline counts: Claude Code gives a server 5 s,
`MCP_CONNECT_TIMEOUT_MS`), medians and worst of N rounds, with the prelude (the default) and
without it (`WORKSPACE_GUARD_MCP_PRELUDE=0`: the SDK answers everything, as before), rounds
interleaved. The load average is printed: on a busy machine every figure grows.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_coord import AGENT, BIN, FREE, workspace  # noqa: E402

TARGET_IDLE_S = 1.0
TARGET_LOADED_S = 2.0
STEPS = ("initialize", "listings", "first validate")


def _requests() -> list[dict[str, object]]:
    client = {"name": "bench", "version": "1"}
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client}
    call = {"name": "validate", "arguments": {"agent": AGENT, "paths": [FREE, "app/main.py"]}}
    return [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 2, "method": "prompts/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "resources/list"},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": call},
    ]


def one_start(repo: Path, prelude: bool) -> list[float]:
    """Seconds from spawn to each step's answer, sending as a client does (no waiting)."""
    env = {**os.environ, "WORKSPACE_GUARD_MCP_PRELUDE": "1" if prelude else "0"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "workspace-guard"), "mcp"],
        cwd=repo,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    requests = _requests()
    proc.stdin.write(b"".join(json.dumps(r).encode() + b"\n" for r in requests[:5]))
    proc.stdin.flush()
    seen: dict[object, float] = {}
    while len(seen) < 4:
        answer = json.loads(proc.stdout.readline())
        seen[answer["id"]] = time.perf_counter() - start
    proc.stdin.write(json.dumps(requests[5]).encode() + b"\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    done = time.perf_counter() - start
    assert answer["result"]["structuredContent"]["allowed"] is False, answer
    proc.stdin.close()
    proc.wait(timeout=60)
    return [seen[0], max(seen[1], seen[2], seen[3]), done]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    compileall.compile_dir(str(HERE.parent / "workspace_guard"), quiet=1)
    samples: dict[bool, list[list[float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as scratch:
        repo = workspace(Path(scratch))
        one_start(repo, True)  # warm the rules cache and the page cache
        loads = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for prelude in (True, False):
                samples[prelude].append(one_start(repo, prelude))
            loads.append(os.getloadavg()[0])
    print(f"rounds {args.rounds}; Python {sys.version.split()[0]}; load average (1 min) "
          f"{min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} CPUs\n")  # fmt: skip
    print("| seconds from spawn to | prelude: median | worst | SDK only: median | worst |")
    print("|---|--:|--:|--:|--:|")
    for index, step in enumerate(STEPS):
        row = []
        for prelude in (True, False):
            values = [s[index] for s in samples[prelude]]
            row += [f"{statistics.median(values):.3f}", f"{max(values):.3f}"]
        print(f"| {step} answered | {' | '.join(row)} |")
    listed = max(s[1] for s in samples[True])
    target = TARGET_LOADED_S if min(loads) >= 1.0 else TARGET_IDLE_S
    ok = listed < target
    print(f"\ntarget: listings answered < {target:g} s ({'loaded' if target > 1 else 'idle'}) — "
          f"worst {listed:.3f} s: {'met' if ok else 'MISSED'}")  # fmt: skip
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

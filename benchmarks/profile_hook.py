"""Where one served hook call spends its time: the hook server's request function
(`serve_request.handle`), in this process, for a Claude Code PreToolUse and PostToolUse Write
(and a parsed Bash call) of an unprotected file by `backend-framework-ai` in a scratch repository
with the example rules — what `bench_realclient.py` times end to end, without the CLI.

    python benchmarks/profile_hook.py [--calls 200] [--profile] [--tool Write|Bash]

Prints the median wall and CPU time per request (first call excluded: the server warms up at
start); `--profile` adds cProfile's top functions by cumulative time. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_startup import build_workspace, isolated_env  # noqa: E402

AGENT = "backend-framework-ai"


def _event(ws: Path, name: str, tool: str, tool_input: dict[str, str], n: int) -> bytes:
    return json.dumps(
        {
            "session_id": "profile",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": str(ws),
            "permission_mode": "default",
            "hook_event_name": name,
            "tool_name": tool,
            "tool_input": tool_input,
            "tool_response": {"success": True} if name == "PostToolUse" else None,
            "tool_use_id": f"toolu_{n}",
        }
    ).encode()


def _request(ws: Path, env: dict[str, str], stdin: bytes) -> bytes:
    from workspace_guard.gates.harness.serve_wire import REQUEST, field

    environ = b"\0".join(os.fsencode(f"{k}={v}") for k, v in env.items())
    return (
        REQUEST
        + field(b"claude")
        + field(os.fsencode(str(ws)))
        + field(b"022")
        + field(environ)
        + field(stdin)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tool", choices=("Write", "Bash"), default="Write")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wg-profile-hook-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        ws = build_workspace(tmp / "ws", env)
        (ws / "scratch").mkdir()
        wg = Path(sys.executable).with_name("workspace-guard")
        subprocess.run(
            [str(wg), "install", "--claude"], cwd=ws, env=env, check=True, capture_output=True
        )
        env = {**env, "WORKSPACE_AGENT": AGENT}
        os.environ.clear()
        os.environ.update(env)
        os.chdir(ws)
        from workspace_guard.gates.harness import serve
        from workspace_guard.gates.harness.serve_request import handle
        from workspace_guard.state import chain

        serve.warm_up()
        chain.DEFERRED = []  # as the server: the fsync after the answer (not timed here)
        walls: dict[str, list[float]] = {"PreToolUse": [], "PostToolUse": []}
        cpus: dict[str, list[float]] = {"PreToolUse": [], "PostToolUse": []}
        profiler = cProfile.Profile()
        for n in range(args.calls + 1):
            target = ws / "scratch" / f"f{n}.txt"
            if args.tool == "Write":
                tool_input = {"file_path": str(target), "content": f"{n}\n"}
            else:
                tool_input = {"command": f"echo {n} > scratch/f{n}.txt", "description": "b"}
            for name in ("PreToolUse", "PostToolUse"):
                if name == "PostToolUse":
                    target.write_text(f"{n}\n")
                request = _request(ws, env, _event(ws, name, args.tool, tool_input, n))
                if args.profile and n:
                    profiler.enable()
                t0, c0 = time.perf_counter(), time.process_time()
                code, out, err = handle(request, str(wg))
                t1, c1 = time.perf_counter(), time.process_time()
                if args.profile and n:
                    profiler.disable()
                chain.sync_deferred()
                if code != 0 or b"deny" in out:
                    raise SystemExit(f"{name} answered {code}: {out!r} {err!r}")
                if n:
                    walls[name].append((t1 - t0) * 1000)
                    cpus[name].append((c1 - c0) * 1000)
        for name, wall in walls.items():
            print(
                f"{args.tool} {name}: wall {statistics.median(wall):.2f} ms, "
                f"CPU {statistics.median(cpus[name]):.2f} ms (median of {args.calls})"
            )
        print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if args.profile:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()

"""What one tool call's hooks cost as Claude Code runs them, without the CLI: the installed
command run by `sh -c` with the event on stdin (the client check, the client, the hook server),
PreToolUse then PostToolUse of a Write and of a parsed Bash command, against a no-op `true`,
and against the code of a baseline tree (its own wheel, workspace and `install --claude`) in
the same interleaved rounds.

    python benchmarks/bench_hookchain.py --baseline TREE [--rounds 150]

Prints per call (Pre + Post): the median wall time and its excess over the no-op, and the mean
CPU of the processes (rusage of the children: sh, timeout, sha256sum, the client) and of the
hook server (from /proc, whole run over the rounds: the clock tick is 10 ms). Under load the
CPU columns are the steadier ones. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_realclient import _server_cpu  # noqa: E402
from bench_startup import DEV_PYTHON, REPO, build_venv, build_workspace, isolated_env  # noqa: E402

AGENT = "backend-framework-ai"
TOOLS = ("Write", "Bash")


def _event(ws: Path, name: str, tool: str, tool_input: dict[str, str], n: int) -> bytes:
    done = {"tool_response": {"success": True}} if name == "PostToolUse" else {}
    return json.dumps(
        {
            "session_id": "s",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": str(ws),
            "permission_mode": "default",
            "hook_event_name": name,
            "tool_name": tool,
            "tool_input": tool_input,
            **done,
            "tool_use_id": f"toolu_{n}",
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wg-bench-chain-", ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        env = isolated_env(tmp)
        kinds: dict[str, tuple[Path, str]] = {}
        for kind, source in (("base", args.baseline.resolve()), ("new", REPO)):
            (tmp / kind).mkdir()
            venv = build_venv(tmp / kind, DEV_PYTHON, source)
            ws = build_workspace(tmp / f"ws-{kind}", env)
            (ws / "scratch").mkdir()
            wg = str(venv / "bin/workspace-guard")
            subprocess.run([wg, "install", "--claude"], cwd=ws, env=env, check=True)
            hooks = json.loads((ws / ".claude/settings.json").read_text())["hooks"]
            kinds[kind] = (ws, hooks["PreToolUse"][-1]["hooks"][0]["command"])
        kinds["noop"] = (kinds["new"][0], "true")

        def run(ws: Path, command: str, data: bytes) -> float:
            call = {**env, "CLAUDE_PROJECT_DIR": str(ws), "WORKSPACE_AGENT": AGENT}
            start = time.perf_counter()
            proc = subprocess.run(
                ["sh", "-c", command],
                input=data,
                cwd=ws,
                env=call,
                capture_output=True,
                check=False,
            )
            if proc.returncode != 0 or b"deny" in proc.stdout:
                raise SystemExit(f"unexpected answer {proc.returncode}: {proc.stdout[:200]!r}")
            return (time.perf_counter() - start) * 1000

        for kind in ("base", "new"):  # until each repository's server runs, then 5 calls more
            ws, command = kinds[kind]
            warm = _event(ws, "PreToolUse", "Write", {"file_path": str(ws / "scratch/w.txt")}, 0)
            for _ in range(200):
                run(ws, command, warm)
                if _server_cpu(ws / ".git/workspace-guard"):
                    break
                time.sleep(0.3)
            else:
                raise SystemExit(f"the {kind} hook server did not start")
            for _ in range(5):
                run(ws, command, warm)
        walls: dict[tuple[str, str], list[float]] = {(k, t): [] for k in kinds for t in TOOLS}
        cpu = {(k, t): [0.0, 0.0] for k in kinds for t in TOOLS}
        n = 0
        for _ in range(args.rounds):
            for kind, (ws, command) in kinds.items():
                for tool in TOOLS:
                    n += 1
                    target = ws / "scratch" / f"{kind}-{n}.txt"
                    tool_input = (
                        {"file_path": str(target), "content": "x\n"}
                        if tool == "Write"
                        else {"command": f"echo 1 > scratch/{kind}-{n}.txt", "description": "b"}
                    )
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    served = _server_cpu(ws / ".git/workspace-guard")
                    wall = run(ws, command, _event(ws, "PreToolUse", tool, tool_input, n))
                    target.write_text("x\n")
                    wall += run(ws, command, _event(ws, "PostToolUse", tool, tool_input, n))
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    walls[kind, tool].append(wall)
                    cpu[kind, tool][0] += (
                        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                    ) * 1000
                    cpu[kind, tool][1] += _server_cpu(ws / ".git/workspace-guard") - served
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.rounds} interleaved rounds, load average at the end {load}; per call, ms")
    for tool in TOOLS:
        noop_wall = statistics.median(walls["noop", tool])
        noop_cpu = cpu["noop", tool][0] / args.rounds
        for kind in ("base", "new"):
            wall = statistics.median(walls[kind, tool])
            procs, server = (x / args.rounds for x in cpu[kind, tool])
            print(
                f"{tool:5} {kind:4}: wall {wall:6.2f} (+{wall - noop_wall:5.2f} over no-op); CPU "
                f"processes +{procs - noop_cpu:5.2f}, server {server:5.2f}, "
                f"total +{procs - noop_cpu + server:5.2f}"
            )


if __name__ == "__main__":
    main()

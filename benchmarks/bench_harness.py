"""Cost of `workspace-guard hook claude` per agent edit, against a bare interpreter.

The issue's target: the whole process for a typical event at most 3x a bare `python -I -c pass`
in the same virtualenv, same run. Claude Code runs the hook on every Edit/Write/Bash call.

Events timed (real console script, event on stdin, interleaved rounds):
- Edit of an unprotected file by a subagent (the typical event: allowed, prints nothing);
- Edit of a protected file by a non-owner (denied: JSON answer + an audit record);
- Bash `python -m pytest -q tests/` (parsed for write targets, allowed);
- Bash `sed -i … app/main.py` (denied);
- Bash commands of 64 KB + 1 byte and of 1 MB (refused unread as too large: the issue's bound is
  at most 100 ms of our work, i.e. over the bare interpreter);
- PostToolUse of the allowed Edit (the file hashed, one record appended to the provenance ledger).

Each event is timed twice: the one-shot process (`workspace-guard hook claude`, what the
launcher runs when no hook server answers) and as installed (`sh .workspace/bin/wg-hook claude`:
the launcher, its client and the repository's resident hook server, `hook serve`).

    python benchmarks/bench_harness.py [--rounds 40]

The virtualenv and workspace are built like benchmarks/bench_startup.py does (a wheel install,
not editable). Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_startup import (
    DEV_PYTHON,
    build_venv,
    build_workspace,
    isolated_env,
    p90,
    timed,
)

TARGET = 3.0


def event(
    ws: Path, tool: str, tool_input: dict[str, str], agent: str, name: str = "PreToolUse"
) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": str(ws),
            "permission_mode": "default",
            "hook_event_name": name,
            "tool_name": tool,
            "tool_input": tool_input,
            "tool_use_id": "toolu_1",
            "agent_id": "a1",
            "agent_type": agent,
        }
    ).encode()


def huge_command(size: int) -> str:
    """A plausible oversized command: many `echo … > app/main.py;` statements, `size` bytes."""
    unit = "echo " + "a" * 70 + " > app/main.py; "
    return (unit * (size // len(unit) + 1))[:size]


def in_process_refusal() -> str:
    """The analysis's own cost for an oversized command (this interpreter, median of 50)."""
    import time

    from workspace_guard.gates.harness.bash import analyze

    lines = []
    for size in (64 * 1024 + 1, 1024 * 1024):
        command = huge_command(size)
        runs = []
        for _ in range(50):
            start = time.perf_counter_ns()
            analyze(command, "/repo")
            runs.append((time.perf_counter_ns() - start) / 1e6)
        lines.append(f"analyze() of {size} bytes: {statistics.median(runs):.3f} ms (in process)")
    return "\n".join(lines)


def start_served(venv: Path, ws: Path, env: dict[str, str]) -> list[str]:
    """`install --harness claude`, then one call through the launcher starts the hook server;
    returns the launcher's command once the server listens."""
    import time

    subprocess.run(
        [str(venv / "bin" / "workspace-guard"), "install", "--harness", "claude"],
        cwd=ws,
        env=env,
        capture_output=True,
        check=True,
    )
    launcher = ["sh", str(ws / ".workspace/bin/wg-hook"), "claude"]
    probe = event(ws, "Read", {"file_path": str(ws / "README.md")}, "backend-framework-ai")
    subprocess.run(launcher, input=probe, cwd=ws, env=env, capture_output=True, check=True)
    state = ws / ".git" / "workspace-guard"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        client = state / "serve" / "client"
        probe_run = subprocess.run(
            [str(client), "claude", str(state), "20"],
            input=probe,
            cwd=ws,
            env=env,
            capture_output=True,
            check=False,
        )
        if probe_run.returncode == 0:
            return launcher
        time.sleep(0.1)
    raise SystemExit("the hook server did not start")


def timed_stdin(command: list[str], data: bytes, cwd: Path, env: dict[str, str]) -> float:
    import time

    start = time.perf_counter_ns()
    subprocess.run(
        command,
        input=data,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return (time.perf_counter_ns() - start) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wg-bench-harness-") as name:
        tmp = Path(name)
        venv = build_venv(tmp, DEV_PYTHON)
        env = isolated_env(tmp)
        ws = build_workspace(tmp / "ws", env)
        hook = [str(venv / "bin" / "workspace-guard"), "hook", "claude"]
        cases = {
            "Edit app/other.py (allowed)": event(
                ws,
                "Edit",
                {"file_path": str(ws / "app/other.py"), "old_string": "a", "new_string": "b"},
                "backend-framework-ai",
            ),
            "Edit app/main.py (denied)": event(
                ws,
                "Edit",
                {"file_path": str(ws / "app/main.py"), "old_string": "a", "new_string": "b"},
                "backend-framework-ai",
            ),
            "Bash `python -m pytest -q tests/` (allowed)": event(
                ws, "Bash", {"command": "python -m pytest -q tests/"}, "backend-framework-ai"
            ),
            "Bash `sed -i s/a/b/ app/main.py` (denied)": event(
                ws, "Bash", {"command": "sed -i s/a/b/ app/main.py"}, "backend-framework-ai"
            ),
            # a command over the 64 KB limit is refused before it is lexed (docs/bash-analysis.md)
            "Bash of 64 KB + 1 byte (refused: too large)": event(
                ws, "Bash", {"command": huge_command(64 * 1024 + 1)}, "backend-framework-ai"
            ),
            "Bash of 1 MB (refused: too large)": event(
                ws, "Bash", {"command": huge_command(1024 * 1024)}, "backend-framework-ai"
            ),
            # after the allowed Edit: hash the file, append to the provenance ledger (fsync'd)
            "PostToolUse Edit app/other.py (allowed, ledger write)": event(
                ws,
                "Edit",
                {"file_path": str(ws / "app/other.py"), "old_string": "a", "new_string": "b"},
                "backend-framework-ai",
                "PostToolUse",
            ),
        }
        for data in cases.values():  # warm the caches, check the answers are real
            subprocess.run(hook, input=data, cwd=ws, env=env, capture_output=True, check=True)
        launcher = start_served(venv, ws, env)
        bare = [str(venv / "bin" / "python"), "-I", "-c", "pass"]
        samples: dict[str, list[float]] = {"bare": [], **{k: [] for k in cases}}
        samples.update({f"served: {k}": [] for k in cases})
        for _ in range(args.rounds):
            samples["bare"].append(timed(bare, ws, env))
            for label, data in cases.items():
                samples[label].append(timed_stdin(hook, data, ws, env))
                samples[f"served: {label}"].append(timed_stdin(launcher, data, ws, env))
        base = statistics.median(samples["bare"])
        print(f"\n{args.rounds} interleaved rounds, {sys.version.split()[0]}\n")
        print("| command | median ms | p90 ms | × bare | ms over bare |")
        print("|---|--:|--:|--:|--:|")
        ok = True
        for label, values in samples.items():
            med = statistics.median(values)
            shown = "`python -I -c pass`" if label == "bare" else f"`hook claude`: {label}"
            if label.startswith("served: "):
                shown = f"launcher → hook server: {label[8:]}"
            extra = f"{med - base:.1f}" if label != "bare" else "—"
            print(f"| {shown} | {med:.1f} | {p90(values):.1f} | {med / base:.2f} | {extra} |")
            if label.startswith("served: ") and "allowed" in label and med / base > TARGET:
                ok = False
        print(f"\n{in_process_refusal()}")
        print(
            f"\ntarget: a typical (allowed) event as installed ≤ {TARGET}× bare — "
            f"{'met' if ok else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

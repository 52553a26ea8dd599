"""What the installed command's client check costs, and how fast a 1 MB Write/Edit is refused,
as Claude Code runs the hook (`sh -c COMMAND`, the event on stdin, the hook server up).

Timed in interleaved rounds, same run, same machine (an allowed Edit unless said):
- `new`: the command `install --harness claude` writes now (sha256sum of the client, then the
  committed list read until this machine's line, which `install` puts first);
- `old`: the command before that change (the whole list read a byte at a time, no early stop),
  with a list of 16 lines whose last is this machine's (`install` used to append);
- `no-check`: the client run without any check (what the check costs is `new` − `no-check`);
- `1 MB Write` / `1 MB Edit` of a protected file (denied), and a 1 MB Write of a free one.

    python benchmarks/bench_hookcheck.py [--rounds 30]

Runs the workspace-guard of this interpreter's virtualenv. Not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from helpers.harness import claude_event  # noqa: E402
from helpers.repos import make_workspace  # noqa: E402

AGENT = "backend-framework-ai"
BIN = Path(sys.executable).parent


def old_command(new: str) -> str:
    """The command as it was: no `break` in the list's loop."""
    return new.replace("k=1 && break; done", "k=1; done")


def no_check(ws: Path) -> str:
    state = ws / ".git/workspace-guard"
    return f'"{state}/serve/client" claude "{state}" 20'


def timed(command: str, data: bytes, ws: Path, env: dict[str, str]) -> tuple[float, int, bytes]:
    start = time.perf_counter_ns()
    proc = subprocess.run(
        ["sh", "-c", command], input=data, cwd=ws, env=env, capture_output=True, check=False
    )
    return (time.perf_counter_ns() - start) / 1e6, proc.returncode, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wg-bench-check-") as name:
        ws = make_workspace(Path(name) / "ws")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WORKSPACE_G"))}
        env |= {"PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(ws), "WORKSPACE_AGENT": AGENT}
        subprocess.run([str(BIN / "workspace-guard"), "install", "--harness", "claude"],
                       cwd=ws, env=env, capture_output=True, check=True)  # fmt: skip
        settings = json.loads((ws / ".claude/settings.json").read_text())
        new = settings["hooks"]["PreToolUse"][-1]["hooks"][0]["command"]
        state = ws / ".git/workspace-guard"
        server = subprocess.Popen(
            [str(BIN / "workspace-guard"), "hook", "serve", str(state), "--idle", "600"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        sums = ws / ".workspace/bin/wg-hook-client.sums"
        digest = hashlib.sha256((state / "serve/client").read_bytes()).hexdigest()
        other = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(15)]
        edit = claude_event(ws, "Edit", {"file_path": str(ws / "app/other.py"),
                                         "old_string": "a", "new_string": "b"}, AGENT)  # fmt: skip
        big = "x" * (1024 * 1024)

        def write(rel: str, content: str) -> bytes:
            tool_input = {"file_path": str(ws / rel), "content": content}
            return claude_event(ws, "Write", tool_input, AGENT)

        big_edit = {"file_path": str(ws / "app/main.py"), "old_string": big, "new_string": big}
        cases = {
            "new": (new, edit, [digest, *other]),
            "old": (old_command(new), edit, [*other, digest]),
            "no-check": (no_check(ws), edit, [digest]),
            "1 MB Write app/main.py (denied)": (new, write("app/main.py", big), [digest]),
            "1 MB Edit app/main.py (denied)": (
                new, claude_event(ws, "Edit", big_edit, AGENT), [digest]),
            "1 MB Write app/other.py (allowed)": (new, write("app/other.py", big), [digest]),
            "small Write app/main.py (denied)": (new, write("app/main.py", "x"), [digest]),
        }  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while timed(no_check(ws), edit, ws, env)[1] != 0:
                if time.monotonic() > deadline:
                    raise SystemExit("the hook server did not start")
                time.sleep(0.2)
            samples: dict[str, list[float]] = {k: [] for k in cases}
            for _ in range(args.rounds):
                for label, (command, data, lines) in cases.items():
                    sums.write_text("".join(f"{x}\n" for x in lines))
                    ms, code, out = timed(command, data, ws, env)
                    denied = b'"deny"' in out
                    if code != 0 or denied != ("denied" in label):
                        raise SystemExit(f"{label}: unexpected answer {code} {out[:80]!r}")
                    samples[label].append(ms)
        finally:
            server.terminate()
            server.wait()
        load = os.getloadavg()[0]
        print(f"\n{args.rounds} interleaved rounds, load average {load:.1f}\n")
        print("| command | median ms | min ms |")
        print("|---|--:|--:|")
        for label, values in samples.items():
            print(f"| {label} | {statistics.median(values):.1f} | {min(values):.1f} |")
        med = {k: statistics.median(v) for k, v in samples.items()}
        print(f"\ncheck (new − no-check): {med['new'] - med['no-check']:+.1f} ms; "
              f"old − no-check: {med['old'] - med['no-check']:+.1f} ms; "
              f"new/old: {med['new'] / med['old']:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Crew coordination costs (issue 16, "Speed and bad input"), measured in the same run.

    python benchmarks/bench_coord.py [--rounds N] [--claims N] [--agent-mail PYTHON]

- the claim check in the validator and in the harness hook (`hook claude`, PreToolUse Edit):
  whole processes (CPU time: user + system) for an allowed path, without a claims file and
  with one holding --claims live claims of another agent on other paths, in interleaved
  rounds; the difference of the medians is what the check adds (target <= 2 ms per call);
  the check itself, in process;
- `claim` and `release` in process (lock, read, audit record, in-place rewrite; no `fsync`:
  target <= 2 ms per call), and as whole
  processes beside `workspace-guard claims` (a command that only reads);
- the MCP server: `validate` called in process on a started server (target <= 5 ms), and one
  round trip over stdio with the SDK's client; `claim` and `release` as MCP tools in process;
- with --agent-mail PYTHON, the competitor in the same run: mcp_agent_mail's
  `file_reservation_paths` / `release_file_reservations` (its SQLite database and Git archive),
  driven in process by its own test client (benchmarks/agent_mail_reservations.py; PYTHON is
  an interpreter >= 3.12 with mcp_agent_mail installed), and the ratios.

The example rules (rules/example.yaml) and the demo's app tree, committed in a scratch repository.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workspace_guard.demo.tree import APP_TREE, example_rules  # noqa: E402

BIN = Path(sys.executable).parent
AGENT = "backend-framework-ai"
HOLDER = "api-architect-ai"
FREE = "app/models/order.py"
TARGET_CHECK_MS = 2.0
TARGET_MCP_MS = 5.0
TARGET_CLAIM_MS = 2.0  # `claim` / `release` in process (no `fsync`: state/claims_log)


def workspace(root: Path) -> Path:
    repo = root / "shop"
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root)}
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    for rel, content in APP_TREE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    (repo / ".workspace" / "rules.yaml").write_text(example_rules(), encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@example.invalid"]
    subprocess.run([*git, "add", "-A"], check=True, env=env)
    commit = [*git, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "chore: rules"]
    subprocess.run(commit, check=True, env=env)
    return repo


def claims_file(repo: Path, count: int) -> bytes:
    """`count` live exclusive claims of HOLDER on paths the timed calls do not touch."""
    until = time.time() + 86400
    items = [
        {"id": f"{i:08x}", "agent": HOLDER, "pattern": f"/docs/area{i}/", "until": until,
         "shared": False, "note": "bench", "created": time.time(), "worktree": str(repo),
         "release_on_commit": True}
        for i in range(count)
    ]  # fmt: skip
    return json.dumps(items).encode()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, stdin: bytes | None = None) -> float:
    """CPU ms of one whole process (user + system): steadier than wall time on a busy machine.
    Without `stdin`, the process reads a terminal, as a person's `claim` does (commands/speaker)."""
    import pty

    from workspace_guard.commands.speaker import HARNESS_ENV

    master, slave = pty.openpty()
    person = {k: v for k, v in os.environ.items() if k not in HARNESS_ENV}
    start = children_cpu()
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            input=stdin,
            stdin=None if stdin is not None else slave,
            capture_output=True,
            env=person if stdin is None else None,
            check=False,
        )
    finally:
        os.close(master)
        os.close(slave)
    elapsed = children_cpu() - start
    if done.returncode != 0 or (stdin is not None and done.stdout.strip()):
        raise SystemExit(f"{command}: exit {done.returncode} {done.stdout!r} {done.stderr!r}")
    return elapsed * 1000


def edit_event(repo: Path) -> bytes:
    event = {
        "session_id": "bench", "hook_event_name": "PreToolUse", "cwd": str(repo),
        "agent_id": "bench-1", "agent_type": AGENT, "tool_name": "Edit",
        "tool_input": {"file_path": str(repo / FREE), "old_string": "a", "new_string": "b"},
    }  # fmt: skip
    return json.dumps(event).encode()


def with_and_without(repo: Path, rounds: int, count: int) -> dict[str, tuple[float, float]]:
    """Median ms of each whole process without and with the claims file, rounds interleaved."""
    state = repo / ".git" / "workspace-guard"
    state.mkdir(exist_ok=True)
    path, data = state / "claims.json", claims_file(repo, count)
    calls: dict[str, Callable[[], float]] = {
        "validator": lambda: timed([str(BIN / "agent_workspace_validator"), AGENT, FREE], repo),
        "hook claude": lambda: timed(
            [str(BIN / "workspace-guard"), "hook", "claude"], repo, edit_event(repo)
        ),
    }
    for call in calls.values():
        call()  # warm the rules cache
    samples: dict[tuple[str, bool], list[float]] = {}
    for _ in range(rounds):
        for present in (False, True):
            if present:
                path.write_bytes(data)
            elif path.exists():
                path.unlink()
            for name, call in calls.items():
                samples.setdefault((name, present), []).append(call())
    path.unlink(missing_ok=True)
    return {
        name: (statistics.median(samples[name, False]), statistics.median(samples[name, True]))
        for name in calls
    }


def per_call(function: Callable[[], Any], repeat: int) -> float:
    """Median ms of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def in_process(repo: Path, count: int) -> dict[str, float]:
    """The claim check, claim and release, and MCP validate, in this process."""
    os.chdir(repo)
    from workspace_guard.commands import claims as impl
    from workspace_guard.commands import mcp_server
    from workspace_guard.core.claims import apply_all
    from workspace_guard.repo import Repo
    from workspace_guard.state.claims import live

    repo_obj = Repo.discover(str(repo))
    decision = repo_obj.decider().decide(AGENT, FREE)
    state = Path(repo_obj.state_dir)
    out = {"check, no file": per_call(lambda: apply_all([decision], live(str(state))), 2000)}
    (state / "claims.json").write_bytes(claims_file(repo, count))
    out[f"check, {count} claims"] = per_call(lambda: apply_all([decision], live(str(state))), 2000)

    def claim_release() -> tuple[float, float]:
        start = time.perf_counter()
        impl.claim(repo_obj, AGENT, [FREE], ttl=600)
        middle = time.perf_counter()
        impl.release(repo_obj, AGENT, [FREE], everything=False, force=False)
        return (middle - start) * 1000, (time.perf_counter() - middle) * 1000

    pairs = [claim_release() for _ in range(100)]
    out["claim"] = statistics.median(p[0] for p in pairs)
    out["release"] = statistics.median(p[1] for p in pairs)
    (state / "claims.json").unlink()
    try:
        server = mcp_server.build(str(repo))
    except Exception as exc:  # the optional SDK may be missing
        print(f"(MCP skipped: {exc})")
        return out

    async def validate() -> None:
        await server.call_tool("validate", {"agent": AGENT, "paths": [FREE, "app/main.py"]})

    loop = asyncio.new_event_loop()
    loop.run_until_complete(validate())  # started: the first call compiles nothing twice
    out["MCP validate (in process)"] = per_call(lambda: loop.run_until_complete(validate()), 300)

    from workspace_guard.gates.harness.formats_event import claims_command
    from workspace_guard.state import ledger

    state = str(repo / ".git" / "workspace-guard")

    def tool_pair() -> tuple[float, float]:
        # untimed: what the harness gate records for each call it allows (commands/speaker)
        ledger.append(
            state,
            [
                {"kind": "authorise", "harness": "claude", "agent": AGENT, "by": [AGENT],
                 "command": claims_command(verb, {"agent": AGENT, "paths": [FREE]})}
                for verb in ("claim", "release")
            ],
        )  # fmt: skip
        start = time.perf_counter()
        made = loop.run_until_complete(server.call_tool("claim", {"agent": AGENT, "paths": [FREE]}))
        middle = time.perf_counter()
        gone = loop.run_until_complete(
            server.call_tool("release", {"agent": AGENT, "paths": [FREE]})
        )
        if '"ok": false' in str(made) + str(gone):
            raise SystemExit(f"MCP claim/release failed: {made} {gone}")
        return (middle - start) * 1000, (time.perf_counter() - middle) * 1000

    tool_pair()
    pairs = [tool_pair() for _ in range(100)]
    out["MCP claim (in process)"] = statistics.median(p[0] for p in pairs)
    out["MCP release (in process)"] = statistics.median(p[1] for p in pairs)
    loop.close()
    return out


def agent_mail(python: str, rounds: int) -> dict[str, float]:
    """mcp_agent_mail's reserve / release medians (ms), timed by its own interpreter."""
    script = str(HERE / "agent_mail_reservations.py")
    # the published build exposes the reservation tools only in its "extended" mode
    env = {**os.environ, "MCP_TOOLS_MODE": "extended"}
    done = subprocess.run(
        [python, script, str(rounds)], capture_output=True, text=True, check=False, env=env
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"mcp_agent_mail run failed: {done.stderr[-2000:]}")
    found: dict[str, float] = json.loads(lines[-1])
    return found


def mcp_round_trip(repo: Path, rounds: int) -> float | None:
    """Median ms of one `validate` over stdio with the SDK's client, after the session starts."""
    try:
        from mcp import Client
        from mcp.client.stdio import StdioServerParameters
    except ImportError:
        return None
    params = StdioServerParameters(
        command=str(BIN / "workspace-guard"), args=["mcp"], cwd=str(repo), env=dict(os.environ)
    )

    async def main() -> float:
        async with Client(params) as client:
            arguments = {"agent": AGENT, "paths": [FREE]}
            await client.call_tool("validate", arguments)
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                await client.call_tool("validate", arguments)
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)

    return asyncio.run(main())


def whole_commands(repo: Path, rounds: int) -> dict[str, float]:
    wg = str(BIN / "workspace-guard")
    commands = {
        "claims (reads only)": [wg, "claims"],
        "claim": [wg, "claim", FREE, "--agent", AGENT],
        "release": [wg, "release", FREE, "--agent", AGENT],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            samples[name].append(timed(command, repo))
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--claims", type=int, default=20, help="live claims in the file")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--agent-mail", metavar="PYTHON", help="an interpreter with mcp_agent_mail installed"
    )
    args = parser.parse_args(argv)
    # timed processes import compiled modules, as from any install (PYTHONDONTWRITEBYTECODE
    # would otherwise make every process compile the package's sources again)
    compileall.compile_dir(str(HERE.parent / "workspace_guard"), quiet=1)
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-coord-") as scratch:
        repo = workspace(Path(scratch))
        print(f"rounds {args.rounds}, {args.claims} live claims; Python {sys.version.split()[0]}\n")
        print("| whole process (CPU) | no claims file ms | with claims ms | added ms |")
        print("|---|--:|--:|--:|")
        for name, (without, with_) in with_and_without(repo, args.rounds, args.claims).items():
            print(f"| {name} | {without:.1f} | {with_:.1f} | {with_ - without:+.1f} |")
            ok = ok and with_ - without <= TARGET_CHECK_MS
        print("\n| in process | median ms |\n|---|--:|")
        inside = in_process(repo, args.claims)
        for name, ms in inside.items():
            print(f"| {name} | {ms:.3f} |")
        ok = ok and max(inside["claim"], inside["release"]) <= TARGET_CLAIM_MS
        if args.agent_mail:
            theirs = agent_mail(args.agent_mail, args.rounds)
            reserve = theirs["reserve"]
            print(f"| mcp_agent_mail `file_reservation_paths` (in process) | {reserve:.3f} |")
            print(f"| mcp_agent_mail `release_file_reservations` (in process) | "
                  f"{theirs['release']:.3f} |")  # fmt: skip
            for ours, mine, their in (
                ("claim", "MCP claim (in process)", "reserve"),
                ("release", "MCP release (in process)", "release"),
            ):
                print(f"| ratio mcp_agent_mail / ours: {ours} direct | "
                      f"{theirs[their] / inside[ours]:.0f}x |")  # fmt: skip
                if mine in inside:
                    print(f"| ratio mcp_agent_mail / ours: {ours} as MCP tools | "
                          f"{theirs[their] / inside[mine]:.0f}x |")  # fmt: skip
        mcp_ms = inside.get("MCP validate (in process)")
        ok = ok and (mcp_ms is None or mcp_ms <= TARGET_MCP_MS)
        trip = mcp_round_trip(repo, args.rounds * 5)
        if trip is not None:
            print(f"| MCP validate, stdio round trip (SDK client) | {trip:.3f} |")
        print("\n| whole process (CPU) | median ms |\n|---|--:|")
        for name, ms in whole_commands(repo, args.rounds).items():
            print(f"| `workspace-guard {name}` | {ms:.1f} |")
    print(f"\ntargets: claim check adds <= {TARGET_CHECK_MS:g} ms; claim/release <= "
          f"{TARGET_CLAIM_MS:g} ms in process; MCP validate <= "
          f"{TARGET_MCP_MS:g} ms in process — {'met' if ok else 'MISSED'}")  # fmt: skip
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

"""What our hooks cost as the real Claude Code experiences it (issue 14, Speed).

The scripted model server (tests/realclients/fake_model.py) timestamps the moment it has sent a
`tool_use` and the moment the CLI's next request (carrying that tool's result) arrives. That gap
holds every hook the CLI runs for the call (PreToolUse and PostToolUse), the tool itself and the
CLI's own bookkeeping. Settings are compared in interleaved rounds, each round one CLI session
per setting making N Write calls and N parsed Bash calls (`echo … > file`) on unprotected files
from the main thread with `WORKSPACE_AGENT=backend-framework-ai` (the full decision path):

- `none`: no hooks at all;
- `noop`: the hooks `install --claude` writes, same events and matchers, with the command `true`;
- `guard`: the hooks as `install --claude` writes them: the committed launcher, whose client
  hands the event to the repository's resident hook server (`hook serve`; the C client);
- `guard-py`: `guard` with the Python client (what a machine without a C compiler gets);
- `pre-only`: `guard` with the PostToolUse hook (the provenance ledger) made a no-op;
- `one-shot`: `guard` with `WG_HOOK_SERVE=0`: a fresh workspace-guard process per hook, as
  before the server;
- `base` (with `--baseline TREE`): `guard` as the code in TREE installs and runs it (its own
  wheel, its own workspace, installed by its own `install --claude`), so the code before a
  change and after it alternate in the same rounds, at the same load
  (`git worktree add /tmp/before COMMIT` or `git archive COMMIT | tar -x -C /tmp/before`).

Targets: `guard` adds <= 15 ms over `noop` per Write and <= 25 ms per parsed Bash command
(medians). The CPU figures add the hook server's own CPU time (it is not a child of the CLI).
The CLI is the pinned Claude Code in ${WG_CLI_CACHE:-~/.cache/workspace-guard-clis}.

    python benchmarks/bench_realclient.py [--calls 20] [--rounds 3] [--baseline TREE]

workspace-guard runs from a regular (wheel) install, as in benchmarks/bench_startup.py. Not a test.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_startup import (  # noqa: E402
    DEV_PYTHON,
    build_venv,
    build_workspace,
    isolated_env,
    timed,
)
from realclients.clients import binary, run_claude  # noqa: E402
from realclients.fake_model import Call, FakeModel, Script  # noqa: E402

AGENT = "backend-framework-ai"
TARGETS = {"Write": 15.0, "Bash": 25.0}
SETTINGS = ".claude/settings.json"


def _settings(installed: dict[str, object], kind: str) -> dict[str, object]:
    if kind in ("guard", "guard-py", "base"):
        return installed
    if kind == "none":
        return {k: v for k, v in installed.items() if k != "hooks"}
    hooks = json.loads(json.dumps(installed))["hooks"]
    for event, groups in hooks.items():
        if kind == "pre-only" and event != "PostToolUse":
            continue
        for group in groups:
            for hook in group["hooks"]:
                if kind == "one-shot":
                    hook["command"] = "export WG_HOOK_SERVE=0; " + hook["command"]
                else:
                    hook["command"] = "true"
    return {**installed, "hooks": hooks}


def _server_cpu(state: Path) -> float:
    """CPU ms used so far by the repository's hook server (0 when none runs)."""
    needle = str(state).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if b"serve" not in cmdline or needle not in cmdline:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    return 0.0


def _use_client(state: Path, kind: str, venv: Path) -> None:
    """Put the C or the Python client in place (what `install` builds with or without cc)."""
    client = state / "serve" / "client"
    keep = state / "serve" / "client.c-build"
    if kind == "guard-py":
        if not keep.exists():
            client.rename(keep)
        source = (HERE.parent / "workspace_guard/resources/launcher/wg-hook-client.py").read_bytes()
        client.write_bytes(b"#!" + str(venv / "bin/python").encode() + b" -IS\n" + source)
        client.chmod(0o700)
    elif keep.exists():
        keep.replace(client)


def _session(
    repo: Path, home: Path, tool: str, calls: int, tag: str, env: dict[str, str]
) -> tuple[list[float], float]:
    """One CLI session making CALLS calls of TOOL: (gap per call in ms, CPU ms of the session
    and everything it ran: the CLI, its hooks, the tools, the hook server)."""
    if tool == "Write":
        made = [
            Call("Write", {"file_path": str(repo / f"scratch/{tag}-{i}.txt"), "content": f"{i}\n"})
            for i in range(calls)
        ]
    else:
        made = [
            Call("Bash", {"command": f"echo {i} > scratch/{tag}-{i}.txt", "description": "b"})
            for i in range(calls)
        ]
    script = Script({"main": [[c] for c in made]})
    state = repo / ".git/workspace-guard"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = _server_cpu(state)
    with FakeModel(script) as model:
        run = run_claude(repo, model.url, home, env=env, timeout=600)
        if run.returncode != 0:
            raise SystemExit(f"claude failed: {run.stderr[-2000:]}")
        gaps = model.gaps()
        for call in made:
            text, is_error = model.result(call.id)
            if is_error:
                raise SystemExit(f"{call.name} was refused: {text}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    cpu += max(_server_cpu(state) - served, 0.0)
    return [gaps[c.id] * 1000 for c in made], cpu


def _bare(venv: Path, repo: Path, env: dict[str, str], count: int) -> tuple[float, float]:
    """A bare `python -I -c pass` of the same virtualenv, same moment: (median wall, CPU) ms."""
    walls = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(count):
        walls.append(timed([str(venv / "bin/python"), "-I", "-c", "pass"], repo, env))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return statistics.median(walls), cpu / count


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:+.0f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--settings",
        default="none,noop,guard,guard-py,pre-only,one-shot",
        help="comma-separated subset of the settings (noop and guard are always measured)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a source tree of the code to compare with (adds the setting `base`)",
    )
    args = parser.parse_args()
    if binary("claude") is None:
        raise SystemExit("Claude Code is not installed: run .ci/run or see tests/realclients/")
    chosen = set(args.settings.split(",")) | {"noop", "guard"}
    chosen |= {"base"} if args.baseline else set()
    order = ("none", "noop", "guard", "base", "guard-py", "pre-only", "one-shot")
    kinds = tuple(k for k in order if k in chosen)
    tools = ("Write", "Bash")
    gap: dict[tuple[str, str], list[float]] = {(k, t): [] for k in kinds for t in tools}
    cpu: dict[tuple[str, str], list[float]] = {(k, t): [] for k in kinds for t in tools}
    with tempfile.TemporaryDirectory(prefix="wg-bench-rc-", ignore_cleanup_errors=True) as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        venv = build_venv(tmp, DEV_PYTHON)
        repo = build_workspace(tmp / "ws", env)
        (repo / "scratch").mkdir()
        subprocess.run(
            [str(venv / "bin/workspace-guard"), "install", "--claude"],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
        )
        installed = json.loads((repo / SETTINGS).read_text())
        repos = {kind: repo for kind in kinds}
        if args.baseline:
            (tmp / "base").mkdir()
            base_venv = build_venv(tmp / "base", DEV_PYTHON, args.baseline.resolve())
            repos["base"] = build_workspace(tmp / "ws-base", env)
            (repos["base"] / "scratch").mkdir()
            subprocess.run(
                [str(base_venv / "bin/workspace-guard"), "install", "--claude"],
                cwd=repos["base"],
                env=env,
                check=True,
                capture_output=True,
            )
            base_installed = json.loads((repos["base"] / SETTINGS).read_text())
        os.environ.update({k: v for k, v in env.items() if k.startswith("GIT_")})
        bare: list[tuple[float, float]] = []
        for round_no in range(args.rounds):
            bare.append(_bare(venv, repo, env, args.calls))
            for tool in tools:
                for kind in kinds:
                    here = repos[kind]
                    made = base_installed if kind == "base" else installed
                    (here / SETTINGS).write_text(json.dumps(_settings(made, kind)))
                    if kind != "base":
                        _use_client(here / ".git/workspace-guard", kind, venv)
                    gaps, used = _session(
                        here,
                        tmp / f"home-{kind}-{tool}-{round_no}",
                        tool,
                        args.calls,
                        f"{kind}-{tool}-{round_no}",
                        {"WORKSPACE_AGENT": AGENT},
                    )
                    gap[kind, tool].append(statistics.median(gaps))
                    cpu[kind, tool].append(used / args.calls)
            print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    print(
        f"Claude Code: gap tool_use -> next request, median of {args.calls} calls per session; "
        f"{args.rounds} rounds (per-round values in brackets); ms"
    )
    print(
        f"bare `python -I -c pass`: wall {statistics.median(b[0] for b in bare):.1f}, "
        f"CPU {statistics.median(b[1] for b in bare):.1f} "
        f"[{', '.join(f'{b[0]:.0f}/{b[1]:.0f}' for b in bare)}]"
    )
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for tool in tools:
        row = {k: statistics.median(gap[k, tool]) for k in kinds}
        print(f"{tool:5} gap: " + ", ".join(f"{k} {row[k]:.1f}" for k in kinds))
        for kind in kinds[kinds.index("guard") :]:
            vs_noop = [g - n for g, n in zip(gap[kind, tool], gap["noop", tool], strict=True)]
            used = [g - n for g, n in zip(cpu[kind, tool], cpu["noop", tool], strict=True)]
            verdict = ""
            if kind == "guard":
                met = statistics.median(vs_noop) <= TARGETS[tool]
                verdict = f" | target <= {TARGETS[tool]:.0f}: {'met' if met else 'MISSED'}"
            print(
                f"{tool:5} {kind:9} added vs noop: wall {statistics.median(vs_noop):+.1f} "
                f"[{_fmt(vs_noop)}], CPU {statistics.median(used):+.1f} [{_fmt(used)}]{verdict}"
            )


if __name__ == "__main__":
    main()

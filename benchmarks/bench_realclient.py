"""What our hooks cost as the real Claude Code experiences it (issue 14, Speed).

The scripted model server (tests/realclients/fake_model.py) timestamps the moment it has sent a
`tool_use` and the moment the CLI's next request (carrying that tool's result) arrives. That gap
holds every hook the CLI runs for the call (PreToolUse and PostToolUse), the tool itself and the
CLI's own bookkeeping. Three settings are compared in interleaved rounds, each round one CLI
session per setting making N Write calls and N parsed Bash calls (`echo … > file`) on
unprotected files from the main thread with `WORKSPACE_AGENT=backend-framework-ai` (the full
decision path):

- `none`: no hooks at all;
- `noop`: the hooks `install --claude` writes, same events and matchers, with the command `true`;
- `guard`: the hooks `install --claude` writes (the committed launcher, then workspace-guard);
- `pre-only`: `guard` with the PostToolUse hook (the provenance ledger) made a no-op, to show
  what each of the two hooks per call costs;
- `async-post`: `guard` with the PostToolUse hook marked `"async": true` (Claude Code runs it in
  the background, without blocking the next request).

Targets: `guard` adds <= 15 ms over `noop` per Write and <= 25 ms per parsed Bash command
(medians). The CLI is the pinned Claude Code in ${WG_CLI_CACHE:-~/.cache/workspace-guard-clis}.

    python benchmarks/bench_realclient.py [--calls 20] [--rounds 3]

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
    if kind == "guard":
        return installed
    if kind == "none":
        return {k: v for k, v in installed.items() if k != "hooks"}
    text = json.dumps(installed)
    hooks = json.loads(text)["hooks"]
    for event, groups in hooks.items():
        if kind in ("pre-only", "async-post") and event != "PostToolUse":
            continue
        for group in groups:
            for hook in group["hooks"]:
                if kind == "async-post":
                    hook["async"] = True  # Claude Code runs it in the background
                else:
                    hook["command"] = "true"
    return {**installed, "hooks": hooks}


def _session(
    repo: Path, home: Path, tool: str, calls: int, tag: str, env: dict[str, str]
) -> tuple[list[float], float]:
    """One CLI session making CALLS calls of TOOL: (gap per call in ms, CPU ms of the session
    and everything it ran: the CLI, its hooks, the tools)."""
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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    args = parser.parse_args()
    if binary("claude") is None:
        raise SystemExit("Claude Code is not installed: run .ci/run or see tests/realclients/")
    kinds = ("none", "noop", "guard", "pre-only", "async-post")
    tools = ("Write", "Bash")
    gap: dict[tuple[str, str], list[float]] = {(k, t): [] for k in kinds for t in tools}
    cpu: dict[tuple[str, str], list[float]] = {(k, t): [] for k in kinds for t in tools}
    with tempfile.TemporaryDirectory(prefix="wg-bench-rc-") as tmp_name:
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
        os.environ.update({k: v for k, v in env.items() if k.startswith("GIT_")})
        bare: list[tuple[float, float]] = []
        for round_no in range(args.rounds):
            bare.append(_bare(venv, repo, env, args.calls))
            for tool in tools:
                for kind in kinds:
                    (repo / SETTINGS).write_text(json.dumps(_settings(installed, kind)))
                    gaps, used = _session(
                        repo,
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
    for tool in tools:
        row = {k: statistics.median(gap[k, tool]) for k in kinds}
        vs_noop = [g - n for g, n in zip(gap["guard", tool], gap["noop", tool], strict=True)]
        vs_none = [g - n for g, n in zip(gap["guard", tool], gap["none", tool], strict=True)]
        cpu_noop = [g - n for g, n in zip(cpu["guard", tool], cpu["noop", tool], strict=True)]
        verdict = "met" if statistics.median(vs_noop) <= TARGETS[tool] else "MISSED"
        print(
            f"{tool:5} gap: none {row['none']:.1f}, noop {row['noop']:.1f}, "
            f"guard {row['guard']:.1f}"
            f" | added vs noop {statistics.median(vs_noop):+.1f} [{_fmt(vs_noop)}]"
            f", vs none {statistics.median(vs_none):+.1f} [{_fmt(vs_none)}]"
            f" | target <= {TARGETS[tool]:.0f}: {verdict}"
        )
        pre_noop = [g - n for g, n in zip(gap["pre-only", tool], gap["noop", tool], strict=True)]
        cpu_pre = [g - n for g, n in zip(cpu["pre-only", tool], cpu["noop", tool], strict=True)]
        print(
            f"{tool:5} CPU per call (session total / calls): added vs noop "
            f"{statistics.median(cpu_noop):+.1f} [{_fmt(cpu_noop)}]"
        )
        print(
            f"{tool:5} PreToolUse only: gap added vs noop {statistics.median(pre_noop):+.1f} "
            f"[{_fmt(pre_noop)}], CPU {statistics.median(cpu_pre):+.1f} [{_fmt(cpu_pre)}]"
        )
        asy = [g - n for g, n in zip(gap["async-post", tool], gap["noop", tool], strict=True)]
        print(
            f"{tool:5} PostToolUse async: gap added vs noop {statistics.median(asy):+.1f} "
            f"[{_fmt(asy)}]"
        )


if __name__ == "__main__":
    main()

"""Startup cost of the validator, measured against a bare interpreter in the same virtualenv.

The issue's target: the whole `agent_workspace_validator AGENT PATH` process with the example
rules costs at most 3x a bare `python -I -c pass` from the same virtualenv.

What runs:

1. a throwaway virtualenv with workspace-guard installed from a wheel (NOT editable: the
   editable finder alone adds ~16 ms of import to every process), its dependencies made visible
   through a `.pth` line pointing at the development venv's site-packages;
2. a throwaway workspace repository: the example rules and a small app tree, committed;
3. the cold run (no cache: one `git rev-parse`, YAML parsed, caches written), repeated with the
   cache removed before each run;
4. one warm-up run, then interleaved rounds of `python -I -c pass`, the validator on a denied
   path (`app/main.py`: owner, backups and rule printed, an audit record written) and on an
   allowed one (`app/other.py`), with the real console script;
5. optionally the same three commands through hyperfine, as a cross-check.

    python benchmarks/bench_startup.py [--rounds 40] [--cold 10] [--no-hyperfine] [--keep]

Not a test: timings depend on the machine. The table is printed in markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV_PYTHON = REPO / ".venv" / "bin" / "python"
AGENT = "backend-framework-ai"
TARGET = 3.0
SOURCE_ITEMS = ("workspace_guard", "setup.cfg", "pyproject.toml", "README.md", "rules")

APP_TREE = {
    "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    "app/core/config.py": "DEBUG = False\n",
    "app/database.py": "engine = None\n",
    "app/models/user.py": "class User: ...\n",
    "app/api/v1/deps/auth.py": "def current_user(): ...\n",
    "app/services/auth_service.py": "def login(): ...\n",
    "tests/conftest.py": "import pytest\n",
    "docker-compose.yml": "services: {}\n",
    "frontend/vite.config.ts": "export default {}\n",
    "README.md": "# shop\n",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds (>= 30)")
    parser.add_argument("--cold", type=int, default=10, help="cold runs (cache removed)")
    parser.add_argument("--python", default=str(DEV_PYTHON), help="the development venv python")
    parser.add_argument("--no-hyperfine", action="store_true", help="skip the hyperfine check")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    rounds = max(args.rounds, 30)
    tmp = Path(tempfile.mkdtemp(prefix="wg-bench-"))
    try:
        return run(tmp, Path(args.python), rounds, args.cold, not args.no_hyperfine)
    finally:
        if args.keep:
            print(f"\n(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, dev_python: Path, rounds: int, cold_runs: int, use_hyperfine: bool) -> int:
    venv = build_venv(tmp, dev_python)
    python = venv / "bin" / "python"
    validator = venv / "bin" / "agent_workspace_validator"
    env = isolated_env(tmp)
    workspace = build_workspace(tmp / "ws", env)
    bare = [str(python), "-I", "-c", "pass"]
    denied = [str(validator), AGENT, "app/main.py"]
    allowed = [str(validator), AGENT, "app/other.py"]
    check_answers(denied, allowed, workspace, env)

    cache = workspace / ".git" / "workspace-guard" / "cache"
    cold = []
    for _ in range(cold_runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed(denied, workspace, env))
    timed(denied, workspace, env)  # warm: the cache is written again

    samples: dict[str, list[float]] = {"bare": [], "denied": [], "allowed": []}
    for _ in range(rounds):  # interleaved, so drift (thermal, other load) hits all alike
        samples["bare"].append(timed(bare, workspace, env))
        samples["denied"].append(timed(denied, workspace, env))
        samples["allowed"].append(timed(allowed, workspace, env))

    print_table(samples, cold, rounds, python)
    ok = statistics.median(samples["denied"]) <= TARGET * statistics.median(samples["bare"])
    if use_hyperfine and shutil.which("hyperfine"):
        hyperfine_check(bare, denied, allowed, workspace, env, rounds, tmp)
    elif use_hyperfine:
        print("\n(hyperfine not found: the interleaved loop above is the measurement)")
    return 0 if ok else 1


# --- setting up -------------------------------------------------------------------------------


def build_venv(tmp: Path, dev_python: Path, source: Path = REPO) -> Path:
    """A venv with a regular (wheel) install of `source` (this checkout unless said);
    dependencies come from the development venv."""
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for item in SOURCE_ITEMS:
        path = source / item
        if path.is_dir():
            shutil.copytree(path, src / item, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, src / item)
    wheels = tmp / "wheels"
    quiet(
        dev_python,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-q",
        "-w",
        str(wheels),
        str(src),
    )
    venv = tmp / "venv"
    quiet(dev_python, "-m", "venv", str(venv))
    python = venv / "bin" / "python"
    purelib = out(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    dev_purelib = out(dev_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    Path(purelib, "zz_dev_dependencies.pth").write_text(dev_purelib + "\n")
    wheel = next(wheels.glob("workspace_guard-*.whl"))
    quiet(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel))
    origin = out(python, "-I", "-c", "import workspace_guard; print(workspace_guard.__file__)")
    if not origin.startswith(purelib):
        raise SystemExit(f"the benchmark venv imports workspace_guard from {origin}")
    return venv


def isolated_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "WORKSPACE_"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    env.pop("PYTHONPATH", None)
    return env


def build_workspace(path: Path, env: dict[str, str]) -> Path:
    """The example rules and a small tree, committed."""
    path.mkdir()
    for rel, content in APP_TREE.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    rules = path / ".workspace" / "rules.yaml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "rules" / "example.yaml", rules)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)
    return path


def check_answers(denied: list[str], allowed: list[str], cwd: Path, env: dict[str, str]) -> None:
    """The benchmark times the real answers: 1 for the protected file, 0 for the free one."""
    for command, expected in ((denied, 1), (allowed, 0)):
        proc = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        if proc.returncode != expected:
            raise SystemExit(f"{' '.join(command)}: exit {proc.returncode}\n{proc.stderr}")


def quiet(python: Path, *args: str) -> None:
    proc = subprocess.run([str(python), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def out(python: Path, *args: str) -> str:
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


# --- measuring --------------------------------------------------------------------------------


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one whole process, in milliseconds."""
    start = time.perf_counter_ns()
    subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return (time.perf_counter_ns() - start) / 1e6


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def print_table(
    samples: dict[str, list[float]], cold: list[float], rounds: int, python: Path
) -> None:
    base = statistics.median(samples["bare"])
    rows = [
        ("`python -I -c pass`", samples["bare"]),
        (f"`agent_workspace_validator {AGENT} app/main.py` (denied)", samples["denied"]),
        (f"`agent_workspace_validator {AGENT} app/other.py` (allowed)", samples["allowed"]),
    ]
    version = out(python, "-c", "import sys; print(sys.version.split()[0])")
    print(f"Python {version}, {rounds} interleaved rounds, wheel install (not editable)\n")
    low = min(samples["bare"])
    print("| command | median ms | p90 ms | min ms | × bare (median) | × bare (min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, values in rows:
        median = statistics.median(values)
        print(
            f"| {label} | {median:.1f} | {p90(values):.1f} | {min(values):.1f} "
            f"| {median / base:.2f} | {min(values) / low:.2f} |"
        )
    if cold:
        median = statistics.median(cold)
        spread = f"{p90(cold):.1f}" if len(cold) >= 2 else "-"
        print(
            f"| same, denied, cold (cache removed; {len(cold)} runs) | {median:.1f} | {spread} "
            f"| {min(cold):.1f} | {median / base:.2f} | {min(cold) / low:.2f} |"
        )
    ratio = statistics.median(samples["denied"]) / base
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(
        f"\nvalidator / bare python (median, warm, denied path): {ratio:.2f}× — {verdict} the "
        f"{TARGET:.0f}× target (min/min: {min(samples['denied']) / low:.2f}×; on a loaded machine "
        "the minimum is the steadier estimate)"
    )


def hyperfine_check(
    bare: list[str],
    denied: list[str],
    allowed: list[str],
    cwd: Path,
    env: dict[str, str],
    rounds: int,
    tmp: Path,
) -> None:
    """The same three commands through hyperfine (-N: no shell in between)."""
    export = tmp / "hyperfine.json"
    commands = [subprocess.list2cmdline(c) for c in (bare, denied, allowed)]
    proc = subprocess.run(
        [
            "hyperfine",
            "-N",
            "--warmup",
            "3",
            "--runs",
            str(rounds),
            "-i",
            "--export-json",
            str(export),
            *commands,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not export.exists():
        print(f"\n(hyperfine failed: {proc.stderr.strip()[:200]})")
        return
    results = json.loads(export.read_text())["results"]
    base = results[0]["median"]
    print("\nhyperfine cross-check (sequential, not interleaved):\n")
    print("| command | median ms | mean ± σ ms | × bare python |")
    print("|---|---:|---:|---:|")
    for label, result in zip(("bare python", "denied", "allowed"), results, strict=True):
        print(
            f"| {label} | {result['median'] * 1000:.1f} | {result['mean'] * 1000:.1f} ± "
            f"{result['stddev'] * 1000:.1f} | {result['median'] / base:.2f} |"
        )


if __name__ == "__main__":
    sys.exit(main())

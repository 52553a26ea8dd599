"""The push/CI gate: `check-commits` over long ranges, against git's own listing, in the same run.

The issue's targets:

1. 1,000 commits x 10 changed files, 1,000 protected rules: `workspace-guard check-commits
   BASE..TIP`, and the `pre-receive` hook taking the same commits as a new branch of a bare
   repository, each take at most 1.5x `git log --name-status -z --no-renames BASE..TIP` (git's
   own listing of the same facts), all as whole processes, interleaved, medians of >= 5 rounds;
2. 10,000 commits: under 10 s;
3. memory flat in the number of commits: peak RSS for 1,000 vs 10,000 commits.

What runs:

- a throwaway virtualenv with workspace-guard installed from a wheel (not editable: the
  editable finder adds ~16 ms of import to every process), its dependencies visible through a
  `.pth` line to the development venv (`--editable` times the development venv instead);
- a repository built with one `git fast-import`: a base commit holding a rules file of
  `--rules` protected rules (patterns from benchmarks/workload.py, owners spread over 20
  agents, levels high and critical), then two histories on top of it, `small` (`--commits`)
  and `big` (`--big`), each commit touching `--files` paths of the workload's tree with the
  protocol's template message; 1 % of the commits break the template, so the reports are
  exercised too;
- one warm-up run (the compiled rules are cached by blob id, as in real use), then interleaved
  rounds; `--cold` also times runs with the cache removed; `--profile` runs the small range
  in-process under cProfile and prints where the time goes.

    python benchmarks/bench_push.py [--commits 1000] [--big 10000] [--files 10] [--rules 1000]
                                    [--rounds 5] [--cold 3] [--editable] [--profile] [--keep]
                                    [--variant NAME=DIR ...]

Not a test: timings depend on the machine. Tables are printed in markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_startup import isolated_env

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEV_PYTHON = REPO / ".venv" / "bin" / "python"
sys.path.insert(0, str(HERE))

import workload  # noqa: E402

AGENTS = [f"agent-{n:02}" for n in range(20)]
SUPERUSER = "master-orchestrator"
BAD_EVERY = 100  # one commit in a hundred breaks the template
SOURCE_ITEMS = ("workspace_guard", "setup.cfg", "pyproject.toml", "README.md", "rules")
TARGET_RATIO = 1.5
TARGET_BIG_SECONDS = 10.0


def main() -> int:
    args = parse_args()
    if args.reuse:
        return run(args, Path(args.reuse))
    tmp = Path(tempfile.mkdtemp(prefix="wg-bench-push-"))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"\n(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=1_000, help="the small range")
    parser.add_argument("--big", type=int, default=10_000, help="the big range (0: skip)")
    parser.add_argument("--files", type=int, default=10, help="changed files per commit")
    parser.add_argument("--rules", type=int, default=1_000, help="protected rules")
    parser.add_argument("--paths", type=int, default=20_000, help="distinct paths in the tree")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--cold", type=int, default=3, help="runs with the rules cache removed")
    parser.add_argument("--editable", action="store_true", help="time the development venv")
    parser.add_argument("--profile", action="store_true", help="cProfile the small range")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--reuse", metavar="DIR", help="a directory kept by --keep (same sizes)")
    parser.add_argument("--only", choices=("timing", "memory"), help="run one part")
    parser.add_argument(
        "--variant",
        metavar="NAME=DIR",
        action="append",
        default=[],
        help="also time check-commits and pre-receive with DIR (a copy of some version of the "
        "code: the folder holding its workspace_guard package) first on PYTHONPATH, "
        "interleaved in the same rounds (repeatable: before and after a change)",
    )
    return parser.parse_args()


def run(args: argparse.Namespace, tmp: Path) -> int:
    env = isolated_env(tmp)
    if args.reuse:
        python = DEV_PYTHON if args.editable else tmp / "venv" / "bin" / "python"
        repo, expected = (
            tmp / "repo",
            {"small": bad_count(args.commits), "big": bad_count(args.big)},
        )
    else:
        python = DEV_PYTHON if args.editable else build_venv(tmp) / "bin" / "python"
        started = time.perf_counter()
        repo, expected = build_repository(tmp / "repo", args, env)
        print(
            f"built the repository in {time.perf_counter() - started:.1f} s "
            f"({args.commits} + {args.big} commits x {args.files} files, {args.rules} rules)\n"
        )
    guard = python.parent / "workspace-guard"
    ok = True
    if args.only != "memory":
        ok = timing(args, python, guard, repo, env, expected)
    if args.only != "timing":
        memory(args, guard, repo, env)
    return 0 if ok else 1


def timing(
    args: argparse.Namespace,
    python: Path,
    guard: Path,
    repo: Path,
    env: dict[str, str],
    expected: dict[str, int],
) -> bool:
    small = ["main..small"]
    check_small = [str(guard), "check-commits", *small]
    git_small = ["git", "log", "--name-status", "-z", "--no-renames", *small]
    bare, feed = bare_push(repo, env)
    receive = [str(guard), "hook", "pre-receive"]
    ours_git = ["git", *internal_log_args(), *small]
    verify(check_small, repo, env, expected["small"])
    cache = repo / ".git" / "workspace-guard" / "cache"
    cold = []
    for _ in range(args.cold):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed(check_small, repo, env))
    timed(check_small, repo, env)  # warm-up: the rules cache is written again

    timed(receive, bare, env, feed)  # warm-up: the server's rules cache
    samples: dict[str, list[Sample]] = {
        "git log": [],
        "git log (our options)": [],
        "ours": [],
        "pre-receive": [],
    }
    variants = {}
    for spec in args.variant:
        name, _sep, folder = spec.partition("=")
        variants[name] = {**env, "PYTHONPATH": folder}
        # its bytecode written now: with PYTHONDONTWRITEBYTECODE in the environment every run
        # would compile the copy again (~70-80 ms of CPU that the wheel install never pays)
        quiet([str(python), "-m", "compileall", "-q", str(Path(folder) / "workspace_guard")])
        samples[f"ours ({name})"], samples[f"pre-receive ({name})"] = [], []
        timed(check_small, repo, variants[name])  # warm-up: bytecode compiled
        timed(receive, bare, variants[name], feed)
    for _ in range(max(args.rounds, 5)):
        samples["git log"].append(timed(git_small, repo, env))
        samples["git log (our options)"].append(timed(ours_git, repo, env))
        samples["ours"].append(timed(check_small, repo, env))
        samples["pre-receive"].append(timed(receive, bare, env, feed))
        for name, variant in variants.items():
            samples[f"ours ({name})"].append(timed(check_small, repo, variant))
            samples[f"pre-receive ({name})"].append(timed(receive, bare, variant, feed))
    ratio = wall(samples["ours"]) / wall(samples["git log"])
    receive_ratio = wall(samples["pre-receive"]) / wall(samples["git log"])
    print_small(args, samples, cold, ratio, receive_ratio)

    ok = ratio <= TARGET_RATIO and receive_ratio <= TARGET_RATIO
    if args.big:
        ok = big_range(args, guard, repo, env, expected["big"]) and ok
    if args.profile:
        profile(python, repo, env, small[0])
    return ok


def bare_push(repo: Path, env: dict[str, str]) -> tuple[Path, bytes]:
    """A bare copy of the benchmark repository (HEAD: main) and the pre-receive input that
    pushes the small range as a new branch: the hook checks `small --not main`."""
    bare = repo.parent / "server.git"
    if not bare.exists():
        quiet(["git", "clone", "-q", "--bare", "--no-local", str(repo), str(bare)])
    quiet(["git", "-C", str(bare), "symbolic-ref", "HEAD", "refs/heads/main"])
    tip = output(["git", "-C", str(bare), "rev-parse", "refs/heads/small"]).strip()
    return bare, f"{'0' * 40} {tip} refs/heads/pushed\n".encode()


def bad_count(commits: int) -> int:
    """How many of `commits` break the template (see `message`)."""
    return sum(1 for number in range(commits) if number % BAD_EVERY == BAD_EVERY // 2)


# --- the repository ----------------------------------------------------------------------------


def rules_yaml(patterns: list[str], rng: random.Random) -> str:
    """A rules file: 20 agents and a superuser; every pattern owned by one of the agents."""
    lines = ["version: 1", f"escalation: {SUPERUSER}", f"superusers: [{SUPERUSER}]", "agents:"]
    lines += [f"  {name}: {{}}" for name in [SUPERUSER, *AGENTS]]
    lines.append("protected:")
    for pattern in patterns:
        level = "critical" if rng.random() < 0.3 else "high"
        lines += [
            f"  - pattern: {json.dumps(pattern)}",
            f"    owner: {rng.choice(AGENTS)}",
            f"    level: {level}",
        ]
    return "\n".join(lines) + "\n"


def message(number: int, agent: str, paths: list[str]) -> str:
    """The protocol's template; a superuser's approval covers high and critical paths alike."""
    if number % BAD_EVERY == BAD_EVERY // 2:
        return f"wip {number}\n"
    return (
        f"feat(area{number % 7}): change {number}\n\nWorkspace-Check: ✅ Consultado\n"
        f"Archivo: {', '.join(paths)}\nAgente: {agent}\nProtocolo: APROBACIÓN_OBTENIDA\n"
        f"Aprobado-por: {SUPERUSER}\nTests: PASSED\n"
    )


def build_repository(
    path: Path, args: argparse.Namespace, env: dict[str, str]
) -> tuple[Path, dict[str, int]]:
    """One fast-import stream: `main` (the rules), `small` and `big` on top of it."""
    rng = random.Random(7)
    work = workload.build(paths=args.paths, rules=args.rules, seed=1)
    path.mkdir()
    git(path, env, "init", "-q", "-b", "main")
    chunks = [
        commit_chunk(
            "refs/heads/main",
            1,
            None,
            "chore(rules): the rules\n",
            {".workspace/rules.yaml": rules_yaml(work.rules, rng)},
        )
    ]
    mark = 1
    expected = {}
    for ref, count in (("small", args.commits), ("big", args.big)):
        parent = 1
        for number in range(count):
            mark += 1
            paths = rng.sample(work.paths, args.files)
            agent = rng.choice(AGENTS)
            text = message(number, agent, paths)
            files = {p: f"{ref} {number}\n" for p in paths}
            chunks.append(commit_chunk(f"refs/heads/{ref}", mark, parent, text, files))
            parent = mark
        expected[ref] = bad_count(count)
    proc = subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=path,
        env=env,
        input=b"".join(chunks),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"git fast-import failed: {proc.stderr.decode()}")
    git(path, env, "reset", "-q", "--hard", "main")
    return path, expected


def commit_chunk(
    ref: str, mark: int, parent: int | None, text: str, files: dict[str, str]
) -> bytes:
    raw = text.encode()
    out = [
        f"commit {ref}\nmark :{mark}\n".encode(),
        f"committer Bench <bench@example.com> {1_700_000_000 + mark} +0000\n".encode(),
        f"data {len(raw)}\n".encode(),
        raw,
        b"\n",
    ]
    if parent is not None:
        out.append(f"from :{parent}\n".encode())
    for name, content in files.items():
        data = content.encode()
        out.append(f"M 100644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n")
    out.append(b"\n")
    return b"".join(out)


def internal_log_args() -> list[str]:
    """The `git log` command check-commits runs (for the 'git share' of its time)."""
    sys.path.insert(0, str(REPO))
    from workspace_guard.gates.push.range import LOG_OPTIONS

    return ["--no-replace-objects", "-c", "log.showSignature=false", "log", *LOG_OPTIONS]


# --- measuring ---------------------------------------------------------------------------------


class Sample:
    """One run: wall-clock seconds, and CPU seconds of the whole process tree (user + system,
    git children included), which a loaded machine disturbs far less than wall-clock time."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu


def timed(command: list[str], cwd: Path, env: dict[str, str], data: bytes = b"") -> Sample:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=data,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu)


def verify(command: list[str], cwd: Path, env: dict[str, str], bad: int) -> None:
    """The benchmark times real answers: exactly the broken commits are reported."""
    proc = subprocess.run(
        [*command, "--format", "json"], cwd=cwd, env=env, capture_output=True, check=False
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)}: exit {proc.returncode}\n{proc.stderr.decode()}")
    data = json.loads(proc.stdout)
    found = sum(1 for c in data["commits"] if c["violations"])
    if found != bad:
        raise SystemExit(f"expected {bad} commits with violations, check-commits found {found}")


def peak_rss_kib(
    command: list[str], cwd: Path, env: dict[str, str], *, python: bool = True
) -> tuple[int, int]:
    """(peak RSS of the process tree per /usr/bin/time — git's `log` included —, of the Python
    process alone) in KiB."""
    tree = 0
    if Path("/usr/bin/time").exists():
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        tree = int(proc.stderr.decode().strip().splitlines()[-1])
    if not python:
        return tree, 0
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the forking parent
    probe = (
        "import runpy, sys; sys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(status, file=sys.stderr)"
    )
    interpreter = Path(command[0]).parent / "python"
    proc = subprocess.run(
        [str(interpreter), "-c", probe, *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    alone = int(proc.stderr.decode().strip().splitlines()[-1])
    return tree, alone


def wall(samples: list[Sample]) -> float:
    return statistics.median(s.wall for s in samples)


def cpu(samples: list[Sample]) -> float:
    return statistics.median(s.cpu for s in samples)


# --- reporting ---------------------------------------------------------------------------------


def print_small(
    args: argparse.Namespace,
    samples: dict[str, list[Sample]],
    cold: list[Sample],
    ratio: float,
    receive_ratio: float,
) -> None:
    rounds = len(samples["ours"])
    print(
        f"### {args.commits} commits x {args.files} files, {args.rules} rules "
        f"(medians of {rounds} interleaved rounds; load average {load()})\n"
    )
    print("| command | wall | wall min | CPU (user+sys) | wall per commit |")
    print("|---|---:|---:|---:|---:|")
    names = {
        "git log": "`git log --name-status -z --no-renames` (the reference)",
        "git log (our options)": "`git log` as check-commits runs it",
        "ours": "`workspace-guard check-commits`",
        "pre-receive": "`workspace-guard hook pre-receive` (the range as a new branch)",
    }
    variants = [key[6:-1] for key in samples if key.startswith("ours (")]
    for name in variants:
        names[f"ours ({name})"] = f"`check-commits`, {name} (`--variant`)"
        names[f"pre-receive ({name})"] = f"`pre-receive`, {name} (`--variant`)"
    rows = [(label, samples[key]) for key, label in names.items()]
    if cold:
        rows.append((f"`check-commits`, rules cache removed ({len(cold)} runs)", cold))
    for label, values in rows:
        print(
            f"| {label} | {ms(wall(values))} | {ms(min(v.wall for v in values))} | "
            f"{ms(cpu(values))} | {1e6 * wall(values) / args.commits:.0f} µs |"
        )
    for name in variants:
        for command in ("check-commits", "pre-receive"):
            key = f"{'ours' if command == 'check-commits' else command} ({name})"
            variant_wall = wall(samples[key]) / wall(samples["git log"])
            variant_cpu = cpu(samples[key]) / cpu(samples["git log"])
            print(
                f"\n{command}, {name} / git log: wall {variant_wall:.2f}x, CPU {variant_cpu:.2f}x"
            )
    for name, value, key in (
        ("check-commits", ratio, "ours"),
        ("pre-receive", receive_ratio, "pre-receive"),
    ):
        verdict = "met" if value <= TARGET_RATIO else "MISSED"
        cpu_ratio = cpu(samples[key]) / cpu(samples["git log"])
        print(
            f"\n{name} / git log: wall **{value:.2f}x** "
            f"(target <= {TARGET_RATIO:.1f}x: {verdict}), CPU {cpu_ratio:.2f}x"
        )
    print(f"\nload average after the rounds: {load()}\n")


def load() -> str:
    """The 1-, 5- and 15-minute load averages: on 2 shared cores they decide the wall ratios."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def big_range(
    args: argparse.Namespace, guard: Path, repo: Path, env: dict[str, str], bad: int
) -> bool:
    command = [str(guard), "check-commits", "main..big"]
    verify(command, repo, env, bad)
    ours: list[Sample] = []
    reference: list[Sample] = []
    for _ in range(3):
        reference.append(
            timed(["git", "log", "--name-status", "-z", "--no-renames", "main..big"], repo, env)
        )
        ours.append(timed(command, repo, env))
    ok = wall(ours) < TARGET_BIG_SECONDS
    print(f"### {args.big} commits x {args.files} files (medians of 3 interleaved rounds)\n")
    print("| command | wall | CPU (user+sys) | wall per commit |")
    print("|---|---:|---:|---:|")
    for label, values in (
        ("`git log --name-status -z --no-renames`", reference),
        ("`workspace-guard check-commits`", ours),
    ):
        print(
            f"| {label} | {ms(wall(values))} | {ms(cpu(values))} | "
            f"{1e6 * wall(values) / args.big:.0f} µs |"
        )
    verdict = "met" if ok else "MISSED"
    print(
        f"\n{args.big} commits in {wall(ours):.2f} s (target < {TARGET_BIG_SECONDS:.0f} s: "
        f"{verdict})\n"
    )
    return ok


def memory(args: argparse.Namespace, guard: Path, repo: Path, env: dict[str, str]) -> None:
    print("### Peak memory (RSS)\n")
    print("| range | command | process tree (/usr/bin/time) | Python process alone (VmHWM) |")
    print("|---|---|---:|---:|")
    ranges = [("main..small", args.commits)] + ([("main..big", args.big)] if args.big else [])
    for spec, count in ranges:
        reference = ["git", "log", "--name-status", "-z", "--no-renames", spec]
        tree, _ = peak_rss_kib(reference, repo, env, python=False)
        print(f"| {count} commits | `git log --name-status -z` | {mib(tree)} | |")
        for fmt in ("text", "json"):
            command = [str(guard), "check-commits", spec, "--format", fmt]
            tree, alone = peak_rss_kib(command, repo, env)
            print(
                f"| {count} commits | `check-commits --format {fmt}` | {mib(tree)} | {mib(alone)} |"
            )
    print()


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def profile(python: Path, repo: Path, env: dict[str, str], spec: str) -> None:
    """Where the time goes inside check-commits (in-process; git log runs as a child)."""
    code = (
        "import cProfile, io, os, pstats, sys\n"
        "from workspace_guard.repo import Repo\n"
        "from workspace_guard.commands import check_commits\n"
        "repo = Repo.discover()\n"
        "out, sys.stdout = sys.stdout, open(os.devnull, 'w')\n"
        "prof = cProfile.Profile()\n"
        f"prof.runcall(check_commits.run, repo, {spec!r}, fmt='text')\n"
        "sys.stdout = out\n"
        "stats = pstats.Stats(prof, stream=sys.stdout)\n"
        "stats.sort_stats('tottime').print_stats(18)\n"
        "stats.sort_stats('cumulative').print_stats(18)\n"
    )
    print("### cProfile of the small range (in-process)\n")
    print("```")
    proc = subprocess.run(
        [str(python), "-c", code], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    print(proc.stdout[-12000:] or proc.stderr)
    print("```")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- the environment ---------------------------------------------------------------------------


def build_venv(tmp: Path) -> Path:
    """A venv with a regular (wheel) install; dependencies from the development venv."""
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for item in SOURCE_ITEMS:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, src / item, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, src / item)
    wheels = tmp / "wheels"
    pip = [str(DEV_PYTHON), "-m", "pip"]
    quiet(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ]
    )
    venv = tmp / "venv"
    quiet([str(DEV_PYTHON), "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    purelib = output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    )
    dev = output(
        [str(DEV_PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    )
    Path(purelib, "zz_dev_dependencies.pth").write_text(dev + "\n")
    wheel = next(wheels.glob("workspace_guard-*.whl"))
    quiet([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)])
    origin = output([str(python), "-I", "-c", "import workspace_guard as w; print(w.__file__)"])
    if not origin.startswith(purelib):
        raise SystemExit(f"the benchmark venv imports workspace_guard from {origin}")
    return venv


def git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def quiet(command: list[str]) -> None:
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout}{proc.stderr}")


def output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())

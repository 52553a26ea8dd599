"""Ownership matching: our PatternIndex against the competitors, cold, in the same run.

    python benchmarks/bench_matcher.py [--paths N] [--rules N] [--dirs N] [--runs N] [--seed S]
    python benchmarks/bench_matcher.py --quick      # a hook-sized run in a few seconds

Every run is cold, like a new hook process: `re`'s compile cache is purged, the rules are compiled
afresh, then every path is matched once. The approaches take turns run by run, so a busy machine
slows them alike; the table shows medians. Competitors (notes/ownership-matching.md §4):

(e) ours: ``workspace_guard.core.patterns.PatternIndex``;
(a) pathspec used the obvious way: one compiled gitignore pattern per rule, reverse loop, first
    hit = last match, calling each pattern's regex directly (the oracle too: our answers must
    equal its answers for every path);
(d) ``git check-ignore --no-index -v -n --stdin`` as a whole process, the rules in an excludes
    file. Timing reference only: git stops at an excluded parent directory, so its answers differ.

Prints a markdown table (medians of --runs) and the speed-up against each competitor.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's package, installed or not
sys.path.insert(0, str(HERE))

import workload  # noqa: E402

from workspace_guard.core.patterns import PatternIndex  # noqa: E402

TARGET_VS_PATHSPEC = 15.0
TARGET_VS_GIT = 4.0

# wall time by default; `--clock cpu` counts CPU seconds (ours, and git's via rusage), which a
# busy shared machine disturbs far less
clock: Callable[[], float] = time.perf_counter


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    """One cold run: compile and match seconds, and the answers when the approach gives them."""

    setup: float
    match: float
    answers: list[int] | None = None

    @property
    def total(self) -> float:
        return self.setup + self.match


def run_ours(rules: list[str], paths: list[str]) -> Timing:
    start = clock()
    index = PatternIndex(rules)
    compiled = clock()
    answers = index.match_many(paths)
    return Timing(compiled - start, clock() - compiled, answers)


def run_pathspec(rules: list[str], paths: list[str]) -> Timing:
    """The competitor at its fastest obvious form: each pattern's compiled regex, called directly.

    (``pattern.match_file()`` wraps the same call and builds a result object: about 2x slower.)
    """
    from pathspec.util import lookup_pattern

    start = clock()
    factory = lookup_pattern("gitignore")
    compiled = [factory(rule) for rule in rules]
    regexes = [(i, getattr(p, "regex", None)) for i, p in enumerate(compiled)]
    searches = [(i, r.search) for i, r in regexes if r is not None][::-1]

    def last_match(path: str) -> int:
        for index, search in searches:
            if search(path):
                return index
        return -1

    setup = clock()
    answers = [last_match(path) for path in paths]
    return Timing(setup - start, clock() - setup, answers)


def make_git_runner(rules: list[str], paths: list[str], scratch: Path) -> Callable[[], Timing]:
    """A prepared `git check-ignore` call; only the process itself is timed."""
    repo = scratch / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    excludes = scratch / "excludes"
    excludes.write_text("".join(f"{rule}\n" for rule in rules), encoding="utf-8")
    stdin = "".join(f"{path}\n" for path in paths).encode()
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(scratch), "LC_ALL": "C"}
    command = ["git", "-c", f"core.excludesFile={excludes}", "check-ignore", "--no-index"]
    command += ["-v", "-n", "--stdin"]

    git_clock = children_cpu if clock is time.process_time else time.perf_counter

    def run() -> Timing:
        start = git_clock()
        done = subprocess.run(
            command, cwd=repo, input=stdin, capture_output=True, env=env, check=False
        )
        elapsed = git_clock() - start
        if done.returncode not in (0, 1) or done.stdout.count(b"\n") != len(paths):
            raise SystemExit(f"git check-ignore failed: {done.stderr.decode(errors='replace')}")
        return Timing(0.0, elapsed)

    return run


def cold(approaches: dict[str, Callable[[], Timing]], runs: int) -> dict[str, list[Timing]]:
    """``runs`` cold runs of each approach, taking turns so that a change in machine load hits
    them alike; no compiled regex survives from one run to the next."""
    out: dict[str, list[Timing]] = {name: [] for name in approaches}
    for _ in range(runs):
        for name, run in approaches.items():
            re.purge()
            gc.collect()
            out[name].append(run())
    return out


def median(timings: list[Timing], attribute: str) -> float:
    return float(statistics.median(getattr(t, attribute) for t in timings))


def import_ms(module: str) -> float:
    """Import time of ``module`` in a fresh interpreter (what a hook process pays once)."""
    code = (
        "import time; t = time.perf_counter(); import " + module + "; "
        "print((time.perf_counter() - t) * 1000)"
    )
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return float(done.stdout) if done.returncode == 0 else float("nan")


def agreement(ours: list[int], theirs: list[int]) -> float:
    return 100.0 * sum(a == b for a, b in zip(ours, theirs, strict=True)) / max(len(ours), 1)


def row(name: str, timings: list[Timing], paths: int, agree: str) -> str:
    setup, match, total = (median(timings, a) for a in ("setup", "match", "total"))
    shown = "–" if setup == 0 else f"{setup * 1000:,.1f}"
    return (
        f"| {name} | {shown} | {match * 1000:,.1f} | {total * 1000:,.1f} "
        f"| {paths / total:,.0f} | {agree} |"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=1_000)
    parser.add_argument("--dirs", type=int, default=200, help="directories holding the files")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shuffle", action="store_true", help="random rule order")
    parser.add_argument("--quick", action="store_true", help="10,000 paths: a few seconds")
    parser.add_argument("--no-git", action="store_true", help="skip git check-ignore")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall", help="cpu: steadier on a busy machine"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.paths = min(args.paths, 10_000)
    return args


def main(argv: list[str] | None = None) -> int:
    global clock  # noqa: PLW0603 -- one switch for every timed section
    args = parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    data = workload.build(args.paths, args.rules, args.dirs, args.seed)
    rules, paths = list(data.rules), data.paths
    if args.shuffle:
        random.Random(args.seed).shuffle(rules)
    depth = sum(p.count("/") + 1 for p in paths) / len(paths)
    order = "shuffled" if args.shuffle else "general to specific"
    print(
        f"workload: {len(paths):,} paths (mean depth {depth:.1f}) in {len(data.directories):,} "
        f"directories, {len(rules):,} rules ({order}), seed {args.seed}, "
        f"{args.runs} cold runs each, {args.clock} clock; Python {sys.version.split()[0]}\n"
    )
    approaches: dict[str, Callable[[], Timing]] = {
        "ours": lambda: run_ours(rules, paths),
        "pathspec": lambda: run_pathspec(rules, paths),
    }
    with tempfile.TemporaryDirectory(prefix="bench-matcher-") as scratch:
        if shutil.which("git") and not args.no_git:
            approaches["git"] = make_git_runner(rules, paths, Path(scratch))
        timings = cold(approaches, args.runs)
    ours, theirs, git = timings["ours"], timings["pathspec"], timings.get("git", [])
    ours_answers, their_answers = ours[0].answers or [], theirs[0].answers or []
    agree = agreement(ours_answers, their_answers)
    print("| approach | setup ms | match ms | total ms | paths/s (total) | agrees with pathspec |")
    print("|---|--:|--:|--:|--:|---|")
    print(row("(e) workspace_guard PatternIndex", ours, len(paths), f"{agree:.2f}%"))
    print(row("(a) pathspec, pattern per rule, reverse loop", theirs, len(paths), "(oracle)"))
    if git:
        print(row("(d) git check-ignore --stdin (whole process)", git, len(paths), "n/a*"))
    return report(args, ours, theirs, git, agree, len(set(ours_answers)))


def report(
    args: argparse.Namespace,
    ours: list[Timing],
    theirs: list[Timing],
    git: list[Timing],
    agree: float,
    winners: int,
) -> int:
    ours_total = median(ours, "total")
    vs_pathspec = median(theirs, "total") / ours_total
    lines = [f"\nours / pathspec: **{vs_pathspec:.1f}x** (target >= {TARGET_VS_PATHSPEC:g}x)"]
    ok = vs_pathspec >= TARGET_VS_PATHSPEC and agree == 100.0
    if git:
        vs_git = median(git, "total") / ours_total
        lines.append(f"ours / git check-ignore: **{vs_git:.1f}x** (target >= {TARGET_VS_GIT:g}x)")
        ok = ok and vs_git >= TARGET_VS_GIT
        lines.append("* git stops at an excluded parent directory: a timing reference only.")
    lines.append(f"{winners} distinct winning rules (-1 = none counts as one).")
    imports = {m: import_ms(m) for m in ("workspace_guard.core.patterns", "pathspec")}
    lines.append("import in a fresh interpreter: " + ", ".join(
        f"{m} {ms:.1f} ms" for m, ms in imports.items()
    ))  # fmt: skip
    print("\n".join(lines))
    if agree != 100.0:
        print("DISAGREEMENT with pathspec: see tests/test_patterns.py for the semantics")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

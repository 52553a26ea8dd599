"""Ownership matching: our PatternIndex against the competitors, cold, in the same run.

    python benchmarks/bench_matcher.py [--paths N] [--rules N] [--dirs N] [--runs N] [--seed S]
    python benchmarks/bench_matcher.py --quick      # a hook-sized run in a few seconds
    python benchmarks/bench_matcher.py --whole      # whole processes: the validator's bulk path

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

``--whole`` compares whole processes instead (issue 11 item 6), each reading the 100,000 paths
from a file and answering for every one: ``agent_workspace_validator AGENT --paths-from FILE
--format json`` in a scratch repository whose committed rules hold the workload's patterns (the
rules cache warm, as after any first call); a Python process running (a) on the same file; and
``git check-ignore --no-index -v -n -z --stdin`` on the patterns as written. The answers are
checked equal, path by path: ours (the rule named in the JSON) against the pathspec process, and
against git given the patterns translated to gitignore's meaning of CODEOWNERS (``P`` and
``P/**``, floating names as ``**/P/**``, a last ``/*`` one level deep, then ``!*/``), because
check-ignore stops at the first excluded parent directory (with a catch-all ``*``, always the
top one) and answers with the pattern that excluded it. Both git runs are timed; the target is
against the patterns as written. ``--mixed``: half the rules owned by another agent, so half the
answers are denials, which the validator also writes to the audit log.
"""

from __future__ import annotations

import argparse
import gc
import json
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
TARGET_WHOLE_PATHSPEC = 8.0
TARGET_WHOLE_GIT = 1.5

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


# --- whole processes (--whole) -------------------------------------------------------------------

PATHSPEC_PROCESS = """
import sys
from pathspec.util import lookup_pattern
rules = open(sys.argv[1], encoding="utf-8").read().splitlines()
factory = lookup_pattern("gitignore")
searches = [(i, p.regex.search) for i, p in enumerate(map(factory, rules)) if p.regex][::-1]
def last_match(path):
    for index, search in searches:
        if search(path):
            return index
    return -1
paths = open(sys.argv[2], "rb").read().decode().split("\\0")
sys.stdout.write("".join(f"{last_match(p)}\\n" for p in paths if p))
"""


@dataclass
class Whole:
    """One whole-process approach: its command, stdin and how its output becomes answers."""

    command: list[str]
    parse: Callable[[bytes], list[int]]
    stdin: bytes | None = None
    cwd: Path | None = None


def rules_yaml(rules: list[str], agents: list[str]) -> tuple[str, dict[int, int]]:
    """The workload as a rules file (rule i owned by agents[i % n]) and line → rule index."""
    lines = ["version: 1", "escalation: escalation-ai", "agents:", "  escalation-ai: {}"]
    lines += [f"  {agent}: {{}}" for agent in agents]
    lines.append("protected:")
    where: dict[int, int] = {}
    for index, rule in enumerate(rules):
        where[len(lines) + 1] = index
        lines.append(f"  - pattern: {json.dumps(rule)}")
        lines += [f"    owner: {agents[index % len(agents)]}", "    level: high"]
    return "\n".join(lines) + "\n", where


def gitignore_meaning(rule: str) -> list[str]:
    """Gitignore lines matching the files the CODEOWNERS pattern `rule` covers: what it names
    and, where that is a directory, everything below it; a last `/*` stays one level deep."""
    body = rule.rstrip("/")
    if rule.endswith("/*") and rule != "/*":
        return [rule]
    below = f"{body}/**" if "/" in body else f"**/{body}/**"
    return [below] if rule.endswith("/") else [rule, below]


def git_answers(out: bytes, line_rule: list[int]) -> list[int]:
    """`check-ignore -v -n -z` records (source, line, pattern, path) → rule index per path."""
    fields = out.split(b"\0")
    return [line_rule[int(n)] if n else -1 for n in fields[1 : len(fields) - 1 : 4]]


def whole_setup(rules: list[str], paths: list[str], scratch: Path, mixed: bool) -> dict[str, Whole]:
    """The scratch repository, the files and the three commands."""
    repo = scratch / "repo"
    env_git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    agents = ["bench-owner-ai", "bench-other-ai"] if mixed else ["bench-owner-ai"]
    text, where = rules_yaml(rules, agents)
    (repo / ".workspace").mkdir()
    (repo / ".workspace" / "rules.yaml").write_text(text, encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    commit = [*env_git, "-C", str(repo), "-c", "core.hooksPath=/dev/null", "commit", "-qm", "rules"]
    subprocess.run(commit, check=True)
    listing = scratch / "paths"
    listing.write_bytes("\0".join(paths).encode() + b"\0")
    (scratch / "rules").write_text("".join(f"{r}\n" for r in rules), encoding="utf-8")
    translated = [(line, i) for i, r in enumerate(rules) for line in gitignore_meaning(r)]
    translated.append(("!*/", -2))  # no directory is ever excluded: git looks at the path itself
    (scratch / "rules-meaning").write_text("".join(f"{line}\n" for line, _ in translated))
    validator = shutil.which("agent_workspace_validator", path=str(Path(sys.executable).parent))
    entry = "import sys; from workspace_guard.entry import validator_main as m; sys.exit(m())"
    ours = [validator] if validator else [sys.executable, "-c", entry]

    def parse_ours(out: bytes) -> list[int]:
        results = json.loads(out)["results"]
        return [where[int(r["rule"]["source"].rsplit(":", 1)[1])] if r["rule"] else -1
                for r in results]  # fmt: skip

    def check_ignore(excludes: str, line_rule: list[int]) -> Whole:
        command = ["git", "-c", f"core.excludesFile={scratch / excludes}", "check-ignore"]
        command += ["--no-index", "-v", "-n", "-z", "--stdin"]
        return Whole(command, lambda out: git_answers(out, line_rule), listing.read_bytes(), repo)

    return {
        "ours": Whole(
            [*ours, agents[0], "--paths-from", str(listing), "--format", "json"], parse_ours,
            cwd=repo,
        ),
        "pathspec": Whole(
            [sys.executable, "-c", PATHSPEC_PROCESS, str(scratch / "rules"), str(listing)],
            lambda out: [int(x) for x in out.split()],
        ),
        "git": check_ignore("rules", [-1, *range(len(rules))]),
        "git-meaning": check_ignore("rules-meaning", [-1, *(i for _, i in translated)]),
    }  # fmt: skip


def run_whole(whole: Whole) -> tuple[float, float, list[int]]:
    """Wall and CPU seconds of one whole process, and its answers."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        whole.command, cwd=whole.cwd, input=whole.stdin, capture_output=True, env=env, check=False
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"{whole.command[0]} failed: {done.stderr.decode(errors='replace')}")
    return wall, cpu, whole.parse(done.stdout)


def whole_main(args: argparse.Namespace, rules: list[str], paths: list[str]) -> int:
    """Whole processes taking turns, medians, answers compared."""
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as scratch:
        approaches = whole_setup(rules, paths, Path(scratch), args.mixed)
        run_whole(approaches["ours"])  # the first call compiles the rules into the cache
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in approaches}
        answers: dict[str, list[int]] = {}
        for _ in range(args.runs):
            for name, whole in approaches.items():
                wall, cpu, answers[name] = run_whole(whole)
                times[name].append((wall, cpu))
    same_pathspec = answers["ours"] == answers["pathspec"]
    same_git = answers["ours"] == answers["git-meaning"]
    print("| whole process | wall ms | CPU ms | paths/s (wall) | same answers |")
    print("|---|--:|--:|--:|---|")
    names = {
        "ours": "`agent_workspace_validator --paths-from F --format json`",
        "pathspec": "pathspec, pattern per rule, reverse loop (Python process)",
        "git": "`git check-ignore --no-index -v -n -z --stdin`, patterns as written",
        "git-meaning": "same, patterns translated to CODEOWNERS meaning",
    }
    medians = {}
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        medians[name] = (wall, cpu)
        same = {
            "ours": "–",
            "pathspec": str(same_pathspec),
            "git": "no (stops at the top directory)",
            "git-meaning": str(same_git),
        }
        print(f"| {names[name]} | {wall * 1000:,.0f} | {cpu * 1000:,.0f} "
              f"| {len(paths) / wall:,.0f} | {same[name]} |")  # fmt: skip
    ours_wall, ours_cpu = medians["ours"]
    ok = same_pathspec and same_git
    targets = [("pathspec", TARGET_WHOLE_PATHSPEC), ("git", TARGET_WHOLE_GIT)]
    for name, target in [*targets, ("git-meaning", TARGET_WHOLE_GIT)]:
        wall, cpu = medians[name]
        print(f"ours vs {name}: **{wall / ours_wall:.2f}x** wall, **{cpu / ours_cpu:.2f}x** CPU "
              f"(target >= {target:g}x)")  # fmt: skip
        ok = ok and (name == "git-meaning" or min(wall / ours_wall, cpu / ours_cpu) >= target)
    if not (same_pathspec and same_git):
        print("DIFFERENT ANSWERS: ours/pathspec", same_pathspec, "ours/git", same_git)
    return 1 if args.check and not ok else 0


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
    parser.add_argument("--whole", action="store_true", help="whole processes (the validator)")
    parser.add_argument(
        "--mixed", action="store_true", help="--whole: half the rules owned by another agent"
    )
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
    if args.whole:
        print(f"whole processes: {len(paths):,} paths, {len(rules):,} rules ({order}), seed "
              f"{args.seed}, {args.runs} runs each; Python {sys.version.split()[0]}\n")  # fmt: skip
        return whole_main(args, rules, paths)
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

"""What our git hooks cost per `git commit`, against gitlint's hook and a bare Python hook.

    .venv/bin/python benchmarks/bench_commit_hooks.py [--rounds 40] [--big-rounds 30]
                                                      [--files 10000] [--rules 1000]

Cost of a configuration = time of `git commit --allow-empty -q -F MSG` with its hooks minus the
time of the same commit with no hooks, paired round by round; configurations alternate in a
shuffled order inside every round, in one repository (each configuration is a hooks directory
chosen with `git -c core.hooksPath=DIR`), so machine load hits them all alike. Medians.

Everything runs as users install it, in throwaway virtualenvs:
- ours: a *non-editable* `pip install --no-deps` of a snapshot of this working tree (an editable
  install adds ~16 ms of import machinery users never pay), dependencies through a `.pth` to the
  project venv; hooks written by that venv's `workspace-guard install`;
- gitlint: `pip install gitlint` in its own venv (it pins click 8.1.3), `gitlint install-hook`,
  with `.gitlint` ignoring the body rules so that it passes the same template message;
- baselines: hooks that only run `python -I -c pass` with the same interpreter as ours: one
  (commit-msg), and both hooks each running it.

Our configurations: no agent; `WORKSPACE_AGENT` set with the message given (`-F`, as agents
commit: git sets GIT_EDITOR=: for the hooks and the pre-commit hook exits in the shell); and
`WORKSPACE_AGENT` set with an editor opening (`-e` with GIT_EDITOR=true: the pre-commit hook starts
Python to preview what the message needs), costed against the same `-e` commit without hooks.

Targets (the issue): ours ≤ 0.5 × gitlint; ours ≤ 3 × the baseline; a commit staging 10,000
files against 1,000 rules: the hooks add ≤ 150 ms. Needs PyPI (pip) for the two venvs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import site
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from workspace_guard.demo.tree import APP_TREE  # noqa: E402

MESSAGE = """feat(api): add the orders endpoint

Workspace-Check: ✅ Consultado
Archivo: README.md
Agente: backend-framework-ai
Protocolo: SEGUIDO
Tests: PASSED
"""
AGENT = "backend-framework-ai"
GITLINT_CONFIG = "[general]\nignore=body-is-missing,body-min-length\n"


class Bench:
    """A scratch directory with an isolated git configuration."""

    def __init__(self, root: Path) -> None:
        self.root = root
        home = root / "home"
        home.mkdir(parents=True)
        (home / ".gitconfig").write_text(
            "[init]\n\tdefaultBranch = main\n"
            "[commit]\n\tgpgsign = false\n"
            "[user]\n\tname = bench\n\temail = bench@example.com\n"
        )
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_TEMPLATE_DIR": str(home / "no-templates"),
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        for name in (
            "WORKSPACE_AGENT",
            "WORKSPACE_GUARD_RULES",
            "GIT_DIR",
            "GIT_INDEX_FILE",
            "PYTHONPATH",
            "VIRTUAL_ENV",
        ):
            self.env.pop(name, None)

    def run(
        self,
        args: Sequence[str],
        cwd: Path,
        *,
        env: dict[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{proc.stdout}{proc.stderr}")
        return proc

    def git(self, repo: Path, *args: str) -> str:
        return self.run(["git", *args], repo).stdout


# --------------------------------------------------------------------------- environments


def snapshot(target: Path) -> Path:
    """This working tree's tracked and untracked-not-ignored files (no build/ leftovers)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in sorted({n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n}):
        src, dst = ROOT / name, target / name
        if os.path.lexists(src):
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
    return target


def make_venv(bench: Bench, path: Path) -> Path:
    bench.run([sys.executable, "-m", "venv", str(path)], bench.root)
    return path / "bin"


def venv_ours(bench: Bench) -> Path:
    """A normal (non-editable) install of the working tree; deps via a .pth to the project venv."""
    bin_dir = make_venv(bench, bench.root / "venv-ours")
    source = snapshot(bench.root / "src")
    bench.run([str(bin_dir / "pip"), "install", "-q", "--no-deps", str(source)], bench.root)
    python = bin_dir / "python"
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = bench.run([str(python), "-c", code], bench.root).stdout.strip()
    deps = [p for p in site.getsitepackages() if p.endswith("site-packages")]
    (Path(purelib) / "_bench_deps.pth").write_text("\n".join(deps) + "\n")
    code = "import workspace_guard; print(workspace_guard.__file__)"
    where = bench.run([str(python), "-I", "-c", code], bench.root).stdout.strip()
    if not where.startswith(purelib) or "__editable__" in where:
        raise SystemExit(f"workspace_guard imports from {where}, not the non-editable install")
    return bin_dir


def venv_gitlint(bench: Bench) -> Path:
    bin_dir = make_venv(bench, bench.root / "venv-gitlint")
    bench.run([str(bin_dir / "pip"), "install", "-q", "gitlint"], bench.root)
    return bin_dir


def versions(bench: Bench, ours: Path, gitlint: Path | None) -> dict[str, str]:
    out = {
        "git": bench.run(["git", "--version"], bench.root).stdout.strip(),
        "python": bench.run([str(ours / "python"), "-VV"], bench.root).stdout.strip(),
        "workspace-guard": bench.run(
            [str(ours / "workspace-guard"), "--version"], bench.root
        ).stdout.strip(),
    }
    if gitlint is not None:
        out["gitlint"] = bench.run(
            [str(gitlint / "gitlint"), "--version"], bench.root
        ).stdout.strip()
    return out


# --------------------------------------------------------------------------- repositories, hooks


def write_tree(repo: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def small_repo(bench: Bench) -> Path:
    """The example workspace (the demo's tree and the bundled rules), committed."""
    repo = bench.root / "small"
    repo.mkdir()
    bench.git(repo, "init", "-q")
    write_tree(repo, APP_TREE)
    write_tree(
        repo,
        {
            ".workspace/rules.yaml": (ROOT / "rules" / "example.yaml").read_text(),
            ".gitlint": GITLINT_CONFIG,
        },
    )
    bench.git(repo, "add", "-A")
    bench.git(repo, "commit", "-q", "--no-verify", "-m", "chore(workspace): adopt the protocol")
    return repo


def hook_dirs(bench: Bench, repo: Path, ours: Path, gitlint: Path | None) -> dict[str, Path]:
    """One hooks directory per configuration, each written by its own installer."""
    base = bench.root / "hooks" / repo.name
    dirs = {name: base / name for name in ("none", "ours", "gitlint", "pass-1", "pass-2")}
    for path in dirs.values():
        path.mkdir(parents=True)
    _install_into(bench, repo, dirs["ours"], [str(ours / "workspace-guard"), "install"])
    if gitlint is not None:
        _install_into(bench, repo, dirs["gitlint"], [str(gitlint / "gitlint"), "install-hook"])
    else:
        del dirs["gitlint"]
    passing = f"#!/bin/sh\nexec '{ours / 'python'}' -I -c pass\n"
    for name, hooks in (("pass-1", ("commit-msg",)), ("pass-2", ("commit-msg", "pre-commit"))):
        for hook in hooks:
            (dirs[name] / hook).write_text(passing)
            (dirs[name] / hook).chmod(0o755)
    return dirs


def _install_into(bench: Bench, repo: Path, directory: Path, command: list[str]) -> None:
    bench.git(repo, "config", "core.hooksPath", str(directory))
    try:
        bench.run(command, repo)
    finally:
        bench.git(repo, "config", "--unset", "core.hooksPath")


def forget_head(repo: Path) -> None:
    """Drop our "commit → rules blob" cache, as if HEAD had moved (each real commit moves it)."""
    cache = repo / ".git" / "workspace-guard" / "cache"
    for path in cache.glob("head-*") if cache.is_dir() else ():
        path.unlink()


# --------------------------------------------------------------------------- timing


Config = tuple[str, Path, dict[str, str], tuple[str, ...]]  # name, hooks, env, extra args


def _cpu_ms() -> float:
    """CPU time (user + system) of every waited-for descendant so far: git, sh, the hooks and
    what they run. Much less sensitive than wall time to other load on the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def timed_commit(
    bench: Bench, repo: Path, config: Config, args: Sequence[str]
) -> tuple[float, float]:
    """(wall ms, CPU ms) of one commit."""
    name, hooks, env, extra = config
    command = ["git", "-c", f"core.hooksPath={hooks}", "commit", "-q", *extra, *args]
    cpu = _cpu_ms()
    start = time.perf_counter()
    proc = subprocess.run(
        command, cwd=repo, env={**bench.env, **env}, capture_output=True, text=True, check=False
    )
    elapsed = (time.perf_counter() - start) * 1000
    cpu = _cpu_ms() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"the commit failed under {name}:\n{proc.stdout}{proc.stderr}")
    return elapsed, cpu


Times = dict[str, list[float]]


def interleave(
    bench: Bench,
    repo: Path,
    configs: list[Config],
    args: Sequence[str],
    rounds: int,
    *,
    warmup: int = 3,
    after: str | None = None,
) -> tuple[Times, Times]:
    """Wall and CPU times per configuration; every round runs each configuration once, in a
    shuffled order."""
    rng = random.Random(7)
    wall: Times = {config[0]: [] for config in configs}
    cpu: Times = {config[0]: [] for config in configs}
    for number in range(warmup + rounds):
        order = configs[:]
        rng.shuffle(order)
        for config in order:
            forget_head(repo)
            elapsed, used = timed_commit(bench, repo, config, args)
            if after:
                bench.git(repo, "reset", "-q", "--soft", after)
            if number >= warmup:
                wall[config[0]].append(elapsed)
                cpu[config[0]].append(used)
    return wall, cpu


def paired_costs(times: Times, baseline: str = "no hooks") -> dict[str, float]:
    """Median over rounds of (configuration − no hooks) in the same round."""
    base = times[baseline]
    return {
        name: statistics.median(t - b for t, b in zip(values, base, strict=True))
        for name, values in times.items()
        if name != baseline
    }


def table(wall: Times, cpu: Times, against: dict[str, str] | None = None) -> str:
    """Commit times and hook costs (paired Δ against no hooks, or against the baseline
    `against` names for a configuration), wall clock and CPU."""
    wall_cost, cpu_cost = paired_costs(wall), paired_costs(cpu)
    for name, baseline in (against or {}).items():
        wall_cost[name] = paired_costs(wall, baseline)[name]
        cpu_cost[name] = paired_costs(cpu, baseline)[name]
    for baseline in set((against or {}).values()):
        wall_cost.pop(baseline, None)
        cpu_cost.pop(baseline, None)
    lines = [
        "| configuration | commit: median wall (min) ms | hook cost: wall Δ ms | "
        "commit: median CPU ms | hook cost: CPU Δ ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in wall.items():
        wc = "—" if name not in wall_cost else f"{wall_cost[name]:.1f}"
        cc = "—" if name not in cpu_cost else f"{cpu_cost[name]:.1f}"
        lines.append(
            f"| {name} | {statistics.median(values):.1f} ({min(values):.1f}) | {wc} | "
            f"{statistics.median(cpu[name]):.1f} | {cc} |"
        )
    return "\n".join(lines)


def verdict(label: str, wall: float, cpu: float, limit: float, unit: str = "×") -> str:
    def shown(value: float) -> str:
        text = f"{value:.2f}×" if unit == "×" else f"{value:.1f} {unit}"
        return text if value <= limit else f"**{text}**"

    target = f"{limit:g}×" if unit == "×" else f"{limit:g} {unit}"
    ok = "met" if wall <= limit else "**missed**"
    return f"| {label} | {shown(wall)} | {shown(cpu)} | ≤ {target} | {ok} |"


VERDICT_HEAD = ["| target | wall | CPU | limit | (wall) |", "|---|---:|---:|---:|---|"]


# --------------------------------------------------------------------------- the two benchmarks


NO_AGENT = "ours (no agent: pre-commit exits in sh)"
AGENT_SET = "ours (WORKSPACE_AGENT set, -F: pre-commit exits in sh)"
NO_HOOKS_EDITOR = "no hooks, an editor opens (-e, GIT_EDITOR=true)"
AGENT_EDITOR = "ours (WORKSPACE_AGENT set, an editor opens: both hooks in Python)"


def small(bench: Bench, ours: Path, gitlint: Path | None, rounds: int) -> str:
    repo = small_repo(bench)
    dirs = hook_dirs(bench, repo, ours, gitlint)
    msg = bench.root / "message.txt"
    msg.write_text(MESSAGE)
    if gitlint is not None:  # the same message must pass gitlint too
        check = bench.run([str(gitlint / "gitlint"), "--msg-filename", str(msg)], repo, check=False)
        if check.returncode != 0:
            raise SystemExit(f"gitlint refuses the template message:\n{check.stderr}")
    agent = {"WORKSPACE_AGENT": AGENT}
    editor = ("-e",)  # with GIT_EDITOR=true: an editor "opens" and saves the message as it is
    configs: list[Config] = [
        ("no hooks", dirs["none"], {}, ()),
        (NO_AGENT, dirs["ours"], {}, ()),
        (AGENT_SET, dirs["ours"], agent, ()),
        ("1 hook: python -I -c pass", dirs["pass-1"], {}, ()),
        ("2 hooks: python -I -c pass each", dirs["pass-2"], {}, ()),
        (NO_HOOKS_EDITOR, dirs["none"], {"GIT_EDITOR": "true"}, editor),
        (AGENT_EDITOR, dirs["ours"], {**agent, "GIT_EDITOR": "true"}, editor),
    ]
    if gitlint is not None:
        configs.append(("gitlint install-hook", dirs["gitlint"], {}, ()))
    wall, cpu = interleave(bench, repo, configs, ["--allow-empty", "-F", str(msg)], rounds)
    wc, cc = paired_costs(wall), paired_costs(cpu)
    # the editor configuration against the same commit with an editor and no hooks
    wc[AGENT_EDITOR] = paired_costs(wall, NO_HOOKS_EDITOR)[AGENT_EDITOR]
    cc[AGENT_EDITOR] = paired_costs(cpu, NO_HOOKS_EDITOR)[AGENT_EDITOR]
    out = [
        f"### Per commit (`git commit --allow-empty -q -F MSG`, {rounds} interleaved rounds)",
        "",
        "With `-F` (or `-m`) no editor opens: git tells the hooks so (`GIT_EDITOR=:`) and the "
        "pre-commit hook exits in the shell, agent or not. With an editor to open and an agent "
        "set, it starts Python to refuse an unknown agent and preview what the message needs "
        "(costed against the same `-e` commit without hooks).",
        "",
        table(wall, cpu, {AGENT_EDITOR: NO_HOOKS_EDITOR}),
        "",
        *VERDICT_HEAD,
    ]
    others = [("gitlint", "gitlint install-hook", 0.5)] if gitlint is not None else []
    others += [
        ("1 pass hook", "1 hook: python -I -c pass", 3),
        ("2 pass hooks", "2 hooks: python -I -c pass each", 3),
    ]
    for label, key in (
        ("no agent", NO_AGENT),
        ("agent set, -F", AGENT_SET),
        ("agent set, editor", AGENT_EDITOR),
    ):
        for short, other, limit in others:
            out.append(
                verdict(
                    f"ours ({label}) / {short}", wc[key] / wc[other], cc[key] / cc[other], limit
                )
            )
    return "\n".join(out)


def big_rules(agents: int, patterns: list[str]) -> str:
    """A rules file: the generated CODEOWNERS-style patterns, owners round robin, high/critical."""
    names = [f"team-{n:02}-ai" for n in range(agents)]
    lines = [
        "version: 1",
        "escalation: master-orchestrator",
        "superusers: [master-orchestrator]",
        "agents:",
        "  master-orchestrator: {}",
        "  bench-agent: {}",
    ]
    lines += [f"  {name}: {{}}" for name in names]
    lines.append("protected:")
    for index, pattern in enumerate(patterns):
        level = "critical" if index % 3 == 0 else "high"
        lines += [
            f"  - pattern: {json.dumps(pattern)}",
            f"    owner: {names[index % agents]}",
            f"    level: {level}",
        ]
    return "\n".join(lines) + "\n"


BIG_AGENT_EDITOR = "ours (WORKSPACE_AGENT set, an editor opens)"


def big(bench: Bench, ours: Path, files: int, rules: int, rounds: int) -> str:
    try:
        import workload  # benchmarks/workload.py: the shared synthetic tree and rule set
    except ImportError as exc:
        raise SystemExit("benchmarks/workload.py is needed for the big commit") from exc
    load = workload.build(paths=files, rules=rules, directories=200, seed=1)
    repo = bench.root / "big"
    repo.mkdir()
    bench.git(repo, "init", "-q")
    write_tree(repo, {".workspace/rules.yaml": big_rules(20, load.rules), "README.md": "big\n"})
    bench.git(repo, "add", "-A")
    bench.git(repo, "commit", "-q", "--no-verify", "-m", "chore(workspace): rules")
    base = bench.git(repo, "rev-parse", "HEAD").strip()
    lint = bench.run([str(ours / "workspace-guard"), "lint"], repo, check=False)
    if lint.returncode != 0:
        raise SystemExit(f"the generated rules do not lint:\n{lint.stdout}{lint.stderr}")
    write_tree(repo, dict.fromkeys(load.paths, "x\n"))
    bench.git(repo, "add", "-A")
    staged = len(bench.git(repo, "diff", "--cached", "--name-only", "-z").split("\0")) - 1
    tops = sorted({p.split("/", 1)[0] + "/" for p in load.paths})
    msg = bench.root / "big-message.txt"
    msg.write_text(
        "feat(bench): add the generated tree\n\nWorkspace-Check: ✅ Consultado\n"
        f"Archivo: {', '.join(tops)}\nAgente: bench-agent\nProtocolo: APROBACIÓN_OBTENIDA\n"
        "Aprobado-por: master-orchestrator\nTests: PASSED\n"
    )
    hooks = bench.root / "hooks" / "big"
    (hooks / "none").mkdir(parents=True)
    (hooks / "ours").mkdir()
    _install_into(bench, repo, hooks / "ours", [str(ours / "workspace-guard"), "install"])
    configs: list[Config] = [
        ("no hooks", hooks / "none", {}, ()),
        ("ours (no agent)", hooks / "ours", {}, ()),
        ("ours (WORKSPACE_AGENT set)", hooks / "ours", {"WORKSPACE_AGENT": "bench-agent"}, ()),
        (NO_HOOKS_EDITOR, hooks / "none", {"GIT_EDITOR": "true"}, ("-e",)),
        (
            BIG_AGENT_EDITOR,
            hooks / "ours",
            {"WORKSPACE_AGENT": "bench-agent", "GIT_EDITOR": "true"},
            ("-e",),
        ),
    ]
    wall, cpu = interleave(bench, repo, configs, ["-F", str(msg)], rounds, warmup=2, after=base)
    wc, cc = paired_costs(wall), paired_costs(cpu)
    wc[BIG_AGENT_EDITOR] = paired_costs(wall, NO_HOOKS_EDITOR)[BIG_AGENT_EDITOR]
    cc[BIG_AGENT_EDITOR] = paired_costs(cpu, NO_HOOKS_EDITOR)[BIG_AGENT_EDITOR]
    out = [
        f"### A commit staging {staged:,} new files against {len(load.rules):,} rules "
        f"({rounds} interleaved rounds)",
        "",
        "Every path is protected (catch-all `*` first); the agent is no owner and the message "
        "carries an approval by a superuser and names the top directories in `Archivo`, so "
        "every path is decided and checked, and the commit is accepted.",
        "",
        table(wall, cpu, {BIG_AGENT_EDITOR: NO_HOOKS_EDITOR}),
        "",
        *VERDICT_HEAD,
    ]
    for name in ("ours (no agent)", "ours (WORKSPACE_AGENT set)", BIG_AGENT_EDITOR):
        out.append(verdict(f"{name}: added time", wc[name], cc[name], 150, "ms"))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--big-rounds", type=int, default=30)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=1_000)
    parser.add_argument("--skip-gitlint", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args(argv)
    root = Path(args.keep or tempfile.mkdtemp(prefix="bench-commit-hooks-")).resolve()
    try:
        bench = Bench(root)
        ours = venv_ours(bench)
        gitlint = None if args.skip_gitlint else venv_gitlint(bench)
        bench.env["PATH"] = (
            os.pathsep.join(  # gitlint's hook calls `gitlint` from PATH
                [str(gitlint)] if gitlint else []
            )
            + os.pathsep
            + bench.env["PATH"]
        )
        info = versions(bench, ours, gitlint)
        print("## Commit hooks benchmark\n")
        print(", ".join(f"{k}: {v}" for k, v in info.items()))
        print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")
        print(small(bench, ours, gitlint, args.rounds))
        if not args.skip_big:
            print()
            print(big(bench, ours, args.files, args.rules, args.big_rounds))
        print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

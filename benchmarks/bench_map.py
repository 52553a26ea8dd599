"""How long `workspace-guard map` takes on a repository of 50,000 tracked files (goal: < 3 s).

The repository is real (git index, a commit with the example rules at HEAD, an audit log of a
few thousand violations), built quickly with `git fast-import` (one blob shared by all files).
The command runs as a user runs it (a new process: start-up, rules, `git ls-files`, deciding
every path, reading the audit log, JSON, writing the page).

The reference in the same run is the floor no implementation can beat: `git ls-files -z` alone
(there is no other tool that draws a protocol's ownership map). Run:

    .venv/bin/python benchmarks/bench_map.py [--files 50000] [--records 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workspace_guard.state.audit import append  # noqa: E402

BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "rules" / "example.yaml"
TOP = ("app", "frontend/src", "tests", "alembic/versions", "docs", "scripts", "services")
SUB = ("api", "core", "models", "services", "components", "utils", "auth", "payments", "v1", "v2")
EXT = (".py", ".ts", ".tsx", ".md", ".json", ".yaml")
OFFICES = (
    ".workspace/departments/backend/backend-framework-ai",
    ".workspace/departments/testing/tdd-specialist",
)
ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, env=ENV, check=True
    )
    return proc.stdout.decode().strip()


def paths(count: int) -> list[str]:
    """`count` distinct paths spread like an application's: about 8 files per folder, folders
    2–5 levels deep, one in ten inside an office."""
    out = ["app/main.py", "docker-compose.yml", "app/core/config.py", "tests/conftest.py"]
    index = 0
    while len(out) < count:
        folder_id = index // 8
        top = OFFICES[folder_id // 10 % 2] if folder_id % 10 == 0 else TOP[folder_id % len(TOP)]
        depth = folder_id % 3
        middle = "/".join(SUB[(folder_id // (7 * (d + 1))) % len(SUB)] for d in range(depth))
        folder = f"{top}/{middle}" if middle else top
        out.append(f"{folder}/f{folder_id}/file_{index}{EXT[index % len(EXT)]}")
        index += 1
    return out


def build(repo: Path, count: int, records: int) -> list[str]:
    """A committed repository of `count` files and an audit log of `records` violations.

    `git fast-import` writes one pack (loose tree objects would cost tens of seconds here)."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = paths(count)
    rules = EXAMPLE.read_bytes()
    stream = [
        b"blob",
        b"mark :1",
        b"data 6",
        b"x = 1",
        b"blob",
        b"mark :2",
        f"data {len(rules)}".encode(),
        rules,
        b"commit refs/heads/main",
        b"committer bench <b@example.com> 1700000000 +0000",
        b"data 13",
        b"chore: bench",
        b"M 100644 :2 .workspace/rules.yaml",
    ]
    stream += [f"M 100644 :1 {p}".encode() for p in files]
    git(repo, "fast-import", "--quiet", data=b"\n".join(stream) + b"\n")
    git(repo, "read-tree", "HEAD")  # the index is what `git ls-files` lists
    state = str(repo / ".git" / "workspace-guard")
    agents = ("backend-framework-ai", "unit-testing-ai", "git-control-ai")
    append(
        state,
        [
            {
                "layer": "validator",
                "agent": agents[i % 3],
                "path": files[i * 7 % count],
                "owner": "system-architect-ai",
                "level": "critical",
                "action": "denied",
                "escalate_to": "master-orchestrator",
            }
            for i in range(records)
        ],
    )
    return files


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, env=ENV, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        start = time.perf_counter()
        build(repo, args.files, args.records)
        print(
            f"built {args.files} files + {args.records} audit records "
            f"in {time.perf_counter() - start:.1f} s"
        )
        page = Path(tmp) / "map.html"
        ours = [
            timed([str(BIN / "workspace-guard"), "map", "-o", str(page), "--since", "all"], repo)
            for _ in range(args.repeat)
        ]
        floor = [timed(["git", "ls-files", "-z"], repo) for _ in range(args.repeat)]
        size = page.stat().st_size
    best, worst = min(ours), max(ours)
    print(
        f"workspace-guard map: best {best:.2f} s, worst {worst:.2f} s over {args.repeat} runs "
        f"(page {size / 1e6:.1f} MB); goal < 3 s: {'OK' if worst < 3 else 'MISSED'}"
    )
    print(
        f"git ls-files -z alone: best {min(floor) * 1000:.0f} ms "
        f"(the floor; map costs {best / min(floor):.0f}× that)"
    )


if __name__ == "__main__":
    main()

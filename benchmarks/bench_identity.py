"""Cost of the identity cross-check at commit (`harness: require_provenance`).

The issue's target: the commit hook on a commit of 1,000 protected files at most 50 ms over the
same hook without the cross-check. The ledger holds one allowed write per staged file plus
`--other` unrelated records (a ledger grows with every write an agent makes). Timed in-process
(`check_message`, the commit-msg hook's work without the interpreter start), best of `--rounds`,
with the ledger read cold each round; and `live_approvals`, which the harness hooks call on
every tool call, against the same ledger.

    python benchmarks/bench_identity.py [--files 1000] [--other 9000] [--rounds 7]

Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

OWNER = "api-architect-ai"


def write_record(path: str, blob: str, reason: str) -> dict[str, object]:
    return {
        "kind": "write",
        "harness": "claude",
        "agent": OWNER,
        "agent_type": OWNER,
        "agent_id": "a3fa0c478a2ced480",
        "session": "b2d1f78a-bee4-44f9-8371-0d455496f330",
        "tool": "Edit",
        "tool_use_id": "toolu_1bc8a6ce",
        "path": path,
        "blob": blob,
        "office": False,
        "reason": reason,
    }


def build(ws: Path, files: int, other: int) -> Path:
    """A workspace with `files` staged protected files, each recorded in the ledger."""
    import conftest

    from workspace_guard.state import ledger

    conftest.make_workspace(ws)
    folder = ws / "app/api/v1/many"
    folder.mkdir(parents=True)
    records = []
    for i in range(files):
        data = f"x = {i}\n".encode()
        (folder / f"f{i}.py").write_bytes(data)
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        records.append(write_record(f"app/api/v1/many/f{i}.py", blob, "owner"))
    records += [write_record(f"docs/o{i}.md", "0" * 40, "unprotected") for i in range(other)]
    ledger.append(str(ws / ".git/workspace-guard"), records)
    subprocess.run(["git", "add", "-A"], cwd=ws, check=True)
    message = ws.parent / "msg"
    message.write_text(
        "feat(api): many\n\nWorkspace-Check: ✅ Consultado\nArchivo: app/api/\n"
        f"Agente: {OWNER}\nProtocolo: SEGUIDO\nTests: PASSED\n"
    )
    return message


def best(action: object, rounds: int) -> float:
    import workspace_guard.state.approvals as approvals

    found = float("inf")
    for _ in range(rounds):
        approvals._READ.clear()
        start = time.perf_counter()
        action()  # type: ignore[operator]
        found = min(found, time.perf_counter() - start)
    return found * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--other", type=int, default=9000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for key, value in {
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        os.environ.setdefault(key, value)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        raw = build(ws, args.files, args.other).read_bytes()
        os.chdir(ws)
        from workspace_guard.gates.commit.hooks import check_message
        from workspace_guard.repo import Repo
        from workspace_guard.state.approvals import live_approvals

        repo = Repo.discover()

        def check() -> None:
            assert check_message(repo, raw, staged=True).ok

        off = best(check, args.rounds)
        subprocess.run(["git", "config", "workspace-guard.requireProvenance", "true"], check=True)
        on = best(check, args.rounds)
        live = best(lambda: live_approvals(repo.state_dir), args.rounds * 3)
    print(f"commit-msg check, {args.files} protected files, ledger of {args.files + args.other}:")
    print(f"  without the cross-check  {off:7.1f} ms")
    print(f"  with it                  {on:7.1f} ms   (+{on - off:.1f} ms; target +50 ms)")
    print(f"live_approvals (every harness call) on that ledger: {live:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

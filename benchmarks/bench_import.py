"""How long `import mestore` takes on a workspace the size of the seed's (80 agents, 500 offices).

The seed repository has 78 agent files and about 470 office folders; an import should feel
instant (well under a second), including writing the YAML. Run:

    .venv/bin/python benchmarks/bench_import.py [--agents 80] [--offices 500] [--repeat 5]

There is no competitor to run alongside: nothing else reads these documents.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workspace_guard.adopt.emit import dump_rules  # noqa: E402
from workspace_guard.adopt.mestore import import_mestore  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "mestore" / "workspace"
DEPARTMENTS = ("architecture", "backend", "frontend", "testing", "infrastructure", "data-ai")
AGENT_BODY = """---
name: {name}
description: Synthetic agent {index} for the import benchmark.
model: sonnet
---

### ⚡ OFICINA VIRTUAL
📍 **Tu oficina**: `.workspace/departments/{dept}/{name}/`

### ⚠️ ARCHIVOS CRÍTICOS PROTEGIDOS
- `app/main.py` → system-architect-ai
- `app/api/v1/deps/auth.py` → security-backend-ai
- `docker-compose.yml` → cloud-infrastructure-ai
- `tests/conftest.py` → tdd-specialist
- `app/models/user.py` → database-architect-ai

You are synthetic agent {index}.
"""


def build(root: Path, agents: int, offices: int) -> None:
    """The fixture workspace plus `agents` agent files and `offices` office folders."""
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    for index in range(agents):
        name, dept = f"synthetic-{index:03d}-ai", DEPARTMENTS[index % len(DEPARTMENTS)]
        body = AGENT_BODY.format(name=name, index=index, dept=dept)
        (root / ".claude" / "agents" / f"{name}.md").write_text(body, encoding="utf-8")
    for index in range(offices):
        owner = (
            f"synthetic-{index % max(agents, 1):03d}-ai" if index < agents else f"folder-{index}"
        )
        office = root / ".workspace" / "departments" / DEPARTMENTS[index % len(DEPARTMENTS)] / owner
        office.mkdir(parents=True, exist_ok=True)
        (office / "OFFICE_CONFIG.md").write_text(f"# office {owner}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=80)
    parser.add_argument("--offices", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        build(root, args.agents, args.offices)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = import_mestore(root)
            dump_rules(result, header="benchmark")
            timings.append(time.perf_counter() - start)
    best, worst = min(timings) * 1000, max(timings) * 1000
    print(
        f"import mestore + dump: {len(result.data['agents'])} agents, "
        f"{len(result.data['protected'])} rules, {len(result.findings)} findings; "
        f"best {best:.1f} ms, worst {worst:.1f} ms over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()

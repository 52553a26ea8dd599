"""mcp_agent_mail's file reservations timed in process: the competitor of `claim` / `release`.

    PYTHON benchmarks/agent_mail_reservations.py ROUNDS

Run by `bench_coord.py --agent-mail PYTHON` with an interpreter (Python >= 3.12) that has
mcp_agent_mail installed (`pip install` of its repository). It drives the server the way the
project's own tests do (`fastmcp.Client` on `build_mcp_server()`, in memory, no network),
with its SQLite database and its Git archive in a scratch folder: `file_reservation_paths`
(one exclusive path, TTL 600 s) then `release_file_reservations` on that path, ROUNDS times
after one warm-up pair. Prints one JSON object: medians in ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time


async def main(rounds: int) -> dict[str, float]:
    from fastmcp import Client
    from mcp_agent_mail.app import build_mcp_server

    project = "/bench/shop"
    async with Client(build_mcp_server()) as client:
        await client.call_tool("ensure_project", {"human_key": project})
        made = await client.call_tool(
            "register_agent", {"project_key": project, "program": "bench", "model": "bench"}
        )
        agent = made.data["name"]
        claim = {"project_key": project, "agent_name": agent, "paths": ["app/models/order.py"]}
        release = {"project_key": project, "agent_name": agent, "paths": ["app/models/order.py"]}
        claims, releases = [], []
        for number in range(rounds + 1):
            start = time.perf_counter()
            await client.call_tool("file_reservation_paths", {**claim, "ttl_seconds": 600})
            middle = time.perf_counter()
            await client.call_tool("release_file_reservations", release)
            if number:  # the first pair warms caches
                claims.append((middle - start) * 1000)
                releases.append((time.perf_counter() - middle) * 1000)
    return {"reserve": statistics.median(claims), "release": statistics.median(releases)}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench-agent-mail-") as scratch:
        os.environ.update(
            DATABASE_URL=f"sqlite+aiosqlite:///{scratch}/db.sqlite3",
            STORAGE_ROOT=f"{scratch}/storage",
            APP_ENVIRONMENT="test",
            GIT_AUTHOR_NAME="bench",
            GIT_AUTHOR_EMAIL="bench@example.invalid",
            HOME=scratch,
        )
        sys.stdout.write(json.dumps(asyncio.run(main(int(sys.argv[1])))) + "\n")

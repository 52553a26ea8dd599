"""Real-client tests: each real CLI (pinned npm install) driven offline by our scripted model.

A CLI missing from the cache is installed with npm on first use (the pinned version; set
`WG_REAL_CLIENTS=0` not to). Where it cannot be (no npm, no registry) the tests skip with the
reason, unless `WG_REQUIRE_REAL_CLIENTS=1` (`.ci/run` sets it): then a missing CLI is a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from realclients.clients import CACHE, PINNED, SYSTEM_PATH, binary

FS_SERVER = Path(__file__).with_name("fs_mcp_server.py")  # our tiny MCP server with write_file


HOME = os.environ.get("HOME", "")  # the real one: the tests swap HOME per session


def install(cli: str) -> str:
    """Install the pinned CLI with npm into the cache (once; concurrent runs wait on a lock), so
    the README's test command runs these tests on a fresh machine too. Returns why it could not."""
    if os.environ.get("WG_REAL_CLIENTS") == "0":
        return "WG_REAL_CLIENTS=0"
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not on PATH"
    folder = CACHE / cli
    folder.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary(cli) is not None:
            return ""
        env = {**os.environ, "HOME": HOME}
        try:
            proc = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", PINNED[cli]],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
        except subprocess.TimeoutExpired:
            return f"`npm install {PINNED[cli]}` did not finish in 15 minutes"
        (folder / "npm.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            return f"`npm install {PINNED[cli]}` failed (see {folder / 'npm.log'})"
    return ""


def require(cli: str) -> Path:
    """The CLI's executable (installed with npm on first use), or a skip with the reason (a
    failure under WG_REQUIRE_REAL_CLIENTS=1)."""
    failed = "" if binary(cli) is not None else install(cli)
    exe = binary(cli)
    if exe is not None:
        return exe
    why = f"{PINNED[cli]} is not installed in {CACHE} (WG_CLI_CACHE): {failed or 'no binary'}"
    if os.environ.get("WG_REQUIRE_REAL_CLIENTS") == "1":
        pytest.fail(f"WG_REQUIRE_REAL_CLIENTS=1 but {why}")
    pytest.skip(why)


def wg_bin() -> Path:
    """The directory of this test run's workspace-guard program."""
    import sys

    return Path(sys.executable).parent


@contextmanager
def isolated(tmp: Path) -> Iterator[Path]:
    """Module-scoped twin of tests/conftest.py's `_isolated_git`: no user git config leaks in."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        mp.setenv("GIT_TEMPLATE_DIR", str(home / "no-templates"))
        for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
            mp.setenv(f"{key}_NAME", "Test Agent")
            mp.setenv(f"{key}_EMAIL", "agent@example.com")
        for key in ("WORKSPACE_AGENT", "WORKSPACE_GUARD_RULES", "WORKSPACE_GUARD_LANG"):
            mp.delenv(key, raising=False)
        yield home


def wg(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(wg_bin() / "workspace-guard"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"workspace-guard {' '.join(args)}: {proc.stdout}{proc.stderr}")
    return proc


def with_wg_on_path() -> dict[str, str]:
    """PATH for a session whose agents run workspace-guard's own commands."""
    return {"PATH": f"{SYSTEM_PATH}:{wg_bin()}"}


def gate_reason(repo: Path, harness: str, event: dict[str, object], **env: str) -> str:
    """The reason `workspace-guard hook HARNESS` gives for EVENT: what the model must receive.

    The session's denials are forgotten first: this probe is not the agent's next attempt (a
    third denial on the same rule would escalate and answer STOP instead)."""
    import json

    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(common) / "workspace-guard/denials.json").unlink(missing_ok=True)

    proc = subprocess.run(
        [str(wg_bin() / "workspace-guard"), "hook", harness],
        input=json.dumps({"session_id": "s", "cwd": str(repo), **event}),
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, **env},
        check=False,
        timeout=60,
    )
    answer = json.loads(proc.stdout)
    if harness == "gemini":
        assert answer["decision"] == "deny", answer
        return str(answer["reason"])
    out = answer["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny", answer
    return str(out["permissionDecisionReason"])

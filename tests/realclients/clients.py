"""Driving the real CLIs (Claude Code, Codex, Gemini CLI) offline against `FakeModel`.

The CLIs come from the pinned npm install in `${WG_CLI_CACHE:-~/.cache/workspace-guard-clis}`
(`.ci/run` puts them there). Each run gets a throwaway HOME, a PATH without our virtualenv (the
installed hooks must find workspace-guard through the committed launcher), and a hard timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("WG_CLI_CACHE") or Path.home() / ".cache/workspace-guard-clis")
BINARIES = {
    "claude": "claude/node_modules/.bin/claude",
    "codex": "codex/node_modules/.bin/codex",
    "gemini": "gemini/node_modules/.bin/gemini",
}
# The versions the notes and these tests were written against (`.ci/run` installs exactly these).
PINNED = {
    "claude": "@anthropic-ai/claude-code@2.1.197",
    "codex": "@openai/codex@0.171.0",
    "gemini": "@google/gemini-cli@0.61.0",
}
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def binary(cli: str, cache: Path | None = None) -> Path | None:
    path = (cache or CACHE) / BINARIES[cli]
    return path if path.exists() else None


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float, stdin: str = "") -> Run:
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            input=stdin.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        raise AssertionError(
            f"{argv[0]} did not finish in {timeout}s\n{out[-3000:]}\n{err[-3000:]}"
        ) from None
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def base_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "HOME": str(home),
        "PATH": SYSTEM_PATH,
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.environ.get("GIT_CONFIG_GLOBAL", str(home / ".gitconfig")),
        "TERM": "dumb",
        "NO_COLOR": "1",
    }
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env


def run_claude(
    repo: Path,
    url: str,
    home: Path,
    prompt: str = "go",
    *,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    extra_args: tuple[str, ...] = (),
) -> Run:
    exe = binary("claude")
    assert exe is not None
    full = base_env(
        home,
        {
            "ANTHROPIC_BASE_URL": url,
            "ANTHROPIC_API_KEY": "dummy",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "IS_SANDBOX": "1",
            **(env or {}),
        },
    )
    argv = [
        str(exe),
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "bypassPermissions",
        *extra_args,
    ]
    return _run(argv, repo, full, timeout)


def write_claude_agent(repo: Path, name: str) -> None:
    """A project subagent whose system prompt carries the marker the fake model routes by."""
    path = repo / ".claude/agents" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\nname: {name}\ndescription: {name} does its department's work\n---\n"
        f"ROLE-MARKER: {name}\nYou are {name}.\n"
    )


def run_codex(
    repo: Path,
    url: str,
    home: Path,
    prompt: str = "go",
    *,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    trust: bool = True,
    agents: tuple[str, ...] = (),
    extra_config: str = "",
) -> Run:
    exe = binary("codex")
    assert exe is not None
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True, exist_ok=True)
    lines = [
        'model = "gpt-5.5"',
        'model_provider = "fake"',
        'approval_policy = "never"',
        'sandbox_mode = "danger-full-access"',
        "[model_providers.fake]",
        'name = "fake"',
        f'base_url = "{url}/v1"',
        'wire_api = "responses"',
        'env_key = "FAKE_API_KEY"',
        "request_max_retries = 0",
        "stream_max_retries = 0",
    ]
    if trust:
        lines += [f"[projects.{json.dumps(str(repo))}]", 'trust_level = "trusted"']
    for name in agents:
        lines += [
            f"[agents.{json.dumps(name)}]",
            f'description = "{name} does its department\'s work"',
        ]
    (codex_home / "config.toml").write_text("\n".join(lines) + "\n" + extra_config)
    full = base_env(home, {"CODEX_HOME": str(codex_home), "FAKE_API_KEY": "dummy", **(env or {})})
    argv = [str(exe), "exec", "--skip-git-repo-check", "--json"]
    if trust:
        argv.append("--dangerously-bypass-hook-trust")
    argv.append(prompt)
    return _run(argv, repo, full, timeout)


def run_gemini(
    repo: Path,
    url: str,
    home: Path,
    prompt: str = "go",
    *,
    env: dict[str, str] | None = None,
    timeout: float = 240,
) -> Run:
    exe = binary("gemini")
    assert exe is not None
    settings = home / ".gemini/settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        json.dumps(
            {
                "security": {"auth": {"selectedType": "gemini-api-key"}},
                "general": {"disableAutoUpdate": True},
                "privacy": {"usageStatisticsEnabled": False},
                "telemetry": {"enabled": False},
            }
        )
    )
    full = base_env(
        home,
        {
            "GOOGLE_GEMINI_BASE_URL": url,
            "GEMINI_API_KEY": "dummy",
            "GEMINI_CLI_TRUST_WORKSPACE": "true",
            **(env or {}),
        },
    )
    argv = [str(exe), "-p", prompt, "--approval-mode", "yolo", "-o", "json"]
    return _run(argv, repo, full, timeout)

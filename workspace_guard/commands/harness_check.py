"""`install --harness NAME --check`: would the installed hook run, and would it block?

Each check is one line (`ok` / `FAIL` / `note`); the command exits 1 when any check fails, so a
setup script or CI can refuse a workspace where a harness would write unguarded.
"""

from __future__ import annotations

import json
import os
import subprocess

from workspace_guard.commands import harness_install as hi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Check = tuple[str, str]  # (status, text): status is "ok", "FAIL" or "note"

# An event every harness's gate judges and allows (it writes nothing): proves the chain runs.
PROBES: dict[str, dict[str, Any]] = {
    "claude": {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_input": {}},
    "codex": {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_input": {}},
    "gemini": {"hook_event_name": "BeforeTool", "tool_name": "read_file", "tool_input": {}},
    "cursor": {"hook_event_name": "preToolUse", "tool_name": "Read", "tool_input": {}},
    "cline": {"preToolUse": {"toolName": "read_file", "parameters": {}}},
}


def check(cwd: str, harness: str) -> list[Check]:
    """Every check for one harness in the repository at `cwd`."""
    root = hi._root(cwd)
    out = [*_settings(root, harness), *_launcher(root, harness)]
    out += _trust(root, harness)
    out += _served(root)
    return out


def _served(root: str) -> list[Check]:
    """Which hook-server client the launcher uses, and whether a server answers now."""
    from workspace_guard import git
    from workspace_guard.gates.harness import serve, serve_client

    state = os.path.join(git.repo_info(root).common_dir, "workspace-guard")
    built = serve_client.kind(state)
    if built is None:
        return [
            (
                "note",
                "no hook-server client is built: every call starts workspace-guard anew "
                "(run `install --harness` again, or the first call builds it)",
            )
        ]
    client = os.path.join(serve.serve_dir(state), serve_client.CLIENT)
    words = "C, compiled" if built == "c" else "Python (no C compiler was found)"
    out: list[Check] = [("ok", f"hook-server client: {words} ({client})")]
    sock = serve.socket_path(state)
    running = "running" if os.path.exists(sock) else "not running (the next call starts it)"
    out.append(("note", f"hook server: {running} ({sock})"))
    return out


def _entries(root: str, harness: str) -> tuple[str, list[dict[str, Any]]]:
    """Our hook entries in the harness's settings (event, matcher, timeout, command)."""
    if harness in hi.SETTINGS:
        rel = hi.SETTINGS[harness][0]
        data = hi._read(os.path.join(root, rel))
        found = []
        for event, groups in (data.get("hooks") or {}).items():
            for group in groups if isinstance(groups, list) else []:
                for entry in group.get("hooks", []) if isinstance(group, dict) else []:
                    if hi._ours(entry, harness):
                        found.append({"event": event, "matcher": group.get("matcher"), **entry})
        return rel, found
    if harness == "cursor":
        data = hi._read(os.path.join(root, hi.CURSOR_FILE))
        entries = (data.get("hooks") or {}).get("preToolUse", [])
        return hi.CURSOR_FILE, [e for e in entries if hi._ours(e, "cursor")]
    path = os.path.join(root, hi.CLINE_FILE)
    mine = "workspace-guard-managed" in _text(path)
    return hi.CLINE_FILE, [{"command": path}] if mine else []


def _settings(root: str, harness: str) -> list[Check]:
    rel, entries = _entries(root, harness)
    if not entries:
        return [("FAIL", f"{rel}: no workspace-guard hook (run `install --harness {harness}`)")]
    out: list[Check] = [("ok", f"{rel}: workspace-guard hook present")]
    wanted = hi.SETTINGS.get(harness, ("", {}))[1]
    for event, matcher in wanted.items():
        have = [e for e in entries if e.get("event") == event]
        if not have:
            out.append(("FAIL", f"{rel}: no {event} hook"))
        elif matcher and have[0].get("matcher") != matcher:
            out.append(
                ("FAIL", f"{rel}: {event} matcher {have[0].get('matcher')!r}, not {matcher!r}")
            )
        elif have[0].get("timeout") != hi.TIMEOUTS[harness]:
            unit = "ms" if harness == "gemini" else "s"
            out.append(
                (
                    "FAIL",
                    f"{rel}: {event} timeout {have[0].get('timeout')!r}, "
                    f"expected {hi.TIMEOUTS[harness]} ({unit})",
                )
            )
        if any("wg-hook" not in str(e.get("command", "")) for e in have):
            out.append(("FAIL", f"{rel}: {event} runs a fixed path, not the launcher (reinstall)"))
    return out


def _launcher(root: str, harness: str) -> list[Check]:
    path = os.path.join(root, hi.LAUNCHER)
    if not os.path.exists(path):
        return [("FAIL", f"{hi.LAUNCHER} is missing (run `install --harness {harness}`)")]
    out: list[Check] = [("ok", f"{hi.LAUNCHER} present")]
    tracked = subprocess.run(
        ["git", "-C", root, "ls-files", "--error-unmatch", hi.LAUNCHER],
        capture_output=True,
        check=False,
    )
    if tracked.returncode != 0:
        out.append(("note", f"{hi.LAUNCHER} is not committed yet: teammates' clones lack it"))
    probe = json.dumps({**PROBES[harness], "cwd": root}).encode()
    proc = subprocess.run(
        ["sh", path, harness], input=probe, capture_output=True, cwd=root, check=False
    )
    if proc.returncode == 0:
        out.append(("ok", "the hook runs and answers (a probe event was judged)"))
    else:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        out.append(
            ("FAIL", f"the hook blocks every call: {first[0] if first else proc.returncode}")
        )
    return out


def _trust(root: str, harness: str) -> list[Check]:
    if harness == "codex":
        home = os.environ.get("CODEX_HOME") or os.path.expanduser("~/.codex")
        config = os.path.join(home, "config.toml")
        text = _text(config)
        if f'[projects."{root}"]' in text and "trusted" in text:
            return [("ok", f"{config}: the project is trusted"), ("note", _step(harness, root))]
        return [("FAIL", f"{config}: the project is not trusted; " + _step(harness, root))]
    if harness == "gemini":
        return [("note", _step(harness, root))]
    return []


def _step(harness: str, root: str) -> str:
    return hi.TRUST_STEPS[harness].format(root=root)


def _text(path: str) -> str:
    """A file's text, or "" when it does not exist."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()

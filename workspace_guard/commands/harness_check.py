"""`install --harness NAME --check`: would the installed hook run, and would it block?

Each check is one line (`ok` / `FAIL` / `note`); the command exits 1 when any check fails, so a
setup script or CI can refuse a workspace where a harness would write unguarded.
"""

from __future__ import annotations

import json
import os
import subprocess

from workspace_guard.commands import harness_install as hi
from workspace_guard.i18n import _

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
                _(
                    "no hook-server client is built: every call starts workspace-guard anew "
                    "(run `install --harness` again, or the first call builds it)"
                ),
            )
        ]
    client = os.path.join(serve.serve_dir(state), serve_client.CLIENT)
    words = _("C, compiled") if built == "c" else _("Python (no C compiler was found)")
    out: list[Check] = [
        ("ok", _("hook-server client: {kind} ({client})").format(kind=words, client=client))
    ]
    sock = serve.socket_path(state)
    if os.path.exists(sock):
        running = _("hook server: running ({socket})")
    else:
        running = _("hook server: not running (the next call starts it) ({socket})")
    out.append(("note", running.format(socket=sock)))
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
        text = _("{file}: no workspace-guard hook (run `install --harness {harness}`)")
        return [("FAIL", text.format(file=rel, harness=harness))]
    out: list[Check] = [("ok", _("{file}: workspace-guard hook present").format(file=rel))]
    wanted = hi.SETTINGS.get(harness, ("", {}))[1]
    for event, matcher in wanted.items():
        have = [e for e in entries if e.get("event") == event]
        if not have:
            out.append(("FAIL", _("{file}: no {event} hook").format(file=rel, event=event)))
        elif matcher and have[0].get("matcher") != matcher:
            out.append(
                (
                    "FAIL",
                    _("{file}: {event} matcher {found!r}, not {wanted!r}").format(
                        file=rel, event=event, found=have[0].get("matcher"), wanted=matcher
                    ),
                )
            )
        elif have[0].get("timeout") != hi.TIMEOUTS[harness]:
            unit = "ms" if harness == "gemini" else "s"
            out.append(
                (
                    "FAIL",
                    _("{file}: {event} timeout {found!r}, expected {wanted} ({unit})").format(
                        file=rel,
                        event=event,
                        found=have[0].get("timeout"),
                        wanted=hi.TIMEOUTS[harness],
                        unit=unit,
                    ),
                )
            )
        if any("wg-hook" not in str(e.get("command", "")) for e in have):
            text = _("{file}: {event} runs a fixed path, not the launcher (reinstall)")
            out.append(("FAIL", text.format(file=rel, event=event)))
    return out


def _launcher(root: str, harness: str) -> list[Check]:
    path = os.path.join(root, hi.LAUNCHER)
    if not os.path.exists(path):
        text = _("{launcher} is missing (run `install --harness {harness}`)")
        return [("FAIL", text.format(launcher=hi.LAUNCHER, harness=harness))]
    out: list[Check] = [("ok", _("{launcher} present").format(launcher=hi.LAUNCHER))]
    tracked = subprocess.run(
        ["git", "-C", root, "ls-files", "--error-unmatch", hi.LAUNCHER],
        capture_output=True,
        check=False,
    )
    if tracked.returncode != 0:
        text = _("{launcher} is not committed yet: teammates' clones lack it")
        out.append(("note", text.format(launcher=hi.LAUNCHER)))
    probe = json.dumps({**PROBES[harness], "cwd": root}).encode()
    proc = subprocess.run(
        ["sh", path, harness], input=probe, capture_output=True, cwd=root, check=False
    )
    if proc.returncode == 0:
        out.append(("ok", _("the hook runs and answers (a probe event was judged)")))
    else:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        out.append(
            (
                "FAIL",
                _("the hook blocks every call: {reason}").format(
                    reason=first[0] if first else proc.returncode
                ),
            )
        )
    return out


def _trust(root: str, harness: str) -> list[Check]:
    if harness == "codex":
        home = os.environ.get("CODEX_HOME") or os.path.expanduser("~/.codex")
        config = os.path.join(home, "config.toml")
        text = _text(config)
        if f'[projects."{root}"]' in text and "trusted" in text:
            trusted = _("{config}: the project is trusted").format(config=config)
            return [("ok", trusted), ("note", _step(harness, root))]
        text = _("{config}: the project is not trusted; {step}")
        return [("FAIL", text.format(config=config, step=_step(harness, root)))]
    if harness == "gemini":
        return [("note", _step(harness, root))]
    return []


def _step(harness: str, root: str) -> str:
    return _(hi.TRUST_STEPS[harness]).format(root=root)


def _text(path: str) -> str:
    """A file's text, or "" when it does not exist."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()

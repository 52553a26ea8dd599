"""`install --claude` / `--harness NAME`: merge our hooks into each harness's project settings,
keeping every key and hook already there; idempotent; `uninstall` removes only ours.

The command written into the (committed) settings runs the committed launcher
`.workspace/bin/wg-hook`, which finds workspace-guard at run time and fails closed in the
harness's own protocol when it cannot (never exit 127, never a timeout the harness lets through).
Our entries are recognised by their command (`… wg-hook <harness>` or the older
`… workspace-guard hook <harness>`), so an older install is updated in place, not duplicated.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from workspace_guard import git
from workspace_guard.errors import ConfigError
from workspace_guard.i18n import N_, _, json_reason
from workspace_guard.state import announce

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Agent|Task|Workflow|SendMessage: starting or messaging a subagent acts as it (harness/spawn.py)
CLAUDE_MATCHER = (
    "Edit|Write|MultiEdit|NotebookEdit|Bash|PowerShell|Agent|Task|Workflow|SendMessage|mcp__.*"
)
# After-tool events feed the provenance ledger: only the tools that write files (MCP tools too:
# an owner's MCP write is recorded like its Edit, or the daemon would call it nobody's).
AFTER_MATCHER = "Edit|Write|MultiEdit|NotebookEdit|Bash|PowerShell|mcp__.*"
# postToolUse: the worktree warning, the one answer Cursor hands the model on an allowed call
CURSOR_EVENTS = (
    "preToolUse",
    "postToolUse",
    "beforeMCPExecution",
    "afterFileEdit",
    "afterShellExecution",
)
SETTINGS: dict[str, tuple[str, dict[str, str | None]]] = {
    "claude": (
        ".claude/settings.json",
        {
            "PreToolUse": CLAUDE_MATCHER,
            "PostToolUse": AFTER_MATCHER,
            "SubagentStart": None,
            "SessionStart": None,
        },
    ),
    "codex": (
        ".codex/hooks.json",
        {
            # write_stdin: what the agent types into a shell exec_command opened (judged as a
            # command: formats.py); left out, an allowed `bash` with a tty was an ungated shell
            "PreToolUse": (
                "Bash|apply_patch|Edit|Write|write_stdin|.*spawn_agent|.*send_input|.*resume_agent"
                "|mcp__.*"
            ),
            "PostToolUse": "Bash|apply_patch|Edit|Write|write_stdin|mcp__.*",
            "SubagentStart": None,
        },
    ),
    "gemini": (
        ".gemini/settings.json",
        {
            "BeforeTool": "write_file|replace|edit|run_shell_command|mcp_.*",
            "AfterTool": "write_file|replace|edit|run_shell_command|mcp_.*",
        },
    ),
}
# Each harness's hook timeout, in its own unit: Claude Code and Codex read seconds, Gemini CLI
# milliseconds (30 there would time out at once, and a timed-out hook lets the call through).
TIMEOUTS: dict[str, int] = {"claude": 30, "codex": 30, "gemini": 30_000}
CURSOR_FILE = ".cursor/hooks.json"
CLINE_FILE = ".clinerules/hooks/PreToolUse"
LAUNCHER = ".workspace/bin/wg-hook"
# The SHA-256 of each hook-server client this repository's machines built (committed, one a line):
# the installed command and the launcher run only a client listed here.
CLIENT_SUMS = ".workspace/bin/wg-hook-client.sums"
SUMS_KEPT = 16  # the newest lines kept (one per build; older builds are rebuilt anyway)
PROGRAM_FILE = "program"  # in the state dir: this machine's workspace-guard, for the launcher
# The SHA-256 of each program `install` recorded on this repository's machines (committed, one a
# line): the launcher runs the recorded program only when it is listed (the state dir's
# `program` line is writable by any process of the user; this list is a tracked file).
PROGRAM_SUMS = ".workspace/bin/wg-hook-program.sums"
RUNTIME_FILE = "runtime"  # in the state dir: how the launcher runs the program (its SHA-256 listed)
# How each harness's command finds the repository's launcher (a shell runs the command).
PROJECT_DIR = {
    "claude": '"${CLAUDE_PROJECT_DIR:-.}"',
    "gemini": '"${GEMINI_PROJECT_DIR:-${CLAUDE_PROJECT_DIR:-.}}"',
    "cursor": '"${CURSOR_PROJECT_DIR:-.}"',
}
# Codex names no project directory: the nearest folder holding `.git`, up from the hook's cwd,
# found with shell builtins (no `git rev-parse` per hook); "." when there is none (the launcher
# is then not found and `|| exit 2` blocks). Cline runs `.clinerules/hooks/PreToolUse` by path:
# the root is that path without its tail (spelt as the launcher spells it, so the client and the
# server it starts agree on the socket's name).
FIND_ROOT = {
    "codex": 'd=$PWD; until [ -e "$d/.git" ] || [ -z "$d" ]; do d=${d%/*}; done; d=${d:-.}',
    "cline": (
        'case $0 in */.clinerules/hooks/*) d="${0%/.clinerules/hooks/*}" ;; '
        '*/*) d="${0%/*}/../.." ;; *) d=../.. ;; esac'
    ),
}
TRUST_STEPS = {  # marked here, translated where shown (`_(TRUST_STEPS[h])`)
    "codex": N_(
        "Codex runs project hooks only when the project and its hooks are trusted "
        '(otherwise it skips them silently): add `[projects."{root}"] trust_level = "trusted"` '
        "to $CODEX_HOME/config.toml (default ~/.codex/config.toml), then accept the hooks when "
        "Codex asks (`codex exec` needs --dangerously-bypass-hook-trust after you reviewed them)."
    ),
    "gemini": N_(
        "Gemini CLI runs project hooks only in a trusted folder: trust {root} when Gemini asks "
        "(headless runs: GEMINI_CLI_TRUST_WORKSPACE=true). Gemini names no subagent in its hook "
        "events: set WORKSPACE_AGENT or the rules' `harness: main_agent:`."
    ),
}


def program() -> str:
    """This machine's workspace-guard console script (next to this interpreter)."""
    return os.path.join(os.path.dirname(sys.executable), "workspace-guard")


def runtime_text() -> str:
    """The state dir's `runtime`: the program, its Python (resolved: not the virtualenv's link),
    then the folders its code is imported from (the virtualenv's site-packages, then this
    package's folder: an editable install's checkout). The launcher runs `PYTHON -I -S` with
    those after the standard library on sys.path: no `.pth`, sitecustomize or user site is read,
    and nothing there shadows the standard library."""
    import sysconfig

    import workspace_guard

    package = os.path.dirname(os.path.dirname(os.path.abspath(workspace_guard.__file__)))
    paths: list[str] = []
    for where in (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], package):
        if where not in paths:
            paths.append(where)
    lines = [program(), os.path.realpath(sys.executable), *paths]
    return "".join(f"{line}\n" for line in lines)


def command(harness: str) -> str:
    """The command a harness runs: the committed launcher, found from the project directory.

    A shell runs it; if even the launcher is missing, `|| exit 2` still blocks the call (a
    missing command would otherwise be exit 127, which every harness treats as non-blocking).
    The project directory comes from the harness's variable (Codex: the nearest `.git` up from
    the cwd, `FIND_ROOT`), and the command first asks the hook server's client itself when this
    machine has one (one `sh` less per call, no `git`) — but only a client whose SHA-256 is
    listed in the committed `CLIENT_SUMS` (the state dir is writable by any process of the
    user; the list is a tracked file beside the launcher): a replaced, rewritten or linked
    client is never run, the launcher (which checks the same) then asks the one-shot hook
    (`timeout` and `sha256sum` run with LC_ALL=C: no locale files read, ~0.3 ms a call). The
    client's answer (0 or 2) ends the call; any other code goes to the launcher in
    WG_HOOK_CLIENT, which starts a server or asks the one-shot hook (the client left stdin
    untouched) or blocks (`wg-hook`'s header)."""
    where = FIND_ROOT.get(harness, f"d={PROJECT_DIR.get(harness, '.')}")
    launcher = f'sh "$d"/{LAUNCHER} {harness} || exit 2'
    if harness == "cline":  # a script of its own, found by its marker: the path quoted whole
        launcher = f'sh "$d/{LAUNCHER}" {harness} || exit 2'
    state = '"$d"/.git/workspace-guard'
    return (
        f"{where}; c={state}/serve/client; "
        f'if [ -f "$c" ] && [ ! -h "$c" ] && [ -x "$c" ] && [ -f "$d"/{CLIENT_SUMS} ] '
        f'&& [ -z "${{WORKSPACE_GUARD:-}}" ] && [ "${{WG_HOOK_SERVE:-1}}" != 0 ]; then '
        f't=; command -v timeout >/dev/null 2>&1 && t="timeout -s KILL 2"; '
        f'h=$(LC_ALL=C $t sha256sum <"$c" 2>/dev/null); h=${{h%% *}}; k=; n=0; '
        f"while [ $n -lt {SUMS_KEPT} ] && IFS= read -r l; do n=$((n+1)); "
        f'[ "$l" = "$h" ] && k=1 && break; done <"$d"/{CLIENT_SUMS}; '
        f'if [ -n "$k" ] && [ -n "$h" ]; then '
        f'"$c" {harness} {state} "${{WG_HOOK_TIMEOUT:-20}}"; r=$?; '
        f"case $r in 0 | 2) exit $r ;; esac; export WG_HOOK_CLIENT=$r; fi; fi; {launcher}"
    )


def _ours(entry: Any, harness: str) -> bool:
    text = entry.get("command", "") if isinstance(entry, dict) else ""
    if not isinstance(text, str):
        return False
    launcher = "wg-hook" in text and f"wg-hook {harness}" in text
    return launcher or ("workspace-guard" in text and f"hook {harness}" in text)


def _root(cwd: str) -> str:
    info = git.repo_info(cwd)
    if info.root is None:
        raise ConfigError(_("harness hooks belong in a repository with a working tree"))
    return info.root


def _read(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except ValueError as exc:
        raise ConfigError(
            _("{path} is not valid JSON ({error}); it was left unchanged").format(
                path=path, error=json_reason(exc)
            ),
            hint=_("fix the file, then install again"),
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            _("{path} does not hold a JSON object; it was left unchanged").format(path=path)
        )
    return data


def _write(path: str, data: dict[str, Any]) -> None:
    announce.write_file(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _merge_events(data: dict[str, Any], harness: str, events: dict[str, str | None]) -> bool:
    """Claude-shaped `hooks: {event: [{matcher, hooks: [{type, command}]}]}`; True if changed."""
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(_("the settings' `hooks` is not an object; it was left unchanged"))
    before = json.dumps(data, sort_keys=True)
    for event, matcher in events.items():
        groups = [g for g in hooks.get(event, []) if isinstance(g, dict)]
        for group in groups:
            group["hooks"] = [h for h in group.get("hooks", []) if not _ours(h, harness)]
        groups = [g for g in groups if g.get("hooks")]
        ours: dict[str, Any] = {
            "hooks": [
                {"type": "command", "command": command(harness), "timeout": TIMEOUTS[harness]}
            ]
        }
        if matcher:
            ours = {"matcher": matcher, **ours}
        hooks[event] = [*groups, ours]
    return json.dumps(data, sort_keys=True) != before


def _remove_events(data: dict[str, Any], harness: str) -> bool:
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return False
    before = json.dumps(data, sort_keys=True)
    for event in list(hooks):
        groups = (
            [g for g in hooks[event] if isinstance(g, dict)]
            if isinstance(hooks[event], list)
            else []
        )
        for group in groups:
            group["hooks"] = [h for h in group.get("hooks", []) if not _ours(h, harness)]
        kept = [g for g in groups if g.get("hooks")]
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    if not hooks:
        del data["hooks"]
    return json.dumps(data, sort_keys=True) != before


def install(cwd: str, harness: str) -> list[tuple[str, str]]:
    """Install the hooks of one harness in the repository at `cwd`."""
    root = _root(cwd)
    if harness == "cursor":
        return [_cursor(os.path.join(root, CURSOR_FILE), install=True)]
    if harness == "cline":
        return [_cline(os.path.join(root, CLINE_FILE), install=True)]
    results = [*_install_launcher(root)]
    rel, events = SETTINGS[harness]
    path = os.path.join(root, rel)
    data = _read(path)
    if not _merge_events(data, harness, events):
        results.append((path, _("already installed")))
    else:
        _write(path, data)
        results.append(
            (
                path,
                _("{harness} hooks installed ({events})").format(
                    harness=harness, events=", ".join(events)
                ),
            )
        )
    if harness in TRUST_STEPS:
        step = _(TRUST_STEPS[harness]).format(root=root)
        results.append((path, _("next step: {step}").format(step=step)))
    if harness == "claude":
        from workspace_guard.commands import mcp_config

        results.append(mcp_config.install(root))
    return results


def _install_launcher(root: str) -> list[tuple[str, str]]:
    """Write the committed launcher and record this machine's workspace-guard for it."""
    from importlib.resources import files

    out: list[tuple[str, str]] = []
    text = files("workspace_guard").joinpath("resources/launcher/wg-hook").read_text("utf-8")
    path = os.path.join(root, LAUNCHER)
    current = None
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            current = handle.read()
    if current != text:
        announce.write_file(path, text, mode=0o755)  # announced: the daemon accepts it
        out.append((path, _("hook launcher written (commit it)")))
    os.chmod(path, 0o755)
    state = git.repo_info(root).common_dir
    if state:
        folder = os.path.join(state, "workspace-guard")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, PROGRAM_FILE), "w", encoding="utf-8") as handle:
            handle.write(program() + "\n")
        runtime = os.path.join(folder, RUNTIME_FILE)
        with open(runtime, "w", encoding="utf-8") as handle:
            handle.write(runtime_text())
        out += _record_sum(
            root, runtime, PROGRAM_SUMS, _("the program's SHA-256 listed (commit it)")
        )
        from workspace_guard.errors import GuardError
        from workspace_guard.gates.harness import serve_client

        client = os.path.join(folder, "serve", serve_client.CLIENT)
        try:
            built = serve_client.ensure(folder)
        except (GuardError, OSError) as exc:  # the hooks still work, one process per call
            text = _(
                "the hook server's client was not built ({error}): every hook call starts "
                "workspace-guard anew"
            )
            out.append((client, text.format(error=exc)))
        else:
            text = _("the hook server's client ({kind}), built for this machine: nothing to commit")
            out.append((client, text.format(kind=built)))
            out += _record_sum(
                root, client, CLIENT_SUMS, _("the client's SHA-256 listed (commit it)")
            )
    return out


def _record_sum(root: str, target: str, sums: str, said: str) -> list[tuple[str, str]]:
    """List the SHA-256 of `target` first in the committed list `sums` (the installed command
    and the launcher run no file that is not listed there). First: the shell reads the list a
    byte a call and stops at the first match, so this machine's line costs one line's read."""
    from workspace_guard.gates.harness import serve_client

    digest = serve_client.file_sha256(target)
    path = os.path.join(root, sums)
    lines: list[str] = []
    with contextlib.suppress(OSError), open(path, encoding="ascii", errors="replace") as handle:
        lines = [line.strip() for line in handle if len(line.strip()) == 64]
    if digest is None or lines[:1] == [digest]:
        return []
    known = digest in lines
    lines = [digest, *[line for line in lines if line != digest]][:SUMS_KEPT]
    announce.write_file(path, "".join(f"{line}\n" for line in lines))  # the daemon accepts it
    return [] if known else [(path, said)]


def uninstall(cwd: str, harness: str) -> list[tuple[str, str]]:
    """Remove only our entries."""
    root = _root(cwd)
    if harness == "cursor":
        return [_cursor(os.path.join(root, CURSOR_FILE), install=False)]
    if harness == "cline":
        return [_cline(os.path.join(root, CLINE_FILE), install=False)]
    path = os.path.join(root, SETTINGS[harness][0])
    if harness == "claude":
        from workspace_guard.commands import mcp_config

        mcp_config.uninstall(root)
    data = _read(path)
    if not _remove_events(data, harness):
        return [(path, _("not installed"))]
    if data:
        _write(path, data)
    else:
        announce.remove_file(path)  # it held nothing but our hooks
    return [(path, _("{harness} hooks removed").format(harness=harness))]


def _cursor(path: str, *, install: bool) -> tuple[str, str]:
    """`.cursor/hooks.json`: `{"version": 1, "hooks": {"preToolUse": [{"command"}]}}`."""
    data = _read(path)
    hooks = data.setdefault("hooks", {})
    before = json.dumps(data, sort_keys=True)
    if install:
        data.setdefault("version", 1)
        _install_launcher(os.path.dirname(os.path.dirname(path)))
    for event in CURSOR_EVENTS:
        entries = [e for e in hooks.get(event, []) if not _ours(e, "cursor")]
        if install:
            entries.append({"command": command("cursor")})
        if entries:
            hooks[event] = entries
        else:
            hooks.pop(event, None)
    if json.dumps(data, sort_keys=True) == before:
        return path, "already installed" if install else "not installed"
    _write(path, data)
    events = ", ".join(CURSOR_EVENTS)
    return path, f"cursor hooks installed ({events})" if install else "cursor hook removed"


def _cline(path: str, *, install: bool) -> tuple[str, str]:
    """`.clinerules/hooks/PreToolUse`: an executable that runs ours (a foreign one is kept)."""
    marker = "# workspace-guard-managed"
    exists = os.path.exists(path)
    mine = False
    if exists:
        with open(path, encoding="utf-8", errors="replace") as handle:
            mine = marker in handle.read()
    if not install:
        if exists and mine:
            announce.remove_file(path)
            return path, "cline hook removed"
        return path, "not installed"
    if exists and not mine:
        raise ConfigError(
            _("{path} exists and is not ours; it was left unchanged").format(path=path),
            hint=_("call `{command}` from it yourself").format(command=command("cline")),
        )
    _install_launcher(os.path.dirname(os.path.dirname(os.path.dirname(path))))
    content = f"#!/bin/sh\n{marker}\n{command('cline')}\n"
    announce.write_file(path, content, mode=0o755)
    return path, "cline hook installed (PreToolUse)"


PROVENANCE_KEY = "workspace-guard.requireProvenance"


def require_provenance(cwd: str, *, on: bool = True) -> tuple[str, str]:
    """With a harness installed its hooks write the provenance ledger, so the commit gate can
    check identities against it (gates/commit/provenance): the repository's config says so,
    unless the trusted rules' `harness: require_provenance` says otherwise."""

    info = git.repo_info(cwd)
    path = os.path.join(info.common_dir, "config")
    if on:
        announce.git_config(cwd, PROVENANCE_KEY, "true")  # announced: the daemon accepts it
        return path, _(
            "{key} = true (commits of protected paths are checked against the provenance "
            "ledger; `harness: require_provenance: false` in the rules turns it off)"
        ).format(key=PROVENANCE_KEY)
    announce.git_config(cwd, PROVENANCE_KEY, None)
    return path, _("{key} removed").format(key=PROVENANCE_KEY)

"""`doctor`'s harness checks: each harness's installed settings, the hook server's client, and
`.mcp.json`.

Three ways a harness layer goes quiet without a word, each named here:

- a settings file that no longer parses, or holds another shape, or a command that is stale;
- an install made before the client's SHA-256 check (commit ae7d70a): its command runs
  `.git/workspace-guard/serve/client` unchecked, so any process of the user that replaced that
  file decides every later tool call; `install --harness NAME` writes the checking command;
- a client whose SHA-256 is not listed in the committed `.workspace/bin/wg-hook-client.sums`:
  the command never runs it (every call pays a one-shot hook), and a client nobody listed is
  worth a look;
- `.mcp.json` that is not JSON, not UTF-8, not the shape Claude Code reads, or whose
  `workspace-guard` entry is missing (where `install --claude` wrote the hooks) or runs another
  command than the one `install` writes.
"""

from __future__ import annotations

import contextlib
import json
import os

from workspace_guard.i18n import _, json_reason, strerror

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.commands.doctor import Check
    from workspace_guard.repo import Repo

# every harness `install --harness` knows, by the file it writes (cline's is a script)
HARNESS_FILES = {
    "claude": ".claude/settings.json",
    "codex": ".codex/hooks.json",
    "gemini": ".gemini/settings.json",
    "cursor": ".cursor/hooks.json",
    "cline": ".clinerules/hooks/PreToolUse",
}
CLIENT_PATH = "serve/client"  # under the state dir, as the installed command names it
MAX_CLIENT_BYTES = 16 << 20  # the built client is ~20 KB (C) or ~10 KB (Python); larger is not ours
MAX_SETTINGS_BYTES = 4 << 20  # harness settings and .mcp.json are a few KB
MAX_SUMS_BYTES = 64 << 10  # 16 lines of 65 bytes are kept; the rest is not read


def harnesses(repo: Repo, fix: bool) -> list[Check]:
    """One check per harness whose settings file is here (a skipped one when there is none)."""
    from workspace_guard.commands.doctor import Check

    found = [
        (name, os.path.join(repo.root, rel))
        for name, rel in HARNESS_FILES.items()
        if os.path.lexists(os.path.join(repo.root, rel))
    ]
    if not found:
        return [
            Check(
                "harness",
                True,
                _("no harness settings here ({path})").format(path=HARNESS_FILES["claude"]),
                "workspace-guard install --claude",
                skipped=True,
            )
        ]
    return [_harness(repo, name, path, fix) for name, path in found]


def _harness(repo: Repo, name: str, path: str, fix: bool) -> Check:
    from workspace_guard.commands.doctor import Check

    problems = harness_problems(repo, name, path)
    if not problems:
        detail = _("{name}: hooks in {path} resolve").format(name=name, path=path)
        return Check("harness", True, detail, where=path)
    fixed = ""
    if fix:
        fixed = _reinstall(repo, name, path)
    fix_text = f"workspace-guard install --harness {name}"
    return Check("harness", bool(fixed), "; ".join(problems), fix_text, fixed, path)


def _reinstall(repo: Repo, name: str, path: str) -> str:
    """`install --harness NAME` again; what it fixed, or "" (a file it refuses stays as is)."""
    from workspace_guard.commands import harness_install as hi
    from workspace_guard.errors import GuardError

    rebuilt = bool(client_problems(repo, name))
    if rebuilt:  # never run as it is: rebuilt from the package, then listed
        for leftover in (CLIENT_PATH, CLIENT_PATH + ".stamp"):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(repo.state_dir, leftover))
    try:
        hi.install(repo.root, name)
    except GuardError:
        return ""
    if harness_problems(repo, name, path):
        return ""
    if rebuilt:
        return _("rebuilt the hook server's client and listed its SHA-256 in {sums}").format(
            sums=hi.CLIENT_SUMS
        )
    return _("rewrote the {name} hooks in {path}").format(name=name, path=path)


def harness_problems(repo: Repo, name: str, path: str) -> list[str]:
    """Why a harness's hook would not run, would run unchecked, or would not find us."""
    from workspace_guard.commands import harness_install as hi

    commands, problem = _commands(name, path)
    if problem:
        return [problem]
    ours = [c for c in commands if "wg-hook" in c or "workspace-guard" in c]
    problems = []
    unchecked = [c for c in ours if unchecked_client(c)]
    if unchecked:
        problems.append(
            _(
                "{path}: installed before the hook client's SHA-256 check: the command runs "
                "{client} without checking it against {sums}, so whoever replaces that file "
                "decides every tool call; run `workspace-guard install --harness {name}` again"
            ).format(path=path, client=CLIENT_PATH, sums=hi.CLIENT_SUMS, name=name)
        )
    elif hi.command(name) not in commands:
        problems.append(
            _("{path}: the hook command is stale ({command!r})").format(path=path, command=ours[0])
            if ours
            else _("{path} has no workspace-guard hook").format(path=path)
        )
    return problems + _launcher_problems(repo) + client_problems(repo, name)


def unchecked_client(command: str) -> bool:
    """The shape of a command installed before ae7d70a: it runs the state dir's client with no
    SHA-256 check against the committed list."""
    from workspace_guard.commands import harness_install as hi

    return CLIENT_PATH in command and (hi.CLIENT_SUMS not in command or "sha256" not in command)


def _commands(name: str, path: str) -> tuple[list[str], str]:
    """Every hook command in a harness's settings (cline: the script's lines), or a problem."""
    try:
        text = _read_bounded(path).decode("utf-8")
    except OSError as exc:
        return [], _("{path} cannot be read ({error})").format(path=path, error=strerror(exc))
    except UnicodeDecodeError as exc:
        return [], _("{path} is not UTF-8 text (byte {offset})").format(path=path, offset=exc.start)
    if name == "cline":
        return [line.strip() for line in text.splitlines()], ""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], _("{path} is not valid JSON ({error}): the harness cannot read it").format(
            path=path, error=json_reason(exc)
        )
    hooks = data.get("hooks") if isinstance(data, dict) else None
    if not isinstance(hooks, dict):
        return [], _("{path}: `hooks` is not an object, so no hook of it runs").format(path=path)
    return list(_command_strings(hooks)), ""


def _read_bounded(path: str) -> bytes:
    """A settings file's bytes; one larger than any settings file (a tracked file an agent could
    grow) is an error, not minutes of reading."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_SETTINGS_BYTES + 1)
    if len(data) > MAX_SETTINGS_BYTES:
        raise OSError(0, _("larger than {n} MB").format(n=MAX_SETTINGS_BYTES >> 20))
    return data


def _command_strings(node: Any) -> list[str]:
    """Every string under a `command` key (Claude/Codex/Gemini groups, Cursor's flat list)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "command" and isinstance(value, str):
                found.append(value)
            else:
                found += _command_strings(value)
    elif isinstance(node, list):
        for item in node:
            found += _command_strings(item)
    return found


def _launcher_problems(repo: Repo) -> list[str]:
    from workspace_guard.commands import harness_install as hi

    launcher = os.path.join(repo.root, hi.LAUNCHER)
    if not os.path.exists(launcher):
        return [_("the hook launcher {path} is missing").format(path=hi.LAUNCHER)]
    program_file = os.path.join(repo.state_dir, hi.PROGRAM_FILE)
    try:
        with open(program_file, encoding="utf-8") as handle:
            program = handle.read().strip()
    except (OSError, ValueError):
        return []  # the launcher then looks for workspace-guard on PATH
    if program and not os.access(program, os.X_OK):
        return [_("the launcher runs {program}, which is gone").format(program=program)]
    return []


def client_problems(repo: Repo, name: str) -> list[str]:
    """A built client whose SHA-256 the committed list does not hold (the command skips it)."""
    from workspace_guard.commands import harness_install as hi
    from workspace_guard.gates.harness import serve_client

    client = os.path.join(repo.state_dir, CLIENT_PATH)
    try:
        facts = os.lstat(client)
    except OSError:
        return []
    import stat

    # bounded: a client grown to gigabytes (ATTACK F22) must not stall doctor or SessionStart
    hashable = stat.S_ISREG(facts.st_mode) and facts.st_size <= MAX_CLIENT_BYTES
    digest = serve_client.file_sha256(client) if hashable else None
    listed: set[str] = set()
    try:
        with open(os.path.join(repo.root, hi.CLIENT_SUMS), "rb") as handle:
            text = handle.read(MAX_SUMS_BYTES)
        listed = {line.strip().decode("ascii", "replace") for line in text.splitlines()}
    except OSError:
        pass
    if digest is not None and digest in listed:
        return []
    return [
        _(
            "the hook server's client {client} is not listed in {sums} (SHA-256 {digest}): the "
            "hooks never run it and every call is a one-shot hook; it was rebuilt by another "
            "version, or replaced: remove it (`rm {client}`) and run `workspace-guard install "
            "--harness {name}` again, which builds it from the package and lists it (listing the "
            "file as it is would trust whatever replaced it); then commit {sums}"
        ).format(
            client=os.path.join(".git", "workspace-guard", CLIENT_PATH),
            sums=hi.CLIENT_SUMS,
            name=name,
            digest=(digest or _("unreadable"))[:16],
        )
    ]


# --- .mcp.json -----------------------------------------------------------------------------------


def mcp(repo: Repo, fix: bool, claude_hooks: bool) -> list[Check]:
    """`.mcp.json`: readable, the shape Claude Code reads, our entry current and the SDK there.
    A missing entry fails only where `install --claude` put our hooks (it writes both)."""
    from workspace_guard.commands import mcp_config
    from workspace_guard.commands.doctor import Check

    path = os.path.join(repo.root, mcp_config.MCP_FILE)
    if not os.path.lexists(path):
        return []
    hint = "workspace-guard install --claude"
    servers, problem = _servers(path)
    if problem:
        return [
            Check(
                "mcp",
                False,
                problem,
                _("fix or remove {path}, then: {hint}").format(path=mcp_config.MCP_FILE, hint=hint),
                where=path,
            )
        ]
    if mcp_config.SERVER not in servers:
        detail = _("{path} has no `{name}` server: agents cannot ask the protocol over MCP").format(
            path=path, name=mcp_config.SERVER
        )
        if not claude_hooks:
            return [Check("mcp", True, detail, hint, where=path, skipped=True)]
        return _mcp_fix(repo, path, detail, hint, fix)
    problems = []
    if servers[mcp_config.SERVER] != mcp_config.entry():
        problems.append(_describe_entry(path, servers[mcp_config.SERVER]))
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        problems.append(_("the `mcp` package is not installed: the MCP server cannot start"))
    if not problems:
        return [Check("mcp", True, _("server registered in {path}").format(path=path), where=path)]
    return _mcp_fix(repo, path, "; ".join(problems), hint, fix and len(problems) == 1)


def _mcp_fix(repo: Repo, path: str, detail: str, hint: str, fix: bool) -> list[Check]:
    from workspace_guard.commands import mcp_config
    from workspace_guard.commands.doctor import Check
    from workspace_guard.errors import GuardError

    fixed = ""
    if fix and "`mcp` package" not in detail:
        try:
            mcp_config.install(repo.root)
            if mcp_config.registered(repo.root):
                fixed = _("rewrote the workspace-guard server in {path}").format(path=path)
        except GuardError:
            fixed = ""
    return [Check("mcp", bool(fixed), detail, hint, fixed, path)]


def _servers(path: str) -> tuple[dict[str, Any], str]:
    """`mcpServers` of `.mcp.json`, or the problem that keeps Claude Code from reading it."""
    try:
        text = _read_bounded(path).decode("utf-8")
    except OSError as exc:
        return {}, _("{path} cannot be read ({error})").format(path=path, error=strerror(exc))
    except UnicodeDecodeError as exc:
        return {}, _(
            "{path} is not UTF-8 text (byte {offset}): Claude Code cannot read its MCP servers"
        ).format(path=path, offset=exc.start)
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {}, _(
            "{path} is not valid JSON ({error}): Claude Code cannot read its MCP servers"
        ).format(path=path, error=json_reason(exc))
    if not isinstance(data, dict):
        return {}, _("{path} is not a JSON object: Claude Code cannot read its MCP servers").format(
            path=path
        )
    servers = data.get("mcpServers", {})
    if not isinstance(servers, dict):
        return {}, _(
            "{path}: `mcpServers` is not an object: Claude Code cannot read its MCP servers"
        ).format(path=path)
    return servers, ""


def _describe_entry(path: str, found: Any) -> str:
    """A `workspace-guard` entry that is not the one `install` writes: stale, or elsewhere."""
    from workspace_guard.commands import mcp_config

    if isinstance(found, dict) and found.get("command") == "sh":
        args = found.get("args")
        if isinstance(args, list) and args and 'exec "$p" mcp' in str(args[-1]):
            return _("{path}: the workspace-guard server's command is stale").format(path=path)
    shown = json.dumps(found, ensure_ascii=False)
    return _(
        "{path}: the `{name}` server runs {found}, not workspace-guard's MCP server (it points "
        "elsewhere: agents asking the protocol there get another program's answers)"
    ).format(path=path, name=mcp_config.SERVER, found=shown[:160])

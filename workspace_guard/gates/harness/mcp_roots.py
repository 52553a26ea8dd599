"""MCP servers that keep a root between calls (ATTACK F56): `set_workspace`, `activate_project`,
`set_working_directory`, `change_directory`… move the folder a server resolves later relative
paths against, and a per-call gate sees only the relative name.

So a call whose tool name says it sets such a root is judged like a write of the folder (an
unknown MCP tool: a folder covers the files below it, so a root in a protected folder is refused
to non-owners), and, once allowed, the folder is remembered in the state dir (`mcp-roots.json`,
the last `KEEP`, whatever the server and session: more roots only judge more candidates). Every
later relative path of an MCP write or unknown tool is judged in each remembered root as well as
where the event stands.
"""

from __future__ import annotations

import json
import os

FILE = "mcp-roots.json"
KEEP = 16

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.gate import Call
    from workspace_guard.repo import Repo


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERBS = _names("set activate change switch open use select cd chdir enter goto go load init")
_NOUNS = _names(
    "workspace workspaces project projects root roots cwd directory dir folder repo repository"
    " location path working base"
)


def sets_root(tool: str) -> bool:
    """Whether an MCP tool (its own name, server prefix removed) sets a root the server keeps."""
    from workspace_guard.gates.harness.mcp_tools import _snake, tool_name

    words = set(_snake(tool_name(tool)).split("_"))
    return bool(words & {"cd", "chdir", "pushd"}) or bool(words & _VERBS and words & _NOUNS)


def remembered(state_dir: str) -> list[str]:
    """The roots remembered for this repository's MCP servers (absolute folders)."""
    try:
        with open(os.path.join(state_dir, FILE), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    roots = data.get("roots") if isinstance(data, dict) else None
    return [r for r in roots if isinstance(r, str) and os.path.isabs(r)] if roots else []


def remember(state_dir: str, folders: list[str]) -> None:
    """Add `folders` (absolute) to the remembered roots, keeping the last KEEP."""
    from workspace_guard.fsutil import atomic_write

    roots = [r for r in remembered(state_dir) if r not in folders] + folders
    data = json.dumps({"roots": list(dict.fromkeys(roots))[-KEEP:]}, ensure_ascii=False)
    atomic_write(os.path.join(state_dir, FILE), data + "\n")


def is_mcp_call(call: Call) -> bool:
    return call.tool.startswith("mcp_") or call.mcp_unknown


def with_roots(repo: Repo, call: Call, paths: tuple[str, ...]) -> tuple[str, ...]:
    """An MCP call's paths, the relative ones also read in each remembered root."""
    if not is_mcp_call(call):
        return paths
    return (*paths, *in_roots(paths, remembered(repo.state_dir)))


def note_root(repo: Repo, call: Call, allowed: bool) -> None:
    """Remember the folders an allowed root-setting MCP call names (absolute)."""
    if not (allowed and call.paths and is_mcp_call(call) and sets_root(call.tool)):
        return
    folders = [os.path.normpath(os.path.join(call.cwd, os.path.expanduser(p))) for p in call.paths]
    try:
        remember(repo.state_dir, [f for f in folders if os.path.isdir(f)])
    except OSError as exc:  # fail closed: a root the gate cannot remember is not let through
        from workspace_guard.gates.harness.gate import GateError

        raise GateError(str(exc)) from exc


def in_roots(paths: tuple[str, ...], roots: list[str]) -> list[str]:
    """Each relative path also read in each root."""
    return [
        os.path.join(root, path)
        for root in roots
        for path in paths
        if path and not os.path.isabs(os.path.expanduser(path))
    ]

"""MCP tools through the harness gate: an MCP server's write tool is a write like any other.

Claude Code and Codex name MCP tools `mcp__<server>__<tool>`; Gemini CLI `mcp_<server>_<tool>` (or
the bare tool name). Tools are recognised by their last name part:

- known file-writing tools (the filesystem server's `write_file`, `edit_file`, `move_file`,
  `create_directory`, and the like) are decided by their path arguments;
- known shell tools (`execute_command`, `run_command`, `start_process`, …) by the shell analysis;
- known read-only tools (`read_file`, `list_directory`, `search_files`, any `read_*`, `list_*`,
  `get_*`, `search_*`) write nothing;
- any other tool follows the rules' `harness: mcp_unknown:` — `paths` (the default: every path-like
  argument, at any depth, is decided as a write, so a new server cannot silently write a protected
  file), `deny` (block every unknown MCP tool) or `allow`.
"""

from __future__ import annotations

from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WRITE_TOOLS = frozenset(
    {
        "write_file",
        "edit_file",
        "create_file",
        "create_directory",
        "move_file",
        "rename_file",
        "copy_file",
        "delete_file",
        "remove_file",
        "append_file",
        "edit_block",
        "write_pdf",
        "str_replace",
        "str_replace_editor",
        "insert",
        "replace",
        "write",
        "edit",
        "delete",
        "patch_file",
        "apply_patch",
    }
)
SHELL_TOOLS = frozenset(
    {
        "execute_command",
        "run_command",
        "start_process",
        "shell",
        "bash",
        "run_shell_command",
        "exec",
    }
)
READ_TOOLS = frozenset({"directory_tree", "list_allowed_directories", "tree", "stat"})
READ_PREFIXES = ("read_", "list_", "get_", "search_", "find_", "view_", "describe_")
PATH_KEYS = frozenset(
    {
        "path",
        "paths",
        "file_path",
        "filepath",
        "filePath",
        "file",
        "filename",
        "source",
        "destination",
        "target",
        "dest",
        "new_path",
        "old_path",
        "notebook_path",
        "directory",
        "dir",
    }
)
SHELL_KEYS = ("command", "cmd", "script")


class McpCall(Record):
    """What an MCP tool call may write: paths, a shell command, or an unknown tool's candidates."""

    tool: str  # the tool's own name (server prefix removed)
    paths: tuple[str, ...] = ()
    command: str | None = None
    unknown: bool = False  # decided by `harness: mcp_unknown`


def is_mcp(name: str) -> bool:
    """An MCP tool name in Claude/Codex (`mcp__…`) or Gemini (`mcp_…`) form."""
    return name.startswith("mcp_")


def tool_name(name: str) -> str:
    """The tool's own name: `mcp__filesystem__write_file` → `write_file`."""
    if "__" in name:
        return name.rsplit("__", 1)[1]
    rest = name[len("mcp_") :] if name.startswith("mcp_") else name
    for known in sorted(WRITE_TOOLS | SHELL_TOOLS | READ_TOOLS, key=len, reverse=True):
        if rest == known or rest.endswith("_" + known):
            return known
    return rest


def classify(name: str, arguments: Any) -> McpCall | None:
    """The write an MCP call may make; None when the tool only reads."""
    tool = tool_name(name)
    args = arguments if isinstance(arguments, dict) else {}
    if tool in SHELL_TOOLS:
        command = next((args[k] for k in SHELL_KEYS if isinstance(args.get(k), str)), None)
        if command is not None:
            return McpCall(tool, command=command)
        return McpCall(tool, paths=tuple(path_arguments(args)), unknown=True)
    if tool in WRITE_TOOLS:
        return McpCall(tool, paths=tuple(path_arguments(args, keys_only=True)))
    if tool in READ_TOOLS or tool.startswith(READ_PREFIXES):
        return None
    return McpCall(tool, paths=tuple(path_arguments(args)), unknown=True)


def path_arguments(value: Any, *, keys_only: bool = False, key: str = "") -> list[str]:
    """Path-like strings in the arguments, at any depth: values of path keys, and (unless
    `keys_only`) any string that looks like a path (`/`, `./`, a file name with an extension)."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += path_arguments(v, keys_only=keys_only, key=str(k))
    elif isinstance(value, list):
        for item in value:
            out += path_arguments(item, keys_only=keys_only, key=key)
    elif (
        isinstance(value, str)
        and value
        and "\n" not in value
        and len(value) < 4096
        and (key in PATH_KEYS or (not keys_only and _looks_like_path(value)))
    ):
        out.append(value)
    return out


def _looks_like_path(text: str) -> bool:
    if " " in text.strip() or text.startswith(("http://", "https://")):
        return False
    name = text.rsplit("/", 1)[-1]
    return "/" in text or ("." in name.strip(".") and not text.replace(".", "").isdigit())


def unknown_tool_refusal(decider: Any, agent: str, tool: str) -> list[Any]:
    """`harness: mcp_unknown: deny`: one denial naming the tool (superusers are not refused)."""
    from workspace_guard.core.model import Decision

    rules = decider.rules
    if (rules.harness or {}).get("mcp_unknown") != "deny" or agent in rules.superusers:
        return []
    return [
        Decision(
            agent=agent,
            path=f"`{tool}` (an MCP tool unknown to the gate; harness: mcp_unknown: deny)",
            allowed=False,
            reason="protected",
            owner=rules.superusers[0] if rules.superusers else rules.escalation,
            level="critical",
            escalation=rules.escalation,
        )
    ]


def ignores_unknown(decider: Any) -> bool:
    """`harness: mcp_unknown: allow`: an unknown MCP tool's arguments are not decided."""
    return (decider.rules.harness or {}).get("mcp_unknown") == "allow"

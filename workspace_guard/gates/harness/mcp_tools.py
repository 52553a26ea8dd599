"""MCP tools through the harness gate: an MCP server's write tool is a write like any other.

Claude Code and Codex name MCP tools `mcp__<server>__<tool>`; Gemini CLI `mcp_<server>_<tool>` (or
the bare tool name). A bare name that is not one of the harness's own tools is an MCP tool too
(:func:`is_mcp`). Tools are recognised by their last name part:

- known file-writing tools (the filesystem server's `write_file`, `edit_file`, `move_file`,
  `create_directory`, `apply_patch`, and the like) are decided by every path-like string in their
  arguments, under any key and at any depth (a server names its path `absolute_path`,
  `target_file`, `files`, `uri`, …): `file:` URIs, the files a patch text names
  (`patch_text.py`), each relative also to the tool's own `cwd`-like argument; a folder they
  name covers the tracked files in it; one that names no file at all is refused (fail closed);
- known shell tools (`execute_command`, `run_command`, `start_process`, …) by the shell analysis
  of their command argument (an argv list joined), else of every string argument, else as code
  the gate cannot read (`harness: unknown_code`), run where the event stands and in the tool's
  own working-directory argument;
- git tools (`git_checkout`, `git_reset`, a git server's `checkout`, `merge`, `stash`…) by the
  shell analysis of the git command they run (`mcp_git.py`), so a checkout of another revision is
  decided by the files git says it changes, like the same command in Bash;
- known read-only tools (`read_file`, `list_directory`, `search_files`, a `read_*`, `list_*`,
  `get_*`, `search_*`, `find_*`, `view_*`, `describe_*`) write nothing — a read prefix counts
  only where the rest of the name has no write or run word (`search_and_replace`,
  `get_or_create_file`, `view_and_edit_file` are not reads) and the arguments carry nothing to
  write (`replace`, `content`, `new_string`, `destination`…: :func:`reads_only`);
- any other tool follows the rules' `harness: mcp_unknown:` — `paths` (the default: every path-like
  argument, at any depth, is decided as a write, so a new server cannot silently write a protected
  file), `deny` (block every unknown MCP tool) or `allow`.
"""

from __future__ import annotations

import re

from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.repo import Repo

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
SHELL_KEYS = (
    "command",
    "cmd",
    "script",
    "commandLine",
    "command_line",
    "shell_command",
    "commands",
)
ARGV_KEYS = ("args", "argv", "arguments")
CWD_KEYS = (
    "cwd",
    "workdir",
    "work_dir",
    "working_directory",
    "workingDirectory",
    "dir_path",
    "directory",
    "dir",
)
# Values that hold a file's content rather than its name: judged only when they look like a
# path (or hold a patch), so a one-word content is not taken for a file name.
CONTENT_KEYS = frozenset(
    {
        "content",
        "contents",
        "text",
        "body",
        "data",
        "old_string",
        "new_string",
        "old_str",
        "new_str",
        "oldText",
        "newText",
        "code_edit",
        "instructions",
        "description",
        "message",
        "search",
        "replace",
        "pattern",
        "mode",
        "encoding",
    }
)
# Shell-like tools whose arguments hold no command string: analysed as code the gate cannot read
# (`harness: unknown_code`: every file under `paths`, refused under `deny`, let run under `allow`).
UNREADABLE = 'eval "$MCP_TOOL_ARGUMENTS_NOT_UNDERSTOOD"'
MAX_PATH = 4096


class McpCall(Record):
    """What an MCP tool call may write: paths, a shell command, or an unknown tool's candidates."""

    tool: str  # the tool's own name (server prefix removed)
    paths: tuple[str, ...] = ()
    command: str | None = None
    unknown: bool = False  # decided by `harness: mcp_unknown`
    cwd: Any = None  # the tool's own working-directory argument, as sent


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Each harness's own tools, as its hooks name them. Any other name is an MCP server's tool, with or
# without a server prefix: Gemini CLI gives an MCP tool its bare name when no other tool has it.
GEMINI_BUILTINS = _names(
    "read_file write_file replace edit run_shell_command list_directory ls glob"
    " search_file_content grep_search grep web_fetch google_web_search save_memory"
    " read_many_files write_todos invoke_agent ask_user activate_skill enter_plan_mode"
    " exit_plan_mode complete_task codebase_investigator cli_help get_internal_docs"
)
CODEX_BUILTINS = _names(
    "exec_command shell local_shell container.exec apply_patch write_stdin update_plan"
    " view_image web_search read_file list_dir grep_files spawn_agent wait_agent send_input"
    " close_agent resume_agent request_user_input list_mcp_resources"
    " list_mcp_resource_templates read_mcp_resource"
)


def is_mcp(name: str, harness: str = "") -> bool:
    """An MCP tool: `mcp__server__tool` (Claude, Codex), `mcp_server_tool` (Gemini), or a bare
    name. Gemini: any tool that is not one of its own. Claude and Codex: a name that is not one
    of their own tools and is not spelled like Claude's (`Read`, `TodoWrite`: a capital first,
    no `_`/`-`), so `write_file`, `execute_command`, `fs__write` or `save-note` are MCP tools
    whose server prefix is missing; the gate cannot tell them from a new server's write tool."""
    if name.startswith("mcp_"):
        return True
    if harness == "gemini":
        return name not in GEMINI_BUILTINS
    if not name or name in CODEX_BUILTINS or name.startswith("multi_agent_"):
        return False
    claude_like = name[:1].isupper() and "_" not in name and "-" not in name
    return not claude_like


def tool_name(name: str) -> str:
    """The tool's own name: `mcp__filesystem__write_file` → `write_file`; a known name in
    another spelling (`writeFile`, `apply-patch`, `DeleteFile`) → the known name."""
    if "__" in name:
        rest = name.rsplit("__", 1)[1]
        snake = _snake(rest)
        known = snake in WRITE_TOOLS | SHELL_TOOLS | READ_TOOLS or snake.startswith(READ_PREFIXES)
        return snake if known else rest
    rest = name[len("mcp_") :] if name.startswith("mcp_") else name
    snake = _snake(rest)
    for known_name in sorted(WRITE_TOOLS | SHELL_TOOLS | READ_TOOLS, key=len, reverse=True):
        if snake == known_name or snake.endswith("_" + known_name):
            return known_name
    return rest


# words in an unknown tool's name that say it runs commands or code, or feeds a process: its
# string arguments are judged as shell text (code that is not shell is refused as unparsable)
_RUNS_CODE = _names(
    "exec execute shell terminal command cmd run process stdin keys eval script python code repl"
    " bash sh interact"
)


# words that say a tool changes something: a read prefix (`search_`, `get_`, `view_`…) is no
# evidence of a read where the rest of the name has one (`search_and_replace`,
# `get_or_create_file`, `view_and_edit_file`), nor where the arguments carry what to write
_WRITE_WORDS = _names(
    "write writes edit edits replace replaces substitute sub create creates set update upsert"
    " delete del remove rm erase unlink move mv rename copy cp duplicate clone patch diff insert"
    " save store put post append prepend modify change alter overwrite truncate mkdir mkdirs make"
    " new add upload download export import dump extract unzip untar unpack install sync commit"
    " push merge reset checkout restore revert apply touch chmod chown link symlink drop clear"
    " fix format refactor rewrite transform convert generate fill to into persist record"
    " exec execute run eval interact spawn start launch invoke"
)
_WRITE_KEYS = _names(
    "content contents text_content new_content replace replacement replace_with replacewith"
    " new_string new_str new_text old_string old_str edits diff patch destination dest target"
    " output output_path out_path outfile write overwrite append dry_run dryrun save save_to"
)


def reads_only(tool: str, args: Any) -> bool:
    """A tool named like a read (`read_…`, `list_…`, `get_…`, `search_…`, `find_…`, `view_…`,
    `describe_…`) whose name has no write word after the prefix and whose arguments name nothing
    to write: only then is it taken to write nothing."""
    snake = _snake(tool)
    if not snake.startswith(READ_PREFIXES):
        return False
    if set(snake.split("_")[1:]) & _WRITE_WORDS:
        return False
    keys = {_snake(str(k)) for k in args} if isinstance(args, dict) else set()
    return not keys & _WRITE_KEYS


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("-", "_")


def classify(name: str, arguments: Any, cwd: str | None = None) -> McpCall | None:
    """The write an MCP call may make; None when the tool only reads.

    A write tool's target is every path-like string anywhere in its arguments (a server may
    name its path argument anything: `absolute_path`, `target_file`, `files`, `uri`, …), every
    file a patch text in them names, each also read relative to the tool's own `cwd`-like
    argument and (given the event's `cwd`) to the project root. A shell tool's command is its
    command argument (with its argv list), else every string argument read as a command, else
    code the gate cannot read; it is judged where the event stands and in the tool's own
    working directory (or the project root)."""
    tool = tool_name(name)
    args = _arguments(arguments)
    tool_cwd = _tool_cwd(args)
    dirs = _directories(tool_cwd, cwd)
    from workspace_guard.gates.harness.mcp_git import git_command

    server = name.split("__")[1] if name.count("__") >= 2 else ""
    git = git_command(server, _snake(name.rsplit("__", 1)[-1]), args)
    if git is not None:  # `mcp__git__git_checkout`: judged as `git checkout …` (mcp_git.py)
        return McpCall(tool, command=git, cwd=tool_cwd)
    if tool in SHELL_TOOLS:
        command = shell_command(args)
        if dirs:
            from workspace_guard.gates.harness.workdir import in_each

            command = f"{command}\n{in_each(command, dirs)}"
        return McpCall(tool, command=command, cwd=tool_cwd)
    if tool in WRITE_TOOLS:
        named = _siblings(path_arguments(args, liberal=True))
        paths = _in_dirs([*named, *_composed(args, cwd, dirs)], dirs)
        if not paths:
            from workspace_guard.gates.harness.gate import GateError
            from workspace_guard.i18n import _

            text = _(
                "the MCP write tool `{tool}` names no file the gate can find in its arguments "
                "({arguments}); the gate cannot judge what it would write"
            )
            raise GateError(text.format(tool=tool, arguments=_preview(arguments)))
        return McpCall(tool, paths=tuple(paths), cwd=tool_cwd)
    if tool in READ_TOOLS or reads_only(tool, args):
        return None
    if set(_snake(tool).split("_")) & _RUNS_CODE:  # `execute_terminal_command`, `run_python`,
        return McpCall(tool, command=shell_command(args), cwd=tool_cwd)  # `interact_with_process`
    paths = _in_dirs([*path_arguments(args), *_composed(args, cwd, dirs)], dirs)
    return McpCall(tool, paths=tuple(paths), unknown=True, cwd=tool_cwd)


def _composed(args: Any, cwd: str | None, dirs: list[str]) -> list[str]:
    from workspace_guard.gates.harness.mcp_compose import composed

    return composed(args, cwd, dirs)


def _directories(tool_cwd: Any, cwd: str | None) -> list[str]:
    """Where else than the event's cwd the tool may resolve relative paths: its own working
    directory argument (relative to the event's cwd or the project root), else the project
    root when the event stands below it."""
    import os

    if cwd is None:
        return [file_uri(tool_cwd)] if isinstance(tool_cwd, str) and tool_cwd else []
    from workspace_guard.gates.harness.workdir import directories, project_root

    dirs = directories(tool_cwd, cwd, "the MCP tool's working-directory argument")
    if dirs:
        return dirs
    root = project_root(cwd)
    return [] if os.path.normpath(root) == os.path.normpath(cwd) else [root]


def _arguments(arguments: Any) -> Any:
    """The arguments as sent; a JSON text is read as the JSON it holds."""
    if isinstance(arguments, str):
        import json

        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def _tool_cwd(args: Any) -> Any:
    """The tool's own working-directory argument, as sent (None when it has none)."""
    if not isinstance(args, dict):
        return None
    return next((args[k] for k in CWD_KEYS if args.get(k) not in (None, "")), None)


def _siblings(paths: list[str]) -> list[str]:
    """A bare name may be relative to another argument's folder (`rename_file` with `path:
    app/old.py, new_name: main.py` writes `app/main.py`): each bare name is also read there."""
    import os

    folders = dict.fromkeys(os.path.dirname(p) for p in paths if "/" in p.strip("/"))
    names = [p for p in paths if "/" not in p]
    return list(dict.fromkeys([*paths, *(os.path.join(f, n) for f in folders for n in names)]))


def _in_dirs(paths: list[str], dirs: list[str]) -> list[str]:
    """Each path as named and, when relative, in each of `dirs`."""
    import os

    joined = [
        os.path.join(d, p) for d in dirs for p in paths if not os.path.isabs(os.path.expanduser(p))
    ]
    return list(dict.fromkeys([*paths, *joined]))


def shell_command(args: Any) -> str:
    """The command a shell-like tool runs: its command argument (an argv list joined, with an
    `args` list appended), else every string argument as a command, else unreadable code."""
    import shlex

    if isinstance(args, str):
        return args
    if isinstance(args, list) and args and all(isinstance(a, str) for a in args):
        return shlex.join(args)
    if not isinstance(args, dict):
        return UNREADABLE
    argv: list[Any] = next((args[k] for k in ARGV_KEYS if isinstance(args.get(k), list)), [])
    extra = shlex.join(str(a) for a in argv if isinstance(a, (str, int, float)))
    for key in SHELL_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            return f"{value} {extra}".rstrip()
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return f"{shlex.join(value)} {extra}".rstrip()
    commands = _commands(args)
    return "\n".join(commands) if commands else UNREADABLE


def _commands(value: Any) -> list[str]:
    """Every string argument (as a command) and every list of strings (as an argv)."""
    import shlex

    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return [shlex.join(value)]
        return [c for item in value for c in _commands(item)]
    if isinstance(value, dict):
        return [c for item in value.values() for c in _commands(item)]
    return []


def path_arguments(value: Any, *, liberal: bool = False, key: str = "") -> list[str]:
    """Path-like strings in the arguments, at any depth (path-like dictionary keys too): values
    of path keys, `file:` URIs, the files patch texts name, and any string that looks like a path
    (`/`, `./`, a file name with an extension). `liberal` (a known write tool): every one-line
    string outside the content keys counts, spaces and all."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _strings(str(k), liberal=False, key="")
            out += path_arguments(v, liberal=liberal, key=str(k))
    elif isinstance(value, list):
        for item in value:
            out += path_arguments(item, liberal=liberal, key=key)
    elif isinstance(value, str):
        out += _strings(value, liberal=liberal, key=key)
    return list(dict.fromkeys(out))


def _strings(text: str, *, liberal: bool, key: str) -> list[str]:
    from workspace_guard.gates.harness.patch_text import patch_paths

    out = patch_paths(text) if "\n" in text else []
    lines = [text.strip()] if key in PATH_KEYS else [text]
    if key in PATH_KEYS and "\n" in text.strip():
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if not line or "\n" in line or len(line) > MAX_PATH:
            continue
        path = file_uri(line)
        named = path != line or key in PATH_KEYS or _looks_like_path(line)
        if named or (liberal and key not in CONTENT_KEYS and "\x00" not in line):
            out.append(path)
    return out


def file_uri(text: str) -> str:
    """`file:///abs/path` (or `file://localhost/…`, percent-encoded) → `/abs/path`."""
    if not text.lower().startswith("file:"):
        return text
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(text)
    return unquote(parts.path) or text


def _looks_like_path(text: str) -> bool:
    if " " in text.strip() or text.startswith(("http://", "https://")):
        return False
    name = text.rsplit("/", 1)[-1]
    return "/" in text or ("." in name.strip(".") and not text.replace(".", "").isdigit())


def _preview(arguments: Any) -> str:
    import json

    try:
        text = json.dumps(arguments, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(arguments)
    return text if len(text) <= 200 else text[:200] + "…"


def below(repo: Repo, rel: str, *, unknown: bool = False) -> list[str]:
    """The tracked files under `rel` when it names a directory (`""`: the root, not for an
    unknown tool): an MCP tool that moves, copies over or deletes a folder writes every file
    in it; a glob (`app/mai*.py`) the tracked files it may match, as a Bash glob would."""
    import os

    from workspace_guard import git

    if any(c in rel for c in "*?["):
        from workspace_guard.gates.harness.bash import could_write
        from workspace_guard.gates.harness.bash.syntax import Target

        pattern = Target(os.path.join(repo.root, rel), "mcp", False, True)
        return [p for p in git.ls_files(repo.root) if could_write(pattern, f"{repo.root}/{p}")]
    if (unknown and not rel) or (rel and not os.path.isdir(os.path.join(repo.root, rel))):
        return []
    prefix = rel.rstrip("/") + "/" if rel else ""
    return [p for p in git.ls_files(repo.root) if p.startswith(prefix)]


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

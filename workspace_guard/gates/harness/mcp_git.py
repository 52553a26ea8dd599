"""MCP git tools (`mcp-server-git`'s `git_checkout`, `git_reset`…; other git servers' `checkout`,
`merge`, `stash`…) judged as the git command they run, through the same Bash analysis and the
same questions to git (`worktree_ops`) as `git checkout HEAD~1` typed in Bash.

Why: a checkout of another revision from an MCP git server rewrites protected files; as an unknown
MCP tool it was judged only by its path-like arguments (the repository root), and the watch daemon
follows HEAD. A tool is a git tool when its name is `git_SUB` (or `SUB` on a server whose name
holds `git`) and SUB is a git subcommand; its arguments become the command's words (`mode: hard`
→ `--hard`, `branch_name`/`target`/`commit`… → the revision, `files`/`paths` → pathspecs after
`--`, `no_verify` → `--no-verify`, `force` → `--force`), run in its `repo_path`.
"""

from __future__ import annotations

import shlex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_REPO_KEYS = ("repo_path", "repository", "repo", "path", "cwd", "working_dir", "dir")
_REV_KEYS = (
    "branch_name",
    "branch",
    "target",
    "ref",
    "revision",
    "rev",
    "commit",
    "commit_hash",
    "sha",
    "source",
    "upstream",
    "onto",
    "start_point",
    "base_branch",
    "remote",
    "name",
    "stash",
    "tag",
)
_PATH_KEYS = ("files", "paths", "pathspec", "file", "file_path")
_FLAGS = {
    "no_verify": "--no-verify",
    "force": "--force",
    "hard": "--hard",
    "create": "-b",
    "directories": "-d",
    "all": "--all",
}
# what `mcp-server-git`'s tools run (the others: `git_SUB` runs `git SUB`)
_AS = {"git_create_branch": "branch", "git_reset": "reset", "git_init": "init"}


def git_command(server: str, tool: str, args: Any) -> str | None:
    """The git command an MCP git tool runs, as Bash text; None when it is no git tool."""
    from workspace_guard.gates.harness.bash.refs import BUILTINS

    sub = _AS.get(tool) or (tool[len("git_") :] if tool.startswith("git_") else "")
    if not sub and "git" in server.lower():
        sub = tool
    sub = sub.replace("_", "-")
    if sub not in BUILTINS or not isinstance(args, dict):
        return None
    words = ["git"]
    repo = next((args[k] for k in _REPO_KEYS if isinstance(args.get(k), str) and args[k]), None)
    if repo is not None:
        words += ["-C", repo]
    action = args.get("action") or args.get("subcommand") or args.get("operation")
    words.append(sub)
    if isinstance(action, str) and action:
        words.append(action)
    mode = args.get("mode")
    if isinstance(mode, str) and mode:
        words.append("--" + mode.lstrip("-"))
    words += [flag for key, flag in _FLAGS.items() if args.get(key) is True]
    for key in _REV_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value:
            as_option = sub == "restore" and key in ("source", "target", "commit", "revision")
            words.append("--source=" + value if as_option else value)
    paths: list[str] = []
    for key in _PATH_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value:
            paths.append(value)
        elif isinstance(value, list):
            paths += [v for v in value if isinstance(v, str)]
    if paths:
        words += ["--", *paths]
    return shlex.join(words)

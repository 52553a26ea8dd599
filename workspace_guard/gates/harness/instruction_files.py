"""The instruction files and definitions the harnesses load into every session of the project are
out of every tool's reach when no rule gives them an owner, except a superuser's.

Why (ATTACK F111, F103): what these files say becomes the system prompt, the subagent definition
(with its own `hooks` in the frontmatter), the slash command or the rules of every later session
of that harness, which then acts with its own agent's rights on the writer's instructions:
`CLAUDE.md`, `CLAUDE.local.md`, `AGENTS.md` (and `AGENTS.override.md`), `GEMINI.md` at any depth
(Claude Code reads them in every folder it works in, Codex from the root down to its cwd, Gemini
CLI above and below its cwd), and the folders `.claude/agents`, `.claude/commands`,
`.claude/skills`, `.claude/output-styles`, `.gemini/commands`, `.gemini/agents`,
`.gemini/extensions`, `.codex/prompts`, `.codex/skills`, `.cursor/rules`, `.clinerules`,
`.claude-plugin` and the harness start-up files of VS Code-based editors (`.vscode/tasks.json`,
with tasks run when the folder opens; `.vscode/mcp.json`, `.vscode/settings.json`,
`.cursor/mcp.json`, `.cursor/environment.json`, `.devcontainer/devcontainer.json`). When a rule
governs the path (the example rules protect `/.claude/`), the rules decide, as for any protected
file: its owner may write it. When none does, no agent may (a person edits it, or the rules give
it an owner). Their user-scope counterparts (`~/.claude/agents/`, `~/.codex/AGENTS.md`, …) lie
outside the repository, where no rule reaches: harness_settings.py refuses them to every agent.
A folder holding one of these folders counts when the folder exists; a folder holding a file of
one of the names at some depth does not (deleting instructions adds none). A glob counts by the
names it matches on disk, as the shell expands it (`notes/*.md` reaches `notes/AGENTS.md` only
when that file exists).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

# names of instruction files, in any folder of the repository
NAMES = ("CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "AGENTS.override.md", "GEMINI.md")
# folders (every file below them) and files, relative to the repository root
FOLDERS = (
    ".claude/agents",
    ".claude/commands",
    ".claude/skills",
    ".claude/output-styles",
    ".claude-plugin",
    ".gemini/commands",
    ".gemini/agents",
    ".gemini/extensions",
    ".codex/prompts",
    ".codex/skills",
    ".cursor/rules",
    ".clinerules",
)
FILES = (
    ".cursor/environment.json",
    ".vscode/mcp.json",
    ".vscode/tasks.json",
    ".vscode/settings.json",
    ".devcontainer/devcontainer.json",
    ".devcontainer.json",
)
_GLOB = frozenset("*?[")
MAX_MATCHES = 4096


def instruction_file(repo: Repo, path: str, cwd: str) -> str | None:
    """The repository-relative path when writing `path` (as a tool or the shell analysis names
    it, from `cwd`) writes an instruction file or start-up file of a harness that no rule
    governs (see the module), else None."""
    from workspace_guard.fsutil import real as _real_path
    from workspace_guard.gates.harness.install_files import _relative
    from workspace_guard.gates.harness.kernel_paths import absolute as kernel_absolute

    absolute = kernel_absolute(path, cwd)  # `..` after a link as the kernel opens it (F110)
    parent = _real_path(os.path.dirname(absolute))
    spellings = [absolute, _real_path(absolute), os.path.join(parent, os.path.basename(absolute))]
    for candidate in dict.fromkeys(spellings):
        rel = _relative(repo.root, candidate)
        if not rel or rel == ".":
            continue
        if any(c in rel for c in _GLOB):
            reached = _glob_matches(repo.root, rel)
            if reached is None:
                return rel  # too many names to look at
        else:
            reached = [rel] if _reaches(repo.root, rel) else []
        rules = repo.decider().governing_rules(reached) if reached else []
        if any(rule is None for rule in rules):
            return rel
    return None


def named(rel: str) -> bool:
    """Whether the repository-relative `rel` names one of these files by its name alone (a glob:
    whatever it matches)."""
    return any(c in rel for c in _GLOB) or _lexical(rel)


def _lexical(rel: str) -> bool:
    if rel.rsplit("/", 1)[-1] in NAMES or rel in FILES:
        return True
    return any(rel == f or rel.startswith(f + "/") for f in FOLDERS)


def _reaches(root: str, rel: str) -> bool:
    """`rel` names an instruction file, lies in an instruction folder, or holds one that
    exists."""
    if _lexical(rel):
        return True
    for target in (*FOLDERS, *FILES):
        if target.startswith(rel + "/") and os.path.lexists(os.path.join(root, target)):
            return True
    return False


def _glob_matches(root: str, rel: str) -> list[str] | None:
    """The names a glob matches on disk that are (or hold) one of these files; the shell expands
    a glob to the names that exist, and a name no file has stays literal. None when it matches
    more than `MAX_MATCHES` names (then it counts as reaching one)."""
    import glob
    import itertools

    top = os.path.join(root, "")
    names = glob.iglob(os.path.join(glob.escape(top), rel), recursive=True)
    matches = list(itertools.islice(names, MAX_MATCHES + 1))
    if len(matches) > MAX_MATCHES:
        return None
    found = [m[len(top) :] for m in matches if m.startswith(top)]
    return [f for f in found if _reaches(root, f)]


def note() -> str:
    """Why: appended to the harness's deny reason."""
    from workspace_guard.i18n import _

    return _(
        "The instruction files and start-up files the harnesses load into every session "
        "(CLAUDE.md, CLAUDE.local.md, AGENTS.md, GEMINI.md in any folder; .claude/agents/, "
        ".claude/commands/, .claude/skills/, .gemini/commands/, .gemini/agents/, "
        ".codex/prompts/, .cursor/rules/, .clinerules, .cursor/mcp.json, .vscode/mcp.json, "
        ".vscode/tasks.json, .vscode/settings.json, .devcontainer/devcontainer.json and the "
        "like) become the instructions or the programs of the next session: no rule gives "
        "this one an owner, so no tool call may write it except a superuser's; a person "
        "edits it, or the rules name its owner."
    )

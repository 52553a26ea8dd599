"""`doctor`'s check of user-scope subagent definitions that carry a project agent's name.

Claude Code loads a subagent type from the project's `.claude/agents/` first, then from the
user's `~/.claude/agents/` (`$CLAUDE_CONFIG_DIR/agents/`); Gemini CLI from `.gemini/agents/`, then
`~/.gemini/agents/`. A user-scope definition named after an agent of the rules, where the project
defines no such name, is the system prompt (and the hooks) that agent's subagents run with: a
file outside the repository, which no rule reaches and no review sees (ATTACK F111). The gate
refuses tool writes there (harness_settings.py); this names the ones already present. A name is
the frontmatter's `name:`, else the file's stem.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.commands.doctor import Check
    from workspace_guard.repo import Repo

MAX_BYTES = 64 << 10  # a definition's frontmatter is at its top
MAX_FILES = 2000  # per folder walked


def shadowing(repo: Repo) -> list[Check]:
    """One failed check naming the user-scope definitions that define a project agent the
    project does not define itself; none when there are none."""
    from workspace_guard.commands.doctor import Check
    from workspace_guard.errors import GuardError
    from workspace_guard.i18n import _

    try:
        agents = set(repo.decider().rules.agents)
    except (GuardError, OSError, ValueError):  # the rules' own check reports them
        return []
    found: list[str] = []
    for project, user in _pairs(repo.root):
        own = set(_names(project))
        for path, name in _definitions(user):
            if name in agents and name not in own:
                found.append(f"{path} ({name})")
    if not found:
        return []
    return [
        Check(
            "harness",
            False,
            _(
                "user-scope subagent definitions carry the name of a project agent the project "
                "does not define, so its subagents run with them: {files}"
            ).format(files=", ".join(found[:8])),
            _(
                "remove them, or define those agents in the project (.claude/agents/, "
                ".gemini/agents/): the project's definition comes first"
            ),
            where=found[0].rsplit(" (", 1)[0],
        )
    ]


def _pairs(root: str) -> list[tuple[str, str]]:
    """(the project's folder, the user's folder) of each harness's subagent definitions."""
    home = os.environ.get("HOME") or os.path.expanduser("~")
    claude = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude")
    pairs = [
        (os.path.join(root, ".claude", "agents"), os.path.join(claude, "agents")),
        (os.path.join(root, ".gemini", "agents"), os.path.join(home, ".gemini", "agents")),
    ]
    if claude != os.path.join(home, ".claude"):
        pairs.append((pairs[0][0], os.path.join(home, ".claude", "agents")))
    return pairs


def _names(folder: str) -> list[str]:
    return [name for _path, name in _definitions(folder)]


def _definitions(folder: str) -> list[tuple[str, str]]:
    """(path, name) of each `.md` definition below `folder` (subfolders too)."""
    out: list[tuple[str, str]] = []
    if not os.path.isdir(folder):
        return out
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        for file in sorted(files):
            if file.endswith(".md") and len(out) < MAX_FILES:
                path = os.path.join(top, file)
                out.append((path, _name(path) or file[: -len(".md")]))
    return out


def _name(path: str) -> str | None:
    """The frontmatter's `name:` value, if any."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:]:
        if line.strip() == "---":
            break
        key, sep, value = line.partition(":")
        if sep and key.strip() == "name":
            return value.strip().strip("'\"") or None
    return None

"""`.claude/agents/*.md`: agent definitions, offices and the `path → agent` lists."""

from __future__ import annotations

import re

from workspace_guard.adopt.mestore.model import (
    _ARROW,
    _OFFICE_LINE,
    AGENTS_DIR,
    RANK_AGENT_LIST,
    Claim,
    Collector,
)
from workspace_guard.adopt.mestore.text import (
    agent_list,
    agent_name,
    fold,
    read_lines,
    to_pattern,
    walk_markdown,
)
from workspace_guard.i18n import _

# --- .claude/agents/*.md -------------------------------------------------------------------------


def read_agent_files(col: Collector) -> None:
    """Agents from each file's frontmatter ``name``, plus their office line and path lists."""
    base = col.root / AGENTS_DIR
    files = (
        sorted((p for p in base.glob("*.md") if p.is_file()), key=lambda p: (p.stem, p.name))
        if base.is_dir()
        else []
    )
    if not files:
        col.result.note(
            "warning",
            f"{AGENTS_DIR}/:1",
            _("no agent files: every agent is registered from the documents that name it"),
        )
    for path in files:
        _agent_file(col, path.relative_to(col.root).as_posix(), path.stem)


def _agent_file(col: Collector, rel: str, stem: str) -> None:
    """One agent definition; a duplicate name keeps the first file (sorted by file name)."""
    lines = read_lines(col, rel)
    if lines is None:
        return
    name, line_no, body = frontmatter_name(lines)
    src = f"{rel}:{line_no}"
    if name is None:
        col.warn(
            src,
            _("no 'name:' in the frontmatter; the file name {stem!r} is used").format(stem=stem),
        )
        name = stem
    if agent_name(name) != name:
        col.warn(src, _("skipped the agent file: {name!r} is not an agent name").format(name=name))
        return
    if name in col.defined:
        col.warn(
            src,
            _("agent {agent} is defined twice; the first definition is kept").format(agent=name),
            col.defined[name],
        )
        return
    if name != stem:
        col.info(
            src,
            _(
                "the agent is named {name!r} in a file called {stem}.md; Claude Code uses the "
                "frontmatter name"
            ).format(name=name, stem=stem),
        )
    col.defined[name] = src
    _agent_body(col, rel, name, lines, body)


def frontmatter_name(lines: list[str]) -> tuple[str | None, int, int]:
    """(name, its line number, first body line index) from a ``---`` YAML frontmatter."""
    if not lines or lines[0].strip() != "---":
        return None, 1, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return None, 1, 0
    for index in range(1, end):
        match = re.match(r"^name\s*:\s*(.*?)\s*(?:#.*)?$", lines[index])
        if match:
            return match.group(1).strip("'\""), index + 1, end + 1
    return None, 1, end + 1


def _agent_body(col: Collector, rel: str, name: str, lines: list[str], start: int) -> None:
    """The office line (``📍 **Tu oficina**``) and the ``path → agent`` list of an agent file."""
    for line in walk_markdown(col, rel, lines, start):
        if line.block is not None:
            continue
        src = f"{rel}:{line.no}"
        office = _OFFICE_LINE.search(line.text)
        if office:
            col.offices.setdefault(name, []).append(Claim(office.group(1), src, 2))
        elif "PROTEG" in fold(line.heading) or "PROTECT" in fold(line.heading):
            arrow = _ARROW.match(line.text)
            if arrow:
                _arrow_entry(col, src, arrow.group(1), arrow.group(2))


def _arrow_entry(col: Collector, src: str, left: str, right: str) -> None:
    """``- `app/main.py` → system-architect-ai``: an owner claim of the lowest authority."""
    pattern, why = to_pattern(left)
    names = agent_list(right)
    if pattern is None or not names:
        col.warn(
            src,
            _("skipped the list entry: {entry!r} {why}").format(entry=left, why=why)
            if pattern is None
            else _("skipped the list entry: {entry!r} is not an agent name").format(entry=right),
        )
        return
    claims = col.claims(pattern)
    claims.owners.append(Claim(names[0], src, RANK_AGENT_LIST))
    claims.backups.extend(Claim(n, src, RANK_AGENT_LIST) for n in names[1:])
    for n in names:
        col.refer(n, src)

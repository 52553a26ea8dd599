"""`.workspace/PROTECTED_FILES.md`: levels, owners, backups and notes per protected path."""

from __future__ import annotations

import re

from workspace_guard.adopt.mestore.model import (
    _ALL_FILES,
    _HEADING,
    _RULE_LINE,
    _SPECIAL,
    ADVICE_KEYS,
    MARKERS,
    OWNER_KEYS,
    PROTECTED_FILES,
    RANK_RESPONSABLES,
    RANK_RULE_BLOCK,
    Claim,
    Collector,
    MdLine,
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

# --- PROTECTED_FILES.md --------------------------------------------------------------------------


def read_protected_files(col: Collector) -> None:
    """Fenced, untagged blocks list ``<marker> <path>  # note``; the rest is prose we mostly skip.

    Prose sections repeat the paths (``- `path` - text``) and are deliberately ignored; rule
    blocks under ``#### <path>`` carry ``🔍 RESPONSABLE: <agent>`` for that path; a
    ``**Responsables**:`` line right after a list names the owners of that list; the
    ``Agentes con Permisos Especiales`` bullets name the superusers.
    """
    rel = PROTECTED_FILES
    lines = read_lines(col, rel, required=True)
    if lines is None:
        return
    block_paths: dict[int, list[str]] = {}
    last_block: tuple[int, str] | None = None
    for line in walk_markdown(col, rel, lines):
        src = f"{rel}:{line.no}"
        if line.block is None:
            if _HEADING.match(line.text):
                last_block = None if last_block and line.heading != last_block[1] else last_block
            _protected_prose(
                col, line, src, block_paths.get(last_block[0], []) if last_block else []
            )
            continue
        if line.lang:
            continue  # a code sample (```bash …), not a list
        last_block = (line.block, line.heading)
        pattern = _protected_entry(col, line, src)
        if pattern:
            block_paths.setdefault(line.block, []).append(pattern)


def _protected_entry(col: Collector, line: MdLine, src: str) -> str | None:
    """One line of a protected list; returns the pattern it protects, if any."""
    text = line.text.strip()
    if not text or text.startswith("#"):
        return None
    rule = _RULE_LINE.match(text)
    if rule:
        _rule_line(col, line, src, fold(rule.group(1)).strip(), rule.group(2))
        return None
    marker = next((m for m in MARKERS if text.startswith(m)), None)
    if marker is None:
        col.warn(
            src,
            _("skipped {text!r}: a protected list line must start with ❌ or ⚠️").format(
                text=text[:60]
            ),
        )
        return None
    entry, _sep, note = text[len(marker) :].partition(" #")
    if entry.lstrip().startswith("#"):
        entry, note = "", entry.lstrip()[1:]
    pattern, why = to_pattern(entry)
    if pattern is None:
        col.warn(src, _("skipped {text!r}: {why}").format(text=text[:60], why=why))
        return None
    claims = col.claims(pattern)
    claims.levels.append(Claim(MARKERS[marker], src))
    if line.heading:
        claims.contexts.append(Claim(line.heading, src))
    if note.strip():
        claims.notes.append(Claim(note.strip(), src))
    return pattern


def _rule_line(col: Collector, line: MdLine, src: str, key: str, value: str) -> None:
    """``🔍 RESPONSABLE: agent`` owns the path of the ``#### <path>`` heading above the block."""
    if key in ADVICE_KEYS:
        return  # advice for humans, nothing to enforce
    if key not in OWNER_KEYS:
        col.warn(
            src,
            _("skipped {text!r}: neither a path nor a known rule line").format(
                text=line.text.strip()[:60]
            ),
        )
        return
    pattern, why = to_pattern(line.heading)
    owner = agent_name(value)
    if pattern is None or owner is None:
        reason = (
            _("the heading {heading!r} is not a path ({why})").format(heading=line.heading, why=why)
            if pattern is None
            else _("{value!r} is not an agent name").format(value=value.strip())
        )
        col.warn(src, _("skipped the responsible line: {reason}").format(reason=reason))
        return
    col.claims(pattern).owners.append(Claim(owner, src, RANK_RULE_BLOCK))
    col.refer(owner, src)


def _protected_prose(col: Collector, line: MdLine, src: str, last_paths: list[str]) -> None:
    """Prose lines that matter: '**Responsables**:' after a list, and the superuser bullets."""
    kv = re.match(r"^\s*\*\*(Responsables?|Owners?):?\*\*\s*:?\s*(.+)$", line.text, re.IGNORECASE)
    if kv and last_paths:
        names = agent_list(kv.group(2))
        for index, name in enumerate(names):
            col.refer(name, src)
            for pattern in last_paths:
                claims = col.claims(pattern)
                if index == 0:
                    claims.owners.append(Claim(name, src, RANK_RESPONSABLES))
                else:
                    claims.backups.append(Claim(name, src, RANK_RESPONSABLES))
        if len(names) > 1:
            col.warn(
                src,
                _(
                    "co-owners {names}: the rules name one owner per rule, so {owner} owns "
                    "{paths} and {others} become backups (they approve, they do not write "
                    "without approval); split the list per owner in the document to keep both "
                    "as owners"
                ).format(
                    names=", ".join(names),
                    owner=names[0],
                    paths=", ".join(last_paths),
                    others=", ".join(names[1:]),
                ),
            )
        return
    if any(k in fold(line.heading) for k in ("PERMISOS ESPECIALES", "SPECIAL PERMISSIONS")):
        _special_permission(col, line, src)


def _special_permission(col: Collector, line: MdLine, src: str) -> None:
    """``- `agent`: Todos los archivos`` makes a superuser; a scoped permission cannot be kept."""
    match = _SPECIAL.match(line.text)
    if not match:
        if re.match(r"^\s*[-*+]\s", line.text):
            col.warn(
                src,
                _("skipped {text!r}: expected '- `agent`: scope'").format(text=line.text.strip()),
            )
        return
    name = agent_name(match.group(1))
    if name is None:
        col.warn(
            src,
            _("skipped the special permission {text!r}: no agent name").format(
                text=line.text.strip()
            ),
        )
        return
    scope = match.group(2).strip()
    if _ALL_FILES.search(scope) and not re.search(r"\bsolo\b|\bonly\b", scope, re.IGNORECASE):
        col.superusers.append(Claim(name, src))
        col.refer(name, src)
    else:
        col.scopes.setdefault(name, []).append(Claim(scope, src))
        col.info(
            src,
            _(
                "{agent} has a scoped special permission ({scope!r}); rules cannot express a "
                "scope, so it is not made a superuser (its own files stay its own)"
            ).format(agent=name, scope=scope),
        )

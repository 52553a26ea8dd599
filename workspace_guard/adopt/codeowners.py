"""CODEOWNERS in and out (contract §9): the bridge to what GitHub and GitLab already enforce.

Import keeps the one semantics both forges and our rules share: rules in file order, the last
matching pattern decides. What cannot be kept is reported, line by line:

* GitHub does not support ``!`` negation (skipped), ``[ ]`` character ranges (kept, but the
  brackets are literal characters here, as in our pattern syntax), or ``\\#`` escapes (kept as a
  literal ``#``; GitHub itself would treat the line as a comment or an error);
* GitLab sections (``[Section]``, ``^[Optional]``, ``[Section][2]``, default owners after the
  header) are flattened: a section's default owners are given to its ownerless lines, and the
  per-section union of approvals, optional sections and approval counts are lost.

Owners become agents: through `handle_map` (agent → handle, read in reverse) when given, else
``@user`` → ``user``, ``@org/team`` → ``org-team``, ``jane.doe@example.com`` → ``jane.doe``
(lower case). Whenever the derived name is not simply the handle without ``@``, the rules get a
``handles:`` entry so that `export_codeowners` writes the original owner back.

Export writes each protected rule as one line (owner first, then backups), a ``level: none`` rule
as a bare pattern (it un-owns, exactly like an ownerless CODEOWNERS line), and every office last
(deepest last) owned by its agent, because in our decision offices win over protected rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workspace_guard.adopt.report import ImportResult
from workspace_guard.core.model import Agent, Rules
from workspace_guard.core.patterns import PatternError, check_pattern
from workspace_guard.i18n import _

DEFAULT_ESCALATION = "master-orchestrator"
_SECTION = re.compile(r"^(\^)?\[([^\]]+)\](?:\[(\d+)\])?(?:\s+(.*))?$")
_USER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NAME_JUNK = re.compile(r"[^a-z0-9._-]+")


class _Reader:
    """State while reading one CODEOWNERS file: section, owners seen, rules so far."""

    def __init__(self, filename: str, handle_map: Mapping[str, str] | None, level: str) -> None:
        self.filename = filename
        self.level = level
        self.result = ImportResult(data={})
        self.reverse = {_handle_key(h): a for a, h in (handle_map or {}).items()}
        self.agents: dict[str, str] = {}  # agent -> source of first use
        self.handles: dict[str, str] = {}  # agent -> original owner, when not '@' + agent
        self.rules: dict[str, tuple[dict[str, Any], str]] = {}  # pattern -> (rule, source)
        self.section: tuple[str, list[str]] | None = None
        self.section_warned = False

    def src(self, line_no: int) -> str:
        return f"{self.filename}:{line_no}"


def import_codeowners(
    text: str,
    *,
    filename: str,
    handle_map: Mapping[str, str] | None = None,
    level: str = "high",
    escalation: str | None = None,
) -> ImportResult:
    """CODEOWNERS `text` as rules data; every line that cannot be kept becomes a finding.

    `level` is given to every owned line (CODEOWNERS has no levels); an ownerless line becomes
    ``level: none``. `escalation` is required by the rules schema and CODEOWNERS has no such
    thing, so it is a parameter (registered as an agent; when not given, ``master-orchestrator``
    is used and a note says so).
    """
    reader = _Reader(filename, handle_map, level)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for number, raw in enumerate(text.split("\n"), start=1):
        _line(reader, number, raw)
    return _finish(reader, escalation)


def _line(reader: _Reader, number: int, raw: str) -> None:
    """One line: blank, comment, GitLab section header, or ``pattern owner…``."""
    line = raw.strip()
    if not line or line.startswith("#"):
        return
    section = _SECTION.match(line)
    if section:
        _section(reader, number, section)
        return
    tokens = split_tokens(line)
    pattern, owners = tokens[0], tokens[1:]
    if not _pattern_ok(reader, number, pattern):
        return
    agents = [a for a in (_agent(reader, number, o) for o in owners) if a]
    if owners and not agents:
        reader.result.note(
            "warning",
            reader.src(number),
            _("skipped {pattern!r}: none of its owners is valid").format(pattern=pattern),
        )
        return
    if not owners and reader.section and reader.section[1]:
        agents = reader.section[1]
    _add_rule(reader, number, pattern, agents)


def split_tokens(line: str) -> list[str]:
    """Split on unescaped whitespace; an unescaped '#' after whitespace starts a comment."""
    tokens: list[str] = []
    current = ""
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == "\\" and index + 1 < len(line):
            current += line[index : index + 2]
            index += 2
            continue
        if ch.isspace():
            if current:
                tokens.append(current)
            current = ""
        elif ch == "#" and not current:
            break
        else:
            current += ch
        index += 1
    if current:
        tokens.append(current)
    return tokens


def _pattern_ok(reader: _Reader, number: int, pattern: str) -> bool:
    """Report what GitHub would not do with `pattern`; False when the line must be skipped."""
    src = reader.src(number)
    if pattern.startswith("!"):
        reader.result.note(
            "warning",
            src,
            _("skipped {pattern!r}: '!' negation is not supported by CODEOWNERS").format(
                pattern=pattern
            ),
        )
        return False
    if pattern.startswith("\\#"):
        reader.result.note(
            "warning",
            src,
            _(
                "{pattern!r}: GitHub does not support '\\#' escapes (it reads a comment or an "
                "error); kept as a pattern for a name starting with a literal '#'"
            ).format(pattern=pattern),
        )
    if "[" in pattern.replace("\\[", ""):
        reader.result.note(
            "warning",
            src,
            _(
                "{pattern!r}: '[ ]' character ranges are not supported; the brackets are kept "
                "as literal characters"
            ).format(pattern=pattern),
        )
    try:
        check_pattern(pattern)
    except PatternError as exc:
        reader.result.note(
            "warning",
            src,
            _("skipped {pattern!r}: {reason} (column {column})").format(
                pattern=pattern, reason=exc.localized(), column=exc.column + 1
            ),
        )
        return False
    return True


def _section(reader: _Reader, number: int, match: re.Match[str]) -> None:
    """A GitLab section header: remember its default owners; say once what is lost."""
    optional, name, approvals, rest = match.groups()
    src = reader.src(number)
    owners = [a for a in (_agent(reader, number, o) for o in split_tokens(rest or "")) if a]
    reader.section = (name, owners)
    if not reader.section_warned:
        reader.section_warned = True
        reader.result.note(
            "warning",
            src,
            _(
                "GitLab sections are flattened: rules stay in file order and the last match "
                "decides for the whole file; section default owners are given to ownerless "
                "lines; the union of approvals across sections, optional sections and approval "
                "counts are not kept"
            ),
        )
    if optional:
        reader.result.note(
            "info",
            src,
            _("section {name!r} is optional in GitLab; imported as required").format(name=name),
        )
    if approvals:
        reader.result.note(
            "info",
            src,
            _("section {name!r} requires {approvals} approvals in GitLab; one is kept").format(
                name=name, approvals=approvals
            ),
        )


def _agent(reader: _Reader, number: int, owner: str) -> str | None:
    """The agent for one owner token, or None (reported) when it is no owner at all."""
    src = reader.src(number)
    mapped = reader.reverse.get(_handle_key(owner))
    if mapped is None and not (_USER.fullmatch(owner) or _EMAIL.fullmatch(owner)):
        reader.result.note(
            "warning",
            src,
            _("{owner!r} is not a user, team or e-mail: ignored").format(owner=owner),
        )
        return None
    name = mapped or _derive_name(owner)
    if not mapped and ("@" + name != owner):
        known = reader.handles.setdefault(name, owner)
        if _handle_key(known) != _handle_key(owner):
            reader.result.note(
                "warning",
                src,
                _(
                    "{owner!r} and {known!r} both become agent {name!r}; pass a handle map to "
                    "keep them apart"
                ).format(owner=owner, known=known, name=name),
            )
    reader.agents.setdefault(name, src)
    return name


def _derive_name(owner: str) -> str:
    """``@user`` → ``user``, ``@org/team`` → ``org-team``, ``a.b@x.org`` → ``a.b``."""
    base = owner.split("@", 1)[0] if not owner.startswith("@") else owner[1:]
    name = _NAME_JUNK.sub("-", base.lower().replace("/", "-")).strip("-")
    return name or "owner"


def _handle_key(handle: str) -> str:
    """Handles compare without '@' and case (GitHub logins are case-insensitive)."""
    return handle.strip().lstrip("@").lower()


def _add_rule(reader: _Reader, number: int, pattern: str, agents: list[str]) -> None:
    """Append the rule; an earlier rule with the same pattern is dead (the later one wins)."""
    src = reader.src(number)
    if pattern in reader.rules:
        old_src = reader.rules.pop(pattern)[1]
        reader.result.note(
            "info",
            old_src,
            _("{pattern!r} is repeated at {src}, which wins: dropped").format(
                pattern=pattern, src=src
            ),
            src,
        )
    rule: dict[str, Any] = {"pattern": pattern}
    owners = list(dict.fromkeys(agents))
    if owners:
        rule["owner"] = owners[0]
        if owners[1:]:
            rule["backup"] = owners[1:]
    rule["level"] = reader.level if owners else "none"
    reader.rules[pattern] = (rule, src)


def _finish(reader: _Reader, chosen: str | None) -> ImportResult:
    """Assemble the data: version, escalation, agents, protected, handles."""
    result = reader.result
    first_line = reader.src(1)
    escalation = chosen or DEFAULT_ESCALATION
    reader.agents.setdefault(escalation, first_line)
    if chosen is None:
        result.note(
            "info",
            first_line,
            _(
                "CODEOWNERS names no escalation agent; {agent} is used (change it in the rules)"
            ).format(agent=escalation),
        )
    data: dict[str, Any] = {"version": 1, "escalation": escalation}
    protected = [rule for rule, _ in reader.rules.values()]
    used = {escalation}
    for rule in protected:
        used.update([rule.get("owner", escalation), *rule.get("backup", [])])
    data["agents"] = {name: {} for name in sorted(used)}
    data["protected"] = protected
    handles = {a: h for a, h in sorted(reader.handles.items()) if a in used}
    if handles:
        data["handles"] = handles
    result.data = data
    result.sources["escalation"] = first_line
    for name in used:
        result.sources[f"agent:{name}"] = reader.agents[name]
    for rule, src in reader.rules.values():
        result.sources[f"protected:{rule['pattern']}"] = src
    return result


# --- export --------------------------------------------------------------------------------------


def export_codeowners(rules: Rules, *, handles: Mapping[str, str] | None = None) -> str:
    """`rules` as a CODEOWNERS file (GitHub syntax), each line preceded by its rule's source.

    Owners: `handles` (agent → owner) first, then the rules' own ``handles:``, else
    ``@<agent>`` (an agent that is an e-mail address is written as is). A protected rule without
    an owner is written owned by the escalation agent (then its backups): in our decision only
    they and the superusers can approve it, and an ownerless line would un-own it instead.
    """
    table = {**rules.handles, **(handles or {})}
    lines = [
        f"# Generated by workspace-guard from {rules.path}; edit the rules, not this file.",
        "# The last matching pattern takes precedence. Levels (critical/high) are not a",
        "# CODEOWNERS concept: they are noted in the comments only.",
    ]
    if rules.superusers:
        lines.append(f"# Superusers (not expressible here): {', '.join(rules.superusers)}")
    for rule in rules.protected:
        note = f" ({rule.note})" if rule.note else ""
        lines.append(f"# {rule.source}: level {rule.level}{note}")
        pattern = _escape(rule.pattern, lines)
        if rule.level == "none":
            lines.append(pattern)
            continue
        owners = [rule.owner or rules.escalation, *rule.backup]
        if not rule.owner:
            lines.append(f"# no owner in the rules: {rules.escalation} (escalation) approves")
        lines.append(" ".join([pattern, *(_handle(a, table) for a in dict.fromkeys(owners))]))
    lines.extend(_office_lines(rules, table))
    return "\n".join(lines) + "\n"


def _office_lines(rules: Rules, table: Mapping[str, str]) -> list[str]:
    """Offices last and deepest last: in our decision an office beats every protected rule."""
    offices = [a for a in rules.agents.values() if a.office]
    if not offices:
        return []
    lines = ["", "# Offices: each agent owns its office (they win over the rules above)."]
    for agent in sorted(offices, key=_office_order):
        lines.append(f"# {agent.source}: office of {agent.name}")
        # no trailing '/': like `Rules.office_of`, the office also covers the entry itself
        office = (agent.office or "").strip("/")
        lines.append(f"{_escape('/' + office, lines)} {_handle(agent.name, table)}")
    return lines


def _office_order(agent: Agent) -> tuple[int, str]:
    """Shallow offices first, so a nested office (written later) wins, as the deepest does."""
    office = agent.office or ""
    return (office.rstrip("/").count("/"), office)


def _handle(agent: str, table: Mapping[str, str]) -> str:
    """The CODEOWNERS owner for an agent: mapped, else ``@agent`` (an e-mail stays as is)."""
    if agent in table:
        return table[agent]
    return agent if "@" in agent else "@" + agent


def _escape(pattern: str, lines: list[str]) -> str:
    """Our patterns are CODEOWNERS syntax already; only a space or a leading '#' need care."""
    escaped = re.sub(r"(?<!\\) ", "\\ ", pattern)
    if escaped != pattern:
        lines.append("# warning: GitHub does not support spaces in patterns; escaped for GitLab")
    if escaped.startswith("#"):
        lines.append("# warning: GitHub reads a leading '#' as a comment even when escaped")
        escaped = "\\" + escaped
    return escaped

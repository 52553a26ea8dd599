"""Loading a rules file (contract §3) into the typed model, with positions for every error.

The YAML is composed into nodes (not constructed into plain objects) so that every complaint can
name FILE:LINE:COLUMN (`rules_nodes`); all problems are collected, so `lint` can show them at once
while every other command refuses to work with a broken file.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from workspace_guard.core.duration import parse_duration
from workspace_guard.core.model import LEVELS, Agent, ProtectedRule, Responsibility, Rules
from workspace_guard.core.paths import normalize
from workspace_guard.core.patterns import PatternError, check_pattern
from workspace_guard.core.rules_nodes import (
    Ctx,
    Problem,
    Unreadable,
    compose,
    construct,
    expect_list,
    expect_map,
    expect_str,
    mapping_items,
    node_kind,
    str_list,
    suggest,
)
from workspace_guard.core.template import TemplateConfig, TemplateConfigError
from workspace_guard.errors import ConfigError, PathError, UsageError
from workspace_guard.i18n import _, ngettext

TOP_KEYS = (
    "version",
    "escalation",
    "superusers",
    "agents",
    "protected",
    "responsibilities",
    "commit",
    "harness",
    "watch",
    "language",
    "handles",
)
AGENT_KEYS = ("department", "office", "description")
RULE_KEYS = ("pattern", "owner", "backup", "level", "note")
RESP_KEYS = ("area", "patterns", "responsible", "backup")
HARNESS_KEYS = (
    "main_agent",
    "unknown_agent",
    "mcp_unknown",
    "unknown_code",
    "require_provenance",
    "escalate_after",
    "escalate_window",
    "services",
)
SERVICE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # `harness: services` (claim --as-service)
UNKNOWN_AGENT_CHOICES = ("guest", "deny", "main_agent")
MCP_UNKNOWN_CHOICES = ("paths", "deny", "allow")
UNKNOWN_CODE_CHOICES = ("paths", "deny", "allow")  # harness: unknown_code (Bash analysis)
HARNESS_CHOICES = {
    "unknown_agent": UNKNOWN_AGENT_CHOICES,
    "mcp_unknown": MCP_UNKNOWN_CHOICES,
    "unknown_code": UNKNOWN_CODE_CHOICES,
}
WATCH_KEYS = ("rescan_interval", "incidents_dir", "restore", "ignore")
LANGUAGES = ("en", "es")


class RulesError(ConfigError):
    """A rules file with errors; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:20])
        more = _("\n  … and {n} more").format(n=len(problems) - 20) if len(problems) > 20 else ""
        head = ngettext(
            "the rules file {file} has {n} error:",
            "the rules file {file} has {n} errors:",
            len(problems),
        ).format(file=problems[0].file, n=len(problems))
        super().__init__(
            f"{head}\n  {shown}{more}",
            hint=_("run `workspace-guard lint` to see every problem; fix the file and commit it"),
        )


def load_rules(text: str | bytes, name: str) -> Rules:
    """Parse and validate rules `text`; `name` is how the file is named in messages.

    Raises `RulesError` listing every problem.
    """
    ctx = Ctx(name)
    root = compose(text, ctx)
    if ctx.problems:
        raise RulesError(ctx.problems)
    try:
        rules = _build(root, ctx)
    except Unreadable as exc:  # a YAML tag or merge key: nothing after it can be trusted
        ctx.problems.append(Problem(name, exc.line, exc.column, exc.message))
        rules = None
    if ctx.problems or rules is None:
        problems = ctx.problems or [Problem(name, 1, 1, "empty rules file")]
        raise RulesError(sorted(problems, key=lambda p: (p.line, p.column)))
    return rules


# --- building the model -------------------------------------------------------------------------


@dataclass
class _Refs:
    """Agent names referenced anywhere, checked once the registry is known."""

    items: list[tuple[str, yaml.Node, str]]

    def add(self, name: str, node: yaml.Node, what: str) -> None:
        self.items.append((name, node, what))


def _build(root: yaml.Node | None, ctx: Ctx) -> Rules | None:
    if root is None:
        ctx.problems.append(Problem(ctx.name, 1, 1, _("the rules file is empty")))
        return None
    top = expect_map(root, ctx, _("rules file"))
    if top is None:
        return None
    refs = _Refs([])
    parts: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    for key, _node, value in mapping_items(top, ctx, TOP_KEYS, _("rules file")):
        nodes[key] = value
        parts[key] = _SECTIONS[key](value, ctx, refs)
    for required in ("version", "escalation", "agents"):
        if required not in nodes:
            ctx.error(root, _("rules file: missing required key {key!r}").format(key=required))
    agents: dict[str, Agent] = parts.get("agents") or {}
    registry = nodes.get("agents")
    if registry is not None and not agents and _is_empty(registry):
        ctx.error(
            registry,
            _(
                "agents: the registry is empty; register every agent that acts, "
                "owns a file or receives escalations (at least the escalation agent)"
            ),
        )
    for name, node, what in refs.items:
        if agents and name not in agents:
            ctx.error(
                node,
                _(
                    "{what}: unknown agent {name!r}{suggestion}; "
                    "every agent must be registered under `agents:`"
                ).format(what=what, name=name, suggestion=suggest(name, list(agents))),
            )
    if ctx.problems:
        return None
    return Rules(
        path=ctx.name,
        version=parts["version"],
        escalation=parts["escalation"],
        superusers=tuple(parts.get("superusers") or ()),
        agents=agents,
        protected=tuple(parts.get("protected") or ()),
        responsibilities=tuple(parts.get("responsibilities") or ()),
        commit=parts.get("commit") or {},
        harness=parts.get("harness") or {},
        watch=parts.get("watch") or {},
        language=parts.get("language") or None,
        handles=parts.get("handles") or {},
    )


def _is_empty(node: yaml.Node) -> bool:
    """`key:` with nothing, or `key: {}` / `key: []`."""
    if isinstance(node, yaml.ScalarNode):
        return construct(node) is None
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.value


def _version(node: yaml.Node, ctx: Ctx, refs: _Refs) -> int | None:
    value = construct(node) if isinstance(node, yaml.ScalarNode) else None
    if value != 1 or isinstance(value, bool):
        ctx.error(node, _("version: expected 1, found {kind}").format(kind=node_kind(node)))
        return None
    return 1


def _escalation(node: yaml.Node, ctx: Ctx, refs: _Refs) -> str | None:
    name = expect_str(node, ctx, "escalation")
    if name is not None:
        refs.add(name, node, "escalation")
    return name


def _superusers(node: yaml.Node, ctx: Ctx, refs: _Refs) -> list[str]:
    names = str_list(node, ctx, "superusers")
    for name, item in names:
        refs.add(name, item, "superusers")
    return [name for name, _ in names]


def _agents(node: yaml.Node, ctx: Ctx, refs: _Refs) -> dict[str, Agent]:
    mapping = expect_map(node, ctx, "agents")
    agents: dict[str, Agent] = {}
    if mapping is None:
        return agents
    for name, key_node, value in mapping_items(mapping, ctx, (), "agents"):
        if not name.strip() or any(c.isspace() for c in name):
            ctx.error(
                key_node, _("agents: invalid agent name {name!r} (no spaces)").format(name=name)
            )
            continue
        agents[name] = _agent(name, key_node, value, ctx)
    return agents


def _agent(name: str, key_node: yaml.Node, node: yaml.Node, ctx: Ctx) -> Agent:
    fields: dict[str, str | None] = {"department": None, "office": None}
    label = _("agent {name}").format(name=name)
    body = expect_map(node, ctx, label)
    for key, _node, value in mapping_items(body, ctx, AGENT_KEYS, label) if body else ():
        fields[key] = expect_str(value, ctx, f"{label}: {key}")
        if key == "office" and fields["office"]:
            fields["office"] = _office_path(fields["office"], value, ctx, name)
    return Agent(name, fields["department"], fields["office"], ctx.where(key_node))


def _office_path(office: str, node: yaml.Node, ctx: Ctx, name: str) -> str | None:
    """Offices are directories: repository-relative, stored with one trailing '/'."""
    try:
        path = normalize(office.strip("/"))
    except PathError:
        problem = (
            _("agent {name}: office: path {office!r} contains a NUL byte")
            if "\0" in office
            else _("agent {name}: office: {office!r} is outside the repository")
        )  # the two ways a string from YAML fails core.paths.normalize, in the user's language
        ctx.error(node, problem.format(name=name, office=office.strip("/")))
        return None
    if not path or any(ch in path for ch in "*?["):
        problem = _("agent {name}: office must be a plain directory path, found {office!r}")
        ctx.error(node, problem.format(name=name, office=office))
        return None
    return path + "/"


def _protected(node: yaml.Node, ctx: Ctx, refs: _Refs) -> list[ProtectedRule]:
    rules: list[ProtectedRule] = []
    for position, item in enumerate(expect_list(node, ctx, "protected") or []):
        # messages name the rule's position in the file; the model's index counts valid rules
        rule = _rule(len(rules), item, ctx, refs, position)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(
    index: int, node: yaml.Node, ctx: Ctx, refs: _Refs, position: int
) -> ProtectedRule | None:
    what = f"protected[{position}]"
    body = expect_map(node, ctx, what)
    if body is None:
        return None
    fields: dict[str, Any] = {"owner": None, "backup": (), "level": "critical", "note": None}
    pattern: str | None = None
    keys = set()
    for key, _node, value in mapping_items(body, ctx, RULE_KEYS, what):
        keys.add(key)
        if key == "pattern":
            pattern = _pattern(value, ctx, what)
        elif key == "owner":
            fields["owner"] = _ref_str(value, ctx, refs, f"{what}: owner")
        elif key == "backup":
            fields["backup"] = tuple(_ref_list(value, ctx, refs, f"{what}: backup"))
        elif key == "level":
            fields["level"] = _level(value, ctx, what)
        elif not _is_empty(value):  # `note:` left blank is no note
            fields["note"] = expect_str(value, ctx, f"{what}: note", empty=True)
    if "pattern" not in keys:
        ctx.error(node, _("{what}: missing required key 'pattern'").format(what=what))
    if pattern is None:
        return None
    return ProtectedRule(index, pattern, source=ctx.where(node), **fields)


def _pattern(node: yaml.Node, ctx: Ctx, what: str) -> str | None:
    pattern = expect_str(node, ctx, f"{what}: pattern")
    if pattern is None:
        return None
    try:
        check_pattern(pattern)
    except PatternError as exc:
        problem = _("{what}: bad pattern {pattern!r}: {reason}")
        reason = exc.localized()
        ctx.error(node, problem.format(what=what, pattern=pattern, reason=reason))
        return None
    # Paths are decided in NFC (contract §3 step 1); a pattern typed on macOS may arrive in NFD.
    return unicodedata.normalize("NFC", pattern)


def _level(node: yaml.Node, ctx: Ctx, what: str) -> str:
    level = expect_str(node, ctx, f"{what}: level")
    if level is not None and level not in LEVELS:
        problem = _("{what}: level must be one of {choices}, found {level!r}")
        ctx.error(node, problem.format(what=what, choices=", ".join(LEVELS), level=level))
    return level if level in LEVELS else "critical"


def _ref_str(node: yaml.Node, ctx: Ctx, refs: _Refs, what: str) -> str | None:
    name = expect_str(node, ctx, what)
    if name is not None:
        refs.add(name, node, what)
    return name


def _ref_list(node: yaml.Node, ctx: Ctx, refs: _Refs, what: str) -> list[str]:
    names = str_list(node, ctx, what)
    for name, item in names:
        refs.add(name, item, what)
    return [name for name, _ in names]


def _responsibilities(node: yaml.Node, ctx: Ctx, refs: _Refs) -> list[Responsibility]:
    out: list[Responsibility] = []
    for index, item in enumerate(expect_list(node, ctx, "responsibilities") or []):
        what = f"responsibilities[{index}]"
        body = expect_map(item, ctx, what)
        if body is None:
            continue
        got: dict[str, Any] = {"area": None, "patterns": [], "responsible": None, "backup": []}
        for key, _node, value in mapping_items(body, ctx, RESP_KEYS, what):
            if key == "area":
                got["area"] = expect_str(value, ctx, f"{what}: area")
            elif key == "patterns":
                checked = (
                    _pattern(n, ctx, what) for _, n in str_list(value, ctx, f"{what}: patterns")
                )
                got["patterns"] = [p for p in checked if p is not None]
            elif key == "responsible":
                got["responsible"] = _ref_str(value, ctx, refs, f"{what}: responsible")
            else:
                got["backup"] = _ref_list(value, ctx, refs, f"{what}: backup")
        if got["area"] is None or got["responsible"] is None:
            ctx.error(item, _("{what}: needs both 'area' and 'responsible'").format(what=what))
            continue
        out.append(
            Responsibility(
                got["area"],
                tuple(got["patterns"]),
                got["responsible"],
                tuple(got["backup"]),
                ctx.where(item),
            )
        )
    return out


def _commit(node: yaml.Node, ctx: Ctx, refs: _Refs) -> Mapping[str, Any]:
    """The `commit:` section; its detailed validation belongs to the template module."""
    body = expect_map(node, ctx, "commit")
    if body is None:
        return {}
    data = construct(body)
    try:
        TemplateConfig.from_mapping(data)
    except TemplateConfigError as exc:
        ctx.error(_node_at(body, exc.key_path), str(exc))  # "commit.KEY…: reason"
    return dict(data)


def _node_at(node: yaml.Node, path: tuple[Any, ...]) -> yaml.Node:
    """The node at a key path, for positioning errors found on constructed data."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if construct(k) == step]
            if not found:
                return node
            node = found[0]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            node = node.value[step]
        else:
            return node
    return node


def _harness(node: yaml.Node, ctx: Ctx, refs: _Refs) -> Mapping[str, Any]:
    """`harness:`: `main_agent` (who acts when the harness names nobody), `unknown_agent`,
    `mcp_unknown` (how an MCP tool the gate does not know is decided), `unknown_code` (Bash
    commands running code the analysis cannot read)."""
    body = expect_map(node, ctx, "harness")
    out: dict[str, Any] = {}
    for key, _node, value in mapping_items(body, ctx, HARNESS_KEYS, "harness") if body else ():
        if key == "main_agent":
            out[key] = _ref_str(value, ctx, refs, "harness: main_agent")
        elif key == "escalate_after":  # repeated denials open a consultation (harness gate)
            count = construct(value)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                ctx.error(value, _("harness: escalate_after must be a whole number of at least 1"))
            out[key] = count
        elif key == "escalate_window":
            out[key] = _window(value, ctx)
        elif key == "services":  # identities of scripts outside any harness (claim --as-service)
            out[key] = _services(value, ctx)
        elif key == "require_provenance":  # the commit gate's identity cross-check
            flag = construct(value)
            if not isinstance(flag, bool):
                ctx.error(value, _("harness: require_provenance must be true or false"))
            out[key] = flag is True
        else:
            choices = HARNESS_CHOICES[key]
            choice = expect_str(value, ctx, f"harness: {key}")
            if choice not in choices:
                problem = _("harness: {key} must be one of {choices}")
                ctx.error(value, problem.format(key=key, choices=", ".join(choices)))
            out[key] = choice
    return out


def _services(value: yaml.Node, ctx: Ctx) -> list[str]:
    """`harness: services`: the names a script no harness runs and no person types (a CI job,
    cron) may claim as (`claim --as-service NAME`, holder `service:NAME`); never an agent."""
    import re

    names = []
    for name, node in str_list(value, ctx, "harness: services"):
        if re.fullmatch(SERVICE_NAME, name):
            names.append(name)
        else:
            problem = _(
                "harness: services: {name!r} is not a service name (letters, digits, ., _, -)"
            )
            ctx.error(node, problem.format(name=name))
    return names


def _window(value: yaml.Node, ctx: Ctx) -> str:
    """`harness: escalate_window`: a duration (`10m`, `1h`), kept as written."""
    text = expect_str(value, ctx, "harness: escalate_window") or ""
    try:
        parse_duration(text, option="harness: escalate_window")
    except UsageError:
        ctx.error(value, _("harness: escalate_window must be a duration such as 10m, 1h or 90s"))
    return text


def _watch(node: yaml.Node, ctx: Ctx, refs: _Refs) -> Mapping[str, Any]:
    """`watch:`: daemon settings (rescan interval seconds, incidents folder, restore, ignore)."""
    body = expect_map(node, ctx, "watch")
    out: dict[str, Any] = {}
    for key, _node, value in mapping_items(body, ctx, WATCH_KEYS, "watch") if body else ():
        data = construct(value)
        valid = _WATCH_CHECKS[key]
        if not valid(data):
            ctx.error(value, _("watch: {key}: invalid value {value!r}").format(key=key, value=data))
            continue
        out[key] = data
    return out


def _positive_number(value: Any) -> bool:
    """A finite number above zero (YAML's `.inf` and `.nan` are floats too)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


_WATCH_CHECKS: dict[str, Callable[[Any], bool]] = {
    "rescan_interval": _positive_number,
    "incidents_dir": lambda v: isinstance(v, str) and bool(v.strip()),
    "restore": lambda v: isinstance(v, bool),
    "ignore": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def _language(node: yaml.Node, ctx: Ctx, refs: _Refs) -> str | None:
    lang = expect_str(node, ctx, "language")
    if lang is not None and lang not in LANGUAGES:
        problem = _("language: expected one of {choices}, found {lang!r}")
        ctx.error(node, problem.format(choices=", ".join(LANGUAGES), lang=lang))
    return lang


def _handles(node: yaml.Node, ctx: Ctx, refs: _Refs) -> dict[str, str]:
    """`handles:` maps agents to CODEOWNERS owners for `export codeowners`."""
    body = expect_map(node, ctx, "handles")
    out: dict[str, str] = {}
    for name, key_node, value in mapping_items(body, ctx, (), "handles") if body else ():
        refs.add(name, key_node, "handles")
        handle = expect_str(value, ctx, f"handles: {name}")
        if handle:
            out[name] = handle
    return out


_SECTIONS: dict[str, Callable[[yaml.Node, Ctx, _Refs], Any]] = {
    "version": _version,
    "escalation": _escalation,
    "superusers": _superusers,
    "agents": _agents,
    "protected": _protected,
    "responsibilities": _responsibilities,
    "commit": _commit,
    "harness": _harness,
    "watch": _watch,
    "language": _language,
    "handles": _handles,
}

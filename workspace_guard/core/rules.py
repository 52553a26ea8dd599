"""Loading a rules file (contract §3) into the typed model, with positions for every error.

The YAML is composed into nodes (not constructed into plain objects) so that every complaint can
name FILE:LINE:COLUMN; all problems are collected, so `lint` can show them at once while every other
command refuses to work with a broken file.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from workspace_guard.core.duration import parse_duration
from workspace_guard.core.model import LEVELS, Agent, ProtectedRule, Responsibility, Rules
from workspace_guard.core.paths import normalize
from workspace_guard.core.patterns import PatternError, check_pattern
from workspace_guard.core.template import TemplateConfig, TemplateConfigError
from workspace_guard.errors import ConfigError, PathError, UsageError
from workspace_guard.i18n import _, ngettext

MAX_RULES_BYTES = 2 * 1024 * 1024
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
)
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


@dataclass(frozen=True)
class Problem:
    """One error in a rules file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


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


class _Ctx:
    """Collects problems while walking the node tree."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.problems.append(Problem(self.name, line, col, message))

    def where(self, node: yaml.Node) -> str:
        return f"{self.name}:{node.start_mark.line + 1}"


def load_rules(text: str | bytes, name: str) -> Rules:
    """Parse and validate rules `text`; `name` is how the file is named in messages.

    Raises `RulesError` listing every problem.
    """
    ctx = _Ctx(name)
    root = _compose(text, ctx)
    if ctx.problems:
        raise RulesError(ctx.problems)
    try:
        rules = _build(root, ctx)
    except _Unreadable as exc:  # a YAML tag or merge key: nothing after it can be trusted
        ctx.problems.append(Problem(name, exc.line, exc.column, exc.message))
        rules = None
    if ctx.problems or rules is None:
        problems = ctx.problems or [Problem(name, 1, 1, "empty rules file")]
        raise RulesError(sorted(problems, key=lambda p: (p.line, p.column)))
    return rules


def _compose(text: str | bytes, ctx: _Ctx) -> yaml.Node | None:
    """YAML text → node tree, with parse errors turned into positioned problems."""
    size = len(text)
    if size > MAX_RULES_BYTES:
        ctx.problems.append(
            Problem(
                ctx.name,
                1,
                1,
                _(
                    "the file is {size:.1f} MiB; rules files are limited "
                    "to {limit} MiB (split generated rules or use directories)"
                ).format(size=size / 1048576, limit=MAX_RULES_BYTES // 1048576),
            )
        )
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = _("not UTF-8 (byte {offset})").format(offset=exc.start)
            ctx.problems.append(Problem(ctx.name, 1, 1, problem))
            return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = _("invalid YAML: {problem}").format(problem=exc.problem or exc.context)
        message += _tab_hint(text, line)
        ctx.problems.append(Problem(ctx.name, line, col, message))
    except yaml.YAMLError as exc:
        ctx.problems.append(
            Problem(ctx.name, 1, 1, _("invalid YAML: {problem}").format(problem=exc))
        )
    return None


def _tab_hint(text: str, line: int) -> str:
    """libyaml does not say that a tab caused the error; the text does."""
    lines = text.splitlines()
    indented = [n for n, t in enumerate(lines, 1) if t[: len(t) - len(t.lstrip())].count("\t")]
    if not indented:
        return ""
    if line in indented:
        return _("; YAML does not allow tabs for indentation, use spaces")
    return _(
        "; YAML does not allow tabs for indentation, use spaces "
        "(line {line} is indented with a tab)"
    ).format(line=indented[0])


# --- node helpers -------------------------------------------------------------------------------


class _Unreadable(Exception):
    """A node the safe constructor refuses (a tag such as `!name`, a `<<` merge key)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class _ScalarLoader(yaml.SafeLoader):
    def __init__(self) -> None:  # no stream: only the constructor methods are used
        yaml.constructor.SafeConstructor.__init__(self)


_SCALAR_LOADER = _ScalarLoader()


def _construct(node: yaml.Node) -> Any:
    loader = _SCALAR_LOADER
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or node.start_mark
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Unreadable(
            mark.line + 1,
            mark.column + 1,
            _(
                "unsupported YAML: {problem} (tags like `!name` and `<<` merge keys are not part "
                "of the rules format)"
            ).format(problem=problem),
        ) from None
    finally:  # the constructor remembers every node it built: forget them (long-lived daemons)
        loader.constructed_objects.clear()
        loader.recursive_objects.clear()
        loader.state_generators.clear()
        loader.deep_construct = False


def _items(
    node: yaml.MappingNode, ctx: _Ctx, allowed: tuple[str, ...], what: str
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Mapping entries with string keys; unknown and duplicate keys are reported."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _construct(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            ctx.error(key_node, _("{what}: keys must be strings").format(what=what))
            continue
        if key in seen:
            ctx.error(
                key_node,
                _("{what}: duplicate key {key!r} (first at line {line})").format(
                    what=what, key=key, line=seen[key].start_mark.line + 1
                ),
            )
            continue
        seen[key] = key_node
        if allowed and key not in allowed:
            ctx.error(
                key_node,
                _("{what}: unknown key {key!r}{suggestion}; expected one of: {choices}").format(
                    what=what,
                    key=key,
                    suggestion=_suggest(key, allowed),
                    choices=", ".join(allowed),
                ),
            )
            continue
        yield key, key_node, value_node


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return _(" (did you mean {names}?)").format(names=", ".join(repr(c) for c in close))


def _expect_str(node: yaml.Node, ctx: _Ctx, what: str, *, empty: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        value = _construct(node)
        if isinstance(value, str) and (empty or value.strip()):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            ctx.error(node, _("{what}: must not be empty").format(what=what))
            return None
    ctx.error(
        node, _("{what}: expected a string, found {kind}").format(what=what, kind=_kind(node))
    )
    return None


def _expect_list(node: yaml.Node, ctx: _Ctx, what: str) -> list[yaml.Node] | None:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.ScalarNode) and _construct(node) is None:
        return []
    ctx.error(node, _("{what}: expected a list, found {kind}").format(what=what, kind=_kind(node)))
    return None


def _expect_map(node: yaml.Node, ctx: _Ctx, what: str) -> yaml.MappingNode | None:
    if isinstance(node, yaml.MappingNode):
        return node
    if isinstance(node, yaml.ScalarNode) and _construct(node) is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", [], node.start_mark, node.end_mark)
    ctx.error(
        node, _("{what}: expected a mapping, found {kind}").format(what=what, kind=_kind(node))
    )
    return None


def _str_list(node: yaml.Node, ctx: _Ctx, what: str) -> list[tuple[str, yaml.Node]]:
    """A list of strings, or a single string accepted as a one-item list."""
    if isinstance(node, yaml.ScalarNode) and isinstance(_construct(node), str):
        return [(_construct(node), node)]
    out = []
    for item in _expect_list(node, ctx, what) or []:
        value = _expect_str(item, ctx, what)
        if value is not None:
            out.append((value, item))
    return out


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return _("a mapping")
    if isinstance(node, yaml.SequenceNode):
        return _("a list")
    value = _construct(node)
    return _("nothing") if value is None else f"{type(value).__name__} {value!r}"


# --- building the model -------------------------------------------------------------------------


@dataclass
class _Refs:
    """Agent names referenced anywhere, checked once the registry is known."""

    items: list[tuple[str, yaml.Node, str]]

    def add(self, name: str, node: yaml.Node, what: str) -> None:
        self.items.append((name, node, what))


def _build(root: yaml.Node | None, ctx: _Ctx) -> Rules | None:
    if root is None:
        ctx.problems.append(Problem(ctx.name, 1, 1, _("the rules file is empty")))
        return None
    top = _expect_map(root, ctx, _("rules file"))
    if top is None:
        return None
    refs = _Refs([])
    parts: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    for key, _node, value in _items(top, ctx, TOP_KEYS, _("rules file")):
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
                ).format(what=what, name=name, suggestion=_suggest(name, list(agents))),
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
        return _construct(node) is None
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.value


def _version(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> int | None:
    value = _construct(node) if isinstance(node, yaml.ScalarNode) else None
    if value != 1 or isinstance(value, bool):
        ctx.error(node, _("version: expected 1, found {kind}").format(kind=_kind(node)))
        return None
    return 1


def _escalation(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> str | None:
    name = _expect_str(node, ctx, "escalation")
    if name is not None:
        refs.add(name, node, "escalation")
    return name


def _superusers(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> list[str]:
    names = _str_list(node, ctx, "superusers")
    for name, item in names:
        refs.add(name, item, "superusers")
    return [name for name, _ in names]


def _agents(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> dict[str, Agent]:
    mapping = _expect_map(node, ctx, "agents")
    agents: dict[str, Agent] = {}
    if mapping is None:
        return agents
    for name, key_node, value in _items(mapping, ctx, (), "agents"):
        if not name.strip() or any(c.isspace() for c in name):
            ctx.error(
                key_node, _("agents: invalid agent name {name!r} (no spaces)").format(name=name)
            )
            continue
        agents[name] = _agent(name, key_node, value, ctx)
    return agents


def _agent(name: str, key_node: yaml.Node, node: yaml.Node, ctx: _Ctx) -> Agent:
    fields: dict[str, str | None] = {"department": None, "office": None}
    label = _("agent {name}").format(name=name)
    body = _expect_map(node, ctx, label)
    for key, _node, value in _items(body, ctx, AGENT_KEYS, label) if body else ():
        fields[key] = _expect_str(value, ctx, f"{label}: {key}")
        if key == "office" and fields["office"]:
            fields["office"] = _office_path(fields["office"], value, ctx, name)
    return Agent(name, fields["department"], fields["office"], ctx.where(key_node))


def _office_path(office: str, node: yaml.Node, ctx: _Ctx, name: str) -> str | None:
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


def _protected(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> list[ProtectedRule]:
    rules: list[ProtectedRule] = []
    for position, item in enumerate(_expect_list(node, ctx, "protected") or []):
        # messages name the rule's position in the file; the model's index counts valid rules
        rule = _rule(len(rules), item, ctx, refs, position)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(
    index: int, node: yaml.Node, ctx: _Ctx, refs: _Refs, position: int
) -> ProtectedRule | None:
    what = f"protected[{position}]"
    body = _expect_map(node, ctx, what)
    if body is None:
        return None
    fields: dict[str, Any] = {"owner": None, "backup": (), "level": "critical", "note": None}
    pattern: str | None = None
    keys = set()
    for key, _node, value in _items(body, ctx, RULE_KEYS, what):
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
            fields["note"] = _expect_str(value, ctx, f"{what}: note", empty=True)
    if "pattern" not in keys:
        ctx.error(node, _("{what}: missing required key 'pattern'").format(what=what))
    if pattern is None:
        return None
    return ProtectedRule(index, pattern, source=ctx.where(node), **fields)


def _pattern(node: yaml.Node, ctx: _Ctx, what: str) -> str | None:
    pattern = _expect_str(node, ctx, f"{what}: pattern")
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


def _level(node: yaml.Node, ctx: _Ctx, what: str) -> str:
    level = _expect_str(node, ctx, f"{what}: level")
    if level is not None and level not in LEVELS:
        problem = _("{what}: level must be one of {choices}, found {level!r}")
        ctx.error(node, problem.format(what=what, choices=", ".join(LEVELS), level=level))
    return level if level in LEVELS else "critical"


def _ref_str(node: yaml.Node, ctx: _Ctx, refs: _Refs, what: str) -> str | None:
    name = _expect_str(node, ctx, what)
    if name is not None:
        refs.add(name, node, what)
    return name


def _ref_list(node: yaml.Node, ctx: _Ctx, refs: _Refs, what: str) -> list[str]:
    names = _str_list(node, ctx, what)
    for name, item in names:
        refs.add(name, item, what)
    return [name for name, _ in names]


def _responsibilities(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> list[Responsibility]:
    out: list[Responsibility] = []
    for index, item in enumerate(_expect_list(node, ctx, "responsibilities") or []):
        what = f"responsibilities[{index}]"
        body = _expect_map(item, ctx, what)
        if body is None:
            continue
        got: dict[str, Any] = {"area": None, "patterns": [], "responsible": None, "backup": []}
        for key, _node, value in _items(body, ctx, RESP_KEYS, what):
            if key == "area":
                got["area"] = _expect_str(value, ctx, f"{what}: area")
            elif key == "patterns":
                checked = (
                    _pattern(n, ctx, what) for _, n in _str_list(value, ctx, f"{what}: patterns")
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


def _commit(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> Mapping[str, Any]:
    """The `commit:` section; its detailed validation belongs to the template module."""
    body = _expect_map(node, ctx, "commit")
    if body is None:
        return {}
    data = _construct(body)
    try:
        TemplateConfig.from_mapping(data)
    except TemplateConfigError as exc:
        ctx.error(_node_at(body, exc.key_path), str(exc))  # "commit.KEY…: reason"
    return dict(data)


def _node_at(node: yaml.Node, path: tuple[Any, ...]) -> yaml.Node:
    """The node at a key path, for positioning errors found on constructed data."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if _construct(k) == step]
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


def _harness(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> Mapping[str, Any]:
    """`harness:`: `main_agent` (who acts when the harness names nobody), `unknown_agent`,
    `mcp_unknown` (how an MCP tool the gate does not know is decided), `unknown_code` (Bash
    commands running code the analysis cannot read)."""
    body = _expect_map(node, ctx, "harness")
    out: dict[str, Any] = {}
    for key, _node, value in _items(body, ctx, HARNESS_KEYS, "harness") if body else ():
        if key == "main_agent":
            out[key] = _ref_str(value, ctx, refs, "harness: main_agent")
        elif key == "escalate_after":  # repeated denials open a consultation (harness gate)
            count = _construct(value)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                ctx.error(value, _("harness: escalate_after must be a whole number of at least 1"))
            out[key] = count
        elif key == "escalate_window":
            out[key] = _window(value, ctx)
        elif key == "require_provenance":  # the commit gate's identity cross-check
            flag = _construct(value)
            if not isinstance(flag, bool):
                ctx.error(value, _("harness: require_provenance must be true or false"))
            out[key] = flag is True
        else:
            choices = HARNESS_CHOICES[key]
            choice = _expect_str(value, ctx, f"harness: {key}")
            if choice not in choices:
                problem = _("harness: {key} must be one of {choices}")
                ctx.error(value, problem.format(key=key, choices=", ".join(choices)))
            out[key] = choice
    return out


def _window(value: yaml.Node, ctx: _Ctx) -> str:
    """`harness: escalate_window`: a duration (`10m`, `1h`), kept as written."""
    text = _expect_str(value, ctx, "harness: escalate_window") or ""
    try:
        parse_duration(text, option="harness: escalate_window")
    except UsageError:
        ctx.error(value, _("harness: escalate_window must be a duration such as 10m, 1h or 90s"))
    return text


def _watch(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> Mapping[str, Any]:
    """`watch:`: daemon settings (rescan interval seconds, incidents folder, restore, ignore)."""
    body = _expect_map(node, ctx, "watch")
    out: dict[str, Any] = {}
    for key, _node, value in _items(body, ctx, WATCH_KEYS, "watch") if body else ():
        data = _construct(value)
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


def _language(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> str | None:
    lang = _expect_str(node, ctx, "language")
    if lang is not None and lang not in LANGUAGES:
        problem = _("language: expected one of {choices}, found {lang!r}")
        ctx.error(node, problem.format(choices=", ".join(LANGUAGES), lang=lang))
    return lang


def _handles(node: yaml.Node, ctx: _Ctx, refs: _Refs) -> dict[str, str]:
    """`handles:` maps agents to CODEOWNERS owners for `export codeowners`."""
    body = _expect_map(node, ctx, "handles")
    out: dict[str, str] = {}
    for name, key_node, value in _items(body, ctx, (), "handles") if body else ():
        refs.add(name, key_node, "handles")
        handle = _expect_str(value, ctx, f"handles: {name}")
        if handle:
            out[name] = handle
    return out


_SECTIONS: dict[str, Callable[[yaml.Node, _Ctx, _Refs], Any]] = {
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

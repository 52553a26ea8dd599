"""Reading a rules file's YAML as nodes, with positions (`core.rules` builds the model from them).

The text is composed into nodes, not constructed into plain objects, so that every complaint can
name FILE:LINE:COLUMN; `Ctx` collects the problems so all of them are shown at once. Scalars are
constructed one at a time by the safe constructor; tags and merge keys are refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from workspace_guard.i18n import _

MAX_RULES_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One error in a rules file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class Ctx:
    """Collects problems while walking the node tree."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.problems.append(Problem(self.name, line, col, message))

    def where(self, node: yaml.Node) -> str:
        return f"{self.name}:{node.start_mark.line + 1}"


def compose(text: str | bytes, ctx: Ctx) -> yaml.Node | None:
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


class Unreadable(Exception):
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


def construct(node: yaml.Node) -> Any:
    loader = _SCALAR_LOADER
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or node.start_mark
        problem = getattr(exc, "problem", None) or str(exc)
        raise Unreadable(
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


def mapping_items(
    node: yaml.MappingNode, ctx: Ctx, allowed: tuple[str, ...], what: str
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Mapping entries with string keys; unknown and duplicate keys are reported."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = construct(key_node) if isinstance(key_node, yaml.ScalarNode) else None
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
                    suggestion=suggest(key, allowed),
                    choices=", ".join(allowed),
                ),
            )
            continue
        yield key, key_node, value_node


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return _(" (did you mean {names}?)").format(names=", ".join(repr(c) for c in close))


def expect_str(node: yaml.Node, ctx: Ctx, what: str, *, empty: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        value = construct(node)
        if isinstance(value, str) and (empty or value.strip()):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            ctx.error(node, _("{what}: must not be empty").format(what=what))
            return None
    ctx.error(
        node, _("{what}: expected a string, found {kind}").format(what=what, kind=node_kind(node))
    )
    return None


def expect_list(node: yaml.Node, ctx: Ctx, what: str) -> list[yaml.Node] | None:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.ScalarNode) and construct(node) is None:
        return []
    ctx.error(
        node, _("{what}: expected a list, found {kind}").format(what=what, kind=node_kind(node))
    )
    return None


def expect_map(node: yaml.Node, ctx: Ctx, what: str) -> yaml.MappingNode | None:
    if isinstance(node, yaml.MappingNode):
        return node
    if isinstance(node, yaml.ScalarNode) and construct(node) is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", [], node.start_mark, node.end_mark)
    ctx.error(
        node, _("{what}: expected a mapping, found {kind}").format(what=what, kind=node_kind(node))
    )
    return None


def str_list(node: yaml.Node, ctx: Ctx, what: str) -> list[tuple[str, yaml.Node]]:
    """A list of strings, or a single string accepted as a one-item list."""
    if isinstance(node, yaml.ScalarNode) and isinstance(construct(node), str):
        return [(construct(node), node)]
    out = []
    for item in expect_list(node, ctx, what) or []:
        value = expect_str(item, ctx, what)
        if value is not None:
            out.append((value, item))
    return out


def node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return _("a mapping")
    if isinstance(node, yaml.SequenceNode):
        return _("a list")
    value = construct(node)
    return _("nothing") if value is None else f"{type(value).__name__} {value!r}"

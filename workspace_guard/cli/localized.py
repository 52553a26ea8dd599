"""`--help` in the user's language: click's help pages with every text looked up in our catalogue.

Click's decorators run at import time, before the language is known, so help strings are stored
in English and translated when a page is drawn: a `Context` whose formatter passes each heading,
paragraph and definition through `_()` (the catalogue is keyed by the English text as click
shows it: the docstring after `inspect.cleandoc`, cut at a form feed; an option's help without
its `[default: …]` suffix). Nothing is mutated, so a process that shows help twice in two
languages gets both right.

A help page is drawn before any rules are loaded, so the language comes from the environment
and, when the current directory is inside a workspace, from the `language:` line of its rules
file (read as text, not parsed: help must stay cheap and never fail).
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterable

import click

from workspace_guard import i18n
from workspace_guard.i18n import _

RULES_FILE = os.path.join(".workspace", "rules.yaml")
LANGUAGE_LINE = re.compile(r"^language:\s*[\"']?([A-Za-z_-]+)", re.MULTILINE)


class Formatter(click.HelpFormatter):
    """A help formatter that translates what it writes."""

    short_helps: dict[str, str]

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        super().__init__(indent_increment, width, max_width)
        self.short_helps = {}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_text(self, text: str) -> None:
        super().write_text(_(text))

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        shown = [(term, self.short_helps.get(text) or translate_row(text)) for term, text in rows]
        super().write_dl(shown, col_max, col_spacing)


def translate_row(text: str) -> str:
    """An option's help, its `  [default: …]` suffix kept as click wrote it."""
    base, sep, extra = text.partition("  [")
    if sep and text.endswith("]"):
        return f"{_(base)}{sep}{extra}"
    return _(text) if text else text


class Context(click.Context):
    """A click context whose help pages are translated."""

    formatter_class = Formatter

    def make_formatter(self) -> click.HelpFormatter:
        formatter = super().make_formatter()
        choose_language()
        if isinstance(formatter, Formatter) and isinstance(self.command, click.Group):
            formatter.short_helps = short_helps(self, self.command, formatter.width or 80)
        return formatter


def localize(command: click.Command) -> click.Command:
    """Make `command` (and the commands of a group, recursively) draw translated help."""
    command.context_class = Context
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localize(sub)
    return command


def short_helps(ctx: click.Context, group: click.Group, width: int) -> dict[str, str]:
    """The one-line help of each command the group lists: English (as click cuts it) →
    translated (cut the same way)."""
    names = [n for n in group.list_commands(ctx) if group.get_command(ctx, n) is not None]
    if not names:
        return {}
    limit = width - 6 - max(len(n) for n in names)
    found = {}
    for name in names:
        sub = group.get_command(ctx, name)
        if sub is None or not sub.help or sub.short_help:
            continue
        english = sub.get_short_help_str(limit)
        found[english] = shorten(_(inspect.cleandoc(sub.help).partition("\f")[0]), limit)
    return found


def shorten(text: str, limit: int) -> str:
    """The first sentence of the first paragraph, cut at `limit` characters with `...`."""
    first = " ".join(text.split("\n\n", maxsplit=1)[0].split())
    stop = first.find(". ")
    if stop != -1:
        first = first[: stop + 1]
    if len(first) <= limit:
        return first
    cut = first[: limit - 3]
    if first[limit - 3] != " ":
        cut = cut.rsplit(" ", 1)[0]  # a word cut in two is dropped
    return cut.rstrip(",;:") + "..."


def choose_language() -> None:
    """Before any rules are loaded: the environment, then the workspace's `language:` line."""
    if i18n.is_chosen():
        return
    i18n.set_language(workspace_language(os.getcwd()))


def workspace_language(start: str) -> str | None:
    """The `language:` of the rules file of the repository around `start` (None if none)."""
    here = os.path.abspath(start)
    while True:
        candidate = os.path.join(here, RULES_FILE)
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8", errors="replace") as handle:
                    found = LANGUAGE_LINE.search(handle.read(1 << 20))
            except OSError:
                return None
            return found.group(1) if found else None
        if os.path.exists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent

"""`--help` in the user's language: click's help pages with every text looked up in our catalogue.

Click's decorators run at import time, before the language is known, so help strings are stored
in English and translated when a page is drawn: a `Context` whose formatter passes each heading,
paragraph and definition through `_()` (the catalogue is keyed by the English text as click
shows it: the docstring after `inspect.cleandoc`, cut at a form feed; an option's help without
its `[default: …]` suffix). Nothing is mutated, so a process that shows help twice in two
languages gets both right.

A help page is drawn before any rules are loaded, so the language comes from the environment
and, when the current directory is inside a workspace, from the `language:` line of the rules
the commands would read: as committed at the trusted revision (trust_root), else the
working-tree file where nothing is committed yet (read as text, not parsed: help must stay
cheap and never fail).

Click's own words (usage errors: "Error: No such option", "Try … for help", "Missing
argument"…) go through the same catalogue: click looks them up with module-level `gettext`
functions, which `speak_through_click` points at ours; the language is chosen the same way
when the first one is looked up.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterable

import click

from workspace_guard import i18n
from workspace_guard.i18n import N_, _


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
    """Before any rules are loaded: the environment, then the workspace's `language:` line
    (of the rules the commands trust: `i18n.workspace_language`)."""
    i18n.choose_for_workspace(os.getcwd())


workspace_language = i18n.workspace_language


# click's words a user meets in a usage error, marked so the catalogue's completeness test
# covers them (click keys its catalogue by these English texts; "error:" as git's Spanish says)
CLICK_WORDS = (
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("No such option {name!r}."),
    N_("No such option: {name}"),
    N_("No such command {name!r}."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("Aborted!"),
    N_("default: {default}"),
)


# click's modules that look up the words of usage errors and help (decorators only at import)
CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "termui")


def _click_gettext(message: str) -> str:
    choose_language()
    return _(message)


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    choose_language()
    return i18n.ngettext(singular, plural, count)


def speak_through_click() -> None:
    """Point click's `gettext`/`ngettext` at our catalogue (idempotent; a click without them
    keeps its English)."""
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if callable(getattr(module, "_", None)):
            setattr(module, "_", _click_gettext)  # noqa: B010 - a module's global, on purpose
        if callable(getattr(module, "ngettext", None)):
            setattr(module, "ngettext", _click_ngettext)  # noqa: B010


speak_through_click()
